// Range search (embedding <<->> sphere(q, r)): a sphere's radius is given in
// the distance the operator measures (L2, negative inner product, cosine
// distance), but an index compares in its element metric (squared L2;
// negative inner product of unit vectors for float32 cosine), or, where it
// ranks by lower bounds (hnsw sq8), in the operator's own value.
// MakeRangeBound turns the one into the other, so that a walk can drop a candidate whose
// metric distance is past the bound and stop where its frontier is.
//
// The operator is strict (distance < r, as VectorChord's), and the index
// computes distances with other kernels and rounding (unit vectors, float
// instead of double): the bound is padded by a relative 1e-5 so that no row
// within the radius is dropped for rounding, and the executor rechecks every
// row a range scan returns with the operator itself, which decides exactly.
#pragma once

#include "core/element/element_metric.h"

namespace vdb {

struct RangeBound {
	bool empty;   // no distance is below the radius (L2 with r <= 0, NaN r)
	float bound;  // keep candidates whose metric distance <= bound
};

// The distances a bound is compared with.
enum class RangeScale : uint8_t {
	kOperator,       // the SQL operator's value: L2, negative inner product, cosine distance
	kElement,        // squared L2; cosine distance (float16 elements)
	kElementUnitDot  // squared L2; cosine as the negative inner product of unit vectors
};

RangeBound MakeRangeBound(MetricKind kind, RangeScale scale, double radius);

// The scale of an element metric's distances (see element_metric.cpp); the
// quantizers' scores are always on kElementUnitDot (they see float32).
inline RangeScale ElementScale(const ElementMetric &metric) {
	return metric.type == ElementType::kFloat16 ? RangeScale::kElement : RangeScale::kElementUnitDot;
}

}  // namespace vdb
