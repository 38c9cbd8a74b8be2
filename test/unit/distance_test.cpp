// Dense float32 and float16 kernels of every SIMD level on this CPU against a
// double-precision reference, for every dimension from 1 to 2,000.
//
// Error bound. A kernel sums n float terms t_i (a difference squared, a
// product or an |difference|: at most two roundings each) in some order:
// sequentially in the scalar kernels, in SIMD lanes and then a tree in the
// others. For any order, with u = 2^-24 and gamma(k) = k u / (1 - k u),
//     |computed - exact| <= gamma(n + 2) * sum |t_i|        (L2², dot, L1)
// Cosine distance 1 - s: Cauchy-Schwarz bounds sum |a_i b_i| by |a| |b|, so
// the error in s is at most gamma(n + 2) from the dot product plus |s| times
// gamma(n + 2) from the norms, plus a few roundings (product, square root,
// division, 1 - s):
//     |computed - exact| <= 2 gamma(n + 2) + 8u
// Separately, small-integer inputs make every partial sum exact in float, so
// there each kernel must match the reference to the last bit: this catches a
// dropped or repeated element that a rounding bound could hide.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "guarded_buffer.h"
#include "kernel_levels.h"

namespace vdb {
namespace {

// Each kernel called through the table of the level under test; cosine
// returns double, the others float, so all are read as double.
template <auto Kernel, typename T>
double Call(const DistanceKernels &kernels, const T *a, const T *b, size_t n) {
	return (kernels.*Kernel)(a, b, n);
}

enum class Metric { kL2Squared, kDot, kL1, kCosine };

struct MetricKernels {
	const char *name;
	Metric metric;
	double (*f32)(const DistanceKernels &, const float *, const float *, size_t);
	double (*f16)(const DistanceKernels &, const Half *, const Half *, size_t);
};

const MetricKernels kMetrics[] = {
    {"l2_squared", Metric::kL2Squared, Call<&DistanceKernels::l2_squared_f32, float>,
     Call<&DistanceKernels::l2_squared_f16, Half>},
    {"dot", Metric::kDot, Call<&DistanceKernels::dot_f32, float>,
     Call<&DistanceKernels::dot_f16, Half>},
    {"l1", Metric::kL1, Call<&DistanceKernels::l1_f32, float>, Call<&DistanceKernels::l1_f16, Half>},
    {"cosine", Metric::kCosine, Call<&DistanceKernels::cosine_f32, float>,
     Call<&DistanceKernels::cosine_f16, Half>},
};

constexpr double kUnitRoundoff = 1.0 / (1 << 24);

struct Reference {
	double value;
	double bound;              // the error bound stated at the top of this file
	float dot, norm_a, norm_b; // cosine's parts, rounded to float
};

Reference ReferenceDistance(Metric metric, const float *a, const float *b, size_t n) {
	double sum = 0, magnitude = 0, dot = 0, norm_a = 0, norm_b = 0;
	for (size_t i = 0; i < n; i++) {
		double x = a[i], y = b[i];
		double term = metric == Metric::kL2Squared ? (x - y) * (x - y)
		              : metric == Metric::kDot     ? x * y
		                                           : std::fabs(x - y);
		sum += term;
		magnitude += std::fabs(term);
		dot += x * y;
		norm_a += x * x;
		norm_b += y * y;
	}
	double k = double(n + 2) * kUnitRoundoff;
	double gamma = k / (1 - k);
	Reference ref{sum, gamma * magnitude, float(dot), float(norm_a), float(norm_b)};
	if (metric == Metric::kCosine) {
		double similarity = dot / std::sqrt(norm_a * norm_b);
		ref.value = 1 - std::fmax(-1.0, std::fmin(1.0, similarity));
		ref.bound = 2 * gamma + 8 * kUnitRoundoff;
	}
	return ref;
}

bool SameValue(double x, double y) {
	return (std::isnan(x) && std::isnan(y)) || x == y;
}

// Two vectors of n values in each format, starting at different offsets from
// an allocation so that loads are unaligned in every combination.
struct VectorPair {
	std::vector<float> a_store, b_store;
	std::vector<Half> a_half_store, b_half_store;
	float *a, *b;
	Half *a_half, *b_half;
	// The float16 values widened back, for the reference.
	std::vector<float> a_widened, b_widened;

