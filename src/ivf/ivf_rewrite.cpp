// Compaction of ivfflat and ivf indexes: the online list rewriter
// (docs/ivf.md, "Compaction"), whose page allocation, chain copying and
// freeing the rebalance (ivf_rebalance.cpp) shares through ivf_rewrite.h. Centroids and quantizer stay as they are;
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
//     CONCURRENTLY does; on hot standbys a recovery conflict: see
//     VdbWaitForEarlierScans): no scan can still be on the old chain. Then mark
//     its pages free (IVF_PAGE_FREE, WAL-logged) and record them in the FSM.
// New pages are taken lowest block first from the free pages, else by
// extending. When every list is done, lists with a page past where the
// packed index would end are rewritten once more into the free pages below
// (one with pages on both sides of that end twice: out past it, which frees
// its pages below, then back in), and free pages at the end are truncated
// (under the relation extension lock, so no insert extends meanwhile).
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
// chain and not free: the orphan search leaves them alone (it frees only
// unreached data, state and centroid pages). Pages a merge freed are reused
// like any free page; a scan may still hold the number of one it is about
// to read (it then finds no pending page there and starts its walk again),
// but must not find it truncated: the truncation waits for every
// transaction that held a lock on the index when the rewrite began, unless
// a switch has waited for them already.
//
// Element runs (wide vectors, ivf_run.cpp) are copied with their tuples and
// freed with the old chain after the wait of step 4. Run pages are never
// taken for orphans: an insert writes its run before the tuple that
// reaches it, so a run no tuple reaches may be one about to be.
//
// Inserts still extend the relation for new list pages: only the rewriter,
// which holds the locks above, reuses free pages, so a data page no list
// reaches can only be an orphan. Hot standbys wait in step 4 as well
// (VdbWaitForEarlierScans: a recovery conflict there).
#include "ivf/ivf_rewrite.h"

#include "index/index_maintain.h"
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

void MarkFree(IvfRewriter *rw, BlockNumber block) {
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

// Takes a block of the free map for a new page (the caller read it).
void TakeFree(IvfRewriter *rw, BlockNumber block) {
	rw->free_map[block] = false;
	rw->free_pages--;
	RecordUsedIndexPage(rw->index, block);
}

bool IsReusable(Page page) {
	return PageIsNew(page) || VdbPageGetOpaque(page)->page_kind == IVF_PAGE_FREE;
}

bool IsDead(const ItemPointerData *dead, uint32 dead_count, ItemPointer tid) {
	return bsearch(tid, dead, dead_count, sizeof(ItemPointerData), [](const void *a, const void *b) {
		       return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
	       }) != NULL;
}

void WriterSink(void *arg, const IvfTupleHeader *tuple) {
	IvfRewriter **pair = (IvfRewriter **) arg;
	IvfWriterAdd(pair[0], (IvfListWriter *) pair[1], tuple);
}

// Rewrites one list (steps 1 to 4 of the protocol above).
void RewriteList(IvfRewriter *rw, uint32 list, bool drop_dead) {
	const IvfMetaPageData &meta = rw->meta;
	uint32 dead_count = 0;
	ItemPointerData *dead = drop_dead ? IvfDeadTids(rw, IvfListFirst(rw, list), &dead_count) : NULL;
	IvfListWriter *w = IvfNewWriter();
	IvfSeenChain *seen = IvfNewSeenChain();
	void *sink[2] = {rw, w};
	IvfCopyChain(rw, IvfListFirst(rw, list), seen, dead, dead_count, WriterSink, sink);

	BlockNumber entry_block = IvfEntryBlock(meta, list);
	Buffer entry_buffer = VdbReadBuffer(rw->index, entry_block, BUFFER_LOCK_EXCLUSIVE);
	VdbCheckPageKind(rw->index, BufferGetPage(entry_buffer), entry_block, IVF_PAGE_CENTROID);
	IvfCopyChain(rw, IvfPageEntry(BufferGetPage(entry_buffer), meta, list)->first, seen, dead, dead_count,
	             WriterSink, sink);
	IvfWriterFinish(rw, w, InvalidBlockNumber);
	VDB_FAULT_POINT("ivf-compact-copied");
	VdbPageEdit edit(rw->index);
	IvfListEntry *entry = IvfPageEntry(edit.Register(entry_buffer), meta, list);
	entry->first = w->first;
	entry->insert = w->last;
	entry->rows = w->rows;
	edit.Finish();
	UnlockReleaseBuffer(entry_buffer);
	VDB_FAULT_POINT("ivf-compact-switched");

	if (seen->count > 0) {
		IvfWaitForScans(rw);
		for (uint32 i = 0; i < seen->count; i++)
			IvfFreeChainPage(rw, seen->pages[i]);
	}
	pfree(seen->pages);
	pfree(seen);
	pfree(w);
	if (dead != NULL)
		pfree(dead);
}

// Counts the pages of the list's chain below `end` and at or past it.
void CountListPages(IvfRewriter *rw, uint32 list, BlockNumber end, BlockNumber *below, BlockNumber *past) {
	*below = *past = 0;
	for (BlockNumber block = IvfListFirst(rw, list); BlockNumberIsValid(block);) {
		(block < end ? *below : *past) += 1;
		Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_SHARE);
		VdbCheckPageKind(rw->index, BufferGetPage(buffer), block, IVF_PAGE_DATA);
		block = IvfPageHeader(BufferGetPage(buffer))->next;
		UnlockReleaseBuffer(buffer);
	}
}

}  // namespace

