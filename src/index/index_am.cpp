// Shared IndexAmRoutine flags for the vector index access methods.
#include "index/index_am.h"

#include <cfloat>

IndexAmRoutine *VdbNewIndexAmRoutine(void) {
	IndexAmRoutine *am = makeNode(IndexAmRoutine);  // zeroed: callbacks NULL
	am->amstrategies = 0;
	am->amsupport = 2;  // 1: distance, 2: norm (normalise on the way in)
	am->amoptsprocnum = 0;
	am->amcanorder = false;
	am->amcanorderbyop = true;
	am->amcanbackward = false;
	am->amcanunique = false;
	am->amcanmulticol = false;
	am->amoptionalkey = true;
	am->amsearcharray = false;
	am->amsearchnulls = false;
	am->amstorage = false;
	am->amclusterable = false;
	am->ampredlocks = false;
	am->amcanparallel = false;
#if PG_VERSION_NUM >= 170000
	am->amcanbuildparallel = false;
#endif
	am->amcaninclude = false;
	am->amusemaintenanceworkmem = false;
#if PG_VERSION_NUM >= 160000
	am->amsummarizing = false;
#endif
	am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	am->amkeytype = InvalidOid;
	return am;
}

// DBL_MAX, not disable_cost: a sequential scan disabled by enable_seqscan =
// off costs disable_cost plus its run cost, which an index path at
// disable_cost plus one heap page can undercut. PostgreSQL 18 compares the
// number of disabled nodes before any cost (an enable_* setting that is off
// counts one), so there the path counts one more than any scan PostgreSQL
// disables itself: it loses even to a disabled sequential scan.
bool VdbPriceOutUnordered(IndexPath *path, Cost *startup_cost, Cost *total_cost, Selectivity *selectivity,
                          double *correlation, double *pages) {
	if (path->indexorderbys != NIL)
		return false;
	// A range condition is a clause on the vector column, the first; one on
	// a filter column (index/index_filter.h) alone gives no order to walk by.
	ListCell *lc;
	foreach (lc, path->indexclauses)
		if (((IndexClause *) lfirst(lc))->indexcol == 0)
			return false;
	*startup_cost = *total_cost = DBL_MAX;
	*selectivity = 0;
	*correlation = 0;
	*pages = 0;
#if PG_VERSION_NUM >= 180000
	path->path.disabled_nodes = 2;
#endif
	return true;
}
