#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "core/float16.h"

namespace vdb {
namespace {

TEST(Float16, EveryHalfRoundTripsThroughFloat) {
	for (uint32_t bits = 0; bits < 0x10000; bits++) {
		Half h = Half(bits);
		float f = HalfToFloat(h);
		if (std::isnan(f))
			EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(f)))) << bits;
		else
			EXPECT_EQ(FloatToHalf(f), h) << bits;
	}
}

TEST(Float16, RoundsToNearestEven) {
	EXPECT_EQ(HalfToFloat(FloatToHalf(1.0f + 1.0f / 2048)), 1.0f);  // tie, even below
	EXPECT_EQ(HalfToFloat(FloatToHalf(1.0f + 3.0f / 2048)), 1.0f + 4.0f / 2048);  // tie, even above
	EXPECT_EQ(HalfToFloat(FloatToHalf(65504.0f)), 65504.0f);
	EXPECT_EQ(HalfToFloat(FloatToHalf(5.9604645e-08f)), 5.9604645e-08f);  // smallest subnormal
}

TEST(Float16, OverflowBecomesInfinity) {
	EXPECT_TRUE(std::isinf(HalfToFloat(FloatToHalf(65520.0f))));
	EXPECT_TRUE(std::isinf(HalfToFloat(FloatToHalf(-1e10f))));
	EXPECT_FALSE(std::isinf(HalfToFloat(FloatToHalf(65519.0f))));
}

}  // namespace
}  // namespace vdb
