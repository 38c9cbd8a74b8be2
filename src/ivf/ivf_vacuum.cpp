// VACUUM for ivfflat and ivf. ambulkdelete walks every list's chain, drops
// the tuples whose heap rows are dead and compacts each changed page in
// place, taking the removed tuples off the list's row count in the same
// GenericXLog record (so an ERROR or a crash part way leaves the count right,
// which the fault-injection test 030 checks). The list's insert page is moved
// back to the first page that has room, so later inserts fill the holes
// before the chain grows. Centroids are not retrained; pages are never
// unlinked (an emptied page stays in its chain and is refilled).
//
// The pending area (fastupdate, ivf_pending.cpp) comes first: the pending
// tuples of dead rows are flagged gone, one WAL record per page, before
// any list is walked, so that a row a merge moves meanwhile is either
// flagged here (and never moved) or in its list before VACUUM walks it.
// amvacuumcleanup then merges what is left pending.
#include "ivf/ivf.h"
#include "index/index_am.h"
#include "pg/fault.h"

extern "C" {
#include "miscadmin.h"
}

namespace {

// Removes dead tuples from one page of `list` and takes them off the list's
// row count on its (locked) centroid page, in one WAL record: an ERROR or a
// crash between two pages leaves count and pages agreeing. Returns how many.
uint32 VacuumPage(Relation index, const IvfMetaPageData &meta, uint32 list, Buffer entry_buffer, Buffer buffer,
                  IndexBulkDeleteCallback callback, void *callback_state) {
	Page page = BufferGetPage(buffer);
	uint32 count = Min(IvfPageHeader(page)->count, meta.tuples_per_page);
	uint32 dead = 0;
	for (uint32 i = 0; i < count; i++)
		if (callback(&IvfPageTuple(page, meta, i)->tid, callback_state))
			dead++;
	if (dead == 0)
		return 0;
	// The runs of the codes that go (ivf_run.cpp), remembered before the
	// page's tuples move; freed once they are off the page.
	IvfRunRef *runs = IvfCodeInRun(meta) ? (IvfRunRef *) palloc(dead * sizeof(IvfRunRef)) : NULL;
	uint32 run_count = 0;
	VdbPageEdit edit(index);
	Page copy = edit.Register(buffer);
	uint32 kept = 0;
	for (uint32 i = 0; i < count; i++) {
		IvfTupleHeader *tuple = IvfPageTuple(copy, meta, i);
		if (callback(&tuple->tid, callback_state)) {
			if (runs != NULL && run_count < dead)
				runs[run_count++] = *IvfTupleRun(tuple);
			continue;
		}
		if (kept != i)
			memmove(IvfPageTuple(copy, meta, kept), tuple, meta.tuple_size);
		kept++;
	}
	// Zero the freed tail so that WAL and full-page images hold no stale codes.
	memset(IvfPageTuple(copy, meta, kept), 0, size_t(count - kept) * meta.tuple_size);
	IvfPageHeader(copy)->count = kept;
	IvfListEntry *entry = IvfPageEntry(edit.Register(entry_buffer), meta, list);
	entry->rows = entry->rows >= count - kept ? entry->rows - (count - kept) : 0;
	edit.Finish();
	for (uint32 i = 0; i < run_count; i++)
		IvfFreeRun(index, runs[i]);
	if (runs != NULL)
		pfree(runs);
	return count - kept;
}

struct PendingVacuum {
	Relation index;
	IvfPendingShape shape;
	IndexBulkDeleteCallback callback;
	void *callback_state;
	IndexBulkDeleteResult *stats;
};

// Flags the pending tuples of dead rows on one page (locked exclusively).
void VacuumPendingPage(Buffer buffer, void *arg) {
	PendingVacuum *pv = (PendingVacuum *) arg;
	Page page = BufferGetPage(buffer);
	uint32 count = Min(IvfPageHeader(page)->count, pv->shape.per_page);
	bool *dead = (bool *) palloc0(Max(count, 1) * sizeof(bool));
	uint32 dead_count = 0;
	for (uint32 i = 0; i < count; i++) {
		IvfTupleHeader *tuple = IvfPendingTuple(page, pv->shape, i);
		if (tuple->flags & IVF_PENDING_GONE)
			continue;
		dead[i] = pv->callback(&tuple->tid, pv->callback_state);
		dead_count += dead[i];
	}
	pv->stats->tuples_removed += dead_count;
	if (dead_count > 0) {
		VdbPageEdit edit(pv->index);
		Page copy = edit.Register(buffer);
		for (uint32 i = 0; i < count; i++)
			if (dead[i])
				IvfPendingTuple(copy, pv->shape, i)->flags |= IVF_PENDING_GONE;
		edit.Finish();
		for (uint32 i = 0; i < count; i++)
			if (dead[i])
				IvfFreePendingRun(pv->index, pv->shape, IvfPendingTuple(page, pv->shape, i));
	}
	for (uint32 i = 0; i < count; i++)
		if ((IvfPendingTuple(page, pv->shape, i)->flags & IVF_PENDING_GONE) == 0)
			pv->stats->num_index_tuples++;
	pfree(dead);
	VDB_FAULT_POINT("ivf-vacuum-pending");
}

}  // namespace

