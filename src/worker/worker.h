// The background worker machinery (docs/workers.md): a launcher, started by
// the postmaster when vector_db is in shared_preload_libraries, starts one
// short-lived worker per database every vector_db.naptime, as autovacuum
// does. A worker expires rows of tables with a TTL (ttl.h), then runs the
// per-index maintenance tasks (index_tasks.h), and exits.
//
// What each worker is doing is kept in shared memory, one slot per worker,
// and shown by the vector_db_worker_activity view. Without preload there is
// no shared memory, no launcher and the view is empty; every task still runs
// by hand through its SQL function.
#pragma once

#include "pg/pg.h"

// GUCs (see docs/workers.md).
extern int vdb_worker_max_workers;
extern int vdb_worker_naptime;  // seconds

// Registers the settings, and when preloading, the shared memory and the
// launcher. Called once from _PG_init.
void VdbWorkerInit(void);

// Entry points of the two kinds of background worker (bgw_function_name).
extern "C" {
PGDLLEXPORT void VdbLauncherMain(Datum arg);
PGDLLEXPORT void VdbDatabaseWorkerMain(Datum arg);
}

// Activity reporting, for the view. No-ops outside a vector_db worker, so a
// task may call them whether a worker or a SQL function runs it.
// task == NULL: between tasks. relid may be InvalidOid.
void VdbWorkerReportTask(const char *task, Oid relid);
// Progress of the current task, in the task's own unit (docs/workers.md).
void VdbWorkerReportProgress(int64 progress);

// True once a worker was asked to stop (SIGTERM): long tasks check it
// between batches and return early, leaving only committed batches behind.
// Always false in a regular backend.
bool VdbWorkerStopRequested(void);

// For the worker's own files (db_worker.cpp, ttl.cpp, index_tasks.cpp).
//
// Runs fn(arg) so that an ERROR in it is logged, its transaction aborted and
// the worker goes on with the next unit of work; returns false after an
// ERROR. Only inside a database worker.
bool VdbWorkerRunGuarded(void (*fn)(void *), void *arg);
// While set, SIGTERM also cancels what runs now (a FATAL at the next
// CHECK_FOR_INTERRUPTS), for tasks whose every step is crash-safe; otherwise
// it only sets VdbWorkerStopRequested, checked between batches.
void VdbWorkerSetDieOnSigterm(bool on);
