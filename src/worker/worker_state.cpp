// The workers' shared slots and the vector_db_worker_activity() function
// that reads them (worker_state.h).
#include "worker/worker_state.h"

#include "worker/worker.h"

extern "C" {
#include "funcapi.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace {

struct WorkerSlot {
	bool in_use;  // reserved by the launcher, until the worker exits
	Oid dboid;
	pid_t pid;  // 0 until the worker runs
	NameData datname;
	char task[NAMEDATALEN];  // "" between tasks
	Oid relid;
	char relation[2 * NAMEDATALEN + 8];  // qualified name, readable from any database
	TimestampTz started_at;  // of the worker
	TimestampTz task_started_at;
	int64 progress;
};

struct WorkerShared {
	slock_t mutex;
	int nslots;
	WorkerSlot slots[FLEXIBLE_ARRAY_MEMBER];
};

WorkerShared *shared = NULL;
int my_slot = -1;  // in a database worker, its slot

#if PG_VERSION_NUM >= 150000
shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
shmem_startup_hook_type prev_shmem_startup_hook = NULL;

// A worker slot per possible background worker: max_worker_processes is
// fixed at server start, and vector_db.max_workers (reloadable) is capped by it.
Size SharedSize(void) {
	return add_size(offsetof(WorkerShared, slots), mul_size(max_worker_processes, sizeof(WorkerSlot)));
}

void ShmemRequest(void) {
#if PG_VERSION_NUM >= 150000
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(SharedSize());
}

void ShmemStartup(void) {
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	bool found;
	shared = (WorkerShared *) ShmemInitStruct("vector_db workers", SharedSize(), &found);
	if (!found) {
		memset(shared, 0, SharedSize());
		SpinLockInit(&shared->mutex);
		shared->nslots = max_worker_processes;
	}
	LWLockRelease(AddinShmemInitLock);
}

void ClearSlot(WorkerSlot *s) {
	memset(s, 0, sizeof *s);
}

// on_shmem_exit callback of a database worker: however it exits (a normal
// end, ERROR turned FATAL, SIGTERM), its slot goes back to the launcher.
void DetachSlot(int, Datum) {
	SpinLockAcquire(&shared->mutex);
	ClearSlot(&shared->slots[my_slot]);
	SpinLockRelease(&shared->mutex);
	my_slot = -1;
}

WorkerSlot *MySlot(void) {
	return shared != NULL && my_slot >= 0 ? &shared->slots[my_slot] : NULL;
}

}  // namespace

void VdbWorkerStateRequest(void) {
#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ShmemRequest;
#else
	ShmemRequest();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ShmemStartup;
}

bool VdbWorkerStateExists(void) {
	return shared != NULL;
}

int VdbSlotReserve(Oid dboid, int limit) {
	int found = -1, used = 0;
	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < shared->nslots; i++) {
		if (shared->slots[i].in_use)
			used++;
		else if (found < 0)
			found = i;
	}
	if (used >= limit)
		found = -1;
	if (found >= 0) {
		ClearSlot(&shared->slots[found]);
		shared->slots[found].in_use = true;
		shared->slots[found].dboid = dboid;
	}
	SpinLockRelease(&shared->mutex);
	return found;
}

void VdbSlotRelease(int slot) {
	SpinLockAcquire(&shared->mutex);
	ClearSlot(&shared->slots[slot]);
	SpinLockRelease(&shared->mutex);
}

bool VdbSlotBusyForDatabase(Oid dboid) {
	bool busy = false;
	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < shared->nslots && !busy; i++)
		busy = shared->slots[i].in_use && shared->slots[i].dboid == dboid;
	SpinLockRelease(&shared->mutex);
	return busy;
}

Oid VdbSlotAttach(int slot) {
	my_slot = slot;
	on_shmem_exit(DetachSlot, 0);
	SpinLockAcquire(&shared->mutex);
	WorkerSlot *s = &shared->slots[slot];
	s->pid = MyProcPid;
	s->started_at = GetCurrentTimestamp();
	Oid dboid = s->dboid;
	SpinLockRelease(&shared->mutex);
	return dboid;
}

void VdbSlotSetDatabaseName(const char *datname) {
	SpinLockAcquire(&shared->mutex);
	namestrcpy(&MySlot()->datname, datname);
	SpinLockRelease(&shared->mutex);
}

void VdbWorkerReportTask(const char *task, Oid relid) {
	WorkerSlot *s = MySlot();
	if (s == NULL)
		return;
	// Names are looked up before taking the spinlock: catalog access may fail.
	char relation[sizeof s->relation] = "";
	if (OidIsValid(relid)) {
		char *rel = get_rel_name(relid);
		char *nsp = rel ? get_namespace_name(get_rel_namespace(relid)) : NULL;
		if (rel && nsp)
			strlcpy(relation, quote_qualified_identifier(nsp, rel), sizeof relation);
	}
	TimestampTz now = GetCurrentTimestamp();
	SpinLockAcquire(&shared->mutex);
	strlcpy(s->task, task ? task : "", sizeof s->task);
	s->relid = relid;
	memcpy(s->relation, relation, sizeof relation);
	s->task_started_at = now;
	s->progress = 0;
	SpinLockRelease(&shared->mutex);
}

void VdbWorkerReportProgress(int64 progress) {
	WorkerSlot *s = MySlot();
	if (s == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	s->progress = progress;
	SpinLockRelease(&shared->mutex);
}

// One row per running database worker: pid, datid, datname, task, relid,
// relation, started_at, task_started_at, progress. Empty without preload.
VDB_FUNCTION(vector_db_worker_activity) {
	InitMaterializedSRF(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	if (shared == NULL)
		PG_RETURN_VOID();
	for (int i = 0; i < shared->nslots; i++) {
		SpinLockAcquire(&shared->mutex);
		WorkerSlot s = shared->slots[i];
		SpinLockRelease(&shared->mutex);
		if (!s.in_use || s.pid == 0)
			continue;
		Datum values[9];
		bool nulls[9] = {false};
		values[0] = Int32GetDatum(s.pid);
		values[1] = ObjectIdGetDatum(s.dboid);
		values[2] = NameGetDatum(&s.datname);
		nulls[2] = NameStr(s.datname)[0] == '\0';
		values[3] = CStringGetTextDatum(s.task);
		nulls[3] = s.task[0] == '\0';
		values[4] = ObjectIdGetDatum(s.relid);
		nulls[4] = !OidIsValid(s.relid);
		values[5] = CStringGetTextDatum(s.relation);
		nulls[5] = s.relation[0] == '\0';
		values[6] = TimestampTzGetDatum(s.started_at);
		values[7] = TimestampTzGetDatum(s.task_started_at);
		nulls[7] = nulls[3];
		values[8] = Int64GetDatum(s.progress);
		nulls[8] = nulls[3];
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}
