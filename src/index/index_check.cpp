// Dispatches vector_db_index_check to the checker of the index's AM, and the
// heap-side check every checker shares (heapallindexed).
//
// heapallindexed follows amcheck's design (verify_nbtree.c): an MVCC
// snapshot is registered before the checker reads the index, and the heap
// scan afterwards sees only the rows of that snapshot. Every such row was
// committed, so its index entry was written, before the checker started; a
// row inserted while the check runs is invisible to the scan and cannot be
// reported missing, and no row the snapshot sees can be vacuumed away (the
// snapshot holds back the xmin horizon, and the table lock keeps VACUUM out).
//
// Privileges are checked before any lock is taken, so a role that may not
// check an index cannot make VACUUM wait either.
#include "index/index_check.h"

#include "index/index_metric.h"
#include "index/index_registry.h"

extern "C" {
#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "executor/tuptable.h"
#include "storage/bufmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace {

VdbIndexRegistry<VdbIndexChecker> checkers;

int TidCompare(const void *a, const void *b) { return ItemPointerCompare((ItemPointer) a, (ItemPointer) b); }

struct HeapCheck {
	const VdbIndexedTids *indexed;  // sorted
	char *element;
};

void HeapCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg) {
	HeapCheck *check = (HeapCheck *) arg;
	if (!alive || isnull[0] || !VdbDatumToElement(index, check->indexed->metric, values[0], check->element))
		return;
	if (bsearch(tid, check->indexed->tids, check->indexed->count, sizeof(ItemPointerData), TidCompare) == NULL)
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("index \"%s\" lacks heap row (%u,%u)", RelationGetRelationName(index),
		                       ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid))));
}

// Raises XX002 naming the first heap row visible to `snapshot` with an
// indexable value (not NULL, not a zero vector under cosine, within a
// partial index's predicate) whose TID is not in `indexed`.
void CheckHeapAllIndexed(Relation index, Relation heap, Snapshot snapshot, VdbIndexedTids *indexed) {
	qsort(indexed->tids, indexed->count, sizeof(ItemPointerData), TidCompare);
	HeapCheck check{indexed, (char *) palloc(indexed->metric.bytes)};
	IndexInfo *info = BuildIndexInfo(index);
	// The scan behaves as the first one of CREATE INDEX CONCURRENTLY: the
	// rows of the snapshot, without waiting on open transactions.
	info->ii_Concurrent = true;
	info->ii_Unique = false;
	info->ii_ExclusionOps = NULL;
	info->ii_ExclusionProcs = NULL;
	info->ii_ExclusionStrats = NULL;
	TableScanDesc scan = table_beginscan_strat(heap, snapshot, 0, NULL, true, true);
	table_index_build_scan(heap, index, info, true, false, HeapCallback, &check, scan);  // ends the scan
	pfree(check.element);
}

void CheckPrivileges(Oid heap_oid, Oid index_oid) {
	if (VdbMayInspectIndexesOf(heap_oid))
		return;
	ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
	                errmsg("permission denied to check index \"%s\"", get_rel_name(index_oid)),
	                errdetail("Only the owner of table \"%s\", superusers and members of " VDB_INSPECT_ROLES
	                          " may check its indexes.",
	                          get_rel_name(heap_oid))));
}

}  // namespace

Oid VdbIndexTable(Oid index_oid) {
	Oid heap_oid = IndexGetRelation(index_oid, true);
	if (!OidIsValid(heap_oid)) {
		const char *name = get_rel_name(index_oid);
		if (name == NULL)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", index_oid)));
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not an index", name)));
	}
	// A partitioned index (CREATE INDEX on a partitioned table) has no
	// pages: its partitions' indexes hold the entries, one by one.
	if (get_rel_relkind(index_oid) == RELKIND_PARTITIONED_INDEX) {
		const char *name = get_rel_name(index_oid);
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is a partitioned index", name),
		                errdetail("A partitioned index has no entries of its own; the index of each partition has."),
		                errhint("Call the function on each partition's index: SELECT relid FROM "
		                        "pg_partition_tree('%s') WHERE isleaf lists them.",
		                        quote_qualified_identifier(get_namespace_name(get_rel_namespace(index_oid)), name))));
	}
	return heap_oid;
}

