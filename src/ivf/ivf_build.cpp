// CREATE INDEX for ivfflat and ivf.
//
// 1. One pass over the heap draws a uniform sample (reservoir sampling; at
//    most max(50 x lists, 10,000) rows and half of maintenance_work_mem) and
//    counts the rows, which sets `lists` when the ivf index leaves it out.
// 2. k-means trains the centroids on the sample (spherical for inner product
//    and cosine; bits as 0/1 floats, centroids rounded back to bits), then
//    the quantizer trains on the sample (PQ on residuals).
// 3. A second pass assigns every row to its nearest centroid, encodes it and
//    buffers it in its list; lists are written to chained pages whenever the
//    buffers outgrow maintenance_work_mem and at the end. This pass, the
//    costly one on large tables, runs in the leader and the parallel
//    workers that plan_create_index_workers grants (index/parallel_build.h),
//    over one parallel heap scan: each worker sends its encoded tuples
//    through its own shm_mq to the leader, which alone writes the lists
//    (draining the queues between its own rows).
// Pages are written without WAL and the whole relation is logged at the end
// with log_newpage_range, as pgvector and nbtree's sorted build do.
#include "ivf/ivf.h"

#include <algorithm>

#include "core/ivf/kmeans.h"
#include "core/ivf/list_count.h"
#include "index/index_filter.h"
#include "index/index_progress.h"
#include "index/parallel_build.h"
#include "pg/cpp_boundary.h"
#include "pg/fault.h"

extern "C" {
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "utils/memutils.h"
}

// C++ state of a build, freed by a memory-context callback on ERROR too. No
// C++ object of the build lives on the stack of a function that can raise an
// ERROR (scripts/lint-boundary.py checks it): it lives here, or inside a
// RunCpp body.
struct IvfBuildMemory {
	std::vector<float> sample;  // rows x dims, as the quantizer sees them (flat.ToQuantizerInput)
	vdb::IvfCoder flat;
	vdb::IvfCoder coder;
	std::vector<uint8_t> coder_bytes;  // coder serialised: state pages, workers
	IvfCentroids centroids;
	std::vector<std::vector<uint8_t>> pending;  // per list: tuples not yet on pages
	std::vector<IvfListEntry> entries;
	std::vector<BlockNumber> last;  // per list: last page written
};

struct IvfBuildState {
	Relation index;
	vdb::ElementMetric metric;
	IvfMetaPageData meta;
	IvfBuildMemory *memory;
	char *element;
	size_t sample_cap;
	double seen;  // rows offered to the sample
	size_t pending_bytes;
	size_t budget;
	double heap_tuples;
	double index_tuples;
	uint8 *message;  // list number, then one list tuple (parallel assign pass)
	shm_mq_handle **queues;  // leader: one per worker, NULL once detached
	int queue_count;
	int live_queues;
	shm_mq_handle *send;  // worker: to the leader
};

namespace {

#if PG_VERSION_NUM >= 170000
constexpr uint32 kWaitQueueReceive = WAIT_EVENT_MESSAGE_QUEUE_RECEIVE;
#else
constexpr uint32 kWaitQueueReceive = WAIT_EVENT_MQ_RECEIVE;
#endif

// What a worker of the assign pass needs besides the heap: the shapes, the
// quantizer state's length and the centroids (the chunks that follow).
struct IvfAssignShared {
	IvfMetaPageData meta;
	vdb::IvfQuantizer quantizer;
	uint32 state_bytes;
	bool float_centroids;
	Size queue_bytes;
};

enum IvfChunk { kChunkShared, kChunkCoder, kChunkCentroids, kChunkQueues, kChunks };
static_assert(kChunks <= kVdbMaxParallelChunks, "the parallel build has room for every chunk");

bool BuildShouldStop() { return QueryCancelPending || ProcDiePending; }

// A core Status copied out of its C++ scope into plain memory, so that it is
// raised only after every C++ object of that scope is gone.
struct Failure {
	vdb::Status::Code code = vdb::Status::kOk;
	char message[256] = "";
	void Take(const vdb::Status &status) {
		code = status.code;
		strlcpy(message, status.message.c_str(), sizeof message);
	}
};

// Raises what a failed core call reported (cancel as the pending interrupt).
void RaiseStatus(const Failure &status, const char *what) {
	switch (status.code) {
	case vdb::Status::kOk:
		return;
	case vdb::Status::kCanceled:
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED), errmsg("%s canceled", what)));
		break;
	case vdb::Status::kInvalidArgument:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: %s", what, status.message)));
		break;
	default:
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("%s failed: %s", what, status.message)));
	}
}

void SampleCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg) {
	IvfBuildState *state = (IvfBuildState *) arg;
	state->heap_tuples++;
	if (!isnull[0] && VdbDatumToElement(index, state->metric, values[0], state->element))
		IvfSampleElement(state, state->element);
}

// Writes the pending tuples of every list to new pages at the ends of the chains.
void FlushLists(IvfBuildState *state) {
	VdbProgressPhase(IVF_PHASE_LOAD);
	IvfBuildMemory *m = state->memory;
	const IvfMetaPageData &meta = state->meta;
	for (uint32 list = 0; list < meta.lists; list++) {
		std::vector<uint8_t> &tuples = m->pending[list];
		uint32 whole = IvfWholeTupleSize(meta);
		size_t count = tuples.size() / whole;
		for (size_t done = 0; done < count;) {
			CHECK_FOR_INTERRUPTS();
			uint32 n = uint32(Min(size_t(meta.tuples_per_page), count - done));
			// Runs first, so that no page is held locked while they extend the index.
			PGAlignedBlock image;
			IvfInitDataPage(image.data);
			for (uint32 i = 0; i < n; i++)
				IvfStoreTuple(state->index, meta, (const IvfTupleHeader *) &tuples[(done + i) * whole],
				              IvfPageTuple(image.data, meta, i), false);
			IvfPageHeader(image.data)->count = n;
			Buffer buffer = VdbNewBuffer(state->index, MAIN_FORKNUM);
			BlockNumber block = BufferGetBlockNumber(buffer);
			Page page = BufferGetPage(buffer);
			memcpy(page, image.data, BLCKSZ);
			MarkBufferDirty(buffer);
			UnlockReleaseBuffer(buffer);
			if (BlockNumberIsValid(m->last[list])) {
				Buffer prev = VdbReadBuffer(state->index, m->last[list], BUFFER_LOCK_EXCLUSIVE);
				IvfPageHeader(BufferGetPage(prev))->next = block;
				MarkBufferDirty(prev);
				UnlockReleaseBuffer(prev);
			} else {
				m->entries[list].first = block;
			}
			m->last[list] = block;
			m->entries[list].insert = block;
			done += n;
		}
		m->entries[list].rows += uint32(count);
		vdb::RunCpp("ivf build", [&] { std::vector<uint8_t>().swap(tuples); });
	}
	state->pending_bytes = 0;
	VdbProgressPhase(IVF_PHASE_ASSIGN);
}

// Assigns a converted element to its nearest list and encodes it as a whole
// list tuple with its filter words; returns the list.
uint32 EncodeRow(IvfBuildState *state, ItemPointer tid, const uint64 *words, uint8 *tuple_bytes) {
	IvfBuildMemory *m = state->memory;
	const IvfMetaPageData &meta = state->meta;
	uint32 list = IvfNearestList(state->metric, m->centroids, meta.lists, state->element);
	IvfTupleHeader *tuple = (IvfTupleHeader *) tuple_bytes;
	tuple->tid = *tid;
	memcpy(IvfWholeTupleWords(meta, tuple), words, 8 * size_t(meta.filter_columns));
	vdb::RunCpp("ivf build", [&] {
		const float *centroid = m->centroids.floats.empty() ? NULL : &m->centroids.floats[size_t(list) * meta.dims];
		m->coder.Encode(state->element, centroid, IVF_TUPLE_CODE(tuple));
	});
	return list;
}

