// `= ANY(array)` on a filter column inside an ordered scan, on PostgreSQL 15
// and 16 as on 17.
//
// Before 17 the planner never puts a ScalarArrayOpExpr on an index column
// after the first into an ordered index path: a btree returns such a scan's
// rows in several runs, one per array element, so the order would break.
// Our indexes order by distance whatever the filter, and take `= ANY` as one
// scan key (amsearcharray), but the planner does not know that. So for
// `WHERE tag = ANY($2) ORDER BY embedding <-> $1 LIMIT 10` it builds the
// ordered path without the filter, which then runs above the scan: the scan
// returns its ef_search nearest rows whatever their tag, and the filter
// keeps the few that pass.
//
// A set_rel_pathlist_hook mends that: for each ordered path of one of our
// indexes, it moves the `= ANY` quals the planner left out into the path
// and replaces the path with the result, as PostgreSQL 17 builds it. The
// old path is dropped, not left to compete on cost: its cost counts none of
// the work its filter makes (the rows the scan returns that the filter
// throws away, or too few rows), so it would always look cheaper.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "access/amapi.h"
}

// Marks the indexes whose access method estimates costs with this function
// as ones that take `= ANY` in ordered scans. No-op from PostgreSQL 17 on.
void VdbOrderedScansTakeArrayQuals(amcostestimate_function costestimate);
