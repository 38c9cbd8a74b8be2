// Parallel index builds with Postgres's parallel maintenance workers, shared
// by hnsw and ivf: plan_create_index_workers picks the worker count, one DSM
// segment holds a common header, a parallel heap scan and the AM's own
// chunks, and the leader takes part in the scan itself. When no worker is
// planned (or no DSM segment can be had) the same chunks live in the
// leader's memory and the leader scans alone, so an AM writes one build
// path for both.
//
// Leader: VdbParallelPlanWorkers, VdbParallelBegin (sizes of the AM's chunks), fill the chunks
// (VdbParallelChunk), VdbParallelLaunch, take part, VdbParallelEnd.
// Worker (the function named in VdbParallelBegin, exported with C linkage):
// VdbParallelWorkerBegin, take part, VdbParallelWorkerEnd.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "access/parallel.h"
#include "access/relscan.h"
#include "nodes/execnodes.h"
#include "storage/condition_variable.h"
#include "storage/spin.h"
#include "utils/snapshot.h"
}

// The header every participant sees; mutex guards the counters.
struct VdbParallelShared {
	Oid heap_relid;
	Oid index_relid;
	bool concurrent;
	slock_t mutex;
	ConditionVariable cv;
	int participants;  // leader included; final once the workers are launched
	double heap_tuples;  // summed by each participant as it finishes
	double index_tuples;
};

// The most chunks a build may ask for (hnsw_build.cpp and ivf_build.cpp
// static_assert that theirs fit).
constexpr int kVdbMaxParallelChunks = 8;

struct VdbParallelBuild {
	ParallelContext *context;  // NULL when the leader builds alone
	Snapshot snapshot;
	VdbParallelShared *shared;
	ParallelTableScanDesc scan;  // NULL when alone
	void *chunks[kVdbMaxParallelChunks];
	int workers;  // launched
	struct BufferUsage *buffer_usage;  // per worker, in the segment
	struct WalUsage *wal_usage;
};

// How many workers plan_create_index_workers grants this build, without
// its 32 MB a participant floor (a tuplesort's; see parallel_build.cpp).
int VdbParallelPlanWorkers(Relation heap, Relation index);
// Lays out the segment for `workers` workers (0: the leader alone); chunk i
// has sizes[i] bytes (MAXALIGNed, zeroed).
VdbParallelBuild *VdbParallelBegin(Relation heap, Relation index, IndexInfo *info, const char *worker_main,
                                   int workers, const size_t *sizes, int chunks);
inline void *VdbParallelChunk(VdbParallelBuild *build, int i) { return build->chunks[i]; }
// Starts the workers; returns the scan the leader reads its share through (NULL: a serial scan).
TableScanDesc VdbParallelLaunch(VdbParallelBuild *build, Relation heap, const char *am);
// Waits for the workers and leaves parallel mode; build->shared stays
// readable (a copy) but the chunks are gone.
void VdbParallelEnd(VdbParallelBuild *build);

// Counts one participant in at `*counter` (under the mutex) and wakes the waiters.
void VdbParallelArrive(VdbParallelShared *shared, int *counter);
// Counts one participant in at `*counter` and sleeps until every participant has.
void VdbParallelArriveAndWait(VdbParallelShared *shared, int *counter);
// Sleeps until *flag is set (under the mutex) by another participant.
void VdbParallelWaitFor(VdbParallelShared *shared, const bool *flag);
// Sets *flag under the mutex and wakes everybody.
void VdbParallelSet(VdbParallelShared *shared, bool *flag);
// Takes a baton (*busy, under the mutex), sleeping while another participant
// holds it: a section only one participant may run at a time. An ERROR
// while holding it ends the whole build, so nobody waits on it for good.
void VdbParallelTake(VdbParallelShared *shared, bool *busy);
// Hands the baton back and wakes the waiters.
void VdbParallelGive(VdbParallelShared *shared, bool *busy);
// A baton as code outside the build takes it: only around the part that
// needs it (VdbParallelTake and VdbParallelGive on shared and busy).
struct VdbBaton {
	VdbParallelShared *shared;
	bool *busy;
};
// Adds a participant's tuple counts to the totals.
void VdbParallelAddTuples(VdbParallelShared *shared, double heap_tuples, double index_tuples);

struct VdbParallelWorker {
	Relation heap;
	Relation index;
	IndexInfo *info;
	TableScanDesc scan;
	VdbParallelShared *shared;
	void *chunks[kVdbMaxParallelChunks];
	LOCKMODE heap_lock;
	LOCKMODE index_lock;
	shm_toc *toc;
};

VdbParallelWorker VdbParallelWorkerBegin(shm_toc *toc);
void VdbParallelWorkerEnd(VdbParallelWorker &worker);
