// Ordered index scans (ORDER BY embedding <-> $1 LIMIT k) over an hnsw
// index through amgettuple.
//
// The first call searches the graph with ef = hnsw.ef_search and returns the
// found nodes nearest first, skipping nodes vacuum has flagged. Heap
// visibility (MVCC) is the executor's job: we return TIDs, it checks them.
// With hnsw.iterative_scan on, running out of results (e.g. because a WHERE
// clause rejected them) searches again with twice the ef and returns the
// nodes not taken before. This stops at hnsw.max_scan_tuples nodes taken, or
// when the candidate lists would need more than work_mem *
// hnsw.scan_mem_multiplier, or after a search with ef >= the node count
// (which reaches every node the graph links to the entry point).
//
// Each node is taken once: returned, skipped as deleted, or, in
// strict_order, kept back as "late" when a wider search finds it nearer
// than a node already returned (the narrower one missed it). Returning a
// late node in its place is impossible, and dropping it (as pgvector does)
// loses a row that a LIMIT the scan never reaches asks for: on 2,000 random
// rows a scan with LIMIT 2000 returned 1,991 to 1,999 of them. So the late
// nodes come after everything else, nearest first, once no further search
// is possible: a scan whose LIMIT is reached before never sees them, one
// that asks for every row gets every row. To make late nodes rare, a
// strict_order round that a wider one may follow returns only the nearer
// half of what it found (see Search): on those tables, no node came late.
//
// The pending area (fastupdate, hnsw_pending.cpp) is searched exactly: the
// first call computes the distance to each of its nodes, and every round's
// results are merged with them in distance order; the rest of them come
// after the last round, before any late node. A node met in both (a merge
// linked it since) is returned once: `taken` covers both.
//
// An sq8 index searches with distances to its 8-bit elements and returns
// the found nodes ordered by a lower bound of their exact distance
// (vdb::PerVectorSq8LowerBound) with xs_recheckorderby set: the executor computes
// the exact distance of each row it fetches anyway and returns rows in exact
// order, fetching only as many beyond the LIMIT as the bounds require.
//
// Range search (WHERE embedding <<->> sphere(q, r), index/index_range.h):
// without ORDER BY the walk goes toward the first sphere's center. A sphere
// centred on the walk's query bounds it: nodes past the bound (lower bounds
// for sq8) are taken but not returned. Without ORDER BY (walk_range), one
// walk finds them all: every node within the bound is kept and expanded
// beside the ef_search nearest nodes past it, which alone count against ef
// (vdb::SearchLayer's keep_within), so the walk covers the sphere and stops
// as a k-NN search with ef_search would past its surface. An sq8 walk
// measures each node by the lower bound of its exact distance
// (HnswElementLowerBound, the quantizer's error bound): it keeps every node
// that may lie within the radius, none inside is lost to the quantization,
// and the executor's recheck drops those outside. Inner product keeps the
// rounds: its sphere is a half-space, and an inner-product graph links
// small-norm nodes poorly (pruned by a non-metric heuristic): on 400
// random 3-d rows one walk missed 8 of the 165 rows of a half-space, flat
// or sq8, where the rounds' wider searches find them. Before, rounds
// of doubling ef each searched again from the top until the nearer quarter
// of a round's results held every in-range node it found: to return 1,000
// rows, rounds up to ef 4,096 and more, about twice the last round's work
// in all, which on 60,000 Fashion-MNIST rows ran at 0.8x (issue 12) to
// 1.3x the sequential scan's speed, and sq8 indexes kept them until
// their walk measured bounds. With ORDER BY, filter keys or inner
// product, the rounds remain: one follows while the first quarter of a
// round's ef results reaches the radius. Either way this ignores
// hnsw.iterative_scan and hnsw.max_scan_tuples (a range scan returns every
// row it can find); the rounds keep to the memory limit, the one walk holds
// what the sphere holds. Every row a range scan returns is rechecked by the executor
// (xs_recheck).
//
// Filter columns (index/index_filter.h): their keys are tested on each node's
// filter words during the walk (vdb::SearchLayerFiltered): a failing node
// guides the search but is never a result, nor counted against ef, and
// failing pending nodes are left out. The words are lossy (hashes, label
// signatures), so such a scan sets xs_recheck and the executor decides
// each row on its heap values. When the index has a filter directory and
// few nodes pass, the scan measures every passing node instead of walking
// (SearchExactly): the directory finds them, a page per ~1,000 nodes, and
// the scan returns them all, nearest first, as one exact round.
#include "hnsw/hnsw.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "consistency/consistency.h"
#include "index/index_explain.h"
#include "index/index_filter.h"
#include "index/index_range.h"
#include "pg/cpp_boundary.h"

