// Planner costs for hnsw scans. An hnsw index only helps ORDER BY distance
// (with a LIMIT): without an ORDER BY the path is priced out
// (VdbPriceOutUnordered). With one, the cost is that of visiting about
// 2m * ef_search nodes, all paid before the first row comes back (the search
// finishes before any result is returned),
// so the planner picks the index for small LIMITs over large tables and the
// sequential scan + top-N sort where that is cheaper. A range scan
// (WHERE embedding <<->> sphere(q, r) alone) is priced as visiting about 2m
// nodes for each of max(ef_search, four times the rows the sphere is
// estimated to hold), what the rounds of doubling ef it had before its one
// walk (hnsw_scan.cpp) cost; contsel's fixed estimate of 0.1% of the rows
// leaves that close to ef_search, and sql/range_search.sql asserts the plans
// it gives on a small and a tiny table. Quals
// on filter columns (index/index_filter.h) make the walk measure about ef / s
// nodes (s: their selectivity) to find ef that pass, at least the
// unfiltered 2m * ef. It expands about ef / s nodes, up to 2m neighbours
// each, and where 2m * ef / s passes its budget (max(hnsw.max_scan_tuples,
// 2m * ef)) it runs the whole budget: on Fashion-MNIST (60,000 rows, m 16)
// a walk read about 29,000 buffers at 10% but 121,000 at 1%, where ef / s
// priced it at 4,000 nodes and the planner took it over the bitmap scan
// plus sort, several times faster there. So at low selectivity a bitmap
// scan on another index plus a sort, or a sequential scan, wins, unless the
// index has a filter directory (hnsw_pages.h): then a scan whose passing
// nodes number at most vdb::ExactFilterLimit measures each of them
// (hnsw_scan.cpp), priced as that many nodes plus the directory's pages
// (read in order) and a word test per node and filter qual.
#include "hnsw/hnsw.h"
#include "index/index_am.h"

extern "C" {
#include "access/relation.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"
}

void hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count, Cost *startup_cost,
                      Cost *total_cost, Selectivity *selectivity, double *correlation, double *pages) {
	if (VdbPriceOutUnordered(path, startup_cost, total_cost, selectivity, correlation, pages))
		return;
	Relation index = index_open(path->indexinfo->indexoid, NoLock);
	int m = HNSW_DEFAULT_M;
	if (index->rd_options != NULL)
		m = ((HnswOptions *) index->rd_options)->m;
	// Quals on filter columns, and whether the index has a filter directory
	// for them (not when it predates it); the metapage is read only then.
	List *range = NIL;
	List *filter = NIL;
	ListCell *lc;
	foreach (lc, path->indexclauses) {
		IndexClause *clause = (IndexClause *) lfirst(lc);
		List *quals = get_quals_from_indexclauses(list_make1(clause));
		if (clause->indexcol == 0)
			range = list_concat(range, quals);
		else
			filter = list_concat(filter, quals);
	}
	bool directory = filter != NIL && hnsw_filter_directory && HnswReadMeta(index).geometry.directory_groups > 0;
	index_close(index, NoLock);

	GenericCosts costs;
	memset(&costs, 0, sizeof costs);
	double tuples = Max(path->indexinfo->tuples, 1.0);
	double ef = hnsw_ef_search;
	Index relid = path->indexinfo->rel->relid;
	if (path->indexorderbys == NIL)
		ef = Max(ef, 4 * tuples * clauselist_selectivity(root, range, relid, JOIN_INNER, NULL));
	double visits = 2.0 * m * ef;
	double directory_words = 0;
	if (filter != NIL) {
		// A filtered walk measures nodes until ef of them pass, within its
		// budget (hnsw_scan.cpp).
		double passing = Max(clauselist_selectivity(root, filter, relid, JOIN_INNER, NULL), 1.0 / tuples);
		double budget = Max(double(hnsw_max_scan_tuples), visits);
		visits = visits / passing > budget ? budget : Max(visits, ef / passing);
		// With a filter directory, few enough passing nodes are measured
		// each instead, after a read of the keys' columns of the directory.
		if (directory && passing * tuples <= double(vdb::ExactFilterLimit(size_t(ef), size_t(m), size_t(tuples)))) {
			visits = passing * tuples;
			directory_words = tuples * list_length(filter);
		}
	}
	costs.numIndexTuples = Min(tuples, visits);
	genericcostestimate(root, path, loop_count, &costs);
	// The directory: its pages read in order, a word test per node and key.
	if (directory_words > 0) {
		double seq_page_cost;
		get_tablespace_page_costs(path->indexinfo->reltablespace, NULL, &seq_page_cost);
		costs.indexTotalCost +=
		    ceil(directory_words / HNSW_DIRECTORY_PAGE_WORDS) * seq_page_cost + directory_words * cpu_operator_cost;
	}

	*startup_cost = costs.indexTotalCost;
	*total_cost = costs.indexTotalCost;
	*selectivity = costs.indexSelectivity;
	*correlation = 0;
	*pages = costs.numIndexPages;
}