bool VdbMayInspectIndexesOf(Oid heap_oid) {
	Oid user = GetUserId();
#if PG_VERSION_NUM >= 160000
	if (object_ownercheck(RelationRelationId, heap_oid, user))
		return true;
#else
	if (pg_class_ownercheck(heap_oid, user))
		return true;
#endif
	if (has_privs_of_role(user, ROLE_PG_MONITOR))
		return true;
#if PG_VERSION_NUM >= 170000
	if (has_privs_of_role(user, ROLE_PG_MAINTAIN))
		return true;
#endif
	return false;
}

void VdbAddIndexedTid(VdbIndexedTids *set, ItemPointerData tid) {
	if (set->count == set->capacity) {
		set->capacity = Max(set->capacity * 2, 1024);
		set->tids = (ItemPointerData *) (set->tids == NULL
		                                     ? palloc(set->capacity * sizeof(ItemPointerData))
		                                     : repalloc(set->tids, set->capacity * sizeof(ItemPointerData)));
	}
	set->tids[set->count++] = tid;
}

bool VdbHeapRowVisibleNow(Relation index, ItemPointer tid) {
	Relation heap = table_open(index->rd_index->indrelid, NoLock);
	bool visible = false;
	if (ItemPointerGetBlockNumber(tid) < RelationGetNumberOfBlocks(heap)) {
		Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
		IndexFetchTableData *fetch = table_index_fetch_begin(heap);
		TupleTableSlot *slot = table_slot_create(heap, NULL);
		ItemPointerData at = *tid;
		bool call_again = false, all_dead = false;
		visible = table_index_fetch_tuple(fetch, &at, snapshot, slot, &call_again, &all_dead);
		ExecDropSingleTupleTableSlot(slot);
		table_index_fetch_end(fetch);
		UnregisterSnapshot(snapshot);
	}
	table_close(heap, NoLock);
	return visible;
}

void VdbRegisterIndexChecker(const char *am_name, VdbIndexChecker checker) {
	checkers.Add(am_name, checker);
}

VDB_FUNCTION(vector_db_index_check) {
	Oid index_oid = PG_GETARG_OID(0);
	bool heap_all_indexed = PG_NARGS() > 1 && !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	Oid heap_oid = VdbIndexTable(index_oid);
	CheckPrivileges(heap_oid, index_oid);
	// A hot standby grants no lock above ROW EXCLUSIVE; it runs no VACUUM of
	// its own either (what the lock keeps out on a primary).
	LOCKMODE heap_lock = RecoveryInProgress() ? AccessShareLock : ShareUpdateExclusiveLock;
	Relation heap = table_open(heap_oid, heap_lock);
	Relation index = index_open(index_oid, AccessShareLock);
	// The index may have been dropped and its OID reused before the locks.
	if (IndexGetRelation(index_oid, false) != heap_oid)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
		                errmsg("could not open the table of index \"%s\"", RelationGetRelationName(index))));
	VdbIndexChecker checker = checkers.Find(index);
	// An index a concurrent build has not finished lacks rows by design.
	if (!index->rd_index->indisvalid)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("cannot check index \"%s\"", RelationGetRelationName(index)),
		                errdetail("Index is not valid."), errhint("REINDEX it, or drop it.")));

	Snapshot snapshot = NULL;
	VdbIndexedTids indexed{};
	if (heap_all_indexed) {
		snapshot = RegisterSnapshot(GetTransactionSnapshot());
		// A REPEATABLE READ snapshot may predate the index (see amcheck).
		if (IsolationUsesXactSnapshot() && index->rd_index->indcheckxmin &&
		    !TransactionIdPrecedes(HeapTupleHeaderGetXmin(index->rd_indextuple->t_data), snapshot->xmin))
			ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			                errmsg("index \"%s\" cannot be verified using transaction snapshot",
			                       RelationGetRelationName(index))));
	}
	checker(index, heap_all_indexed ? &indexed : NULL);
	if (heap_all_indexed) {
		CheckHeapAllIndexed(index, heap, snapshot, &indexed);
		UnregisterSnapshot(snapshot);
	}
	index_close(index, AccessShareLock);
	table_close(heap, heap_lock);
	PG_RETURN_VOID();
}