	template <typename Draw>
	VectorPair(size_t n, Draw draw)
	    : a_store(n + 8), b_store(n + 8), a_half_store(n + 16), b_half_store(n + 16), a_widened(n),
	      b_widened(n) {
		a = a_store.data() + n % 4;
		b = b_store.data() + (n / 4) % 4 + 1;
		a_half = a_half_store.data() + n % 8;
		b_half = b_half_store.data() + (n / 8) % 8 + 3;
		for (size_t i = 0; i < n; i++) {
			a[i] = draw();
			b[i] = draw();
			a_half[i] = FloatToHalf(draw());
			b_half[i] = FloatToHalf(draw());
			a_widened[i] = HalfToFloat(a_half[i]);
			b_widened[i] = HalfToFloat(b_half[i]);
		}
	}
};

class DenseKernels : public PerLevel {};

TEST_P(DenseKernels, RandomInputsWithinBoundForEveryDimension) {
	std::mt19937 rng(20261124);
	std::normal_distribution<float> normal(0.0f, 1.0f);
	for (size_t n = 1; n <= 2000; n++) {
		VectorPair v(n, [&] { return normal(rng); });
		for (const MetricKernels &m : kMetrics) {
			Reference f32 = ReferenceDistance(m.metric, v.a, v.b, n);
			ASSERT_NEAR(m.f32(k(), v.a, v.b, n), f32.value, f32.bound)
			    << m.name << "_f32 n=" << n;
			Reference f16 = ReferenceDistance(m.metric, v.a_widened.data(), v.b_widened.data(), n);
			ASSERT_NEAR(m.f16(k(), v.a_half, v.b_half, n), f16.value, f16.bound)
			    << m.name << "_f16 n=" << n;
		}
	}
}

TEST_P(DenseKernels, SmallIntegerInputsAreExactForEveryDimension) {
	std::mt19937 rng(7);
	std::uniform_int_distribution<int> small(-8, 8);
	for (size_t n = 1; n <= 2000; n++) {
		VectorPair v(n, [&] { return float(small(rng)); });
		for (const MetricKernels &m : kMetrics) {
			Reference f32 = ReferenceDistance(m.metric, v.a, v.b, n);
			Reference f16 = ReferenceDistance(m.metric, v.a_widened.data(), v.b_widened.data(), n);
			double got_f32 = m.f32(k(), v.a, v.b, n);
			double got_f16 = m.f16(k(), v.a_half, v.b_half, n);
			if (m.metric == Metric::kCosine) {
				// The parts are exact, so the result is CosineFromParts's to the bit.
				ASSERT_TRUE(SameValue(got_f32, CosineFromParts(f32.dot, f32.norm_a, f32.norm_b)))
				    << "cosine_f32 n=" << n << " got " << got_f32;
				ASSERT_TRUE(SameValue(got_f16, CosineFromParts(f16.dot, f16.norm_a, f16.norm_b)))
				    << "cosine_f16 n=" << n << " got " << got_f16;
			} else {
				ASSERT_EQ(got_f32, f32.value) << m.name << "_f32 n=" << n;
				ASSERT_EQ(got_f16, f16.value) << m.name << "_f16 n=" << n;
			}
		}
	}
}

TEST_P(DenseKernels, EmptyVectors) {
	float a = 1, b = 2;
	Half ha = FloatToHalf(1), hb = FloatToHalf(2);
	for (const MetricKernels &m : kMetrics) {
		if (m.metric == Metric::kCosine) {
			EXPECT_TRUE(std::isnan(m.f32(k(), &a, &b, 0))) << m.name;
			EXPECT_TRUE(std::isnan(m.f16(k(), &ha, &hb, 0))) << m.name;
		} else {
			EXPECT_EQ(m.f32(k(), &a, &b, 0), 0.0f) << m.name;
			EXPECT_EQ(m.f16(k(), &ha, &hb, 0), 0.0f) << m.name;
		}
	}
}

TEST_P(DenseKernels, CosineWithAZeroVectorIsNaN) {
	std::mt19937 rng(3);
	std::normal_distribution<float> normal;
	for (size_t n : {1, 7, 16, 33, 100, 784}) {
		std::vector<float> zero(n, 0.0f), other(n);
		std::vector<Half> zero_half(n, FloatToHalf(0.0f)), other_half(n);
		for (size_t i = 0; i < n; i++) {
			other[i] = normal(rng);
			other_half[i] = FloatToHalf(other[i]);
		}
		EXPECT_TRUE(std::isnan(k().cosine_f32(zero.data(), zero.data(), n))) << n;
		EXPECT_TRUE(std::isnan(k().cosine_f32(zero.data(), other.data(), n))) << n;
		EXPECT_TRUE(std::isnan(k().cosine_f32(other.data(), zero.data(), n))) << n;
		EXPECT_TRUE(std::isnan(k().cosine_f16(zero_half.data(), zero_half.data(), n))) << n;
		EXPECT_TRUE(std::isnan(k().cosine_f16(zero_half.data(), other_half.data(), n))) << n;
		EXPECT_EQ(k().l2_squared_f32(zero.data(), zero.data(), n), 0.0f);
		EXPECT_EQ(k().dot_f32(zero.data(), other.data(), n), 0.0f);
	}
}

// dot(a, a) and |a|² take the same steps, and sqrt(fl(x²)) == x, so identical
// vectors are exactly 0 apart and opposite ones exactly 2 in cosine distance.
TEST_P(DenseKernels, IdenticalVectorsAreExactlyZeroApart) {
	std::mt19937 rng(11);
	std::normal_distribution<float> normal;
	for (size_t n = 1; n <= 300; n++) {
		std::vector<float> a(n), minus_a(n);
		std::vector<Half> h(n), minus_h(n);
		for (size_t i = 0; i < n; i++) {
			a[i] = normal(rng);
			minus_a[i] = -a[i];
			h[i] = FloatToHalf(a[i]);
			minus_h[i] = Half(h[i] ^ 0x8000);
		}
		ASSERT_EQ(k().l2_squared_f32(a.data(), a.data(), n), 0.0f) << n;
		ASSERT_EQ(k().l1_f32(a.data(), a.data(), n), 0.0f) << n;
		ASSERT_EQ(k().cosine_f32(a.data(), a.data(), n), 0.0f) << n;
		ASSERT_EQ(k().cosine_f32(a.data(), minus_a.data(), n), 2.0f) << n;
		ASSERT_EQ(k().l2_squared_f16(h.data(), h.data(), n), 0.0f) << n;
		ASSERT_EQ(k().l1_f16(h.data(), h.data(), n), 0.0f) << n;
		ASSERT_EQ(k().cosine_f16(h.data(), h.data(), n), 0.0f) << n;
		ASSERT_EQ(k().cosine_f16(h.data(), minus_h.data(), n), 2.0f) << n;
	}
}

// A NaN anywhere, in the unrolled body or in the tail, reaches the result.
TEST_P(DenseKernels, NaNInAnyPositionPropagates) {
	for (size_t n = 1; n <= 80; n++) {
		for (size_t at : {size_t(0), n / 2, n - 1}) {
			std::vector<float> a(n, 0.5f), b(n, 0.25f);
			std::vector<Half> ha(n, FloatToHalf(0.5f)), hb(n, FloatToHalf(0.25f));
			a[at] = std::numeric_limits<float>::quiet_NaN();
			ha[at] = 0x7e00;
			for (const MetricKernels &m : kMetrics) {
				ASSERT_TRUE(std::isnan(m.f32(k(), a.data(), b.data(), n)))
				    << m.name << " n=" << n;
				ASSERT_TRUE(std::isnan(m.f16(k(), ha.data(), hb.data(), n)))
				    << m.name << " n=" << n;
			}
		}
	}
}

// Vectors that end at an inaccessible page: any read past the last element
// crashes the test. Results must equal those on ordinary memory.
TEST_P(DenseKernels, NeverReadPastTheEnd) {
	std::mt19937 rng(5);
	std::normal_distribution<float> normal;
	for (size_t n = 1; n <= 200; n++) {
		GuardedBuffer ga(n * sizeof(float)), gb(n * sizeof(float));
		GuardedBuffer gha(n * sizeof(Half)), ghb(n * sizeof(Half));
		VectorPair v(n, [&] { return normal(rng); });
		std::memcpy(ga.As<float>(), v.a, n * sizeof(float));
		std::memcpy(gb.As<float>(), v.b, n * sizeof(float));
		std::memcpy(gha.As<Half>(), v.a_half, n * sizeof(Half));
		std::memcpy(ghb.As<Half>(), v.b_half, n * sizeof(Half));
		for (const MetricKernels &m : kMetrics) {
			ASSERT_TRUE(SameValue(m.f32(k(), ga.As<float>(), gb.As<float>(), n),
			                      m.f32(k(), v.a, v.b, n)))
			    << m.name << " n=" << n;
			ASSERT_TRUE(SameValue(m.f16(k(), gha.As<Half>(), ghb.As<Half>(), n),
			                      m.f16(k(), v.a_half, v.b_half, n)))
			    << m.name << " n=" << n;
		}
	}
}

VDB_INSTANTIATE_PER_LEVEL(DenseKernels);

} // namespace
} // namespace vdb
