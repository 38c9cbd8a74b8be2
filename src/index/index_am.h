// The capabilities every vector_db index access method shares: one column,
// answers only ORDER BY distance (amgettuple), no uniqueness, no bitmap or
// parallel scans, and parallel bulk delete in VACUUM. Each AM takes this
// routine and fills in its callbacks.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "access/amapi.h"
}

// A palloc'd routine with the shared flags set and every callback NULL.
IndexAmRoutine *VdbNewIndexAmRoutine(void);
