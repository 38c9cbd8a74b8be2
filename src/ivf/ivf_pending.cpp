// The pending area of ivfflat and ivf indexes (fastupdate) and its merge.
//
// An insert with fastupdate on skips the two costly steps of an ivf insert,
// ranking every centroid and encoding the row: it appends the row's element
// as it is (the column's encoding, unquantized) with its heap TID to the
// last page of a chain of pending pages that starts at the metapage
// (pending_head, pending_tail). Scans score every pending row exactly
// (ivf_scan.cpp); a merge later does the rest of the insert for each row.
//
// Lock protocol (docs/ivf.md, "Fast ingest"):
//  - An append locks the metapage exclusively, then the tail page; the
//    tuple, a new tail page if one is needed and the metapage change are
//    one WAL record. Appends are serialised by the metapage lock, held for
//    one page write.
//  - A merge holds the merge lock (a page lock on IVF_MERGE_LOCK_BLKNO, no
//    buffer) exclusively, so merges run one at a time; the index check holds
//    it shared. It merges the head page's tuples one at a time: it copies a
//    tuple under a share lock, picks its list and encodes it with no lock,
//    then (IvfAppendTuple's `from`) locks the metapage shared and checks its
//    generation, locks the pending page exclusively, checks that the tuple
//    is still pending and, in one WAL record, appends it to its list and
//    flags it IVF_PENDING_GONE. A rebalance that switched the lists since
//    the encoding (a new generation) makes it encode the row again for the
//    new ones: nothing was written, so the row is still pending, once.
//    Rebalances merge the area first too (ivf_rebalance.cpp), so the
//    retraining samples its rows. When every tuple of the head
//    page is gone it locks the metapage, then the page, and in one record
//    unlinks the page from the chain and marks it free.
//  - Scans read the chain one page at a time under a share lock, before
//    they probe any list, and drop a list tuple whose TID they met in the
//    area (one merged meanwhile). A page met as no longer pending was
//    detached after every page before it: the walk starts again from the
//    metapage's head, which lies past every page it visited.
//  - VACUUM flags the pending tuples of dead rows gone (under each page's
//    exclusive lock) before it walks the lists: a merge either moved a row
//    before VACUUM reached its page, so VACUUM finds it in its list later,
//    or finds it flagged and leaves it.
// Lock order: the metapage, then a pending page, then a list's centroid
// page, then its data pages. Nothing takes them the other way round.
//
// Crash safety: every step is one WAL record, and a row is pending (not
// flagged) or in its list (flagged), never both, at every record boundary.
// A merge after a crash skips the flagged tuples and goes on: merges are
// idempotent. A page freed by a merge is reused only by a compaction
// (ivf_rewrite.cpp), as a data page.
#include "ivf/ivf.h"

#include "pg/cpp_boundary.h"
#include "pg/fault.h"

extern "C" {
#include "miscadmin.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/timestamp.h"
}

// A page lock number no buffer lock conflicts with: page locks and buffer
// locks are different lock spaces.
#define IVF_MERGE_LOCK_BLKNO 0

