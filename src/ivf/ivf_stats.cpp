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
// index built before they existed, and rows out of range the sum of their
// out-of-range counters, for sq8 only (other codes have no range).
//
// Pending rows are the tuples of pending pages (fastupdate,
// ivf_pending.cpp) not flagged gone, counted in live too: scans return
// them. last_merge, last_compaction and last_rebalance are the metapage's
// (0 in an index that never merged, compacted or rebalanced, or was built
// before the field existed: NULL). A rebalance writes fresh centroid pages,
// so the insert counters start again at 0.
#include "ivf/ivf.h"

#include "index/index_stats.h"

extern "C" {
#include "miscadmin.h"
}

void IvfGatherStats(Relation index, VdbIndexStats *stats) {
	IvfMetaPageData meta = IvfReadMeta(index);
	BlockNumber centroid_end = IvfEntryBlock(meta, meta.lists - 1) + 1;
	IvfListCounts counts = {};
	IvfPendingShape shape = IvfPendingShapeOf(uint32(IvfMetric(meta).bytes), meta.filter_columns);
	for (BlockNumber block = IVF_METAPAGE_BLKNO + 1; block < stats->pages; block++) {
		CHECK_FOR_INTERRUPTS();
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		if (VdbPageHoldsNothing(index, block, page)) {
			stats->free_pages++;
		} else if (block >= meta.centroid_start && block < centroid_end) {
			IvfCountCentroidPage(index, meta, block, page, &counts);
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
	stats->has_last_compaction = meta.last_compaction != 0;
	stats->last_compaction = meta.last_compaction;
	stats->has_last_rebalance = meta.last_rebalance != 0;
	stats->last_rebalance = meta.last_rebalance;
	stats->has_lists = true;
	stats->lists = int32(meta.lists);
	stats->live = counts.rows + stats->pending;
	stats->has_list_imbalance = counts.rows > 0;
	if (stats->has_list_imbalance)
		stats->list_imbalance = double(counts.largest) / (double(counts.rows) / meta.lists);
	stats->has_rows_since_training = (meta.flags & IVF_META_COUNTS_INSERTS) != 0;
	if (stats->has_rows_since_training)
		stats->rows_since_training = counts.inserted;
	stats->has_rows_out_of_range = meta.quantizer == uint8(vdb::IvfQuantizer::kSq8);
	if (stats->has_rows_out_of_range)
		stats->rows_out_of_range = counts.out_of_range;
}

void IvfCountCentroidPage(Relation index, const IvfMetaPageData &meta, BlockNumber block, Page page,
                          IvfListCounts *counts) {
	VdbCheckPageKind(index, page, block, IVF_PAGE_CENTROID);
	counts->inserted += VdbPageGetOpaque(page)->aux;
	counts->out_of_range += VdbPageGetOpaque(page)->aux16;
	for (uint32 list = (block - meta.centroid_start) * meta.entries_per_page;
	     list < meta.lists && IvfEntryBlock(meta, list) == block; list++) {
		int64 rows = IvfPageEntry(page, meta, list)->rows;
		counts->rows += rows;
		counts->largest = Max(counts->largest, rows);
	}
}
