// Distance kernels over dense float32, float16 and bit vectors. One table of
// function pointers is chosen once per process from what the CPU supports
// (AVX-512, AVX2+FMA+F16C, scalar), so the library still runs on CPUs without
// AVX2. Every kernel has a scalar reference it is unit-tested against; see
// docs/kernels.md for the levels, the override and the error bounds.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/float16.h"

namespace vdb {

struct DistanceKernels {
	const char *name;  // "avx512", "avx2" or "scalar"

	float (*l2_squared_f32)(const float *a, const float *b, size_t n);
	float (*dot_f32)(const float *a, const float *b, size_t n);
	float (*l1_f32)(const float *a, const float *b, size_t n);
	// 1 - a·b / (|a| |b|), clamped to [0, 2]; NaN when either norm is zero.
	// The sums are float like the others; the finish is CosineFromParts's,
	// in double.
	double (*cosine_f32)(const float *a, const float *b, size_t n);

	float (*l2_squared_f16)(const Half *a, const Half *b, size_t n);
	float (*dot_f16)(const Half *a, const Half *b, size_t n);
	float (*l1_f16)(const Half *a, const Half *b, size_t n);
	double (*cosine_f16)(const Half *a, const Half *b, size_t n);

	// Bit vectors of n bytes.
	uint64_t (*hamming)(const uint8_t *a, const uint8_t *b, size_t n);
	// Popcounts of a AND b and of a OR b; Jaccard distance is 1 - and/or.
	void (*and_or_popcount)(const uint8_t *a, const uint8_t *b, size_t n, uint64_t *and_count,
	                        uint64_t *or_count);

	// Conversions used by casts and by indexes that store float16 copies.
	void (*f32_to_f16)(const float *in, Half *out, size_t n);
	void (*f16_to_f32)(const Half *in, float *out, size_t n);
};

// 1 - dot / sqrt(norm_a * norm_b) from float sums, clamped to [0, 2]; NaN
// when a norm is zero. Computed in double, as pgvector finishes: the product
// of two float norms overflows or underflows float long before the cosine
// itself is out of reach (|a| = 1e10 or 1e-20), and a float division and
// square root would cost the result its 8th digit.
double CosineFromParts(float dot, float norm_a, float norm_b);

// Instruction-set levels, lowest first; each needs the features of the ones
// below it. kAvx2 is AVX2 + FMA + F16C + POPCNT; kAvx512 adds AVX-512 F/BW/VL
// (and uses VPOPCNTDQ for bit counts where the CPU has it).
enum class SimdLevel { kScalar, kAvx2, kAvx512 };

// "scalar", "avx2" or "avx512".
const char *SimdLevelName(SimdLevel level);

// The highest level this CPU and OS support.
SimdLevel CpuSimdLevel();

// The level a user asked for by name (the VECTOR_DB_SIMD environment
// variable), capped at `supported`; `supported` itself when the name is null,
// empty or not a level name.
SimdLevel ChooseSimdLevel(const char *requested, SimdLevel supported);

// The kernels of one level, or nullptr when this CPU cannot run them. For
// tests and benchmarks; everything else calls Kernels().
const DistanceKernels *KernelsFor(SimdLevel level);

// The kernels of ChooseSimdLevel(getenv("VECTOR_DB_SIMD"), CpuSimdLevel()),
// chosen on first use and fixed for the life of the process.
const DistanceKernels &Kernels();

// The portable reference implementations; always available.
const DistanceKernels &ScalarKernels();

}  // namespace vdb
