// INSERT into an hnsw index: one new node placed in the graph on its pages.
//
// Writers of the graph (inserts and vacuum's repair) are serialised by a
// heavyweight lock on a pseudo page (HNSW_WRITE_LOCK_BLKNO), so a node's
// links are only ever changed by one backend at a time: no neighbour list
// can be lost to a concurrent rewrite. The search for candidates, most of
// an insert's work, runs before that lock, in parallel with other inserts;
// VACUUM holds it only a batch at a time (hnsw_vacuum.cpp), and an insert
// never adds a link to a node VACUUM flagged (HnswLinkStore::DropUnusable,
// HnswAttachNode), so a list VACUUM repaired stays repaired.
// Readers never take the lock; they see each page change atomically under
// the buffer lock, and a new node becomes reachable only after its record
// and vector are on their pages. Claiming a slot takes the append lock
// (HNSW_APPEND_LOCK_BLKNO) too, for its few page writes: with fastupdate an
// insert takes that lock alone and appends its node unlinked
// (hnsw_pending.cpp), so appends never wait for a merge's or VACUUM's graph
// work.
//
// Steps: search the graph for ef_construction candidates per level
// (vdb::FindCandidates); then, under the lock, take a slot (a free one left
// by vacuum, or the next id, which may start a new group of pages), write
// the element and link the node (vdb::LinkNode: its own lists on every
// level, then a back link on each chosen neighbour, re-pruning a full
// list), the build's linker (core/hnsw/link.h) over the pages
// (hnsw_link.h); then make sure one of them still links to the node
// (hnsw_reach.cpp).
#include "index/index_filter.h"
#include "hnsw/hnsw_link.h"

#include <cmath>

#include "pg/cpp_boundary.h"
#include "pg/fault.h"

extern "C" {
#include "common/pg_prng.h"
#include "storage/lmgr.h"
#include "utils/timestamp.h"
}

namespace {

// Per-backend scratch for inserts; never freed (it is reused by the next
// insert), so an ERROR in the middle of an insert leaks nothing.
struct InsertScratch {
	vdb::LinkScratch link;  // candidates by level, then the chosen
	HnswLinkBuffers pages;
	std::vector<uint32_t> hosts;  // the new node's level-0 neighbours, nearest first
	std::vector<uint8_t> merging;  // element of the pending node being merged
	HnswBufferHints hints;
};

InsertScratch &Scratch(const HnswMetaPageData &meta) {
	static InsertScratch *scratch = NULL;
	vdb::RunCpp("hnsw insert", [&] {
		if (scratch == NULL)
			scratch = new InsertScratch();
		size_t ef = Max(meta.ef_construction, 2 * meta.m) + 1;
		vdb::SearchScratch &search = scratch->link.search;
		search.neighbours.reserve(2 * meta.m);
		search.frontier.reserve(ef * 2 * meta.m);
		search.results.reserve(ef * 2 * meta.m);
		scratch->link.pool.reserve(2 * meta.m + 1);
		scratch->link.links.reserve(2 * meta.m);
		scratch->link.plans.reserve(4 * meta.m);
		scratch->link.planned.reserve(4 * meta.m * (4 * meta.m + 1));
		scratch->hosts.reserve(2 * meta.m);
		HnswSizeLinkBuffers(meta, scratch->pages);
		scratch->pages.vectors.resize(ef * HnswElementScratchBytes(meta));
		scratch->merging.resize(HnswElementScratchBytes(meta));
	});
	return *scratch;
}

}  // namespace

