// Planner costs for ivfflat and ivf scans. Only ORDER BY distance is served
// (otherwise the path is priced out: VdbPriceOutUnordered). A scan scores
// every tuple of `probes` of the index's lists before it returns its first
// row, so the whole cost is startup cost, and it grows with probes / lists
// of the index: the planner then prefers the index for small LIMITs on large
// tables, and a sequential scan with a top-N sort where probing would read
// most of the index. A range scan (no ORDER BY) probes at least one more
// round of probes lists than it finds rows in: priced as two rounds.
// Quals on filter columns (index/index_filter.h) leave only a fraction s
// of the rows scored as candidates, and a filtered scan probes on until it
// has met the rows the query wants (k: the LIMIT, else probes' worth of a
// list's rows) and probes - 1 lists past them (ivf_scan.cpp): priced as
// about k / s tuples plus probes - 1 lists' worth, at least the unfiltered
// probes' and at most every one. So at low selectivity a bitmap scan of the
// matching rows plus a sort, or a sequential scan, wins.
#include "index/index_am.h"
#include "ivf/ivf.h"

extern "C" {
#include "access/relation.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/selfuncs.h"
}

void ivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count, Cost *startup_cost, Cost *total_cost,
                     Selectivity *selectivity, double *correlation, double *pages) {
	if (VdbPriceOutUnordered(path, startup_cost, total_cost, selectivity, correlation, pages))
		return;
	Relation index = index_open(path->indexinfo->indexoid, NoLock);
	IvfMetaPageData meta = IvfReadMeta(index);
	const IvfSettings &settings = IvfSettingsOf(index);
	index_close(index, NoLock);

	double rounds = path->indexorderbys == NIL ? 2 : 1;
	double ratio = Min(1.0, rounds * settings.probes / Max(meta.lists, 1));
	GenericCosts costs;
	memset(&costs, 0, sizeof costs);
	double tuples = Max(path->indexinfo->tuples, 1.0);
	double scanned = tuples * ratio;
	List *filter = NIL;
	ListCell *lc;
	foreach (lc, path->indexclauses) {
		IndexClause *clause = (IndexClause *) lfirst(lc);
		if (clause->indexcol > 0)
			filter = list_concat(filter, get_quals_from_indexclauses(list_make1(clause)));
	}
	if (filter != NIL) {
		double passing = Max(
		    clauselist_selectivity(root, filter, path->indexinfo->rel->relid, JOIN_INNER, NULL), 1.0 / tuples);
		double wanted = root->limit_tuples > 0 ? root->limit_tuples : scanned / Max(meta.lists, 1);
		double margin = (settings.probes - 1) * tuples / Max(meta.lists, 1);  // the lists probed past them
		scanned = Min(tuples, Max(scanned, wanted / passing + margin));
	}
	costs.numIndexTuples = Max(1.0, scanned);
	genericcostestimate(root, path, loop_count, &costs);

	*startup_cost = costs.indexTotalCost;
	*total_cost = costs.indexTotalCost;
	*selectivity = costs.indexSelectivity;
	*correlation = 0;
	*pages = costs.numIndexPages;
}
