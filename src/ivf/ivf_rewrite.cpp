// Compaction of ivfflat and ivf indexes: the online list rewriter
// (docs/ivf.md, "Compaction"). Centroids and quantizer stay as they are;
// each list's live tuples are copied, packed, into other pages and the list
// is switched to them, while inserts, scans and other lists go on.
//
// Lock protocol, per list (the caller holds the table and the index SHARE
// UPDATE EXCLUSIVE, which keeps VACUUM and a second rewriter out; nothing
// else changes a list but inserts, which only append):
//  1. No list lock: read the chain once for its heap TIDs and find the dead
//     ones (VdbSortDeadTidsFirst), then copy the chain's other tuples into
//     new pages, remembering how many tuples each old page had.
//  2. Catch-up under the list's centroid page, locked exclusively as an
//     insert locks it: walk the chain again and copy what inserts appended
//     since step 1 (past the remembered counts, and pages linked since).
//     Only page headers are read again, so inserts into the lists of that
//     centroid page, and scans reading their entries, wait a moment.
//  3. In the same lock, one WAL record points the list's entry at the new
//     chain (first, insert page, row count): the atomic switch. A scan that
//     read the entry before walks the old chain, which is left intact; one
//     that reads it after walks the new one. Either way every row once.
//  4. Wait until every transaction that held a lock on the index when the
//     switch happened has ended (WaitForLockers, as CREATE INDEX
//     CONCURRENTLY does): no scan can still be on the old chain. Then mark
//     its pages free (IVF_PAGE_FREE, WAL-logged) and record them in the FSM.
// New pages are taken lowest block first from the free pages, else by
// extending. When every list is done, lists with a page past where the
// packed index would end are rewritten once more into the free pages below,
// and free pages at the end are truncated (under the relation extension
// lock, so no insert extends meanwhile).
//
// A crash or ERROR at any point leaves every list on its old chain or its
// new one. Pages of an unfinished copy, or the old chain of a switched list
// not yet freed, are data pages no list reaches: the next compaction finds
// them before it starts (Scan: block count first, then every chain under
// its list's lock, so a page an insert has just added is already linked)
// and frees them.
//
// The pending area (fastupdate, ivf_pending.cpp) is merged first, so that
// its rows are compacted with the others. Pending pages are in no list's
// chain and not free: the orphan search leaves them alone. Pages a merge
// freed are reused like any free page; a scan may still hold the number of
// one it is about to read (it then finds no pending page there and starts
// its walk again), but must not find it truncated: the truncation waits for
// every transaction that held a lock on the index when the compaction
// began, unless a list switch has waited for them already.
//
// Inserts still extend the relation for new list pages: only the rewriter,
// which holds the locks above, reuses free pages, so a data page no list
// reaches can only be an orphan. A hot standby has no such wait (step 4):
// a standby query that walks a list while the primary compacts it may see
// pages reused under it; run long standby queries apart from compactions.
#include "index/index_maintain.h"
#include "ivf/ivf.h"
#include "pg/fault.h"

extern "C" {
#include "catalog/storage.h"
#include "miscadmin.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/guc.h"
}

double ivf_compaction_threshold = 0.5;

namespace {

// An old chain page as step 1 saw it.
struct SeenPage {
	BlockNumber block;
	uint32 count;
};

// Plain palloc'd state of one compaction (an ERROR may leave from anywhere).
struct Rewriter {
	Relation heap;
	Relation index;
	IvfMetaPageData meta;
	BlockNumber first_data;  // below it: metapage, state and centroid pages
	bool *free_map;          // per block below map_blocks: a free page to reuse
	BlockNumber map_blocks;
	BlockNumber lowest;  // no free page below it
	BlockNumber free_pages;
	bool waited;  // for the index's lockers, since BeginRewrite
};

// Waits until every transaction that holds a lock on the index now has ended.
void WaitForScans(Rewriter *rw) {
	LOCKTAG tag;
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, RelationGetRelid(rw->index));
	WaitForLockers(tag, AccessExclusiveLock, false);
	rw->waited = true;
}

