// Dispatches vector_db_merge to the merge of the index's AM. Besides
// EXECUTE (revoked from PUBLIC), who may run it is VACUUM's rule: the
// table's owner, the database's owner (for a table not shared) and
// superusers. The locks are an INSERT's (ROW EXCLUSIVE on
// the table and the index): a merge changes the index the way inserts do,
// and the AM's own merge lock keeps merges and VACUUM one at a time.
#include "index/index_merge.h"

#include "index/index_check.h"

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "access/xlog.h"
#include "catalog/catalog.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_database.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
}

namespace {

struct RegisteredMerger {
	const char *am_name;
	VdbPendingMerger merger;
};
RegisteredMerger mergers[4];
int merger_count = 0;

bool MayMaintain(Oid heap_oid) {
	Oid user = GetUserId();
#if PG_VERSION_NUM >= 160000
	return object_ownercheck(RelationRelationId, heap_oid, user) ||
	       (!IsSharedRelation(heap_oid) && object_ownercheck(DatabaseRelationId, MyDatabaseId, user));
#else
	return pg_class_ownercheck(heap_oid, user) ||
	       (!IsSharedRelation(heap_oid) && pg_database_ownercheck(MyDatabaseId, user));
#endif
}

}  // namespace

void VdbRegisterPendingMerger(const char *am_name, VdbPendingMerger merger) {
	if (merger_count == lengthof(mergers))
		elog(ERROR, "too many pending mergers");
	mergers[merger_count++] = RegisteredMerger{am_name, merger};
}

VDB_FUNCTION(vector_db_merge) {
	Oid index_oid = PG_GETARG_OID(0);
	Oid heap_oid = VdbTableOfIndex(index_oid);
	if (!MayMaintain(heap_oid))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
		                errmsg("permission denied to merge index \"%s\"", get_rel_name(index_oid)),
		                errdetail("Only the owner of table \"%s\", the database owner and superusers may merge "
		                          "its indexes, as for VACUUM.",
		                          get_rel_name(heap_oid))));
	if (RecoveryInProgress())
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), errmsg("recovery is in progress"),
		                errhint("Pending entries cannot be merged during recovery.")));
	Relation heap = table_open(heap_oid, RowExclusiveLock);
	Relation index = VdbOpenIndexOf(index_oid, heap_oid, RowExclusiveLock);
	const char *am = get_am_name(index->rd_rel->relam);
	VdbPendingMerger merger = NULL;
	for (int i = 0; i < merger_count; i++)
		if (am != NULL && strcmp(mergers[i].am_name, am) == 0)
			merger = mergers[i].merger;
	if (merger == NULL)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("index \"%s\" has no pending area", RelationGetRelationName(index)),
		                errdetail("Only hnsw indexes have one.")));
	int64 merged = merger(index);
	index_close(index, RowExclusiveLock);
	table_close(heap, RowExclusiveLock);
	PG_RETURN_INT64(merged);
}
