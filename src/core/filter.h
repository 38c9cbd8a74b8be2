// The filter values an index entry carries (an hnsw node, an ivf list or
// pending entry; docs/hnsw.md and docs/ivf.md, "Filter columns") and the
// test of a scan's filter keys against them. Each filter column takes one
// 64-bit word per entry: a scalar's hash, or for a label array a
// signature with two bits set per label (a Bloom filter of 64 bits), except
// that an integer label from 0 to 63 sets bit `label` alone (LabelScheme).
// Both are lossy in one direction only: an entry whose row matches always
// passes, and an entry that passes wrongly is rejected by the executor's
// recheck of the quals on the heap row, so results stay exact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vdb {

// The two signature bits of a label with this hash.
inline uint64_t LabelBits(uint64_t hash) { return (uint64_t(1) << (hash & 63)) | (uint64_t(1) << ((hash >> 32) & 63)); }

// How an index turns labels into signature bits; its metapage says which.
// Label vocabularies are often small integers (categories, tag ids): with
// two hashed bits each, 3 labels of 50 let a query for one label pass about
// 0.9% of rows wrongly (as many as pass rightly at 1% selectivity), and
// each one costs a distance and a recheck. Under kSmallIntegers the labels
// 0 to 63 of an integer array take a bit each, and collide only with the
// hashed bits of other labels.
enum class LabelScheme : uint8_t {
	kHashed = 0,         // every label two hashed bits (indexes made before the scheme)
	kSmallIntegers = 1,  // integer labels 0..63 their own bit, others two hashed bits
};

// The bit of an integer label under kSmallIntegers, or 0 when it has none.
inline uint64_t SmallLabelBit(int64_t label) { return label >= 0 && label < 64 ? uint64_t(1) << label : 0; }

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

// FilterKeyNarrow's two common loops (filter.cpp): pass[j] &= words[j] ==
// value, and pass[j] &= (words[j] & bits) == bits.
void NarrowToEqual(const uint64_t *words, size_t n, uint64_t value, uint8_t *pass);
void NarrowToContaining(const uint64_t *words, size_t n, uint64_t bits, uint8_t *pass);

// Clears pass[j] for each of the n words (one column's, of consecutive
// entries) that fails `key`: a column's test over many entries at once
// (the hnsw filter directory), vectorised for the common keys.
inline void FilterKeyNarrow(const FilterKey &key, const uint64_t *words, size_t n, uint8_t *pass) {
	if (key.kind == FilterKey::kEqualsAny && key.values.size() == 1) {
		NarrowToEqual(words, n, key.values[0], pass);
	} else if (key.kind == FilterKey::kContainsAll || (key.kind == FilterKey::kOverlaps && key.values.size() == 1)) {
		NarrowToContaining(words, n, key.values[0], pass);
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
