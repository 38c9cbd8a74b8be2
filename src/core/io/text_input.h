// The text forms of vector and halfvec ("[1, 2.5, -3e2]") and of sparsevec
// ("{1:1.5, 3:2}/5", 1-based indices in any order, zeros dropped), read
// without PostgreSQL. Elements are read like float4in (strtof: decimal, hex,
// exponents, surrounding whitespace); values beyond float4, or beyond the
// type (halfvec: |x| >= 65520), are out of range; NaN and infinity are
// refused. A number too small for float4 is read as 0 or -0 (halfvec: as
// float16 rounds it) in the dense types, as pgvector reads it, but is out of
// range in sparsevec, which would otherwise drop the entry, as pgvector's
// sparsevec does. Checks run in the order the types have always
// raised them, so a literal with several faults reports the same one.
//
// No reader allocates: the caller passes a buffer of the documented size
// (the glue pallocs it), so nothing here can throw or leak across ereport.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/io/input_error.h"
#include "core/io/type_limits.h"

namespace vdb {

// Floats a dense literal of `length` bytes can hold, at most kind.max_dim.
size_t DenseTextCapacity(size_t length, const DenseKind &kind);

// Parses the NUL-terminated input into values[0..*dim). typmod is the
// dimension count the column asks for, or -1. values holds `capacity` floats,
// at least DenseTextCapacity(strlen(input), kind).
InputError ParseDenseText(const char *input, const DenseKind &kind, int32_t typmod, float *values,
                          size_t capacity, int *dim);

struct SparseEntry {
	int64_t index;  // 1-based as written; 0-based once parsed
	float value;
};

// Entries a sparse literal of `length` bytes can hold.
size_t SparseTextCapacity(size_t length);

// Parses the NUL-terminated input. On success entries[0..*nnz) are the
// non-zero entries with 0-based, strictly increasing indices below *dim.
// entries holds `capacity`, at least SparseTextCapacity(strlen(input)).
InputError ParseSparseText(const char *input, int32_t typmod, SparseEntry *entries, size_t capacity,
                           int *nnz, int *dim);

}  // namespace vdb
