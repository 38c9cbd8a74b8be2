// Ordered scans (ORDER BY embedding <-> $1 LIMIT k) over ivfflat and ivf.
//
// amrescan ranks every centroid by its distance to the query. The first
// amgettuple probes the nearest `probes` lists: every tuple on their pages is
// scored (exactly for flat lists, with the quantizer's kernels otherwise).
// Candidates are selected best first a chunk at a time (nth_element, never a
// full sort): flat scores come back in that order. Quantized candidates are
// re-ranked `rerank` at a time: each chunk of the best estimates gets exact
// distances from the heap row (rows the scan's snapshot cannot see are
// dropped) and is returned in exact order; ivf.rerank = 0 returns estimated
// order. With iterative_scan =
// relaxed_order, running out of candidates probes the next `probes` lists,
// up to max_probes lists in all. Distances are not rechecked by the
// executor: the order is ours.
//
// The pending area (fastupdate, ivf_pending.cpp) is read once, before the
// first list is probed: every pending row gets its exact distance and joins
// the first batch, so it comes out in distance order among the first
// lists' candidates (re-ranked like them when the lists are quantized; an
// exact distance is on the scale of the estimates: squared L2 or the
// negative inner product). A list tuple whose TID was pending when the area
// was read is one a merge moved since: it is dropped, so no row comes twice.
#include "ivf/ivf.h"

#include <algorithm>

#include "pg/cpp_boundary.h"

extern "C" {
#include "access/relscan.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/memutils.h"
}

