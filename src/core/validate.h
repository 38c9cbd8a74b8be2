// Checks shared by every training routine (k-means, quantizers) before any
// arithmetic or FAISS call: sizes that do not overflow, enough vectors,
// finite values.
#pragma once

#include <cstddef>

#include "core/status.h"

namespace vdb {

// `what` names the trainer in messages ("pq"); min_n is the fewest vectors
// it can learn from.
Status ValidateTrainingSet(const char *what, const float *x, size_t n, size_t d, size_t min_n);

}  // namespace vdb