// Marks an unreachable page free (one small WAL record) and records it: a
// data page, or a state or centroid page of a layout the metapage no longer
// names.
void IvfFreePage(IvfRewriter *rw, BlockNumber block) {
	Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_EXCLUSIVE);
	Page page = BufferGetPage(buffer);
	uint16 kind = PageIsNew(page) ? 0 : VdbPageGetOpaque(page)->page_kind;
	if (kind == IVF_PAGE_DATA || kind == IVF_PAGE_STATE || kind == IVF_PAGE_CENTROID || kind == IVF_PAGE_RUN) {
		VdbPageEdit edit(rw->index);
		Page copy = edit.Register(buffer);
		IvfInitDataPage(copy);
		VdbPageGetOpaque(copy)->page_kind = IVF_PAGE_FREE;
		edit.Finish();
	}
	UnlockReleaseBuffer(buffer);
	MarkFree(rw, block);
}

void IvfFreeChainPage(IvfRewriter *rw, const IvfSeenPage &seen) {
	if (IvfCodeInRun(rw->meta)) {
		IvfRunRef *runs = (IvfRunRef *) palloc(Max(seen.count, 1) * sizeof(IvfRunRef));
		Buffer buffer = VdbReadBuffer(rw->index, seen.block, BUFFER_LOCK_SHARE);
		VdbCheckPageKind(rw->index, BufferGetPage(buffer), seen.block, IVF_PAGE_DATA);
		for (uint32 i = 0; i < seen.count; i++)
			runs[i] = *IvfTupleRun(IvfPageTuple(BufferGetPage(buffer), rw->meta, i));
		UnlockReleaseBuffer(buffer);
		for (uint32 i = 0; i < seen.count; i++)
			for (BlockNumber page = 0; page < IvfStreamPages(runs[i].bytes); page++)
				IvfFreePage(rw, runs[i].first + page);
		pfree(runs);
	}
	IvfFreePage(rw, seen.block);
}

Buffer IvfTakePage(IvfRewriter *rw) {
	for (BlockNumber block = rw->lowest; block < rw->map_blocks; block++) {
		if (!rw->free_map[block])
			continue;
		rw->lowest = block + 1;
		Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_EXCLUSIVE);
		if (IsReusable(BufferGetPage(buffer))) {
			TakeFree(rw, block);
			return buffer;
		}
		rw->free_map[block] = false;
		rw->free_pages--;
		UnlockReleaseBuffer(buffer);
	}
	rw->lowest = rw->map_blocks;
	return VdbNewBuffer(rw->index, MAIN_FORKNUM);
}