namespace {

struct Candidate {
	float score;
	ItemPointerData tid;
	bool pending;  // from the pending area
};

// The C++ side of a scan; freed by a memory-context callback on ERROR too.
struct IvfScanState {
	std::vector<uint8_t> query;
	std::vector<uint8_t> element;  // a heap row's value, for re-ranking
	vdb::IvfListQuery list_query;
	std::vector<uint32_t> list_order;  // lists nearest first
	std::vector<Candidate> batch;      // scored candidates of the probed lists
	std::vector<Candidate> ready;      // what gettuple returns next
	std::vector<ItemPointerData> pending_tids;  // of the pending area, sorted
};

struct IvfScanOpaque {
	IvfScanState *state;
	const IvfIndexState *index;  // cached: centroids, coder
	IvfMetaPageData meta;
	const IvfSettings *settings;
	uint32 probed;      // lists probed so far
	size_t batch_next;  // next candidate of batch to move to ready
	size_t ready_next;
	bool started;
	IndexFetchTableData *fetch;  // heap access for re-ranking
	TupleTableSlot *slot;
};

void DeleteScanState(void *arg) {
	IvfScanOpaque *so = (IvfScanOpaque *) arg;
	delete so->state;
	so->state = NULL;
}

bool CandidateLess(const Candidate &a, const Candidate &b) { return a.score < b.score; }

bool TidLess(const ItemPointerData &a, const ItemPointerData &b) {
	return ItemPointerCompare((ItemPointer) &a, (ItemPointer) &b) < 0;
}

// A list tuple of a row the scan met in the pending area (merged since).
bool MetInPending(const IvfScanState *state, const Candidate &c) {
	return !c.pending && !state->pending_tids.empty() &&
	       std::binary_search(state->pending_tids.begin(), state->pending_tids.end(), c.tid, TidLess);
}

// Scores the rows still pending on one page of the area (IvfWalkPending).
void ScorePendingPage(Buffer buffer, void *arg) {
	IvfScanOpaque *so = (IvfScanOpaque *) arg;
	IvfScanState *state = so->state;
	Page page = BufferGetPage(buffer);
	IvfPendingShape shape = IvfPendingShapeOf(uint32(so->index->coder.metric().bytes));
	uint32 count = Min(IvfPageHeader(page)->count, shape.per_page);
	const vdb::ElementMetric &metric = so->index->coder.metric();
	vdb::RunCpp("ivf scan", [&] {
		for (uint32 i = 0; i < count; i++) {
			const IvfTupleHeader *tuple = IvfPendingTuple(page, shape, i);
			if (tuple->flags & IVF_PENDING_GONE)
				continue;
			float score = metric.Distance(state->query.data(), IvfPendingElement(tuple));
			state->batch.push_back(Candidate{score, tuple->tid, true});
			state->pending_tids.push_back(tuple->tid);
		}
	});
}

// Reads the pending area into the (empty) first batch.
void CollectPending(Relation index, IvfScanOpaque *so) {
	IvfScanState *state = so->state;
	state->pending_tids.clear();
	IvfWalkPending(index, BUFFER_LOCK_SHARE, ScorePendingPage, so);
	vdb::RunCpp("ivf scan", [&] { std::sort(state->pending_tids.begin(), state->pending_tids.end(), TidLess); });
}

// A page share-locked, through the index's buffer hints (grown to cover
// blocks added since they were sized).
Buffer ReadListPage(Relation index, IvfScanOpaque *so, BlockNumber block) {
	VdbBufferHints *hints = &so->index->hints;
	if (block >= hints->recent.size())
		vdb::RunCpp("ivf scan", [&] { hints->Prepare(index, block + 1); });
	return VdbReadHinted(index, block, hints);
}

// Scoring waits on memory, not arithmetic (a list page is rarely in the CPU
// caches): the lines of the tuple kPrefetchAhead places on are requested
// while this one is scored. 2 measured best at 784 dimensions (SQ8: 13 lines
// a tuple).
constexpr uint32 kPrefetchAhead = 2;

void PrefetchTuple(const IvfTupleHeader *tuple, uint32 size) {
	for (uint32 offset = 0; offset < size; offset += 64)
		__builtin_prefetch((const char *) tuple + offset);
}

// Scores every tuple of one list into state->batch.
void ProbeList(Relation index, IvfScanOpaque *so, uint32 list) {
	IvfScanState *state = so->state;
	const IvfMetaPageData &meta = so->meta;
	const vdb::IvfCoder &coder = so->index->coder;
	const std::vector<float> &centroids = so->index->centroids.floats;
	vdb::RunCpp("ivf scan", [&] {
		coder.PrepareList(centroids.empty() ? NULL : &centroids[size_t(list) * meta.dims], &state->list_query);
	});
	Buffer entry_buffer = ReadListPage(index, so, IvfEntryBlock(meta, list));
	IvfListEntry *entry = IvfPageEntry(BufferGetPage(entry_buffer), meta, list);
	BlockNumber block = entry->first;
	size_t rows = entry->rows;
	UnlockReleaseBuffer(entry_buffer);
	// Room for the list's rows at once, growing geometrically.
	std::vector<Candidate> &batch = state->batch;
	if (batch.capacity() < batch.size() + rows)
		vdb::RunCpp("ivf scan", [&] { batch.reserve(Max(2 * batch.capacity(), batch.size() + rows)); });
	while (BlockNumberIsValid(block)) {
		CHECK_FOR_INTERRUPTS();
		Buffer buffer = ReadListPage(index, so, block);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(index, page, block, IVF_PAGE_DATA);
		IvfDataHeader *header = IvfPageHeader(page);
		uint32 count = Min(header->count, meta.tuples_per_page);
		vdb::RunCpp("ivf scan", [&] {
			for (uint32 i = 0; i < count; i++) {
				IvfTupleHeader *tuple = IvfPageTuple(page, meta, i);
				if (i + kPrefetchAhead < count)
					PrefetchTuple(IvfPageTuple(page, meta, i + kPrefetchAhead), meta.tuple_size);
				state->batch.push_back(
					Candidate{coder.Score(state->list_query, IVF_TUPLE_CODE(tuple)), tuple->tid, false});
			}
		});
		block = header->next;
		UnlockReleaseBuffer(buffer);
	}
}

// Takes the index's layout as it is now (a rebalance may have switched it
// since the scan began: the metric, and so the query, stay), and ranks the
// lists for the query.
void TakeLayout(IndexScanDesc scan) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	IvfScanState *state = so->state;
	so->index = IvfGetIndexState(scan->indexRelation);
	so->meta = so->index->meta;
	const vdb::IvfCoder &coder = so->index->coder;
	const vdb::ElementMetric &metric = coder.metric();
	const std::vector<uint8_t> &centroids = so->index->centroids.elements;
	uint32 lists = so->meta.lists;
	vdb::RunCpp("ivf scan", [&] {
		coder.PrepareQuery(state->query.data(), &state->list_query);
		std::vector<std::pair<float, uint32_t>> ranked(lists);
		for (uint32 list = 0; list < lists; list++)
			ranked[list] = std::make_pair(metric.Distance(state->query.data(), &centroids[size_t(list) * metric.bytes]),
			                              list);
		std::sort(ranked.begin(), ranked.end());
		state->list_order.resize(lists);
		for (uint32 i = 0; i < lists; i++)
			state->list_order[i] = ranked[i].second;
	});
}

