// Portable kernels: the fallback on CPUs without AVX2 and the reference the
// SIMD kernels are tested against.
#include "core/pure.h"

#include <cmath>

#include "core/distance/distance.h"

namespace vdb {
namespace {

template <typename T>
float Load(T v);
template <>
float Load(float v) { return v; }
template <>
float Load(Half v) { return HalfToFloat(v); }

template <typename T>
float L2Squared(const T *a, const T *b, size_t n) {
	float sum = 0;
	for (size_t i = 0; i < n; i++) {
		float d = Load(a[i]) - Load(b[i]);
		sum += d * d;
	}
	return sum;
}

template <typename T>
float Dot(const T *a, const T *b, size_t n) {
	float sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += Load(a[i]) * Load(b[i]);
	return sum;
}

template <typename T>
float L1(const T *a, const T *b, size_t n) {
	float sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += std::fabs(Load(a[i]) - Load(b[i]));
	return sum;
}

template <typename T>
double Cosine(const T *a, const T *b, size_t n) {
	float dot = 0, norm_a = 0, norm_b = 0;
	for (size_t i = 0; i < n; i++) {
		float x = Load(a[i]), y = Load(b[i]);
		dot += x * y;
		norm_a += x * x;
		norm_b += y * y;
	}
	return CosineFromParts(dot, norm_a, norm_b);
}

uint64_t Hamming(const uint8_t *a, const uint8_t *b, size_t n) {
	uint64_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += __builtin_popcount(unsigned(a[i] ^ b[i]));
	return count;
}

void AndOrPopcount(const uint8_t *a, const uint8_t *b, size_t n, uint64_t *and_count,
                   uint64_t *or_count) {
	uint64_t both = 0, either = 0;
	for (size_t i = 0; i < n; i++) {
		both += __builtin_popcount(unsigned(a[i] & b[i]));
		either += __builtin_popcount(unsigned(a[i] | b[i]));
	}
	*and_count = both;
	*or_count = either;
}

void FloatsToHalves(const float *in, Half *out, size_t n) {
	for (size_t i = 0; i < n; i++)
		out[i] = FloatToHalf(in[i]);
}

void HalvesToFloats(const Half *in, float *out, size_t n) {
	for (size_t i = 0; i < n; i++)
		out[i] = HalfToFloat(in[i]);
}

}  // namespace

double CosineFromParts(float dot, float norm_a, float norm_b) {
	// A product of two floats is exact in double, so the only roundings left
	// are the square root's and the division's.
	double similarity = double(dot) / std::sqrt(double(norm_a) * double(norm_b));
	if (std::isnan(similarity))
		return similarity;
	// The float sums' rounding can push |similarity| slightly past 1.
	return 1.0 - std::fmax(-1.0, std::fmin(1.0, similarity));
}

const DistanceKernels &ScalarKernels() {
	static const DistanceKernels kernels = {
	    "scalar",        L2Squared<float>, Dot<float>, L1<float>, Cosine<float>,
	    L2Squared<Half>, Dot<Half>,        L1<Half>,   Cosine<Half>, Hamming,
	    AndOrPopcount,   FloatsToHalves,   HalvesToFloats,
	};
	return kernels;
}

}  // namespace vdb
