// VACUUM for hnsw: remove dead rows' nodes and repair the graph around them,
// beside inserts and scans.
//
// 1. Flag: one pass over the graph pages flags every node whose heap TID
//    the callback reports dead as HNSW_NODE_DELETED. Flagged nodes are no
//    longer returned by scans nor chosen as neighbours by inserts, but
//    searches still walk through them, so the graph stays connected.
// 2. Repair: every live node that links to a flagged node gets a new list on
//    that level, chosen by the linker's heuristic (vdb::ChooseLinks, as
//    the build and inserts choose, core/hnsw/link.h) from its surviving links
//    plus the flagged nodes' live links (their neighbourhood, which is where
//    the lost paths led). Then every live node that a walk over level 0
//    from the next entry point (the entry point, or a live node of the
//    highest level when it is flagged) does not reach is linked back
//    (hnsw_reach.cpp), and only then does a flagged entry point give way to
//    it: no WAL record leaves a row that searches from the entry point
//    cannot reach.
// 3. Free: flagged nodes, now without a link to them, lose their own lists
//    and then become HNSW_NODE_FREE slots that the next inserts reuse.
//
// Lock protocol. Inserts take the graph write lock (HNSW_WRITE_LOCK_BLKNO,
// see hnsw_insert.cpp) to change lists; scans take none. VACUUM holds it
// only for a moment at a time:
// - Pass 1 takes only buffer locks, one graph page at a time.
// - Pass 2 works in batches of kRepairBatch nodes. For each batch it reads
//   the lists and computes the new ones without the lock (the costly part:
//   candidates' vectors and the heuristic), then takes the lock and writes
//   each new list only if the node's list is still the one it was computed
//   from, one WAL record per graph page for all of them (a node's lists on
//   every level lie on its graph page); one an insert rewrote meanwhile is
//   computed again under the lock from what is there now. Between batches
//   inserts run. This holds because
//   once pass 1 is over no writer adds a link to a flagged node (inserts
//   drop flagged candidates under the lock, HnswLinkStore::DropUnusable,
//   and never attach one, HnswAttachNode): a list repaired stays repaired, and nodes
//   inserted after the lock was first taken here never need repair, so the
//   pass ends at the node count read then. Flagged nodes keep their lists
//   (inserts may still pass through them) and no slot is freed or reused
//   meanwhile: only VACUUM frees, and only in pass 3.
// - The next entry point is chosen, and later written, under the lock, in
//   one short hold each. An insert that raises the graph in between makes
//   its node the entry point instead; the walk then runs again from it.
// - The reachability pass walks without the lock and attaches what it
//   missed a few nodes per hold (HnswRelinkUnreached).
// - Pass 3 sets slots free under buffer locks alone: no list links to them
//   and inserts read a slot's flags under the lock before using it. The
//   metapage's free count, which inserts also rewrite, is updated under the
//   lock and the append lock (as every metapage write by a writer that does
//   not append: HnswEditMeta, hnsw_pending.cpp).
// No lock is held across vacuum_delay_point, which may sleep. The merge
// lock (HNSW_MERGE_LOCK_BLKNO) is the exception: held for the whole bulk
// delete, it keeps merges of the pending area out (hnsw_pending.cpp), never
// inserts or scans. So the pending area only grows at its end meanwhile,
// its start holds still, and no pending node becomes the entry point or
// is attached by the reachability pass (it has no links yet).
#include "hnsw/hnsw_link.h"

#include <algorithm>

#include "pg/cpp_boundary.h"
#include "index/index_am.h"
#include "pg/fault.h"

extern "C" {
#include "miscadmin.h"
#include "storage/lmgr.h"
}

