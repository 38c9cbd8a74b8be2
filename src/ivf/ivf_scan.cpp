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
// Range search (WHERE embedding <<->> sphere(q, r), index/index_range.h):
// without ORDER BY the lists are ranked by their distance to the first
// sphere's center. A sphere centred on the scan's query bounds it:
// candidates past the bound are not returned; quantized candidates are
// always re-ranked from the heap first (ivf.rerank = 0 too), so the bound
// compares exact distances, except for an expression index (no column to
// read), which compares the quantizer's estimates. A probed batch stops at
// its first chunk past the radius (flat: sorted, so the rest are farther;
// re-ranked: a chunk with no row within it, whose estimates are all past
// the radius by more than twice the largest overestimate seen). Which lists, whatever
// ivf.iterative_scan and ivf.max_probes say:
// - l2 and cosine: every list whose cell can reach the sphere, `probes` at
//   a time (KeepReachableLists), so a range scan of flat lists finds every
//   row within the radius whatever ivf.probes is;
// - inner product (a sphere is then a half-space, which reaches any cell):
//   the next `probes` lists as long as the last round found a row within
//   the radius, up to every list (ivf.probes = lists finds every row).
// Every row a range scan returns is rechecked by the executor (xs_recheck).
//
// The pending area (fastupdate, ivf_pending.cpp) is read once, before the
// first list is probed: every pending row gets its exact distance and joins
// the first batch, so it comes out in distance order among the first
// lists' candidates (re-ranked like them when the lists are quantized; an
// exact distance is on the scale of the estimates: squared L2 or the
// negative inner product). A list tuple whose TID was pending when the area
// was read is one a merge moved since: it is dropped, so no row comes twice.
//
// Filter columns (index/index_filter.h; docs/ivf.md, "Filter columns"):
// the scan's keys on them are tested on each list and pending tuple's filter
// words before it is scored (or its code read from a run); a tuple that
// fails is never a candidate, so it takes no place among the rows
// returned. Since a probe reads whole lists, what low selectivity needs is
// more lists. An unfiltered scan finds its nearest rows in about the first
// list and probes probes - 1 more around it; a filtered one keeps that
// margin past the lists it took to meet its rows: before it returns its
// r-th row it has probed the lists, in centroid order, in which it met r
// passing list rows, plus probes - 1 more (FilteredTarget), whatever
// iterative_scan and max_probes say, up to every list. So it returns
// LIMIT rows whenever that many rows match, reads about k / s rows at
// selectivity s, and its recall at low selectivity stays that of an
// unfiltered scan (rows met in later lists join the remaining candidates:
// relaxed order, as iterative scans). Rows whose words match but whose
// values do not (hash or signature collisions) are dropped by the
// executor's recheck (xs_recheck).
#include "ivf/ivf.h"

#include <algorithm>
#include <cmath>

#include "consistency/consistency.h"
#include "index/index_filter.h"
#include "index/index_range.h"
#include "pg/cpp_boundary.h"

extern "C" {
#include "access/relscan.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "pgstat.h"
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
	std::vector<vdb::FilterKey> filters;        // keys on filter columns
	std::vector<size_t> met;  // filtered: list rows that passed, in all, after each probed list
};

struct IvfScanOpaque {
	Relation relation;
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
	VdbRange range;       // the scan's range keys
	float bound;          // scores (exact, or the estimates when not re-ranked) past it are not returned
	float estimate_bound;  // the same bound on the quantizer's scale
	float max_overestimate;   // of the quantizer, by the rows re-ranked so far (AfterRefill)
	float exact_to_estimate;  // added to an exact score, puts it on the estimates' scale
	size_t round_hits;    // candidates within the bound in this round's probed lists
	bool reachable_only;  // list_order holds only the lists that can reach the sphere
	bool filtered;        // the scan has keys on filter columns (state->filters)
	bool unmatchable;     // a filter key no row can match: the scan returns nothing
	uint64 returned;      // rows gettuple has returned
};

