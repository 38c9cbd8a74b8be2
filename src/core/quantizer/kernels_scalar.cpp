// Portable quantizer kernels: the fallback and the reference for the SIMD ones.
#include "core/pure.h"

#include "core/quantizer/kernels.h"
#include "core/quantizer/popcount_loops.h"

namespace vdb {
namespace {

float F32U8Dot(const float *weight, const uint8_t *code, size_t d) {
	float sum = 0;
	for (size_t i = 0; i < d; i++)
		sum += weight[i] * float(code[i]);
	return sum;
}

float F16U8Dot(const Half *weight, const uint8_t *code, size_t d) {
	float sum = 0;
	for (size_t i = 0; i < d; i++)
		sum += HalfToFloat(weight[i]) * float(code[i]);
	return sum;
}

int64_t I16U8Dot(const int16_t *weight, const uint8_t *code, size_t d) {
	int64_t sum = 0;
	for (size_t i = 0; i < d; i++)
		sum += int32_t(weight[i]) * int32_t(code[i]);
	return sum;
}

void PqSlotDistances(const float *columns, const float *norms, float offset, const float *sub, size_t dsub,
                     float scale, float *out) {
	for (size_t id = 0; id < 256; id++)
		out[id] = offset + (norms ? norms[id] : 0.0f);
	for (size_t t = 0; t < dsub; t++) {
		float v = scale * sub[t];
		const float *column = columns + t * 256;
		for (size_t id = 0; id < 256; id++)
			out[id] += v * column[id];
	}
}

uint32_t PqSlotNearest(const float *columns, const float *norms, const float *sub, size_t dsub) {
	float d[256];
	PqSlotDistances(columns, norms, 0.0f, sub, dsub, -2.0f, d);
	uint32_t best = 0;
	for (uint32_t id = 1; id < 256; id++)
		if (d[id] < d[best])
			best = id;
	return best;
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
	static const QuantizerKernels kernels = {"scalar",        F32U8Dot,        F16U8Dot, I16U8Dot,    U8Dot,
	                                            PqSlotDistances, PqSlotNearest, PqSum,        BitPlaneDotLoop,
	                                            PopcountLoop};
	return kernels;
}

}  // namespace vdb
