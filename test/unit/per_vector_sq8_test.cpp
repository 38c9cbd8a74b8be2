// The 8-bit hnsw element: reconstruction error, distances to the
// reconstruction, and the lower bound the executor's re-ranking relies on,
// which must never exceed the distance the SQL operator computes.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "core/distance/distance.h"
#include "core/element/per_vector_sq8.h"
#include "core/float16.h"

namespace vdb {
namespace {

std::vector<float> Random(size_t dims, std::mt19937_64 &rng, float scale, float offset) {
	std::normal_distribution<float> normal;
	std::vector<float> x(dims);
	for (float &v : x)
		v = offset + scale * normal(rng);
	return x;
}

void Normalise(std::vector<float> &x) {
	double norm = 0;
	for (float v : x)
		norm += double(v) * v;
	for (float &v : x)
		v = float(v / std::sqrt(norm));
}

// What the SQL operators return, computed as they do (float kernels).
double Operator(MetricKind kind, const std::vector<float> &q, const std::vector<float> &x) {
	switch (kind) {
	case MetricKind::kL2:
		return std::sqrt(double(Kernels().l2_squared_f32(q.data(), x.data(), q.size())));
	case MetricKind::kInnerProduct:
		return -double(Kernels().dot_f32(q.data(), x.data(), q.size()));
	case MetricKind::kL1:
		return double(Kernels().l1_f32(q.data(), x.data(), q.size()));
	default:
		return double(Kernels().cosine_f32(q.data(), x.data(), q.size()));
	}
}

// The same over float16 vectors (the halfvec operators).
double HalfOperator(MetricKind kind, const std::vector<Half> &q, const std::vector<Half> &x) {
	switch (kind) {
	case MetricKind::kL2:
		return std::sqrt(double(Kernels().l2_squared_f16(q.data(), x.data(), q.size())));
	case MetricKind::kInnerProduct:
		return -double(Kernels().dot_f16(q.data(), x.data(), q.size()));
	case MetricKind::kL1:
		return double(Kernels().l1_f16(q.data(), x.data(), q.size()));
	default:
		return double(Kernels().cosine_f16(q.data(), x.data(), q.size()));
	}
}

std::vector<Half> ToHalf(const std::vector<float> &x) {
	std::vector<Half> h(x.size());
	for (size_t i = 0; i < x.size(); i++)
		h[i] = FloatToHalf(x[i]);
	return h;
}

std::vector<float> ToFloat(const std::vector<Half> &h) {
	std::vector<float> x(h.size());
	for (size_t i = 0; i < h.size(); i++)
		x[i] = HalfToFloat(h[i]);
	return x;
}

TEST(PerVectorSq8, ReconstructsWithinHalfAStep) {
	std::mt19937_64 rng(1);
	for (size_t dims : {1, 3, 16, 784, 1537}) {
		std::vector<float> x = Random(dims, rng, 3, 1), decoded(dims);
		std::vector<uint8_t> element(PerVectorSq8Bytes(dims));
		ASSERT_EQ(element.size() % 4, 0u);
		PerVectorSq8Encode(MetricKind::kL2, x.data(), dims, element.data());
		PerVectorSq8Decode(element.data(), dims, decoded.data());
		PerVectorSq8Header h;
		memcpy(&h, element.data(), sizeof h);
		double residual2 = 0, norm2 = 0;
		for (size_t i = 0; i < dims; i++) {
			EXPECT_LE(std::fabs(x[i] - decoded[i]), h.step * 0.5001 + 1e-6) << dims << " " << i;
			residual2 += double(x[i] - decoded[i]) * (x[i] - decoded[i]);
			norm2 += double(decoded[i]) * decoded[i];
		}
		EXPECT_GE(h.residual, std::sqrt(residual2) * 0.9999);
		EXPECT_NEAR(h.norm2, norm2, 1e-4 * norm2 + 1e-6);
	}
}

TEST(PerVectorSq8, ConstantVectorIsExact) {
	std::vector<float> x(10, 2.5f), decoded(10);
	std::vector<uint8_t> element(PerVectorSq8Bytes(10));
	PerVectorSq8Encode(MetricKind::kL2, x.data(), 10, element.data());
	PerVectorSq8Decode(element.data(), 10, decoded.data());
	EXPECT_EQ(decoded, x);
}

TEST(PerVectorSq8, IntegerPixelsAreExact) {
	// Fashion-MNIST-like data: integers 0..255 with both ends present.
	std::vector<float> x(784);
	for (size_t i = 0; i < x.size(); i++)
		x[i] = float((i * 37) % 256);
	std::vector<float> decoded(x.size());
	std::vector<uint8_t> element(PerVectorSq8Bytes(x.size()));
	PerVectorSq8Encode(MetricKind::kL2, x.data(), x.size(), element.data());
	PerVectorSq8Decode(element.data(), x.size(), decoded.data());
	EXPECT_EQ(decoded, x);
}

TEST(PerVectorSq8, DistanceMatchesTheReconstruction) {
	std::mt19937_64 rng(2);
	size_t dims = 300;
	for (MetricKind kind : {MetricKind::kL2, MetricKind::kInnerProduct, MetricKind::kL1}) {
		std::vector<float> q = Random(dims, rng, 1, 0), x = Random(dims, rng, 1, 0.5f), decoded(dims);
		std::vector<uint8_t> element(PerVectorSq8Bytes(dims));
		PerVectorSq8Encode(kind, x.data(), dims, element.data());
		PerVectorSq8Decode(element.data(), dims, decoded.data());
		double expected = kind == MetricKind::kL2   ? Kernels().l2_squared_f32(q.data(), decoded.data(), dims)
		                  : kind == MetricKind::kL1 ? Kernels().l1_f32(q.data(), decoded.data(), dims)
		                                            : -Kernels().dot_f32(q.data(), decoded.data(), dims);
		PerVectorSq8Query query = PerVectorSq8PrepareQuery(kind, q.data(), dims);
		EXPECT_NEAR(PerVectorSq8Distance(query, element.data()), expected, 1e-3 * (std::fabs(expected) + 1));
		// A halfvec query of the same values: the same distance.
		std::vector<Half> half_q = ToHalf(q);
		std::vector<float> rounded_q = ToFloat(half_q);
		PerVectorSq8Query rounded = PerVectorSq8PrepareQuery(kind, rounded_q.data(), dims);
		PerVectorSq8Query half = PerVectorSq8PrepareHalfQuery(kind, half_q.data(), dims);
		float want = PerVectorSq8Distance(rounded, element.data());
		EXPECT_NEAR(PerVectorSq8Distance(half, element.data()), want, 1e-4 * (std::fabs(want) + 1)) << int(kind);
	}
}

TEST(PerVectorSq8, DistanceBetweenElementsMatchesTheReconstructions) {
	std::mt19937_64 rng(4);
	for (size_t dims : {1, 33, 784}) {
		std::vector<float> x = Random(dims, rng, 2, 1), y = Random(dims, rng, 0.5f, -1), dx(dims), dy(dims);
		std::vector<uint8_t> a(PerVectorSq8Bytes(dims)), b(PerVectorSq8Bytes(dims));
		PerVectorSq8Encode(MetricKind::kL2, x.data(), dims, a.data());
		PerVectorSq8Encode(MetricKind::kL2, y.data(), dims, b.data());
		PerVectorSq8Decode(a.data(), dims, dx.data());
		PerVectorSq8Decode(b.data(), dims, dy.data());
		double l2 = Kernels().l2_squared_f32(dx.data(), dy.data(), dims);
		double dot = Kernels().dot_f32(dx.data(), dy.data(), dims);
		EXPECT_NEAR(PerVectorSq8L2Between(a.data(), b.data(), dims), l2, 1e-4 * l2 + 1e-4) << dims;
		EXPECT_NEAR(PerVectorSq8NegDotBetween(a.data(), b.data(), dims), -dot, 1e-4 * std::fabs(dot) + 1e-3) << dims;
		EXPECT_NEAR(PerVectorSq8L2Between(a.data(), a.data(), dims), 0, 1e-3 * l2 + 1e-4) << dims;
		double l1 = Kernels().l1_f32(dx.data(), dy.data(), dims);
		EXPECT_NEAR(PerVectorSq8L1Between(a.data(), b.data(), dims), l1, 1e-4 * l1 + 1e-4) << dims;
		EXPECT_EQ(PerVectorSq8L1Between(a.data(), a.data(), dims), 0) << dims;
	}
}

// For each metric and many random pairs, near and far, in and out of scale:
// the bound is at most the operator's value and, for L2, not far below it.
TEST(PerVectorSq8, LowerBoundNeverExceedsTheOperator) {
	std::mt19937_64 rng(3);
	for (MetricKind kind : {MetricKind::kL2, MetricKind::kInnerProduct, MetricKind::kCosine, MetricKind::kL1}) {
		for (size_t dims : {2, 17, 128, 784, 2000}) {
			for (int trial = 0; trial < 200; trial++) {
				float scale = trial % 3 == 0 ? 1e-3f : (trial % 3 == 1 ? 1.0f : 1e3f);
				std::vector<float> x = Random(dims, rng, scale, trial % 2 ? scale : 0);
				// Every fourth query is a near copy of x, where bounds are tightest.
				std::vector<float> q = trial % 4 == 0 ? x : Random(dims, rng, scale, 0);
				if (trial % 4 == 0)
					q[trial % dims] += scale * 1e-3f;
				if (kind == MetricKind::kCosine) {
					Normalise(x);
					Normalise(q);
				}
				std::vector<uint8_t> element(PerVectorSq8Bytes(dims));
				PerVectorSq8Encode(kind, x.data(), dims, element.data());
				PerVectorSq8Query query = PerVectorSq8PrepareQuery(kind, q.data(), dims);
				float distance = PerVectorSq8Distance(query, element.data());
				double bound = PerVectorSq8LowerBound(query, distance, element.data());
				double exact = Operator(kind, q, x);
				ASSERT_LE(bound, exact) << int(kind) << " dims " << dims << " trial " << trial;
				if ((kind == MetricKind::kL2 || kind == MetricKind::kL1) && trial % 4 != 0)
					EXPECT_GE(bound, exact * 0.9) << int(kind) << " dims " << dims << " trial " << trial;
			}
		}
	}
}

// The same for halfvec columns: float16 vectors coded (cosine ones scaled to
// unit length by the coder, not before), float16 queries, and the bound held
// against the halfvec operators.
TEST(PerVectorSq8, HalfLowerBoundNeverExceedsTheOperator) {
	std::mt19937_64 rng(5);
	for (MetricKind kind : {MetricKind::kL2, MetricKind::kInnerProduct, MetricKind::kCosine, MetricKind::kL1}) {
		for (size_t dims : {2, 17, 128, 784, 2000}) {
			for (int trial = 0; trial < 100; trial++) {
				float scale = trial % 3 == 0 ? 1e-2f : (trial % 3 == 1 ? 1.0f : 1e2f);
				std::vector<Half> x = ToHalf(Random(dims, rng, scale, trial % 2 ? scale : 0));
				std::vector<Half> q = trial % 4 == 0 ? x : ToHalf(Random(dims, rng, scale, 0));
				std::vector<uint8_t> element(PerVectorSq8Bytes(dims));
				PerVectorSq8EncodeHalf(kind, x.data(), dims, element.data());
				PerVectorSq8Query query = PerVectorSq8PrepareHalfQuery(kind, q.data(), dims);
				float distance = PerVectorSq8Distance(query, element.data());
				double bound = PerVectorSq8LowerBound(query, distance, element.data());
				double exact = HalfOperator(kind, q, x);
				ASSERT_LE(bound, exact) << int(kind) << " dims " << dims << " trial " << trial;
				if ((kind == MetricKind::kL2 || kind == MetricKind::kL1) && trial % 4 != 0)
					EXPECT_GE(bound, exact * 0.8) << int(kind) << " dims " << dims << " trial " << trial;
			}
		}
	}
}

TEST(PerVectorSq8, HalfRoundTripsWithinHalfAStep) {
	std::mt19937_64 rng(6);
	size_t dims = 100;
	std::vector<Half> x = ToHalf(Random(dims, rng, 3, 1)), decoded(dims);
	std::vector<uint8_t> element(PerVectorSq8Bytes(dims));
	PerVectorSq8EncodeHalf(MetricKind::kL2, x.data(), dims, element.data());
	PerVectorSq8DecodeHalf(element.data(), dims, decoded.data());
	PerVectorSq8Header h;
	memcpy(&h, element.data(), sizeof h);
	for (size_t i = 0; i < dims; i++)
		EXPECT_LE(std::fabs(HalfToFloat(x[i]) - HalfToFloat(decoded[i])), h.step * 0.5001 + 4e-3) << i;
	// Cosine: coded at unit length whatever the column's scale.
	std::vector<Half> big(x);
	for (Half &v : big)
		v = FloatToHalf(HalfToFloat(v) * 8);
	std::vector<uint8_t> unit(PerVectorSq8Bytes(dims)), unit_big(PerVectorSq8Bytes(dims));
	PerVectorSq8EncodeHalf(MetricKind::kCosine, x.data(), dims, unit.data());
	PerVectorSq8EncodeHalf(MetricKind::kCosine, big.data(), dims, unit_big.data());
	memcpy(&h, unit.data(), sizeof h);
	EXPECT_NEAR(h.norm2, 1.0, 1e-3);
	EXPECT_EQ(unit, unit_big);
}

// An L1 element's residual is the L1 norm of x - x^, not the L2 one.
TEST(PerVectorSq8, L1ResidualIsTheL1Norm) {
	std::mt19937_64 rng(7);
	size_t dims = 64;
	std::vector<float> x = Random(dims, rng, 1, 0), decoded(dims);
	std::vector<uint8_t> element(PerVectorSq8Bytes(dims));
	PerVectorSq8Encode(MetricKind::kL1, x.data(), dims, element.data());
	PerVectorSq8Decode(element.data(), dims, decoded.data());
	double l1 = 0;
	for (size_t i = 0; i < dims; i++)
		l1 += std::fabs(double(x[i]) - decoded[i]);
	PerVectorSq8Header h;
	memcpy(&h, element.data(), sizeof h);
	EXPECT_GE(h.residual, l1 * 0.9999);
	EXPECT_LE(h.residual, l1 * 1.001 + 1e-6);
}

}  // namespace
}  // namespace vdb
