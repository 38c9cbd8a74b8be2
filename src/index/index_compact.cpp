// Dispatches vector_db_compact to the compactor of the index's AM, after the
// checks VACUUM would make (index_compact.h). Rights are checked before any
// lock is taken, so a role that may not compact cannot make VACUUM wait.
#include "index/index_compact.h"

#include "index/am_registry.h"

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_database.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
}

namespace {

VdbAmRegistry<VdbIndexCompactor> compactors;

// Who may VACUUM the table may compact its indexes.
void CheckPrivileges(Oid heap_oid, Oid index_oid) {
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
	                errmsg("permission denied to compact index \"%s\"", get_rel_name(index_oid)),
	                errdetail("Only roles that may VACUUM table \"%s\" may compact its indexes.",
	                          get_rel_name(heap_oid))));
}

}  // namespace

void VdbRegisterIndexCompactor(const char *am_name, VdbIndexCompactor compactor) {
	compactors.Add(am_name, compactor);
}

VdbIndexCompactor VdbFindIndexCompactor(Relation index) { return compactors.Find(index); }

VDB_FUNCTION(vector_db_compact) {
	Oid index_oid = PG_GETARG_OID(0);
	PreventCommandDuringRecovery("vector_db_compact()");
	Oid heap_oid = VdbTableOfIndex(index_oid);
	CheckPrivileges(heap_oid, index_oid);
	Relation heap = table_open(heap_oid, ShareUpdateExclusiveLock);
	Relation index = index_open(index_oid, RowExclusiveLock);
	// The index may have been dropped and its OID reused before the locks.
	if (IndexGetRelation(index_oid, false) != heap_oid)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
		                errmsg("could not open the table of index \"%s\"", RelationGetRelationName(index))));
	if (RELATION_IS_OTHER_TEMP(index))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("cannot compact temporary indexes of other sessions")));
	VdbIndexCompactor compactor = VdbFindIndexCompactor(index);
	if (compactor == NULL)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("index \"%s\" is not a vector_db index", RelationGetRelationName(index))));
	// A concurrent build still adds rows the way a build does.
	if (!index->rd_index->indisvalid)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("cannot compact index \"%s\"", RelationGetRelationName(index)),
		                errdetail("Index is not valid."), errhint("REINDEX it, or drop it.")));
	int64 pages = compactor(index);
	index_close(index, RowExclusiveLock);
	table_close(heap, ShareUpdateExclusiveLock);
	PG_RETURN_INT64(pages);
}
