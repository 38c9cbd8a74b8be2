// The per-index maintenance round of a database worker (docs/workers.md).
//
// Each entry of the task table (index_tasks.cpp, kIndexTasks) is asked, for
// every valid hnsw, ivfflat and ivf index of the database, whether it is due,
// and run when it is: due() and run() share one transaction of their own,
// entered with ShareUpdateExclusiveLock on the table and on the index, taken
// without waiting (like autovacuum: an index whose table is being vacuumed,
// altered or reindexed is skipped until the next round). A task sees the
// index opened with that lock, may commit nothing itself, and must be
// crash-safe at every CHECK_FOR_INTERRUPTS: a SIGTERM during run() cancels
// the transaction (docs/workers.md). An ERROR in one task is logged and the
// round goes on. The task's name is what vector_db_worker_activity shows;
// VdbWorkerReportProgress (worker.h) sets its progress column.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "utils/rel.h"
}

struct VdbIndexTask {
	const char *name;
	bool (*due)(Relation index);
	void (*run)(Relation index);
};

// The worker's round over every vector_db index of its database; stops
// between tasks once the worker was asked to stop. Lists live in cxt.
void VdbRunIndexTasks(MemoryContext cxt);

// Registers the tasks' settings (the test build's test task). From _PG_init.
void VdbIndexTasksInit(void);