// The new chain being written: one page image, then its block.
struct ListWriter {
	PGAlignedBlock image;
	Buffer buffer;  // locked exclusively; InvalidBuffer before the first tuple
	BlockNumber first;
	BlockNumber last;
	uint32 rows;
};

void MarkFree(Rewriter *rw, BlockNumber block) {
	if (block >= rw->map_blocks) {
		BlockNumber blocks = Max(block + 1, rw->map_blocks * 2);
		rw->free_map = (bool *) repalloc(rw->free_map, blocks * sizeof(bool));
		memset(rw->free_map + rw->map_blocks, 0, (blocks - rw->map_blocks) * sizeof(bool));
		rw->map_blocks = blocks;
	}
	if (!rw->free_map[block])
		rw->free_pages++;
	rw->free_map[block] = true;
	rw->lowest = Min(rw->lowest, block);
	RecordFreeIndexPage(rw->index, block);
}

// Marks an unreachable data page free (one small WAL record) and records it.
void FreePage(Rewriter *rw, BlockNumber block) {
	Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_EXCLUSIVE);
	Page page = BufferGetPage(buffer);
	if (!PageIsNew(page) && VdbPageGetOpaque(page)->page_kind == IVF_PAGE_DATA) {
		VdbPageEdit edit(rw->index);
		Page copy = edit.Register(buffer);
		VdbPageGetOpaque(copy)->page_kind = IVF_PAGE_FREE;
		IvfPageHeader(copy)->next = InvalidBlockNumber;
		IvfPageHeader(copy)->count = 0;
		edit.Finish();
	}
	UnlockReleaseBuffer(buffer);
	MarkFree(rw, block);
}

// A page for the new chain, exclusively locked: the lowest free one, else a
// new one at the end.
Buffer TakePage(Rewriter *rw) {
	for (BlockNumber block = rw->lowest; block < rw->map_blocks; block++) {
		if (!rw->free_map[block])
			continue;
		rw->free_map[block] = false;
		rw->free_pages--;
		rw->lowest = block + 1;
		Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_EXCLUSIVE);
		Page page = BufferGetPage(buffer);
		if (PageIsNew(page) || VdbPageGetOpaque(page)->page_kind == IVF_PAGE_FREE) {
			RecordUsedIndexPage(rw->index, block);
			return buffer;
		}
		UnlockReleaseBuffer(buffer);
	}
	rw->lowest = rw->map_blocks;
	return VdbNewBuffer(rw->index, MAIN_FORKNUM);
}

// Writes the image to its block (a full-page WAL record) and releases it.
void WriteImage(Rewriter *rw, ListWriter *w, BlockNumber next) {
	IvfPageHeader(w->image.data)->next = next;
	VdbPageEdit edit(rw->index);
	memcpy(edit.Register(w->buffer, true), w->image.data, BLCKSZ);
	edit.Finish();
	w->last = BufferGetBlockNumber(w->buffer);
	UnlockReleaseBuffer(w->buffer);
	w->buffer = InvalidBuffer;
}

void AddTuple(Rewriter *rw, ListWriter *w, const IvfTupleHeader *tuple) {
	const IvfMetaPageData &meta = rw->meta;
	if (BufferIsValid(w->buffer) && IvfPageHeader(w->image.data)->count == meta.tuples_per_page) {
		Buffer next = TakePage(rw);
		WriteImage(rw, w, BufferGetBlockNumber(next));
		w->buffer = next;
		IvfInitDataPage(w->image.data);
	} else if (!BufferIsValid(w->buffer)) {
		w->buffer = TakePage(rw);
		w->first = BufferGetBlockNumber(w->buffer);
		IvfInitDataPage(w->image.data);
	}
	IvfDataHeader *header = IvfPageHeader(w->image.data);
	memcpy(IvfPageTuple(w->image.data, meta, header->count), tuple, meta.tuple_size);
	header->count++;
	w->rows++;
}

