// pg_stat_progress_create_index reporting for vector index builds: the
// AM-specific phase names come from each AM's ambuildphasename, the tuple
// counters are the generic ones every AM shares.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "commands/progress.h"
#include "utils/backend_progress.h"
}

inline void VdbProgressPhase(int64 phase) { pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, phase); }

inline void VdbProgressTuplesTotal(double total) {
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, int64(total));
}

inline void VdbProgressTuplesDone(int64 done) { pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, done); }
