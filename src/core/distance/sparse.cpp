// Sparse distances by merging the two sorted index lists.
#include "core/pure.h"

#include <algorithm>
#include <cmath>

#include "core/distance/sparse.h"

namespace vdb {
namespace {

// Calls both(x, y) for indices present in a and b, only_a(x) / only_b(y) for
// the others, in index order.
template <typename Both, typename OnlyA, typename OnlyB>
void Merge(SparseView a, SparseView b, Both both, OnlyA only_a, OnlyB only_b) {
	int32_t i = 0, j = 0;
	while (i < a.nnz && j < b.nnz) {
		if (a.indices[i] == b.indices[j])
			both(a.values[i++], b.values[j++]);
		else if (a.indices[i] < b.indices[j])
			only_a(a.values[i++]);
		else
			only_b(b.values[j++]);
	}
	for (; i < a.nnz; i++)
		only_a(a.values[i]);
	for (; j < b.nnz; j++)
		only_b(b.values[j]);
}

}  // namespace

float SparseDot(SparseView a, SparseView b) {
	float sum = 0;
	Merge(a, b, [&](float x, float y) { sum += x * y; }, [](float) {}, [](float) {});
	return sum;
}

float SparseL2Squared(SparseView a, SparseView b) {
	float sum = 0;
	auto square = [&](float x) { sum += x * x; };
	Merge(a, b, [&](float x, float y) { sum += (x - y) * (x - y); }, square, square);
	return sum;
}

float SparseL1(SparseView a, SparseView b) {
	float sum = 0;
	auto absolute = [&](float x) { sum += std::fabs(x); };
	Merge(a, b, [&](float x, float y) { sum += std::fabs(x - y); }, absolute, absolute);
	return sum;
}

void SparseScatter(SparseView a, float *dense) {
	for (int32_t i = 0; i < a.nnz; i++)
		dense[a.indices[i]] = a.values[i];
}

void SparseUnscatter(SparseView a, float *dense) {
	for (int32_t i = 0; i < a.nnz; i++)
		dense[a.indices[i]] = 0;
}

float SparseDotScattered(const float *dense, SparseView b) {
	float sum = 0;
	for (int32_t j = 0; j < b.nnz; j++)
		sum += dense[b.indices[j]] * b.values[j];
	return sum;
}

float SparseL2SquaredScattered(const float *dense, float a_norm2, SparseView b) {
	float dot = 0, b_norm2 = 0;
	for (int32_t j = 0; j < b.nnz; j++) {
		dot += dense[b.indices[j]] * b.values[j];
		b_norm2 += b.values[j] * b.values[j];
	}
	return std::max(0.0f, a_norm2 + b_norm2 - 2 * dot);
}

float SparseSquaredNorm(SparseView a) {
	float sum = 0;
	for (int32_t i = 0; i < a.nnz; i++)
		sum += a.values[i] * a.values[i];
	return sum;
}

}  // namespace vdb