// Buffers one list tuple in its list (the leader), writing the lists out
// when the buffers outgrow maintenance_work_mem.
void AddPending(IvfBuildState *state, uint32 list, const uint8 *tuple) {
	const IvfMetaPageData &meta = state->meta;
	if (list >= meta.lists)
		elog(ERROR, "ivf build received list %u of %u", list, meta.lists);
	vdb::RunCpp("ivf build", [&] {
		std::vector<uint8_t> &tuples = state->memory->pending[list];
		tuples.insert(tuples.end(), tuple, tuple + IvfWholeTupleSize(meta));
	});
	state->index_tuples++;
	if ((int64(state->index_tuples) & 1023) == 0)
		VdbProgressTuplesDone(int64(state->index_tuples));
	state->pending_bytes += IvfWholeTupleSize(meta);
	if (state->pending_bytes > state->budget)
		FlushLists(state);
}

// Takes what the workers have sent so far; with `wait`, until every worker
// has detached (sleeping on the latch, which a send sets).
void DrainQueues(IvfBuildState *state, bool wait) {
	while (state->live_queues > 0) {
		bool received = false;
		for (int i = 0; i < state->queue_count; i++) {
			if (state->queues[i] == NULL)
				continue;
			Size bytes;
			void *data;
			shm_mq_result result;
			while ((result = shm_mq_receive(state->queues[i], &bytes, &data, true)) == SHM_MQ_SUCCESS) {
				if (bytes != sizeof(uint32) + IvfWholeTupleSize(state->meta))
					elog(ERROR, "ivf build received a message of %zu bytes", bytes);
				uint32 list;
				memcpy(&list, data, sizeof list);
				AddPending(state, list, (const uint8 *) data + sizeof(uint32));
				received = true;
			}
			if (result == SHM_MQ_DETACHED) {
				state->queues[i] = NULL;
				state->live_queues--;
			}
		}
		if (!wait)
			return;
		if (!received && state->live_queues > 0) {
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH, -1, kWaitQueueReceive);
			ResetLatch(MyLatch);
		}
		CHECK_FOR_INTERRUPTS();
	}
}

void AssignCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg) {
	IvfBuildState *state = (IvfBuildState *) arg;
	if (!isnull[0] && VdbDatumToElement(index, state->metric, values[0], state->element)) {
		uint64 words[INDEX_MAX_KEYS];
		VdbFilterWords(index, IvfLabelScheme(state->meta), state->meta.filter_columns, values, isnull, words);
		uint32 list = EncodeRow(state, tid, words, state->message + sizeof(uint32));
		AddPending(state, list, state->message + sizeof(uint32));
	}
	DrainQueues(state, false);
}

// A worker's row: encoded here, sent to the leader.
void WorkerAssignCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg) {
	IvfBuildState *state = (IvfBuildState *) arg;
	if (isnull[0] || !VdbDatumToElement(index, state->metric, values[0], state->element))
		return;
	uint64 words[INDEX_MAX_KEYS];
	VdbFilterWords(index, IvfLabelScheme(state->meta), state->meta.filter_columns, values, isnull, words);
	uint32 list = EncodeRow(state, tid, words, state->message + sizeof(uint32));
	memcpy(state->message, &list, sizeof list);
	if (shm_mq_send(state->send, sizeof(uint32) + IvfWholeTupleSize(state->meta), state->message, false,
	                true) !=
	    SHM_MQ_SUCCESS)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("ivf build leader stopped receiving")));
}

