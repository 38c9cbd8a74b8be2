// Portable quantizer kernels: the fallback and the reference for the SIMD ones.
#include "core/pure.h"

#include "core/quantizer/kernels.h"
#include "core/quantizer/popcount_loops.h"

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

uint32_t U8Dot(const uint8_t *a, const uint8_t *b, size_t d) {
	uint32_t sum = 0;
	for (size_t i = 0; i < d; i++)
		sum += uint32_t(a[i]) * b[i];
	return sum;
}

float PqSum(const float *table, const uint8_t *code, size_t m) {
	float sum = 0;
	for (size_t j = 0; j < m; j++)
		sum += table[j * 256 + code[j]];
	return sum;
}

}  // namespace

const QuantizerKernels &ScalarQuantKernels() {
	static const QuantizerKernels kernels = {"scalar", Sq8L2, Sq8Dot, U8Dot, PqSum, BitPlaneDotLoop,
	                                            PopcountLoop};
	return kernels;
}

}  // namespace vdb
