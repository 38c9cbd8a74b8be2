// AVX2 quantizer kernels: 32 SQ8 codes per step against 16-bit weights (8
// against float weights), 8
// table entries gathered per step for PQ, and hardware POPCNT for bit codes.
// Only this file is compiled for AVX2 (the pragma below); kernels_dispatch.cpp
// calls in only when the CPU has it.
#include "core/pure.h"

#include "core/quantizer/kernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,popcnt")

#include "core/quantizer/popcount_loops.h"

namespace vdb {
namespace {

float HorizontalSum(__m256 v) {
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

__m256 LoadCodes(const uint8_t *code) {
	__m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(code));
	return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
}

float F32U8Dot(const float *weight, const uint8_t *code, size_t d) {
	__m256 acc = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 8 <= d; i += 8)
		acc = _mm256_fmadd_ps(_mm256_loadu_ps(weight + i), LoadCodes(code + i), acc);
	float sum = HorizontalSum(acc);
	for (; i < d; i++)
		sum += weight[i] * float(code[i]);
	return sum;
}

float F16U8Dot(const Half *weight, const uint8_t *code, size_t d) {
	__m256 acc = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 8 <= d; i += 8) {
		__m256 w = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(weight + i)));
		acc = _mm256_fmadd_ps(w, LoadCodes(code + i), acc);
	}
	float sum = HorizontalSum(acc);
	for (; i < d; i++)
		sum += HalfToFloat(weight[i]) * float(code[i]);
	return sum;
}

// 16 codes widened to 16-bit lanes times 16 weights, summed in pairs into
// 8 32-bit lanes.
__m256i MulAdd16(const int16_t *weight, const uint8_t *code) {
	__m256i codes = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(code)));
	return _mm256_madd_epi16(codes, _mm256_loadu_si256(reinterpret_cast<const __m256i *>(weight)));
}

// Two accumulators, so each 32-bit lane sums at most d / 16 products.
int64_t I16U8Dot(const int16_t *weight, const uint8_t *code, size_t d) {
	__m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
	size_t i = 0;
	for (; i + 32 <= d; i += 32) {
		acc0 = _mm256_add_epi32(acc0, MulAdd16(weight + i, code + i));
		acc1 = _mm256_add_epi32(acc1, MulAdd16(weight + i + 16, code + i + 16));
	}
	if (i + 16 <= d) {
		acc0 = _mm256_add_epi32(acc0, MulAdd16(weight + i, code + i));
		i += 16;
	}
	__m256i wide = _mm256_add_epi64(
	    _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(acc0)),
	                     _mm256_cvtepi32_epi64(_mm256_extracti128_si256(acc0, 1))),
	    _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(acc1)),
	                     _mm256_cvtepi32_epi64(_mm256_extracti128_si256(acc1, 1))));
	alignas(32) int64_t lanes[4];
	_mm256_store_si256(reinterpret_cast<__m256i *>(lanes), wide);
	int64_t sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
	for (; i < d; i++)
		sum += int32_t(weight[i]) * int32_t(code[i]);
	return sum;
}

// 128 of the 256 sums of a PQ slot (from `half`) in 16 registers, one
// broadcast and 16 FMAs per dimension.
inline void HalfSlotSums(const float *columns, const float *norms, float offset, const float *sub, size_t dsub,
                         float scale, int half, __m256 acc[16]) {
	for (int k = 0; k < 16; k++)
		acc[k] = _mm256_add_ps(_mm256_set1_ps(offset), norms ? _mm256_loadu_ps(norms + half + 8 * k) : _mm256_setzero_ps());
	for (size_t t = 0; t < dsub; t++) {
		__m256 v = _mm256_set1_ps(scale * sub[t]);
		const float *column = columns + t * 256 + half;
		for (int k = 0; k < 16; k++)
			acc[k] = _mm256_fmadd_ps(v, _mm256_loadu_ps(column + 8 * k), acc[k]);
	}
}

void PqSlotDistances(const float *columns, const float *norms, float offset, const float *sub, size_t dsub,
                     float scale, float *out) {
	for (int half = 0; half < 256; half += 128) {
		__m256 acc[16];
		HalfSlotSums(columns, norms, offset, sub, dsub, scale, half, acc);
		for (int k = 0; k < 16; k++)
			_mm256_storeu_ps(out + half + 8 * k, acc[k]);
	}
}

// Each half's minimum found in registers; the first of the smallest wins.
uint32_t PqSlotNearest(const float *columns, const float *norms, const float *sub, size_t dsub) {
	uint32_t best_id = 0;
	float best = 0;
	for (int half = 0; half < 256; half += 128) {
		__m256 acc[16];
		HalfSlotSums(columns, norms, 0.0f, sub, dsub, -2.0f, half, acc);
		__m256 low = acc[0];
		for (int k = 1; k < 16; k++)
			low = _mm256_min_ps(low, acc[k]);
		__m128 m = _mm_min_ps(_mm256_castps256_ps128(low), _mm256_extractf128_ps(low, 1));
		m = _mm_min_ps(m, _mm_movehl_ps(m, m));
		m = _mm_min_ss(m, _mm_movehdup_ps(m));
		float half_best = _mm_cvtss_f32(m);
		if (half != 0 && !(half_best < best))
			continue;
		__m256 target = _mm256_set1_ps(half_best);
		for (int k = 0; k < 16; k++) {
			int hit = _mm256_movemask_ps(_mm256_cmp_ps(acc[k], target, _CMP_EQ_OQ));
			if (hit) {
				best_id = uint32_t(half + 8 * k + __builtin_ctz(hit));
				best = half_best;
				break;
			}
		}
	}
	return best_id;
}

// 16 codes widened to 16 bits, multiplied and summed in pairs per step.
uint32_t U8Dot(const uint8_t *a, const uint8_t *b, size_t d) {
	__m256i acc = _mm256_setzero_si256();
	size_t i = 0;
	for (; i + 16 <= d; i += 16) {
		__m256i x = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(a + i)));
		__m256i y = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(b + i)));
		acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
	}
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
	uint32_t sum = uint32_t(_mm_cvtsi128_si32(s));
	for (; i < d; i++)
		sum += uint32_t(a[i]) * b[i];
	return sum;
}

// Gathers table[j * 256 + code[j]] for 8 sub-quantizers at a time.
float PqSum(const float *table, const uint8_t *code, size_t m) {
	const __m256i row_offsets = _mm256_setr_epi32(0, 256, 512, 768, 1024, 1280, 1536, 1792);
	__m256 acc = _mm256_setzero_ps();
	size_t j = 0;
	for (; j + 8 <= m; j += 8) {
		__m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(code + j));
		__m256i index = _mm256_add_epi32(_mm256_cvtepu8_epi32(bytes), row_offsets);
		acc = _mm256_add_ps(acc, _mm256_i32gather_ps(table + j * 256, index, 4));
	}
	float sum = HorizontalSum(acc);
	for (; j < m; j++)
		sum += table[j * 256 + code[j]];
	return sum;
}

}  // namespace

QuantizerKernels Avx2QuantKernels() {
	return {"avx2", F32U8Dot, F16U8Dot, I16U8Dot, U8Dot, PqSlotDistances, PqSlotNearest, PqSum, BitPlaneDotLoop, PopcountLoop};
}

}  // namespace vdb

#pragma GCC pop_options

#else

namespace vdb {
QuantizerKernels Avx2QuantKernels() {
	return {"avx2", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
}
}  // namespace vdb

#endif