BlockNumber IvfTakeRun(IvfRewriter *rw, BlockNumber pages, BlockNumber below,
                       void (*init)(Page page, BlockNumber i, void *arg), void *arg) {
	if (pages == 0)
		return InvalidBlockNumber;
	// The lowest run of free pages long enough, else new pages at the end.
	BlockNumber first = InvalidBlockNumber;
	BlockNumber limit = Min(rw->map_blocks, below);
	for (BlockNumber block = rw->lowest, run = 0; block < limit && !BlockNumberIsValid(first); block++) {
		run = rw->free_map[block] ? run + 1 : 0;
		if (run == pages && block + 1 - pages < below)
			first = block + 1 - pages;
	}
	if (!BlockNumberIsValid(first))
		return BlockNumberIsValid(below) ? InvalidBlockNumber : IvfExtendRun(rw->index, pages, init, arg, true);
	for (BlockNumber i = 0; i < pages; i++) {
		Buffer buffer = VdbReadBuffer(rw->index, first + i, BUFFER_LOCK_EXCLUSIVE);
		if (!IsReusable(BufferGetPage(buffer)))
			elog(ERROR, "ivf free page %u was reused", first + i);
		TakeFree(rw, first + i);
		VdbPageEdit edit(rw->index);
		init(edit.Register(buffer, true), i, arg);
		edit.Finish();
		UnlockReleaseBuffer(buffer);
	}
	return first;
}

void IvfWaitForScans(IvfRewriter *rw) {
	VdbWaitForEarlierScans(rw->index, RelationGetRelid(rw->index));
	rw->waited = true;
}

IvfListWriter *IvfNewWriter(void) {
	IvfListWriter *w = (IvfListWriter *) palloc0(sizeof(IvfListWriter));
	w->buffer = InvalidBuffer;
	w->first = w->last = InvalidBlockNumber;
	return w;
}

// Writes the image to its block (a full-page WAL record) and releases it.
static void WriteImage(IvfRewriter *rw, IvfListWriter *w, BlockNumber next) {
	IvfPageHeader(w->image.data)->next = next;
	VdbPageEdit edit(rw->index);
	memcpy(edit.Register(w->buffer, true), w->image.data, BLCKSZ);
	edit.Finish();
	w->last = BufferGetBlockNumber(w->buffer);
	UnlockReleaseBuffer(w->buffer);
	w->buffer = InvalidBuffer;
}

void IvfWriterAdd(IvfRewriter *rw, IvfListWriter *w, const IvfTupleHeader *tuple) {
	const IvfMetaPageData &meta = rw->meta;
	if (BufferIsValid(w->buffer) && IvfPageHeader(w->image.data)->count == meta.tuples_per_page) {
		Buffer next = IvfTakePage(rw);
		WriteImage(rw, w, BufferGetBlockNumber(next));
		w->buffer = next;
		IvfInitDataPage(w->image.data);
	} else if (!BufferIsValid(w->buffer)) {
		w->buffer = IvfTakePage(rw);
		w->first = BufferGetBlockNumber(w->buffer);
		IvfInitDataPage(w->image.data);
	}
	IvfDataHeader *header = IvfPageHeader(w->image.data);
	IvfTupleHeader *stored = IvfPageTuple(w->image.data, meta, header->count);
	if (IvfCodeInRun(meta)) {
		// A new run for the code, from the free pages like the chain's.
		IvfRunSource source{IVF_TUPLE_CODE(tuple), meta.code_size, IVF_PAGE_RUN};
		*stored = *tuple;
		IvfRunRef ref{IvfTakeRun(rw, IvfStreamPages(meta.code_size), InvalidBlockNumber, IvfInitRunPage, &source),
		              meta.code_size};
		memcpy(IVF_TUPLE_CODE(stored), &ref, sizeof ref);
		memcpy(IvfTupleWords(meta, stored), IvfWholeTupleWords(meta, tuple), 8 * size_t(meta.filter_columns));
	} else {
		memcpy(stored, tuple, meta.tuple_size);
	}
	header->count++;
	w->rows++;
}

void IvfWriterFinish(IvfRewriter *rw, IvfListWriter *w, BlockNumber next) {
	if (BufferIsValid(w->buffer))
		WriteImage(rw, w, next);
}

