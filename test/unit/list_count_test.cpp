#include <cmath>

#include <gtest/gtest.h>

#include "core/ivf/list_count.h"

namespace vdb {
namespace {

TEST(DefaultListCount, AboutOnePerThousandRowsUpToAMillion) {
	EXPECT_EQ(DefaultListCount(0), 1u);
	EXPECT_EQ(DefaultListCount(10), 1u);
	EXPECT_EQ(DefaultListCount(60000), 60u);
	EXPECT_EQ(DefaultListCount(250400), 250u);
	EXPECT_EQ(DefaultListCount(1000000), 1000u);
}

TEST(DefaultListCount, SquareRootAboveAMillion) {
	EXPECT_EQ(DefaultListCount(4000000), 2000u);
	EXPECT_EQ(DefaultListCount(100000000), 10000u);
	EXPECT_EQ(DefaultListCount(uint64_t(1) << 40), 1u << 20);
}

TEST(DefaultListCount, NeverDecreasesAsRowsGrow) {
	uint32_t previous = 0;
	for (double rows = 1; rows < 1e12; rows *= 1.07) {
		uint32_t lists = DefaultListCount(uint64_t(rows));
		EXPECT_GE(lists, previous) << rows;
		previous = lists;
	}
}

}  // namespace
}  // namespace vdb
