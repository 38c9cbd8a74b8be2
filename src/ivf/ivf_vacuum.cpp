// VACUUM for ivfflat and ivf. ambulkdelete walks every list's chain, drops
// the tuples whose heap rows are dead and compacts each changed page in
// place, taking the removed tuples off the list's row count in the same
// GenericXLog record (so an ERROR or a crash part way leaves the count right,
// which the fault-injection test 030 checks). The list's insert page is moved
// back to the first page that has room, so later inserts fill the holes
// before the chain grows. Centroids are not retrained; pages are never
// unlinked (an emptied page stays in its chain and is refilled).
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
	VdbPageEdit edit(index);
	Page copy = edit.Register(buffer);
	uint32 kept = 0;
	for (uint32 i = 0; i < count; i++) {
		IvfTupleHeader *tuple = IvfPageTuple(copy, meta, i);
		if (callback(&tuple->tid, callback_state))
			continue;
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
	return count - kept;
}

}  // namespace

IndexBulkDeleteResult *ivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
                                     IndexBulkDeleteCallback callback, void *callback_state) {
	Relation index = info->index;
	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
	IvfMetaPageData meta = IvfReadMeta(index);
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

// Reports the index's size; counts the rows when no bulk delete ran.
IndexBulkDeleteResult *ivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats) {
	if (info->analyze_only)
		return stats;
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