// Whether a tuple with these filter words may match the scan's filter keys.
inline bool PassesFilter(const IvfScanOpaque *so, const uint64 *words) {
	return !so->filtered || vdb::FilterPasses(so->state->filters, words);
}

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
	IvfPendingShape shape = IvfPendingShapeOf(uint32(so->index->coder.metric().bytes), so->meta.filter_columns);
	uint32 count = Min(IvfPageHeader(page)->count, shape.per_page);
	const vdb::ElementMetric &metric = so->index->coder.metric();
	// Elements that span pages are read (which may raise an ERROR) one at a
	// time outside the C++ part.
	void *scratch = shape.in_run ? palloc(shape.element_bytes) : NULL;
	for (uint32 from = 0; from < count;) {
		const void *element = NULL;
		const IvfTupleHeader *first = IvfPendingTuple(page, shape, from);
		if (shape.in_run && (first->flags & IVF_PENDING_GONE) == 0 && PassesFilter(so, IvfPendingWords(shape, first)))
			element = IvfPendingElementOf(so->relation, shape, first, scratch);
		uint32 to = shape.in_run ? from + 1 : count;
		vdb::RunCpp("ivf scan", [&] {
			for (uint32 i = from; i < to; i++) {
				const IvfTupleHeader *tuple = IvfPendingTuple(page, shape, i);
				if ((tuple->flags & IVF_PENDING_GONE) || !PassesFilter(so, IvfPendingWords(shape, tuple)))
					continue;
				float score = metric.Distance(state->query.data(), shape.in_run ? element : IvfPendingElement(tuple));
				state->batch.push_back(Candidate{score, tuple->tid, true});
				state->pending_tids.push_back(tuple->tid);
			}
		});
		from = to;
	}
	if (scratch != NULL)
		pfree(scratch);
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
	bool in_run = IvfCodeInRun(meta);
	uint8 *scratch = in_run ? (uint8 *) palloc(meta.code_size) : NULL;
	size_t start = batch.size();
	while (BlockNumberIsValid(block)) {
		CHECK_FOR_INTERRUPTS();
		Buffer buffer = ReadListPage(index, so, block);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(index, page, block, IVF_PAGE_DATA);
		IvfDataHeader *header = IvfPageHeader(page);
		uint32 count = Min(header->count, meta.tuples_per_page);
		if (in_run) {
			// Each code read from its run (which may raise an ERROR) outside
			// the C++ part, under this page's lock (ivf_run.cpp).
			for (uint32 i = 0; i < count; i++) {
				IvfTupleHeader *tuple = IvfPageTuple(page, meta, i);
				if (!PassesFilter(so, IvfTupleWords(meta, tuple)))
					continue;
				const uint8 *code = IvfTupleCode(index, meta, tuple, scratch, &so->index->hints);
				vdb::RunCpp("ivf scan", [&] {
					state->batch.push_back(Candidate{coder.Score(state->list_query, code), tuple->tid, false});
				});
			}
		} else {
			vdb::RunCpp("ivf scan", [&] {
				for (uint32 i = 0; i < count; i++) {
					IvfTupleHeader *tuple = IvfPageTuple(page, meta, i);
					if (!PassesFilter(so, IvfTupleWords(meta, tuple)))
						continue;
					if (i + kPrefetchAhead < count)
						PrefetchTuple(IvfPageTuple(page, meta, i + kPrefetchAhead), meta.tuple_size);
					state->batch.push_back(
						Candidate{coder.Score(state->list_query, IVF_TUPLE_CODE(tuple)), tuple->tid, false});
				}
			});
		}
		block = header->next;
		UnlockReleaseBuffer(buffer);
	}
	if (scratch != NULL)
		pfree(scratch);
	if (so->filtered)
		vdb::RunCpp("ivf scan", [&] {
			size_t before = state->met.empty() ? 0 : state->met.back();
			state->met.push_back(before + (state->batch.size() - start));
		});
}