namespace {

// One list a repair batch rewrites; offsets into VacuumScratch's lists.
struct Repair {
	uint32 id;
	int level;
	size_t old_at, old_count, new_at, new_count;
};

// Scratch of one vacuum, freed by its memory context's callback.
struct VacuumScratch {
	std::vector<uint8_t> deleted;  // per node: 1 when flagged
	std::vector<uint32_t> links;
	std::vector<uint32_t> dead_links;
	std::vector<vdb::Candidate> candidates, chosen;
	std::vector<uint32_t> kept;
	std::vector<uint32_t> kept_links;  // RepairedLinks' result
	// A batch's repairs, computed without the lock: each list as it was
	// read and as it is to be.
	std::vector<Repair> repairs;
	std::vector<uint32_t> old_lists, new_lists;
	// The repairs of one graph page that still apply, their lists as they
	// are written (WritePageRepairs), and those to compute again.
	std::vector<Repair> ready;
	std::vector<uint32_t> ready_lists;
	std::vector<size_t> stale;
	HnswLinkBuffers pages;  // for the linker's choice, and the reachability pass
};

void DeleteVacuumScratch(void *arg) { delete static_cast<VacuumScratch *>(arg); }

VacuumScratch *NewScratch(const HnswMetaPageData &meta) {
	VacuumScratch *s = NULL;
	vdb::RunCpp("hnsw vacuum", [&] {
		s = new VacuumScratch();
		s->deleted.assign(meta.node_count, 0);
		s->links.reserve(2 * meta.m);
		s->dead_links.reserve(2 * meta.m);
		HnswSizeLinkBuffers(meta, s->pages);
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
		VdbVacuumDelayPoint();
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

// Nodes whose lists one hold of the graph write lock writes (at most one
// batch is what an insert waits for).
constexpr uint32 kRepairBatch = 64;

// Whether one of `links` leads to a node this vacuum flagged.
bool LeadsToFlagged(const VacuumScratch *s, const std::vector<uint32_t> &links) {
	for (uint32 link : links)
		if (link < s->deleted.size() && s->deleted[link])
			return true;
	return false;
}

// New links for `id` on `level` in place of `links` (its list now, which
// leads to a flagged node) into s->kept_links: chosen by the linker's
// heuristic (core/hnsw/link.h) from the live links and the flagged ones'
// live links. Its candidates are the neighbourhood the lost paths led to,
// not a search: a repair runs for many nodes, and their lists are close.
void RepairedLinks(Relation index, const HnswMetaPageData &meta, VacuumScratch *s, uint32 id, int level,
                   const std::vector<uint32_t> &links) {
	HnswLinkStore store(index, meta, s->pages);
	auto flagged = [&](uint32 node) { return node < s->deleted.size() && s->deleted[node]; };
	vdb::RunCpp("hnsw vacuum", [&] {
		HnswPageGraph query = store.QueryOf(id);
		auto consider = [&](uint32 candidate) {
			if (candidate == id || flagged(candidate))
				return;
			for (const vdb::Candidate &c : s->candidates)
				if (c.id == candidate)
					return;
			s->candidates.push_back(vdb::Candidate{query.Distance(candidate), candidate});
		};
		s->candidates.clear();
		for (uint32 link : links)
			consider(link);
		for (uint32 dead : links) {
			if (!flagged(dead))
				continue;
			HnswReadNode(index, meta.geometry, dead, level, &s->dead_links, NULL);
			for (uint32 link : s->dead_links)
				consider(link);
		}
		vdb::ChooseLinks(store, id, s->candidates, HnswMaxLinks(meta, level), HnswMaxLinks(meta, level), s->kept,
		                 s->chosen);
		s->kept_links.clear();
		for (const vdb::Candidate &c : s->chosen)
			s->kept_links.push_back(c.id);
	});
}

// Under the graph write lock: writes the repairs from s->repairs[at] on
// that are of nodes on the same graph page (repairs are in node order) and
// returns where the next page's start. The lists still as they were read
// go in one WAL record for the page, so the lock is held for a few page
// writes a batch rather than one per list; one an insert rewrote meanwhile
// is computed again here and written on its own.
size_t WritePageRepairs(Relation index, const HnswMetaPageData &meta, VacuumScratch *s, size_t at) {
	const HnswGeometry &g = meta.geometry;
	BlockNumber block = HnswGraphBlock(g, s->repairs[at].id);
	size_t end = at;
	while (end < s->repairs.size() && HnswGraphBlock(g, s->repairs[end].id) == block)
		end++;
	vdb::RunCpp("hnsw vacuum", [&] {
		s->ready.clear();
		s->ready_lists.clear();
		s->stale.clear();
	});
	uint32 resolved[2 * HNSW_MAX_M];
	for (size_t i = at; i < end; i++) {
		const Repair &r = s->repairs[i];
		HnswReadNode(index, g, r.id, r.level, &s->links, NULL);
		if (s->links.size() == r.old_count &&
		    std::equal(s->links.begin(), s->links.end(), s->old_lists.begin() + long(r.old_at))) {
			uint32 n = HnswResolveLinks(index, g, r.id, r.level, &s->new_lists[r.new_at], uint32(r.new_count), resolved);
			vdb::RunCpp("hnsw vacuum", [&] {
				s->ready.push_back(Repair{r.id, r.level, 0, 0, s->ready_lists.size(), n});
				s->ready_lists.insert(s->ready_lists.end(), resolved, resolved + n);
			});
		} else if (LeadsToFlagged(s, s->links))
			vdb::RunCpp("hnsw vacuum", [&] { s->stale.push_back(i); });
	}
	if (!s->ready.empty()) {
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_EXCLUSIVE);
		for (const Repair &r : s->ready)
			HnswCheckRecord(index, BufferGetPage(buffer), g, r.id);
		VdbPageEdit edit(index);
		Page page = edit.Register(buffer);
		for (const Repair &r : s->ready)
			HnswSetLinks(page, g, r.id, r.level, &s->ready_lists[r.new_at], uint32(r.new_count));
		edit.Finish();
		UnlockReleaseBuffer(buffer);
	}
	for (size_t i : s->stale) {
		const Repair &r = s->repairs[i];
		HnswReadNode(index, g, r.id, r.level, &s->links, NULL);
		RepairedLinks(index, meta, s, r.id, r.level, s->links);
		HnswWriteLinks(index, g, r.id, r.level, s->kept_links.data(), uint32(s->kept_links.size()));
	}
	return end;
}

// Repairs the live nodes among [first, end) (protocol above); notes a live
// node of the highest level seen in *top, *top_level.
void RepairBatch(Relation index, const HnswMetaPageData &meta, VacuumScratch *s, uint32 first, uint32 end, uint32 *top, int *top_level) {
	const HnswGeometry &g = meta.geometry;
	vdb::RunCpp("hnsw vacuum", [&] {
		s->repairs.clear();
		s->old_lists.clear();
		s->new_lists.clear();
	});
	for (uint32 id = first; id < end; id++) {
		if (s->deleted[id])
			continue;
		HnswNodeInfo info;
		HnswReadNode(index, g, id, 0, NULL, &info);
		if (info.flags & (HNSW_NODE_FREE | HNSW_NODE_DELETED))
			continue;
		// A pending node has no links yet (or some, from a merge that
		// stopped half way: repaired below), so it cannot be the entry point.
		if (info.level > *top_level && id < HnswPendingStart(meta)) {
			*top_level = info.level;
			*top = id;
		}
		for (int level = 0; level <= info.level; level++) {
			HnswReadNode(index, g, id, level, &s->links, NULL);
			if (!LeadsToFlagged(s, s->links))
				continue;
			RepairedLinks(index, meta, s, id, level, s->links);
			vdb::RunCpp("hnsw vacuum", [&] {
				s->repairs.push_back(Repair{id, level, s->old_lists.size(), s->links.size(), s->new_lists.size(),
				                            s->kept_links.size()});
				s->old_lists.insert(s->old_lists.end(), s->links.begin(), s->links.end());
				s->new_lists.insert(s->new_lists.end(), s->kept_links.begin(), s->kept_links.end());
			});
		}
	}
	if (s->repairs.empty())
		return;
	LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	for (size_t at = 0; at < s->repairs.size();)
		at = WritePageRepairs(index, meta, s, at);
	VDB_FAULT_POINT("hnsw-vacuum-batch-locked");
	UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
}

// Pass 2a: repairs every live node's links, a batch at a time; returns a
// live node of the top level (for a new entry point) or HNSW_NO_NODE when
// none is left. Nodes inserted since pass 1 may have linked to a node
// flagged after they chose it, so every node counted when the lock is
// first taken here is repaired; nodes inserted after that link to no
// flagged node.
uint32 RepairGraph(Relation index, HnswMetaPageData &meta, VacuumScratch *s, int *top_level) {
	LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	HnswMetaPageData now = HnswReadMeta(index);
	UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	// Appends since pass 1 grew the pending area as much as the node count:
	// where it starts holds still, as VACUUM keeps merges out.
	meta.node_count = now.node_count;
	meta.pending_span = now.pending_span;
	vdb::RunCpp("hnsw vacuum", [&] { s->deleted.resize(meta.node_count, 0); });
	uint32 top = HNSW_NO_NODE;
	*top_level = -1;
	for (uint32 first = 0; first < meta.node_count; first += kRepairBatch) {
		VdbVacuumDelayPoint();
		VDB_FAULT_POINT("hnsw-vacuum-batch");
		RepairBatch(index, meta, s, first, Min(meta.node_count, first + kRepairBatch), &top, top_level);
	}
	return top;
}

// Pass 2b: where searches start once the vacuum is over: the entry point,
// or, when it is flagged, `top` (or, when the repair saw no live node, one
// inserted since). Sets *level to its level.
uint32 NextEntryPoint(Relation index, const VacuumScratch *s, uint32 top, int *level) {
	LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	HnswMetaPageData now = HnswReadMeta(index);
	if (now.entry_point == HNSW_NO_NODE || now.entry_point >= s->deleted.size() || !s->deleted[now.entry_point]) {
		top = now.entry_point;
		*level = now.max_level;
	}
	// Not a pending node: it has no links yet.
	for (uint32 id = uint32(s->deleted.size()); top == HNSW_NO_NODE && id < HnswPendingStart(now); id++) {
		HnswNodeInfo info;
		HnswReadNode(index, now.geometry, id, 0, NULL, &info);
		if ((info.flags & (HNSW_NODE_FREE | HNSW_NODE_DELETED)) == 0) {
			top = id;
			*level = info.level;
		}
	}
	UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	return top;
}

// Pass 2d: a flagged entry point gives way to `next` (NextEntryPoint's), in
// one short hold of the lock. Returns the entry point now.
uint32 ReplaceEntryPoint(Relation index, const VacuumScratch *s, uint32 next, int level) {
	LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	HnswMetaPageData now = HnswEditMeta(index, [&](HnswMetaPageData &meta) {
		if (meta.entry_point == HNSW_NO_NODE || meta.entry_point >= s->deleted.size() || !s->deleted[meta.entry_point])
			return false;
		meta.entry_point = next;
		meta.max_level = level;
		return true;
	});
	UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	return now.entry_point;
}

// Calls edit(page, record) for every flagged node, one WAL record per graph
// page that holds one, and reaches fault point `page_point` after each such
// page; returns the first such group (UINT32_MAX when none).
template <typename Edit>
uint32 EditFlaggedNodes(Relation index, const HnswMetaPageData &meta, const VacuumScratch *s, const char *page_point,
                        Edit edit) {
	const HnswGeometry &g = meta.geometry;
	uint32 first_group = UINT32_MAX;
	for (uint32 group = 0; group < GroupCount(meta); group++) {
		uint32 first = group * g.group_nodes, end = Min(meta.node_count, first + g.group_nodes);
		bool any = false;
		for (uint32 id = first; id < end && !any; id++)
			any = s->deleted[id];
		if (!any)
			continue;
		VdbVacuumDelayPoint();
		Buffer buffer = VdbReadBuffer(index, HnswGroupBlock(g, group), BUFFER_LOCK_EXCLUSIVE);
		VdbPageEdit page_edit(index);
		Page page = page_edit.Register(buffer);
		for (uint32 id = first; id < end; id++)
			if (s->deleted[id])
				edit(page, HnswPageRecord(page, g, id));
		page_edit.Finish();
		UnlockReleaseBuffer(buffer);
		first_group = Min(first_group, group);
		VDB_FAULT_POINT(page_point);
	}
	return first_group;
}

// Pass 3: turns flagged nodes into free slots, in two sweeps. A crash may
// end the pass anywhere, and WAL is not flushed as it goes (VACUUM commits
// nothing that would), so recovery may stop between any two pages: if
// flagged nodes were freed page by page with their lists intact, one not
// yet freed could link to one freed already, a link to a free slot that
// scans would follow (and the index check rejects). So the first sweep
// empties every flagged node's lists (no live node links to one since pass
// 2, so no search loses a path), and only the second frees them.
uint32 FreeFlaggedNodes(Relation index, const HnswMetaPageData &meta, VacuumScratch *s, uint32 *first_group) {
	const HnswGeometry &g = meta.geometry;
	EditFlaggedNodes(index, meta, s, "hnsw-vacuum-emptying", [&](Page page, HnswNodeRecord *rec) {
		rec->count = 0;
		for (int level = 1; level <= rec->level; level++)
			HnswPageUpper(page, g, rec, level)->count = 0;
	});
	uint32 freed = 0;
	*first_group = EditFlaggedNodes(index, meta, s, "hnsw-vacuum-freeing", [&](Page, HnswNodeRecord *rec) {
		rec->flags = HNSW_NODE_FREE;
		ItemPointerSetInvalid(&rec->tid);
		freed++;
	});
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

	int top_level;
	uint32 top = RepairGraph(index, meta, s, &top_level);
	VDB_FAULT_POINT("hnsw-vacuum-repaired");
	// The repair keeps paths around each flagged node, not the reachability
	// of the whole graph: pass 2c links back every live node that no walk
	// from the next entry point reaches. It runs before searches start
	// there: a crash (or an ERROR) after the switch but before the relinking
	// left rows no search found until the next VACUUM (test 077 recovers to
	// every WAL record of a VACUUM). The entry point leaves a flagged node
	// before any node is freed: an ERROR or a crash part way through pass 3
	// must not leave searches starting on a free slot (test 030 makes one
	// there).
	uint32 next = NextEntryPoint(index, s, top, &top_level);
	HnswRelinkUnreached(index, next, top_level, &s->deleted, s->pages.reach, s->pages.element.data(), s->pages.spill.data());
	if (ReplaceEntryPoint(index, s, next, top_level) != next) {
		// An insert raised the graph meanwhile: its node is the entry point.
		HnswRelinkUnreached(index, HNSW_NO_NODE, 0, &s->deleted, s->pages.reach, s->pages.element.data(), s->pages.spill.data());
	}
	uint32 first_group;
	uint32 freed = FreeFlaggedNodes(index, meta, s, &first_group);
	VDB_FAULT_POINT("hnsw-vacuum-freed");

	// free_nodes and free_hint_group are hints: slots freed before an ERROR
	// or a crash here may go unused (space, never a row).
	LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	HnswEditMeta(index, [&](HnswMetaPageData &now) {
		now.free_nodes += freed;
		now.free_hint_group = Min(now.free_hint_group, first_group);
		return true;
	});
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
