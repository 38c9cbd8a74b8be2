// VACUUM for hnsw: remove dead rows' nodes and repair the graph around them.
//
// 1. Flag: one pass over the graph pages flags every node whose heap TID
//    the callback reports dead as HNSW_NODE_DELETED. Flagged nodes are no
//    longer returned by scans nor chosen as neighbours by inserts, but
//    searches still walk through them, so the graph stays connected.
// 2. Repair (holding the graph write lock, so no insert runs meanwhile):
//    every live node that links to a flagged node gets a new list on that
//    level, chosen by the neighbour heuristic from its surviving links plus
//    the flagged nodes' live links (their neighbourhood, which is where the
//    lost paths led). A flagged entry point is replaced by a live node of
//    the highest level. Then every live node that a walk over level 0 from
//    the entry point does not reach is linked back (hnsw_reach.cpp).
// 3. Free: flagged nodes, now unreachable, become HNSW_NODE_FREE slots that
//    the next inserts reuse, so the space of deleted rows is reused.
#include "hnsw/hnsw.h"

#include <algorithm>

#include "pg/cpp_boundary.h"
#include "pg/fault.h"

extern "C" {
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
}

namespace {

// Scratch of one vacuum, freed by its memory context's callback.
struct VacuumScratch {
	std::vector<uint8_t> deleted;  // per node: 1 when flagged
	std::vector<uint32_t> links;
	std::vector<uint32_t> dead_links;
	std::vector<vdb::Candidate> candidates;
	std::vector<uint8_t> vectors;
	std::vector<uint8_t> element;
	std::vector<uint8_t> spill;
	std::vector<uint32_t> kept;
	vdb::ReachScratch reach;
};

void DeleteVacuumScratch(void *arg) { delete static_cast<VacuumScratch *>(arg); }

VacuumScratch *NewScratch(const HnswMetaPageData &meta) {
	VacuumScratch *s = NULL;
	vdb::RunCpp("hnsw vacuum", [&] {
		s = new VacuumScratch();
		s->deleted.assign(meta.node_count, 0);
		s->links.reserve(2 * meta.m);
		s->dead_links.reserve(2 * meta.m);
		s->element.resize(HnswElementScratchBytes(meta));
		s->spill.resize(meta.geometry.element_bytes);
	});
	MemoryContextCallback *cleanup = (MemoryContextCallback *) palloc(sizeof(MemoryContextCallback));
	cleanup->func = DeleteVacuumScratch;
	cleanup->arg = s;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cleanup);
	return s;
}

uint32 GroupCount(const HnswMetaPageData &meta) {
	return (meta.node_count + meta.geometry.group_nodes - 1) / meta.geometry.group_nodes;
}

// Pass 1: flags dead nodes; counts removed and remaining tuples.
void FlagDeadNodes(Relation index, const HnswMetaPageData &meta, VacuumScratch *s,
                   IndexBulkDeleteCallback callback, void *callback_state, IndexBulkDeleteResult *stats) {
	const HnswGeometry &g = meta.geometry;
	for (uint32 group = 0; group < GroupCount(meta); group++) {
		vacuum_delay_point();
		Buffer buffer = VdbReadBuffer(index, HnswGroupBlock(g, group), BUFFER_LOCK_EXCLUSIVE);
		VdbPageEdit edit(index);
		Page page = edit.Register(buffer);
		bool changed = false;
		uint32 first = group * g.group_nodes;
		for (uint32 id = first; id < Min(meta.node_count, first + g.group_nodes); id++) {
			HnswNodeRecord *rec = HnswPageRecord(page, g, id);
			if (rec->flags & HNSW_NODE_FREE)
				continue;
			if ((rec->flags & HNSW_NODE_DELETED) == 0 && callback(&rec->tid, callback_state)) {
				rec->flags |= HNSW_NODE_DELETED;
				changed = true;
			}
			if (rec->flags & HNSW_NODE_DELETED) {
				s->deleted[id] = 1;
				stats->tuples_removed++;
			} else
				stats->num_index_tuples++;
		}
		if (changed)
			edit.Finish();
		else
			edit.Abort();
		UnlockReleaseBuffer(buffer);
	}
}