bool KeepReachableLists(IvfScanOpaque *so);

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
	vdb::RunCpp("ivf scan", [&] { so->reachable_only = std::isfinite(so->bound) && KeepReachableLists(so); });
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
		limit = uint32(state->list_order.size());
	} else if (so->reachable_only) {
		limit = uint32(state->list_order.size());  // every list left may hold a row within the radius
	} else if (std::isfinite(so->bound)) {
		if (so->round_hits == 0)
			return false;  // the frontier is past the radius
		limit = uint32(state->list_order.size());
	} else if (so->filtered) {
		limit = uint32(state->list_order.size());  // on until the executor has its rows (top of this file)
	} else {
		if (so->settings->iterative_scan == IVF_ITERATIVE_OFF)
			return false;
		limit = Min(uint32(state->list_order.size()), uint32(so->settings->max_probes));
	}
	uint32 end = Min(limit, so->probed + uint32(so->settings->probes));
	if (end <= so->probed && so->started)
		return false;  // (the first call goes on: the batch holds the pending rows)
	if (so->started)
		state->batch.clear();
	so->started = true;
	so->round_hits = 0;
	so->batch_next = 0;
	for (; so->probed < end; so->probed++)
		ProbeList(scan->indexRelation, so, state->list_order[so->probed]);
	return true;
}

// How many lists a filtered scan (not a range scan) must have probed before
// it returns its next row (the top of this file): those in which it met as
// many passing list rows as it will then have returned, plus probes - 1;
// while it has not met that many, the next probes lists. At most every list.
uint32 FilteredTarget(const IvfScanOpaque *so) {
	const std::vector<size_t> &met = so->state->met;
	uint32 lists = uint32(so->state->list_order.size());
	uint32 probes = uint32(Max(so->settings->probes, 1));
	auto reached = std::lower_bound(met.begin(), met.end(), size_t(so->returned + 1));
	uint32 target = reached == met.end() ? so->probed + probes : uint32(reached - met.begin()) + probes;
	return Min(target, lists);
}

// Probes lists up to `target` in all, their candidates joining those not
// yet returned (which go back to the batch, to be chosen again nearest
// first).
void ProbeTo(IndexScanDesc scan, uint32 target) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	IvfScanState *state = so->state;
	vdb::RunCpp("ivf scan", [&] {
		state->batch.erase(state->batch.begin(), state->batch.begin() + so->batch_next);
		state->batch.insert(state->batch.end(), state->ready.begin() + so->ready_next, state->ready.end());
		state->ready.clear();
	});
	so->batch_next = 0;
	so->ready_next = 0;
	for (; so->probed < target; so->probed++)
		ProbeList(scan->indexRelation, so, state->list_order[so->probed]);
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
// ivf.rerank (-1: the quantizer's default; flat lists need none; a range
// scan re-ranks with the default when it is 0), and none for an expression
// index (no column to read the exact value from).
size_t RerankCount(IndexScanDesc scan) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	vdb::IvfQuantizer quantizer = vdb::IvfQuantizer(so->meta.quantizer);
	if (quantizer == vdb::IvfQuantizer::kFlat || scan->heapRelation == NULL ||
	    scan->indexRelation->rd_index->indkey.values[0] == 0)
		return 0;
	int setting = so->settings->rerank;
	if (setting == 0 && so->range.active)
		setting = -1;
	return setting >= 0 ? size_t(setting) : vdb::DefaultRerank(quantizer);
}

