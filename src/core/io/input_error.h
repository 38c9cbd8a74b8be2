// What is wrong with the text or binary input of a vector, halfvec or
// sparsevec. The Postgres-free readers (text_input.h, wire.h) return one
// instead of raising, so they can be fuzzed and unit-tested without a server;
// the glue (src/type/input_error.cpp) turns each code into the ERROR it has
// always raised, with pgvector's message text and SQLSTATE. The numbers a
// message quotes travel with the code.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/io/type_limits.h"

namespace vdb {

struct InputError {
	enum Code : uint8_t {
		kNone,
		kSyntax,          // text: the format stops matching at `begin`
		kOutOfRange,      // text: the number in [begin, end) is beyond the type
		kNaN,             // an element is NaN
		kInfinite,        // an element is infinite
		kDimCount,        // number dimensions given: below 1, or above limit
		kExpectedDim,     // number dimensions given, limit the typmod asked for
		kIndexRange,      // sparse: 1-based index number outside 1..limit
		kDuplicateIndex,  // sparse: 1-based index number given twice
		kNnz,             // sparse: number non-zeros in limit dimensions (or above kSparseMaxNnz)
		kShort,           // binary: number bytes left, at least limit needed
		kLength,          // binary: number bytes left, exactly limit needed
		kReserved,        // binary: the reserved field is number, not 0
		kIndexOrder,      // sparse binary: index number below the one before it
		kZero,            // sparse binary: a stored value is 0
		kCapacity,        // the caller's buffer is smaller than the reader documents
	};

	// Where a kSyntax error stands, for pgvector's DETAIL lines: before the
	// opening bracket, after the closing one (or, for sparsevec, after the
	// dimensions), at a sparsevec's missing "/dimensions", or anywhere else.
	enum Place : uint8_t { kInside, kOpening, kTrailing, kNoDims };

	Code code = kNone;
	Place place = kInside;
	int64_t number = 0;
	int64_t limit = 0;
	size_t begin = 0, end = 0;  // text: byte offsets into the input

	bool ok() const { return code == kNone; }

	static InputError Of(Code code, int64_t number = 0, int64_t limit = 0) {
		InputError e;
		e.code = code;
		e.number = number;
		e.limit = limit;
		return e;
	}
	static InputError At(Code code, size_t begin, size_t end, Place place = kInside) {
		InputError e;
		e.code = code;
		e.place = place;
		e.begin = begin;
		e.end = end;
		return e;
	}
};

// The checks every reader shares, in the order the types raise them.

inline InputError ValidateDimensions(int64_t dim, int64_t max_dim, int32_t typmod) {
	if (dim < 1 || dim > max_dim)
		return InputError::Of(InputError::kDimCount, dim, max_dim);
	if (typmod >= 0 && typmod != dim)
		return InputError::Of(InputError::kExpectedDim, dim, typmod);
	return InputError();
}

inline InputError ValidateSparseNnz(int64_t nnz, int64_t dim) {
	if (nnz < 0 || nnz > dim || nnz > kSparseMaxNnz)
		return InputError::Of(InputError::kNnz, nnz, dim);
	return InputError();
}

inline InputError ValidateFinite(float x) {
	if (std::isnan(x))
		return InputError::Of(InputError::kNaN);
	if (std::isinf(x))
		return InputError::Of(InputError::kInfinite);
	return InputError();
}

}  // namespace vdb
