// vector_db_compact(regclass): one SQL entry point that compacts any of our
// indexes, dispatched by access method (index_maintain.cpp), and what the
// compactions of every AM share.
//
// The dispatch checks the caller's rights as VACUUM does (the table's owner,
// the database's owner or a superuser), then locks the table and the index
// SHARE UPDATE EXCLUSIVE: no VACUUM, index check or second compaction runs
// meanwhile; inserts, updates, deletes and scans do.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "storage/itemptr.h"
#include "utils/rel.h"
}

// Compacts the index with the given OID: takes the locks above, checks that
// it is a valid index of an AM that has a compaction and runs it; raises an
// ERROR otherwise. No rights are checked (vector_db_compact checks them
// first, before any lock; a background worker needs none). Call it in a
// transaction.
void VdbCompactIndex(Oid index_oid);

// For a background worker (worker/index_tasks.cpp), which opens the index
// and locks its table as above itself: whether the index's AM has a
// compaction and it is due, and running it.
bool VdbCompactionDue(Relation index);
void VdbCompactOpened(Relation index);

// An AM's compaction. `index` is opened and `heap` (its table) locked SHARE
// UPDATE EXCLUSIVE by the caller (the SQL function, or a background worker
// that takes the same locks).
typedef void (*VdbCompaction)(Relation heap, Relation index);

// Sorts `tids` (heap TIDs of index entries) and moves those whose heap line
// pointer is dead to the front; returns how many. Each heap page is pruned
// first when that is due (heap_page_prune_opt, as any read of it would):
// pruning logs the removal horizon standbys need, so an index entry of a
// dead line pointer can go without a recovery conflict of its own. Rows
// deleted but not yet pruned stay until VACUUM (or a later prune).
uint32 VdbSortDeadTidsFirst(Relation heap, ItemPointerData *tids, uint32 count);
