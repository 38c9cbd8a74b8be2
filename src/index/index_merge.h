// vector_db_merge(regclass): merges the pending area (fastupdate) of any of
// our indexes now. Each AM registers its merge by AM name at load time.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "utils/rel.h"
}

// Merges every entry pending in the index (opened RowExclusiveLock) and
// returns how many it merged.
typedef int64 (*VdbPendingMerger)(Relation index);

void VdbRegisterPendingMerger(const char *am_name, VdbPendingMerger merger);
