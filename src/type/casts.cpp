// Casts between vector, halfvec, sparsevec and SQL arrays, and the typmod
// length-coercion casts (vector(n) etc.). Each takes pgvector's
// (value, typmod, explicit) arguments; the target typmod is checked against
// the result's dimensions.
#include "pg/pg.h"

extern "C" {
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
}

#include "type/dense.h"
#include "type/sparse.h"

namespace {

// The elements of a one-dimensional array without NULLs, as floats; int4,
// float4, float8 and numeric arrays are accepted. *dim gets the length.
float *ArrayFloats(ArrayType *array, const char *type, int *dim) {
	if (ARR_NDIM(array) > 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("array must be 1-D")));
	if (array_contains_nulls(array))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
		                errmsg("array must not contain nulls")));
	Oid element = ARR_ELEMTYPE(array);
	int16 typlen;
	bool typbyval;
	char typalign;
	get_typlenbyvalalign(element, &typlen, &typbyval, &typalign);
	Datum *items;
	int count;
	deconstruct_array(array, element, typlen, typbyval, typalign, &items, NULL, &count);
	float *values = (float *) palloc(sizeof(float) * Max(count, 1));
	for (int i = 0; i < count; i++) {
		double x;
		switch (element) {
		case INT4OID: x = DatumGetInt32(items[i]); break;
		case FLOAT4OID: x = DatumGetFloat4(items[i]); break;
		case FLOAT8OID: x = DatumGetFloat8(items[i]); break;
		case NUMERICOID:
			x = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, items[i]));
			break;
		default:
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("unsupported array type"),
			                errdetail("Arrays of %s cannot become %s.", format_type_be(element), type)));
		}
		values[i] = (float) x;
		vdb::CheckFinite(type, values[i]);  // also a double beyond float
	}
	*dim = count;
	return values;
}

// A cast quotes the value that does not fit the target's elements, as text
// input does; every finite float fits a vector.
template <typename T>
void CheckCastRange(float) {}

template <>
void CheckCastRange<HalfVector>(float value) {
	if (std::isfinite(value) && (vdb::FloatToHalf(value) & 0x7fff) == 0x7c00) {
		char text[FLOAT_SHORTEST_DECIMAL_LEN];
		float_to_shortest_decimal_buf(value, text);
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("\"%s\" is out of range for type halfvec", text)));
	}
}

template <typename T>
T *DenseFromFloats(const float *values, int dim, int32 typmod) {
	using Traits = DenseTraits<T>;
	vdb::CheckDimCount(Traits::kName, dim, Traits::kMaxDim);
	vdb::CheckExpectedDim(Traits::kName, typmod, dim);
	T *result = Traits::New(dim);
	for (int i = 0; i < dim; i++) {
		CheckCastRange<T>(values[i]);
		Traits::Set(result, i, values[i]);
	}
	return result;
}

template <typename T>
float *DenseToFloats(const T *v) {
	float *values = (float *) palloc(sizeof(float) * v->dim);
	for (int i = 0; i < v->dim; i++)
		values[i] = DenseTraits<T>::Get(v, i);
	return values;
}

template <typename T>
ArrayType *DenseToArray(const T *v) {
	Datum *items = (Datum *) palloc(sizeof(Datum) * v->dim);
	for (int i = 0; i < v->dim; i++)
		items[i] = Float4GetDatum(DenseTraits<T>::Get(v, i));
	return construct_array(items, v->dim, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
}

// The dense expansion of a sparsevec, which must fit the dense type.
template <typename T>
T *DenseFromSparse(SparseVector *v, int32 typmod) {
	using Traits = DenseTraits<T>;
	vdb::CheckDimCount(Traits::kName, v->dim, Traits::kMaxDim);
	float *values = (float *) palloc0(sizeof(float) * v->dim);
	float *stored = SparseVectorValues(v);
	for (int i = 0; i < v->nnz; i++)
		values[v->indices[i]] = stored[i];
	return DenseFromFloats<T>(values, v->dim, typmod);
}

SparseVector *SparseFromFloats(const float *values, int dim, int32 typmod) {
	vdb::CheckDimCount("sparsevec", dim, SPARSEVEC_MAX_DIM);
	vdb::CheckExpectedDim("sparsevec", typmod, dim);
	return SparseFromDense(values, dim);
}

// The typmod coercion: the same value, checked against the new typmod.
template <typename T>
T *CoerceDense(FunctionCallInfo fcinfo) {
	T *v = DenseTraits<T>::Arg(fcinfo, 0);
	vdb::CheckExpectedDim(DenseTraits<T>::kName, PG_GETARG_INT32(1), v->dim);
	return v;
}

}  // namespace

