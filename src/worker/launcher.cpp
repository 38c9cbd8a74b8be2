// The launcher (docs/workers.md): one background worker, started by the
// postmaster when vector_db is preloaded, that starts a database worker per
// database every vector_db.naptime, at most vector_db.max_workers at once.
//
// Like autovacuum's launcher it connects to no database and reads only the
// shared catalog pg_database; whether a database has the extension is for
// its worker to find out (it exits at once when not). A database whose
// worker still runs gets no second one. Slots are reserved here before a
// worker is registered and freed by the worker when it exits, or here when
// the postmaster reports that it stopped (or never started).
#include "worker/worker.h"

#include "worker/index_tasks.h"
#include "worker/ttl.h"
#include "worker/worker_state.h"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "postmaster/postmaster.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

int vdb_worker_max_workers = 2;
int vdb_worker_naptime = 60;

namespace {

// Seconds before the postmaster restarts a launcher that exited with an
// error or after a SIGTERM outside shutdown.
constexpr int kLauncherRestartSeconds = 5;

struct Database {
	Oid oid;
	TimestampTz last_start;
};

// The databases a worker may connect to: not templates, connections allowed,
// not half-dropped.
List *ListDatabases(MemoryContext cxt) {
	List *result = NIL;
	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	Relation rel = table_open(DatabaseRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple tuple;
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL) {
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);
		if (db->datistemplate || !db->datallowconn)
			continue;
#ifdef DATCONNLIMIT_INVALID_DB
		if (db->datconnlimit == DATCONNLIMIT_INVALID_DB)
			continue;
#endif
		MemoryContext old = MemoryContextSwitchTo(cxt);
		result = lappend_oid(result, db->oid);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return result;
}

// Keeps the entries of the databases that still exist.
List *ForgetDroppedDatabases(List *databases, List *oids) {
	List *kept = NIL;
	ListCell *lc;
	foreach (lc, databases) {
		Database *db = (Database *) lfirst(lc);
		if (list_member_oid(oids, db->oid)) {
			MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(db));
			kept = lappend(kept, db);
			MemoryContextSwitchTo(old);
		} else {
			pfree(db);
		}
	}
	list_free(databases);
	return kept;
}

// A background worker of ours; `type` is its backend_type.
BackgroundWorker Describe(const char *type, const char *function, int restart_seconds) {
	BackgroundWorker worker = {};
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = restart_seconds;
	strlcpy(worker.bgw_library_name, "vector_db", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, function, BGW_MAXLEN);
	strlcpy(worker.bgw_name, type, BGW_MAXLEN);
	strlcpy(worker.bgw_type, type, BGW_MAXLEN);
	return worker;
}

// Registers a worker for the slot; false when no background worker slot is
// free (max_worker_processes), and the launcher tries again later.
bool StartWorker(int slot, BackgroundWorkerHandle **handle) {
	BackgroundWorker worker = Describe("vector_db worker", "VdbDatabaseWorkerMain", BGW_NEVER_RESTART);
	worker.bgw_main_arg = Int32GetDatum(slot);
	worker.bgw_notify_pid = MyProcPid;  // SIGUSR1 (a latch wake-up) when it starts and stops
	return RegisterDynamicBackgroundWorker(&worker, handle);
}

}  // namespace

void VdbLauncherMain(Datum) {
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);  // shared catalogs only

	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "vector_db launcher", ALLOCSET_DEFAULT_SIZES);
	// Per slot, the handle of the worker this launcher registered on it.
	BackgroundWorkerHandle **handles =
	    (BackgroundWorkerHandle **) MemoryContextAllocZero(cxt, max_worker_processes * sizeof *handles);
	List *databases = NIL;  // of Database *, in cxt: when each last got a worker

	for (;;) {
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending) {
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		// Slots of workers that stopped before they could free them.
		for (int i = 0; i < max_worker_processes; i++) {
			pid_t pid;
			if (handles[i] != NULL && GetBackgroundWorkerPid(handles[i], &pid) == BGWH_STOPPED) {
				VdbSlotRelease(i);
				pfree(handles[i]);
				handles[i] = NULL;
			}
		}

		TimestampTz now = GetCurrentTimestamp();
		long naptime_ms = vdb_worker_naptime * 1000L;
		long sleep_ms = naptime_ms;
		List *oids = ListDatabases(cxt);
		ListCell *lc;
		foreach (lc, oids) {
			Oid oid = lfirst_oid(lc);
			Database *db = NULL;
			ListCell *dc;
			foreach (dc, databases) {
				if (((Database *) lfirst(dc))->oid == oid)
					db = (Database *) lfirst(dc);
			}
			if (db == NULL) {
				db = (Database *) MemoryContextAllocZero(cxt, sizeof *db);
				db->oid = oid;
				db->last_start = 0;  // never: due now
				MemoryContext old = MemoryContextSwitchTo(cxt);
				databases = lappend(databases, db);
				MemoryContextSwitchTo(old);
			}
			long since_ms = (now - db->last_start) / 1000;
			if (since_ms < naptime_ms) {
				sleep_ms = Min(sleep_ms, naptime_ms - since_ms);
				continue;
			}
			if (VdbSlotBusyForDatabase(oid))
				continue;  // its worker is still at it: due again when it ends
			int slot = VdbSlotReserve(oid, vdb_worker_max_workers);
			if (slot < 0)
				continue;  // all busy: a worker's exit wakes us
			if (handles[slot] != NULL)
				pfree(handles[slot]);
			handles[slot] = NULL;
			if (!StartWorker(slot, &handles[slot])) {
				VdbSlotRelease(slot);
				handles[slot] = NULL;
				continue;
			}
			db->last_start = now;
		}
		databases = ForgetDroppedDatabases(databases, oids);
		list_free(oids);

		int rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, Max(sleep_ms, 1L),
		                   PG_WAIT_EXTENSION);
		if (rc & WL_LATCH_SET)
			ResetLatch(MyLatch);
	}
}

void VdbWorkerInit(void) {
	DefineCustomIntVariable("vector_db.max_workers", "Maximum number of vector_db database workers running at once.",
	                        "Capped by max_worker_processes; 0 stops starting workers.", &vdb_worker_max_workers, 2,
	                        0, MAX_BACKENDS, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("vector_db.naptime", "Time between two workers' runs on the same database.", NULL,
	                        &vdb_worker_naptime, 60, 1, INT_MAX / 1000, PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	VdbTtlInit();
	VdbIndexTasksInit();

	if (!process_shared_preload_libraries_in_progress)
		return;
	VdbWorkerStateRequest();
	BackgroundWorker launcher = Describe("vector_db launcher", "VdbLauncherMain", kLauncherRestartSeconds);
	RegisterBackgroundWorker(&launcher);
}
