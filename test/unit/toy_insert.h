// An insert's re-prune of one reached node's level-0 list, as
// hnsw_insert.cpp does it, on a ToyGraph, for the reachability tests.
#pragma once

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "core/hnsw/reachability.h"
#include "toy_graph.h"

namespace vdb {

struct RepruneResult {
	size_t attached_nearby = 0;  // dropped nodes attached near their old host
	bool walk_needed = false;    // one found no place: LinkUnreachable must run
};

// Node Y, one of `reached`, has its list re-pruned to random reached nodes;
// the dropped ones are kept reachable (KeepDroppedReachable), the list
// written, then the stranded ones attached nearby (AttachNearby).
inline RepruneResult RepruneLikeAnInsert(ToyGraph &g, std::mt19937 &rng, const std::set<uint32_t> &reached,
                                         KeepScratch &keep, AttachScratch &attach) {
	std::vector<uint32_t> candidates(reached.begin(), reached.end());
	uint32_t y = candidates[rng() % candidates.size()];
	std::vector<uint32_t> before = g.links[y], after;
	size_t keep_count = g.max_links - rng() % 2;
	std::shuffle(candidates.begin(), candidates.end(), rng);
	for (uint32_t c : candidates)
		if (c != y && after.size() < keep_count)
			after.push_back(c);
	KeepDroppedReachable(g, before, after, keep);
	g.SetLinks(y, after);
	RepruneResult result;
	for (uint32_t stranded : keep.stranded) {
		bool placed = AttachNearby(g, stranded, after, attach) != kInvalidNode;
		result.attached_nearby += placed;
		result.walk_needed |= !placed;
	}
	return result;
}

}  // namespace vdb
