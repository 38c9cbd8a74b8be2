// IEEE 754 binary16 <-> binary32 conversion, scalar. The SIMD kernels use F16C
// where the CPU has it; these are the reference and the fallback.
#pragma once

#include <cstdint>
#include <cstring>

namespace vdb {

using Half = uint16_t;  // the raw bits of a binary16 value

inline float HalfToFloat(Half h) {
	uint32_t sign = uint32_t(h & 0x8000) << 16;
	uint32_t exponent = (h >> 10) & 0x1f;
	uint32_t mantissa = h & 0x3ff;
	uint32_t bits;
	if (exponent == 0x1f) {  // inf or nan
		bits = sign | 0x7f800000 | (mantissa << 13);
	} else if (exponent != 0) {  // normal
		bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
	} else if (mantissa == 0) {  // signed zero
		bits = sign;
	} else {  // subnormal: normalise the mantissa
		int shift = 0;
		while ((mantissa & 0x400) == 0) {
			mantissa <<= 1;
			shift++;
		}
		bits = sign | (uint32_t(113 - shift) << 23) | ((mantissa & 0x3ff) << 13);
	}
	float f;
	std::memcpy(&f, &bits, sizeof f);
	return f;
}

// Rounds to nearest, ties to even; values beyond the float16 range become
// infinity (callers that must reject overflow check for it).
inline Half FloatToHalf(float f) {
	uint32_t bits;
	std::memcpy(&bits, &f, sizeof bits);
	uint32_t sign = (bits >> 16) & 0x8000;
	uint32_t abs = bits & 0x7fffffff;
	if (abs >= 0x7f800000)  // inf or nan (keep nan quiet and non-zero)
		return Half(sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0));
	if (abs >= 0x477ff000)  // rounds to >= 65520: overflow
		return Half(sign | 0x7c00);
	if (abs < 0x38800000) {  // below the smallest normal half: subnormal or zero
		if (abs < 0x33000000)  // below half the smallest subnormal
			return Half(sign);
		uint32_t mantissa = (abs & 0x7fffff) | 0x800000;
		int shift = 126 - int(abs >> 23);  // 14..24
		uint32_t result = mantissa >> shift;
		uint32_t rest = mantissa & ((1u << shift) - 1);
		uint32_t halfway = 1u << (shift - 1);
		if (rest > halfway || (rest == halfway && (result & 1)))
			result++;
		return Half(sign | result);
	}
	uint32_t result = ((abs - 0x38000000) >> 13);
	uint32_t rest = abs & 0x1fff;
	if (rest > 0x1000 || (rest == 0x1000 && (result & 1)))
		result++;
	return Half(sign | result);
}

}  // namespace vdb
