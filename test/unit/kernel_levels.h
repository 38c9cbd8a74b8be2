// Runs a test suite once per SIMD level; levels this CPU lacks are skipped
// (and say so), so the same tests cover scalar, AVX2 and AVX-512 wherever the
// CPU has them.
#pragma once

#include <gtest/gtest.h>

#include "core/distance/distance.h"

namespace vdb {

class PerLevel : public ::testing::TestWithParam<SimdLevel> {
  protected:
	void SetUp() override {
		kernels_ = KernelsFor(GetParam());
		if (kernels_ == nullptr)
			GTEST_SKIP() << "this CPU has no " << SimdLevelName(GetParam());
	}
	const DistanceKernels &k() const { return *kernels_; }

  private:
	const DistanceKernels *kernels_ = nullptr;
};

// So that failures name the level instead of printing its bytes.
inline void PrintTo(SimdLevel level, std::ostream *os) {
	*os << SimdLevelName(level);
}

inline std::string LevelTestName(const ::testing::TestParamInfo<SimdLevel> &info) {
	return SimdLevelName(info.param);
}

#define VDB_INSTANTIATE_PER_LEVEL(suite)                                                           \
	INSTANTIATE_TEST_SUITE_P(                                                                      \
	    Levels, suite,                                                                             \
	    ::testing::Values(SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512),               \
	    LevelTestName)

} // namespace vdb