// Trains centroids and quantizer on the sample; returns the lists trained.
uint32 Train(IvfBuildState *state, const IvfBuildOptions &options, uint32 lists, vdb::IvfQuantizer quantizer) {
	const uint32 planned_lists = lists;
	IvfBuildMemory *m = state->memory;
	const vdb::ElementMetric &metric = state->metric;
	size_t d = metric.dims;
	size_t n = m->sample.size() / d;
	VdbProgressPhase(IVF_PHASE_KMEANS);
	int threads = Max(1, 1 + max_parallel_maintenance_workers);
	Failure failure;
	char notice[256] = "";
	// The k-means result lives only in here; what Postgres needs is copied out.
	vdb::RunCpp("ivf k-means", [&] {
		std::vector<float> centroids;
		if (n == 0) {
			// Nothing to learn from: one list around the origin.
			centroids.assign(d, 0.0f);
			lists = 1;
		} else {
			vdb::KMeansParams params;
			params.metric = metric.type == vdb::ElementType::kBit ? vdb::MetricKind::kL2 : metric.kind;
			params.threads = threads;
			params.should_stop = BuildShouldStop;
			vdb::KMeansResult result = vdb::TrainKMeans(m->sample.data(), n, d, lists, params);
			failure.Take(result.status);
			if (!result.status.ok())
				return;
			strlcpy(notice, result.notice.c_str(), sizeof notice);
			lists = uint32(result.lists);
			centroids = std::move(result.centroids);
		}
		// Centroids in the element encoding (what the scan compares queries with).
		m->centroids.elements.resize(size_t(lists) * metric.bytes);
		for (uint32 list = 0; list < lists; list++)
			vdb::FloatToElement(metric, &centroids[size_t(list) * d], &m->centroids.elements[size_t(list) * metric.bytes]);
	});
	RaiseStatus(failure, "ivf k-means");
	// When the table has fewer rows than lists, ivfbuild's "little data"
	// NOTICE (pgvector's) has already told the user; then this one is DEBUG1.
	if (notice[0] != '\0')
		ereport(state->seen < planned_lists ? DEBUG1 : NOTICE, (errmsg("%s", notice)));

	vdb::RunCpp("ivf quantizer training", [&] {
		if (quantizer != vdb::IvfQuantizer::kFlat) {
			// The quantizer's view of the centroids as stored.
			m->centroids.floats.resize(size_t(lists) * d);
			for (uint32 list = 0; list < lists; list++)
				m->flat.ToQuantizerInput(&m->centroids.elements[size_t(list) * metric.bytes],
				                         &m->centroids.floats[size_t(list) * d]);
		}
		// A tiny table still gets a usable index: the sample is repeated up to
		// what the quantizer needs (PQ: one row per codebook entry), and an
		// empty one stands in as the origin.
		size_t needed = quantizer == vdb::IvfQuantizer::kPq ? vdb::PqQuantizer::kMinTrainingVectors : 1;
		if (quantizer != vdb::IvfQuantizer::kFlat && n < needed) {
			if (n == 0)
				m->sample.assign(d, 0.0f);
			size_t have = m->sample.size() / d;
			m->sample.resize(needed * d);
			for (size_t i = have; i < needed; i++)
				std::copy_n(&m->sample[(i % have) * d], d, &m->sample[i * d]);
			n = needed;
		}
		vdb::IvfTrainParams params;
		params.pq_m = size_t(options.pq_m);
		// PQ trains its pq_m small k-means side by side, one per thread
		// (each alone on its thread: see core/quantizer/pq.cpp).
		params.threads = threads;
		params.should_stop = BuildShouldStop;
		failure.Take(vdb::IvfCoder::Train(quantizer, metric, m->sample.data(), n, m->centroids.floats.data(), lists,
		                                  params, &m->coder));
		if (failure.code == vdb::Status::kOk)
			m->coder_bytes = m->coder.Serialize();
		std::vector<float>().swap(m->sample);
	});
	RaiseStatus(failure, "ivf quantizer training");
	return lists;
}

// Quantizer state pages, then centroid pages with empty lists.
void WriteHeaderPages(IvfBuildState *state) {
	IvfBuildMemory *m = state->memory;
	IvfMetaPageData &meta = state->meta;
	IvfRunSource source{IvfStateStream(meta, m->coder_bytes, m->centroids), meta.state_bytes, IVF_PAGE_STATE};
	BlockNumber first = IvfExtendRun(state->index, IvfStatePages(meta), IvfInitRunPage, &source, false);
	if (BlockNumberIsValid(first))
		meta.state_start = first;
	pfree((void *) source.bytes);
	meta.centroid_start = RelationGetNumberOfBlocks(state->index);
	uint32 pages = (meta.lists + meta.entries_per_page - 1) / meta.entries_per_page;
	for (uint32 i = 0; i < pages; i++) {
		Buffer buffer = VdbNewBuffer(state->index, MAIN_FORKNUM);
		VdbInitPage(BufferGetPage(buffer), IVF_PAGE_CENTROID);
		MarkBufferDirty(buffer);
		UnlockReleaseBuffer(buffer);
	}
}

