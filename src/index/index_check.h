// vector_db_index_check(regclass [, heapallindexed]): one SQL entry point
// that verifies any of our indexes. Each AM registers its checker by AM name
// at load time; the checker raises XX002 (index corrupted) on the first
// broken invariant.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "utils/rel.h"
}

// index is opened with AccessShareLock, heap with AccessShareLock.
typedef void (*VdbIndexChecker)(Relation index, Relation heap, bool heap_all_indexed);

void VdbRegisterIndexChecker(const char *am_name, VdbIndexChecker checker);
