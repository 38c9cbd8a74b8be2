// Consistency levels for reads on hot standbys (docs/operations.md):
// vector_db_wait_for_lsn (Session: read your own writes) and the
// vector_db.max_standby_staleness setting (Bounded staleness), which every
// vector_db index scan checks as it begins.
#pragma once

#include "pg/pg.h"

// GUC vector_db.max_standby_staleness, in milliseconds; -1 (the default) is off.
extern int vdb_max_standby_staleness;

// Registers the setting. Called once from _PG_init.
void VdbConsistencyInit(void);

// Called by ambeginscan of hnsw, ivfflat and ivf. Off (the default) or on a
// primary, it returns at once; on a standby further behind than
// vector_db.max_standby_staleness it waits, then returns or raises an ERROR.
void VdbWaitForBoundedStaleness(void);  // the part that runs when the setting is on
inline void VdbCheckStandbyStaleness(void) {
	if (vdb_max_standby_staleness >= 0)
		VdbWaitForBoundedStaleness();
}
