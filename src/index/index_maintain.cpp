// vector_db_compact and vector_db_merge: rights, locks and the dispatch to
// the index's AM (see index_maintain.h), and the heap-side dead-entry test
// every AM's compaction shares.
#include "index/index_maintain.h"

#include "index/index_check.h"
#include "index/index_registry.h"

extern "C" {
#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/standby.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
}

namespace {

VdbIndexRegistry<const VdbCompaction *> compactions;

// Who may VACUUM the table may compact and merge its indexes; `verb` names
// the operation in the message ("compact", "merge").
void CheckPrivileges(Oid heap_oid, Oid index_oid, const char *verb) {
	Oid user = GetUserId();
#if PG_VERSION_NUM >= 160000
	if (object_ownercheck(RelationRelationId, heap_oid, user) ||
	    object_ownercheck(DatabaseRelationId, MyDatabaseId, user))
		return;
#else
	if (pg_class_ownercheck(heap_oid, user) || pg_database_ownercheck(MyDatabaseId, user))
		return;
#endif
#if PG_VERSION_NUM >= 170000
	if (has_privs_of_role(user, ROLE_PG_MAINTAIN))
		return;
#endif
	ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
	                errmsg("permission denied to %s index \"%s\"", verb, get_rel_name(index_oid)),
	                errdetail("Only roles that may VACUUM table \"%s\" may %s its indexes.", get_rel_name(heap_oid),
	                          verb)));
}

// Locks the table and then the index of index_oid in `lock` mode and opens
// both; ERROR when the index was dropped (its OID perhaps reused) meanwhile,
// or belongs to another session's temporary table.
Relation OpenIndexAndTable(Oid index_oid, LOCKMODE lock, const char *verb, Relation *heap) {
	Oid heap_oid = VdbIndexTable(index_oid);
	*heap = table_open(heap_oid, lock);
	Relation index = index_open(index_oid, lock);
	if (IndexGetRelation(index_oid, false) != heap_oid)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
		                errmsg("could not open the table of index \"%s\"", RelationGetRelationName(index))));
	if (RELATION_IS_OTHER_TEMP(*heap))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("cannot %s indexes of temporary tables of other sessions", verb)));
	return index;
}

}  // namespace

void VdbRegisterIndexCompaction(const char *am_name, const VdbCompaction *compaction) {
	compactions.Add(am_name, compaction);
}

void VdbWaitForEarlierScans(Relation index, Oid scanned) {
	LOCKTAG tag;
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, scanned);
	WaitForLockers(tag, AccessExclusiveLock, false);
	if (!XLogStandbyInfoActive())
		return;
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	BeginInternalSubTransaction(NULL);
	LogAccessExclusiveLock(MyDatabaseId, RelationGetRelid(index));
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(context);
	CurrentResourceOwner = owner;
}

uint32 VdbSortDeadTidsFirst(Relation heap, ItemPointerData *tids, uint32 count) {
	qsort(tids, count, sizeof(ItemPointerData),
	      [](const void *a, const void *b) { return ItemPointerCompare((ItemPointer) a, (ItemPointer) b); });
	// Only heap tables have line pointers to look at.
	if (heap->rd_tableam != GetHeapamTableAmRoutine())
		return 0;
	BlockNumber heap_blocks = RelationGetNumberOfBlocks(heap);
	uint32 dead = 0;
	for (uint32 i = 0; i < count;) {
		BlockNumber block = ItemPointerGetBlockNumber(&tids[i]);
		uint32 end = i;
		while (end < count && ItemPointerGetBlockNumber(&tids[end]) == block)
			end++;
		if (block < heap_blocks) {
			Buffer buffer = ReadBufferExtended(heap, MAIN_FORKNUM, block, RBM_NORMAL, NULL);
			heap_page_prune_opt(heap, buffer);
			LockBuffer(buffer, BUFFER_LOCK_SHARE);
			Page page = BufferGetPage(buffer);
			OffsetNumber max = PageGetMaxOffsetNumber(page);
			for (uint32 j = i; j < end; j++) {
				OffsetNumber offset = ItemPointerGetOffsetNumber(&tids[j]);
				// LP_DEAD stays dead until VACUUM, which the caller's lock keeps out.
				if (offset >= FirstOffsetNumber && offset <= max && ItemIdIsDead(PageGetItemId(page, offset))) {
					ItemPointerData tid = tids[j];
					tids[j] = tids[dead];
					tids[dead++] = tid;
				}
			}
			UnlockReleaseBuffer(buffer);
		}
		i = end;
	}
	// The dead ones were swapped out of order: sort both parts again.
	qsort(tids, dead, sizeof(ItemPointerData),
	      [](const void *a, const void *b) { return ItemPointerCompare((ItemPointer) a, (ItemPointer) b); });
	return dead;
}

