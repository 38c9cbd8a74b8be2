// Text form of the float elements shared by vector, halfvec and sparsevec:
// parsed like float4in (strtof, exponents, surrounding whitespace) and
// printed as the shortest decimal that reads back to the same float4, as
// float4out does with extra_float_digits = 1.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "lib/stringinfo.h"
}

namespace vdb {

// Parses the float at *cursor and moves *cursor past it. Raises 22P02 when no
// number starts there, 22003 when it is beyond float4 or, when |value| >=
// overflow_at, beyond the element type (float16 passes 65520), and 22000 for
// NaN or infinity. input is the whole literal, quoted in syntax errors.
float ParseFloatElement(const char *type, const char *input, const char **cursor,
                        float overflow_at);

// 22P02 for a literal that does not match the type's text format.
pg_attribute_noreturn() void ReportSyntax(const char *type, const char *input);

// Skips ASCII whitespace, as scanner_isspace does.
const char *SkipSpace(const char *p);

void AppendFloat(StringInfo buf, float value);

}  // namespace vdb