// Copies the list entries (and centroids) and the metapage to their pages.
void WriteEntries(IvfBuildState *state) {
	IvfBuildMemory *m = state->memory;
	const IvfMetaPageData &meta = state->meta;
	for (uint32 list = 0; list < meta.lists; list++) {
		Buffer buffer = VdbReadBuffer(state->index, IvfEntryBlock(meta, list), BUFFER_LOCK_EXCLUSIVE);
		IvfListEntry *entry = IvfPageEntry(BufferGetPage(buffer), meta, list);
		*entry = m->entries[list];
		if (!IvfCentroidsInState(meta))
			memcpy(IVF_ENTRY_CENTROID(entry), &m->centroids.elements[size_t(list) * state->metric.bytes],
			       state->metric.bytes);
		MarkBufferDirty(buffer);
		UnlockReleaseBuffer(buffer);
	}
	Buffer buffer = VdbReadBuffer(state->index, IVF_METAPAGE_BLKNO, BUFFER_LOCK_EXCLUSIVE);
	memcpy(PageGetContents(BufferGetPage(buffer)), &meta, sizeof meta);
	MarkBufferDirty(buffer);
	UnlockReleaseBuffer(buffer);
}

void FreeBuildMemory(void *arg) {
	IvfBuildState *state = (IvfBuildState *) arg;
	delete state->memory;
	state->memory = NULL;
}

// A build state whose C++ memory is freed with the current memory context
// (on ERROR too).
IvfBuildState *NewBuildState(Relation index, const vdb::ElementMetric &metric) {
	IvfBuildState *state = (IvfBuildState *) palloc0(sizeof(IvfBuildState));
	state->index = index;
	state->metric = metric;
	state->element = (char *) palloc(metric.bytes);
	state->budget = size_t(maintenance_work_mem) * 1024;
	vdb::RunCpp("ivf build", [&] {
		state->memory = new IvfBuildMemory();
		state->memory->flat = vdb::IvfCoder::Flat(metric);
	});
	MemoryContextCallback *cleanup = (MemoryContextCallback *) palloc(sizeof(MemoryContextCallback));
	cleanup->func = FreeBuildMemory;
	cleanup->arg = state;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cleanup);
	return state;
}

// Bytes of one worker's queue: room for many tuples of any size.
Size QueueBytes(const IvfMetaPageData &meta) {
	return Max(Size(1) << 20, Size(64) * MAXALIGN(sizeof(uint32) + IvfWholeTupleSize(meta) + sizeof(Size)));
}

