#include "core/pure.h"

#include "core/validate.h"

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace vdb {

Status ValidateTrainingSet(const char *what, const float *x, size_t n, size_t d, size_t min_n) {
	char message[200];
	size_t values;
	if (d == 0 || d > size_t(INT_MAX))
		snprintf(message, sizeof message, "%s needs between 1 and %d dimensions, not %zu", what,
		         INT_MAX, d);
	else if (n < min_n || n == 0)
		snprintf(message, sizeof message, "%s needs at least %zu training vectors, got %zu", what,
		         min_n == 0 ? 1 : min_n, n);
	else if (__builtin_mul_overflow(n, d, &values) || values > size_t(INT64_MAX) / sizeof(float))
		snprintf(message, sizeof message, "%s training set of %zu vectors is too large", what, n);
	else if (x == nullptr)
		snprintf(message, sizeof message, "%s training set is missing", what);
	else {
		for (size_t i = 0; i < values; i++)
			if (!std::isfinite(x[i])) {
				snprintf(message, sizeof message,
				         "%s training vector %zu has a non-finite value in dimension %zu", what, i / d,
				         i % d + 1);
				return Status::Error(Status::kInvalidArgument, message);
			}
		return Status::Ok();
	}
	return Status::Error(Status::kInvalidArgument, message);
}

}  // namespace vdb