bool IsDead(const ItemPointerData *dead, uint32 dead_count, ItemPointer tid) {
	return bsearch(tid, dead, dead_count, sizeof(ItemPointerData), [](const void *a, const void *b) {
		       return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
	       }) != NULL;
}

// Walks the chain from `first`, copying into w each page's tuples past what
// `seen` says an earlier walk copied (all of a page it did not see), except
// the dead ones, and updates `seen`. Chains only grow at their ends and
// pages only by appends while the caller's locks keep VACUUM out.
void CopyChain(Rewriter *rw, ListWriter *w, BlockNumber first, SeenPage **seen, uint32 *seen_count,
               uint32 *seen_cap, const ItemPointerData *dead, uint32 dead_count) {
	const IvfMetaPageData &meta = rw->meta;
	uint32 position = 0;
	for (BlockNumber block = first; BlockNumberIsValid(block); position++) {
		CHECK_FOR_INTERRUPTS();
		if (position < *seen_count && (*seen)[position].block != block)
			elog(ERROR, "ivf list chain changed during compaction at block %u", block);
		Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(rw->index, page, block, IVF_PAGE_DATA);
		IvfDataHeader *header = IvfPageHeader(page);
		uint32 count = Min(header->count, meta.tuples_per_page);
		uint32 from = position < *seen_count ? (*seen)[position].count : 0;
		for (uint32 i = from; i < count; i++) {
			IvfTupleHeader *tuple = IvfPageTuple(page, meta, i);
			if (!IsDead(dead, dead_count, &tuple->tid))
				AddTuple(rw, w, tuple);
		}
		if (position == *seen_cap) {
			*seen_cap *= 2;
			*seen = (SeenPage *) repalloc(*seen, *seen_cap * sizeof(SeenPage));
		}
		if (position >= *seen_count)
			*seen_count = position + 1;
		(*seen)[position] = SeenPage{block, count};
		block = header->next;
		UnlockReleaseBuffer(buffer);
	}
}

// The heap TIDs of the list's chain from `first` whose rows are dead,
// sorted (palloc'd; *count of them).
ItemPointerData *DeadTids(Rewriter *rw, BlockNumber first, uint32 *count) {
	const IvfMetaPageData &meta = rw->meta;
	uint32 cap = 64, n = 0;
	ItemPointerData *tids = (ItemPointerData *) palloc(cap * sizeof(ItemPointerData));
	for (BlockNumber block = first; BlockNumberIsValid(block);) {
		Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(rw->index, page, block, IVF_PAGE_DATA);
		uint32 on_page = Min(IvfPageHeader(page)->count, meta.tuples_per_page);
		if (n + on_page > cap) {
			cap = Max(cap * 2, n + on_page);
			tids = (ItemPointerData *) repalloc(tids, cap * sizeof(ItemPointerData));
		}
		for (uint32 i = 0; i < on_page; i++)
			tids[n++] = IvfPageTuple(page, meta, i)->tid;
		block = IvfPageHeader(page)->next;
		UnlockReleaseBuffer(buffer);
	}
	*count = VdbSortDeadTidsFirst(rw->heap, tids, n);
	return tids;
}

BlockNumber ListFirst(Rewriter *rw, uint32 list) {
	Buffer buffer = VdbReadBuffer(rw->index, IvfEntryBlock(rw->meta, list), BUFFER_LOCK_SHARE);
	VdbCheckPageKind(rw->index, BufferGetPage(buffer), IvfEntryBlock(rw->meta, list), IVF_PAGE_CENTROID);
	BlockNumber first = IvfPageEntry(BufferGetPage(buffer), rw->meta, list)->first;
	UnlockReleaseBuffer(buffer);
	return first;
}

