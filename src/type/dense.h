// The dense types, vector (float4) and halfvec (float16), share every SQL
// function through these traits: code is written once as a template over
// DenseTraits<T> and instantiated for Vector and HalfVector, so the two
// types cannot drift apart. Elements are read and written as float; the
// traits do the float16 rounding and its overflow check.
#pragma once

#include <cmath>

#include "core/distance/distance.h"
#include "type/checks.h"
#include "type/vector.h"

template <typename T>
struct DenseTraits;

template <>
struct DenseTraits<Vector> {
	using Element = float;
	static constexpr const char *kName = "vector";
	static constexpr const vdb::DenseKind &kKind = vdb::kVectorKind;
	static constexpr int kMaxDim = kKind.max_dim;

	static Vector *New(int dim) { return NewVector(dim); }
	static Vector *Arg(FunctionCallInfo fcinfo, int n) { return PG_GETARG_VECTOR_P(n); }
	static float Get(const Vector *v, int i) { return v->x[i]; }
	// Stores value as it is; Get tells what was stored.
	static void Put(Vector *v, int i, float value) { v->x[i] = value; }
	// Stores a finite value; an overflow to infinity is an ERROR (22003).
	static void Set(Vector *v, int i, float value) {
		if (std::isinf(value))
			vdb::ReportOverflow(kName);
		Put(v, i, value);
	}

	static float L2Squared(const Vector *a, const Vector *b) {
		return vdb::Kernels().l2_squared_f32(a->x, b->x, a->dim);
	}
	static float Dot(const Vector *a, const Vector *b) {
		return vdb::Kernels().dot_f32(a->x, b->x, a->dim);
	}
	static float L1(const Vector *a, const Vector *b) {
		return vdb::Kernels().l1_f32(a->x, b->x, a->dim);
	}
	static double Cosine(const Vector *a, const Vector *b) {
		return vdb::Kernels().cosine_f32(a->x, b->x, a->dim);
	}
};

template <>
struct DenseTraits<HalfVector> {
	using Element = vdb::Half;
	static constexpr const char *kName = "halfvec";
	static constexpr const vdb::DenseKind &kKind = vdb::kHalfvecKind;
	static constexpr int kMaxDim = kKind.max_dim;

	static HalfVector *New(int dim) { return NewHalfVector(dim); }
	static HalfVector *Arg(FunctionCallInfo fcinfo, int n) { return PG_GETARG_HALFVEC_P(n); }
	static float Get(const HalfVector *v, int i) { return vdb::HalfToFloat(v->x[i]); }
	// Stores value rounded to float16, unchecked (infinite when too large).
	static void Put(HalfVector *v, int i, float value) { v->x[i] = vdb::FloatToHalf(value); }
	static void Set(HalfVector *v, int i, float value) {
		Put(v, i, value);
		if ((v->x[i] & 0x7fff) == 0x7c00)
			vdb::ReportOverflow(kName);
	}

	static float L2Squared(const HalfVector *a, const HalfVector *b) {
		return vdb::Kernels().l2_squared_f16(a->x, b->x, a->dim);
	}
	static float Dot(const HalfVector *a, const HalfVector *b) {
		return vdb::Kernels().dot_f16(a->x, b->x, a->dim);
	}
	static float L1(const HalfVector *a, const HalfVector *b) {
		return vdb::Kernels().l1_f16(a->x, b->x, a->dim);
	}
	static double Cosine(const HalfVector *a, const HalfVector *b) {
		return vdb::Kernels().cosine_f16(a->x, b->x, a->dim);
	}
};

// Both operands of a binary function, with their dimensions checked equal.
template <typename T>
struct DensePair {
	T *a;
	T *b;
};

template <typename T>
DensePair<T> DenseArgs(FunctionCallInfo fcinfo) {
	DensePair<T> pair{DenseTraits<T>::Arg(fcinfo, 0), DenseTraits<T>::Arg(fcinfo, 1)};
	vdb::CheckSameDims(DenseTraits<T>::kName, pair.a->dim, pair.b->dim);
	return pair;
}
