// Fault injection for the reliability tests (docs/reliability.md): named
// failure points in the glue code, compiled only into the test build that
// scripts/run-tests.sh makes (VDB_FAULT_INJECTION=1, i.e.
// -DVDB_FAULT_INJECTION). Elsewhere VDB_FAULT_POINT expands to nothing and no
// setting exists, so a user's build carries neither code nor GUCs.
//
// A point is one line where the failure should happen:
//     VDB_FAULT_POINT("hnsw-build-linked");
// and is armed at run time (superuser only) by
//     SET vector_db.fault_point = 'hnsw-build-linked';
//     SET vector_db.fault_action = 'error' | 'panic' | 'kill' | 'wait';
//     SET vector_db.fault_skip = N;   -- let N hits pass first (default 0)
// 'error' raises an ERROR, 'panic' a PANIC, 'kill' SIGKILLs the process (a
// crash: the postmaster restarts and recovery runs). 'wait' waits while
// another session holds SELECT pg_advisory_lock(7470) (VDB_FAULT_WAIT_KEY),
// so an isolation spec can stop a process at the point, see it waiting,
// run other steps meanwhile, and let it go on. Every hit after the
// skipped ones fires, in every process that has the settings (parallel
// workers inherit them and count their own hits).
//
// An 'error' is a longjmp: a point belongs where an ERROR could already
// happen and no C++ object with a destructor is live on the stack (outside
// RunCpp), like any ereport.
#pragma once

// The advisory lock key 'wait' waits on.
#define VDB_FAULT_WAIT_KEY 7470

#ifdef VDB_FAULT_INJECTION
void VdbFaultPoint(const char *name);
#define VDB_FAULT_POINT(name) VdbFaultPoint(name)
#else
#define VDB_FAULT_POINT(name) ((void) 0)
#endif

// Registers the vector_db.fault_* settings in the test build; a no-op otherwise.
void VdbFaultInit(void);
