// amvalidate for hnsw opclasses (run by amvalidate() and CREATE OPERATOR
// CLASS checks in tests): every operator must be an ORDER BY operator at
// strategy 1 or a range search operator (<<->> etc.) at strategy 2, and the
// family must have the distance function (support 1).
#include "hnsw/hnsw.h"
#include "index/index_range.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "utils/catcache.h"
#include "utils/syscache.h"
}

bool hnswvalidate(Oid opclass) {
	HeapTuple class_tuple = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
	if (!HeapTupleIsValid(class_tuple))
		elog(ERROR, "cache lookup failed for operator class %u", opclass);
	Oid family = ((Form_pg_opclass) GETSTRUCT(class_tuple))->opcfamily;
	ReleaseSysCache(class_tuple);

	bool valid = true;
	bool has_distance = false;
	CatCList *procs = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(family));
	for (int i = 0; i < procs->n_members; i++) {
		Form_pg_amproc proc = (Form_pg_amproc) GETSTRUCT(&procs->members[i]->tuple);
		if (proc->amprocnum == VDB_DISTANCE_PROC)
			has_distance = true;
		else if (proc->amprocnum != VDB_NORM_PROC) {
			ereport(INFO, (errmsg("hnsw operator family has invalid support number %d", proc->amprocnum)));
			valid = false;
		}
	}
	ReleaseSysCacheList(procs);

	CatCList *ops = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(family));
	for (int i = 0; i < ops->n_members; i++) {
		Form_pg_amop op = (Form_pg_amop) GETSTRUCT(&ops->members[i]->tuple);
		bool order = op->amopstrategy == 1 && op->amoppurpose == AMOP_ORDER;
		bool range = op->amopstrategy == VDB_RANGE_STRATEGY && op->amoppurpose == AMOP_SEARCH;
		if (!order && !range) {
			ereport(INFO, (errmsg("hnsw operator family has an operator that is neither ORDER BY strategy 1 nor "
			                      "range search strategy 2")));
			valid = false;
		}
	}
	ReleaseSysCacheList(ops);
	if (!has_distance) {
		ereport(INFO, (errmsg("hnsw operator family lacks the distance support function")));
		valid = false;
	}
	return valid;
}
