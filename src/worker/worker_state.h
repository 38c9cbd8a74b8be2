// Shared memory of the worker machinery: one slot per running (or starting)
// database worker. The launcher reserves a slot before it registers a worker
// and the worker frees it when it exits; the slot also holds what the worker
// is doing, for vector_db_worker_activity. A spinlock guards the array: every
// critical section copies a few fields and nothing else.
#pragma once

#include "pg/pg.h"

// Reserves shared memory (PG15+: from shmem_request_hook). _PG_init only.
void VdbWorkerStateRequest(void);

// Whether the shared state exists, i.e. vector_db was preloaded.
bool VdbWorkerStateExists(void);

// Launcher side. Reserves a free slot for a worker of the database, unless
// `limit` slots are in use already; returns its index or -1.
int VdbSlotReserve(Oid dboid, int limit);
// Frees a slot whose worker never ran or has stopped.
void VdbSlotRelease(int slot);
// Whether a worker holds or is starting on a slot for the database.
bool VdbSlotBusyForDatabase(Oid dboid);

// Worker side: takes over its slot (publishes its pid, frees the slot when
// the process exits) and returns the database to connect to.
Oid VdbSlotAttach(int slot);
// Records the database name once connected.
void VdbSlotSetDatabaseName(const char *datname);
