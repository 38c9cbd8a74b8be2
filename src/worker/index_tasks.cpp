// The table of per-index tasks and the round that runs them (index_tasks.h).
#include "worker/index_tasks.h"

#include "index/index_maintain.h"
#include "worker/worker.h"

extern "C" {
#include "access/relation.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
}

namespace {

#ifdef VDB_FAULT_INJECTION
// The test build's task (test/t/050_workers.pl): when
// vector_db.test_index_task is >= 0, it is due on every index, logs its
// name, and holds the index for that many milliseconds, so that a test can
// see it in vector_db_worker_activity and stop it with a SIGTERM.
int test_task_ms = -1;

bool TestTaskDue(Relation) {
	return test_task_ms >= 0;
}

void TestTaskRun(Relation index) {
	elog(LOG, "vector_db test task ran on index \"%s\"", RelationGetRelationName(index));
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), test_task_ms);
	for (;;) {
		CHECK_FOR_INTERRUPTS();
		long left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
#endif

// The tasks, in the order the round runs them on each index. The
// maintenance passes of the index access methods (pending-area merge,
// compaction, ivf rebalancing) go here, as {name, due, run}. The merge
// comes before the compaction, which would otherwise merge first itself.
const VdbIndexTask kIndexTasks[] = {
#ifdef VDB_FAULT_INJECTION
    {"test", TestTaskDue, TestTaskRun},
#endif
    {"merge", VdbMergeDue, VdbMergeOpened},
    // Before the compaction: a rebalance leaves the lists packed.
    {"rebalance", VdbRebalanceDue, VdbRebalanceOpened},
    {"compact", VdbCompactionDue, VdbCompactOpened},
    {NULL, NULL, NULL},  // end of the table
};

struct IndexRef {
	Oid index;
	Oid heap;
};

// The valid, permanent or unlogged vector_db indexes of the database (other
// sessions' temporary ones cannot be read), partitions' indexes included,
// as IndexRef * in cxt.
List *ListIndexes(MemoryContext cxt) {
	List *result = NIL;
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	int rc = SPI_execute(
	    "SELECT i.indexrelid, i.indrelid FROM pg_catalog.pg_index i"
	    " JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid"
	    " JOIN pg_catalog.pg_am a ON a.oid OPERATOR(pg_catalog.=) c.relam"
	    " WHERE a.amname OPERATOR(pg_catalog.=) ANY ('{hnsw,ivfflat,ivf}'::pg_catalog.name[])"
	    " AND i.indisvalid AND i.indisready AND c.relpersistence OPERATOR(pg_catalog.<>) 't'"
	    // Not a partitioned index: it has no pages, its partitions' indexes
	    // (listed themselves) do.
	    " AND c.relkind OPERATOR(pg_catalog.=) 'i'"
	    " ORDER BY 1",
	    true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "listing the vector_db indexes failed: %s", SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++) {
		bool isnull;
		IndexRef *ref = (IndexRef *) MemoryContextAlloc(cxt, sizeof(IndexRef));
		ref->index = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		ref->heap = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		MemoryContext old = MemoryContextSwitchTo(cxt);
		result = lappend(result, ref);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	return result;
}

struct TaskRun {
	const VdbIndexTask *task;
	const IndexRef *ref;
};

// One task on one index, in a transaction of its own (VdbWorkerRunGuarded).
void RunTask(void *arg) {
	const TaskRun *tr = (const TaskRun *) arg;
	StartTransactionCommand();
	Relation index = NULL;
	// Table before index, as everywhere; neither lock waits.
	if (ConditionalLockRelationOid(tr->ref->heap, ShareUpdateExclusiveLock) &&
	    ConditionalLockRelationOid(tr->ref->index, ShareUpdateExclusiveLock))
		index = try_relation_open(tr->ref->index, NoLock);  // NULL when dropped meanwhile
	if (index != NULL) {
		if (tr->task->due(index)) {
			VdbWorkerReportTask(tr->task->name, tr->ref->index);
			VdbWorkerSetDieOnSigterm(true);
			tr->task->run(index);
			VdbWorkerSetDieOnSigterm(false);
			VdbWorkerReportTask(NULL, InvalidOid);
		}
		relation_close(index, NoLock);
	}
	CommitTransactionCommand();
}

}  // namespace

void VdbRunIndexTasks(MemoryContext cxt) {
	if (kIndexTasks[0].name == NULL)
		return;
	List *indexes = ListIndexes(cxt);
	ListCell *lc;
	foreach (lc, indexes) {
		for (const VdbIndexTask *task = kIndexTasks; task->name != NULL; task++) {
			if (VdbWorkerStopRequested())
				return;
			TaskRun tr = {task, (const IndexRef *) lfirst(lc)};
			VdbWorkerRunGuarded(RunTask, &tr);
		}
	}
}

void VdbIndexTasksInit(void) {
#ifdef VDB_FAULT_INJECTION
	DefineCustomIntVariable("vector_db.test_index_task",
	                        "Milliseconds the workers' test task holds each index; -1 turns it off (test builds only).",
	                        NULL, &test_task_ms, -1, -1, INT_MAX, PGC_SIGHUP, 0, NULL, NULL, NULL);
#endif
}