// Replaces the links of `id` on `level` that lead to flagged nodes.
void RepairLinks(Relation index, const HnswMetaPageData &meta, const vdb::ElementMetric &metric, VacuumScratch *s,
                 uint32 id, int level) {
	const HnswGeometry &g = meta.geometry;
	HnswReadNode(index, g, id, level, &s->links, NULL);
	bool broken = false;
	for (uint32 link : s->links)
		broken |= link < meta.node_count && s->deleted[link];
	if (!broken)
		return;
	// Candidates: surviving links, then the live links of the flagged ones.
	vdb::RunCpp("hnsw vacuum", [&] {
		s->candidates.clear();
		s->dead_links.assign(s->links.begin(), s->links.end());
	});
	HnswLoadElement(index, meta, id, s->element.data(), s->spill.data());
	HnswQuery query = HnswPrepareQuery(meta, metric, s->element.data());
	auto consider = [&](uint32 candidate) {
		if (candidate == id || candidate >= meta.node_count || s->deleted[candidate])
			return;
		for (const vdb::Candidate &c : s->candidates)
			if (c.id == candidate)
				return;
		float distance = HnswElementDistance(index, meta, query, candidate, s->spill.data());
		s->candidates.push_back(vdb::Candidate{distance, candidate});
	};
	vdb::RunCpp("hnsw vacuum", [&] {
		for (uint32 link : s->dead_links)
			if (!s->deleted[link])
				consider(link);
		for (uint32 dead : s->dead_links) {
			if (!s->deleted[dead])
				continue;
			HnswReadNode(index, g, dead, level, &s->links, NULL);
			for (uint32 link : s->links)
				consider(link);
		}
		vdb::SortFor(id, s->candidates);
		HnswSelectAndLoad(index, meta, metric, s->candidates, HnswMaxLinks(meta, level), s->vectors, s->kept,
		                  HnswMaxLinks(meta, level), s->spill.data());
		s->links.clear();
		for (uint32 k : s->kept)
			s->links.push_back(s->candidates[k].id);
	});
	HnswWriteLinks(index, g, id, level, s->links.data(), uint32(s->links.size()));
}

// Pass 2: repairs every live node's links; returns a live node of the top
// level (for a new entry point) or HNSW_NO_NODE when none is left.
uint32 RepairGraph(Relation index, const HnswMetaPageData &meta, VacuumScratch *s, int *top_level) {
	vdb::ElementMetric metric = HnswMetric(meta);
	uint32 top = HNSW_NO_NODE;
	*top_level = -1;
	for (uint32 id = 0; id < meta.node_count; id++) {
		if (s->deleted[id])
			continue;
		if ((id & 63) == 0)
			vacuum_delay_point();
		HnswNodeInfo info;
		HnswReadNode(index, meta.geometry, id, 0, NULL, &info);
		if (info.flags & (HNSW_NODE_FREE | HNSW_NODE_DELETED))
			continue;
		for (int level = 0; level <= info.level; level++)
			RepairLinks(index, meta, metric, s, id, level);
		// A pending node has no links yet (or some, from a merge that
		// stopped half way: repaired above), so it cannot be the entry point.
		if (info.level > *top_level && id < HnswPendingStart(meta)) {
			*top_level = info.level;
			top = id;
		}
	}
	return top;
}

// Pass 3: turns flagged nodes into free slots.
uint32 FreeFlaggedNodes(Relation index, const HnswMetaPageData &meta, VacuumScratch *s, uint32 *first_group) {
	const HnswGeometry &g = meta.geometry;
	uint32 freed = 0;
	*first_group = UINT32_MAX;
	for (uint32 group = 0; group < GroupCount(meta); group++) {
		uint32 first = group * g.group_nodes, end = Min(meta.node_count, first + g.group_nodes);
		bool any = false;
		for (uint32 id = first; id < end && !any; id++)
			any = s->deleted[id];
		if (!any)
			continue;
		Buffer buffer = VdbReadBuffer(index, HnswGroupBlock(g, group), BUFFER_LOCK_EXCLUSIVE);
		VdbPageEdit edit(index);
		Page page = edit.Register(buffer);
		for (uint32 id = first; id < end; id++) {
			if (!s->deleted[id])
				continue;
			HnswNodeRecord *rec = HnswPageRecord(page, g, id);
			rec->flags = HNSW_NODE_FREE;
			ItemPointerSetInvalid(&rec->tid);
			rec->count = 0;
			freed++;
		}
		edit.Finish();
		UnlockReleaseBuffer(buffer);
		*first_group = Min(*first_group, group);
	}
	return freed;
}

}  // namespace

