// vector_db_index_stats for ivfflat and ivf (index/index_stats.h): one pass
// over the blocks in order, each read under a buffer share lock released
// before the next.
//
// live is the sum of the lists' row counts (their centroid entries), which
// is what scans can return: VACUUM removes a dead row's tuple at once, so
// nothing is ever marked deleted and deleted is 0. A page counts as free when
// it holds nothing: a page of the free space map or never initialised
// (VdbPageHoldsNothing), or a data page with no tuple (VACUUM empties pages
// but keeps them in their list's chain). The list imbalance is the largest
// list's rows over the mean rows per list; rows added since training is the
// sum of the centroid pages' insert counters (ivf_pages.h), NULL for an
// index built before they existed.
//
// Pending rows are the tuples of pending pages (fastupdate,
// ivf_pending.cpp) not flagged gone, counted in live too: scans return
// them. last_merge is the metapage's (0 in an index that never merged, or
// was built before the field existed: NULL). A rebalance writes fresh
// centroid pages, so the insert counters start again at 0. Nothing records
// compactions or retraining times yet: last_compaction stays NULL.
#include "ivf/ivf.h"

#include "index/index_stats.h"

extern "C" {
#include "miscadmin.h"
}

void IvfGatherStats(Relation index, VdbIndexStats *stats) {
	IvfMetaPageData meta = IvfReadMeta(index);
	BlockNumber centroid_end = IvfEntryBlock(meta, meta.lists - 1) + 1;
	int64 largest = 0;
	int64 inserted = 0;
	IvfPendingShape shape = IvfPendingShapeOf(uint32(IvfMetric(meta).bytes));
	for (BlockNumber block = IVF_METAPAGE_BLKNO + 1; block < stats->pages; block++) {
		CHECK_FOR_INTERRUPTS();
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		if (VdbPageHoldsNothing(index, block, page)) {
			stats->free_pages++;
		} else if (block >= meta.centroid_start && block < centroid_end) {
			VdbCheckPageKind(index, page, block, IVF_PAGE_CENTROID);
			inserted += VdbPageGetOpaque(page)->aux;
			uint32 list = (block - meta.centroid_start) * meta.entries_per_page;
			for (; list < meta.lists && IvfEntryBlock(meta, list) == block; list++) {
				int64 rows = IvfPageEntry(page, meta, list)->rows;
				stats->live += rows;
				largest = Max(largest, rows);
			}
		} else if (VdbPageGetOpaque(page)->page_kind == IVF_PAGE_DATA && IvfPageHeader(page)->count == 0) {
			stats->free_pages++;
		} else if (VdbPageGetOpaque(page)->page_kind == IVF_PAGE_PENDING) {
			uint32 count = Min(IvfPageHeader(page)->count, shape.per_page);
			for (uint32 i = 0; i < count; i++)
				if ((IvfPendingTuple(page, shape, i)->flags & IVF_PENDING_GONE) == 0)
					stats->pending++;
		}
		UnlockReleaseBuffer(buffer);
	}
	stats->has_last_merge = meta.last_merge != 0;
	stats->last_merge = meta.last_merge;
	stats->has_lists = true;
	stats->lists = int32(meta.lists);
	stats->has_list_imbalance = stats->live > 0;
	if (stats->has_list_imbalance)
		stats->list_imbalance = double(largest) / (double(stats->live) / meta.lists);
	stats->live += stats->pending;
	stats->has_rows_since_training = (meta.flags & IVF_META_COUNTS_INSERTS) != 0;
	if (stats->has_rows_since_training)
		stats->rows_since_training = inserted;
}