// Probes the next lists (probes of them, within max_probes once iterating).
// The first call reads the pending area first, then takes the layout (lists,
// centroids): a row a merge moves in between is met in the area; one moved
// before is in the layout taken after, even when a rebalance switched the
// lists since the scan began (a switch carries what the old lists held).
bool ProbeMore(IndexScanDesc scan) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	IvfScanState *state = so->state;
	uint32 limit;
	if (!so->started) {
		state->batch.clear();
		CollectPending(scan->indexRelation, so);
		TakeLayout(scan);
		limit = so->meta.lists;
	} else {
		if (so->settings->iterative_scan == IVF_ITERATIVE_OFF)
			return false;
		limit = Min(so->meta.lists, uint32(so->settings->max_probes));
	}
	uint32 end = Min(limit, so->probed + uint32(so->settings->probes));
	if (end <= so->probed)
		return false;
	if (so->started)
		state->batch.clear();
	so->started = true;
	so->batch_next = 0;
	for (; so->probed < end; so->probed++)
		ProbeList(scan->indexRelation, so, state->list_order[so->probed]);
	return true;
}

// The exact distance of a heap row to the query; false when the scan's
// snapshot does not see the row.
bool ExactScore(IndexScanDesc scan, ItemPointerData tid, float *score) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	IvfScanState *state = so->state;
	if (so->fetch == NULL) {
		so->fetch = table_index_fetch_begin(scan->heapRelation);
		so->slot = table_slot_create(scan->heapRelation, NULL);
	}
	bool call_again = false, all_dead = false;
	if (!table_index_fetch_tuple(so->fetch, &tid, scan->xs_snapshot, so->slot, &call_again, &all_dead))
		return false;
	bool isnull;
	Datum value = slot_getattr(so->slot, scan->indexRelation->rd_index->indkey.values[0], &isnull);
	const vdb::ElementMetric &metric = so->index->coder.metric();
	bool usable = !isnull && VdbDatumToElement(scan->indexRelation, metric, value, state->element.data());
	if (usable)
		*score = metric.Distance(state->query.data(), state->element.data());
	ExecClearTuple(so->slot);
	return usable;
}

// How many candidates of this scan are re-ranked from the heap at a time:
// ivf.rerank (-1: the quantizer's default; flat lists need none), and none
// for an expression index (no column to read the exact value from).
size_t RerankCount(IndexScanDesc scan) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	vdb::IvfQuantizer quantizer = vdb::IvfQuantizer(so->meta.quantizer);
	if (quantizer == vdb::IvfQuantizer::kFlat || scan->heapRelation == NULL ||
	    scan->indexRelation->rd_index->indkey.values[0] == 0)
		return 0;
	int setting = so->settings->rerank;
	return setting >= 0 ? size_t(setting) : vdb::DefaultRerank(quantizer);
}

// Candidates handed out at a time when they are not re-ranked: a LIMIT 10
// query needs the best few of ~1,000, and sorting them all cost 8% of it.
constexpr size_t kPlainChunk = 32;