IndexBulkDeleteResult *hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
                                      IndexBulkDeleteCallback callback, void *callback_state) {
	Relation index = info->index;
	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
	// No merge meanwhile: it could link a pending node pass 1 flags after
	// pass 2 has repaired around the flagged ones (hnsw_pending.cpp).
	LockPage(index, HNSW_MERGE_LOCK_BLKNO, ExclusiveLock);
	HnswMetaPageData meta = HnswReadMeta(index);
	VacuumScratch *s = NewScratch(meta);
	stats->num_index_tuples = 0;
	FlagDeadNodes(index, meta, s, callback, callback_state, stats);
	VDB_FAULT_POINT("hnsw-vacuum-flagged");
	if (std::find(s->deleted.begin(), s->deleted.end(), 1) == s->deleted.end()) {
		UnlockPage(index, HNSW_MERGE_LOCK_BLKNO, ExclusiveLock);
		return stats;
	}

	LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	// Nodes inserted since pass 1 are live but may have linked to a node
	// flagged after they chose it, so they are repaired too.
	HnswMetaPageData now = HnswReadMeta(index);
	meta.node_count = now.node_count;
	meta.pending_span = now.pending_span;
	vdb::RunCpp("hnsw vacuum", [&] { s->deleted.resize(meta.node_count, 0); });
	int top_level;
	uint32 top = RepairGraph(index, meta, s, &top_level);
	VDB_FAULT_POINT("hnsw-vacuum-repaired");
	// The entry point leaves a flagged node before any node is freed: an
	// ERROR or a crash part way through pass 3 must not leave searches
	// starting on a free slot (test 030 makes one there).
	now = HnswReadMeta(index);
	if (now.entry_point != HNSW_NO_NODE && now.entry_point < meta.node_count && s->deleted[now.entry_point]) {
		now.entry_point = top;
		now.max_level = top_level;
		HnswWriteMeta(index, now);
	}
	// The repair keeps paths around each flagged node, not the reachability
	// of the whole graph: link back every live node no walk reaches.
	HnswLinkUnreachable(index, now, &s->deleted, s->reach, s->element.data(), s->spill.data());
	uint32 first_group;
	uint32 freed = FreeFlaggedNodes(index, meta, s, &first_group);
	VDB_FAULT_POINT("hnsw-vacuum-freed");

	// free_nodes and free_hint_group are hints: slots freed before an ERROR
	// or a crash here may go unused (space, never a row).
	now = HnswReadMeta(index);
	now.free_nodes += freed;
	now.free_hint_group = Min(now.free_hint_group, first_group);
	HnswWriteMeta(index, now);
	UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	UnlockPage(index, HNSW_MERGE_LOCK_BLKNO, ExclusiveLock);
	return stats;
}

IndexBulkDeleteResult *hnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats) {
	if (info->analyze_only)
		return stats;
	// The pending area, after the bulk delete freed its dead rows' nodes.
	HnswMergePending(info->index, INT64_MAX, true);
	if (stats == NULL) {
		// No bulk delete ran: count the live nodes for the statistics.
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
		HnswMetaPageData meta = HnswReadMeta(info->index);
		const HnswGeometry &g = meta.geometry;
		for (uint32 group = 0; group < GroupCount(meta); group++) {
			Buffer buffer = VdbReadBuffer(info->index, HnswGroupBlock(g, group), BUFFER_LOCK_SHARE);
			Page page = BufferGetPage(buffer);
			uint32 first = group * g.group_nodes;
			for (uint32 id = first; id < Min(meta.node_count, first + g.group_nodes); id++)
				if ((HnswPageRecord(page, g, id)->flags & (HNSW_NODE_FREE | HNSW_NODE_DELETED)) == 0)
					stats->num_index_tuples++;
			UnlockReleaseBuffer(buffer);
		}
	}
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}
