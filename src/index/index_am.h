// The capabilities every vector_db index access method shares: one column,
// answers only ORDER BY distance (amgettuple), no uniqueness, no bitmap or
// parallel scans, and parallel bulk delete in VACUUM. Each AM takes this
// routine and fills in its callbacks. Also the vacuum delay point that their
// maintenance passes (VACUUM, compaction) take, and how their cost estimates
// price out a path they cannot serve.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "access/amapi.h"
#include "commands/vacuum.h"
#include "nodes/pathnodes.h"
}

// A palloc'd routine with the shared flags set and every callback NULL.
IndexAmRoutine *VdbNewIndexAmRoutine(void);

// Prices out an index path without ORDER BY distance and without a range
// condition on the vector column (a partial index whose predicate the query
// implies, or only filter-column quals, say), whose
// scan would fail for want of an order, and returns true; false when the
// path has either. See index_am.cpp.
bool VdbPriceOutUnordered(IndexPath *path, Cost *startup_cost, Cost *total_cost, Selectivity *selectivity,
                          double *correlation, double *pages);

// vacuum_delay_point() as each PostgreSQL version spells it: 18 added whether
// the caller is ANALYZE, which an index maintenance pass never is.
inline void VdbVacuumDelayPoint(void) {
#if PG_VERSION_NUM >= 180000
	vacuum_delay_point(false);
#else
	vacuum_delay_point();
#endif
}
