// Sparse kernels against a dense double-precision reference of the same
// vectors. Bound as in distance_test.cpp: a float sum of m terms (m = the
// number of indices in either vector), at most two roundings each, is within
// gamma(m + 2) * sum |t_i| of the exact sum, u = 2^-24.
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "core/distance/sparse.h"

namespace vdb {
namespace {

constexpr int kDim = 300;

struct Sparse {
	std::vector<int32_t> indices;
	std::vector<float> values;
	std::vector<double> dense = std::vector<double>(kDim, 0.0);

	SparseView View() const { return {int32_t(indices.size()), indices.data(), values.data()}; }
};

Sparse RandomSparse(std::mt19937 &rng, int nnz) {
	std::vector<int32_t> all(kDim);
	for (int i = 0; i < kDim; i++)
		all[i] = i;
	std::shuffle(all.begin(), all.end(), rng);
	Sparse s;
	s.indices.assign(all.begin(), all.begin() + nnz);
	std::sort(s.indices.begin(), s.indices.end());
	std::normal_distribution<float> normal;
	for (int32_t index : s.indices) {
		s.values.push_back(normal(rng));
		s.dense[index] = s.values.back();
	}
	return s;
}

double Gamma(size_t terms) {
	double k = double(terms + 2) / (1 << 24);
	return k / (1 - k);
}

TEST(SparseKernels, MatchDenseReference) {
	std::mt19937 rng(8);
	std::uniform_int_distribution<int> nnz(0, 80);
	for (int trial = 0; trial < 2000; trial++) {
		Sparse a = RandomSparse(rng, nnz(rng)), b = RandomSparse(rng, nnz(rng));
		double dot = 0, dot_mag = 0, l2 = 0, l1 = 0, norm = 0;
		for (int i = 0; i < kDim; i++) {
			double x = a.dense[i], y = b.dense[i];
			dot += x * y;
			dot_mag += std::fabs(x * y);
			l2 += (x - y) * (x - y);
			l1 += std::fabs(x - y);
			norm += x * x;
		}
		double gamma = Gamma(a.indices.size() + b.indices.size());
		ASSERT_NEAR(SparseDot(a.View(), b.View()), dot, gamma * dot_mag) << trial;
		ASSERT_NEAR(SparseL2Squared(a.View(), b.View()), l2, gamma * l2) << trial;
		ASSERT_NEAR(SparseL1(a.View(), b.View()), l1, gamma * l1) << trial;
		ASSERT_NEAR(SparseSquaredNorm(a.View()), norm, Gamma(a.indices.size()) * norm) << trial;
	}
}

TEST(SparseKernels, IdenticalDisjointAndEmpty) {
	std::mt19937 rng(4);
	Sparse a = RandomSparse(rng, 40), empty;
	EXPECT_EQ(SparseL2Squared(a.View(), a.View()), 0.0f);
	EXPECT_EQ(SparseL1(a.View(), a.View()), 0.0f);
	EXPECT_FLOAT_EQ(SparseDot(a.View(), a.View()), SparseSquaredNorm(a.View()));
	EXPECT_EQ(SparseDot(a.View(), empty.View()), 0.0f);
	EXPECT_EQ(SparseL2Squared(empty.View(), a.View()), SparseSquaredNorm(a.View()));
	EXPECT_EQ(SparseSquaredNorm(empty.View()), 0.0f);

	// Even and odd indices never meet.
	Sparse even, odd;
	for (int32_t i = 0; i < 20; i++) {
		even.indices.push_back(2 * i);
		even.values.push_back(1.0f);
		odd.indices.push_back(2 * i + 1);
		odd.values.push_back(-2.0f);
	}
	EXPECT_EQ(SparseDot(even.View(), odd.View()), 0.0f);
	EXPECT_EQ(SparseL2Squared(even.View(), odd.View()), 20 * 1.0f + 20 * 4.0f);
	EXPECT_EQ(SparseL1(even.View(), odd.View()), 20 * 1.0f + 20 * 2.0f);
}

// Scattered into a dense array: the dot product equals the merge's bit for
// bit, L2 is within the rounding of |a|^2 + |b|^2 (its cancellation), and
// unscattering leaves the array all zeros for the next vector.
TEST(SparseKernels, ScatteredMatchesTheMerge) {
	std::mt19937 rng(9);
	std::uniform_int_distribution<int> nnz(0, 80);
	std::vector<float> dense(kDim, 0.0f);
	for (int trial = 0; trial < 2000; trial++) {
		Sparse a = RandomSparse(rng, nnz(rng)), b = RandomSparse(rng, nnz(rng));
		SparseScatter(a.View(), dense.data());
		float a_norm2 = SparseSquaredNorm(a.View()), b_norm2 = SparseSquaredNorm(b.View());
		ASSERT_EQ(SparseDotScattered(dense.data(), b.View()), SparseDot(a.View(), b.View())) << trial;
		double tolerance = 4 * Gamma(a.indices.size() + b.indices.size()) * (a_norm2 + b_norm2);
		ASSERT_NEAR(SparseL2SquaredScattered(dense.data(), a_norm2, b.View()), SparseL2Squared(a.View(), b.View()),
		            tolerance) << trial;
		ASSERT_GE(SparseL2SquaredScattered(dense.data(), a_norm2, a.View()), 0.0f) << trial;
		SparseUnscatter(a.View(), dense.data());
		ASSERT_EQ(std::count(dense.begin(), dense.end(), 0.0f), kDim) << trial;
	}
}

} // namespace
} // namespace vdb
