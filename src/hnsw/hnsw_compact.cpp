// Compaction of an hnsw index: live nodes of the highest ids move into free
// slots of lower ids (VACUUM leaves those), node_count drops to just past
// the last node, and the pages past the last used group are truncated.
//
// Moving node S to free slot D, beside scans and inserts:
// 1. Copy (graph write lock held for a batch of moves): D's element is
//    written while D is still free, so nothing reads it. Then one WAL
//    record over S's and D's graph pages makes D a copy of S (TID, level,
//    flags, links on every level) and S a forwarder: flagged
//    HNSW_NODE_DELETED | HNSW_NODE_MOVED, its only link on each level is D.
//    A search that reaches S goes on to D (at the same distance); S, being
//    deleted, is never returned, so the row is found once, through D.
//    An entry point that moved follows at once (metapage).
// 2. Redirect (graph write lock held for a batch of graph pages): every
//    link to a forwarder is rewritten to its new slot, on every level of
//    every node, one WAL record per page. Inserts keep the forwarders out of
//    what they write: they never choose a deleted node as a neighbour, and
//    HnswWriteLinks names D for a forwarder new to a list (hnsw_insert.cpp),
//    so once the pass is over no link names a forwarder.
// 3. Free (graph write lock per batch of pages), once every transaction
//    that held a lock on the table when the redirect ended has finished
//    (WaitForLockers, as CREATE INDEX CONCURRENTLY waits: it queues for no
//    lock, so it blocks nobody): forwarders become HNSW_NODE_FREE slots.
//    Then node_count drops to one past the highest used slot and the
//    free-slot hints are recounted (one short hold).
// 4. Truncate: the pages past the last group node ids (and, for sparsevec,
//    element pool pages still in use) need are cut off under an ACCESS
//    EXCLUSIVE lock on the table, tried conditionally for about a second
//    and held only to truncate, as VACUUM's lazy truncation does: with it
//    no scan or insert is under way, so none can hold a node id from beyond
//    the cut. Without it the
//    pages stay, formatted again by the inserts that reach them, and the
//    next compaction tries again.
//
// Scans take no graph lock: one that found S before the move meets a
// forwarder when it returns its results, and returns the forwarder's TID
// (the row's); it may also have found D, so scans return each heap TID at
// most once (hnsw_scan.cpp). A scan that began after step 2 cannot reach S,
// and every scan that might have is over before step 3 frees it, on hot
// standbys too (VdbWaitForEarlierScans: a recovery conflict there).
//
// The pending area (fastupdate, hnsw_pending.cpp) is the highest ids, the
// very ones compaction moves, so a compaction merges it first. Inserts may
// append to it meanwhile, and merges (hnsw_pending.cpp) may link its first
// nodes, but its start never moves down while a compaction runs (only
// ShrinkNodeCount lowers node_count, and only when the area is empty), so
// the nodes at or past the start the survey reads are never moved, no free
// slot among them is a move's target (targets lie below what moves), and
// node_count stays put while any node is pending. A merge beside a
// compaction is like an insert beside it: it links under the graph write
// lock, never to a forwarder, and holds a lock on the table, which step 3
// waits for.
//
// Crash safety: every step is one WAL record per page that leaves a sound
// index (a forwarder is a deleted node with valid links), and a compaction
// starts by finishing the forwarders it finds (steps 2-3) before it plans
// new moves. VACUUM may also meet a forwarder after a crash: to it the node
// is deleted, and its repair relinks in-links to the forwarder's one link.
#include "hnsw/hnsw.h"

#include <algorithm>

#include "pg/cpp_boundary.h"
#include "index/index_am.h"
#include "index/index_maintain.h"
#include "pg/fault.h"

extern "C" {
#include "catalog/storage.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/timestamp.h"
}

