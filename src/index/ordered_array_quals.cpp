// The set_rel_pathlist_hook of ordered_array_quals.h. A qual joins an
// ordered path on the terms PostgreSQL 17's match_clause_to_indexcol sets
// for a ScalarArrayOpExpr: `column = ANY(expression)` with the column on the
// left, the operator in the column's operator family, matching collations,
// an expression that reads no column of this table and calls nothing
// volatile, and a qual that row-level security lets run before others.
#include "index/ordered_array_quals.h"

#if PG_VERSION_NUM < 170000

extern "C" {
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
}

namespace {

amcostestimate_function our_costestimates[4];
int our_costestimate_count = 0;
set_rel_pathlist_hook_type previous_hook = NULL;

bool IsOurIndex(const IndexOptInfo *index) {
	for (int i = 0; i < our_costestimate_count; i++)
		if (reinterpret_cast<void *>(index->amcostestimate) == reinterpret_cast<void *>(our_costestimates[i]))
			return true;
	return false;
}

// The `= ANY` qual as a clause on index column `column`, or NULL when it
// cannot be one.
IndexClause *ArrayQualOnColumn(PlannerInfo *root, IndexOptInfo *index, RestrictInfo *rinfo, int column) {
	if (rinfo->pseudoconstant || !IsA(rinfo->clause, ScalarArrayOpExpr) ||
	    !restriction_is_securely_promotable(rinfo, index->rel))
		return NULL;
	ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) rinfo->clause;
	Node *left = (Node *) linitial(saop->args);
	Node *array = (Node *) lsecond(saop->args);
	while (IsA(left, RelabelType))
		left = (Node *) ((RelabelType *) left)->arg;
	if (!saop->useOr || !IsA(left, Var))
		return NULL;
	const Var *var = (const Var *) left;
	Oid index_collation = index->indexcollations[column];
	if (var->varno != (int) index->rel->relid || var->varlevelsup != 0 || index->indexkeys[column] == 0 ||
	    var->varattno != index->indexkeys[column] ||
	    (OidIsValid(index_collation) && index_collation != saop->inputcollid) ||
	    !op_in_opfamily(saop->opno, index->opfamily[column]) || !bms_is_empty(pull_varnos(root, array)) ||
	    contain_volatile_functions(array))
		return NULL;
	IndexClause *clause = makeNode(IndexClause);
	clause->rinfo = rinfo;
	clause->indexquals = list_make1(rinfo);
	clause->lossy = false;
	clause->indexcol = column;
	clause->indexcols = NIL;
	return clause;
}

bool PathHasQual(const IndexPath *path, const RestrictInfo *rinfo) {
	ListCell *lc;
	foreach (lc, path->indexclauses)
		if (((IndexClause *) lfirst(lc))->rinfo == rinfo)
			return true;
	return false;
}

// The path with the `= ANY` quals it left out, or NULL when there are none.
// Clauses stay sorted by index column, as create_index_path requires.
IndexPath *WithArrayQuals(PlannerInfo *root, RelOptInfo *rel, IndexPath *path) {
	IndexOptInfo *index = path->indexinfo;
	List *clauses = NIL;
	bool added = false;
	for (int column = 0; column < index->nkeycolumns; column++) {
		ListCell *lc;
		foreach (lc, path->indexclauses)
			if (((IndexClause *) lfirst(lc))->indexcol == column)
				clauses = lappend(clauses, lfirst(lc));
		foreach (lc, rel->baserestrictinfo) {
			RestrictInfo *rinfo = (RestrictInfo *) lfirst(lc);
			IndexClause *clause = PathHasQual(path, rinfo) ? NULL : ArrayQualOnColumn(root, index, rinfo, column);
			if (clause != NULL) {
				clauses = lappend(clauses, clause);
				added = true;
			}
		}
	}
	if (!added)
		return NULL;
	return create_index_path(root, index, clauses, path->indexorderbys, path->indexorderbycols, path->path.pathkeys,
	                         path->indexscandir, path->path.pathtype == T_IndexOnlyScan, NULL, 1.0, false);
}

// Only unparameterized ordered paths: a parameterized one serves a join,
// where the planner's own rules are left alone.
void PushArrayQuals(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte) {
	if (previous_hook != NULL)
		previous_hook(root, rel, rti, rte);
	List *replaced = NIL;
	List *replacements = NIL;
	ListCell *lc;
	foreach (lc, rel->pathlist) {
		Path *path = (Path *) lfirst(lc);
		if (!IsA(path, IndexPath) || path->param_info != NULL)
			continue;
		IndexPath *index_path = (IndexPath *) path;
		if (index_path->indexorderbys == NIL || !IsOurIndex(index_path->indexinfo))
			continue;
		IndexPath *with_quals = WithArrayQuals(root, rel, index_path);
		if (with_quals != NULL) {
			replaced = lappend(replaced, path);
			replacements = lappend(replacements, with_quals);
		}
	}
	foreach (lc, replaced)
		rel->pathlist = list_delete_ptr(rel->pathlist, lfirst(lc));
	foreach (lc, replacements)
		add_path(rel, (Path *) lfirst(lc));
}

}  // namespace

void VdbOrderedScansTakeArrayQuals(amcostestimate_function costestimate) {
	if (our_costestimate_count == lengthof(our_costestimates))
		elog(ERROR, "too many index access methods registered");
	our_costestimates[our_costestimate_count++] = costestimate;
	if (our_costestimate_count == 1) {
		previous_hook = set_rel_pathlist_hook;
		set_rel_pathlist_hook = PushArrayQuals;
	}
}

#else

void VdbOrderedScansTakeArrayQuals(amcostestimate_function) {}

#endif
