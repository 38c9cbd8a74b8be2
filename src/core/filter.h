// The filter values an index entry carries (an hnsw node, an ivf list or
// pending entry; docs/hnsw.md and docs/ivf.md, "Filter columns") and the
// test of a scan's filter keys against them. Each filter column takes one
// 64-bit word per entry: a scalar's hash, or for a label array a
// signature with two bits set per label (a Bloom filter of 64 bits). Both
// are lossy in one direction only: an entry whose row matches always passes,
// and an entry that passes wrongly is rejected by the executor's recheck of
// the quals on the heap row, so results stay exact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vdb {

// The two signature bits of a label with this hash.
inline uint64_t LabelBits(uint64_t hash) { return (uint64_t(1) << (hash & 63)) | (uint64_t(1) << ((hash >> 32) & 63)); }

struct FilterKey {
	enum Kind : uint8_t {
		kEqualsAny,     // the word is one of `values` (hashes); none: nothing passes
		kOverlaps,      // one of `values` (label bits) lies within the word; none: nothing passes
		kContainsAll,   // values[0] (the labels' bits together) lies within the word
	};
	uint16_t column;  // 0 = the first filter column
	Kind kind;
	std::vector<uint64_t> values;
};

inline bool FilterKeyPasses(const FilterKey &key, uint64_t word) {
	switch (key.kind) {
	case FilterKey::kEqualsAny:
		for (uint64_t value : key.values)
			if (value == word)
				return true;
		return false;
	case FilterKey::kOverlaps:
		for (uint64_t bits : key.values)
			if ((word & bits) == bits)
				return true;
		return false;
	case FilterKey::kContainsAll:
		return (word & key.values[0]) == key.values[0];
	}
	return false;
}

// Clears pass[j] for each of the n words (one column's, of consecutive
// entries) that fails `key`: a column's test over many entries at once
// (the hnsw filter directory), in loops the compiler can vectorise.
inline void FilterKeyNarrow(const FilterKey &key, const uint64_t *words, size_t n, uint8_t *pass) {
	if (key.kind == FilterKey::kEqualsAny && key.values.size() == 1) {
		uint64_t value = key.values[0];
		for (size_t j = 0; j < n; j++)
			pass[j] &= uint8_t(words[j] == value);
	} else if (key.kind == FilterKey::kContainsAll || (key.kind == FilterKey::kOverlaps && key.values.size() == 1)) {
		uint64_t bits = key.values[0];
		for (size_t j = 0; j < n; j++)
			pass[j] &= uint8_t((words[j] & bits) == bits);
	} else {
		for (size_t j = 0; j < n; j++)
			pass[j] &= uint8_t(FilterKeyPasses(key, words[j]));
	}
}

// Whether an entry with these words (one per filter column) may pass every key.
inline bool FilterPasses(const std::vector<FilterKey> &keys, const uint64_t *words) {
	for (const FilterKey &key : keys)
		if (!FilterKeyPasses(key, words[key.column]))
			return false;
	return true;
}

}  // namespace vdb