namespace {

// The metapage locked exclusively, and its contents (the caller read and
// checked its geometry before, through IvfReadMeta or the cached state).
Buffer LockMeta(Relation index, IvfMetaPageData *meta) {
	Buffer buffer = VdbReadBuffer(index, IVF_METAPAGE_BLKNO, BUFFER_LOCK_EXCLUSIVE);
	VdbCheckPageKind(index, BufferGetPage(buffer), IVF_METAPAGE_BLKNO, IVF_PAGE_META);
	memcpy(meta, PageGetContents(BufferGetPage(buffer)), sizeof *meta);
	return buffer;
}

void WriteMeta(Page page, const IvfMetaPageData &meta) { memcpy(PageGetContents(page), &meta, sizeof meta); }

bool IsPendingPage(Page page) { return !PageIsNew(page) && VdbPageGetOpaque(page)->page_kind == IVF_PAGE_PENDING; }

// Takes the head page (every tuple gone, locked by the caller after the
// metapage) out of the chain and frees it. One WAL record.
void DetachHead(Relation index, Buffer meta_buffer, IvfMetaPageData *meta, Buffer buffer) {
	Page page = BufferGetPage(buffer);
	VdbPageEdit edit(index);
	Page meta_page = edit.Register(meta_buffer);
	Page copy = edit.Register(buffer);
	BlockNumber next = IvfPageHeader(page)->next;
	meta->pending_head = BlockNumberIsValid(next) ? next : 0;
	if (!BlockNumberIsValid(next))
		meta->pending_tail = 0;
	meta->pending_pages = meta->pending_pages > 0 ? meta->pending_pages - 1 : 0;
	meta->last_merge = GetCurrentTimestamp();
	WriteMeta(meta_page, *meta);
	VdbInitPage(copy, IVF_PAGE_FREE);
	IvfPageHeader(copy)->next = InvalidBlockNumber;
	IvfPageHeader(copy)->count = 0;
	edit.Finish();
}

// Whether every tuple of a pending page is gone.
bool AllGone(Page page, const IvfPendingShape &shape) {
	uint32 count = Min(IvfPageHeader(page)->count, shape.per_page);
	for (uint32 i = 0; i < count; i++)
		if ((IvfPendingTuple(page, shape, i)->flags & IVF_PENDING_GONE) == 0)
			return false;
	return true;
}

// Moves one pending row (its element copied out) into its list: the
// nearest list and the code are computed with no lock held, then
// IvfAppendTuple appends and flags the tuple gone in one record. When a
// rebalance switched the layout meanwhile, nothing was written: the row is
// encoded again for the new lists (*state reloaded). Whether it moved (not
// when VACUUM flagged it first).
bool MergeRow(Relation index, const IvfIndexState **state, IvfPendingSlot *from, ItemPointer tid,
              const char *element, const uint64 *words, uint8 *code) {
	for (;;) {
		bool fits;
		uint32 list = IvfEncodeRow(*state, element, code, &fits);
		if (IvfAppendTuple(index, (*state)->meta, list, tid, code, words, fits, from))
			return from->moved;
		// A rebalance keeps the tuple size (ivf_rebalance.cpp), so `code`
		// still fits.
		*state = IvfGetIndexState(index);
	}
}

// Merges every tuple of pending page `block`, then detaches it when nothing
// was appended to it meanwhile; returns the rows merged. *detached says
// whether it was.
int64 MergePage(Relation index, const IvfIndexState **state, const IvfPendingShape &shape, BlockNumber block,
                char *element, uint8 *code, bool *detached) {
	int64 merged = 0;
	for (uint32 slot = 0;; slot++) {
		CHECK_FOR_INTERRUPTS();
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(index, page, block, IVF_PAGE_PENDING);
		if (slot >= Min(IvfPageHeader(page)->count, shape.per_page)) {
			UnlockReleaseBuffer(buffer);
			break;
		}
		IvfTupleHeader *tuple = IvfPendingTuple(page, shape, slot);
		bool gone = (tuple->flags & IVF_PENDING_GONE) != 0;
		ItemPointerData tid = tuple->tid;
		if (gone) {
			UnlockReleaseBuffer(buffer);
			continue;
		}
		const void *stored = IvfPendingElementOf(index, shape, tuple, element);
		if (stored != element)
			memcpy(element, stored, shape.element_bytes);
		uint64 words[INDEX_MAX_KEYS];
		memcpy(words, IvfPendingWords(shape, tuple), 8 * size_t(shape.words));
		UnlockReleaseBuffer(buffer);
		IvfPendingSlot from{block, slot, &shape, false};
		if (MergeRow(index, state, &from, &tid, element, words, code))
			merged++;
		VDB_FAULT_POINT("ivf-merge-tuple");
	}

	IvfMetaPageData meta;
	Buffer meta_buffer = LockMeta(index, &meta);
	Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_EXCLUSIVE);
	*detached = meta.pending_head == block && AllGone(BufferGetPage(buffer), shape);
	if (*detached)
		DetachHead(index, meta_buffer, &meta, buffer);
	UnlockReleaseBuffer(buffer);
	UnlockReleaseBuffer(meta_buffer);
	if (*detached) {
		RecordFreeIndexPage(index, block);
		VDB_FAULT_POINT("ivf-merge-detached");
	}
	return merged;
}

}  // namespace

IvfPendingShape IvfPendingShapeOf(uint32 element_bytes, uint32 filter_columns) {
	IvfPendingShape shape;
	shape.element_bytes = element_bytes;
	shape.words = filter_columns;
	shape.in_run = IvfCodeTupleSize(element_bytes) + 8 * filter_columns > IVF_DATA_CAPACITY;
	shape.stride = IvfCodeTupleSize(shape.in_run ? sizeof(IvfRunRef) : element_bytes) + 8 * filter_columns;
	shape.per_page = IVF_DATA_CAPACITY / shape.stride;
	return shape;
}

const void *IvfPendingElementOf(Relation index, const IvfPendingShape &shape, const IvfTupleHeader *tuple,
                                void *scratch) {
	if (!shape.in_run)
		return IvfPendingElement(tuple);
	IvfReadRun(index, *(const IvfRunRef *) IvfPendingElement(tuple), shape.element_bytes, scratch, NULL);
	return scratch;
}

void IvfFreePendingRun(Relation index, const IvfPendingShape &shape, const IvfTupleHeader *tuple) {
	if (shape.in_run)
		IvfFreeRun(index, *(const IvfRunRef *) IvfPendingElement(tuple));
}

void IvfLockMerges(Relation index, LOCKMODE mode) { LockPage(index, IVF_MERGE_LOCK_BLKNO, mode); }

void IvfUnlockMerges(Relation index, LOCKMODE mode) { UnlockPage(index, IVF_MERGE_LOCK_BLKNO, mode); }

