// The inner loops of quantized distance: SQ8 codes against a float query,
// PQ codes summed from a lookup table, and RaBitQ bit codes against a query
// cut into bit planes. One table of function pointers is chosen per process
// from the CPU (AVX-512, AVX2, scalar), as core/distance does for floats;
// every entry has a scalar reference it is unit-tested against.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vdb {

struct QuantizerKernels {
	const char *name;

	// sum_i (shifted[i] - step[i] * code[i])^2: L2 to an SQ8 code, where
	// shifted = query - min per dimension.
	float (*sq8_l2)(const float *shifted, const float *step, const uint8_t *code, size_t d);
	// sum_i weight[i] * code[i]: the code-dependent part of an inner product.
	float (*sq8_dot)(const float *weight, const uint8_t *code, size_t d);
	// sum_i a[i] * b[i] of two code vectors (exact: d <= 66,000).
	uint32_t (*u8_dot)(const uint8_t *a, const uint8_t *b, size_t d);
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
