// Planner costs for hnsw scans. An hnsw index only helps ORDER BY distance
// (with a LIMIT): without an ORDER BY the path is priced out
// (VdbPriceOutUnordered). With one, the cost is that of visiting about
// 2m * ef_search nodes, all paid before the first row comes back (the search
// finishes before any result is returned),
// so the planner picks the index for small LIMITs over large tables and the
// sequential scan + top-N sort where that is cheaper. A range scan
// (WHERE embedding <<->> sphere(q, r) alone) visits about 2m nodes for each
// of max(ef_search, four times the rows the sphere is estimated to hold): its
// rounds double ef until three quarters of one are past the radius.
#include "hnsw/hnsw.h"
#include "index/index_am.h"

extern "C" {
#include "access/relation.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/selfuncs.h"
}

void hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count, Cost *startup_cost,
                      Cost *total_cost, Selectivity *selectivity, double *correlation, double *pages) {
	if (VdbPriceOutUnordered(path, startup_cost, total_cost, selectivity, correlation, pages))
		return;
	Relation index = index_open(path->indexinfo->indexoid, NoLock);
	int m = HNSW_DEFAULT_M;
	if (index->rd_options != NULL)
		m = ((HnswOptions *) index->rd_options)->m;
	index_close(index, NoLock);

	GenericCosts costs;
	memset(&costs, 0, sizeof costs);
	double tuples = Max(path->indexinfo->tuples, 1.0);
	double ef = hnsw_ef_search;
	if (path->indexorderbys == NIL)
		ef = Max(ef, 4 * tuples * clauselist_selectivity(root, get_quals_from_indexclauses(path->indexclauses),
		                                                 path->indexinfo->rel->relid, JOIN_INNER, NULL));
	costs.numIndexTuples = Min(tuples, 2.0 * m * ef);
	genericcostestimate(root, path, loop_count, &costs);

	*startup_cost = costs.indexTotalCost;
	*total_cost = costs.indexTotalCost;
	*selectivity = costs.indexSelectivity;
	*correlation = 0;
	*pages = costs.numIndexPages;
}