VDB_FUNCTION(vector) { PG_RETURN_POINTER(CoerceDense<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec) { PG_RETURN_POINTER(CoerceDense<HalfVector>(fcinfo)); }
VDB_FUNCTION(sparsevec) {
	SparseVector *v = PG_GETARG_SPARSEVEC_P(0);
	vdb::CheckExpectedDim("sparsevec", PG_GETARG_INT32(1), v->dim);
	PG_RETURN_POINTER(v);
}

VDB_FUNCTION(array_to_vector) {
	int dim;
	float *values = ArrayFloats(PG_GETARG_ARRAYTYPE_P(0), "vector", &dim);
	PG_RETURN_POINTER(DenseFromFloats<Vector>(values, dim, PG_GETARG_INT32(1)));
}
VDB_FUNCTION(array_to_halfvec) {
	int dim;
	float *values = ArrayFloats(PG_GETARG_ARRAYTYPE_P(0), "halfvec", &dim);
	PG_RETURN_POINTER(DenseFromFloats<HalfVector>(values, dim, PG_GETARG_INT32(1)));
}
VDB_FUNCTION(array_to_sparsevec) {
	int dim;
	float *values = ArrayFloats(PG_GETARG_ARRAYTYPE_P(0), "sparsevec", &dim);
	PG_RETURN_POINTER(SparseFromFloats(values, dim, PG_GETARG_INT32(1)));
}

VDB_FUNCTION(vector_to_float4) { PG_RETURN_ARRAYTYPE_P(DenseToArray(PG_GETARG_VECTOR_P(0))); }
VDB_FUNCTION(halfvec_to_float4) { PG_RETURN_ARRAYTYPE_P(DenseToArray(PG_GETARG_HALFVEC_P(0))); }

VDB_FUNCTION(vector_to_halfvec) {
	Vector *v = PG_GETARG_VECTOR_P(0);
	PG_RETURN_POINTER(DenseFromFloats<HalfVector>(v->x, v->dim, PG_GETARG_INT32(1)));
}
VDB_FUNCTION(halfvec_to_vector) {
	HalfVector *v = PG_GETARG_HALFVEC_P(0);
	PG_RETURN_POINTER(DenseFromFloats<Vector>(DenseToFloats(v), v->dim, PG_GETARG_INT32(1)));
}
VDB_FUNCTION(vector_to_sparsevec) {
	Vector *v = PG_GETARG_VECTOR_P(0);
	PG_RETURN_POINTER(SparseFromFloats(v->x, v->dim, PG_GETARG_INT32(1)));
}
VDB_FUNCTION(halfvec_to_sparsevec) {
	HalfVector *v = PG_GETARG_HALFVEC_P(0);
	PG_RETURN_POINTER(SparseFromFloats(DenseToFloats(v), v->dim, PG_GETARG_INT32(1)));
}
VDB_FUNCTION(sparsevec_to_vector) {
	PG_RETURN_POINTER(DenseFromSparse<Vector>(PG_GETARG_SPARSEVEC_P(0), PG_GETARG_INT32(1)));
}
VDB_FUNCTION(sparsevec_to_halfvec) {
	PG_RETURN_POINTER(DenseFromSparse<HalfVector>(PG_GETARG_SPARSEVEC_P(0), PG_GETARG_INT32(1)));
}
