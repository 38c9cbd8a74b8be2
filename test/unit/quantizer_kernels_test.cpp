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
	std::vector<float> a = Floats(n), b = Floats(n), table = Floats(n * 256);
	std::vector<uint8_t> code = Bytes(n);
	// Summation order differs: allow float rounding relative to the size of
	// the terms summed (codes reach 255, so terms reach about 2 * 255).
	float tolerance = 1e-6f * float(n) * 600;
	EXPECT_NEAR(simd.sq8_l2(a.data(), b.data(), code.data(), n),
	            scalar.sq8_l2(a.data(), b.data(), code.data(), n), tolerance * 600) << simd.name;
	EXPECT_NEAR(simd.sq8_dot(a.data(), code.data(), n), scalar.sq8_dot(a.data(), code.data(), n),
	            tolerance) << simd.name;
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
                         ::testing::Values(1, 7, 8, 15, 16, 17, 31, 64, 100, 128, 784, 2000));

TEST(QuantizerKernels, ScalarReferenceIsRight) {
	const QuantizerKernels &k = ScalarQuantKernels();
	float shifted[3] = {1, 2, 3}, step[3] = {0.5f, 1, 2};
	uint8_t code[3] = {2, 0, 1};
	EXPECT_FLOAT_EQ(k.sq8_l2(shifted, step, code, 3), 0 + 4 + 1);
	EXPECT_FLOAT_EQ(k.sq8_dot(shifted, code, 3), 2 + 0 + 3);
	uint8_t other[3] = {255, 9, 3};
	EXPECT_EQ(k.u8_dot(code, other, 3), 2u * 255 + 0 + 3);
	std::vector<float> table(2 * 256, 0);
	table[7] = 1.5f;
	table[256 + 200] = 2;
	uint8_t pq_code[2] = {7, 200};
	EXPECT_FLOAT_EQ(k.pq_sum(table.data(), pq_code, 2), 3.5f);
	uint64_t bits[1] = {0xF0F0}, planes[2] = {0xFF00, 0x000F};
	EXPECT_EQ(k.bit_plane_dot(bits, planes, 1, 2), 4u + 2 * 0u);
	EXPECT_EQ(k.popcount(bits, 1), 8u);
}

}  // namespace
}  // namespace vdb
