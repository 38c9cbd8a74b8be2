// Error reporting shared by vector, halfvec and sparsevec (see checks.h).
#include "type/checks.h"

#include <cmath>

namespace vdb {

void CheckDimCount(const char *type, int64 dim, int64 max) {
	if (dim < 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("%s must have at least 1 dimension", type)));
	if (dim > max)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
		                errmsg("%s cannot have more than %lld dimensions", type, (long long) max)));
}

void CheckExpectedDim(const char *type, int32 typmod, int dim) {
	if (typmod >= 0 && typmod != dim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("expected %d dimensions, not %d", typmod, dim)));
}

void CheckSameDims(const char *type, int a, int b) {
	if (a != b)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("different %s dimensions %d and %d", type, a, b)));
}

void CheckFinite(const char *type, float value) {
	if (std::isnan(value))
		ereport(ERROR,
		        (errcode(ERRCODE_DATA_EXCEPTION), errmsg("NaN not allowed in %s", type)));
	if (std::isinf(value))
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("infinite value not allowed in %s", type)));
}

int32 TypmodFromArray(const char *type, ArrayType *modifiers, int max) {
	int count;
	int32 *values = ArrayGetIntegerTypmods(modifiers, &count);
	if (count != 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid type modifier")));
	if (values[0] < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("dimensions for type %s must be at least 1", type)));
	if (values[0] > max)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("dimensions for type %s cannot exceed %d", type, max)));
	return values[0];
}

void ReportOverflow(const char *type) {
	ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
	                errmsg("value out of range: overflow")));
}

}  // namespace vdb
