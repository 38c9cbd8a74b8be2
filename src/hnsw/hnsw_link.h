// The graph on index pages as the core's linker sees it (core/hnsw/link.h,
// the same code the build runs on its in-memory graph): an insert and a
// merge link their node through it (hnsw_insert.cpp), VACUUM's repair
// chooses its new lists through it (hnsw_vacuum.cpp).
//
// Lock protocol: every list is written under the graph write lock
// (HNSW_WRITE_LOCK_BLKNO, held by the caller), so EditLinks takes no lock
// of its own: nobody else writes the list between its read and its write.
// A build's insert plans before that lock (vdb::PlanLinks: reads, and
// EditLinks edits that write nothing) and commits under it, where each
// planned list is checked against the list as it is then.
// Candidates are checked under that lock (DropUnusable): they were found
// before it was taken, and since then VACUUM may have flagged or freed a
// node, and another insert reused a freed slot for a node with fewer
// levels; no link may lead to a node VACUUM flagged (hnsw_vacuum.cpp).
// Writes go through HnswWriteLinks, which names a forwarder's new slot
// (compaction, hnsw_compact.cpp), and a level-0 list re-pruned for a back
// link through HnswWriteRepruned, which keeps every node it drops
// reachable (hnsw_reach.cpp) unless the store is a build's insert's
// (keep_dropped off: the build relinks once at its end, HnswBuildInsert).
//
// ereport safety: the core templates run inside vdb::RunCpp and page reads
// may longjmp out of them, so this struct holds no C++ object with a
// destructor: its buffers are the caller's (HnswLinkBuffers, kept in a
// per-backend or memory-context-owned scratch).
#pragma once

#include "core/hnsw/link.h"
#include "hnsw/hnsw.h"

// The buffers HnswLinkStore works in; the caller owns them.
struct HnswLinkBuffers {
	std::vector<uint8_t> vectors;  // Prepare's candidates' elements, as the metric compares them
	std::vector<uint8_t> element;  // QueryOf's node's element: HnswElementScratchBytes
	std::vector<uint8_t> spill;    // a stored element that spans pages, or one being encoded
	std::vector<uint32_t> before;  // the list EditLinks edits, as it was
	std::vector<uint8_t> planned;  // the element of a node being planned (vdb::PlanLinks), as vectors holds them
	HnswReachScratch reach;
};

// Sizes the buffers for an index (inside vdb::RunCpp).
void HnswSizeLinkBuffers(const HnswMetaPageData &meta, HnswLinkBuffers &b);

// The storage of core/hnsw/link.h on an index's pages. QueryOf's result
// points into it: keep it where it was made.
struct HnswLinkStore {
	Relation index;
	const HnswMetaPageData *meta;
	vdb::ElementMetric metric;
	HnswLinkBuffers *b;
	HnswQuery query;  // of QueryOf's node
	bool keep_dropped;  // a re-prune keeps what it drops reachable (HnswWriteRepruned)
	HnswBufferHints *hints;  // for its reads; NULL: VdbReadBuffer's own

	HnswLinkStore(Relation index, const HnswMetaPageData &meta, HnswLinkBuffers &b, bool keep_dropped = true,
	              HnswBufferHints *hints = NULL)
		: index(index), meta(&meta), metric(HnswMetric(meta)), b(&b), query(), keep_dropped(keep_dropped),
		  hints(hints) {}

	size_t MaxLinks(int level) const { return HnswMaxLinks(*meta, level); }
	// Drops the node itself and nodes that are flagged, free or no longer
	// on that level.
	void DropUnusable(std::vector<vdb::Candidate> &found, uint32_t id, int level) const;
	// Loads the candidates' elements for Between; vdb::kPlannedNode's is
	// b->planned.
	void Prepare(const std::vector<vdb::Candidate> &candidates);
	float Between(size_t a, size_t b_) const {
		return metric.Distance(&b->vectors[a * metric.bytes], &b->vectors[b_ * metric.bytes]);
	}
	HnswPageGraph QueryOf(uint32_t id);
	void SetLinks(uint32_t id, int level, const std::vector<uint32_t> &links) const {
		HnswWriteLinks(index, meta->geometry, id, level, links.data(), uint32(links.size()));
	}
	template <typename Edit>
	void EditLinks(uint32_t id, int level, std::vector<uint32_t> &links, Edit edit) {
		HnswReadNode(index, meta->geometry, id, level, &links, NULL, hints);
		b->before.assign(links.begin(), links.end());
		WriteEdited(id, level, edit(links), links);
	}

private:
	void WriteEdited(uint32_t id, int level, vdb::ListEdit how, std::vector<uint32_t> &links);
};