// Rewrites one list (steps 1 to 4 of the protocol above).
void RewriteList(Rewriter *rw, uint32 list, bool drop_dead) {
	const IvfMetaPageData &meta = rw->meta;
	uint32 dead_count = 0;
	ItemPointerData *dead = drop_dead ? DeadTids(rw, ListFirst(rw, list), &dead_count) : NULL;
	ListWriter *w = (ListWriter *) palloc0(sizeof(ListWriter));
	w->buffer = InvalidBuffer;
	w->first = w->last = InvalidBlockNumber;
	uint32 seen_count = 0, seen_cap = 16;
	SeenPage *seen = (SeenPage *) palloc(seen_cap * sizeof(SeenPage));
	CopyChain(rw, w, ListFirst(rw, list), &seen, &seen_count, &seen_cap, dead, dead_count);

	BlockNumber entry_block = IvfEntryBlock(meta, list);
	Buffer entry_buffer = VdbReadBuffer(rw->index, entry_block, BUFFER_LOCK_EXCLUSIVE);
	VdbCheckPageKind(rw->index, BufferGetPage(entry_buffer), entry_block, IVF_PAGE_CENTROID);
	CopyChain(rw, w, IvfPageEntry(BufferGetPage(entry_buffer), meta, list)->first, &seen, &seen_count, &seen_cap,
	          dead, dead_count);
	if (BufferIsValid(w->buffer))
		WriteImage(rw, w, InvalidBlockNumber);
	VDB_FAULT_POINT("ivf-compact-copied");
	VdbPageEdit edit(rw->index);
	IvfListEntry *entry = IvfPageEntry(edit.Register(entry_buffer), meta, list);
	entry->first = w->first;
	entry->insert = w->last;
	entry->rows = w->rows;
	edit.Finish();
	UnlockReleaseBuffer(entry_buffer);
	VDB_FAULT_POINT("ivf-compact-switched");

	if (seen_count > 0) {
		WaitForScans(rw);
		for (uint32 i = 0; i < seen_count; i++)
			FreePage(rw, seen[i].block);
	}
	pfree(seen);
	pfree(w);
	if (dead != NULL)
		pfree(dead);
}

// Whether a page of the list's chain lies at or past `end`.
bool ListReaches(Rewriter *rw, uint32 list, BlockNumber end) {
	for (BlockNumber block = ListFirst(rw, list); BlockNumberIsValid(block);) {
		if (block >= end)
			return true;
		Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_SHARE);
		VdbCheckPageKind(rw->index, BufferGetPage(buffer), block, IVF_PAGE_DATA);
		block = IvfPageHeader(BufferGetPage(buffer))->next;
		UnlockReleaseBuffer(buffer);
	}
	return false;
}

