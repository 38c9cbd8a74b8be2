// How a graph stores one sparse vector: a self-describing blob
//
//   [int32 nnz][int32 indices[nnz], strictly increasing][float values[nnz]]
//
// so an element's size follows from its first word. An index caps nnz at
// kSparseElementMaxNnz, which keeps every element on one 8 KB page; the
// metric's `bytes` is that cap's size (the room a scratch buffer needs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/distance/sparse.h"

namespace vdb {

constexpr int32_t kSparseElementMaxNnz = 1000;

inline size_t SparseElementBytes(int32_t nnz) {
	return sizeof(int32_t) + size_t(nnz) * (sizeof(int32_t) + sizeof(float));
}

inline int32_t SparseElementNnz(const void *element) {
	int32_t nnz;
	memcpy(&nnz, element, sizeof nnz);
	return nnz;
}

inline SparseView SparseElementView(const void *element) {
	const int32_t *words = static_cast<const int32_t *>(element);
	int32_t nnz = words[0];
	return SparseView{nnz, words + 1, reinterpret_cast<const float *>(words + 1 + nnz)};
}

// Writes the blob of (indices, values) into element (SparseElementBytes(nnz)).
inline void SparseElementWrite(void *element, SparseView v) {
	char *out = static_cast<char *>(element);
	memcpy(out, &v.nnz, sizeof(int32_t));
	// An empty vector's arrays may be null, which memcpy must never get
	// (even for 0 bytes; UBSan reports it).
	if (v.nnz == 0)
		return;
	memcpy(out + sizeof(int32_t), v.indices, size_t(v.nnz) * sizeof(int32_t));
	memcpy(out + sizeof(int32_t) * (1 + size_t(v.nnz)), v.values, size_t(v.nnz) * sizeof(float));
}

// True when a blob of at most `room` bytes is well formed for `dims`
// dimensions: nnz within the cap and the room, indices increasing and in
// range. Values are not inspected (any float is a valid distance input).
bool SparseElementValid(const void *element, size_t room, size_t dims);

}  // namespace vdb