namespace {

// Opens a valid index and its table SHARE UPDATE EXCLUSIVE, for `verb`
// ("compact", "rebalance").
Relation OpenForRewrite(Oid index_oid, const char *verb, Relation *heap) {
	Relation index = OpenIndexAndTable(index_oid, ShareUpdateExclusiveLock, verb, heap);
	// A concurrent build still adds rows the way a build does.
	if (!index->rd_index->indisvalid)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("cannot %s index \"%s\"", verb, RelationGetRelationName(index)),
		                errdetail("Index is not valid."), errhint("REINDEX it, or drop it.")));
	return index;
}

}  // namespace

int64 VdbCompactIndex(Oid index_oid) {
	Relation heap;
	Relation index = OpenForRewrite(index_oid, "compact", &heap);
	const VdbCompaction *compaction = compactions.Find(index);
	BlockNumber before = RelationGetNumberOfBlocks(index);
	compaction->compact(heap, index);
	BlockNumber after = RelationGetNumberOfBlocks(index);
	index_close(index, ShareUpdateExclusiveLock);
	table_close(heap, ShareUpdateExclusiveLock);
	return before > after ? int64(before - after) : 0;
}

bool VdbCompactionDue(Relation index) {
	return index->rd_index->indisvalid && compactions.Find(index)->due(index);
}

void VdbCompactOpened(Relation index) {
	Relation heap = table_open(index->rd_index->indrelid, NoLock);  // locked by the caller
	compactions.Find(index)->compact(heap, index);
	table_close(heap, NoLock);
}

VDB_FUNCTION(vector_db_compact) {
	Oid index_oid = PG_GETARG_OID(0);
	PreventCommandDuringRecovery("vector_db_compact()");
	// Rights before locks: a role that may not compact cannot make VACUUM wait.
	CheckPrivileges(VdbIndexTable(index_oid), index_oid, "compact");
	PG_RETURN_INT64(VdbCompactIndex(index_oid));
}

bool VdbMergeDue(Relation index) {
	const VdbCompaction *ops = compactions.Find(index);
	return index->rd_index->indisvalid && ops->merge_due(index);
}

void VdbMergeOpened(Relation index) {
	compactions.Find(index)->merge(index);
}

VDB_FUNCTION(vector_db_merge) {
	Oid index_oid = PG_GETARG_OID(0);
	PreventCommandDuringRecovery("vector_db_merge()");
	CheckPrivileges(VdbIndexTable(index_oid), index_oid, "merge");
	Relation heap;
	Relation index = OpenIndexAndTable(index_oid, RowExclusiveLock, "merge", &heap);
	int64 merged = compactions.Find(index)->merge(index);
	index_close(index, RowExclusiveLock);
	table_close(heap, RowExclusiveLock);
	PG_RETURN_INT64(merged);
}

bool VdbRebalanceDue(Relation index) {
	const VdbCompaction *ops = compactions.Find(index);
	return index->rd_index->indisvalid && ops->rebalance_due != NULL && ops->rebalance_due(index);
}

void VdbRebalanceOpened(Relation index) {
	Relation heap = table_open(index->rd_index->indrelid, NoLock);  // locked by the caller
	compactions.Find(index)->rebalance(heap, index);
	table_close(heap, NoLock);
}

VDB_FUNCTION(vector_db_rebalance) {
	Oid index_oid = PG_GETARG_OID(0);
	PreventCommandDuringRecovery("vector_db_rebalance()");
	CheckPrivileges(VdbIndexTable(index_oid), index_oid, "rebalance");
	Relation heap;
	Relation index = OpenForRewrite(index_oid, "rebalance", &heap);
	const VdbCompaction *ops = compactions.Find(index);
	if (ops->rebalance == NULL)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("index \"%s\" has no lists to rebalance", RelationGetRelationName(index)),
		                errdetail("Only ivfflat and ivf indexes have them.")));
	// This session's own open scans of the old layout: the wait for
	// scans before old pages are freed does not wait for them.
	CheckTableNotInUse(index, "vector_db_rebalance()");
	ops->rebalance(heap, index);
	index_close(index, ShareUpdateExclusiveLock);
	table_close(heap, ShareUpdateExclusiveLock);
	PG_RETURN_VOID();
}