// Finds the free pages, and frees the orphans (see the note atop).
Rewriter *BeginRewrite(Relation heap, Relation index) {
	Rewriter *rw = (Rewriter *) palloc0(sizeof(Rewriter));
	rw->heap = heap;
	rw->index = index;
	rw->meta = IvfReadMeta(index);
	const IvfMetaPageData &meta = rw->meta;
	rw->first_data = meta.centroid_start + (meta.lists + meta.entries_per_page - 1) / meta.entries_per_page;
	BlockNumber blocks = RelationGetNumberOfBlocks(index);
	rw->map_blocks = Max(blocks, 1);
	rw->free_map = (bool *) palloc0(rw->map_blocks * sizeof(bool));
	rw->lowest = rw->map_blocks;
	bool *reached = (bool *) palloc0(rw->map_blocks * sizeof(bool));
	for (uint32 list = 0; list < meta.lists; list++) {
		BlockNumber entry_block = IvfEntryBlock(meta, list);
		Buffer entry_buffer = VdbReadBuffer(index, entry_block, BUFFER_LOCK_SHARE);
		VdbCheckPageKind(index, BufferGetPage(entry_buffer), entry_block, IVF_PAGE_CENTROID);
		for (BlockNumber block = IvfPageEntry(BufferGetPage(entry_buffer), meta, list)->first;
		     BlockNumberIsValid(block);) {
			CHECK_FOR_INTERRUPTS();
			if (block < blocks)
				reached[block] = true;
			Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
			VdbCheckPageKind(index, BufferGetPage(buffer), block, IVF_PAGE_DATA);
			block = IvfPageHeader(BufferGetPage(buffer))->next;
			UnlockReleaseBuffer(buffer);
		}
		UnlockReleaseBuffer(entry_buffer);
	}
	for (BlockNumber block = rw->first_data; block < blocks; block++) {
		if (reached[block])
			continue;
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		uint16 kind = PageIsNew(page) ? 0 : VdbPageGetOpaque(page)->page_kind;
		UnlockReleaseBuffer(buffer);
		if (kind == 0 || kind == IVF_PAGE_FREE)
			MarkFree(rw, block);
		else if (kind == IVF_PAGE_DATA)
			FreePage(rw, block);
	}
	pfree(reached);
	return rw;
}

// Cuts the free pages at the end off, with no insert extending meanwhile.
void TruncateFreeTail(Rewriter *rw) {
	BlockNumber end = RelationGetNumberOfBlocks(rw->index);
	if (!rw->waited && end > rw->first_data && end - 1 < rw->map_blocks && rw->free_map[end - 1])
		WaitForScans(rw);
	LockRelationForExtension(rw->index, ExclusiveLock);
	BlockNumber blocks = RelationGetNumberOfBlocks(rw->index);
	BlockNumber keep = blocks;
	while (keep > rw->first_data && keep - 1 < rw->map_blocks && rw->free_map[keep - 1])
		keep--;
	if (keep < blocks) {
		VDB_FAULT_POINT("ivf-compact-truncate");
		RelationTruncate(rw->index, keep);
		for (BlockNumber block = keep; block < rw->map_blocks; block++)
			rw->free_map[block] = false;
	}
	UnlockRelationForExtension(rw->index, ExclusiveLock);
}

}  // namespace

void IvfCompact(Relation heap, Relation index) {
	IvfMergePending(index, true);
	Rewriter *rw = BeginRewrite(heap, index);
	uint32 lists = rw->meta.lists;
	for (uint32 list = 0; list < lists; list++)
		RewriteList(rw, list, true);
	// Where the index would end with every used page packed at the front.
	BlockNumber blocks = RelationGetNumberOfBlocks(index);
	BlockNumber end = blocks - rw->free_pages;
	for (uint32 list = 0; list < lists; list++)
		if (ListReaches(rw, list, end))
			RewriteList(rw, list, false);
	TruncateFreeTail(rw);
	IndexFreeSpaceMapVacuum(index);
	pfree(rw->free_map);
	pfree(rw);
}

bool IvfCompactionDue(Relation index) {
	IvfMetaPageData meta = IvfReadMeta(index);
	BlockNumber first_data = meta.centroid_start + (meta.lists + meta.entries_per_page - 1) / meta.entries_per_page;
	BlockNumber blocks = RelationGetNumberOfBlocks(index);
	if (blocks <= first_data)
		return false;
	uint64 rows = 0;
	for (uint32 list = 0; list < meta.lists; list++) {
		Buffer buffer = VdbReadBuffer(index, IvfEntryBlock(meta, list), BUFFER_LOCK_SHARE);
		rows += IvfPageEntry(BufferGetPage(buffer), meta, list)->rows;
		UnlockReleaseBuffer(buffer);
	}
	// Packed, the rows would fill this many pages (each list's last one partly).
	double packed = double(rows) / meta.tuples_per_page + meta.lists;
	return packed < ivf_compaction_threshold * (blocks - first_data);
}
