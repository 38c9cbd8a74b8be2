// Distance functions of vector and halfvec. The kernels (vdb::Kernels())
// accumulate in float; results are returned as float8 like pgvector's, and
// cosine's division and square root are done in double as pgvector does.
// The *_squared_distance, *_negative_inner_product and *_spherical_distance
// forms are the support functions the index opclasses order by.
#include "pg/pg.h"

#include <cmath>

#include "type/dense.h"

namespace {

// A kernel of DenseTraits<T> applied to both arguments, dimensions checked.
template <typename T, auto Kernel>
double Apply(FunctionCallInfo fcinfo) {
	DensePair<T> p = DenseArgs<T>(fcinfo);
	return Kernel(p.a, p.b);
}

template <typename T>
double L2Squared(FunctionCallInfo fcinfo) {
	return Apply<T, DenseTraits<T>::L2Squared>(fcinfo);
}
template <typename T>
double Dot(FunctionCallInfo fcinfo) {
	return Apply<T, DenseTraits<T>::Dot>(fcinfo);
}
template <typename T>
double L1(FunctionCallInfo fcinfo) {
	return Apply<T, DenseTraits<T>::L1>(fcinfo);
}
// NaN when either vector is zero, as pgvector.
template <typename T>
double Cosine(FunctionCallInfo fcinfo) {
	return Apply<T, DenseTraits<T>::Cosine>(fcinfo);
}

// Angle between vectors the index has already normalised, scaled to [0, 1];
// unlike cosine distance it is a metric, which IVF's k-means relies on.
template <typename T>
double Spherical(FunctionCallInfo fcinfo) {
	double dot = Dot<T>(fcinfo);
	return std::acos(Max(-1.0, Min(1.0, dot))) / M_PI;
}

}  // namespace

VDB_FUNCTION(l2_distance) { PG_RETURN_FLOAT8(std::sqrt(L2Squared<Vector>(fcinfo))); }
VDB_FUNCTION(halfvec_l2_distance) { PG_RETURN_FLOAT8(std::sqrt(L2Squared<HalfVector>(fcinfo))); }
VDB_FUNCTION(vector_l2_squared_distance) { PG_RETURN_FLOAT8(L2Squared<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_l2_squared_distance) { PG_RETURN_FLOAT8(L2Squared<HalfVector>(fcinfo)); }

VDB_FUNCTION(inner_product) { PG_RETURN_FLOAT8(Dot<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_inner_product) { PG_RETURN_FLOAT8(Dot<HalfVector>(fcinfo)); }
VDB_FUNCTION(vector_negative_inner_product) { PG_RETURN_FLOAT8(-Dot<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_negative_inner_product) { PG_RETURN_FLOAT8(-Dot<HalfVector>(fcinfo)); }

VDB_FUNCTION(cosine_distance) { PG_RETURN_FLOAT8(Cosine<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_cosine_distance) { PG_RETURN_FLOAT8(Cosine<HalfVector>(fcinfo)); }
VDB_FUNCTION(vector_spherical_distance) { PG_RETURN_FLOAT8(Spherical<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_spherical_distance) { PG_RETURN_FLOAT8(Spherical<HalfVector>(fcinfo)); }

VDB_FUNCTION(l1_distance) { PG_RETURN_FLOAT8(L1<Vector>(fcinfo)); }
VDB_FUNCTION(halfvec_l1_distance) { PG_RETURN_FLOAT8(L1<HalfVector>(fcinfo)); }
