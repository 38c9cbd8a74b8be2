// libFuzzer target: a sparse element as an hnsw page stores it, checked by
// SparseElementValid before the index reads it (src/hnsw/hnsw_sparse.cpp).
// Input: uint32 dimensions (little-endian), then the element's room on the
// page. A valid element lies inside its room, has strictly increasing indices
// below the dimensions, is written back byte for byte by SparseElementWrite,
// and its distances read nothing outside it.
#include <cstring>
#include <vector>

#include "core/distance/sparse.h"
#include "core/element/sparse_element.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size < 4)
		return 0;
	uint32_t dims;
	memcpy(&dims, data, sizeof dims);
	// The element in a buffer of exactly its room, so AddressSanitizer sees
	// any read past it; int32 words, aligned as on a page.
	size_t room = size - 4;
	std::vector<int32_t> words(room / 4 + 1);
	memcpy(words.data(), data + 4, room);
	const void *element = words.data();
	if (!vdb::SparseElementValid(element, room, dims))
		return 0;
	int32_t nnz = vdb::SparseElementNnz(element);
	FUZZ_CHECK(nnz >= 0 && nnz <= vdb::kSparseElementMaxNnz && vdb::SparseElementBytes(nnz) <= room);
	vdb::SparseView v = vdb::SparseElementView(element);
	for (int32_t i = 0; i < nnz; i++)
		FUZZ_CHECK(v.indices[i] >= 0 && uint32_t(v.indices[i]) < dims && (i == 0 || v.indices[i] > v.indices[i - 1]));
	std::vector<uint8_t> again(vdb::SparseElementBytes(nnz));
	vdb::SparseElementWrite(again.data(), v);
	FUZZ_CHECK(memcmp(again.data(), element, again.size()) == 0);
	vdb::SparseDot(v, v);
	vdb::SparseL2Squared(v, v);
	vdb::SparseL1(v, v);
	vdb::SparseSquaredNorm(v);
	return 0;
}
