// amvalidate for hnsw opclasses (run by amvalidate() and CREATE OPERATOR
// CLASS checks in tests). A vector family: every operator is an ORDER BY
// operator at strategy 1 or a range search operator (<<->> etc.) at
// strategy 2, and the family has the distance function (support 1). A
// filter family (index/index_filter.h): search operators at strategies 3 to
// 5 only, and no support function.
#include "hnsw/hnsw.h"
#include "index/index_filter.h"
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
	bool has_filter = false;
	bool has_vector_op = false;
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
		bool filter = VdbIsFilterStrategy(op->amopstrategy) && op->amoppurpose == AMOP_SEARCH;
		has_filter |= filter;
		has_vector_op |= order || range;
		if (!order && !range && !filter) {
			ereport(INFO, (errmsg("hnsw operator family has an operator that is neither ORDER BY strategy 1, "
			                      "range search strategy 2 nor a filter strategy 3 to 5")));
			valid = false;
		}
	}
	ReleaseSysCacheList(ops);
	if (has_filter) {
		if (has_distance || has_vector_op) {
			ereport(INFO, (errmsg("hnsw operator family mixes filter operators with vector ones")));
			valid = false;
		}
	} else if (!has_distance) {
		ereport(INFO, (errmsg("hnsw operator family lacks the distance support function")));
		valid = false;
	}
	return valid;
}