// The assign pass over the whole heap, by the leader and any workers.
void AssignAll(IvfBuildState *state, Relation heap, IndexInfo *info, vdb::IvfQuantizer quantizer) {
	IvfBuildMemory *m = state->memory;
	const IvfMetaPageData &meta = state->meta;
	size_t elements = m->centroids.elements.size(), floats = m->centroids.floats.size() * sizeof(float);
	int workers = VdbParallelPlanWorkers(heap, state->index);
	size_t sizes[kChunks];
	sizes[kChunkShared] = sizeof(IvfAssignShared);
	sizes[kChunkCoder] = m->coder_bytes.size();
	sizes[kChunkCentroids] = elements + floats;
	sizes[kChunkQueues] = size_t(workers) * QueueBytes(meta);
	VdbParallelBuild *build = VdbParallelBegin(heap, state->index, info, "vdb_ivf_build_worker_main", workers,
	                                           sizes, kChunks);
	IvfAssignShared *shared = (IvfAssignShared *) VdbParallelChunk(build, kChunkShared);
	shared->meta = meta;
	shared->quantizer = quantizer;
	shared->state_bytes = uint32(m->coder_bytes.size());
	shared->float_centroids = floats > 0;
	shared->queue_bytes = QueueBytes(meta);
	memcpy(VdbParallelChunk(build, kChunkCoder), m->coder_bytes.data(), m->coder_bytes.size());
	char *centroids = (char *) VdbParallelChunk(build, kChunkCentroids);
	memcpy(centroids, m->centroids.elements.data(), elements);
	memcpy(centroids + elements, m->centroids.floats.data(), floats);
	char *queues = (char *) VdbParallelChunk(build, kChunkQueues);
	if (build->context != NULL) {
		for (int i = 0; i < workers; i++) {
			shm_mq *mq = shm_mq_create(queues + size_t(i) * shared->queue_bytes, shared->queue_bytes);
			shm_mq_set_receiver(mq, MyProc);
		}
	}

	state->message = (uint8 *) palloc0(sizeof(uint32) + IvfWholeTupleSize(meta));
	TableScanDesc scan = VdbParallelLaunch(build, heap, IvfIsFlatAm(state->index) ? "ivfflat" : "ivf");
	VDB_FAULT_POINT("ivf-build-launched");
	state->queue_count = build->workers;
	state->live_queues = build->workers;
	state->queues = (shm_mq_handle **) palloc0(sizeof(shm_mq_handle *) * Max(build->workers, 1));
	for (int i = 0; i < build->workers; i++)
		state->queues[i] = shm_mq_attach((shm_mq *) (queues + size_t(i) * shared->queue_bytes), build->context->seg,
		                                 build->context->worker[i].bgwhandle);
	table_index_build_scan(heap, state->index, info, true, true, AssignCallback, state, scan);
	DrainQueues(state, true);
	VdbParallelEnd(build);
}


// The metapage of a new index (main or init fork).
Buffer NewMetaPage(Relation index, ForkNumber fork, const IvfMetaPageData &meta) {
	Buffer buffer = VdbNewBuffer(index, fork);
	Assert(BufferGetBlockNumber(buffer) == IVF_METAPAGE_BLKNO);
	Page page = BufferGetPage(buffer);
	VdbInitPage(page, IVF_PAGE_META);
	memcpy(PageGetContents(page), &meta, sizeof meta);
	MarkBufferDirty(buffer);
	return buffer;
}

// The quantizer asked for, checked against the column.
vdb::IvfQuantizer CheckedQuantizer(Relation index, const VdbIndexMetric &metric, const IvfBuildOptions &options) {
	if (options.quantizer != vdb::IvfQuantizer::kFlat && metric.type == vdb::ElementType::kBit)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("ivf quantizers other than flat need a vector or halfvec column"),
		                errdetail("Index \"%s\" is on a bit column.", RelationGetRelationName(index))));
	if (options.quantizer == vdb::IvfQuantizer::kPq && options.pq_m != 0 && metric.dims % options.pq_m != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("pq_m must divide the number of dimensions"),
		                errdetail("Index \"%s\" has %d dimensions and pq_m = %d.", RelationGetRelationName(index),
		                          metric.dims, options.pq_m)));
	return options.quantizer;
}

}  // namespace

IvfBuildState *IvfNewTrainer(Relation index, uint32 planned_lists) {
	IvfBuildState *state = NewBuildState(index, VdbElementMetric(VdbResolveIndexMetric(index)));
	size_t cap_rows = Max(size_t(1), state->budget / 2 / (state->metric.dims * sizeof(float)));
	state->sample_cap = Min(IvfSampleTarget(planned_lists), cap_rows);
	return state;
}

size_t IvfSampleTarget(uint32 lists) {
	return Max(size_t(lists) * 50, size_t(10000));
}

void IvfSampleElement(IvfBuildState *state, const char *element) {
	state->seen++;
	size_t d = state->metric.dims;
	std::vector<float> &sample = state->memory->sample;
	size_t slot;
	if (sample.size() / d < state->sample_cap) {
		slot = sample.size() / d;
		vdb::RunCpp("ivf build", [&] { sample.resize(sample.size() + d); });
	} else {
		// Algorithm R: the row replaces a random one with probability cap / seen.
		uint64 j = pg_prng_uint64_range(&pg_global_prng_state, 0, uint64(state->seen) - 1);
		if (j >= state->sample_cap)
			return;
		slot = size_t(j);
	}
	state->memory->flat.ToQuantizerInput(element, &sample[slot * d]);
}

