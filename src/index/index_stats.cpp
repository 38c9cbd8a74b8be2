// Dispatches vector_db_index_stats to the gatherer of the index's AM and
// forms its row (see index_stats.h for the locks; the privileges are those
// of vector_db_index_check, checked before any lock is taken).
#include "index/index_stats.h"

#include "index/index_check.h"
#include "index/index_registry.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "funcapi.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace {

VdbIndexRegistry<VdbIndexStatsGatherer> gatherers;

enum Column {
	kPending,
	kLive,
	kDeleted,
	kPages,
	kFreePages,
	kLastMerge,
	kLastCompaction,
	kLists,
	kListImbalance,
	kRowsSinceTraining,
	kRowsOutOfRange,
	kLastRebalance,
	kColumns
};

}  // namespace

void VdbRegisterIndexStats(const char *am_name, VdbIndexStatsGatherer gatherer) {
	gatherers.Add(am_name, gatherer);
}

bool VdbPageHoldsNothing(Relation index, BlockNumber block, Page page) {
	return PageIsNew(page) || GetRecordedFreeSpace(index, block) > 0;
}

VDB_FUNCTION(vector_db_index_stats) {
	Oid index_oid = PG_GETARG_OID(0);
	Oid heap_oid = VdbIndexTable(index_oid);
	if (!VdbMayInspectIndexesOf(heap_oid))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
		                errmsg("permission denied to read statistics of index \"%s\"", get_rel_name(index_oid)),
		                errdetail("Only the owner of table \"%s\", superusers and members of " VDB_INSPECT_ROLES
		                          " may read the statistics of its indexes.",
		                          get_rel_name(heap_oid))));
	Relation index = index_open(index_oid, AccessShareLock);
	// The index may have been dropped and its OID reused before the lock.
	if (index->rd_index->indrelid != heap_oid)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
		                errmsg("could not open the table of index \"%s\"", RelationGetRelationName(index))));
	VdbIndexStatsGatherer gatherer = gatherers.Find(index);

	VdbIndexStats stats;
	memset(&stats, 0, sizeof stats);
	stats.pages = RelationGetNumberOfBlocks(index);
	// No metapage yet: CREATE INDEX CONCURRENTLY has made the index but not
	// built it. Nothing is in it.
	if (stats.pages > 0)
		gatherer(index, &stats);
	index_close(index, AccessShareLock);

	TupleDesc desc;
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "vector_db_index_stats must return a row");
	if (desc->natts != kColumns)
		elog(ERROR, "vector_db_index_stats returns %d columns, not %d", desc->natts, int(kColumns));
	desc = BlessTupleDesc(desc);
	Datum values[kColumns];
	bool nulls[kColumns] = {};
	values[kPending] = Int64GetDatum(stats.pending);
	values[kLive] = Int64GetDatum(stats.live);
	values[kDeleted] = Int64GetDatum(stats.deleted);
	values[kPages] = Int64GetDatum(int64(stats.pages));
	values[kFreePages] = Int64GetDatum(int64(stats.free_pages));
	values[kLastMerge] = TimestampTzGetDatum(stats.last_merge);
	nulls[kLastMerge] = !stats.has_last_merge;
	values[kLastCompaction] = TimestampTzGetDatum(stats.last_compaction);
	nulls[kLastCompaction] = !stats.has_last_compaction;
	values[kLists] = Int32GetDatum(stats.lists);
	nulls[kLists] = !stats.has_lists;
	values[kListImbalance] = Float8GetDatum(stats.list_imbalance);
	nulls[kListImbalance] = !stats.has_list_imbalance;
	values[kRowsSinceTraining] = Int64GetDatum(stats.rows_since_training);
	nulls[kRowsSinceTraining] = !stats.has_rows_since_training;
	values[kRowsOutOfRange] = Int64GetDatum(stats.rows_out_of_range);
	nulls[kRowsOutOfRange] = !stats.has_rows_out_of_range;
	values[kLastRebalance] = TimestampTzGetDatum(stats.last_rebalance);
	nulls[kLastRebalance] = !stats.has_last_rebalance;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
