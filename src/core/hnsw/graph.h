// An HNSW graph under construction, laid out in one caller-provided block of
// memory (an arena): a header, the elements, level-0 links in a fixed-size
// array (count + 2m ids per node), each node's level and one-byte spinlock,
// and a pool of upper-level link lists that only the few nodes above level 0
// draw from. Everything inside the arena is found by offset, never by
// pointer, so the same block can be mapped by several processes at
// different addresses (a Postgres DSM segment in a parallel index build) or
// shared by threads of one process (unit tests: test/unit/in_memory_graph.h).
//
// Fixed-size elements sit at id * bytes. Variable-size ones (sparse) are
// packed into a byte pool as they come, each participant taking its bytes
// from a shared bump counter, and a per-node offset says where each one is;
// a full pool refuses nodes as a full node array does.
//
// Building has three stages. First every participant adds elements (Add is
// safe from any number of participants at once); then, once nobody adds any
// more, every participant calls LinkClaimed, which takes the next unlinked
// node from a shared counter until none remain; finally one participant
// links back the nodes that pruning left with no link to them
// (LinkUnreachable). A node is linked by the linker that inserts, merges
// and VACUUM's repair on index pages run too (link.h), over this arena
// (graph.cpp's LinkStore). Linking follows hnswlib's
// concurrency scheme: a node's link list is read and written under that
// node's spinlock (a back link's re-prune included), and a node whose level exceeds the current top holds the
// entry-point lock for its whole insertion so that only one node raises the
// graph at a time. With one participant adding and linking, the graph
// depends only on the levels it was given (in the build: only on the seed).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/element/element_metric.h"
#include "core/hnsw/level.h"
#include "core/hnsw/search.h"

namespace vdb {

struct HnswParams {
	int m = 16;                // links per node per upper level; 2m on level 0
	int ef_construction = 64;  // candidates kept while linking a new node
	uint64_t seed = 0x5eed;
};

struct GraphHeader;
struct LinkScratch;  // link.h

class ArenaGraph {
public:
	// Arena bytes for `capacity` nodes, `upper_lists` upper-level link
	// lists in all (one per node and level above 0) and, for variable-size
	// elements, a pool of `pool_bytes` for them (ignored for fixed sizes).
	static size_t BytesFor(const ElementMetric &metric, int m, size_t capacity, size_t upper_lists,
	                       size_t pool_bytes);
	// Upper-level lists worth reserving for `capacity` nodes: twice the
	// expected 1/(m-1) per node, plus room for a few tall nodes.
	static size_t UpperListsFor(int m, size_t capacity);
	// What one more node costs on average (its share of the upper pool
	// included), for budgets; for variable-size elements, without the
	// element's own bytes in the pool.
	static size_t BytesPerNode(const ElementMetric &metric, int m);

	// Formats `memory` (BytesFor bytes, 8-byte aligned) as an empty graph.
	static ArenaGraph Create(void *memory, const ElementMetric &metric, const HnswParams &params,
	                         size_t capacity, size_t upper_lists, size_t pool_bytes);
	// A view of a graph that Create formatted, possibly in another process;
	// throws std::invalid_argument when the metric's element size differs.
	static ArenaGraph Attach(void *memory, const ElementMetric &metric);

	// Copies an element in as a new, unlinked node at level level_for(id)
	// and returns its id, or kInvalidNode when the arena is full (no node
	// slot left, or no room left in the element pool: after the first
	// element the pool refuses, it refuses every one). Safe from several
	// participants at once, never while anyone links. A node whose upper
	// lists no longer fit in the pool is placed on level 0.
	uint32_t Add(const void *element, const std::function<int(uint32_t id)> &level_for);

	// Links nodes until every node added so far has been claimed by some
	// participant. `poll(claimed)` runs every 16 nodes; when it returns
	// false the participant stops after the node in hand and LinkClaimed
	// returns false (call again to resume). True once nothing is left to
	// claim; other participants may still be linking their last nodes.
	bool LinkClaimed(const std::function<bool(size_t claimed)> &poll);

	// Once every node is linked (one participant, nobody linking): links
	// back every node a walk over level 0 from the entry point does not
	// reach (core/hnsw/reachability.h). Returns how many it linked.
	size_t LinkUnreachable();

	size_t Size() const;
	size_t Capacity() const;
	size_t Claimed() const;  // nodes taken for linking so far
	int Level(uint32_t id) const { return levels_[id]; }
	const void *Element(uint32_t id) const {
		return elements_ + (offsets_ != nullptr ? offsets_[id] : size_t(id) * metric_.bytes);
	}
	uint32_t EntryPoint() const;
	int MaxLevel() const;
	const ElementMetric &Metric() const { return metric_; }
	int M() const { return m_; }
	size_t MaxLinks(int level) const { return level == 0 ? 2 * size_t(m_) : size_t(m_); }

	// A copy of id's links on one level.
	void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) const;

	// The k nearest linked nodes to query, nearest first (after linking).
	void Search(const void *query, size_t k, size_t ef, SearchScratch &scratch,
	            std::vector<Candidate> &out) const;

private:
	class QueryView;
	class ReachView;
	class LinkStore;
	ArenaGraph(void *memory, const ElementMetric &metric);
	void Link(uint32_t id, LinkScratch &scratch);
	uint32_t *LinkSlot(uint32_t id, int level) const;

	ElementMetric metric_;
	GraphHeader *header_;
	uint8_t *elements_;
	uint64_t *offsets_;      // per node, into elements_, when elements vary in size (else null)
	uint32_t *level0_;       // per node: count, then 2m ids
	uint32_t *upper_first_;  // per node: its first list in the upper pool
	uint8_t *levels_;
	std::atomic<uint8_t> *locks_;
	uint32_t *upper_;  // pool of lists: count, then m ids
	int m_;
	int ef_construction_;
};

}  // namespace vdb
