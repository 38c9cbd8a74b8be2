// vector_db_index_check(regclass [, heapallindexed]): one SQL entry point
// that verifies any of our indexes. Each AM registers its checker by AM name
// at load time; the checker raises XX002 (index corrupted) on the first
// broken invariant.
//
// The dispatch (index_check.cpp) checks the caller's privileges, locks the
// table SHARE UPDATE EXCLUSIVE (no VACUUM runs meanwhile; inserts, updates
// and deletes do) and, for heapallindexed, registers an MVCC snapshot before
// the checker reads the index. The checker collects the heap TIDs of the
// index's live entries; the dispatch then looks for every heap row visible
// to that snapshot among them. A row committed after the snapshot need not
// be in what the checker read, and is not looked for.
#pragma once

#include "core/element/element_metric.h"
#include "pg/pg.h"

extern "C" {
#include "storage/itemptr.h"
#include "utils/rel.h"
}

// The heap TIDs of an index's live entries, in palloc'd memory (a checker
// may raise XX002 while filling it: nothing here has a destructor).
struct VdbIndexedTids {
	ItemPointerData *tids;
	uint32 count;
	uint32 capacity;
	vdb::ElementMetric metric;  // which heap values the index holds (VdbDatumToElement)
};
void VdbAddIndexedTid(VdbIndexedTids *set, ItemPointerData tid);

// Whether the heap row at `tid` of the index's (locked) table is visible to
// a snapshot taken now: a row inserted by a transaction that aborted (an
// INSERT that failed or crashed half way, perhaps before its index entry
// was linked) is not, and neither is one whose deletion committed.
bool VdbHeapRowVisibleNow(Relation index, ItemPointer tid);

// index is opened with AccessShareLock, its table is locked SHARE UPDATE
// EXCLUSIVE. indexed is NULL unless heapallindexed was asked for; then the
// checker sets indexed->metric and adds every live entry's TID.
typedef void (*VdbIndexChecker)(Relation index, VdbIndexedTids *indexed);

void VdbRegisterIndexChecker(const char *am_name, VdbIndexChecker checker);

// The table of an index, taking no lock; 42P01 when the OID names no
// relation, 42809 when it names no index or a partitioned index (which has
// no pages: the SQL functions work on the index of one partition).
Oid VdbIndexTable(Oid index_oid);

// Whether the current user may check or inspect the indexes of a table: its
// owner, superusers and members of pg_monitor (from PostgreSQL 17,
// pg_maintain too). VDB_INSPECT_ROLES names those roles for messages.
bool VdbMayInspectIndexesOf(Oid heap_oid);
#if PG_VERSION_NUM >= 170000
#define VDB_INSPECT_ROLES "pg_monitor or pg_maintain"
#else
#define VDB_INSPECT_ROLES "pg_monitor"
#endif