IndexBulkDeleteResult *ivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
                                     IndexBulkDeleteCallback callback, void *callback_state) {
	Relation index = info->index;
	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
	IvfMetaPageData meta = IvfReadMeta(index);
	PendingVacuum pv{index, IvfPendingShapeOf(uint32(IvfMetric(meta).bytes), meta.filter_columns), callback, callback_state, stats};
	IvfWalkPending(index, BUFFER_LOCK_EXCLUSIVE, VacuumPendingPage, &pv);
	for (uint32 list = 0; list < meta.lists; list++) {
		BlockNumber entry_block = IvfEntryBlock(meta, list);
		Buffer entry_buffer = VdbReadBuffer(index, entry_block, BUFFER_LOCK_SHARE);
		VdbCheckPageKind(index, BufferGetPage(entry_buffer), entry_block, IVF_PAGE_CENTROID);
		BlockNumber block = IvfPageEntry(BufferGetPage(entry_buffer), meta, list)->first;
		UnlockReleaseBuffer(entry_buffer);

		uint32 removed = 0;
		double kept = 0;
		BlockNumber first_with_room = InvalidBlockNumber;
		while (BlockNumberIsValid(block)) {
			VdbVacuumDelayPoint();
			// The centroid page first, as inserts lock them.
			entry_buffer = VdbReadBuffer(index, entry_block, BUFFER_LOCK_EXCLUSIVE);
			Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_EXCLUSIVE);
			VdbCheckPageKind(index, BufferGetPage(buffer), block, IVF_PAGE_DATA);
			removed += VacuumPage(index, meta, list, entry_buffer, buffer, callback, callback_state);
			IvfDataHeader *header = IvfPageHeader(BufferGetPage(buffer));
			kept += header->count;
			if (!BlockNumberIsValid(first_with_room) && header->count < meta.tuples_per_page)
				first_with_room = block;
			block = header->next;
			UnlockReleaseBuffer(buffer);
			UnlockReleaseBuffer(entry_buffer);
		}
		stats->tuples_removed += removed;
		stats->num_index_tuples += kept;
		VDB_FAULT_POINT("ivf-vacuum-list");
		if (!BlockNumberIsValid(first_with_room))
			continue;

		// Inserts into the list wait on this lock; they only ever move the
		// insert page forward, so moving it back to a page with room is safe.
		entry_buffer = VdbReadBuffer(index, entry_block, BUFFER_LOCK_EXCLUSIVE);
		if (IvfPageEntry(BufferGetPage(entry_buffer), meta, list)->insert != first_with_room) {
			VdbPageEdit edit(index);
			IvfPageEntry(edit.Register(entry_buffer), meta, list)->insert = first_with_room;
			edit.Finish();
		}
		UnlockReleaseBuffer(entry_buffer);
	}
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}

// Merges the pending area, reports the index's size; counts the rows when
// no bulk delete ran.
IndexBulkDeleteResult *ivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats) {
	if (info->analyze_only)
		return stats;
	IvfMergePending(info->index, true);
	if (stats == NULL) {
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
		IvfMetaPageData meta = IvfReadMeta(info->index);
		for (uint32 list = 0; list < meta.lists; list++) {
			Buffer buffer = VdbReadBuffer(info->index, IvfEntryBlock(meta, list), BUFFER_LOCK_SHARE);
			stats->num_index_tuples += IvfPageEntry(BufferGetPage(buffer), meta, list)->rows;
			UnlockReleaseBuffer(buffer);
		}
	}
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}
