// Chooses the quantizer kernels once per process from the CPU's features.
#include "core/pure.h"

#include "core/quantizer/kernels.h"

namespace vdb {
namespace {

bool CpuHasAvx2() {
#if defined(__x86_64__)
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
	       __builtin_cpu_supports("popcnt");
#else
	return false;
#endif
}

bool CpuHasAvx512() {
#if defined(__x86_64__)
	return CpuHasAvx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl");
#else
	return false;
#endif
}

// AVX-512 CPUs without VPOPCNTDQ (Skylake-SP, Cascade Lake) use the AVX-512
// float kernels and count bits with POPCNT.
QuantizerKernels Choose() {
	if (!CpuHasAvx2())
		return ScalarQuantKernels();
	QuantizerKernels avx2 = Avx2QuantKernels();
	if (!CpuHasAvx512())
		return avx2;
	QuantizerKernels chosen = Avx512QuantKernels();
	if (!__builtin_cpu_supports("avx512vpopcntdq")) {
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
