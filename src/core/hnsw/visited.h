// The set of nodes a graph search has seen. A stamp per node instead of a
// cleared bitmap: starting a new search bumps the generation, so a query costs
// nothing to reset; the array is only cleared when the 32-bit stamp wraps.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace vdb {

class VisitedSet {
public:
	// Forgets every node and makes room for ids below `nodes`.
	void Reset(size_t nodes) {
		if (stamps_.size() < nodes)
			stamps_.resize(nodes + nodes / 4, 0);
		if (++generation_ == 0) {
			std::fill(stamps_.begin(), stamps_.end(), 0);
			generation_ = 1;
		}
	}

	// True when id was not yet visited in this search (and marks it). Ids past
	// the size given to Reset (nodes added since) grow the array.
	bool Insert(uint32_t id) {
		if (id >= stamps_.size())
			stamps_.resize(size_t(id) + 1 + stamps_.size() / 4, 0);
		if (stamps_[id] == generation_)
			return false;
		stamps_[id] = generation_;
		return true;
	}

	bool Contains(uint32_t id) const { return id < stamps_.size() && stamps_[id] == generation_; }

private:
	std::vector<uint32_t> stamps_;
	uint32_t generation_ = 0;
};

}  // namespace vdb
