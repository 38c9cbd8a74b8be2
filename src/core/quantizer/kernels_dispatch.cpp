// Chooses the quantizer kernels once per process, at the same SIMD level as
// the distance kernels (CPU features and the VECTOR_DB_SIMD override).
#include "core/pure.h"

#include <cstdlib>

#include "core/distance/distance.h"
#include "core/quantizer/kernels.h"

namespace vdb {
namespace {

QuantizerKernels Choose() {
	switch (ChooseSimdLevel(std::getenv("VECTOR_DB_SIMD"), CpuSimdLevel())) {
	case SimdLevel::kScalar:
		return ScalarQuantKernels();
	case SimdLevel::kAvx2:
		return Avx2QuantKernels();
	case SimdLevel::kAvx512:
		break;
	}
	// AVX-512 CPUs without VPOPCNTDQ (Skylake-SP, Cascade Lake) use the
	// AVX-512 float kernels and count bits with POPCNT.
	QuantizerKernels chosen = Avx512QuantKernels();
	if (!__builtin_cpu_supports("avx512vpopcntdq")) {
		QuantizerKernels avx2 = Avx2QuantKernels();
		chosen.bit_plane_dot = avx2.bit_plane_dot;
		chosen.popcount = avx2.popcount;
	}
	return chosen;
}

}  // namespace

const QuantizerKernels &QuantKernels() {
	static const QuantizerKernels chosen = Choose();
	return chosen;
}

}  // namespace vdb
