// Dispatches vector_db_index_check to the checker of the index's AM, and the
// heap-side check every checker shares.
#include "index/index_check.h"

#include <algorithm>

#include "index/index_metric.h"
#include "pg/cpp_boundary.h"

extern "C" {
#include "access/genam.h"
#include "access/tableam.h"
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

bool TidLess(const ItemPointerData &a, const ItemPointerData &b) {
	return ItemPointerCompare(const_cast<ItemPointer>(&a), const_cast<ItemPointer>(&b)) < 0;
}

struct HeapCheck {
	const std::vector<ItemPointerData> *indexed;  // sorted
	const vdb::ElementMetric *metric;
	char *element;
};

void HeapCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg) {
	HeapCheck *check = (HeapCheck *) arg;
	if (!alive || isnull[0] || !VdbDatumToElement(index, *check->metric, values[0], check->element))
		return;
	if (!std::binary_search(check->indexed->begin(), check->indexed->end(), *tid, TidLess))
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("index \"%s\" lacks heap row (%u,%u)", RelationGetRelationName(index),
		                       ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid))));
}

}  // namespace

void VdbCheckHeapAllIndexed(Relation index, Relation heap, const vdb::ElementMetric &metric,
                            std::vector<ItemPointerData> &indexed) {
	vdb::RunCpp("index check", [&] { std::sort(indexed.begin(), indexed.end(), TidLess); });
	HeapCheck check{&indexed, &metric, (char *) palloc(metric.bytes)};
	IndexInfo *info = BuildIndexInfo(index);
	table_index_build_scan(heap, index, info, true, false, HeapCallback, &check, NULL);
	pfree(check.element);
}

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
