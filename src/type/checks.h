// Shared validation for the vector types. Every check raises pgvector's ERROR
// (text and SQLSTATE), so application tests written against pgvector match.
// pgvector names the type in most of them; where its text does not (a typmod
// mismatch, an overflow), `type` is unused, and the checks keep one
// signature for every caller.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "utils/array.h"
}

namespace vdb {

// 22000 below one dimension, 54000 above max.
void CheckDimCount(const char *type, int64 dim, int64 max);

// 22000 when a typmod was given (>= 0) and dim differs from it.
void CheckExpectedDim(const char *type, int32 typmod, int dim);

// 22000 when two operands of a binary operator differ in dimensions.
void CheckSameDims(const char *type, int a, int b);

// 22000 for NaN and for an infinite value.
void CheckFinite(const char *type, float value);

// The typmod_in of each type: one integer in 1..max, else 22023.
int32 TypmodFromArray(const char *type, ArrayType *modifiers, int max);

// 22003 after arithmetic or a cast produced an infinite element.
void ReportOverflow(const char *type);

}  // namespace vdb
