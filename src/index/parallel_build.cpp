// Parallel index builds: see parallel_build.h. The locking and snapshot
// rules are those of nbtree's parallel build: workers open the heap and the
// index with the leader's lock modes (a lock group shares them), and scan
// with SnapshotAny, or with the leader's MVCC snapshot for a concurrent
// build.
#include "index/parallel_build.h"

extern "C" {
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "executor/instrument.h"
#include "miscadmin.h"
#include "access/genam.h"
#include "optimizer/optimizer.h"
#include "pgstat.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
}

namespace {

constexpr uint64 kKeyShared = UINT64CONST(0xB0D0000000000001);
constexpr uint64 kKeyScan = UINT64CONST(0xB0D0000000000002);
constexpr uint64 kKeyBufferUsage = UINT64CONST(0xB0D0000000000003);
constexpr uint64 kKeyWalUsage = UINT64CONST(0xB0D0000000000004);
constexpr uint64 kKeyChunk = UINT64CONST(0xB0D0000000000010);

void InitShared(VdbParallelShared *shared, Relation heap, Relation index, IndexInfo *info) {
	memset(shared, 0, sizeof *shared);
	shared->heap_relid = RelationGetRelid(heap);
	shared->index_relid = RelationGetRelid(index);
	shared->concurrent = info->ii_Concurrent;
	SpinLockInit(&shared->mutex);
	ConditionVariableInit(&shared->cv);
	shared->participants = 1;
}

// The leader alone: the same chunks in local memory.
void BeginAlone(VdbParallelBuild *build, Relation heap, Relation index, IndexInfo *info, const size_t *sizes,
                int chunks) {
	build->shared = (VdbParallelShared *) palloc(sizeof(VdbParallelShared));
	InitShared(build->shared, heap, index, info);
	for (int i = 0; i < chunks; i++)
		build->chunks[i] = MemoryContextAllocExtended(CurrentMemoryContext, Max(sizes[i], 1),
		                                              MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

}  // namespace

// plan_create_index_workers gives up a worker while maintenance_work_mem
// leaves a participant under 32 MB: a tuplesort's rule, where each
// participant sorts in its own share of the budget. Our participants share
// one budget (hnsw's arena in the segment, ivf's buffers in the leader), so
// the planner is asked with the cap out of reach and keeps its other rules
// (table size, max_parallel_maintenance_workers, the parallel_workers
// reloption). Without this a build at the default 64 MB got one worker,
// and one at a quarter of a large graph's need (the slow path past the
// arena) got none.
int VdbParallelPlanWorkers(Relation heap, Relation index) {
	if (!IsNormalProcessingMode())
		return 0;
	int budget = maintenance_work_mem;
	int workers = 0;
	PG_TRY();
	{
		maintenance_work_mem = MAX_KILOBYTES;
		workers = plan_create_index_workers(RelationGetRelid(heap), RelationGetRelid(index));
	}
	PG_FINALLY();
	{
		maintenance_work_mem = budget;
	}
	PG_END_TRY();
	return workers;
}

VdbParallelBuild *VdbParallelBegin(Relation heap, Relation index, IndexInfo *info, const char *worker_main,
                                   int workers, const size_t *sizes, int chunks) {
	Assert(chunks <= kVdbMaxParallelChunks);
	VdbParallelBuild *build = (VdbParallelBuild *) palloc0(sizeof(VdbParallelBuild));
	if (workers == 0) {
		BeginAlone(build, heap, index, info, sizes, chunks);
		return build;
	}

	EnterParallelMode();
	ParallelContext *context = CreateParallelContext("vector_db", worker_main, workers);
	build->snapshot = info->ii_Concurrent ? RegisterSnapshot(GetTransactionSnapshot()) : SnapshotAny;
	Size scan_size = table_parallelscan_estimate(heap, build->snapshot);
	shm_toc_estimate_chunk(&context->estimator, sizeof(VdbParallelShared));
	shm_toc_estimate_chunk(&context->estimator, scan_size);
	for (int i = 0; i < chunks; i++)
		shm_toc_estimate_chunk(&context->estimator, Max(sizes[i], 1));
	// Each worker's buffer and WAL use, added to the leader's at the end (as
	// nbtree does) so that pg_stat_statements and EXPLAIN count them.
	shm_toc_estimate_chunk(&context->estimator, mul_size(sizeof(BufferUsage), workers));
	shm_toc_estimate_chunk(&context->estimator, mul_size(sizeof(WalUsage), workers));
	shm_toc_estimate_keys(&context->estimator, 4 + chunks);
	InitializeParallelDSM(context);
	if (context->seg == NULL) {  // no segment to be had: build alone
		if (IsMVCCSnapshot(build->snapshot))
			UnregisterSnapshot(build->snapshot);
		DestroyParallelContext(context);
		ExitParallelMode();
		build->snapshot = NULL;
		BeginAlone(build, heap, index, info, sizes, chunks);
		return build;
	}

	build->context = context;
	build->buffer_usage = (BufferUsage *) shm_toc_allocate(context->toc, mul_size(sizeof(BufferUsage), workers));
	shm_toc_insert(context->toc, kKeyBufferUsage, build->buffer_usage);
	build->wal_usage = (WalUsage *) shm_toc_allocate(context->toc, mul_size(sizeof(WalUsage), workers));
	shm_toc_insert(context->toc, kKeyWalUsage, build->wal_usage);
	build->shared = (VdbParallelShared *) shm_toc_allocate(context->toc, sizeof(VdbParallelShared));
	InitShared(build->shared, heap, index, info);
	build->shared->participants = 1 + workers;  // an upper bound until the launch
	shm_toc_insert(context->toc, kKeyShared, build->shared);
	build->scan = (ParallelTableScanDesc) shm_toc_allocate(context->toc, scan_size);
	table_parallelscan_initialize(heap, build->scan, build->snapshot);
	shm_toc_insert(context->toc, kKeyScan, build->scan);
	for (int i = 0; i < chunks; i++) {
		build->chunks[i] = shm_toc_allocate(context->toc, Max(sizes[i], 1));
		memset(build->chunks[i], 0, Max(sizes[i], 1));
		shm_toc_insert(context->toc, kKeyChunk + i, build->chunks[i]);
	}
	return build;
}

TableScanDesc VdbParallelLaunch(VdbParallelBuild *build, Relation heap, const char *am) {
	if (build->context == NULL)
		return NULL;
	LaunchParallelWorkers(build->context);
	build->workers = build->context->nworkers_launched;
	// Before the wait below, which a cancel may end: the build's progress
	// phase is already shown, so a cancel can come at any point from here.
	ereport(DEBUG1, (errmsg("%s build of \"%s\" using %d parallel workers", am, RelationGetRelationName(heap),
	                        build->workers)));
	// A worker that was launched but could not start would never arrive.
	if (build->workers > 0)
		WaitForParallelWorkersToAttach(build->context);
	SpinLockAcquire(&build->shared->mutex);
	build->shared->participants = 1 + build->workers;
	SpinLockRelease(&build->shared->mutex);
	ConditionVariableBroadcast(&build->shared->cv);
	return table_beginscan_parallel(heap, build->scan);
}

void VdbParallelEnd(VdbParallelBuild *build) {
	if (build->context == NULL)
		return;
	WaitForParallelWorkersToFinish(build->context);
	for (int i = 0; i < build->workers; i++)
		InstrAccumParallelQuery(&build->buffer_usage[i], &build->wal_usage[i]);
	// The segment goes away: keep the totals.
	VdbParallelShared *totals = (VdbParallelShared *) palloc(sizeof(VdbParallelShared));
	memcpy(totals, build->shared, sizeof *totals);
	build->shared = totals;
	if (IsMVCCSnapshot(build->snapshot))
		UnregisterSnapshot(build->snapshot);
	DestroyParallelContext(build->context);
	ExitParallelMode();
	build->context = NULL;
}

void VdbParallelArrive(VdbParallelShared *shared, int *counter) {
	SpinLockAcquire(&shared->mutex);
	(*counter)++;
	SpinLockRelease(&shared->mutex);
	ConditionVariableBroadcast(&shared->cv);
}

void VdbParallelArriveAndWait(VdbParallelShared *shared, int *counter) {
	VdbParallelArrive(shared, counter);
	ConditionVariablePrepareToSleep(&shared->cv);
	for (;;) {
		SpinLockAcquire(&shared->mutex);
		bool all = *counter >= shared->participants;
		SpinLockRelease(&shared->mutex);
		if (all)
			break;
		ConditionVariableSleep(&shared->cv, WAIT_EVENT_PARALLEL_CREATE_INDEX_SCAN);
	}
	ConditionVariableCancelSleep();
}

void VdbParallelWaitFor(VdbParallelShared *shared, const bool *flag) {
	ConditionVariablePrepareToSleep(&shared->cv);
	for (;;) {
		SpinLockAcquire(&shared->mutex);
		bool set = *flag;
		SpinLockRelease(&shared->mutex);
		if (set)
			break;
		ConditionVariableSleep(&shared->cv, WAIT_EVENT_PARALLEL_CREATE_INDEX_SCAN);
	}
	ConditionVariableCancelSleep();
}

void VdbParallelSet(VdbParallelShared *shared, bool *flag) {
	SpinLockAcquire(&shared->mutex);
	*flag = true;
	SpinLockRelease(&shared->mutex);
	ConditionVariableBroadcast(&shared->cv);
}

void VdbParallelTake(VdbParallelShared *shared, bool *busy) {
	ConditionVariablePrepareToSleep(&shared->cv);
	for (;;) {
		SpinLockAcquire(&shared->mutex);
		bool taken = !*busy;
		*busy = true;
		SpinLockRelease(&shared->mutex);
		if (taken)
			break;
		ConditionVariableSleep(&shared->cv, WAIT_EVENT_PARALLEL_CREATE_INDEX_SCAN);
	}
	ConditionVariableCancelSleep();
}

void VdbParallelGive(VdbParallelShared *shared, bool *busy) {
	SpinLockAcquire(&shared->mutex);
	*busy = false;
	SpinLockRelease(&shared->mutex);
	ConditionVariableBroadcast(&shared->cv);
}

void VdbParallelAddTuples(VdbParallelShared *shared, double heap_tuples, double index_tuples) {
	SpinLockAcquire(&shared->mutex);
	shared->heap_tuples += heap_tuples;
	shared->index_tuples += index_tuples;
	SpinLockRelease(&shared->mutex);
}

VdbParallelWorker VdbParallelWorkerBegin(shm_toc *toc) {
	VdbParallelWorker worker;
	memset(&worker, 0, sizeof worker);
	worker.toc = toc;
	InstrStartParallelQuery();
	worker.shared = (VdbParallelShared *) shm_toc_lookup(toc, kKeyShared, false);
	worker.heap_lock = worker.shared->concurrent ? ShareUpdateExclusiveLock : ShareLock;
	worker.index_lock = worker.shared->concurrent ? RowExclusiveLock : AccessExclusiveLock;
	worker.heap = table_open(worker.shared->heap_relid, worker.heap_lock);
	worker.index = index_open(worker.shared->index_relid, worker.index_lock);
	worker.info = BuildIndexInfo(worker.index);
	worker.info->ii_Concurrent = worker.shared->concurrent;
	for (int i = 0; i < kVdbMaxParallelChunks; i++)
		worker.chunks[i] = shm_toc_lookup(toc, kKeyChunk + i, true);
	ParallelTableScanDesc scan = (ParallelTableScanDesc) shm_toc_lookup(toc, kKeyScan, false);
	worker.scan = table_beginscan_parallel(worker.heap, scan);
	return worker;
}

void VdbParallelWorkerEnd(VdbParallelWorker &worker) {
	BufferUsage *buffer_usage = (BufferUsage *) shm_toc_lookup(worker.toc, kKeyBufferUsage, false);
	WalUsage *wal_usage = (WalUsage *) shm_toc_lookup(worker.toc, kKeyWalUsage, false);
	InstrEndParallelQuery(&buffer_usage[ParallelWorkerNumber], &wal_usage[ParallelWorkerNumber]);
	index_close(worker.index, worker.index_lock);
	table_close(worker.heap, worker.heap_lock);
}
