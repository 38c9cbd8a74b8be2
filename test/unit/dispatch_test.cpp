// Kernel dispatch: which level this CPU gets, the VECTOR_DB_SIMD override and
// its cap at what the CPU supports. CMake also runs
// Dispatch.KernelsFollowTheEnvironment with VECTOR_DB_SIMD set.
#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

#include "core/distance/distance.h"
#include "core/distance/isa_tables.h"

namespace vdb {
namespace {

TEST(Dispatch, OverrideIsCappedByTheCpu) {
	EXPECT_EQ(ChooseSimdLevel("scalar", SimdLevel::kAvx512), SimdLevel::kScalar);
	EXPECT_EQ(ChooseSimdLevel("avx2", SimdLevel::kAvx512), SimdLevel::kAvx2);
	EXPECT_EQ(ChooseSimdLevel("avx512", SimdLevel::kAvx512), SimdLevel::kAvx512);
	EXPECT_EQ(ChooseSimdLevel("avx512", SimdLevel::kAvx2), SimdLevel::kAvx2);
	EXPECT_EQ(ChooseSimdLevel("avx2", SimdLevel::kScalar), SimdLevel::kScalar);
}

TEST(Dispatch, UnsetEmptyOrUnknownOverrideMeansBest) {
	EXPECT_EQ(ChooseSimdLevel(nullptr, SimdLevel::kAvx2), SimdLevel::kAvx2);
	EXPECT_EQ(ChooseSimdLevel("", SimdLevel::kAvx512), SimdLevel::kAvx512);
	EXPECT_EQ(ChooseSimdLevel("sse9", SimdLevel::kAvx512), SimdLevel::kAvx512);
}

TEST(Dispatch, LevelsMatchTheCpuFeatures) {
	__builtin_cpu_init();
	bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
	            __builtin_cpu_supports("f16c");
	bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	              __builtin_cpu_supports("avx512vl");
	ASSERT_NE(KernelsFor(SimdLevel::kScalar), nullptr);
	EXPECT_EQ(KernelsFor(SimdLevel::kAvx2) != nullptr, avx2);
	EXPECT_EQ(KernelsFor(SimdLevel::kAvx512) != nullptr, avx512);
	EXPECT_EQ(CpuSimdLevel(), avx512 ? SimdLevel::kAvx512
	                          : avx2 ? SimdLevel::kAvx2
	                                 : SimdLevel::kScalar);
	for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
		if (const DistanceKernels *kernels = KernelsFor(level)) {
			EXPECT_STREQ(kernels->name, SimdLevelName(level));
		}
	}
}

// See Avx512ForThisCpu() in dispatch.cpp for why the table is mixed.
TEST(Dispatch, Avx512TableSuitsTheCpu) {
	const DistanceKernels *mixed = KernelsFor(SimdLevel::kAvx512);
	if (mixed == nullptr)
		GTEST_SKIP() << "no AVX-512";
	bool amd = __builtin_cpu_is("amd");
	bool vpopcntdq = __builtin_cpu_supports("avx512vpopcntdq");
	EXPECT_EQ(mixed->dot_f16, (amd ? Avx2Kernels() : Avx512Kernels()).dot_f16);
	EXPECT_EQ(mixed->cosine_f32, (amd ? Avx2Kernels() : Avx512Kernels()).cosine_f32);
	EXPECT_EQ(mixed->hamming, (vpopcntdq ? Avx512Kernels() : Avx2Kernels()).hamming);
	EXPECT_EQ(mixed->f32_to_f16, Avx512Kernels().f32_to_f16);
	EXPECT_EQ(IsaKernels(SimdLevel::kAvx512) != nullptr, vpopcntdq);
}

TEST(Dispatch, KernelsFollowTheEnvironment) {
	const char *requested = std::getenv("VECTOR_DB_SIMD");
	EXPECT_EQ(&Kernels(), KernelsFor(ChooseSimdLevel(requested, CpuSimdLevel())));
	if (requested == nullptr) {
		EXPECT_EQ(&Kernels(), KernelsFor(CpuSimdLevel()));
	} else if (std::strcmp(requested, "scalar") == 0) {
		EXPECT_STREQ(Kernels().name, "scalar");
	} else if (std::strcmp(requested, "avx2") == 0 && CpuSimdLevel() >= SimdLevel::kAvx2) {
		EXPECT_STREQ(Kernels().name, "avx2");
	}
}

} // namespace
} // namespace vdb
