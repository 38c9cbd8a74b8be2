// The inner loops of quantized distance: SQ8 codes against integer weights,
// PQ codes summed from a lookup table, and RaBitQ bit codes against a query
// cut into bit planes. One table of function pointers is chosen per process
// from the CPU (AVX-512, AVX2, scalar), as core/distance does for floats;
// every entry has a scalar reference it is unit-tested against.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/float16.h"

namespace vdb {

constexpr int kI16U8MaxWeight = 16383;

struct QuantizerKernels {
	const char *name;

	// sum_i weight[i] * code[i]: the code-dependent part of an inner product
	// with float weights (HNSW's 8-bit elements, core/element/per_vector_sq8.h).
	float (*f32_u8_dot)(const float *weight, const uint8_t *code, size_t d);
	// The same with float16 weights (a halfvec query against those elements).
	float (*f16_u8_dot)(const Half *weight, const uint8_t *code, size_t d);
	// The same in integers (IVF's SQ8 codes, per_dimension_sq8.h). |weight[i]| <=
	// kI16U8MaxWeight keeps every 32-bit partial sum of the SIMD loops in
	// range up to 4,000 dimensions.
	int64_t (*i16_u8_dot)(const int16_t *weight, const uint8_t *code, size_t d);
	// sum_i a[i] * b[i] of two code vectors (exact: d <= 66,000).
	uint32_t (*u8_dot)(const uint8_t *a, const uint8_t *b, size_t d);
	// out[id] = offset + (norms ? norms[id] : 0) + scale * sum_t sub[t] * columns[t * 256 + id]
	// for the 256 centroids of one PQ slot (columns: dsub x 256, transposed):
	// a sub-vector's squared L2 or negative inner product to each centroid.
	void (*pq_slot_distances)(const float *columns, const float *norms, float offset, const float *sub, size_t dsub,
	                          float scale, float *out);
	// The id of the smallest norms[id] - 2 sum_t sub[t] * columns[t * 256 + id]:
	// the nearest centroid of a PQ slot by squared L2 (encoding).
	uint32_t (*pq_slot_nearest)(const float *columns, const float *norms, const float *sub, size_t dsub);
	// sum_j table[j * 256 + code[j]] over m sub-quantizers.
	float (*pq_sum)(const float *table, const uint8_t *code, size_t m);
	// sum_b 2^b * popcount(bits & planes[b]) over `words` 64-bit words, with
	// the planes stored one after another (plane b at planes + b * words).
	uint32_t (*bit_plane_dot)(const uint64_t *bits, const uint64_t *planes, size_t words,
	                          int plane_count);
	uint32_t (*popcount)(const uint64_t *bits, size_t words);
};

const QuantizerKernels &QuantKernels();
const QuantizerKernels &ScalarQuantKernels();

// The per-ISA tables; entries are null where that ISA adds nothing.
QuantizerKernels Avx2QuantKernels();
QuantizerKernels Avx512QuantKernels();

}  // namespace vdb
