// Portable quantizer kernels: the fallback and the reference for the SIMD ones.
#include "core/pure.h"

#include "core/quantizer/kernels.h"

namespace vdb {
namespace {

float Sq8L2(const float *shifted, const float *step, const uint8_t *code, size_t d) {
	float sum = 0;
	for (size_t i = 0; i < d; i++) {
		float diff = shifted[i] - step[i] * float(code[i]);
		sum += diff * diff;
	}
	return sum;
}

float Sq8Dot(const float *weight, const uint8_t *code, size_t d) {
	float sum = 0;
	for (size_t i = 0; i < d; i++)
		sum += weight[i] * float(code[i]);
	return sum;
}

float PqSum(const float *table, const uint8_t *code, size_t m) {
	float sum = 0;
	for (size_t j = 0; j < m; j++)
		sum += table[j * 256 + code[j]];
	return sum;
}

uint32_t BitPlaneDot(const uint64_t *bits, const uint64_t *planes, size_t words, int plane_count) {
	uint32_t sum = 0;
	for (int b = 0; b < plane_count; b++) {
		uint32_t count = 0;
		for (size_t w = 0; w < words; w++)
			count += uint32_t(__builtin_popcountll(bits[w] & planes[b * words + w]));
		sum += count << b;
	}
	return sum;
}

uint32_t Popcount(const uint64_t *bits, size_t words) {
	uint32_t count = 0;
	for (size_t w = 0; w < words; w++)
		count += uint32_t(__builtin_popcountll(bits[w]));
	return count;
}

}  // namespace

const QuantizerKernels &ScalarQuantKernels() {
	static const QuantizerKernels kernels = {"scalar", Sq8L2, Sq8Dot, PqSum, BitPlaneDot, Popcount};
	return kernels;
}

}  // namespace vdb
