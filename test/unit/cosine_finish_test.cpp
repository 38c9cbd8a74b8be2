// Cosine distance's finish (CosineFromParts: the division, square root and
// 1 - similarity of float sums) against a double-precision reference.
//
// The sums stay float, as pgvector's are; only the finish is double. Two
// checks follow from that:
// - From float parts of any magnitude, including ones whose product
//   overflows or underflows float, the finish is within a few double
//   roundings of the exact value (a float finish was off in the 8th digit,
//   and returned 1 or 0 where the product left float's range).
// - Inputs whose float sums are exact (small integers times a power of two)
//   leave the finish as the only rounding, so every kernel level must return
//   the double reference to the bit, and scaling an input by 2^40 or 2^-60
//   (norms whose product float cannot hold) must not change the result.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "core/distance/distance.h"
#include "kernel_levels.h"

namespace vdb {
namespace {

// 1 - dot / sqrt(norm_a * norm_b), clamped, in long double.
long double ReferenceFinish(long double dot, long double norm_a, long double norm_b) {
	long double similarity = dot / std::sqrt(norm_a * norm_b);
	return 1 - std::fmax(-1.0L, std::fmin(1.0L, similarity));
}

// A positive float 10^e for e in [-40, 38]: subnormal to near float's
// largest, so that products of two leave float's range both ways.
float RandomMagnitude(std::mt19937 &rng) {
	std::uniform_real_distribution<double> exponent(-40, 38);
	return float(std::pow(10.0, exponent(rng)));
}

TEST(CosineFinish, MatchesADoubleReferenceFromPartsOfAnyMagnitude) {
	std::mt19937 rng(20261206);
	std::uniform_real_distribution<double> cosine(-1, 1);
	for (int i = 0; i < 200000; i++) {
		float norm_a = RandomMagnitude(rng), norm_b = RandomMagnitude(rng);
		// Cauchy-Schwarz: |dot| <= sqrt(norm_a norm_b), as for real vectors.
		float dot = float(cosine(rng) * std::sqrt(double(norm_a) * double(norm_b)));
		long double expected = ReferenceFinish(dot, norm_a, norm_b);
		double got = CosineFromParts(dot, norm_a, norm_b);
		// Three double roundings in the similarity, one in 1 - s (result <= 2).
		ASSERT_NEAR(got, double(expected), 1e-15)
		    << "dot " << dot << " norm_a " << norm_a << " norm_b " << norm_b;
		if (expected > 1e-3) {
			ASSERT_LE(std::fabs(got - expected) / expected, 1e-12L);
		}
	}
}

TEST(CosineFinish, NormsBeyondFloatsRange) {
	// [1e10, 0] and [1e10, 1e10]: the norms' product, 2e40, overflows float.
	float big = 1e10f;
	EXPECT_NEAR(CosineFromParts(big * big, big * big, 2 * big * big), 1 - std::sqrt(0.5), 1e-16);
	// [1e-20, 0] and [1e-20, 1e-20]: the parts are float subnormals (the
	// kernels' sums: x², x² and x² + x²) and their product underflows float.
	float tiny = 1e-20f;
	float square = tiny * tiny;
	EXPECT_NEAR(CosineFromParts(square, square, square + square), 1 - std::sqrt(0.5), 1e-16);
	EXPECT_TRUE(std::isnan(CosineFromParts(0, 0, 1)));
	EXPECT_EQ(CosineFromParts(1, 1, 1), 0.0);
	EXPECT_EQ(CosineFromParts(-1, 1, 1), 2.0);
}

class CosineKernels : public PerLevel {};

// The exact (double) finish of integer vectors a and b.
double ExactCosine(const std::vector<int> &a, const std::vector<int> &b) {
	double dot = 0, norm_a = 0, norm_b = 0;
	for (size_t i = 0; i < a.size(); i++) {
		dot += double(a[i]) * b[i];
		norm_a += double(a[i]) * a[i];
		norm_b += double(b[i]) * b[i];
	}
	double similarity = dot / std::sqrt(norm_a * norm_b);
	return 1 - std::fmax(-1.0, std::fmin(1.0, similarity));
}

TEST_P(CosineKernels, ExactSumsLeaveOnlyTheDoubleFinish) {
	std::mt19937 rng(1206);
	std::uniform_int_distribution<int> small(-8, 8);
	for (size_t n = 1; n <= 300; n++) {
		std::vector<int> a(n), b(n);
		for (size_t i = 0; i < n; i++) {
			a[i] = small(rng);
			b[i] = small(rng);
		}
		a[0] = a[0] == 0 ? 1 : a[0];  // no zero vector: that is NaN, tested elsewhere
		b[0] = b[0] == 0 ? -1 : b[0];
		double expected = ExactCosine(a, b);
		// float: also at scales whose squared norms' product is beyond float.
		for (float scale : {1.0f, std::ldexp(1.0f, 40), std::ldexp(1.0f, -60)}) {
			std::vector<float> x(n), y(n);
			for (size_t i = 0; i < n; i++) {
				x[i] = float(a[i]) * scale;
				y[i] = float(b[i]) * scale;
			}
			ASSERT_EQ(k().cosine_f32(x.data(), y.data(), n), expected) << "n=" << n << " scale " << scale;
		}
		// float16 cannot leave float's range; its elements are exact at 2^-10.
		for (float scale : {1.0f, std::ldexp(1.0f, -10)}) {
			std::vector<Half> x(n), y(n);
			for (size_t i = 0; i < n; i++) {
				x[i] = FloatToHalf(float(a[i]) * scale);
				y[i] = FloatToHalf(float(b[i]) * scale);
			}
			ASSERT_EQ(k().cosine_f16(x.data(), y.data(), n), expected) << "n=" << n << " scale " << scale;
		}
	}
}

VDB_INSTANTIATE_PER_LEVEL(CosineKernels);

}  // namespace
}  // namespace vdb
