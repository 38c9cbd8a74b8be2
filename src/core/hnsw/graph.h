// An HNSW graph built in memory: the elements in one array (packed one after
// another, with an offset per node, when they vary in size), level-0 links in
// a fixed-size array (count + 2m ids per node), upper-level links only for
// the few nodes that have them. Elements are added first (one thread), then
// linked by several threads at once, each node guarded by a one-byte
// spinlock as in hnswlib. The index build fills one of these while it fits
// in maintenance_work_mem and then writes it to pages in one pass.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/hnsw/level.h"
#include "core/hnsw/metric.h"
#include "core/hnsw/search.h"

namespace vdb {

struct HnswParams {
	int m = 16;                // links per node per upper level; 2m on level 0
	int ef_construction = 64;  // candidates kept while linking a new node
	uint64_t seed = 0x5eed;
};

class InMemoryGraph {
public:
	InMemoryGraph(const ElementMetric &metric, const HnswParams &params);

	// Memory one more node costs on average, for budgets (upper levels are
	// rare: a node has one with probability 1/m).
	size_t BytesPerNode() const;
	size_t MemoryUsage() const;
	void Reserve(size_t nodes);

	// Copies an element in as a new, unlinked node at a random level.
	uint32_t Add(const void *element);
	uint32_t AddAtLevel(const void *element, int level);

	// Links every node added since the last call, on `threads` threads (the
	// caller's included). `poll(done)` runs on the calling thread only, every
	// few nodes; returning false stops the work early and LinkAll returns
	// false; calling it again resumes. Which node links first varies with
	// threads > 1; with one thread the graph depends only on the seed.
	bool LinkAll(int threads, const std::function<bool(size_t done)> &poll);

	size_t Size() const { return levels_.size(); }
	size_t Linked() const { return linked_; }
	int Level(uint32_t id) const { return levels_[id]; }
	const void *Element(uint32_t id) const {
		return &elements_[metric_.variable ? offsets_[id] : size_t(id) * metric_.bytes];
	}
	uint32_t EntryPoint() const { return entry_; }
	int MaxLevel() const { return max_level_; }
	const ElementMetric &Metric() const { return metric_; }
	const HnswParams &Params() const { return params_; }
	size_t MaxLinks(int level) const { return level == 0 ? 2 * size_t(params_.m) : size_t(params_.m); }

	// A copy of id's links on one level.
	void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) const;

	// The k nearest linked nodes to query, nearest first.
	void Search(const void *query, size_t k, size_t ef, SearchScratch &scratch,
	            std::vector<Candidate> &out) const;

private:
	class QueryView;
	void Link(uint32_t id, SearchScratch &scratch, std::vector<uint32_t> &kept);
	void AddLink(uint32_t to, uint32_t from, float distance, int level, std::vector<Candidate> &pool,
	             std::vector<uint32_t> &kept);
	uint32_t *LinkSlot(uint32_t id, int level);
	const uint32_t *LinkSlot(uint32_t id, int level) const;
	void SetLinks(uint32_t id, int level, const Candidate *chosen, const std::vector<uint32_t> &kept);

	ElementMetric metric_;
	HnswParams params_;
	LevelGenerator level_generator_;
	std::vector<uint8_t> elements_;
	std::vector<size_t> offsets_;  // per node, into elements_, when metric_.variable
	std::vector<uint8_t> levels_;
	std::vector<uint32_t> level0_;                  // per node: count, then 2m ids
	std::vector<std::unique_ptr<uint32_t[]>> upper_;  // per node: (count, m ids) per level >= 1
	std::unique_ptr<std::atomic<bool>[]> locks_;
	size_t lock_count_ = 0;
	size_t linked_ = 0;
	mutable std::mutex entry_mutex_;
	uint32_t entry_ = kInvalidNode;
	int max_level_ = -1;
};

}  // namespace vdb
