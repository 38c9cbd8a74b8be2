// Constructors for the three vector types: zeroed, in the current memory
// context, with the varlena header set.
#include "type/vector.h"

Vector *NewVector(int dim) {
	Size size = VECTOR_SIZE(dim);
	Vector *v = (Vector *) palloc0(size);
	SET_VARSIZE(v, size);
	v->dim = dim;
	return v;
}

HalfVector *NewHalfVector(int dim) {
	Size size = HALFVEC_SIZE(dim);
	HalfVector *v = (HalfVector *) palloc0(size);
	SET_VARSIZE(v, size);
	v->dim = dim;
	return v;
}

SparseVector *NewSparseVector(int dim, int nnz) {
	Size size = SPARSEVEC_SIZE(nnz);
	SparseVector *v = (SparseVector *) palloc0(size);
	SET_VARSIZE(v, size);
	v->dim = dim;
	v->nnz = nnz;
	return v;
}
