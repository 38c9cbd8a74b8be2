// What the index page targets share: an input split into a few
// little-endian header words (the shape, as a metapage would give it) and
// the page, copied into a heap buffer of exactly its size so that
// AddressSanitizer reports any read one byte past it, and the page
// constants of a PostgreSQL page (src/index/index_pages.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_check.h"

namespace vdb_fuzz {

constexpr uint32_t kPageHeaderBytes = 24;  // VDB_PAGE_DATA_OFFSET: MAXALIGN(SizeOfPageHeaderData)
constexpr uint32_t kSpecialBytes = 8;      // MAXALIGN(sizeof(VdbPageOpaque)), at the page's end
constexpr uint32_t kOpaqueAux = 4;         // VdbPageOpaque::aux, in the special space
constexpr size_t kMaxPage = 32768;         // PostgreSQL's largest BLCKSZ

template <typename T>
T Load(const uint8_t *bytes, size_t offset) {
	T value;
	memcpy(&value, bytes + offset, sizeof value);
	return value;
}

struct PageInput {
	uint8_t mode = 0;
	std::vector<uint32_t> words;
	std::vector<uint8_t> page;  // exactly the page's bytes

	uint32_t data_end() const { return uint32_t(page.size() - kSpecialBytes); }
	uint32_t aux() const { return Load<uint32_t>(page.data(), data_end() + kOpaqueAux); }
};

// Byte 0 the mode, then `words` uint32 header words, then the page (at most
// kMaxPage bytes, and room for a page header and special space). False when
// the input is too short to hold them.
inline bool SplitPageInput(const uint8_t *data, size_t size, size_t words, PageInput *out) {
	size_t header = 1 + 4 * words;
	if (size < header + kPageHeaderBytes + kSpecialBytes || size - header > kMaxPage)
		return false;
	out->mode = data[0];
	out->words.resize(words);
	for (size_t i = 0; i < words; i++)
		out->words[i] = Load<uint32_t>(data, 1 + 4 * i);
	out->page.assign(data + header, data + size);
	return true;
}

// Checks that [offset, offset + length) lies within [lo, hi) of the page
// and reads its first and last byte, as a reader would (so that
// AddressSanitizer sees the access too).
inline void Touch(const std::vector<uint8_t> &page, uint64_t offset, uint64_t length, uint64_t lo, uint64_t hi) {
	FUZZ_CHECK(lo <= offset && offset + length <= hi && hi <= page.size());
	if (length == 0)
		return;
	volatile uint8_t sink = page.data()[offset];
	sink = page.data()[offset + length - 1];
	(void) sink;
}

}  // namespace vdb_fuzz
