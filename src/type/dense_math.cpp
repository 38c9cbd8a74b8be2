// Element-wise arithmetic, concatenation, norms, subvector and binary
// quantisation of vector and halfvec. Results that overflow the element type
// are errors (22003), never infinities.
#include "pg/pg.h"

#include <cmath>

extern "C" {
#include "utils/float.h"
#include "utils/varbit.h"
}

#include "type/dense.h"

namespace {

enum class Op { kAdd, kSub, kMul };

// As float4 arithmetic and pgvector: an element that rounds to infinity in
// the element type overflowed, and a zero product of nonzero elements
// underflowed; both are PostgreSQL's float errors (22003). A product that
// rounds to a subnormal is kept.
template <typename T>
T *Arithmetic(FunctionCallInfo fcinfo, Op op) {
	using Traits = DenseTraits<T>;
	DensePair<T> p = DenseArgs<T>(fcinfo);
	T *result = Traits::New(p.a->dim);
	for (int i = 0; i < p.a->dim; i++) {
		float x = Traits::Get(p.a, i), y = Traits::Get(p.b, i);
		Traits::Put(result, i, op == Op::kAdd ? x + y : op == Op::kSub ? x - y : x * y);
		float stored = Traits::Get(result, i);
		if (std::isinf(stored))
			float_overflow_error();
		if (op == Op::kMul && stored == 0 && x != 0 && y != 0)
			float_underflow_error();
	}
	return result;
}

template <typename T>
T *Concat(FunctionCallInfo fcinfo) {
	using Traits = DenseTraits<T>;
	T *a = Traits::Arg(fcinfo, 0), *b = Traits::Arg(fcinfo, 1);
	vdb::CheckDimCount(Traits::kName, a->dim + b->dim, Traits::kMaxDim);
	T *result = Traits::New(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(a->x[0]) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(b->x[0]) * b->dim);
	return result;
}

// Accumulated in double: a float4 sum of squares overflows long before the
// norm itself does.
template <typename T>
double Norm(const T *v) {
	double sum = 0;
	for (int i = 0; i < v->dim; i++) {
		double x = DenseTraits<T>::Get(v, i);
		sum += x * x;
	}
	return std::sqrt(sum);
}

// The zero vector normalises to itself, as in pgvector.
template <typename T>
T *Normalize(FunctionCallInfo fcinfo) {
	using Traits = DenseTraits<T>;
	T *v = Traits::Arg(fcinfo, 0);
	double norm = Norm(v);
	T *result = Traits::New(v->dim);
	if (norm > 0)
		for (int i = 0; i < v->dim; i++)
			Traits::Set(result, i, Traits::Get(v, i) / norm);
	return result;
}

// subvector(v, start, count): count elements from the 1-based position start,
// clipped to the vector like substring(); an empty result is an error.
template <typename T>
T *Subvector(FunctionCallInfo fcinfo) {
	using Traits = DenseTraits<T>;
	T *v = Traits::Arg(fcinfo, 0);
	int64 start = PG_GETARG_INT32(1);
	int64 end = start + (int64) PG_GETARG_INT32(2);  // exclusive; int64 cannot overflow
	start = Max(start, 1);
	end = Min(end, (int64) v->dim + 1);
	if (end <= start)
		vdb::CheckDimCount(Traits::kName, 0, Traits::kMaxDim);
	T *result = Traits::New(end - start);
	memcpy(result->x, v->x + start - 1, sizeof(v->x[0]) * (end - start));
	return result;
}

// One bit per element, set where the element is positive, first element in
// the most significant bit as bit(n) stores it.
template <typename T>
VarBit *BinaryQuantize(FunctionCallInfo fcinfo) {
	T *v = DenseTraits<T>::Arg(fcinfo, 0);
	VarBit *result = (VarBit *) palloc0(VARBITTOTALLEN(v->dim));
	SET_VARSIZE(result, VARBITTOTALLEN(v->dim));
	VARBITLEN(result) = v->dim;
	bits8 *bits = VARBITS(result);
	for (int i = 0; i < v->dim; i++)
		if (DenseTraits<T>::Get(v, i) > 0)
			bits[i / 8] |= 0x80 >> (i % 8);
	return result;
}

}  // namespace

VDB_FUNCTION(vector_add) { PG_RETURN_POINTER(Arithmetic<Vector>(fcinfo, Op::kAdd)); }
VDB_FUNCTION(halfvec_add) { PG_RETURN_POINTER(Arithmetic<HalfVector>(fcinfo, Op::kAdd)); }
VDB_FUNCTION(vector_sub) { PG_RETURN_POINTER(Arithmetic<Vector>(fcinfo, Op::kSub)); }
VDB_FUNCTION(halfvec_sub) { PG_RETURN_POINTER(Arithmetic<HalfVector>(fcinfo, Op::kSub)); }
VDB_FUNCTION(vector_mul) { PG_RETURN_POINTER(Arithmetic<Vector>(fcinfo, Op::kMul)); }
VDB_FUNCTION(halfvec_mul) { PG_RETURN_POINTER(Arithmetic<HalfVector>(fcinfo, Op::kMul)); }
VDB_FUNCTION(vector_concat) { PG_RETURN_POINTER(Concat<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_concat) { PG_RETURN_POINTER(Concat<HalfVector>(fcinfo)); }

VDB_FUNCTION(vector_dims) { PG_RETURN_INT32(PG_GETARG_VECTOR_P(0)->dim); }
VDB_FUNCTION(halfvec_vector_dims) { PG_RETURN_INT32(PG_GETARG_HALFVEC_P(0)->dim); }
VDB_FUNCTION(vector_norm) { PG_RETURN_FLOAT8(Norm(PG_GETARG_VECTOR_P(0))); }
VDB_FUNCTION(halfvec_l2_norm) { PG_RETURN_FLOAT8(Norm(PG_GETARG_HALFVEC_P(0))); }
VDB_FUNCTION(l2_normalize) { PG_RETURN_POINTER(Normalize<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_l2_normalize) { PG_RETURN_POINTER(Normalize<HalfVector>(fcinfo)); }
VDB_FUNCTION(subvector) { PG_RETURN_POINTER(Subvector<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_subvector) { PG_RETURN_POINTER(Subvector<HalfVector>(fcinfo)); }
VDB_FUNCTION(binary_quantize) { PG_RETURN_VARBIT_P(BinaryQuantize<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_binary_quantize) { PG_RETURN_VARBIT_P(BinaryQuantize<HalfVector>(fcinfo)); }
