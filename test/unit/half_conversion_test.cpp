// Bulk float32 <-> float16 conversion of every SIMD level on this CPU against
// the scalar vdb::HalfToFloat / vdb::FloatToHalf (round to nearest, ties to
// even, overflow to infinity), bit for bit. NaNs only need to stay NaN: F16C
// keeps part of the payload where the scalar code writes one fixed quiet NaN.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "guarded_buffer.h"
#include "kernel_levels.h"

namespace vdb {
namespace {

bool IsNaNHalf(Half h) {
	return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
}

uint32_t BitsOf(float f) {
	uint32_t bits;
	std::memcpy(&bits, &f, sizeof bits);
	return bits;
}

float FloatFromBits(uint32_t bits) {
	float f;
	std::memcpy(&f, &bits, sizeof f);
	return f;
}

class HalfConversion : public PerLevel {
  protected:
	// Converts `in` in one bulk call and compares each half with FloatToHalf.
	void ExpectNarrowsLikeScalar(const std::vector<float> &in) {
		std::vector<Half> out(in.size());
		k().f32_to_f16(in.data(), out.data(), in.size());
		for (size_t i = 0; i < in.size(); i++) {
			if (std::isnan(in[i]))
				ASSERT_TRUE(IsNaNHalf(out[i])) << "float bits " << std::hex << BitsOf(in[i]);
			else
				ASSERT_EQ(out[i], FloatToHalf(in[i])) << "float bits " << std::hex << BitsOf(in[i]);
		}
	}
};

TEST_P(HalfConversion, EveryHalfWidensExactly) {
	std::vector<Half> all(0x10000);
	for (uint32_t bits = 0; bits < 0x10000; bits++)
		all[bits] = Half(bits);
	std::vector<float> out(all.size());
	k().f16_to_f32(all.data(), out.data(), all.size());
	for (uint32_t bits = 0; bits < 0x10000; bits++) {
		float want = HalfToFloat(Half(bits));
		if (std::isnan(want))
			ASSERT_TRUE(std::isnan(out[bits])) << std::hex << bits;
		else
			ASSERT_EQ(BitsOf(out[bits]), BitsOf(want)) << std::hex << bits;
	}
}

TEST_P(HalfConversion, EveryHalfNarrowsBackToItself) {
	std::vector<float> all(0x10000);
	for (uint32_t bits = 0; bits < 0x10000; bits++)
		all[bits] = HalfToFloat(Half(bits));
	ExpectNarrowsLikeScalar(all);
}

// The midpoint between neighbouring halves is a float; it must round to the
// even one. Just above and below the midpoint round to the nearer one.
TEST_P(HalfConversion, TiesRoundToEven) {
	std::vector<float> midpoints;
	for (uint32_t bits = 0; bits < 0x7bff; bits++)
		for (uint32_t sign : {0u, 0x8000u}) {
			double low = HalfToFloat(Half(bits | sign)),
			       high = HalfToFloat(Half((bits + 1) | sign));
			float mid = float((low + high) / 2);
			midpoints.push_back(mid);
			midpoints.push_back(std::nextafter(mid, 0.0f));
			midpoints.push_back(std::nextafter(mid, 2 * mid));
		}
	ExpectNarrowsLikeScalar(midpoints);
}

TEST_P(HalfConversion, RandomFloatsNarrowLikeScalar) {
	std::mt19937 rng(17);
	std::vector<float> floats;
	// Any bit pattern: NaNs, infinities, far out of range, tiny.
	for (int i = 0; i < 1 << 19; i++)
		floats.push_back(FloatFromBits(uint32_t(rng())));
	// Magnitudes around the float16 range, subnormals and overflow included.
	std::uniform_real_distribution<float> exponent(-27.0f, 17.0f);
	for (int i = 0; i < 1 << 19; i++)
		floats.push_back((rng() & 1 ? -1.0f : 1.0f) * std::exp2(exponent(rng)));
	ExpectNarrowsLikeScalar(floats);
}

// Every length up to 100 (all tails), at the end of an inaccessible page both
// for what is read and for what is written.
TEST_P(HalfConversion, TailsNeitherReadNorWritePastTheEnd) {
	std::mt19937 rng(23);
	std::normal_distribution<float> normal(0.0f, 100.0f);
	for (size_t n = 1; n <= 100; n++) {
		GuardedBuffer floats(n * sizeof(float)), halves(n * sizeof(Half)),
		    widened(n * sizeof(float));
		for (size_t i = 0; i < n; i++)
			floats.As<float>()[i] = normal(rng);
		k().f32_to_f16(floats.As<float>(), halves.As<Half>(), n);
		k().f16_to_f32(halves.As<Half>(), widened.As<float>(), n);
		for (size_t i = 0; i < n; i++) {
			Half want = FloatToHalf(floats.As<float>()[i]);
			ASSERT_EQ(halves.As<Half>()[i], want) << "n=" << n << " i=" << i;
			ASSERT_EQ(widened.As<float>()[i], HalfToFloat(want)) << "n=" << n << " i=" << i;
		}
	}
}

TEST_P(HalfConversion, WritesOnlyTheFirstNElements) {
	for (size_t n = 0; n <= 40; n++) {
		std::vector<float> in(n + 8, 1.5f), widened(n + 8, -7.0f);
		std::vector<Half> halves(n + 8, 0x1234);
		k().f32_to_f16(in.data(), halves.data(), n);
		k().f16_to_f32(halves.data(), widened.data(), n);
		for (size_t i = n; i < n + 8; i++) {
			ASSERT_EQ(halves[i], 0x1234) << "n=" << n;
			ASSERT_EQ(widened[i], -7.0f) << "n=" << n;
		}
	}
}

VDB_INSTANTIATE_PER_LEVEL(HalfConversion);

} // namespace
} // namespace vdb
