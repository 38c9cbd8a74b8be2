// What the input/output glue of vector, halfvec and sparsevec shares. The
// reading itself is Postgres-free (src/core/io); here its verdicts become the
// ERRORs the types have always raised, with pgvector's text and SQLSTATEs.
#pragma once

#include "core/io/input_error.h"
#include "pg/pg.h"

namespace vdb {

// Returns when e is ok; otherwise raises its ERROR. input is the text
// literal the error points into (quoted in syntax errors), or null for the
// binary forms.
void CheckInput(const char *type, const char *input, const InputError &e);

// A bytea of `size` data bytes, the result of a send function.
bytea *NewSendBuffer(size_t size);

}  // namespace vdb
