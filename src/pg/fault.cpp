// Fault points: see fault.h. Everything here exists only in the test build.
#include "pg/fault.h"

#include "pg/pg.h"

#ifdef VDB_FAULT_INJECTION

#include <climits>
#include <signal.h>
#include <unistd.h>

extern "C" {
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/guc.h"
}

namespace {

enum FaultAction { kFaultError, kFaultPanic, kFaultKill, kFaultWait };

const struct config_enum_entry kFaultActions[] = {
	{"error", kFaultError, false},
	{"panic", kFaultPanic, false},
	{"kill", kFaultKill, false},
	{"wait", kFaultWait, false},
	{NULL, 0, false},
};

// Waits while another session holds advisory lock VDB_FAULT_WAIT_KEY
// (pg_advisory_lock's bigint form): a wait an isolation spec sees as one.
void WaitForFaultLock() {
	LOCKTAG tag;
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 0, VDB_FAULT_WAIT_KEY, 1);
	(void) LockAcquire(&tag, ShareLock, false, false);
	LockRelease(&tag, ShareLock, false);
}

char *fault_point = NULL;
int fault_action = kFaultError;
int fault_skip = 0;
int hits = 0;  // of the armed point in this process, since it was last set

// Arming a point (again) starts its count over.
void ResetHits(const char *, void *) { hits = 0; }

}  // namespace

void VdbFaultPoint(const char *name) {
	if (fault_point == NULL || strcmp(fault_point, name) != 0 || hits++ < fault_skip)
		return;
	switch (fault_action) {
		case kFaultPanic:
			elog(PANIC, "vector_db fault point \"%s\" reached", name);
			break;
		case kFaultWait:
			WaitForFaultLock();
			break;
		case kFaultKill:
			// The log line tells the test which point crashed the server.
			elog(LOG, "vector_db fault point \"%s\" reached: killing process %d", name, MyProcPid);
			kill(MyProcPid, SIGKILL);
			pause();
			break;
		default:
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("vector_db fault point \"%s\" reached", name)));
	}
}

void VdbFaultInit(void) {
	DefineCustomStringVariable("vector_db.fault_point", "Names the fault point to fire (test builds only).", NULL,
	                           &fault_point, "", PGC_SUSET, 0, NULL, ResetHits, NULL);
	DefineCustomEnumVariable("vector_db.fault_action", "What a fault point does when it fires (test builds only).",
	                         NULL, &fault_action, kFaultError, kFaultActions, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("vector_db.fault_skip", "Hits of the fault point to let pass first (test builds only).",
	                        NULL, &fault_skip, 0, 0, INT_MAX, PGC_SUSET, 0, NULL, NULL, NULL);
}

#else

void VdbFaultInit(void) {}

#endif