extern "C" {
#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"
}

namespace {

// The C++ side of a scan. amendscan, or a memory-context callback when an
// ERROR ends the scan early, hands it back to a small per-backend pool, so
// the next scan reuses its visited sets (a generation bump, not a clear)
// and buffers instead of allocating and zeroing them per query.
struct ScanBuffers {
	vdb::SearchScratch search;
	vdb::VisitedSet taken;             // nodes returned, skipped or kept back
	std::unordered_set<uint64_t> returned;  // heap TIDs returned (see hnswgettuple)
	std::vector<vdb::Candidate> results;
	std::vector<vdb::Candidate> late;  // strict_order: found after a farther one was returned
	std::vector<vdb::Candidate> pending;  // every pending node, nearest first
	std::vector<uint8_t> query;  // as the metric compares it
	std::vector<uint8_t> spill;  // a stored element that spans pages
	std::vector<vdb::FilterKey> filters;  // keys on filter columns (index/index_filter.h)
	std::vector<uint64_t> words;          // one node's filter words
	HnswDirectoryScratch directory;       // the exact path's (SearchExactly)
	HnswBufferHints hints;
};

constexpr int kPoolSize = 4;
ScanBuffers *pool[kPoolSize];
int pooled = 0;

ScanBuffers *TakeBuffers() {
	if (pooled > 0)
		return pool[--pooled];
	return new ScanBuffers();
}

void GiveBackBuffers(ScanBuffers *buffers) {
	if (pooled < kPoolSize)
		pool[pooled++] = buffers;
	else
		delete buffers;
}

struct HnswScanOpaque {
	ScanBuffers *state;
	HnswMetaPageData meta;
	vdb::ElementMetric metric;
	HnswQuery query;
	bool recheck;          // results carry lower bounds for the executor to re-rank
	bool searched;
	bool draining_late;    // state->results holds the late nodes; no search follows
	size_t next;           // position in state->results
	size_t pending_next;   // position in state->pending
	size_t end;            // of the results this round returns (see Search)
	size_t ef;             // of the last search
	size_t visited;        // nodes taken, for hnsw.max_scan_tuples
	float last_distance;   // of the last node returned
	VdbRange range;        // the scan's range keys
	bool filtered;         // the scan has keys on filter columns (index/index_filter.h)
	bool unmatchable;      // one of them matches no row
	float bound;           // nodes farther than this are not returned (INFINITY: no bound)
	bool walk_range;       // one walk keeps every node within the bound (see the top of this file)
	bool exact;            // every passing node was measured (SearchExactly): no round follows
};

void ReleaseScanState(void *arg) {
	HnswScanOpaque *so = (HnswScanOpaque *) arg;
	if (so->state != NULL)
		GiveBackBuffers(so->state);
	so->state = NULL;
}

// Replaces each result's distance with the lower bound the executor re-ranks
// by, rounded down to float, and sorts by it.
void OrderByLowerBounds(Relation index, HnswScanOpaque *so, ScanBuffers *state) {
	for (vdb::Candidate &c : state->results)
		c.distance =
		    HnswFloatBelow(HnswLowerBound(index, so->meta, so->query, c, state->spill.data(), &state->hints));
	std::sort(state->results.begin(), state->results.end(),
	          [](const vdb::Candidate &a, const vdb::Candidate &b) { return a.distance < b.distance; });
}

// The value a node measured outside the walk is ordered by: the lower
// bound of its exact distance where the executor re-ranks (sq8), else its
// distance, as the walk's results are (Search).
float MeasureForOrder(Relation index, const HnswScanOpaque *so, const HnswMetaPageData &meta, uint32 id,
                      HnswBufferHints *hints) {
	return so->recheck ? HnswElementLowerBound(index, meta, so->query, id, so->state->spill.data(), hints)
	                   : HnswElementDistance(index, meta, so->query, id, so->state->spill.data(), hints);
}

// The distance to every node of the pending area (hnsw_pending.cpp) as of
// now, lower bounds where the graph's are, nearest first. Read before the
// graph is searched: a node a merge takes out of the area meanwhile is
// linked by then, so the search can find it.
void CollectPending(IndexScanDesc scan) {
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	ScanBuffers *state = so->state;
	HnswMetaPageData meta = HnswReadMeta(scan->indexRelation);
	so->pending_next = 0;
	vdb::RunCpp("hnsw scan", [&] {
		state->pending.clear();
		state->pending.reserve(meta.pending_span);
	});
	for (uint32 id = HnswPendingStart(meta); id < meta.node_count; id++) {
		HnswNodeInfo info;
		HnswReadNode(scan->indexRelation, meta.geometry, id, 0, NULL, &info);
		if (info.flags & (HNSW_NODE_DELETED | HNSW_NODE_FREE))
			continue;
		if (so->filtered) {
			HnswReadFilterWords(scan->indexRelation, meta, id, state->words.data());
			if (!vdb::FilterPasses(state->filters, state->words.data()))
				continue;
		}
		float distance = MeasureForOrder(scan->indexRelation, so, meta, id, NULL);
		state->pending.push_back(vdb::Candidate{distance, id});  // reserved: never allocates
	}
	vdb::RunCpp("hnsw scan", [&] { std::sort(state->pending.begin(), state->pending.end(), vdb::Nearer); });
}

// Whether the next pending node comes before a graph node at `distance`.
bool PendingFirst(const HnswScanOpaque *so, float distance) {
	const std::vector<vdb::Candidate> &pending = so->state->pending;
	return so->pending_next < pending.size() && pending[so->pending_next].distance <= distance;
}

// Searches the graph (as of now) with the given ef.
void Search(IndexScanDesc scan, size_t ef) {
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	so->meta = HnswReadMeta(scan->indexRelation);
	so->ef = ef;
	so->next = 0;
	ScanBuffers *state = so->state;
	const HnswGeometry &g = so->meta.geometry;
	BlockNumber blocks = HnswNodesEnd(g, so->meta.node_count);
	vdb::RunCpp("hnsw scan", [&] {
		state->hints.Prepare(scan->indexRelation, blocks);
		HnswPageGraph graph{scan->indexRelation, &so->meta, &so->query, state->spill.data(), &state->hints,
		                    &state->filters, state->words.data()};
		graph.lower_bounds = so->walk_range && so->recheck;
		state->results.clear();
		if (so->meta.entry_point != HNSW_NO_NODE) {  // else every node is pending
			size_t max_links = HnswMaxLinks(so->meta, 0);
			if (so->filtered)
				vdb::SearchGraphFiltered(graph, so->meta.entry_point, so->meta.max_level, so->meta.node_count, ef,
				                         max_links, Max(size_t(hnsw_max_scan_tuples), ef * max_links), state->search);
			else
				vdb::SearchGraph(graph, so->meta.entry_point, so->meta.max_level, so->meta.node_count, ef,
				                 state->search, so->walk_range ? so->bound : -INFINITY);
			state->results.assign(state->search.results.begin(), state->search.results.end());
		}
		if (so->recheck && !graph.lower_bounds)
			OrderByLowerBounds(scan->indexRelation, so, state);
	});
	// A strict_order round that a wider one may follow returns only its
	// nearer half: the farther nodes are those a narrower search most often
	// finds in place of nearer ones it missed, and the next round, with
	// twice the ef, settles them. This keeps late nodes rare.
	bool held_back = hnsw_iterative_scan == HNSW_ITERATIVE_STRICT && ef < so->meta.node_count && !so->walk_range;
	so->end = held_back ? state->results.size() / 2 : state->results.size();
}

constexpr size_t kExactPrefetchAhead = 3;

// A filtered scan of an index with a filter directory, when few enough
// nodes pass (vdb::ExactFilterLimit), measures every one of them instead
// of walking: results then hold all the passing nodes (the pending area's
// included: the directory has every id), nearest first. Returns whether it
// did; it gives up as soon as the directory shows too many passing.
bool SearchExactly(IndexScanDesc scan) {
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	ScanBuffers *state = so->state;
	if (!so->filtered || so->meta.geometry.directory_groups == 0 || !hnsw_filter_directory)
		return false;  // (an index keeps or lacks its directory for good)
	so->meta = HnswReadMeta(scan->indexRelation);
	const HnswGeometry &g = so->meta.geometry;
	size_t limit = vdb::ExactFilterLimit(size_t(hnsw_ef_search), so->meta.m, so->meta.node_count);
	BlockNumber blocks = HnswNodesEnd(g, so->meta.node_count);
	vdb::RunCpp("hnsw scan", [&] {
		state->hints.Prepare(scan->indexRelation, blocks);
		HnswSizeDirectoryScratch(g, limit, state->directory);
		state->results.clear();
		state->results.reserve(limit);
	});
	if (!HnswDirectoryMatches(scan->indexRelation, so->meta, state->filters, limit, state->directory, &state->hints))
		return false;
	const std::vector<uint32_t> &matches = state->directory.matches;
	for (size_t i = 0; i < matches.size(); i++) {
		// Cache misses on the elements, not the arithmetic, bound this loop:
		// the whole element a few matches ahead, and its buffer descriptor.
		// (bench/ab_builds.py, Fashion-MNIST at 1%: 0.34-0.47 ms a query
		// against 0.45-0.49 without, three alternating rounds each.)
		if (i + kExactPrefetchAhead < matches.size())
			HnswPrefetchElement(g, matches[i + kExactPrefetchAhead], &state->hints, g.element_bytes);
		uint32 id = matches[i];
		float distance = MeasureForOrder(scan->indexRelation, so, so->meta, id, &state->hints);
		state->results.push_back(vdb::Candidate{distance, id});  // reserved: never allocates
	}
	// FarthestOnTop is Nearer as a functor, which std::sort inlines.
	vdb::RunCpp("hnsw scan", [&] { std::sort(state->results.begin(), state->results.end(), vdb::FarthestOnTop()); });
	state->pending.clear();
	so->pending_next = 0;
	so->exact = true;
	so->next = 0;
	so->end = state->results.size();
	return true;
}

// Whether an iterative scan, or a range scan (see the top of this file),
// may search again with twice the ef.
bool CanSearchFurther(HnswScanOpaque *so) {
	if (so->exact || so->ef >= so->meta.node_count || so->walk_range)
		return false;
	if (std::isfinite(so->bound)) {
		const std::vector<vdb::Candidate> &results = so->state->results;
		if (results.size() < so->ef || results[results.size() / 4].distance > so->bound)
			return false;
	} else if (hnsw_iterative_scan == HNSW_ITERATIVE_OFF || so->visited >= size_t(hnsw_max_scan_tuples))
		return false;
	// frontier + results + visited stamps, per candidate
	double bytes = double(so->ef) * 2 * (2 * sizeof(vdb::Candidate) + sizeof(uint32));
	return bytes <= double(work_mem) * 1024 * hnsw_scan_mem_multiplier;
}

}  // namespace

