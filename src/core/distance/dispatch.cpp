// Chooses the distance kernels once per process from the CPU's features and
// the VECTOR_DB_SIMD override. Only this file asks the CPU what it supports;
// the ISA files assume it.
#include "core/pure.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "core/distance/distance.h"
#include "core/distance/isa_tables.h"

namespace vdb {
namespace {

constexpr SimdLevel kLevels[] = {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512};

#if defined(__x86_64__)
// F16C from CPUID directly: clang 14's __builtin_cpu_supports does not know
// it (the fuzz targets are built with clang). Its registers are AVX's, whose
// OS support the avx2 check below covers.
bool HasF16c() {
	unsigned eax, ebx, ecx, edx;
	return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
}

// __builtin_cpu_supports also checks (XGETBV) that the OS saves the wider
// registers, so a kernel chosen here cannot fault for that reason.
bool CpuHas(SimdLevel level) {
	__builtin_cpu_init();
	switch (level) {
	case SimdLevel::kScalar:
		return true;
	case SimdLevel::kAvx2:
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && HasF16c() &&
		       __builtin_cpu_supports("popcnt");
	case SimdLevel::kAvx512:
		return CpuHas(SimdLevel::kAvx2) && __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
	}
	return false;
}

// The AVX-512 table adjusted to this CPU (the figures are in docs/kernels.md):
//  - AVX-512 CPUs without VPOPCNTDQ (Skylake-SP, Cascade Lake) count bits with
//    the AVX2 kernels, since the AVX-512 ones need it;
//  - AMD's Zen 4 runs each 512-bit instruction as two 256-bit halves, so wider
//    registers bring no extra arithmetic, and there the AVX2 float distance
//    kernels measured as fast (float32 L2², dot, L1) or faster (float16 by
//    10-50%, cosine by 15-40%). AMD keeps AVX-512's bit counts and
//    conversions, which were faster.
const DistanceKernels &Avx512ForThisCpu() {
	static const DistanceKernels kernels = [] {
		DistanceKernels chosen = Avx512Kernels();
		const DistanceKernels &avx2 = Avx2Kernels();
		if (!__builtin_cpu_supports("avx512vpopcntdq")) {
			chosen.hamming = avx2.hamming;
			chosen.and_or_popcount = avx2.and_or_popcount;
		}
		if (__builtin_cpu_is("amd")) {
			chosen.l2_squared_f32 = avx2.l2_squared_f32;
			chosen.dot_f32 = avx2.dot_f32;
			chosen.l1_f32 = avx2.l1_f32;
			chosen.cosine_f32 = avx2.cosine_f32;
			chosen.l2_squared_f16 = avx2.l2_squared_f16;
			chosen.dot_f16 = avx2.dot_f16;
			chosen.l1_f16 = avx2.l1_f16;
			chosen.cosine_f16 = avx2.cosine_f16;
		}
		return chosen;
	}();
	return kernels;
}
#else
bool CpuHas(SimdLevel level) {
	return level == SimdLevel::kScalar;
}
#endif

} // namespace

const char *SimdLevelName(SimdLevel level) {
	switch (level) {
	case SimdLevel::kScalar:
		return "scalar";
	case SimdLevel::kAvx2:
		return "avx2";
	case SimdLevel::kAvx512:
		return "avx512";
	}
	return "unknown";
}

SimdLevel CpuSimdLevel() {
	static const SimdLevel best = [] {
		SimdLevel level = SimdLevel::kScalar;
		for (SimdLevel candidate : kLevels)
			if (CpuHas(candidate))
				level = candidate;
		return level;
	}();
	return best;
}

SimdLevel ChooseSimdLevel(const char *requested, SimdLevel supported) {
	if (requested == nullptr)
		return supported;
	for (SimdLevel level : kLevels)
		if (std::strcmp(requested, SimdLevelName(level)) == 0)
			return level < supported ? level : supported;
	return supported;
}

const DistanceKernels *KernelsFor(SimdLevel level) {
	if (level > CpuSimdLevel())
		return nullptr;
	switch (level) {
	case SimdLevel::kScalar:
		return &ScalarKernels();
#if defined(__x86_64__)
	case SimdLevel::kAvx2:
		return &Avx2Kernels();
	case SimdLevel::kAvx512:
		return &Avx512ForThisCpu();
#endif
	default:
		return nullptr;
	}
}

const DistanceKernels *IsaKernels(SimdLevel level) {
#if defined(__x86_64__)
	if (level == SimdLevel::kAvx512)
		return CpuHas(level) && __builtin_cpu_supports("avx512vpopcntdq") ? &Avx512Kernels()
		                                                                  : nullptr;
#endif
	return KernelsFor(level);
}

const DistanceKernels &Kernels() {
	static const DistanceKernels &chosen =
	    *KernelsFor(ChooseSimdLevel(std::getenv("VECTOR_DB_SIMD"), CpuSimdLevel()));
	return chosen;
}

} // namespace vdb