IvfSeenChain *IvfNewSeenChain(void) {
	IvfSeenChain *seen = (IvfSeenChain *) palloc0(sizeof(IvfSeenChain));
	seen->cap = 16;
	seen->pages = (IvfSeenPage *) palloc(seen->cap * sizeof(IvfSeenPage));
	return seen;
}

void IvfCopyChain(IvfRewriter *rw, BlockNumber first, IvfSeenChain *seen, const ItemPointerData *dead,
                  uint32 dead_count, void (*sink)(void *arg, const IvfTupleHeader *tuple), void *arg) {
	const IvfMetaPageData &meta = rw->meta;
	uint32 position = 0;
	for (BlockNumber block = first; BlockNumberIsValid(block); position++) {
		CHECK_FOR_INTERRUPTS();
		if (position < seen->count && seen->pages[position].block != block)
			elog(ERROR, "ivf list chain changed during a rewrite at block %u", block);
		Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(rw->index, page, block, IVF_PAGE_DATA);
		IvfDataHeader *header = IvfPageHeader(page);
		uint32 count = Min(header->count, meta.tuples_per_page);
		uint32 from = position < seen->count ? seen->pages[position].count : 0;
		for (uint32 i = from; i < count; i++) {
			IvfTupleHeader *tuple = IvfPageTuple(page, meta, i);
			if (IsDead(dead, dead_count, &tuple->tid))
				continue;
			if (IvfCodeInRun(meta)) {
				// The whole tuple, its code read from its run under this page's lock.
				*rw->whole = *tuple;
				const uint8 *code = IvfTupleCode(rw->index, meta, tuple, IVF_TUPLE_CODE(rw->whole), NULL);
				Assert(code == IVF_TUPLE_CODE(rw->whole));
				(void) code;
				memcpy(IvfWholeTupleWords(meta, rw->whole), IvfTupleWords(meta, tuple), 8 * size_t(meta.filter_columns));
				tuple = rw->whole;
			}
			sink(arg, tuple);
		}
		if (position == seen->cap) {
			seen->cap *= 2;
			seen->pages = (IvfSeenPage *) repalloc(seen->pages, seen->cap * sizeof(IvfSeenPage));
		}
		if (position >= seen->count)
			seen->count = position + 1;
		seen->pages[position] = IvfSeenPage{block, count};
		block = header->next;
		UnlockReleaseBuffer(buffer);
	}
}

