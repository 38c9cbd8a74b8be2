// The maintenance functions that work on any of our indexes, dispatched by
// access method (index_maintain.cpp), and what the compactions of every AM
// share:
// - vector_db_compact(regclass) rewrites an index packed and returns its free
//   space to the file system. It locks the table and the index SHARE UPDATE
//   EXCLUSIVE: no VACUUM, index check or second compaction runs meanwhile;
//   inserts, updates, deletes and scans do.
// - vector_db_merge(regclass) merges an index's pending area (fastupdate)
//   now. It locks both ROW EXCLUSIVE, as an INSERT: a merge changes the index
//   the way inserts do, and the AM's own merge lock keeps merges and VACUUM
//   one at a time.
// - vector_db_rebalance(regclass) retrains an ivfflat or ivf index's lists
//   and rewrites them online, with vector_db_compact's locks.
// All check the caller's rights as VACUUM does (the table's owner, the
// database's owner, a superuser; from PostgreSQL 17 pg_maintain) before any
// lock.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "storage/itemptr.h"
#include "utils/rel.h"
}

// An access method's maintenance. `compact` rewrites the index packed and
// returns its free space to the file system; `due` says whether that would
// return enough to be worth a background worker's time. Both get the index
// opened and its table locked SHARE UPDATE EXCLUSIVE by the caller (the SQL
// function, or a worker that takes the same locks). `merge` merges every
// entry pending in the index and returns how many; `merge_due` says whether
// the pending area is over its limit (pending_list_limit). Both get the
// index and its table locked at least ROW EXCLUSIVE (every AM of ours has
// a pending area).
// `rebalance` retrains an ivf index's lists and rewrites them (NULL for an
// AM without lists), `rebalance_due` says whether they drifted past the
// vector_db.rebalance_* thresholds; both get the locks `compact` gets.
struct VdbCompaction {
	void (*compact)(Relation heap, Relation index);
	bool (*due)(Relation index);
	int64 (*merge)(Relation index);
	bool (*merge_due)(Relation index);
	void (*rebalance)(Relation heap, Relation index);
	bool (*rebalance_due)(Relation index);
};

// Each AM registers its compaction by AM name from _PG_init.
void VdbRegisterIndexCompaction(const char *am_name, const VdbCompaction *compaction);

// Compacts the index with the given OID: takes the locks above, checks that
// it is a valid index of ours and runs its AM's compaction; returns how many
// pages the index file lost. No rights are checked (vector_db_compact checks
// them first, before any lock). Call it in a transaction.
int64 VdbCompactIndex(Oid index_oid);

// For a background worker (worker/index_tasks.cpp), which opens the index
// and locks its table as above itself: whether the compaction is due, and
// running it.
bool VdbCompactionDue(Relation index);
void VdbCompactOpened(Relation index);
// The same for the merge of the pending area. The merge needs no more than
// ROW EXCLUSIVE on both.
bool VdbMergeDue(Relation index);
void VdbMergeOpened(Relation index);

// The same for the rebalance (never due for an AM without lists), which
// vector_db_rebalance(regclass) runs by hand.
bool VdbRebalanceDue(Relation index);
void VdbRebalanceOpened(Relation index);

// Before a compaction frees index pages that scans begun earlier may still
// read: waits until every transaction that holds a lock on `scanned` (the
// index, or its table where scans lock only the table first) has ended, as
// CREATE INDEX CONCURRENTLY waits; it queues for no lock, so it blocks
// nobody. Hot standbys need the same wait, and a standby does not see the
// primary's locks, so it also WAL-logs an ACCESS EXCLUSIVE lock on the index
// (taken nowhere on the primary) in a subtransaction rolled back at once:
// replaying it waits for the standby's queries that hold a lock on the
// index, cancelling them after max_standby_streaming_delay as any recovery
// conflict does, and the rollback's record releases it. The frees follow it
// in the WAL, so no standby query can still walk a page they free.
void VdbWaitForEarlierScans(Relation index, Oid scanned);

// Sorts `tids` (heap TIDs of index entries) and moves those whose heap line
// pointer is dead to the front; returns how many. Each heap page is pruned
// first when that is due (heap_page_prune_opt, as any read of it would):
// pruning logs the removal horizon standbys need, so an index entry of a
// dead line pointer can go without a recovery conflict of its own. Rows
// deleted but not yet pruned stay until VACUUM (or a later prune).
uint32 VdbSortDeadTidsFirst(Relation heap, ItemPointerData *tids, uint32 count);
