// Filter columns of an hnsw index (docs/hnsw.md, "Filter columns"): the
// columns after the vector column, e.g. USING hnsw (embedding vector_l2_ops,
// tenant_id). Their operator classes (hnsw.sql) put equality at strategy 3
// (= ANY arrives as an array scan key: amsearcharray), label overlap &&
// at 4 and containment @> at 5; strategies 1 and 2 are the vector column's.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "utils/rel.h"
}

#define HNSW_FILTER_EQUAL 3
#define HNSW_FILTER_OVERLAP 4
#define HNSW_FILTER_CONTAINS 5

inline bool HnswIsFilterStrategy(int strategy) {
	return strategy >= HNSW_FILTER_EQUAL && strategy <= HNSW_FILTER_CONTAINS;
}

// How many filter columns the index has. ERROR (feature_not_supported)
// unless the vector column comes first and is the only one, and, with
// filter columns, unless its elements have a fixed size (not sparsevec).
int HnswFilterColumns(Relation index);
