// The distances a query's descent through the upper levels measured, kept
// for the levels below (search.h, SearchGraph). Upper-level nodes are on
// every level under theirs, and a node's links there mostly lead to the
// same neighbours, so each level of the descent and then level 0 meet many
// nodes the level above already measured; each such distance costs a page
// read and a kernel call in an index scan. A small open-addressing table,
// cleared per query: the descent measures a few hundred nodes at most, and
// past half its slots it stops recording (lookups stay short).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace vdb {

class DistanceMemo {
public:
	void Clear() {
		if (ids_.size() != kSlots) {
			ids_.resize(kSlots);
			distances_.resize(kSlots);
		}
		std::fill(ids_.begin(), ids_.end(), kEmpty);
		used_ = 0;
	}

	// The recorded distance of id into *distance; false when not recorded.
	bool Find(uint32_t id, float *distance) const {
		for (size_t slot = Slot(id);; slot = (slot + 1) & (kSlots - 1)) {
			if (ids_[slot] == id) {
				*distance = distances_[slot];
				return true;
			}
			if (ids_[slot] == kEmpty)
				return false;
		}
	}

	// Records id's distance (id not yet recorded), unless the table is half full.
	void Record(uint32_t id, float distance) {
		if (2 * used_ >= kSlots)
			return;
		size_t slot = Slot(id);
		while (ids_[slot] != kEmpty)
			slot = (slot + 1) & (kSlots - 1);
		ids_[slot] = id;
		distances_[slot] = distance;
		used_++;
	}

private:
	static constexpr size_t kSlots = 1024;  // a power of two
	static constexpr uint32_t kEmpty = UINT32_MAX;
	static size_t Slot(uint32_t id) { return (id * 2654435761u) >> 22; }  // the top 10 bits

	std::vector<uint32_t> ids_;
	std::vector<float> distances_;
	size_t used_ = 0;
};

}  // namespace vdb
