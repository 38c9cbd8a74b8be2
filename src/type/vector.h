// On-disk layout of the vector, halfvec and sparsevec types. The layouts match
// pgvector's, so data dumped from either loads into the other.
#pragma once

#include "core/float16.h"
#include "core/io/type_limits.h"
#include "pg/pg.h"

// The limits live in the core, which reads the types' input too.
#define VECTOR_MAX_DIM (vdb::kVectorKind.max_dim)
#define HALFVEC_MAX_DIM (vdb::kHalfvecKind.max_dim)
#define SPARSEVEC_MAX_DIM vdb::kSparseMaxDim
#define SPARSEVEC_MAX_NNZ vdb::kSparseMaxNnz

// vector(n): float4 × dim.
struct Vector {
	int32 vl_len_;  // varlena header (do not touch directly)
	int16 dim;
	int16 unused;  // always 0
	float x[FLEXIBLE_ARRAY_MEMBER];
};

// halfvec(n): IEEE binary16 × dim.
struct HalfVector {
	int32 vl_len_;
	int16 dim;
	int16 unused;
	vdb::Half x[FLEXIBLE_ARRAY_MEMBER];
};

// sparsevec(n): nnz sorted 0-based indices, then nnz float4 values.
struct SparseVector {
	int32 vl_len_;
	int32 dim;
	int32 nnz;
	int32 unused;
	int32 indices[FLEXIBLE_ARRAY_MEMBER];
	// float values[nnz] follow the indices
};

#define VECTOR_SIZE(dim) (offsetof(Vector, x) + sizeof(float) * (dim))
#define HALFVEC_SIZE(dim) (offsetof(HalfVector, x) + sizeof(vdb::Half) * (dim))
#define SPARSEVEC_SIZE(nnz) (offsetof(SparseVector, indices) + (sizeof(int32) + sizeof(float)) * (nnz))

inline float *SparseVectorValues(SparseVector *v) { return reinterpret_cast<float *>(v->indices + v->nnz); }

#define DatumGetVector(d) ((Vector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_VECTOR_P(n) DatumGetVector(PG_GETARG_DATUM(n))
#define DatumGetHalfVector(d) ((HalfVector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_HALFVEC_P(n) DatumGetHalfVector(PG_GETARG_DATUM(n))
#define DatumGetSparseVector(d) ((SparseVector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_SPARSEVEC_P(n) DatumGetSparseVector(PG_GETARG_DATUM(n))

// Allocate zeroed values of each type in the current memory context.
Vector *NewVector(int dim);
HalfVector *NewHalfVector(int dim);
SparseVector *NewSparseVector(int dim, int nnz);