// Moves the next candidates of the batch to `ready`, nearest first: the
// next kPlainChunk estimates (or exact distances of flat lists), or the best
// rerank estimates re-ranked. Selecting each chunk with nth_element keeps a
// scan that stops after a few rows linear in the candidates.
void Refill(IndexScanDesc scan) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	IvfScanState *state = so->state;
	state->ready.clear();
	so->ready_next = 0;
	size_t rerank_count = RerankCount(scan);
	bool rerank = rerank_count > 0;
	size_t take = Min(state->batch.size() - so->batch_next, rerank ? rerank_count : kPlainChunk);
	auto first = state->batch.begin() + so->batch_next;
	vdb::RunCpp("ivf scan", [&] { std::nth_element(first, first + take - 1, state->batch.end(), CandidateLess); });
	if (!rerank) {
		vdb::RunCpp("ivf scan", [&] {
			state->ready.assign(first, first + take);
			state->ready.erase(std::remove_if(state->ready.begin(), state->ready.end(),
			                                  [&](const Candidate &c) { return MetInPending(state, c); }),
			                   state->ready.end());
			std::sort(state->ready.begin(), state->ready.end(), CandidateLess);
		});
		so->batch_next += take;
		return;
	}
	for (size_t i = 0; i < take; i++) {
		Candidate c = state->batch[so->batch_next + i];
		if ((i & 63) == 0)
			CHECK_FOR_INTERRUPTS();
		if (!MetInPending(state, c) && ExactScore(scan, c.tid, &c.score))
			vdb::RunCpp("ivf scan", [&] { state->ready.push_back(c); });
	}
	so->batch_next += take;
	vdb::RunCpp("ivf scan", [&] { std::sort(state->ready.begin(), state->ready.end(), CandidateLess); });
}

}  // namespace

IndexScanDesc ivfbeginscan(Relation index, int nkeys, int norderbys) {
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	IvfScanOpaque *so = (IvfScanOpaque *) palloc0(sizeof(IvfScanOpaque));
	so->index = IvfGetIndexState(index);
	so->meta = so->index->meta;
	so->settings = &IvfSettingsOf(index);
	size_t bytes = so->index->coder.metric().bytes;
	vdb::RunCpp("ivf scan", [&] {
		so->state = new IvfScanState();
		so->state->query.resize(bytes);
		so->state->element.resize(bytes);
	});
	MemoryContextCallback *cleanup = (MemoryContextCallback *) palloc(sizeof(MemoryContextCallback));
	cleanup->func = DeleteScanState;
	cleanup->arg = so;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cleanup);
	scan->opaque = so;
	return scan;
}

void ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	IvfScanState *state = so->state;
	if (orderbys != NULL && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	so->probed = 0;
	so->started = false;
	so->batch_next = 0;
	so->ready_next = 0;
	state->batch.clear();
	state->ready.clear();
	state->pending_tids.clear();
	const vdb::ElementMetric &metric = so->index->coder.metric();
	// ORDER BY distance to NULL orders nothing: any order is right, so scan
	// from the zero vector, as pgvector does.
	memset(state->query.data(), 0, metric.bytes);
	if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL)) {
		VdbCheckQueryDims(metric, scan->orderByData[0].sk_argument, true);
		VdbDatumToElement(scan->indexRelation, metric, scan->orderByData[0].sk_argument, state->query.data());
	}
}

bool ivfgettuple(IndexScanDesc scan, ScanDirection direction) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	if (scan->numberOfOrderBys == 0)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("cannot scan %s index without order", IvfIsFlatAm(scan->indexRelation) ? "ivfflat" : "ivf"),
		                errhint("Use ORDER BY the distance operator with a LIMIT.")));
	if (!ScanDirectionIsForward(direction))
		elog(ERROR, "ivf index scans only go forward");
	IvfScanState *state = so->state;
	for (;;) {
		if (so->ready_next < state->ready.size()) {
			scan->xs_heaptid = state->ready[so->ready_next++].tid;
			scan->xs_recheck = false;
			scan->xs_recheckorderby = false;
			return true;
		}
		if (so->batch_next < state->batch.size())
			Refill(scan);
		else if (!ProbeMore(scan))
			return false;
	}
}

void ivfendscan(IndexScanDesc scan) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	if (so->fetch != NULL) {
		table_index_fetch_end(so->fetch);
		ExecDropSingleTupleTableSlot(so->slot);
	}
	// `so` itself stays: the reset callback registered on this context reads
	// it (and finds nothing left to delete) when the context goes.
	DeleteScanState(so);
	scan->opaque = NULL;
}