ItemPointerData *IvfDeadTids(IvfRewriter *rw, BlockNumber first, uint32 *count) {
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

BlockNumber IvfListFirst(IvfRewriter *rw, uint32 list) {
	Buffer buffer = VdbReadBuffer(rw->index, IvfEntryBlock(rw->meta, list), BUFFER_LOCK_SHARE);
	VdbCheckPageKind(rw->index, BufferGetPage(buffer), IvfEntryBlock(rw->meta, list), IVF_PAGE_CENTROID);
	BlockNumber first = IvfPageEntry(BufferGetPage(buffer), rw->meta, list)->first;
	UnlockReleaseBuffer(buffer);
	return first;
}

IvfRewriter *IvfBeginRewrite(Relation heap, Relation index) {
	IvfRewriter *rw = (IvfRewriter *) palloc0(sizeof(IvfRewriter));
	rw->heap = heap;
	rw->index = index;
	rw->meta = IvfReadMeta(index);
	const IvfMetaPageData &meta = rw->meta;
	rw->whole = (IvfTupleHeader *) palloc0(IvfWholeTupleSize(meta));
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
	for (BlockNumber block = IVF_METAPAGE_BLKNO + 1; block < blocks; block++) {
		if (reached[block] || IvfIsLayoutPage(meta, block))
			continue;
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		uint16 kind = PageIsNew(page) ? 0 : VdbPageGetOpaque(page)->page_kind;
		UnlockReleaseBuffer(buffer);
		// Pending pages (the metapage's pending chain) are never orphans.
		if (kind == 0 || kind == IVF_PAGE_FREE)
			MarkFree(rw, block);
		else if (kind == IVF_PAGE_DATA || kind == IVF_PAGE_STATE || kind == IVF_PAGE_CENTROID)
			IvfFreePage(rw, block);
	}
	pfree(reached);
	return rw;
}

// Cuts the free pages at the end off, with no insert extending meanwhile,
// and frees the rewriter. Unless a switch has waited already, it first
// waits for earlier scans: a page a merge freed may be among them.
void IvfEndRewrite(IvfRewriter *rw) {
	BlockNumber end = RelationGetNumberOfBlocks(rw->index);
	if (!rw->waited && end > IVF_METAPAGE_BLKNO + 1 && end - 1 < rw->map_blocks && rw->free_map[end - 1])
		IvfWaitForScans(rw);
	LockRelationForExtension(rw->index, ExclusiveLock);
	BlockNumber blocks = RelationGetNumberOfBlocks(rw->index);
	BlockNumber keep = blocks;
	while (keep > IVF_METAPAGE_BLKNO + 1 && keep - 1 < rw->map_blocks && rw->free_map[keep - 1])
		keep--;
	if (keep < blocks) {
		VDB_FAULT_POINT("ivf-compact-truncate");
		RelationTruncate(rw->index, keep);
	}
	UnlockRelationForExtension(rw->index, ExclusiveLock);
	IndexFreeSpaceMapVacuum(rw->index);
	pfree(rw->whole);
	pfree(rw->free_map);
	pfree(rw);
}

void IvfPackLists(IvfRewriter *rw) {
	// Where the index would end with every used page packed at the front.
	// The free pages below it are as many as the used pages past it, so
	// each list past it fits below, but only once its own pages below it
	// are free: a copy frees the old chain after it is done. A list with
	// pages on both sides is therefore first moved out, into free pages
	// past `end` (taken lowest first from there, the pages below skipped
	// for that copy), then back in.
	BlockNumber end = RelationGetNumberOfBlocks(rw->index) - rw->free_pages;
	for (uint32 list = 0; list < rw->meta.lists; list++) {
		BlockNumber below, past;
		CountListPages(rw, list, end, &below, &past);
		if (past == 0)
			continue;
		if (below > 0) {
			BlockNumber lowest = rw->lowest;
			rw->lowest = Max(lowest, end);
			RewriteList(rw, list, false);
			rw->lowest = Min(lowest, rw->lowest);
		}
		RewriteList(rw, list, false);
	}
}

void IvfCompact(Relation heap, Relation index) {
	IvfMergePending(index, true);
	IvfRewriter *rw = IvfBeginRewrite(heap, index);
	for (uint32 list = 0; list < rw->meta.lists; list++)
		RewriteList(rw, list, true);
	IvfPackLists(rw);
	IvfEndRewrite(rw);
	// vector_db_index_stats' last_compaction: one more small record, once
	// the compaction is whole (a crash before it leaves the previous time).
	Buffer meta_buffer = VdbReadBuffer(index, IVF_METAPAGE_BLKNO, BUFFER_LOCK_EXCLUSIVE);
	VdbPageEdit edit(index);
	IvfStampMeta(edit.Register(meta_buffer), &IvfMetaPageData::last_compaction);
	edit.Finish();
	UnlockReleaseBuffer(meta_buffer);
}

bool IvfCompactionDue(Relation index) {
	IvfMetaPageData meta = IvfReadMeta(index);
	BlockNumber layout = 1 + IvfStatePages(meta) + IvfCentroidPages(meta);
	BlockNumber blocks = RelationGetNumberOfBlocks(index);
	if (blocks <= layout)
		return false;
	uint64 rows = 0;
	for (uint32 list = 0; list < meta.lists; list++) {
		Buffer buffer = VdbReadBuffer(index, IvfEntryBlock(meta, list), BUFFER_LOCK_SHARE);
		rows += IvfPageEntry(BufferGetPage(buffer), meta, list)->rows;
		UnlockReleaseBuffer(buffer);
	}
	// Packed, the rows would fill this many pages (each list's last one
	// partly), and their codes' runs as many as they have now.
	double packed = double(rows) / meta.tuples_per_page + meta.lists;
	if (IvfCodeInRun(meta))
		packed += double(rows) * IvfStreamPages(meta.code_size);
	return packed < ivf_compaction_threshold * (blocks - layout);
}