IndexScanDesc hnswbeginscan(Relation index, int nkeys, int norderbys) {
	VdbCheckStandbyStaleness();
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HnswScanOpaque *so = (HnswScanOpaque *) palloc0(sizeof(HnswScanOpaque));
	so->meta = HnswReadMeta(index);
	so->metric = HnswMetric(so->meta);
	vdb::RunCpp("hnsw scan", [&] {
		so->state = TakeBuffers();
		so->state->query.resize(so->metric.bytes);
		so->state->spill.resize(so->meta.geometry.element_bytes);
		so->state->words.resize(Max(so->meta.filter_columns, 1));
		so->state->search.neighbours.reserve(2 * so->meta.m);
	});
	MemoryContextCallback *cleanup = (MemoryContextCallback *) palloc(sizeof(MemoryContextCallback));
	cleanup->func = ReleaseScanState;
	cleanup->arg = so;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cleanup);
	scan->xs_orderbyvals = (Datum *) palloc0(sizeof(Datum) * Max(norderbys, 1));
	scan->xs_orderbynulls = (bool *) palloc(sizeof(bool) * Max(norderbys, 1));
	memset(scan->xs_orderbynulls, true, sizeof(bool) * Max(norderbys, 1));
	scan->opaque = so;
	return scan;
}

void hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	// Each rescan is one index scan in pg_stat_user_indexes.idx_scan, as a
	// btree counts each descent.
	pgstat_count_index_scan(scan->indexRelation);
	if (keys != NULL && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys != NULL && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	so->searched = false;
	so->draining_late = false;
	so->visited = 0;
	so->last_distance = -INFINITY;
	uint8_t *query = so->state->query.data();
	// ORDER BY distance to NULL orders nothing: any order is right, so search
	// from the zero vector, as pgvector does.
	memset(query, 0, so->metric.bytes);
	bool ordered = scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL);
	if (ordered) {
		VdbCheckQueryDims(so->metric, scan->orderByData[0].sk_argument, false);
		VdbDatumToElement(scan->indexRelation, so->metric, scan->orderByData[0].sk_argument, query);
	}
	so->range = VdbReadRange(scan->indexRelation, so->metric, scan->keyData, scan->numberOfKeys, query, !ordered);
	so->query = HnswPrepareQuery(so->meta, so->metric, query);
	so->unmatchable = !VdbFilterKeys(scan->indexRelation, vdb::LabelScheme(so->meta.label_scheme), scan->keyData,
	                                 scan->numberOfKeys, so->state->filters);
	so->filtered = !so->state->filters.empty();
	// sq8 distances are to reconstructions: ordering and the range bound
	// both use lower bounds of the operator's value.
	so->recheck = (ordered || so->range.active) && so->query.sq8;
	vdb::RangeBound bound = VdbRangeBound(so->range, so->metric.kind,
	                                      so->recheck ? vdb::RangeScale::kOperator : vdb::ElementScale(so->metric));
	so->bound = bound.empty ? -INFINITY : bound.bound;
	so->walk_range = !ordered && std::isfinite(so->bound) && !so->filtered &&
	                 so->metric.kind != vdb::MetricKind::kInnerProduct;
}