// Counts the ready chunk's candidates within a range scan's bound into
// round_hits, and ends the batch where its frontier is past the bound (see
// the top of this file). `nearest_estimate`: for a re-ranked chunk, the
// smallest estimate it was chosen by (NaN when the chunk was not
// re-ranked: then its scores order the whole batch, estimates or exact flat
// scores, so a chunk ending past the bound has nothing within it after). A
// re-ranked chunk ends the batch when no row of it is within the radius
// and even its nearest estimate is past the estimate bound by more than
// twice the largest overestimate (estimate - exact) the scan has seen: a
// row within the radius has an estimate below that, unless the quantizer
// errs much more on it than on every row re-ranked so far (at 16
// dimensions, RaBitQ lost 0.7% of the rows within the radius without the
// margin).
void AfterRefill(IvfScanOpaque *so, float nearest_estimate) {
	IvfScanState *state = so->state;
	if (!std::isfinite(so->bound))
		return;
	size_t hits = 0;
	for (const Candidate &c : state->ready)
		hits += c.score <= so->bound;
	so->round_hits += hits;
	bool past = std::isnan(nearest_estimate)
	                ? !state->ready.empty() && state->ready.back().score > so->bound
	                : hits == 0 && nearest_estimate > so->estimate_bound + 2 * so->max_overestimate;
	if (past)
		so->batch_next = state->batch.size();
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
		AfterRefill(so, NAN);
		return;
	}
	float nearest_estimate = INFINITY;
	for (size_t i = 0; i < take; i++) {
		Candidate c = state->batch[so->batch_next + i];
		if ((i & 63) == 0)
			CHECK_FOR_INTERRUPTS();
		float estimate = c.score;
		nearest_estimate = Min(nearest_estimate, estimate);
		if (MetInPending(state, c) || !ExactScore(scan, c.tid, &c.score))
			continue;
		so->max_overestimate = Max(so->max_overestimate, estimate - (c.score + so->exact_to_estimate));
		vdb::RunCpp("ivf scan", [&] { state->ready.push_back(c); });
	}
	so->batch_next += take;
	vdb::RunCpp("ivf scan", [&] { std::sort(state->ready.begin(), state->ready.end(), CandidateLess); });
	AfterRefill(so, nearest_estimate);
}

// A row is in the list of its nearest centroid (k-means assigns it so; for
// cosine, rows and centroids are unit vectors, where the nearest by inner
// product is the nearest in L2), so list j can hold a row within L2
// distance rho of the query q only if q is nearer than rho to the bisector
// between c_j and q's nearest centroid c_1:
//   (|q - c_j|^2 - |q - c_1|^2) / (2 |c_j - c_1|) < rho.
// For l2 and cosine indexes, keeps in list_order (nearest first) only the
// lists that pass and returns true; false for inner product, whose spheres
// are half-spaces.
bool KeepReachableLists(IvfScanOpaque *so) {
	const vdb::ElementMetric &metric = so->index->coder.metric();
	double rho;
	if (metric.kind == vdb::MetricKind::kL2)
		rho = so->range.radius;
	else if (metric.kind == vdb::MetricKind::kCosine)
		rho = std::sqrt(2 * Max(so->range.radius, 0.0));  // |a - b|^2 = 2 cosine distance on the unit sphere
	else
		return false;
	std::vector<uint32_t> &order = so->state->list_order;
	if (order.empty())
		return true;
	rho = rho * (1 + 1e-4) + 1e-6;  // the distances below are rounded to float
	bool unit_dot = vdb::ElementScale(metric) == vdb::RangeScale::kElementUnitDot;
	// The squared L2 distance a metric distance stands for.
	auto squared = [&](double d) { return metric.kind == vdb::MetricKind::kL2 ? d : unit_dot ? 2 + 2 * d : 2 * d; };
	const std::vector<uint8_t> &centroids = so->index->centroids.elements;
	auto centroid = [&](uint32_t list) { return &centroids[size_t(list) * metric.bytes]; };
	const uint8_t *query = so->state->query.data();
	const uint8_t *nearest = centroid(order[0]);
	double nearest_squared = squared(metric.Distance(query, nearest));
	size_t kept = 0;
	for (uint32_t list : order) {
		double apart = std::sqrt(Max(squared(metric.Distance(centroid(list), nearest)), 0.0));
		double to_bisector = apart > 0 ? (squared(metric.Distance(query, centroid(list))) - nearest_squared) / (2 * apart) : 0;
		if (to_bisector < rho)
			order[kept++] = list;
	}
	order.resize(kept);
	return true;
}

}  // namespace