namespace {

constexpr size_t kMovesPerLock = 32;   // node moves per hold of the graph write lock
constexpr uint32 kGroupsPerLock = 16;  // graph pages rewritten per hold
constexpr int kTruncateTries = 20;     // conditional ACCESS EXCLUSIVE attempts ...
constexpr long kTruncateWaitUs = 50000;  // ... this far apart

struct Move {
	uint32 from, to;
};

// Scratch of one compaction, freed by its memory context's callback.
struct CompactScratch {
	std::vector<uint32_t> forward;  // per node id: its new slot while it is a forwarder, else HNSW_NO_NODE
	std::vector<uint32_t> forwarders;
	std::vector<uint32_t> free_slots;  // ascending
	std::vector<uint32_t> used;        // non-free, non-forwarder slots, descending
	std::vector<uint8_t> levels;       // per node id
	std::vector<uint8_t> capacity;     // per node id: upper slot capacity
	std::vector<uint16_t> space;       // sparse, per node id: bytes of its element's space
	std::vector<uint32_t> room;        // per group: levels of upper area left
	std::vector<Move> moves;
	std::vector<uint8_t> taken;        // per free slot: a move's target
	std::vector<uint8_t> element;
};

CompactScratch *NewScratch(const HnswMetaPageData &meta) {
	size_t bytes = Max(HnswElementScratchBytes(meta), size_t(meta.geometry.element_bytes));
	return vdb::NewContextOwned<CompactScratch>("hnsw compact", [&](CompactScratch &s) { s.element.resize(bytes); });
}

uint32 GroupCount(const HnswMetaPageData &meta) {
	return (meta.node_count + meta.geometry.group_nodes - 1) / meta.geometry.group_nodes;
}

// Calls edit(page) on group's graph page, exclusively locked; WAL-logs the
// page when edit returns true.
template <typename Edit>
void EditGraphPage(Relation index, const HnswGeometry &g, uint32 group, Edit edit) {
	Buffer buffer = VdbReadBuffer(index, HnswGroupBlock(g, group), BUFFER_LOCK_EXCLUSIVE);
	VdbPageEdit page_edit(index);
	if (edit(page_edit.Register(buffer)))
		page_edit.Finish();
	else
		page_edit.Abort();
	UnlockReleaseBuffer(buffer);
}

// Reads every record (share locks, one page at a time, no write lock):
// forwarders a crashed compaction left, free slots, used slots.
void Survey(Relation index, CompactScratch *s) {
	HnswMetaPageData meta = HnswReadMeta(index);
	const HnswGeometry &g = meta.geometry;
	const uint32 pending_start = HnswPendingStart(meta);
	vdb::RunCpp("hnsw compact", [&] {
		s->forward.assign(meta.node_count, HNSW_NO_NODE);
		s->forwarders.clear();
		s->free_slots.clear();
		s->used.clear();
		s->levels.assign(meta.node_count, 0);
		s->capacity.assign(meta.node_count, 0);
		s->space.assign(g.pool_pages > 0 ? meta.node_count : 0, 0);
		s->room.assign(GroupCount(meta), 0);
	});
	for (uint32 group = 0; group < GroupCount(meta); group++) {
		VdbVacuumDelayPoint();
		Buffer buffer = VdbReadBuffer(index, HnswGroupBlock(g, group), BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		s->room[group] = HnswUpperRoom(page, g);
		uint32 first = group * g.group_nodes;
		for (uint32 id = first; id < Min(meta.node_count, first + g.group_nodes); id++) {
			HnswCheckRecord(index, page, g, id);
			const HnswNodeRecord *rec = HnswPageRecord(page, g, id);
			s->levels[id] = rec->level;
			s->capacity[id] = rec->upper_capacity;
			if (g.pool_pages > 0) {
				HnswSparseLocator loc;
				memcpy(&loc, page + HnswElementPos(g, id).offset, sizeof loc);
				s->space[id] = loc.block != 0 ? loc.capacity : 0;
			}
			vdb::RunCpp("hnsw compact", [&] {
				if (rec->flags & HNSW_NODE_FREE)
					s->free_slots.push_back(id);
				else if ((rec->flags & HNSW_NODE_MOVED) && rec->count == 1) {
					s->forward[id] = rec->links[0];
					s->forwarders.push_back(id);
				} else if (id < pending_start)  // pending nodes stay where they are
					s->used.push_back(id);
			});
		}
		UnlockReleaseBuffer(buffer);
	}
	vdb::RunCpp("hnsw compact", [&] { std::reverse(s->used.begin(), s->used.end()); });
}

// Pairs the used slots of the highest ids with the free slots of the lowest
// ids below them whose upper slot (or page's upper area) holds the level
// and, in a sparse index, whose element space holds the element (so that it
// is written in place, in the low pool pages, not appended to the pool).
void PlanMoves(const HnswGeometry &g, CompactScratch *s) {
	vdb::RunCpp("hnsw compact", [&] {
		s->moves.clear();
		std::vector<uint8_t> &taken = s->taken;
		taken.assign(s->free_slots.size(), 0);
		size_t lowest = 0;  // first free slot not taken
		for (uint32 from : s->used) {
			while (lowest < taken.size() && taken[lowest])
				lowest++;
			if (lowest == taken.size() || s->free_slots[lowest] > from)
				break;
			uint8 level = s->levels[from];
			for (size_t i = lowest; i < taken.size() && s->free_slots[i] < from; i++) {
				uint32 to = s->free_slots[i];
				uint32 group = HnswGroup(g, to);
				if (taken[i] || (level > s->capacity[to] && s->room[group] < level) ||
				    (!s->space.empty() && s->space[to] < s->space[from]))
					continue;
				if (level > s->capacity[to])
					s->room[group] -= level;
				taken[i] = 1;
				s->moves.push_back(Move{from, to});
				break;
			}
		}
	});
}

// Step 1 for one node (graph write lock held): returns false, changing
// nothing, when the plan went stale (an insert took slot `to`) or `to`'s
// page has no upper room left for the node's levels.
bool MoveNode(Relation index, HnswMetaPageData &meta, CompactScratch *s, Move move) {
	const HnswGeometry &g = meta.geometry;
	HnswNodeInfo from_info, to_info;
	HnswReadNode(index, g, move.from, 0, NULL, &from_info);
	HnswReadNode(index, g, move.to, 0, NULL, &to_info);
	if ((to_info.flags & HNSW_NODE_FREE) == 0 || (from_info.flags & (HNSW_NODE_FREE | HNSW_NODE_MOVED)))
		return false;
	// The element first: slot `to` is free, so no reader looks at it.
	if (g.pool_pages > 0) {
		HnswSparseRead(index, g, move.from, s->element.data());
		HnswSparseStore(index, meta, move.to, s->element.data());
	} else {
		HnswReadElement(index, g, move.from, s->element.data());
		HnswWriteElement(index, g, move.to, s->element.data());
	}
	BlockNumber from_block = HnswGraphBlock(g, move.from), to_block = HnswGraphBlock(g, move.to);
	// Lower block first; no other backend holds two graph pages at once.
	Buffer low = VdbReadBuffer(index, Min(from_block, to_block), BUFFER_LOCK_EXCLUSIVE);
	Buffer high = from_block != to_block ? VdbReadBuffer(index, Max(from_block, to_block), BUFFER_LOCK_EXCLUSIVE)
	                                     : InvalidBuffer;
	HnswCheckRecord(index, BufferGetPage(from_block <= to_block ? low : high), g, move.from);
	HnswCheckRecord(index, BufferGetPage(to_block <= from_block ? low : high), g, move.to);
	VdbPageEdit edit(index);
	Page low_page = edit.Register(low);
	Page high_page = high != InvalidBuffer ? edit.Register(high) : low_page;
	Page from_page = from_block == Min(from_block, to_block) ? low_page : high_page;
	Page to_page = to_block == Min(from_block, to_block) ? low_page : high_page;
	HnswNodeRecord *from = HnswPageRecord(from_page, g, move.from);
	HnswNodeRecord *to = HnswPageRecord(to_page, g, move.to);
	bool fits = from->level <= to->upper_capacity || HnswUpperRoom(to_page, g) >= from->level;
	if (fits) {
		if (from->level > to->upper_capacity)
			HnswGiveUpper(to_page, g, to, from->level);
		to->tid = from->tid;
		to->level = from->level;
		to->flags = from->flags & HNSW_NODE_DELETED;
		to->count = from->count;
		memcpy(to->links, from->links, from->count * sizeof(uint32));
		from->flags |= HNSW_NODE_DELETED | HNSW_NODE_MOVED;
		from->count = 1;
		from->links[0] = move.to;
		for (int level = 1; level <= from->level; level++) {
			memcpy(HnswPageUpper(to_page, g, to, level), HnswPageUpper(from_page, g, from, level), g.upper_bytes);
			HnswUpperLinks *upper = HnswPageUpper(from_page, g, from, level);
			upper->count = 1;
			upper->links[0] = move.to;
		}
		edit.Finish();
	} else
		edit.Abort();
	if (high != InvalidBuffer)
		UnlockReleaseBuffer(high);
	UnlockReleaseBuffer(low);
	if (fits && meta.entry_point == move.from)
		meta.entry_point = move.to;
	return fits;
}

// Step 1 for every planned move, kMovesPerLock at a time.
void MoveNodes(Relation index, CompactScratch *s) {
	for (size_t start = 0; start < s->moves.size(); start += kMovesPerLock) {
		VdbVacuumDelayPoint();
		LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
		// A sparse move appends its element to the pool, as appends do, and
		// the batch writes its copy of the metapage: no append meanwhile.
		HnswLockAppends(index, ExclusiveLock);
		HnswMetaPageData meta = HnswReadMeta(index);
		uint32 entry = meta.entry_point, pool_block = meta.pool_block;
		for (size_t i = start; i < Min(s->moves.size(), start + kMovesPerLock); i++) {
			Move move = s->moves[i];
			if (MoveNode(index, meta, s, move)) {
				s->forward[move.from] = move.to;
				vdb::RunCpp("hnsw compact", [&] { s->forwarders.push_back(move.from); });
			}
		}
		// HnswSparseStore wrote the copy as it was then (pool_block included).
		if (meta.entry_point != entry || meta.pool_block != pool_block)
			HnswWriteMeta(index, meta);
		HnswUnlockAppends(index, ExclusiveLock);
		UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
		VDB_FAULT_POINT("hnsw-compact-moved");
	}
}

// Step 2 on one graph page: links to forwarders name their new slots.
bool RedirectLinks(Relation index, const HnswMetaPageData &meta, const CompactScratch *s, uint32 group, Page page) {
	const HnswGeometry &g = meta.geometry;
	auto target = [s](uint32 id) { return id < s->forward.size() ? s->forward[id] : HNSW_NO_NODE; };
	bool changed = false;
	uint32 first = group * g.group_nodes;
	for (uint32 id = first; id < Min(meta.node_count, first + g.group_nodes); id++) {
		HnswNodeRecord *rec = HnswPageRecord(page, g, id);
		if ((rec->flags & HNSW_NODE_FREE) || target(id) != HNSW_NO_NODE)
			continue;
		HnswCheckRecord(index, page, g, id);
		for (int level = 0; level <= rec->level; level++) {
			uint32 count;
			uint32 *links = const_cast<uint32 *>(HnswPageLinks(page, g, rec, level, &count));
			uint32 kept = 0;
			for (uint32 i = 0; i < count; i++) {
				uint32 to = target(links[i]) != HNSW_NO_NODE ? target(links[i]) : links[i];
				bool repeat = to == id;
				for (uint32 j = 0; j < kept && !repeat; j++)
					repeat = links[j] == to;
				changed |= to != links[i] || repeat;
				if (!repeat)
					links[kept++] = to;
			}
			if (level == 0)
				rec->count = uint16(kept);
			else
				HnswPageUpper(page, g, rec, level)->count = kept;
		}
	}
	return changed;
}

void Redirect(Relation index, const CompactScratch *s) {
	for (uint32 group = 0;;) {
		VdbVacuumDelayPoint();
		LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
		// A crash may have come between a move and its metapage write.
		HnswMetaPageData meta = HnswEditMeta(index, [s](HnswMetaPageData &now) {
			if (now.entry_point >= s->forward.size() || s->forward[now.entry_point] == HNSW_NO_NODE)
				return false;
			now.entry_point = s->forward[now.entry_point];
			return true;
		});
		uint32 end = Min(GroupCount(meta), group + kGroupsPerLock);
		for (; group < end; group++)
			EditGraphPage(index, meta.geometry, group,
			              [&](Page page) { return RedirectLinks(index, meta, s, group, page); });
		UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
		if (group >= GroupCount(meta))
			break;
	}
	VDB_FAULT_POINT("hnsw-compact-redirected");
}

// Step 3: forwarders become free slots (a sparse one forgets its element's
// space, which its node's new slot does not share).
void FreeForwarders(Relation index, CompactScratch *s) {
	HnswMetaPageData meta = HnswReadMeta(index);
	const HnswGeometry &g = meta.geometry;
	vdb::RunCpp("hnsw compact", [&] { std::sort(s->forwarders.begin(), s->forwarders.end()); });
	size_t i = 0;
	while (i < s->forwarders.size()) {
		VdbVacuumDelayPoint();
		LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
		uint32 end_group = HnswGroup(g, s->forwarders[i]) + kGroupsPerLock;
		while (i < s->forwarders.size() && HnswGroup(g, s->forwarders[i]) < end_group) {
			uint32 group = HnswGroup(g, s->forwarders[i]);
			EditGraphPage(index, g, group, [&](Page page) {
				for (; i < s->forwarders.size() && HnswGroup(g, s->forwarders[i]) == group; i++) {
					uint32 id = s->forwarders[i];
					HnswNodeRecord *rec = HnswPageRecord(page, g, id);
					if ((rec->flags & HNSW_NODE_MOVED) == 0 || (rec->flags & HNSW_NODE_FREE))
						continue;  // not a forwarder: never freed here
					rec->flags = HNSW_NODE_FREE;
					ItemPointerSetInvalid(&rec->tid);
					rec->count = 0;
					if (g.pool_pages > 0)
						memset(page + HnswElementPos(g, id).offset, 0, sizeof(HnswSparseLocator));
					s->forward[id] = HNSW_NO_NODE;
				}
				return true;
			});
		}
		UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	}
	vdb::RunCpp("hnsw compact", [&] { s->forwarders.clear(); });
	VDB_FAULT_POINT("hnsw-compact-freed");
}

// Steps 2 and 3. Between them, a wait for every transaction that holds a
// lock on the table (each scan and insert holds one; an INSERT locks no
// index): a scan that began before the redirect may hold a forwarder's id
// among its results, and returns the forwarder's row (hnsw_scan.cpp), which
// must not vanish from under it; an insert may have read the entry point
// before it moved. The wait blocks nobody: it queues for no lock.
void RetireForwarders(Relation index, CompactScratch *s) {
	Redirect(index, s);
	VdbWaitForEarlierScans(index, index->rd_index->indrelid);
	FreeForwarders(index, s);
}

// node_count drops to one past the highest used slot; the free-slot count
// and hint are counted again (under the write lock: no linked insert claims
// a slot meanwhile; share locks only, so scans go on). Appends may add
// nodes past the count read here: then the count stays, as it does while
// any node is pending (the pending area is the last ids).
void ShrinkNodeCount(Relation index) {
	LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	HnswMetaPageData meta = HnswReadMeta(index);
	const HnswGeometry &g = meta.geometry;
	uint32 count = 0, used = 0, first_free = UINT32_MAX;
	for (uint32 group = 0; group < GroupCount(meta); group++) {
		Buffer buffer = VdbReadBuffer(index, HnswGroupBlock(g, group), BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		uint32 first = group * g.group_nodes;
		for (uint32 id = first; id < Min(meta.node_count, first + g.group_nodes); id++)
			if (HnswPageRecord(page, g, id)->flags & HNSW_NODE_FREE)
				first_free = Min(first_free, id);
			else {
				count = id + 1;
				used++;
			}
		UnlockReleaseBuffer(buffer);
	}
	uint32 surveyed = meta.node_count;
	HnswEditMeta(index, [&](HnswMetaPageData &now) {
		// Appended nodes past the survey are neither free nor counted in used.
		now.node_count = now.pending_span > 0 || now.node_count != surveyed ? now.node_count : count;
		now.free_nodes = Min(now.node_count, surveyed) - used;  // the free slots below the count
		now.free_hint_group = first_free < now.node_count ? HnswGroup(g, first_free) : GroupCount(now);
		now.last_compaction = GetCurrentTimestamp();
		return true;
	});
	UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
}

// Calls visit(page, id, locator) for every slot of the formatted groups'
// graph pages, exclusively locked; a page visit changed is WAL-logged.
template <typename Visit>
void ForEachLocator(Relation index, const HnswMetaPageData &meta, Visit visit) {
	const HnswGeometry &g = meta.geometry;
	for (uint32 group = 0; group < HnswFormattedGroups(meta); group++)
		EditGraphPage(index, g, group, [&](Page page) {
			bool changed = false;
			for (uint32 id = group * g.group_nodes; id < (group + 1) * g.group_nodes; id++)
				changed |= visit(page, id, (HnswSparseLocator *) (page + HnswElementPos(g, id).offset));
			return changed;
		});
}

// Sparse indexes, under the ACCESS EXCLUSIVE lock: the groups that node ids
// and the elements of used slots need. Free slots forget element space past
// them, and new elements go on from the last pool page kept.
uint32 KeepSparseGroups(Relation index, HnswMetaPageData &meta) {
	const HnswGeometry &g = meta.geometry;
	uint32 keep = GroupCount(meta);
	auto group_of = [&g](const HnswSparseLocator *loc) { return (loc->block - 1) / g.group_pages; };
	auto is_free = [&g](Page page, uint32 id) { return (HnswPageRecord(page, g, id)->flags & HNSW_NODE_FREE) != 0; };
	ForEachLocator(index, meta, [&](Page page, uint32 id, HnswSparseLocator *loc) {
		if (id < meta.node_count && !is_free(page, id) && loc->block != 0)
			keep = Max(keep, group_of(loc) + 1);
		return false;
	});
	ForEachLocator(index, meta, [&](Page page, uint32 id, HnswSparseLocator *loc) {
		if (!is_free(page, id) || loc->block == 0 || group_of(loc) < keep)
			return false;
		memset(loc, 0, sizeof *loc);
		return true;
	});
	BlockNumber last_kept = keep > 0 ? HnswGroupBlock(g, keep) - 1 : 0;
	if (meta.pool_block > last_kept) {
		meta.pool_block = last_kept;
		HnswWriteMeta(index, meta);
	}
	return keep;
}

// Step 4.
void TruncateTail(Relation index) {
	bool locked = false;
	for (int attempt = 0; attempt < kTruncateTries && !locked; attempt++) {
		locked = ConditionalLockRelationOid(index->rd_index->indrelid, AccessExclusiveLock);
		if (!locked) {
			CHECK_FOR_INTERRUPTS();
			pg_usleep(kTruncateWaitUs);
		}
	}
	if (!locked) {
		ereport(DEBUG1, (errmsg("hnsw index \"%s\": pages not truncated, the index is in use",
		                        RelationGetRelationName(index))));
		return;
	}
	HnswMetaPageData meta = HnswReadMeta(index);
	uint32 groups = meta.geometry.pool_pages > 0 ? KeepSparseGroups(index, meta) : GroupCount(meta);
	BlockNumber keep = HnswGroupsEnd(meta.geometry, groups);
	BlockNumber old = RelationGetNumberOfBlocks(index);
	if (keep < old)
		RelationTruncate(index, keep);
	UnlockRelationOid(index->rd_index->indrelid, AccessExclusiveLock);
}

}  // namespace

void HnswCompact(Relation, Relation index) {
	HnswMergePending(index, INT64_MAX, true);
	HnswMetaPageData meta = HnswReadMeta(index);
	CompactScratch *s = NewScratch(meta);
	Survey(index, s);
	if (!s->forwarders.empty()) {
		// What a crashed compaction left comes first: its forwarders' targets
		// are used slots that the new plan might move again.
		RetireForwarders(index, s);
		Survey(index, s);
	}
	PlanMoves(meta.geometry, s);
	MoveNodes(index, s);
	if (!s->forwarders.empty())
		RetireForwarders(index, s);
	ShrinkNodeCount(index);
	TruncateTail(index);
}

bool HnswCompactionDue(Relation index) {
	HnswMetaPageData meta = HnswReadMeta(index);
	const HnswGeometry &g = meta.geometry;
	if (meta.free_nodes >= Max(g.group_nodes, meta.node_count / 5))
		return true;
	return RelationGetNumberOfBlocks(index) >= uint64(HnswGroupsEnd(g, HnswFormattedGroups(meta))) + g.group_pages;
}
