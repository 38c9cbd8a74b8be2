// Chooses the distance kernels once per process from the CPU's features and
// the VECTOR_DB_SIMD override. Only this file asks the CPU what it supports;
// the ISA files assume it.
#include "core/pure.h"

#include <cstdlib>
#include <cstring>

#include "core/distance/distance.h"
#include "core/distance/isa_tables.h"

namespace vdb {
namespace {

constexpr SimdLevel kLevels[] = {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512};

#if defined(__x86_64__)
// __builtin_cpu_supports also checks (XGETBV) that the OS saves the wider
// registers, so a kernel chosen here cannot fault for that reason.
bool CpuHas(SimdLevel level) {
	__builtin_cpu_init();
	switch (level) {
	case SimdLevel::kScalar:
		return true;
	case SimdLevel::kAvx2:
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
		       __builtin_cpu_supports("f16c") && __builtin_cpu_supports("popcnt");
	case SimdLevel::kAvx512:
		return CpuHas(SimdLevel::kAvx2) && __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
	}
	return false;
}

// AVX-512 CPUs without VPOPCNTDQ (Skylake-SP, Cascade Lake) keep the AVX-512
// float kernels but count bits with the AVX2 ones.
const DistanceKernels &Avx512ForThisCpu() {
	static const DistanceKernels kernels = [] {
		DistanceKernels chosen = Avx512Kernels();
		if (!__builtin_cpu_supports("avx512vpopcntdq")) {
			chosen.hamming = Avx2Kernels().hamming;
			chosen.and_or_popcount = Avx2Kernels().and_or_popcount;
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

const DistanceKernels &Kernels() {
	static const DistanceKernels &chosen =
	    *KernelsFor(ChooseSimdLevel(std::getenv("VECTOR_DB_SIMD"), CpuSimdLevel()));
	return chosen;
}

} // namespace vdb
