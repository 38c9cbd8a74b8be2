// vector_db_index_stats(regclass): one SQL entry point that reports the state
// of any of our indexes (docs/monitoring.md). Each AM registers a gatherer by
// AM name at load time, as for vector_db_index_check; the gatherer fills a
// VdbIndexStats and the dispatch (index_stats.cpp) turns it into a row.
//
// Locks: the dispatch opens the index with AccessShareLock only (no table
// lock, as pgstatindex), so stats never wait for nor block inserts, scans or
// VACUUM. A gatherer reads one page at a time under a buffer share lock and
// holds none between pages: the figures are a sum over pages read at
// slightly different moments, exact when nothing writes meanwhile.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "datatype/timestamp.h"
#include "storage/block.h"
#include "storage/bufpage.h"
#include "utils/rel.h"
}

struct VdbIndexStats {
	int64 pending;          // rows in the pending area, not yet merged (0 without one)
	int64 live;             // entries scans can return
	int64 deleted;          // entries marked dead whose space is not reclaimed yet
	BlockNumber pages;      // blocks of the main fork (set by the dispatch)
	BlockNumber free_pages; // pages that hold no entry (VdbPageHoldsNothing)
	// Timestamps: valid only when the matching has_* is true (NULL otherwise).
	bool has_last_merge;
	TimestampTz last_merge;
	bool has_last_compaction;
	TimestampTz last_compaction;
	// IVF only (has_lists false: the three columns are NULL).
	bool has_lists;
	int32 lists;
	bool has_list_imbalance;  // false when the lists are empty
	double list_imbalance;    // rows of the largest list / mean rows per list
	bool has_rows_since_training;
	int64 rows_since_training;  // rows inserted since the centroids were trained
	bool has_rows_out_of_range;  // ivf with quantizer sq8 only
	int64 rows_out_of_range;     // of those, the rows outside the quantizer's trained range
	bool has_last_rebalance;  // ivf only, once a rebalance has switched its centroids
	TimestampTz last_rebalance;
};

// index is open with AccessShareLock; stats is zeroed, pages already set.
typedef void (*VdbIndexStatsGatherer)(Relation index, VdbIndexStats *stats);

void VdbRegisterIndexStats(const char *am_name, VdbIndexStatsGatherer gatherer);

// Whether a page holds nothing of the index whatever its kind says: never
// initialised (an extension a crash cut short), or recorded free in the
// index's free space map. Gatherers count such pages in free_pages and add
// the pages their own layout knows to be empty.
bool VdbPageHoldsNothing(Relation index, BlockNumber block, Page page);
