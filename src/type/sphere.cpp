// The range operators: embedding <<->> sphere(q, r) is true when the L2
// distance between embedding and q is below r, <<#>> the negative inner
// product, <<=>> the cosine distance. Below, not at: the comparison is
// strict, as VectorChord's operators (whose SQL these match), and computed
// with the same kernels as <->, <#> and <=>, so `e <<->> sphere(q, r)`
// selects exactly the rows of `e <-> q < r::real`. A zero vector has no
// cosine distance (NaN) and is in no cosine sphere.
#include "type/sphere.h"

#include <cmath>

#include "type/dense.h"

extern "C" {
#include "access/htup_details.h"
#include "executor/executor.h"
#include "funcapi.h"
}

bool VdbReadSphere(Datum sphere, VdbSphere *out) {
	HeapTupleHeader tuple = DatumGetHeapTupleHeader(sphere);
	bool center_null, radius_null;
	out->center = GetAttributeByNum(tuple, 1, &center_null);
	Datum radius = GetAttributeByNum(tuple, 2, &radius_null);
	if (center_null || radius_null)
		return false;
	out->radius = DatumGetFloat4(radius);
	return true;
}

// sphere(center, radius), both forms: a row of the declared result type.
VDB_FUNCTION(sphere_new) {
	TupleDesc desc;
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sphere() must return a composite type");
	Datum values[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};
	bool nulls[2] = {false, false};
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

namespace {

enum class SphereMetric { kL2, kNegativeDot, kCosine };

template <typename T, SphereMetric M>
Datum InSphere(FunctionCallInfo fcinfo) {
	T *a = DenseTraits<T>::Arg(fcinfo, 0);
	VdbSphere sphere;
	if (!VdbReadSphere(PG_GETARG_DATUM(1), &sphere))
		PG_RETURN_NULL();
	T *center = (T *) PG_DETOAST_DATUM(sphere.center);
	vdb::CheckSameDims(DenseTraits<T>::kName, a->dim, center->dim);
	double distance;
	switch (M) {
	case SphereMetric::kL2: distance = std::sqrt(double(DenseTraits<T>::L2Squared(a, center))); break;
	case SphereMetric::kNegativeDot: distance = -double(DenseTraits<T>::Dot(a, center)); break;
	case SphereMetric::kCosine: distance = DenseTraits<T>::Cosine(a, center); break;
	}
	PG_RETURN_BOOL(distance < sphere.radius);  // false for NaN
}

}  // namespace

VDB_FUNCTION(vector_sphere_l2_in) { return InSphere<Vector, SphereMetric::kL2>(fcinfo); }
VDB_FUNCTION(vector_sphere_ip_in) { return InSphere<Vector, SphereMetric::kNegativeDot>(fcinfo); }
VDB_FUNCTION(vector_sphere_cosine_in) { return InSphere<Vector, SphereMetric::kCosine>(fcinfo); }
VDB_FUNCTION(halfvec_sphere_l2_in) { return InSphere<HalfVector, SphereMetric::kL2>(fcinfo); }
VDB_FUNCTION(halfvec_sphere_ip_in) { return InSphere<HalfVector, SphereMetric::kNegativeDot>(fcinfo); }
VDB_FUNCTION(halfvec_sphere_cosine_in) { return InSphere<HalfVector, SphereMetric::kCosine>(fcinfo); }
