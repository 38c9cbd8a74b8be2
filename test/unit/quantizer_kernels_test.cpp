// The chosen (SIMD) quantizer kernels against the scalar reference, at sizes
// that exercise both the vector body and the tail.
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "core/quantizer/kernels.h"

namespace vdb {
namespace {

class QuantizerKernelsTest : public ::testing::TestWithParam<size_t> {
protected:
	std::mt19937 rng{GetParam()};
	std::vector<float> Floats(size_t n) {
		std::uniform_real_distribution<float> u(-2, 2);
		std::vector<float> v(n);
		for (float &x : v)
			x = u(rng);
		return v;
	}
	std::vector<uint8_t> Bytes(size_t n) {
		std::vector<uint8_t> v(n);
		for (uint8_t &x : v)
			x = uint8_t(rng());
		return v;
	}
	// A sub-vector of n dimensions, the same on every call for one size.
	std::vector<float> a_sub(size_t n) {
		std::vector<float> v(n);
		for (size_t i = 0; i < n; i++)
			v[i] = float(int(i % 7) - 3) / 4;
		return v;
	}
	std::vector<int16_t> Weights(size_t n) {
		std::uniform_int_distribution<int> u(-kI16U8MaxWeight, kI16U8MaxWeight);
		std::vector<int16_t> v(n);
		for (int16_t &x : v)
			x = int16_t(u(rng));
		return v;
	}
	std::vector<uint64_t> Words(size_t n) {
		std::vector<uint64_t> v(n);
		for (uint64_t &x : v)
			x = (uint64_t(rng()) << 32) | rng();
		return v;
	}
};

TEST_P(QuantizerKernelsTest, MatchScalar) {
	const QuantizerKernels &simd = QuantKernels(), &scalar = ScalarQuantKernels();
	size_t n = GetParam();
	std::vector<float> table = Floats(n * 256);
	std::vector<int16_t> weights = Weights(n);
	std::vector<uint8_t> code = Bytes(n);
	EXPECT_EQ(simd.i16_u8_dot(weights.data(), code.data(), n), scalar.i16_u8_dot(weights.data(), code.data(), n))
	    << simd.name;
	std::vector<float> slot_simd(256), slot_scalar(256), norms = Floats(256);
	for (const float *with_norms : {static_cast<const float *>(norms.data()), static_cast<const float *>(nullptr)}) {
		simd.pq_slot_distances(table.data(), with_norms, 0.5f, a_sub(n).data(), n, -2.0f, slot_simd.data());
		scalar.pq_slot_distances(table.data(), with_norms, 0.5f, a_sub(n).data(), n, -2.0f, slot_scalar.data());
		for (size_t id = 0; id < 256; id++)
			ASSERT_NEAR(slot_simd[id], slot_scalar[id], 1e-5f * float(n) * 8) << simd.name << " centroid " << id;
	}
	// The nearest centroid: the same, or one as near up to rounding (FMA).
	uint32_t nearest = simd.pq_slot_nearest(table.data(), norms.data(), a_sub(n).data(), n);
	uint32_t reference = scalar.pq_slot_nearest(table.data(), norms.data(), a_sub(n).data(), n);
	scalar.pq_slot_distances(table.data(), norms.data(), 0.0f, a_sub(n).data(), n, -2.0f, slot_scalar.data());
	ASSERT_LT(nearest, 256u);
	EXPECT_NEAR(slot_scalar[nearest], slot_scalar[reference], 1e-5f * float(n) * 8) << simd.name;
	for (size_t id = 0; id < 256; id++)
		ASSERT_GE(slot_scalar[id], slot_scalar[reference]);
	// Summation order differs: allow float rounding relative to the size of
	// the terms summed (codes reach 255).
	std::vector<float> a = Floats(n);
	EXPECT_NEAR(simd.f32_u8_dot(a.data(), code.data(), n), scalar.f32_u8_dot(a.data(), code.data(), n),
	            1e-6f * float(n) * 600) << simd.name;
	std::vector<Half> half(n);
	for (size_t i = 0; i < n; i++)
		half[i] = FloatToHalf(a[i]);
	EXPECT_NEAR(simd.f16_u8_dot(half.data(), code.data(), n), scalar.f16_u8_dot(half.data(), code.data(), n),
	            1e-6f * float(n) * 600) << simd.name;
	std::vector<uint8_t> other = Bytes(n);
	EXPECT_EQ(simd.u8_dot(code.data(), other.data(), n), scalar.u8_dot(code.data(), other.data(), n)) << simd.name;
	EXPECT_NEAR(simd.pq_sum(table.data(), code.data(), n), scalar.pq_sum(table.data(), code.data(), n),
	            1e-5f * float(n)) << simd.name;

	size_t words = n / 8 + 1;
	std::vector<uint64_t> bits = Words(words), planes = Words(4 * words);
	EXPECT_EQ(simd.bit_plane_dot(bits.data(), planes.data(), words, 4),
	          scalar.bit_plane_dot(bits.data(), planes.data(), words, 4)) << simd.name;
	EXPECT_EQ(simd.popcount(bits.data(), words), scalar.popcount(bits.data(), words)) << simd.name;
}

INSTANTIATE_TEST_SUITE_P(Sizes, QuantizerKernelsTest,
                         ::testing::Values(1, 7, 8, 15, 16, 17, 31, 33, 64, 100, 128, 784, 2000));

// The largest weights and codes at 4,000 dimensions (halfvec's limit) fit
// the SIMD kernels' 32-bit partial sums.
TEST(QuantizerKernels, I16U8DotDoesNotOverflowAtTheLargestSizes) {
	const size_t d = 4000;
	std::vector<uint8_t> code(d, 255);
	for (int sign : {1, -1}) {
		std::vector<int16_t> weights(d, int16_t(sign * kI16U8MaxWeight));
		EXPECT_EQ(QuantKernels().i16_u8_dot(weights.data(), code.data(), d), int64_t(sign) * kI16U8MaxWeight * 255 * 4000)
		    << QuantKernels().name;
	}
}

TEST(QuantizerKernels, ScalarReferenceIsRight) {
	const QuantizerKernels &k = ScalarQuantKernels();
	int16_t weights[3] = {1, -2, 3};
	uint8_t code[3] = {2, 0, 255};
	EXPECT_EQ(k.i16_u8_dot(weights, code, 3), 2 + 0 + 765);
	float float_weights[3] = {1, 2, 3};
	EXPECT_FLOAT_EQ(k.f32_u8_dot(float_weights, code, 3), 2 + 0 + 765);
	Half half_weights[3] = {FloatToHalf(1), FloatToHalf(-0.5f), FloatToHalf(3)};
	EXPECT_FLOAT_EQ(k.f16_u8_dot(half_weights, code, 3), 2 + 0 + 765);
	uint8_t other[3] = {255, 9, 3};
	EXPECT_EQ(k.u8_dot(code, other, 3), 2u * 255 + 0 + 3 * 255);
	std::vector<float> table(2 * 256, 0);
	table[7] = 1.5f;
	table[256 + 200] = 2;
	uint8_t pq_code[2] = {7, 200};
	EXPECT_FLOAT_EQ(k.pq_sum(table.data(), pq_code, 2), 3.5f);
	// Two dimensions, columns[t * 256 + id]: centroid 7 is (1.5, 0), 200 is (0, 2).
	float sub[2] = {1, 3}, out[256];
	k.pq_slot_distances(table.data(), nullptr, 0.25f, sub, 2, -2.0f, out);
	EXPECT_FLOAT_EQ(out[7], 0.25f - 2 * 1.5f);
	EXPECT_FLOAT_EQ(out[200], 0.25f - 2 * 3 * 2);
	EXPECT_FLOAT_EQ(out[0], 0.25f);
	// Norms 1 everywhere but centroid 200: 1 - 2 * 6 there is the smallest.
	std::vector<float> norms(256, 1.0f);
	EXPECT_EQ(k.pq_slot_nearest(table.data(), norms.data(), sub, 2), 200u);
	norms[7] = -20;
	EXPECT_EQ(k.pq_slot_nearest(table.data(), norms.data(), sub, 2), 7u);
	uint64_t bits[1] = {0xF0F0}, planes[2] = {0xFF00, 0x000F};
	EXPECT_EQ(k.bit_plane_dot(bits, planes, 1, 2), 4u + 2 * 0u);
	EXPECT_EQ(k.popcount(bits, 1), 8u);
}

}  // namespace
}  // namespace vdb