IndexScanDesc ivfbeginscan(Relation index, int nkeys, int norderbys) {
	VdbCheckStandbyStaleness();
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	IvfScanOpaque *so = (IvfScanOpaque *) palloc0(sizeof(IvfScanOpaque));
	so->relation = index;
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
	// Each rescan is one index scan in pg_stat_user_indexes.idx_scan, as a
	// btree counts each descent.
	pgstat_count_index_scan(scan->indexRelation);
	IvfScanState *state = so->state;
	if (keys != NULL && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys != NULL && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	so->probed = 0;
	so->returned = 0;
	so->started = false;
	so->batch_next = 0;
	so->ready_next = 0;
	state->batch.clear();
	state->ready.clear();
	state->pending_tids.clear();
	state->met.clear();
	const vdb::ElementMetric &metric = so->index->coder.metric();
	// ORDER BY distance to NULL orders nothing: any order is right, so scan
	// from the zero vector, as pgvector does.
	memset(state->query.data(), 0, metric.bytes);
	bool ordered = scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL);
	if (ordered) {
		VdbCheckQueryDims(metric, scan->orderByData[0].sk_argument, true);
		VdbDatumToElement(scan->indexRelation, metric, scan->orderByData[0].sk_argument, state->query.data());
	}
	so->range = VdbReadRange(scan->indexRelation, metric, scan->keyData, scan->numberOfKeys, state->query.data(),
	                         !ordered);
	so->unmatchable = !VdbFilterKeys(scan->indexRelation, IvfLabelScheme(so->meta), scan->keyData, scan->numberOfKeys,
	                                 state->filters);
	so->filtered = !state->filters.empty();
	// Re-ranked and flat scores are the metric's exact distances; the
	// quantizers' estimates rank cosine by the inner product of unit vectors.
	bool exact = RerankCount(scan) > 0 || vdb::IvfQuantizer(so->meta.quantizer) == vdb::IvfQuantizer::kFlat;
	vdb::RangeBound bound =
	    VdbRangeBound(so->range, metric.kind, exact ? vdb::ElementScale(metric) : vdb::RangeScale::kElementUnitDot);
	so->bound = bound.empty ? -INFINITY : bound.bound;
	so->estimate_bound = VdbRangeBound(so->range, metric.kind, vdb::RangeScale::kElementUnitDot).bound;
	so->max_overestimate = 0;
	// float16 cosine scores the cosine distance, its estimates minus one.
	bool cosine_distance = metric.kind == vdb::MetricKind::kCosine && vdb::ElementScale(metric) == vdb::RangeScale::kElement;
	so->exact_to_estimate = cosine_distance ? -1 : 0;
}

bool ivfgettuple(IndexScanDesc scan, ScanDirection direction) {
	IvfScanOpaque *so = (IvfScanOpaque *) scan->opaque;
	if (scan->numberOfOrderBys == 0 && !so->range.active)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("cannot scan %s index without order", IvfIsFlatAm(scan->indexRelation) ? "ivfflat" : "ivf"),
		                errhint("Use ORDER BY the distance operator with a LIMIT, or a range operator such as <<->>.")));
	if (!ScanDirectionIsForward(direction))
		elog(ERROR, "ivf index scans only go forward");
	if (so->bound == -INFINITY || so->unmatchable)  // a sphere or a filter that contains nothing
		return false;
	IvfScanState *state = so->state;
	for (;;) {
		if (so->filtered && so->started && !std::isfinite(so->bound)) {
			uint32 target = FilteredTarget(so);
			if (so->probed < target) {
				ProbeTo(scan, target);
				continue;
			}
		}
		if (so->ready_next < state->ready.size()) {
			const Candidate &c = state->ready[so->ready_next++];
			if (c.score > so->bound)
				continue;
			so->returned++;
			scan->xs_heaptid = c.tid;
			scan->xs_recheck = so->range.active || so->filtered;
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
