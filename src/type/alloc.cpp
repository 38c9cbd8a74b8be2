// Constructors for the three vector types: zeroed, in the current memory
// context, with the varlena header set.
#include "type/vector.h"

namespace {

// vector and halfvec share their header layout (varlena, int16 dim).
template <typename T>
T *NewDense(Size size, int dim) {
	T *v = (T *) palloc0(size);
	SET_VARSIZE(v, size);
	v->dim = dim;
	return v;
}

}  // namespace

Vector *NewVector(int dim) { return NewDense<Vector>(VECTOR_SIZE(dim), dim); }

HalfVector *NewHalfVector(int dim) { return NewDense<HalfVector>(HALFVEC_SIZE(dim), dim); }

SparseVector *NewSparseVector(int dim, int nnz) {
	Size size = SPARSEVEC_SIZE(nnz);
	SparseVector *v = (SparseVector *) palloc0(size);
	SET_VARSIZE(v, size);
	v->dim = dim;
	v->nnz = nnz;
	return v;
}
