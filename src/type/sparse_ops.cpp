// sparsevec distances (through the vdb::Sparse* kernels), norm, normalise,
// and the comparisons of its btree and hash opclasses. Order is that of the
// dense expansions compared element by element, then the smaller dimension
// first, so it agrees with vector's order after a cast.
#include "pg/pg.h"

#include <cmath>

extern "C" {
#include "common/hashfn.h"
}

#include "core/distance/distance.h"
#include "type/checks.h"
#include "type/sparse.h"

namespace {

const char *const kName = "sparsevec";

struct SparsePair {
	vdb::SparseView a, b;
};

SparsePair SparseArgs(FunctionCallInfo fcinfo) {
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0), *b = PG_GETARG_SPARSEVEC_P(1);
	vdb::CheckSameDims(kName, a->dim, b->dim);
	return SparsePair{SparseViewOf(a), SparseViewOf(b)};
}

double SquaredNorm(SparseVector *v) {
	float *values = SparseVectorValues(v);
	double sum = 0;
	for (int i = 0; i < v->nnz; i++)
		sum += (double) values[i] * values[i];
	return sum;
}

int Compare(FunctionCallInfo fcinfo) {
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0), *b = PG_GETARG_SPARSEVEC_P(1);
	float *va = SparseVectorValues(a), *vb = SparseVectorValues(b);
	int32 common = Min(a->dim, b->dim);
	int i = 0, j = 0;
	// Walk the union of stored indices below the common dimension; the first
	// index where the expansions differ decides.
	for (;;) {
		int32 ia = i < a->nnz ? a->indices[i] : PG_INT32_MAX;
		int32 ib = j < b->nnz ? b->indices[j] : PG_INT32_MAX;
		int32 index = Min(ia, ib);
		if (index >= common)
			break;
		float x = ia == index ? va[i++] : 0.0f;
		float y = ib == index ? vb[j++] : 0.0f;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a->dim == b->dim ? 0 : a->dim < b->dim ? -1 : 1;
}

uint32 Hash(SparseVector *v) {
	float *values = SparseVectorValues(v);
	uint32 hash = hash_uint32(v->dim);
	for (int i = 0; i < v->nnz; i++) {
		uint32 bits;
		memcpy(&bits, &values[i], sizeof bits);
		hash = hash_combine(hash, hash_uint32(v->indices[i]));
		hash = hash_combine(hash, hash_uint32(bits));
	}
	return hash;
}

}  // namespace

void CheckSparseNnz(int64 nnz, int64 dim) {
	if (nnz < 0)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("sparsevec cannot have negative number of elements")));
	if (nnz > SPARSEVEC_MAX_NNZ)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
		                errmsg("sparsevec cannot have more than %d non-zero elements",
		                       SPARSEVEC_MAX_NNZ)));
	if (nnz > dim)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
		                errmsg("sparsevec cannot have more elements than dimensions")));
}

SparseVector *SparseFromDense(const float *values, int dim) {
	int nnz = 0;
	for (int i = 0; i < dim; i++)
		nnz += values[i] != 0;
	CheckSparseNnz(nnz, dim);
	SparseVector *result = NewSparseVector(dim, nnz);
	float *out = SparseVectorValues(result);
	int k = 0;
	for (int i = 0; i < dim; i++) {
		if (values[i] == 0)
			continue;
		result->indices[k] = i;
		out[k++] = values[i];
	}
	return result;
}

VDB_FUNCTION(sparsevec_l2_distance) {
	SparsePair p = SparseArgs(fcinfo);
	PG_RETURN_FLOAT8(std::sqrt((double) vdb::SparseL2Squared(p.a, p.b)));
}
VDB_FUNCTION(sparsevec_l2_squared_distance) {
	SparsePair p = SparseArgs(fcinfo);
	PG_RETURN_FLOAT8(vdb::SparseL2Squared(p.a, p.b));
}
VDB_FUNCTION(sparsevec_inner_product) {
	SparsePair p = SparseArgs(fcinfo);
	PG_RETURN_FLOAT8(vdb::SparseDot(p.a, p.b));
}
VDB_FUNCTION(sparsevec_negative_inner_product) {
	SparsePair p = SparseArgs(fcinfo);
	PG_RETURN_FLOAT8(-(double) vdb::SparseDot(p.a, p.b));
}
VDB_FUNCTION(sparsevec_cosine_distance) {
	SparsePair p = SparseArgs(fcinfo);
	PG_RETURN_FLOAT8(vdb::CosineFromParts(vdb::SparseDot(p.a, p.b), vdb::SparseSquaredNorm(p.a),
	                                      vdb::SparseSquaredNorm(p.b)));
}
VDB_FUNCTION(sparsevec_l1_distance) {
	SparsePair p = SparseArgs(fcinfo);
	PG_RETURN_FLOAT8(vdb::SparseL1(p.a, p.b));
}

VDB_FUNCTION(sparsevec_l2_norm) { PG_RETURN_FLOAT8(std::sqrt(SquaredNorm(PG_GETARG_SPARSEVEC_P(0)))); }

// Values that underflow to zero are dropped, keeping the value canonical.
VDB_FUNCTION(sparsevec_l2_normalize) {
	SparseVector *v = PG_GETARG_SPARSEVEC_P(0);
	double norm = std::sqrt(SquaredNorm(v));
	float *values = SparseVectorValues(v);
	SparseVector *result = NewSparseVector(v->dim, v->nnz);
	float *out = SparseVectorValues(result);
	int k = 0;
	for (int i = 0; i < v->nnz; i++) {
		float x = values[i] / norm;
		if (x == 0)
			continue;
		result->indices[k] = v->indices[i];
		out[k++] = x;
	}
	// Shrink to the kept entries: move the values down behind k indices.
	memmove(result->indices + k, out, sizeof(float) * k);
	result->nnz = k;
	SET_VARSIZE(result, SPARSEVEC_SIZE(k));
	PG_RETURN_POINTER(result);
}

VDB_FUNCTION(sparsevec_lt) { PG_RETURN_BOOL(Compare(fcinfo) < 0); }
VDB_FUNCTION(sparsevec_le) { PG_RETURN_BOOL(Compare(fcinfo) <= 0); }
VDB_FUNCTION(sparsevec_eq) { PG_RETURN_BOOL(Compare(fcinfo) == 0); }
VDB_FUNCTION(sparsevec_ne) { PG_RETURN_BOOL(Compare(fcinfo) != 0); }
VDB_FUNCTION(sparsevec_ge) { PG_RETURN_BOOL(Compare(fcinfo) >= 0); }
VDB_FUNCTION(sparsevec_gt) { PG_RETURN_BOOL(Compare(fcinfo) > 0); }
VDB_FUNCTION(sparsevec_cmp) { PG_RETURN_INT32(Compare(fcinfo)); }
VDB_FUNCTION(sparsevec_hash) { PG_RETURN_UINT32(Hash(PG_GETARG_SPARSEVEC_P(0))); }
