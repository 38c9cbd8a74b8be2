// avg(vector) and avg(halfvec). The transition state is a float8[] holding
// {count, sum_1, ..., sum_dim}: summing in double keeps the average exact
// enough over millions of rows, and a plain array needs no serial/deserial
// functions, so the combine function alone makes the aggregate parallel.
// The initial state '{0}' has no sums yet; the first row sizes it.
//
// The state functions are callable from SQL with any array, so every state
// is checked as pgvector checks it, with pgvector's errors: a state that is
// not a one-dimensional float8 array without NULLs is "<function>: expected
// state array" (XX000, as pgvector's elog); sums of the wrong length are a
// dimension error; a state with a count but no sums has no average.
// Combining two states that have no sums yet (parallel workers that saw no
// rows) gives an empty state, as pgvector does since it fixed that case
// after 0.8.6 (which raised an error there).
#include "pg/pg.h"

#include <cmath>

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/float.h"
}

#include "type/dense.h"

namespace {

// A checked state: values[0] is the count, values[1..dims] the sums.
struct State {
	ArrayType *array;
	float8 *values;
	int dims;
};

// The error names the SQL function, "<type>_<what>", as pgvector does.
State CheckState(ArrayType *array, const char *type, const char *what) {
	if (ARR_NDIM(array) != 1 || ARR_DIMS(array)[0] < 1 || ARR_HASNULL(array) ||
	    ARR_ELEMTYPE(array) != FLOAT8OID)
		elog(ERROR, "%s_%s: expected state array", type, what);
	return State{array, (float8 *) ARR_DATA_PTR(array), ARR_DIMS(array)[0] - 1};
}

ArrayType *NewState(int dims) {
	Datum *zeros = (Datum *) palloc(sizeof(Datum) * (dims + 1));
	for (int i = 0; i <= dims; i++)
		zeros[i] = Float8GetDatum(0);
	return construct_array(zeros, dims + 1, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
	                       TYPALIGN_DOUBLE);
}

float8 *Values(ArrayType *state) { return (float8 *) ARR_DATA_PTR(state); }

// The state argument `n` to add into: the input itself when running as an
// aggregate (it is then ours to modify), else a copy.
ArrayType *Writable(FunctionCallInfo fcinfo, int n) {
	return AggCheckCallContext(fcinfo, NULL) ? PG_GETARG_ARRAYTYPE_P(n)
	                                         : PG_GETARG_ARRAYTYPE_P_COPY(n);
}

// sums[i] += addend, where a sum that reaches infinity is an overflow.
void AddTo(float8 *sums, int i, double addend) {
	sums[i] += addend;
	if (std::isinf(sums[i]))
		float_overflow_error();
}

template <typename T>
ArrayType *Accumulate(FunctionCallInfo fcinfo) {
	using Traits = DenseTraits<T>;
	State in = CheckState(PG_GETARG_ARRAYTYPE_P(0), Traits::kName, "accum");
	T *v = Traits::Arg(fcinfo, 1);
	ArrayType *state;
	if (in.dims == 0) {
		state = NewState(v->dim);
		Values(state)[0] = in.values[0];
	} else {
		vdb::CheckExpectedDim(Traits::kName, in.dims, v->dim);
		state = Writable(fcinfo, 0);
	}
	float8 *sums = Values(state);
	sums[0] += 1;
	for (int i = 0; i < v->dim; i++)
		AddTo(sums, i + 1, Traits::Get(v, i));
	return state;
}

template <typename T>
Datum Average(FunctionCallInfo fcinfo) {
	using Traits = DenseTraits<T>;
	State in = CheckState(PG_GETARG_ARRAYTYPE_P(0), Traits::kName, "avg");
	double count = in.values[0];
	if (count == 0)  // no rows: SQL's average of nothing
		PG_RETURN_NULL();
	vdb::CheckDimCount(Traits::kName, in.dims, Traits::kMaxDim);
	T *result = Traits::New(in.dims);
	for (int i = 0; i < in.dims; i++) {
		float mean = float(in.values[i + 1] / count);
		vdb::CheckFinite(Traits::kName, mean);
		Traits::Set(result, i, mean);
	}
	PG_RETURN_POINTER(result);
}

// Adds two partial states. Shared by both types, as in pgvector (the state
// does not say which element type it summed), so errors name vector.
ArrayType *Combine(FunctionCallInfo fcinfo) {
	State a = CheckState(PG_GETARG_ARRAYTYPE_P(0), "vector", "combine");
	State b = CheckState(PG_GETARG_ARRAYTYPE_P(1), "vector", "combine");
	double count = a.values[0] + b.values[0];
	ArrayType *state;
	if (a.dims == 0 && b.dims == 0) {
		state = NewState(0);
	} else if (a.dims == 0) {
		vdb::CheckDimCount("vector", b.dims, VECTOR_MAX_DIM);
		state = PG_GETARG_ARRAYTYPE_P_COPY(1);
	} else {
		vdb::CheckDimCount("vector", a.dims, VECTOR_MAX_DIM);
		if (b.dims != 0)
			vdb::CheckExpectedDim("vector", a.dims, b.dims);
		state = Writable(fcinfo, 0);
		float8 *sums = Values(state);
		for (int i = 1; i <= b.dims; i++)
			AddTo(sums, i, b.values[i]);
	}
	Values(state)[0] = count;
	return state;
}

}  // namespace

VDB_FUNCTION(vector_accum) { PG_RETURN_ARRAYTYPE_P(Accumulate<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_accum) { PG_RETURN_ARRAYTYPE_P(Accumulate<HalfVector>(fcinfo)); }
VDB_FUNCTION(vector_avg) { return Average<Vector>(fcinfo); }
VDB_FUNCTION(halfvec_avg) { return Average<HalfVector>(fcinfo); }
VDB_FUNCTION(vector_combine) { PG_RETURN_ARRAYTYPE_P(Combine(fcinfo)); }