const IvfMetaPageData &IvfTrain(IvfBuildState *state, vdb::IvfQuantizer quantizer, uint32 lists) {
	lists = Train(state, IvfGetOptions(state->index), lists, quantizer);
	state->meta = IvfMakeMeta(VdbResolveIndexMetric(state->index), quantizer, lists,
	                          uint32(state->memory->coder.code_size()), VdbFilterColumns(state->index));
	state->meta.state_bytes =
		IvfStateBytes(state->meta, state->memory->coder_bytes.size(), state->metric.bytes);
	return state->meta;
}

const std::vector<uint8_t> &IvfTrainedState(const IvfBuildState *state) {
	return state->memory->coder_bytes;
}

const IvfCentroids &IvfTrainedCentroids(const IvfBuildState *state) {
	return state->memory->centroids;
}

uint32 IvfEncodeTuple(IvfBuildState *state, const char *element, ItemPointer tid, const uint64 *words,
                      uint8 *tuple) {
	memcpy(state->element, element, state->metric.bytes);
	return EncodeRow(state, tid, words, tuple);
}

IndexBuildResult *ivfbuild(Relation heap, Relation index, IndexInfo *info) {
	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
	int filter_columns = VdbFilterColumns(index);  // first: it names a misplaced vector column
	VdbIndexMetric metric = VdbResolveIndexMetric(index);
	IvfBuildOptions options = IvfGetOptions(index);
	vdb::IvfQuantizer quantizer = CheckedQuantizer(index, metric, options);
	// Checks the geometry before any work; the real metapage comes after
	// training.
	IvfMetaPageData meta = IvfMakeMeta(metric, vdb::IvfQuantizer::kFlat, 1, uint32(VdbElementMetric(metric).bytes),
	                                   filter_columns);

	IvfBuildState *state = IvfNewTrainer(index, options.lists > 0 ? uint32(options.lists) : 0);

	Buffer meta_buffer = NewMetaPage(index, MAIN_FORKNUM, meta);
	UnlockReleaseBuffer(meta_buffer);

	VdbProgressTuplesTotal(Max(heap->rd_rel->reltuples, 0));
	table_index_build_scan(heap, index, info, true, true, SampleCallback, state, NULL);
	VDB_FAULT_POINT("ivf-build-sampled");
	uint32 lists = options.lists > 0 ? uint32(options.lists) : vdb::DefaultListCount(uint64(state->seen));
	if (state->seen < lists)
		ereport(NOTICE, (errmsg("%s index created with little data", IvfIsFlatAm(index) ? "ivfflat" : "ivf"),
		                 errdetail("This will cause low recall."),
		                 errhint("Drop the index until the table has more data.")));
	lists = IvfTrain(state, quantizer, Max(lists, 1)).lists;
	VDB_FAULT_POINT("ivf-build-trained");

	IvfBuildMemory *m = state->memory;
	WriteHeaderPages(state);
	vdb::RunCpp("ivf build", [&] {
		m->pending.resize(lists);
		m->entries.assign(lists, IvfListEntry{InvalidBlockNumber, InvalidBlockNumber, 0});
		m->last.assign(lists, InvalidBlockNumber);
	});

	VdbProgressPhase(IVF_PHASE_ASSIGN);
	VdbProgressTuplesTotal(state->seen);
	AssignAll(state, heap, info, quantizer);
	VDB_FAULT_POINT("ivf-build-assigned");
	FlushLists(state);
	WriteEntries(state);
	VDB_FAULT_POINT("ivf-build-written");
	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);
	FreeBuildMemory(state);

	IndexBuildResult *result = (IndexBuildResult *) palloc(sizeof(IndexBuildResult));
	result->heap_tuples = state->heap_tuples;
	result->index_tuples = state->index_tuples;
	return result;
}

