// Ordering, equality and hashing of vector and halfvec, for the btree and
// hash opclasses (ORDER BY, DISTINCT, GROUP BY, unique indexes, hash joins).
// Order is element by element as floats, then the shorter vector first.
// -0 equals 0, so both hash alike.
#include "pg/pg.h"

extern "C" {
#include "common/hashfn.h"
}

#include "type/dense.h"

namespace {

template <typename T>
int Compare(FunctionCallInfo fcinfo) {
	using Traits = DenseTraits<T>;
	T *a = Traits::Arg(fcinfo, 0), *b = Traits::Arg(fcinfo, 1);
	int common = Min(a->dim, b->dim);
	for (int i = 0; i < common; i++) {
		float x = Traits::Get(a, i), y = Traits::Get(b, i);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a->dim == b->dim ? 0 : a->dim < b->dim ? -1 : 1;
}

template <typename T>
uint32 Hash(FunctionCallInfo fcinfo) {
	T *v = DenseTraits<T>::Arg(fcinfo, 0);
	uint32 hash = hash_uint32(v->dim);
	for (int i = 0; i < v->dim; i++) {
		float x = DenseTraits<T>::Get(v, i) + 0.0f;  // -0 becomes +0
		uint32 bits;
		memcpy(&bits, &x, sizeof bits);
		hash = hash_combine(hash, hash_uint32(bits));
	}
	return hash;
}

}  // namespace

#define VDB_COMPARISONS(prefix, T)                                                     \
	VDB_FUNCTION(prefix##_lt) { PG_RETURN_BOOL(Compare<T>(fcinfo) < 0); }              \
	VDB_FUNCTION(prefix##_le) { PG_RETURN_BOOL(Compare<T>(fcinfo) <= 0); }             \
	VDB_FUNCTION(prefix##_eq) { PG_RETURN_BOOL(Compare<T>(fcinfo) == 0); }             \
	VDB_FUNCTION(prefix##_ne) { PG_RETURN_BOOL(Compare<T>(fcinfo) != 0); }             \
	VDB_FUNCTION(prefix##_ge) { PG_RETURN_BOOL(Compare<T>(fcinfo) >= 0); }             \
	VDB_FUNCTION(prefix##_gt) { PG_RETURN_BOOL(Compare<T>(fcinfo) > 0); }              \
	VDB_FUNCTION(prefix##_cmp) { PG_RETURN_INT32(Compare<T>(fcinfo)); }                \
	VDB_FUNCTION(prefix##_hash) { PG_RETURN_UINT32(Hash<T>(fcinfo)); }

VDB_COMPARISONS(vector, Vector)
VDB_COMPARISONS(halfvec, HalfVector)
