// Distances between sparse vectors stored as sorted (index, value) pairs.
// Sparse vectors are short and irregular, so a branchy merge beats SIMD here.
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

}  // namespace vdb
