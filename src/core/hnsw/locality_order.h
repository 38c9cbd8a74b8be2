// The order in which a built graph's nodes are written to index pages
// (docs/hnsw.md, "Building"). Nodes get their ids as the build adds them,
// in heap order, which on most tables has nothing to do with where a vector
// lies: a walk then reads a new page for nearly every node it measures, and
// an index larger than memory reads most of them from disk. Written in
// breadth-first order over level-0 links from the entry point instead, a
// node's neighbours are mostly numbered close to one another (as in the
// reverse Cuthill-McKee order of sparse matrices), so they share groups and
// pages, and a walk's nodes fill fewer pages.
//
// Nodes above level 0 keep their ids: each group's upper area was sized for
// the levels its ids drew (hnsw_build.cpp's NextLevel), and moving a tall
// node could overflow another group's. They are a 1/m share. The level-0
// nodes take the other ids, in breadth-first order; nodes the walk does not
// reach (none, once LinkUnreachable ran) come last, in id order.
#pragma once

#include <cstdint>
#include <vector>

#include "core/hnsw/graph.h"

namespace vdb {

// order[new id] = old id, a permutation of the graph's node ids.
std::vector<uint32_t> LocalityOrder(const ArenaGraph &graph);

// rank[old id] = new id: the inverse of an order.
std::vector<uint32_t> InverseOrder(const std::vector<uint32_t> &order);

// Renames each id in place to rank[id].
inline void Renumber(std::vector<uint32_t> &ids, const uint32_t *rank) {
	for (uint32_t &id : ids)
		id = rank[id];
}

}  // namespace vdb
