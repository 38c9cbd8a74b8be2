// vector_db_index_check(regclass [, heapallindexed]): one SQL entry point
// that verifies any of our indexes. Each AM registers its checker by AM name
// at load time; the checker raises XX002 (index corrupted) on the first
// broken invariant.
#pragma once

#include <vector>

#include "core/hnsw/metric.h"
#include "pg/pg.h"

extern "C" {
#include "storage/itemptr.h"
#include "utils/rel.h"
}

// index is opened with AccessShareLock, heap with AccessShareLock.
typedef void (*VdbIndexChecker)(Relation index, Relation heap, bool heap_all_indexed);

void VdbRegisterIndexChecker(const char *am_name, VdbIndexChecker checker);

// heapallindexed for any checker: raises XX002 naming the first live heap row
// with an indexable value (not NULL, not a zero vector under cosine) whose
// TID is not in `indexed`. Sorts `indexed`.
void VdbCheckHeapAllIndexed(Relation index, Relation heap, const vdb::ElementMetric &metric,
                            std::vector<ItemPointerData> &indexed);
