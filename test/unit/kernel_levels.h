// Runs a test suite once per kernel table: each ISA's own table (scalar, AVX2,
// AVX-512) and the AVX-512 table as dispatch mixes it for this CPU. Tables
// this CPU cannot run are skipped (and say so), so the same tests cover every
// kernel wherever the CPU has it.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "core/distance/distance.h"
#include "core/distance/isa_tables.h"

namespace vdb {

struct TableUnderTest {
	const char *label;
	SimdLevel level;
	bool dispatched; // KernelsFor(level) rather than IsaKernels(level)
};

// So that failures name the table instead of printing its bytes.
inline void PrintTo(const TableUnderTest &table, std::ostream *os) {
	*os << table.label;
}

class PerLevel : public ::testing::TestWithParam<TableUnderTest> {
  protected:
	void SetUp() override {
		const TableUnderTest &table = GetParam();
		kernels_ = table.dispatched ? KernelsFor(table.level) : IsaKernels(table.level);
		if (kernels_ == nullptr)
			GTEST_SKIP() << "this CPU cannot run the " << table.label << " kernels";
	}
	const DistanceKernels &k() const { return *kernels_; }

  private:
	const DistanceKernels *kernels_ = nullptr;
};

inline std::string TableTestName(const ::testing::TestParamInfo<TableUnderTest> &info) {
	return info.param.label;
}

#define VDB_INSTANTIATE_PER_LEVEL(suite)                                                           \
	INSTANTIATE_TEST_SUITE_P(                                                                      \
	    Levels, suite,                                                                             \
	    ::testing::Values(TableUnderTest{"scalar", SimdLevel::kScalar, false},                     \
	                      TableUnderTest{"avx2", SimdLevel::kAvx2, false},                         \
	                      TableUnderTest{"avx512", SimdLevel::kAvx512, false},                     \
	                      TableUnderTest{"avx512_dispatched", SimdLevel::kAvx512, true}),          \
	    TableTestName)

} // namespace vdb