void HnswAddGroup(Relation index, const HnswGeometry &g, uint32 group) {
	// The first group a filter directory covers comes after the directory's slot.
	bool with_directory = g.directory_groups > 0 && group % g.directory_groups == 0;
	BlockNumber first = HnswGroupBlock(g, group) - (with_directory ? g.group_pages : 0);
	uint32 total = with_directory ? 2 * g.group_pages : g.group_pages;
	BlockNumber existing = RelationGetNumberOfBlocks(index);
	for (uint32 done = 0; done < total;) {
		uint32 batch = Min(total - done, uint32(MAX_GENERIC_XLOG_PAGES));
		Buffer buffers[MAX_GENERIC_XLOG_PAGES];
		VdbPageEdit edit(index);
		for (uint32 i = 0; i < batch; i++) {
			BlockNumber block = first + done + i;
			buffers[i] = block < existing ? VdbReadBuffer(index, block, BUFFER_LOCK_EXCLUSIVE)
			                              : VdbNewBuffer(index, MAIN_FORKNUM);
			if (BufferGetBlockNumber(buffers[i]) != block)
				elog(ERROR, "hnsw index \"%s\" extended to block %u, expected %u", RelationGetRelationName(index),
				     BufferGetBlockNumber(buffers[i]), block);
			Page page = edit.Register(buffers[i], true);
			HnswBlockPlace place = HnswPlaceOfBlock(g, block);
			if (place.directory)
				VdbInitPage(page, HNSW_PAGE_DIRECTORY);  // all words 0: NULL, which no key matches
			else if (place.page == 0) {
				// The graph page needs the whole group's page array only for its
				// own format, so format it alone and the vector pages one by one.
				Page graph_only[1] = {page};
				HnswGeometry one = g;
				one.group_pages = 1;
				HnswInitGroupPages(graph_only, one);
			} else
				VdbInitPage(page, HNSW_PAGE_VECTOR);
		}
		edit.Finish();
		for (uint32 i = 0; i < batch; i++)
			UnlockReleaseBuffer(buffers[i]);
		done += batch;
	}
}

