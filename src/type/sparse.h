// Helpers shared by the sparsevec glue. A stored sparsevec is canonical:
// indices strictly increasing and in [0, dim), values finite and non-zero.
// Every constructor keeps it so, which makes equality and hashing a plain
// comparison of the stored pairs.
#pragma once

#include "core/distance/sparse.h"
#include "type/vector.h"

inline vdb::SparseView SparseViewOf(SparseVector *v) {
	return vdb::SparseView{v->nnz, v->indices, SparseVectorValues(v)};
}

// 22000 / 54000 unless 0 <= nnz <= min(dim, SPARSEVEC_MAX_NNZ).
void CheckSparseNnz(int64 nnz, int64 dim);

// A new sparsevec of dimension dim from the non-zero entries of a dense
// float array of that length (for casts and l2_normalize).
SparseVector *SparseFromDense(const float *values, int dim);
