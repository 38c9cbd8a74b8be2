#include "core/range/range_bound.h"

#include <cmath>

namespace vdb {

RangeBound MakeRangeBound(MetricKind kind, RangeScale scale, double radius) {
	if (std::isnan(radius))
		return RangeBound{true, 0};
	double bound = radius;
	switch (kind) {
	case MetricKind::kL2:
		if (radius <= 0)
			return RangeBound{true, 0};
		if (scale != RangeScale::kOperator)
			bound = radius * radius;
		break;
	case MetricKind::kCosine:
		if (scale == RangeScale::kElementUnitDot)
			bound = radius - 1;  // cosine distance = 1 - <a, b> for unit a, b
		break;
	default:
		break;
	}
	bound += 1e-5 * (1 + std::fabs(bound));
	return RangeBound{false, std::isinf(bound) || bound > 3e38 ? INFINITY : float(bound)};
}

}  // namespace vdb
