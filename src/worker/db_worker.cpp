// A database worker (docs/workers.md): started by the launcher for one
// database, it expires the rows of tables with a TTL, runs the per-index
// tasks, and exits. Every unit of work (a TTL batch, a partition drop, one
// task on one index) is a transaction of its own, and an ERROR in one is
// logged and skipped, not the end of the round.
//
// SIGTERM (pg_terminate_backend, a fast shutdown) only sets a flag that the
// round checks between units, so a TTL pass stops after its current batch,
// which is bounded by vector_db.ttl_batch_size. While a per-index task runs,
// SIGTERM cancels it at once instead (die()): those tasks are crash-safe at
// every interrupt check, and their work may be long.
#include "worker/worker.h"

#include <csignal>

#include "worker/index_tasks.h"
#include "worker/ttl.h"
#include "worker/worker_state.h"

extern "C" {
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"
}

namespace {

volatile sig_atomic_t stop_requested = false;
volatile sig_atomic_t die_on_sigterm = false;

void WorkerSigterm(SIGNAL_ARGS) {
	int save_errno = errno;
	stop_requested = true;
	if (die_on_sigterm) {
		InterruptPending = true;
		ProcDiePending = true;
	}
	SetLatch(MyLatch);
	errno = save_errno;
}

}  // namespace

bool VdbWorkerStopRequested(void) {
	return stop_requested;
}

void VdbWorkerSetDieOnSigterm(bool on) {
	die_on_sigterm = on;
	if (on && stop_requested) {
		InterruptPending = true;
		ProcDiePending = true;
	}
}

bool VdbWorkerRunGuarded(void (*fn)(void *), void *arg) {
	MemoryContext cxt = CurrentMemoryContext;
	bool ok = true;
	PG_TRY();
	{
		fn(arg);
	}
	PG_CATCH();
	{
		HOLD_INTERRUPTS();
		die_on_sigterm = false;
		MemoryContextSwitchTo(cxt);
		EmitErrorReport();
		AbortOutOfAnyTransaction();
		FlushErrorState();
		RESUME_INTERRUPTS();
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	return ok;
}

void VdbDatabaseWorkerMain(Datum arg) {
	pqsignal(SIGTERM, WorkerSigterm);
	BackgroundWorkerUnblockSignals();
	Oid dboid = VdbSlotAttach(DatumGetInt32(arg));
	// As the bootstrap superuser, like autovacuum; the TTL deletes switch
	// to each table's owner (ttl.cpp).
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);

	StartTransactionCommand();
	NameData datname;
	namestrcpy(&datname, get_database_name(MyDatabaseId));
	VdbSlotSetDatabaseName(NameStr(datname));
	bool installed = OidIsValid(get_extension_oid("vector_db", true));
	CommitTransactionCommand();
	if (!installed)
		proc_exit(0);

	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "vector_db worker", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(cxt);
	VdbTtlExpireAll(cxt);
	VdbRunIndexTasks(cxt);
	if (stop_requested)
		ereport(LOG, (errmsg("vector_db worker of database \"%s\" stopped between batches after SIGTERM",
		                     NameStr(datname))));
	proc_exit(0);
}
