// The limits of the vector types, shared by their readers in src/core/io and
// by the Postgres glue (src/type/vector.h), so both enforce the same numbers.
// They are pgvector's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace vdb {

// What the readers need to know about a dense type.
struct DenseKind {
	int max_dim;
	// Text input rejects a value at or beyond this magnitude as out of range
	// (float4 overflow is rejected anyway).
	float overflow_at;
	size_t element_bytes;  // on the wire
};

constexpr DenseKind kVectorKind{16000, std::numeric_limits<float>::infinity(), 4};
// 65520 is the smallest float that rounds to float16 infinity.
constexpr DenseKind kHalfvecKind{16000, 65520.0f, 2};

constexpr int32_t kSparseMaxDim = 1000000000;
constexpr int32_t kSparseMaxNnz = 16000;

}  // namespace vdb