bool hnswgettuple(IndexScanDesc scan, ScanDirection direction) {
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	if (scan->numberOfOrderBys == 0 && !so->range.active)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot scan hnsw index without order"),
		                errhint("Use ORDER BY the distance operator with a LIMIT, or a range operator such as <<->>.")));
	if (!ScanDirectionIsForward(direction))
		elog(ERROR, "hnsw index scans only go forward");
	if (so->bound == -INFINITY || so->unmatchable)  // a sphere or a filter that contains nothing
		return false;
	ScanBuffers *state = so->state;
	if (!so->searched) {
		vdb::RunCpp("hnsw scan", [&] {
			state->taken.Reset(so->meta.node_count);
			state->late.clear();
			state->returned.clear();
		});
		so->exact = false;
		if (!SearchExactly(scan)) {
			CollectPending(scan);
			Search(scan, size_t(hnsw_ef_search));
		}
		if (so->filtered)
			VdbExplainNoteScanPath(RelationGetRelid(scan->indexRelation), so->exact ? "exact" : "walk");
		so->searched = true;
	}
	bool strict = hnsw_iterative_scan == HNSW_ITERATIVE_STRICT;
	for (;;) {
		while (so->next < so->end || so->pending_next < state->pending.size()) {
			// The pending nodes, in order, between the graph's: before the graph
			// node they are nearer than, and after the graph's last round.
			bool graph_done = so->next == so->end;
			bool pending = graph_done || (!so->draining_late && PendingFirst(so, state->results[so->next].distance));
			// A wider round may still find graph nodes nearer than them.
			if (pending && graph_done && !so->draining_late &&
			    (CanSearchFurther(so) || so->end < state->results.size()))
				break;
			vdb::Candidate c = pending ? state->pending[so->pending_next++] : state->results[so->next++];
			if (pending) {
				if (state->taken.Contains(c.id))
					continue;
				vdb::RunCpp("hnsw scan", [&] { state->taken.Insert(c.id); });
			} else if (!so->draining_late) {
				if (state->taken.Contains(c.id))
					continue;
				so->visited++;
				bool late = strict && c.distance < so->last_distance;
				vdb::RunCpp("hnsw scan", [&] {
					state->taken.Insert(c.id);
					if (late)
						state->late.push_back(c);
				});
				if (late)
					continue;
			}
			if (c.distance > so->bound)
				continue;
			// A node that compaction moved since the search found it is a
			// forwarder that keeps its TID until no scan that began before
			// the move is left (hnsw_compact.cpp): its row is returned, once,
			// whether the scan meets it there or in its new slot, or both.
			HnswNodeInfo info;
			HnswReadNode(scan->indexRelation, so->meta.geometry, c.id, 0, NULL, &info, &state->hints);
			bool moved = (info.flags & HNSW_NODE_MOVED) != 0;
			if ((info.flags & HNSW_NODE_FREE) || ((info.flags & HNSW_NODE_DELETED) && !moved))
				continue;
			uint64_t tid = uint64_t(ItemPointerGetBlockNumberNoCheck(&info.tid)) << 16 |
			               ItemPointerGetOffsetNumberNoCheck(&info.tid);
			bool again = false;
			vdb::RunCpp("hnsw scan", [&] { again = !state->returned.insert(tid).second; });
			if (again)
				continue;
			so->last_distance = Max(so->last_distance, c.distance);
			scan->xs_heaptid = info.tid;
			scan->xs_recheck = so->range.active || so->filtered;
			scan->xs_recheckorderby = so->recheck && scan->numberOfOrderBys > 0;
			if (scan->xs_recheckorderby) {
				scan->xs_orderbyvals[0] = Float8GetDatum(double(c.distance));
				scan->xs_orderbynulls[0] = false;
			}
			return true;
		}
		if (so->draining_late)
			return false;
		if (CanSearchFurther(so)) {
			CHECK_FOR_INTERRUPTS();
			Search(scan, so->ef * 2);
			continue;
		}
		if (so->end < state->results.size()) {
			so->end = state->results.size();  // no wider round follows: the held-back half
			continue;
		}
		if (state->late.empty())
			return false;
		vdb::RunCpp("hnsw scan", [&] {
			state->results.swap(state->late);
			std::sort(state->results.begin(), state->results.end(), vdb::Nearer);
		});
		so->next = 0;
		so->end = state->results.size();
		so->draining_late = true;
	}
}

// The opaque struct stays allocated until its memory context goes: the
// context's reset callback still points at it.
void hnswendscan(IndexScanDesc scan) {
	ReleaseScanState(scan->opaque);
	scan->opaque = NULL;
}
