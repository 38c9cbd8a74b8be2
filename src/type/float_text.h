// Printing of the float elements shared by vector, halfvec and sparsevec:
// the shortest decimal that reads back to the same float4, as float4out
// prints with extra_float_digits = 1. (Reading is Postgres-free:
// src/core/io/text_input.h.)
#pragma once

#include "pg/pg.h"

extern "C" {
#include "lib/stringinfo.h"
}

namespace vdb {

void AppendFloat(StringInfo buf, float value);

}  // namespace vdb