namespace {

// Finds a slot flagged free by vacuum, or HNSW_NO_NODE.
uint32 FindFreeSlot(Relation index, HnswMetaPageData &meta) {
	const HnswGeometry &g = meta.geometry;
	uint32 groups = (meta.node_count + g.group_nodes - 1) / g.group_nodes;
	for (uint32 group = meta.free_hint_group; group < groups; group++) {
		Buffer buffer = VdbReadBuffer(index, HnswGroupBlock(g, group), BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		uint32 first = group * g.group_nodes;
		uint32 end = Min(meta.node_count, first + g.group_nodes);
		uint32 found = HNSW_NO_NODE;
		for (uint32 id = first; id < end && found == HNSW_NO_NODE; id++)
			if (HnswPageRecord(page, g, id)->flags & HNSW_NODE_FREE)
				found = id;
		UnlockReleaseBuffer(buffer);
		meta.free_hint_group = group;
		if (found != HNSW_NO_NODE)
			return found;
	}
	meta.free_nodes = 0;  // the count was stale
	return HNSW_NO_NODE;
}

// A random level: l with probability ~ m^-l.
int RandomLevel(int m) {
	double u = 1.0 - pg_prng_double(&pg_global_prng_state);  // (0, 1]
	return Min(int(-std::log(u) / std::log(double(m))), HNSW_MAX_LEVEL);
}

// Claims slot id for a node: stores its TID and level (capped to the upper
// space its graph page can give) with no links yet. Returns the level.
int ClaimSlot(Relation index, const HnswGeometry &g, uint32 id, ItemPointer tid, int level) {
	Buffer buffer = VdbReadBuffer(index, HnswGraphBlock(g, id), BUFFER_LOCK_EXCLUSIVE);
	// A reused slot's upper area and the page's fill are written through:
	// check them first, as every reader does.
	HnswCheckRecord(index, BufferGetPage(buffer), g, id);
	VdbPageEdit edit(index);
	Page page = edit.Register(buffer);
	HnswNodeRecord *rec = HnswPageRecord(page, g, id);
	if (level > rec->upper_capacity) {
		int fits = int(HnswUpperRoom(page, g));
		if (fits >= level || fits > rec->upper_capacity) {
			level = Min(level, fits);
			HnswGiveUpper(page, g, rec, level);
		} else
			level = rec->upper_capacity;
	}
	rec->tid = *tid;
	rec->level = uint8(level);
	rec->flags = 0;
	rec->count = 0;
	for (int l = 1; l <= level; l++)
		HnswPageUpper(page, g, rec, l)->count = 0;
	edit.Finish();
	UnlockReleaseBuffer(buffer);
	return level;
}

void WriteBytes(Relation index, VdbSpanPos pos, const void *bytes, uint32 length) {
	Buffer buffer = VdbReadBuffer(index, pos.block, BUFFER_LOCK_EXCLUSIVE);
	VdbPageEdit edit(index);
	memcpy(edit.Register(buffer) + pos.offset, bytes, length);
	edit.Finish();
	UnlockReleaseBuffer(buffer);
}

}  // namespace

void HnswWriteElement(Relation index, const HnswGeometry &g, uint32 id, const void *stored) {
	VdbForEachSpanPiece(HnswElementPos(g, id), g.element_bytes, [&](VdbSpanPos pos, uint32 piece, uint32 done) {
		WriteBytes(index, pos, (const char *) stored + done, piece);
	});
	// Its filter words (the element's last ones) into the directory.
	const char *words = (const char *) stored + g.element_bytes - sizeof(uint64) * g.directory_columns;
	for (uint32 column = 0; column < g.directory_columns; column++)
		WriteBytes(index, HnswDirectoryWordPos(g, id, column), words + sizeof(uint64) * column, sizeof(uint64));
}

namespace {

// The slot a link to node id should name: id, or where compaction moved it
// when id is a forwarder (HNSW_NODE_MOVED).
uint32 ForwardedTo(Relation index, const HnswGeometry &g, uint32 id) {
	Buffer buffer = VdbReadBuffer(index, HnswGraphBlock(g, id), BUFFER_LOCK_SHARE);
	const HnswNodeRecord *rec = HnswPageRecord(BufferGetPage(buffer), g, id);
	uint32 to = (rec->flags & HNSW_NODE_MOVED) && (rec->flags & HNSW_NODE_FREE) == 0 && rec->count == 1
	                ? rec->links[0]
	                : id;
	UnlockReleaseBuffer(buffer);
	return to;
}

// Copies the list `links` that node id gets on `level` into out (room for
// HnswMaxLinks), naming for each forwarder among the links that are new to
// the list its new slot (dropped when the list has it already), and returns
// the count. Compaction's redirect pass rewrites the lists written before a
// node was moved; this keeps every later write, whichever code path chose
// the links (back links, re-pruning, reachability repairs), from naming the
// forwarder again. Links already in the list are left: compaction rewrites
// those itself. Runs under the graph write lock, so the old list holds still.
uint32 ResolveForwarders(Relation index, const HnswGeometry &g, uint32 id, int level, const uint32 *links,
                         uint32 count, uint32 *out) {
	uint32 old[2 * HNSW_MAX_M];
	uint32 old_count = 0;
	Buffer buffer = VdbReadBuffer(index, HnswGraphBlock(g, id), BUFFER_LOCK_SHARE);
	Page page = BufferGetPage(buffer);
	const HnswNodeRecord *rec = HnswPageRecord(page, g, id);
	if ((rec->flags & HNSW_NODE_FREE) == 0 && level <= rec->level) {
		HnswCheckRecord(index, page, g, id);
		const uint32 *on_page = HnswPageLinks(page, g, rec, level, &old_count);
		memcpy(old, on_page, old_count * sizeof(uint32));
	}
	UnlockReleaseBuffer(buffer);
	auto in = [](const uint32 *list, uint32 n, uint32 x) {
		for (uint32 i = 0; i < n; i++)
			if (list[i] == x)
				return true;
		return false;
	};
	uint32 n = 0;
	for (uint32 i = 0; i < count; i++) {
		uint32 to = in(old, old_count, links[i]) ? links[i] : ForwardedTo(index, g, links[i]);
		if (to != id && !in(out, n, to))
			out[n++] = to;
	}
	return n;
}

}  // namespace

uint32 HnswResolveLinks(Relation index, const HnswGeometry &g, uint32 id, int level, const uint32 *given,
                        uint32 given_count, uint32 *out) {
	if (given_count > 2 * HNSW_MAX_M)
		elog(ERROR, "hnsw link list of %u links", given_count);
	return ResolveForwarders(index, g, id, level, given, given_count, out);
}

void HnswSetLinks(Page page, const HnswGeometry &g, uint32 id, int level, const uint32 *links, uint32 count) {
	HnswNodeRecord *rec = HnswPageRecord(page, g, id);
	if (level == 0) {
		rec->count = uint16(count);
		memcpy(rec->links, links, count * sizeof(uint32));
	} else if (level <= rec->level) {
		HnswUpperLinks *upper = HnswPageUpper(page, g, rec, level);
		upper->count = count;
		memcpy(upper->links, links, count * sizeof(uint32));
	}
}

void HnswWriteLinks(Relation index, const HnswGeometry &g, uint32 id, int level, const uint32 *given,
                    uint32 given_count) {
	uint32 links[2 * HNSW_MAX_M];
	uint32 count = HnswResolveLinks(index, g, id, level, given, given_count, links);
	Buffer buffer = VdbReadBuffer(index, HnswGraphBlock(g, id), BUFFER_LOCK_EXCLUSIVE);
	HnswCheckRecord(index, BufferGetPage(buffer), g, id);
	VdbPageEdit edit(index);
	HnswSetLinks(edit.Register(buffer), g, id, level, links, count);
	edit.Finish();
	UnlockReleaseBuffer(buffer);
}

namespace {

// Searches the graph for the candidate neighbours of a new element on each
// level from min(level, max_level) down to 0, into s.link.per_level. Reads
// only: runs before the graph write lock (see HnswInsertElement).
void FindCandidates(Relation index, const HnswMetaPageData &meta, const vdb::ElementMetric &metric,
                    const void *element, int level, InsertScratch &s) {
	const HnswGeometry &g = meta.geometry;
	BlockNumber blocks = HnswNodesEnd(g, meta.node_count);
	vdb::RunCpp("hnsw insert", [&] {
		s.hints.Prepare(index, blocks);
		HnswQuery query = HnswPrepareQuery(meta, metric, element);
		HnswPageGraph graph{index, &meta, &query, s.pages.spill.data(), &s.hints};
		vdb::FindCandidates(graph, meta.entry_point, meta.max_level, level, meta.node_count, meta.ef_construction,
		                    s.link);
	});
}

}  // namespace

namespace {

// Claims a slot for a new node, writes its element and record and counts
// it in the metapage, under the append lock (taken here): appends hold no
// other lock, linked inserts hold the graph write lock too, and neither
// hands out an id the other has. A linked insert (*pending false) becomes
// an append while the pending area is not empty: the area is the ids at
// the end, and the next merge links it. Sets *level to the level the slot
// could give and returns the metapage as written.
HnswMetaPageData ClaimNode(Relation index, InsertScratch &s, const void *element, const uint64 *filters,
                           ItemPointer tid, int *level, bool *pending, uint32 *claimed) {
	HnswLockAppends(index, ExclusiveLock);
	HnswMetaPageData meta = HnswReadMeta(index);
	const HnswGeometry &g = meta.geometry;
	*pending |= meta.pending_span > 0;
	uint32 id = !*pending && meta.free_nodes > 0 ? FindFreeSlot(index, meta) : HNSW_NO_NODE;
	bool fresh = id == HNSW_NO_NODE;
	if (fresh)
		id = meta.node_count++;
	else
		meta.free_nodes--;
	if (*pending)
		meta.pending_span++;
	if (fresh && id % g.group_nodes == 0 && !HnswPoolReached(meta, HnswGroup(g, id)))
		HnswAddGroup(index, g, HnswGroup(g, id));
	if (g.pool_pages > 0)
		HnswSparseStore(index, meta, id, element);
	else {
		HnswEncodeElement(meta, element, filters, s.pages.spill.data());
		HnswWriteElement(index, g, id, s.pages.spill.data());
	}
	*level = ClaimSlot(index, g, id, tid, *level);
	// The metapage counts the node before any link to it is logged: WAL is
	// replayed in order, so after a crash no link can point past node_count.
	HnswWriteMeta(index, meta);
	VDB_FAULT_POINT("hnsw-insert-slot");
	HnswUnlockAppends(index, ExclusiveLock);
	*claimed = id;
	return meta;
}

// A build's insert plans its links before it takes the write lock
// (vdb::PlanLinks), so that participants compute their re-prunes at once
// and only write one at a time. During a build nobody vacuums or reuses a
// slot, so the candidates stay usable, and the lists another participant
// changes in between are linked afresh (vdb::CommitLinks). Returns the top
// level planned, or -1 when nothing was (an empty graph, or a sparse index,
// whose elements live in a pool).
int PlanBuildLinks(Relation index, const HnswMetaPageData &seen, const void *element, const uint64 *filters,
                   int level, InsertScratch &s) {
	if (seen.entry_point == HNSW_NO_NODE || seen.geometry.pool_pages > 0)
		return -1;
	int top = Min(level, seen.max_level);
	HnswLinkStore store(index, seen, s.pages, false, &s.hints);
	vdb::RunCpp("hnsw insert", [&] {
		// As a re-prune will read it once it is on its page: sq8 decoded.
		HnswEncodeElement(seen, element, filters, s.pages.spill.data());
		HnswDecodeElement(seen, s.pages.spill.data(), s.pages.planned.data());
		vdb::PlanLinks(store, top, s.link);
	});
	return top;
}

// Links node id under the graph write lock (the caller holds it); s holds
// its candidates, found on the graph as `seen` was, and meta is the
// metapage as the caller read it under the lock. A merge links a pending
// node whose element and TID are on its pages already: every step below
// can be redone, and only the last one, the metapage write, takes the node
// out of the pending area. `build`: a build's insert (HnswBuildInsert),
// whose links were planned down from `planned_top` (PlanBuildLinks; -1:
// not planned). A plan for other levels than the node got (its page had
// less room, or the graph rose meanwhile) is dropped: its chosen lists are
// linked as candidates again.
void LinkLocked(Relation index, HnswMetaPageData &meta, const HnswMetaPageData &seen, const vdb::ElementMetric &metric,
                InsertScratch &s, int level, const void *element, uint32 id, bool merge,
                const HnswBuildInsert *build, int planned_top) {
	if (meta.entry_point != seen.entry_point || meta.max_level != seen.max_level) {
		FindCandidates(index, meta, metric, element, level, s);
		planned_top = -1;
	}
	s.pages.reach.walk_needed = false;
	if (meta.entry_point != HNSW_NO_NODE) {
		// The node's own lists on all its levels first, then the back links
		// (core/hnsw/link.h); candidates VACUUM flagged meanwhile are dropped.
		HnswLinkStore store(index, meta, s.pages, build == NULL, &s.hints);
		int top = Min(level, meta.max_level);
		vdb::RunCpp("hnsw insert", [&] {
			if (top == planned_top)
				vdb::CommitLinks(store, id, top, s.link);
			else
				vdb::LinkNode(store, id, top, s.link);
			// Re-pruning may have dropped every back link to the node (copies
			// of one vector tie, and the latest copy loses): one stays.
			s.hosts.clear();
			for (const vdb::Candidate &c : s.link.per_level[0])
				s.hosts.push_back(c.id);
		});
		HnswAttachNode(index, meta, id, s.hosts, s.pages.reach);
	}
	VDB_FAULT_POINT("hnsw-insert-linked");
	bool raised = meta.entry_point == HNSW_NO_NODE || level > meta.max_level;
	if (raised) {
		// Searches start at the entry point, and the old one may have no link
		// to it (nothing needed one): the new entry point, or one of the
		// nodes it links to, links to the old one, so the new root reaches
		// everything the old root did.
		if (meta.entry_point != HNSW_NO_NODE) {
			vdb::RunCpp("hnsw insert", [&] { s.hosts.insert(s.hosts.begin(), id); });
			HnswAttachNode(index, meta, meta.entry_point, s.hosts, s.pages.reach);
		}
		meta.entry_point = id;
		meta.max_level = level;
	}
	// Rare: a node found no place nearby. This walk stays under the lock
	// (unlike VACUUM's, HnswRelinkUnreached): vector_db_index_check, which
	// waits for VACUUM but not for inserts, must never see a node between
	// its insert and its linking back.
	if (s.pages.reach.walk_needed) {
		size_t linked = HnswLinkUnreachable(index, meta, NULL, s.pages.reach.walk, s.pages.element.data(),
		                                    s.pages.spill.data());
		elog(DEBUG1, "hnsw index \"%s\": no place near, so a walk linked back %zu nodes",
		     RelationGetRelationName(index), linked);
	}
	if (merge)
		VDB_FAULT_POINT("hnsw-merge-linked");
	if (!raised && !merge)
		return;
	// Appends moved node_count and pending_span on meanwhile: the entry
	// point (only ever changed under the graph write lock) and the merge go
	// onto the metapage as it is now.
	HnswEditMeta(index, [&](HnswMetaPageData &now) {
		now.entry_point = meta.entry_point;
		now.max_level = meta.max_level;
		if (merge) {
			now.pending_span--;
			now.last_merge = GetCurrentTimestamp();
		}
		return true;
	});
}

}  // namespace

// The search for neighbours, the bulk of an insert's work, runs before the
// write lock is taken, so concurrent inserts search in parallel; only
// claiming a slot and writing links is serialised. If the entry point moved
// in between (another insert raised the graph), the search is redone under
// the lock. Nodes inserted meanwhile are not among our candidates, which
// costs a little graph quality, never a lost link: every link list is read
// and rewritten under the lock. An append (pending) takes the append lock
// only, for ClaimNode's few page writes. A build's insert holds its baton
// too (HnswBuildInsert).
void HnswInsertElement(Relation index, const void *element, ItemPointer tid, bool pending, const uint64 *filters,
                       const HnswBuildInsert *build) {
	HnswMetaPageData seen = HnswReadMeta(index);
	vdb::ElementMetric metric = HnswMetric(seen);
	InsertScratch &s = Scratch(seen);
	int level = RandomLevel(seen.m);
	uint32 id;
	if (pending) {
		ClaimNode(index, s, element, filters, tid, &level, &pending, &id);
		return;
	}
	FindCandidates(index, seen, metric, element, level, s);
	int planned_top = build != NULL ? PlanBuildLinks(index, seen, element, filters, level, s) : -1;
	if (build != NULL)
		VdbParallelTake(build->baton.shared, build->baton.busy);
	LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	HnswMetaPageData meta = ClaimNode(index, s, element, filters, tid, &level, &pending, &id);
	if (!pending)
		LinkLocked(index, meta, seen, metric, s, level, element, id, false, build, planned_top);
	UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	if (build != NULL)
		VdbParallelGive(build->baton.shared, build->baton.busy);
}

size_t HnswRelinkAfterBuild(Relation index) {
	HnswMetaPageData meta = HnswReadMeta(index);
	InsertScratch &s = Scratch(meta);
	return HnswRelinkUnreached(index, HNSW_NO_NODE, 0, NULL, s.pages.reach, s.pages.element.data(),
	                           s.pages.spill.data());
}

// Like an insert, the search runs before the write lock; the node keeps
// the level its append drew. An sq8 node is linked by its decoded element.
void HnswMergeNode(Relation index, uint32 id) {
	HnswMetaPageData seen = HnswReadMeta(index);
	vdb::ElementMetric metric = HnswMetric(seen);
	InsertScratch &s = Scratch(seen);
	HnswNodeInfo info;
	HnswReadNode(index, seen.geometry, id, 0, NULL, &info);
	HnswLoadElement(index, seen, id, s.merging.data(), s.pages.spill.data());
	FindCandidates(index, seen, metric, s.merging.data(), info.level, s);
	LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
	HnswMetaPageData meta = HnswReadMeta(index);
	if (id != HnswPendingStart(meta))
		elog(ERROR, "hnsw index \"%s\": merging node %u, but the pending area starts at %u",
		     RelationGetRelationName(index), id, HnswPendingStart(meta));
	// Linked through this copy, the node is live to the reachability code
	// (hnsw_reach.cpp), which leaves the pending area alone.
	meta.pending_span--;
	LinkLocked(index, meta, seen, metric, s, info.level, s.merging.data(), id, true, NULL, -1);
	UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
}

bool hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid, Relation heap,
                IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo *info) {
	if (isnull[0])
		return false;
	HnswMetaPageData meta = HnswReadMeta(index);
	vdb::ElementMetric metric = HnswMetric(meta);
	char *element = (char *) palloc(metric.bytes);
	uint64 filters[INDEX_MAX_KEYS];
	VdbFilterWords(index, vdb::LabelScheme(meta.label_scheme), meta.filter_columns, values, isnull, filters);
	VdbPendingOptions options = VdbGetPendingOptions(index, offsetof(HnswOptions, pending));
	if (VdbDatumToElement(index, metric, values[0], element))
		HnswInsertElement(index, element, heap_tid, options.fastupdate, filters);
	pfree(element);
	// Past the limit, the insert that notices merges a few of the oldest
	// pending nodes, unless another merge (or a VACUUM) is under way: never
	// the whole area, which stalled that one INSERT for seconds (docs/hnsw.md,
	// "Fast ingest").
	if (options.fastupdate && HnswPendingKilobytes(meta) > options.pending_list_limit)
		HnswMergePending(index, HNSW_INLINE_MERGE_NODES, false);
	return false;
}