// A parallel worker of the assign pass: rebuilds the quantizer and the
// centroids from the segment, encodes its share of the heap and sends it.
extern "C" PGDLLEXPORT void vdb_ivf_build_worker_main(dsm_segment *segment, shm_toc *toc) {
	VdbParallelWorker worker = VdbParallelWorkerBegin(toc);
	IvfAssignShared *shared = (IvfAssignShared *) worker.chunks[kChunkShared];
	IvfBuildState *state = NewBuildState(worker.index, VdbElementMetric(VdbResolveIndexMetric(worker.index)));
	state->meta = shared->meta;
	IvfBuildMemory *m = state->memory;
	size_t elements = size_t(shared->meta.lists) * state->metric.bytes;
	size_t floats = shared->float_centroids ? size_t(shared->meta.lists) * shared->meta.dims : 0;
	const char *centroids = (const char *) worker.chunks[kChunkCentroids];
	Failure failure;
	vdb::RunCpp("ivf build", [&] {
		failure.Take(vdb::IvfCoder::Load(shared->quantizer, state->metric,
		                                 (const uint8_t *) worker.chunks[kChunkCoder], shared->state_bytes, &m->coder));
		m->centroids.elements.assign(centroids, centroids + elements);
		m->centroids.floats.resize(floats);
		memcpy(m->centroids.floats.data(), centroids + elements, floats * sizeof(float));
	});
	RaiseStatus(failure, "ivf build worker");
	state->message = (uint8 *) palloc0(sizeof(uint32) + IvfWholeTupleSize(shared->meta));
	shm_mq *mq = (shm_mq *) ((char *) worker.chunks[kChunkQueues] + size_t(ParallelWorkerNumber) * shared->queue_bytes);
	shm_mq_set_sender(mq, MyProc);
	state->send = shm_mq_attach(mq, segment, NULL);
	table_index_build_scan(worker.heap, worker.index, worker.info, true, false, WorkerAssignCallback, state,
	                       worker.scan);
	VDB_FAULT_POINT("ivf-build-worker");
	shm_mq_detach(state->send);
	FreeBuildMemory(state);
	VdbParallelWorkerEnd(worker);
}

// The init fork of an unlogged index: one empty flat list around the origin,
// a valid (if slow) index for the rows inserted after a crash reset it.
void ivfbuildempty(Relation index) {
	VdbIndexMetric metric = VdbResolveIndexMetric(index);
	IvfMetaPageData meta = IvfMakeMeta(metric, vdb::IvfQuantizer::kFlat, 1, uint32(VdbElementMetric(metric).bytes),
	                                   VdbFilterColumns(index));
	// A centroid too long for its entry lies in the state pages: zeros, as
	// in an entry.
	meta.state_bytes = IvfStateBytes(meta, 0, VdbElementMetric(metric).bytes);
	meta.centroid_start = meta.state_start + IvfStatePages(meta);
	Buffer meta_buffer = NewMetaPage(index, INIT_FORKNUM, meta);
	for (BlockNumber i = 0; i < IvfStatePages(meta); i++) {
		Buffer buffer = VdbNewBuffer(index, INIT_FORKNUM);
		VdbInitPage(BufferGetPage(buffer), IVF_PAGE_STATE);
		MarkBufferDirty(buffer);
		UnlockReleaseBuffer(buffer);
	}
	Buffer buffer = VdbNewBuffer(index, INIT_FORKNUM);
	Assert(BufferGetBlockNumber(buffer) == meta.centroid_start);
	Page page = BufferGetPage(buffer);
	VdbInitPage(page, IVF_PAGE_CENTROID);
	*IvfPageEntry(page, meta, 0) = IvfListEntry{InvalidBlockNumber, InvalidBlockNumber, 0};
	MarkBufferDirty(buffer);
	UnlockReleaseBuffer(buffer);
	UnlockReleaseBuffer(meta_buffer);
	log_newpage_range(index, INIT_FORKNUM, 0, meta.centroid_start + 1, true);
}