uint32 IvfAppendPending(Relation index, const IvfPendingShape &shape, ItemPointer tid, const void *element,
                        const uint64 *words) {
	// An element that spans pages goes to its run first (ivf_run.cpp).
	IvfRunRef run;
	if (shape.in_run) {
		run = IvfWriteRun(index, element, shape.element_bytes, true);
		element = &run;
	}
	IvfMetaPageData meta;
	Buffer meta_buffer = LockMeta(index, &meta);
	Buffer tail = InvalidBuffer;
	if (meta.pending_head != 0) {
		tail = VdbReadBuffer(index, meta.pending_tail, BUFFER_LOCK_EXCLUSIVE);
		VdbCheckPageKind(index, BufferGetPage(tail), meta.pending_tail, IVF_PAGE_PENDING);
	}
	// The metapage joins the record only when a page joins the chain: most
	// appends log the tail page alone.
	VdbPageEdit edit(index);
	Page target;
	Buffer fresh = InvalidBuffer;
	if (BufferIsValid(tail) && IvfPageHeader(BufferGetPage(tail))->count < shape.per_page) {
		target = edit.Register(tail);
	} else {
		// The first pending page, or the tail is full: a new page at the end.
		fresh = VdbNewBuffer(index, MAIN_FORKNUM);
		target = edit.Register(fresh, true);
		VdbInitPage(target, IVF_PAGE_PENDING);
		IvfPageHeader(target)->next = InvalidBlockNumber;
		IvfPageHeader(target)->count = 0;
		BlockNumber block = BufferGetBlockNumber(fresh);
		if (BufferIsValid(tail))
			IvfPageHeader(edit.Register(tail))->next = block;
		else
			meta.pending_head = block;
		meta.pending_tail = block;
		meta.pending_pages++;
		WriteMeta(edit.Register(meta_buffer), meta);
	}
	IvfDataHeader *header = IvfPageHeader(target);
	IvfTupleHeader *tuple = IvfPendingTuple(target, shape, header->count);
	tuple->tid = *tid;
	tuple->flags = 0;
	memcpy((char *) IvfPendingElement(tuple), element, shape.in_run ? sizeof(IvfRunRef) : shape.element_bytes);
	memcpy(IvfPendingWords(shape, tuple), words, 8 * size_t(shape.words));
	header->count++;
	edit.Finish();
	if (BufferIsValid(fresh))
		UnlockReleaseBuffer(fresh);
	if (BufferIsValid(tail))
		UnlockReleaseBuffer(tail);
	UnlockReleaseBuffer(meta_buffer);
	return meta.pending_pages;
}

void IvfWalkPending(Relation index, int lock_mode, void (*visit)(Buffer buffer, void *arg), void *arg) {
	BlockNumber block = IvfReadMeta(index).pending_head;
	BlockNumber restarted_at = InvalidBlockNumber;
	while (block != 0 && BlockNumberIsValid(block)) {
		CHECK_FOR_INTERRUPTS();
		Buffer buffer = VdbReadBuffer(index, block, lock_mode);
		Page page = BufferGetPage(buffer);
		if (!IsPendingPage(page)) {
			// Detached by a merge after we learnt its number: so was every
			// page before it. The head itself not pending is corruption.
			if (block == restarted_at)
				VdbCheckPageKind(index, page, block, IVF_PAGE_PENDING);
			UnlockReleaseBuffer(buffer);
			block = restarted_at = IvfReadMeta(index).pending_head;
			continue;
		}
		restarted_at = InvalidBlockNumber;
		visit(buffer, arg);
		block = IvfPageHeader(page)->next;
		UnlockReleaseBuffer(buffer);
	}
}

int64 IvfMergePending(Relation index, bool wait) {
	if (wait)
		IvfLockMerges(index, ExclusiveLock);
	else if (!ConditionalLockPage(index, IVF_MERGE_LOCK_BLKNO, ExclusiveLock))
		return 0;
	IvfMetaPageData meta = IvfReadMeta(index);
	BlockNumber last = meta.pending_tail;
	int64 merged = 0;
	if (meta.pending_head != 0) {
		const IvfIndexState *state = IvfGetIndexState(index);
		IvfPendingShape shape = IvfPendingShapeOf(uint32(state->coder.metric().bytes), state->meta.filter_columns);
		char *element = (char *) palloc(shape.element_bytes);
		uint8 *code = (uint8 *) palloc(state->meta.code_size);
		for (BlockNumber block = meta.pending_head; block != 0;) {
			bool detached;
			merged += MergePage(index, &state, shape, block, element, code, &detached);
			// The page that was the tail when we began is as far as we go:
			// inserts that keep appending cannot keep a merge going.
			if (!detached || block == last)
				break;
			block = IvfReadMeta(index).pending_head;
		}
		pfree(element);
		pfree(code);
	}
	IvfUnlockMerges(index, ExclusiveLock);
	return merged;
}

bool IvfPendingMergeDue(Relation index) { return IvfReadMeta(index).pending_head != 0; }

VdbPendingOptions IvfGetPendingOptions(Relation index) {
	return VdbGetPendingOptions(index, offsetof(IvfOptions, pending));
}
