// Dispatches vector_db_index_check to the checker of the index's AM.
#include "index/index_check.h"

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "commands/defrem.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "utils/lsyscache.h"
}

namespace {

struct RegisteredChecker {
	const char *am_name;
	VdbIndexChecker checker;
};

RegisteredChecker checkers[4];
int checker_count = 0;

}  // namespace

void VdbRegisterIndexChecker(const char *am_name, VdbIndexChecker checker) {
	if (checker_count == lengthof(checkers))
		elog(ERROR, "too many index checkers");
	checkers[checker_count++] = RegisteredChecker{am_name, checker};
}

VDB_FUNCTION(vector_db_index_check) {
	Oid index_oid = PG_GETARG_OID(0);
	bool heap_all_indexed = PG_NARGS() > 1 && !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	Oid heap_oid = IndexGetRelation(index_oid, true);
	if (!OidIsValid(heap_oid))
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not an index", get_rel_name(index_oid))));
	Relation heap = table_open(heap_oid, AccessShareLock);
	Relation index = index_open(index_oid, AccessShareLock);
	const char *am = get_am_name(index->rd_rel->relam);
	VdbIndexChecker checker = NULL;
	for (int i = 0; i < checker_count; i++)
		if (am != NULL && strcmp(checkers[i].am_name, am) == 0)
			checker = checkers[i].checker;
	if (checker == NULL)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("index \"%s\" is not a vector_db index", RelationGetRelationName(index))));
	checker(index, heap, heap_all_indexed);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
	PG_RETURN_VOID();
}
