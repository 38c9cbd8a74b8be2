// vector_db_compact: rights, locks and the dispatch to the index's AM (see
// index_maintain.h), and the heap-side dead-entry test every AM's compaction
// shares.
#include "index/index_maintain.h"

#include "index/index_check.h"
#include "ivf/ivf.h"

extern "C" {
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
}

namespace {

// Per AM: its compaction and when it is due, NULL while that AM has none yet.
struct AmCompaction {
	const char *am_name;
	VdbCompaction compact;
	bool (*due)(Relation index);
};
const AmCompaction compactions[] = {
	{"ivfflat", IvfCompact, IvfCompactionDue},
	{"ivf", IvfCompact, IvfCompactionDue},
	{"hnsw", NULL, NULL},
};

// The entry of the index's AM, NULL for an index that is not ours.
const AmCompaction *CompactionOf(Relation index) {
	const char *am = get_am_name(index->rd_rel->relam);
	for (const AmCompaction &c : compactions)
		if (am != NULL && strcmp(c.am_name, am) == 0)
			return &c;
	return NULL;
}

// VACUUM's rule: the table's owner, the database's owner, or a superuser.
void CheckOwner(Oid heap_oid) {
	Oid user = GetUserId();
#if PG_VERSION_NUM >= 160000
	bool owner = object_ownercheck(RelationRelationId, heap_oid, user) ||
	             object_ownercheck(DatabaseRelationId, MyDatabaseId, user);
#else
	bool owner = pg_class_ownercheck(heap_oid, user) || pg_database_ownercheck(MyDatabaseId, user);
#endif
	if (!owner)
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(heap_oid)), get_rel_name(heap_oid));
}

}  // namespace

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

void VdbCompactIndex(Oid index_oid) {
	Oid heap_oid = VdbIndexTable(index_oid);
	Relation heap = table_open(heap_oid, ShareUpdateExclusiveLock);
	Relation index = index_open(index_oid, ShareUpdateExclusiveLock);
	// The index may have been dropped and its OID reused before the locks.
	if (IndexGetRelation(index_oid, false) != heap_oid)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
		                errmsg("could not open the table of index \"%s\"", RelationGetRelationName(index))));
	if (RELATION_IS_OTHER_TEMP(heap))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("cannot compact indexes of temporary tables of other sessions")));
	const AmCompaction *compaction = CompactionOf(index);
	if (compaction == NULL)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("index \"%s\" is not a vector_db index", RelationGetRelationName(index))));
	if (compaction->compact == NULL)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("vector_db_compact does not support %s indexes yet", compaction->am_name)));
	if (!index->rd_index->indisvalid)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("cannot compact index \"%s\"", RelationGetRelationName(index)),
		                errdetail("Index is not valid."), errhint("REINDEX it, or drop it.")));
	compaction->compact(heap, index);
	index_close(index, ShareUpdateExclusiveLock);
	table_close(heap, ShareUpdateExclusiveLock);
}

bool VdbCompactionDue(Relation index) {
	const AmCompaction *compaction = CompactionOf(index);
	return compaction != NULL && compaction->due != NULL && index->rd_index->indisvalid && compaction->due(index);
}

void VdbCompactOpened(Relation index) {
	Relation heap = table_open(index->rd_index->indrelid, NoLock);  // locked by the caller
	CompactionOf(index)->compact(heap, index);
	table_close(heap, NoLock);
}

VDB_FUNCTION(vector_db_compact) {
	Oid index_oid = PG_GETARG_OID(0);
	PreventCommandDuringRecovery("vector_db_compact()");
	// Rights before locks: a role that may not compact cannot make VACUUM wait.
	CheckOwner(VdbIndexTable(index_oid));
	VdbCompactIndex(index_oid);
	PG_RETURN_VOID();
}
