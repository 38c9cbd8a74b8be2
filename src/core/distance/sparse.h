// Distances between sparse vectors stored as sorted (index, value) pairs.
// Sparse vectors are short and irregular, so a branchy merge beats SIMD here.
//
// Many distances from one vector (an hnsw build placing a node measures a
// few thousand) go faster with it scattered into a dense array first: each
// distance is then one pass over the other vector's non-zeros, loads that
// do not wait on each other, where the merge is a chain of dependent
// compares. The dot product comes out bit for bit as SparseDot's (the same
// products summed in the same order, zeros added between them).
#pragma once

#include <cstdint>

namespace vdb {

struct SparseView {
	int32_t nnz;
	const int32_t *indices;  // strictly increasing
	const float *values;
};

float SparseDot(SparseView a, SparseView b);
float SparseL2Squared(SparseView a, SparseView b);
float SparseL1(SparseView a, SparseView b);
float SparseSquaredNorm(SparseView a);

// Writes a's values into dense (zeros, longer than a's largest index);
// SparseUnscatter zeroes them again.
void SparseScatter(SparseView a, float *dense);
void SparseUnscatter(SparseView a, float *dense);
// SparseDot(a, b), with a scattered into dense.
float SparseDotScattered(const float *dense, SparseView b);
// SparseL2Squared(a, b) up to rounding, as |a|^2 + |b|^2 - 2 a.b (the
// cancellation costs a relative 1e-7 of |a|^2 + |b|^2: enough for ranking
// while a graph is built, not for the distance a scan returns).
float SparseL2SquaredScattered(const float *dense, float a_norm2, SparseView b);

}  // namespace vdb
