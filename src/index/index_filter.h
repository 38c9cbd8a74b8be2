// Filter columns of an hnsw, ivfflat or ivf index (docs/hnsw.md and
// docs/ivf.md, "Filter columns"): the columns after the vector column, e.g.
// USING hnsw (embedding vector_l2_ops, tenant_id). Their operator classes
// (hnsw.sql, ivf.sql) put equality at strategy 3 (= ANY arrives as an array
// scan key: amsearcharray), label overlap && at 4 and containment @> at 5;
// strategies 1 and 2 are the vector column's. Each access method stores a
// row's words (VdbFilterWords) with its node or list entry and tests the
// scan's keys (VdbFilterKeys, core/filter.h) on them.
#pragma once

#include <vector>

#include "core/filter.h"
#include "pg/pg.h"

extern "C" {
#include "access/skey.h"
#include "utils/rel.h"
}

#define VDB_FILTER_EQUAL 3
#define VDB_FILTER_OVERLAP 4
#define VDB_FILTER_CONTAINS 5

inline bool VdbIsFilterStrategy(int strategy) {
	return strategy >= VDB_FILTER_EQUAL && strategy <= VDB_FILTER_CONTAINS;
}

// How many filter columns the index has. ERROR (feature_not_supported)
// unless the vector column comes first and is the only one, and, with
// filter columns, unless its elements have a fixed size (not sparsevec).
// Messages name the index's access method.
int VdbFilterColumns(Relation index);

// The filter words of a row (core/filter.h): for each of the `columns`
// filter columns (values[1..]), its value's hash, a label array's
// signature under the index's `scheme`, or 0 for NULL (a NULL matches no
// qual; a row whose word is 0 by chance passes and the recheck drops it).
void VdbFilterWords(Relation index, vdb::LabelScheme scheme, int columns, const Datum *values, const bool *isnull,
                    uint64 *words);

// The scan's keys on filter columns as the core tests them (cleared
// first), label keys under the index's `scheme`. Returns false when a key
// can match no row (a NULL argument, an empty = ANY or && array), in which
// case the scan returns nothing.
bool VdbFilterKeys(Relation index, vdb::LabelScheme scheme, ScanKey keys, int nkeys,
                   std::vector<vdb::FilterKey> &out);
