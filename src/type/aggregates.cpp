// avg(vector) and avg(halfvec). The transition state is a float8[] holding
// {count, sum_1, ..., sum_dim}: summing in double keeps the average exact
// enough over millions of rows, and a plain array needs no serial/deserial
// functions, so the combine function alone makes the aggregate parallel.
// The initial state '{0}' has no sums yet; the first row sizes it.
#include "pg/pg.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
}

#include "type/dense.h"

namespace {

// The state's elements after checking it is a one-dimensional float8 array
// without NULLs of at most max + 1 elements; a hand-written bad state is an
// ERROR, not a crash.
float8 *StateValues(ArrayType *state, int max, int *length) {
	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID ||
	    ARR_DIMS(state)[0] < 1 || ARR_DIMS(state)[0] > max + 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("invalid state for vector average aggregate")));
	*length = ARR_DIMS(state)[0];
	return (float8 *) ARR_DATA_PTR(state);
}

ArrayType *NewState(int length) {
	Datum *zeros = (Datum *) palloc(sizeof(Datum) * length);
	for (int i = 0; i < length; i++)
		zeros[i] = Float8GetDatum(0);
	return construct_array(zeros, length, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
	                       TYPALIGN_DOUBLE);
}

// The state to add into: the input itself when running as an aggregate (it
// is then ours to modify), else a copy; a fresh one while still '{0}'.
ArrayType *WritableState(FunctionCallInfo fcinfo, int max, int dim, const char *type) {
	ArrayType *state = PG_GETARG_ARRAYTYPE_P(0);
	int length;
	float8 *values = StateValues(state, max, &length);
	if (length == 1) {
		ArrayType *fresh = NewState(dim + 1);
		((float8 *) ARR_DATA_PTR(fresh))[0] = values[0];
		return fresh;
	}
	vdb::CheckSameDims(type, length - 1, dim);
	return AggCheckCallContext(fcinfo, NULL) ? state : PG_GETARG_ARRAYTYPE_P_COPY(0);
}

template <typename T>
ArrayType *Accumulate(FunctionCallInfo fcinfo) {
	using Traits = DenseTraits<T>;
	T *v = Traits::Arg(fcinfo, 1);
	ArrayType *state = WritableState(fcinfo, Traits::kMaxDim, v->dim, Traits::kName);
	float8 *sums = (float8 *) ARR_DATA_PTR(state);
	sums[0] += 1;
	for (int i = 0; i < v->dim; i++)
		sums[i + 1] += Traits::Get(v, i);
	return state;
}

template <typename T>
Datum Average(FunctionCallInfo fcinfo) {
	using Traits = DenseTraits<T>;
	int length;
	float8 *sums = StateValues(PG_GETARG_ARRAYTYPE_P(0), Traits::kMaxDim, &length);
	if (sums[0] <= 0 || length == 1)
		PG_RETURN_NULL();
	T *result = Traits::New(length - 1);
	for (int i = 1; i < length; i++)
		Traits::Set(result, i - 1, sums[i] / sums[0]);
	PG_RETURN_POINTER(result);
}

}  // namespace

VDB_FUNCTION(vector_accum) { PG_RETURN_ARRAYTYPE_P(Accumulate<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_accum) { PG_RETURN_ARRAYTYPE_P(Accumulate<HalfVector>(fcinfo)); }
VDB_FUNCTION(vector_avg) { return Average<Vector>(fcinfo); }
VDB_FUNCTION(halfvec_avg) { return Average<HalfVector>(fcinfo); }

// Adds two partial states; shared by both types (the state does not say
// which element type it summed).
VDB_FUNCTION(vector_combine) {
	int length_b;
	float8 *b = StateValues(PG_GETARG_ARRAYTYPE_P(1), VECTOR_MAX_DIM, &length_b);
	if (length_b == 1)
		PG_RETURN_ARRAYTYPE_P(PG_GETARG_ARRAYTYPE_P(0));
	ArrayType *state = WritableState(fcinfo, VECTOR_MAX_DIM, length_b - 1, "vector");
	float8 *sums = (float8 *) ARR_DATA_PTR(state);
	for (int i = 0; i < length_b; i++)
		sums[i] += b[i];
	PG_RETURN_ARRAYTYPE_P(state);
}
