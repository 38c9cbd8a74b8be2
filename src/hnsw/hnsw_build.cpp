// CREATE INDEX for hnsw.
//
// The heap is read once, by the leader and 0..max_parallel_maintenance_workers
// parallel workers sharing one parallel heap scan (index/parallel_build.h).
// Each value becomes a node of a graph laid out in one arena
// (core/hnsw/graph.h) inside the build's DSM segment (the leader's memory
// when it builds alone), which holds only what the graph needs: elements as
// the index stores them (for sq8 the 8-bit element: a quarter of the memory
// to stream while linking), levels, fixed-size link arrays, a pool for upper-level links. The arena is
// sized from the table's size (the rows its heap and TOAST could hold at
// this element size), capped by maintenance_work_mem, not from the whole
// budget. Once every participant has stopped adding, all of them link the
// graph together, running the same core code on the shared arena, each
// polling for interrupts and the leader reporting progress; the leader then
// links back any node that pruning left unreachable (ArenaGraph::LinkUnreachable). The leader then
// writes the graph out group by group in one sequential pass, its nodes in
// page order (core/hnsw/locality_order.h: breadth-first, so that a walk's
// nodes share pages; ids in the pages are not the arena's). No page of the
// build is WAL-logged one edit at a time: the whole relation is logged with
// full-page images once every participant is done (log_newpage_range), as
// pgvector and nbtree's sorted build do, and the rows inserted after a full
// arena are written in place too (VdbStartUnloggedBuild, index_pages.h).
//
// Sparse elements vary in size: the arena packs them into an element pool
// (sized, like the node array, from what the heap and TOAST hold, within
// maintenance_work_mem), and the leader, once the graph is linked, plans
// where each goes in the index's pool pages (hnsw_sparse.cpp) before
// writing. A full element pool counts as a full arena.
//
// When the arena is full before the heap is (a table larger than
// maintenance_work_mem allows, or an estimate gone wrong), a NOTICE says so,
// every participant stops adding and helps link and write what was read so
// far, and then each goes on through the rest of its share of the heap with
// the ordinary insert path: slower, but the build finishes. They search at
// once and write one at a time, and the leader ends the build with one walk
// that links back what their re-pruning stranded (HnswBuildInsert). Their
// page edits are not WAL-logged (the build's unlogged mode), which took a
// third of its time when they were.
//
// With no workers the leader adds rows in heap order with levels from the
// seed and links alone, so the graph depends only on the seed.
#include "hnsw/hnsw.h"

#include <numeric>

#include "index/index_filter.h"

#include "core/hnsw/graph.h"
#include "core/hnsw/locality_order.h"
#include "index/index_progress.h"
#include "index/parallel_build.h"
#include "pg/cpp_boundary.h"
#include "pg/fault.h"

extern "C" {
#include "access/table.h"
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "utils/memutils.h"
}

namespace {

// The hnsw part of the build's shared memory; the counters that participants
// wait on are guarded by the common header's mutex.
struct HnswBuildShared {
	HnswMetaPageData meta;
	vdb::HnswParams params;
	uint32 groups;           // upper-area counters that follow the tids
	int stopped_adding;      // participants done adding
	int linked;              // participants done linking
	bool written;            // the graph is on pages; inserts may follow
	bool inserting;          // baton: one participant writes inserts at a time
	pg_atomic_uint64 indexed;  // tuples seen by all participants, for progress
	pg_atomic_uint32 full;     // someone found the arena full
};

// kChunkFilters: each node's filter words (index/index_filter.h), by id.
enum HnswChunk { kChunkShared, kChunkGraph, kChunkTids, kChunkUpperUse, kChunkFilters, kChunks };
static_assert(kChunks <= kVdbMaxParallelChunks, "the parallel build has room for every chunk");

// One participant's view of the build (plain data: freed with its context).
struct BuildState {
	Relation heap;
	Relation index;
	bool leader;
	bool on_disk;  // the graph is written; rows go through the insert path
	VdbParallelShared *common;
	HnswBuildShared *shared;
	vdb::ArenaGraph *graph;
	ItemPointerData *tids;
	uint64 *filters;              // meta.filter_columns words per node
	pg_atomic_uint32 *upper_use;  // per group: upper-area bytes promised
	vdb::ElementMetric metric;         // of the indexed values
	vdb::ElementMetric stored_metric;  // of the elements as stored (and as the graph holds them)
	vdb::LevelGenerator *levels;
	char *element;  // scratch for one converted value
	char *stored;   // scratch for its stored form
	double heap_tuples;
	double index_tuples;
	HnswMetaPageData meta;  // the leader's copy, written to the metapage
	HnswSparseLayout *sparse;  // the leader's, while writing a sparse graph
	// The leader's, while writing: the graph's node ids in page order
	// (core/hnsw/locality_order.h), order[page id] = graph id and its inverse.
	uint32 *order;
	uint32 *rank;
};

// The metric of the elements as the index stores them (and the graph holds
// them): 8-bit for sq8, else the values' own.
vdb::ElementMetric HnswStoredMetric(const HnswMetaPageData &meta, const vdb::ElementMetric &metric) {
	return meta.quantizer == HNSW_QUANTIZER_SQ8 ? vdb::MakeElementMetric(vdb::ElementType::kPerVectorSq8, metric.kind, metric.dims)
	                                            : metric;
}

// A level for a new node, capped so its upper links fit in its group's
// upper area (almost never binding: see UpperReservePerNode).
int NextLevel(BuildState *state, uint32 id) {
	const HnswGeometry &g = state->shared->meta.geometry;
	pg_atomic_uint32 *used = &state->upper_use[HnswGroup(g, id)];
	uint32 area = g.vector_area_offset - g.upper_area_offset;
	// One draw, taken before Min: the macro evaluates its arguments twice.
	int drawn = state->levels->Next();
	int level = Min(drawn, HNSW_MAX_LEVEL);
	for (uint32 seen = pg_atomic_read_u32(used);;) {
		int fits = int((area - Min(seen, area)) / g.upper_bytes);
		int take = Min(level, fits);
		if (take == 0 || pg_atomic_compare_exchange_u32(used, &seen, seen + take * g.upper_bytes))
			return take;
	}
}

// Copies `bytes` bytes into the group's pages at element id's stream
// position plus `from` (its filter words follow its vector).
void WriteElement(Page *pages, const HnswGeometry &g, BlockNumber first_block, uint32 id, const void *element,
                  uint32 from, uint32 bytes) {
	VdbSpanPos start = VdbSpanAdvance(HnswElementPos(g, id), from);
	VdbForEachSpanPiece(start, bytes, [&](VdbSpanPos pos, uint32 piece, uint32 done) {
		memcpy(pages[pos.block - first_block] + pos.offset, (const char *) element + done, piece);
	});
}

// Formats one group's pages from the in-memory graph.
void FillGroup(BuildState *state, Page *pages, uint32 group) {
	const HnswGeometry &g = state->meta.geometry;
	const vdb::ArenaGraph &graph = *state->graph;
	HnswInitGroupPages(pages, g);
	VdbPageOpaque *opaque = VdbPageGetOpaque(pages[0]);
	BlockNumber first_block = HnswGroupBlock(g, group);
	uint32 first = group * g.group_nodes;
	uint32 end = Min(uint32(graph.Size()), first + g.group_nodes);
	std::vector<uint32_t> links;
	links.reserve(graph.MaxLinks(0));
	for (uint32 id = first; id < end; id++) {
		HnswNodeRecord *rec = HnswPageRecord(pages[0], g, id);
		uint32 node = state->order[id];
		int level = graph.Level(node);
		rec->tid = state->tids[node];
		rec->level = uint8(level);
		rec->flags = 0;
		graph.Neighbours(node, 0, links);
		vdb::Renumber(links, state->rank);  // graph ids to page ids
		rec->count = uint16(links.size());
		memcpy(rec->links, links.data(), links.size() * sizeof(uint32));
		if (level > 0) {
			rec->upper_offset = uint16(g.upper_area_offset + opaque->aux);
			rec->upper_capacity = uint8(level);
			opaque->aux += level * g.upper_bytes;
			for (int l = 1; l <= level; l++) {
				HnswUpperLinks *upper = HnswPageUpper(pages[0], g, rec, l);
				graph.Neighbours(node, l, links);
				vdb::Renumber(links, state->rank);
				upper->count = uint32(links.size());
				memcpy(upper->links, links.data(), links.size() * sizeof(uint32));
			}
		}
		uint32 words = state->meta.filter_columns;
		if (g.pool_pages > 0)
			WriteElement(pages, g, first_block, id, &state->sparse->locators[id], 0, g.element_bytes);
		else
			WriteElement(pages, g, first_block, id, graph.Element(node), 0, g.element_bytes - 8 * words);
		if (words > 0)
			WriteElement(pages, g, first_block, id, &state->filters[size_t(node) * words], g.element_bytes - 8 * words,
			             8 * words);
	}
	if (g.pool_pages > 0)
		HnswSparseFillPool(pages, g, group, graph, *state->sparse);
}

// Formats the pages of the filter directory that covers the groups from
// `group` on, from the in-memory filter words.
void FillDirectory(BuildState *state, Page *pages, uint32 group) {
	const HnswGeometry &g = state->meta.geometry;
	for (uint32 i = 0; i < g.group_pages; i++)
		VdbInitPage(pages[i], HNSW_PAGE_DIRECTORY);
	uint32 first = group * g.group_nodes;
	uint32 end = uint32(Min(size_t(first) + vdb::DirectoryNodes(g), state->graph->Size()));
	for (uint32 id = first; id < end; id++)
		for (uint32 column = 0; column < g.directory_columns; column++) {
			vdb::DirectoryWordPos pos = vdb::DirectoryWordOf(g, id, column, HNSW_DIRECTORY_PAGE_WORDS);
			uint64 word = state->filters[size_t(state->order[id]) * g.directory_columns + column];
			memcpy(pages[pos.page] + VDB_PAGE_DATA_OFFSET + pos.word * sizeof(uint64), &word, sizeof word);
		}
}

// Frees the sparse layout when the build's memory context goes (an ERROR
// included) and it is still there.
void FreeSparseLayout(void *arg) {
	BuildState *state = (BuildState *) arg;
	delete state->sparse;
	state->sparse = NULL;
}

// Chooses the order the leader writes the graph's nodes in: locality order
// (core/hnsw/locality_order.h), but a sparse graph keeps its ids, which its
// pool layout (HnswSparsePlan) has already placed.
void PlanPageOrder(BuildState *state) {
	const vdb::ArenaGraph &graph = *state->graph;
	size_t nodes = Max(graph.Size(), size_t(1));
	state->order = (uint32 *) palloc_extended(nodes * sizeof(uint32), MCXT_ALLOC_HUGE);
	state->rank = (uint32 *) palloc_extended(nodes * sizeof(uint32), MCXT_ALLOC_HUGE);
	vdb::RunCpp("hnsw build", [&] {
		std::vector<uint32_t> order(graph.Size());
		if (state->meta.geometry.pool_pages == 0)
			order = vdb::LocalityOrder(graph);
		else
			std::iota(order.begin(), order.end(), 0u);
		std::vector<uint32_t> rank = vdb::InverseOrder(order);
		memcpy(state->order, order.data(), order.size() * sizeof(uint32));
		memcpy(state->rank, rank.data(), rank.size() * sizeof(uint32));
	});
}

// Writes the linked graph and the metapage out (the leader, alone), its
// nodes in page order (PlanPageOrder).
void WriteGraph(BuildState *state) {
	const vdb::ArenaGraph &graph = *state->graph;
	VdbProgressPhase(HNSW_PHASE_WRITE);
	const HnswGeometry &g = state->meta.geometry;
	uint32 groups = (uint32(graph.Size()) + g.group_nodes - 1) / g.group_nodes;
	if (g.pool_pages > 0) {
		MemoryContextCallback *cleanup = (MemoryContextCallback *) palloc(sizeof(MemoryContextCallback));
		cleanup->func = FreeSparseLayout;
		cleanup->arg = state;
		MemoryContextRegisterResetCallback(CurrentMemoryContext, cleanup);
		vdb::RunCpp("hnsw build", [&] {
			state->sparse = new HnswSparseLayout();
			HnswSparsePlan(graph, state->meta.m, &state->meta.geometry, state->sparse);
		});
		groups = state->sparse->groups;
		state->meta.pool_block = state->sparse->pool_block;
	}
	PlanPageOrder(state);
	Buffer *buffers = (Buffer *) palloc(sizeof(Buffer) * g.group_pages);
	Page *pages = (Page *) palloc(sizeof(Page) * g.group_pages);
	// Slot by slot: a filter directory before the groups it covers.
	for (uint32 slot = 0; slot < vdb::SlotsForGroups(g, groups); slot++) {
		CHECK_FOR_INTERRUPTS();
		for (uint32 i = 0; i < g.group_pages; i++) {
			buffers[i] = VdbNewBuffer(state->index, MAIN_FORKNUM);
			pages[i] = BufferGetPage(buffers[i]);
			if (BufferGetBlockNumber(buffers[i]) != HnswSlotBlock(g, slot) + i)
				elog(ERROR, "unexpected block %u in hnsw build", BufferGetBlockNumber(buffers[i]));
		}
		vdb::SlotContents contents = vdb::SlotOf(g, slot);
		vdb::RunCpp("hnsw page write", [&] {
			if (contents.directory)
				FillDirectory(state, pages, contents.group);
			else
				FillGroup(state, pages, contents.group);
		});
		for (uint32 i = 0; i < g.group_pages; i++) {
			MarkBufferDirty(buffers[i]);
			UnlockReleaseBuffer(buffers[i]);
		}
		if (!contents.directory)
			VdbProgressTuplesDone(int64(Min(size_t(contents.group + 1) * g.group_nodes, graph.Size())));
	}

	state->meta.node_count = uint32(graph.Size());
	state->meta.entry_point = graph.EntryPoint() == vdb::kInvalidNode ? HNSW_NO_NODE : state->rank[graph.EntryPoint()];
	state->meta.max_level = graph.MaxLevel();
	Buffer meta = VdbReadBuffer(state->index, HNSW_METAPAGE_BLKNO, BUFFER_LOCK_EXCLUSIVE);
	memcpy(PageGetContents(BufferGetPage(meta)), &state->meta, sizeof state->meta);
	MarkBufferDirty(meta);
	UnlockReleaseBuffer(meta);
	FreeSparseLayout(state);
	pfree(state->order);
	pfree(state->rank);
	state->order = state->rank = NULL;
}

// Stops adding: waits for every participant to stop too, links the graph
// with them, and (the leader) writes it out; afterwards every participant
// inserts through the index pages.
void LinkAndWrite(BuildState *state) {
	VdbParallelShared *common = state->common;
	HnswBuildShared *shared = state->shared;
	VdbParallelArriveAndWait(common, &shared->stopped_adding);
	vdb::ArenaGraph &graph = *state->graph;
	if (state->leader) {
		VdbProgressPhase(HNSW_PHASE_LINK);
		VdbProgressTuplesTotal(double(graph.Size()));
	}
	// A participant stops linking whenever an interrupt is pending; most are
	// a cancel (CHECK_FOR_INTERRUPTS raises it, and the whole build ends),
	// the others are served and the linking resumes.
	bool leader = state->leader;
	for (bool finished = false; !finished;) {
		vdb::RunCpp("hnsw graph build", [&] {
			finished = graph.LinkClaimed([leader](size_t claimed) {
				if (leader)
					VdbProgressTuplesDone(int64(claimed));
				return !InterruptPending;
			});
		});
		CHECK_FOR_INTERRUPTS();
	}
	VDB_FAULT_POINT("hnsw-build-linked");
	if (state->leader) {
		VdbParallelArriveAndWait(common, &shared->linked);
		vdb::RunCpp("hnsw graph build", [&] { graph.LinkUnreachable(); });
		WriteGraph(state);
		VDB_FAULT_POINT("hnsw-build-written");
		VdbParallelSet(common, &shared->written);
		VdbProgressPhase(HNSW_PHASE_LOAD);
	} else {
		VdbParallelArrive(common, &shared->linked);
		VdbParallelWaitFor(common, &shared->written);
	}
	state->on_disk = true;
}

void BuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg) {
	BuildState *state = (BuildState *) arg;
	state->heap_tuples++;
	if (isnull[0] || !VdbDatumToElement(index, state->metric, values[0], state->element))
		return;
	uint32 words = state->shared->meta.filter_columns;
	uint64 filters[INDEX_MAX_KEYS];
	VdbFilterWords(index, vdb::LabelScheme(state->shared->meta.label_scheme), words, values, isnull, filters);
	state->index_tuples++;
	uint64 indexed = pg_atomic_add_fetch_u64(&state->shared->indexed, 1);
	if (state->leader && (int64(state->index_tuples) & 1023) == 0)
		VdbProgressTuplesDone(int64(indexed));

	if (!state->on_disk) {
		uint32 id = vdb::kInvalidNode;
		vdb::RunCpp("hnsw build", [&] {
			// Sparse elements stay whole in the graph (their stream slot is a locator).
			const char *stored = state->element;
			if (state->shared->meta.geometry.pool_pages == 0) {
				HnswEncodeElement(state->shared->meta, state->element, filters, state->stored);
				stored = state->stored;
			}
			id = state->graph->Add(stored, [state](uint32_t node) { return NextLevel(state, node); });
		});
		if (id != vdb::kInvalidNode) {
			state->tids[id] = *tid;
			if (words > 0)
				memcpy(&state->filters[size_t(id) * words], filters, 8 * words);
			return;
		}
		if (pg_atomic_exchange_u32(&state->shared->full, 1) == 0)
			ereport(NOTICE, (errmsg("hnsw graph no longer fits into maintenance_work_mem after %zu tuples",
			                        state->graph->Size()),
			                 errdetail("Building will take significantly more time."),
			                 errhint("Increase maintenance_work_mem to speed up builds.")));
		LinkAndWrite(state);
	}
	HnswBuildInsert build{{state->common, &state->shared->inserting}};
	HnswInsertElement(index, state->element, tid, false, filters, &build);
}

// Reads this participant's share of the heap, then links (unless that
// happened already when the arena filled up) and adds its counts.
void Participate(BuildState *state, IndexInfo *info, TableScanDesc scan) {
	table_index_build_scan(state->heap, state->index, info, true, state->leader, BuildCallback, state, scan);
	VDB_FAULT_POINT("hnsw-build-scanned");
	if (!state->on_disk)
		LinkAndWrite(state);
	VdbParallelAddTuples(state->common, state->heap_tuples, state->index_tuples);
}

// A participant's state over the build's chunks.
BuildState *NewBuildState(Relation heap, Relation index, VdbParallelShared *common, void *const *chunks,
                          bool leader, uint64 seed) {
	BuildState *state = (BuildState *) palloc0(sizeof(BuildState));
	state->heap = heap;
	state->index = index;
	state->leader = leader;
	state->common = common;
	state->shared = (HnswBuildShared *) chunks[kChunkShared];
	state->metric = VdbElementMetric(VdbResolveIndexMetric(index, true));
	state->tids = (ItemPointerData *) chunks[kChunkTids];
	state->filters = (uint64 *) chunks[kChunkFilters];
	state->upper_use = (pg_atomic_uint32 *) chunks[kChunkUpperUse];
	state->stored_metric = HnswStoredMetric(state->shared->meta, state->metric);
	state->element = (char *) palloc(state->metric.bytes);
	state->stored = (char *) palloc(state->shared->meta.geometry.element_bytes);
	state->graph = (vdb::ArenaGraph *) palloc(sizeof(vdb::ArenaGraph));
	state->levels = (vdb::LevelGenerator *) palloc(sizeof(vdb::LevelGenerator));
	vdb::RunCpp("hnsw build", [&] {
		new (state->graph) vdb::ArenaGraph(vdb::ArenaGraph::Attach(chunks[kChunkGraph], state->stored_metric));
		new (state->levels) vdb::LevelGenerator(state->shared->params.m, seed);
	});
	return state;
}

// The smallest a heap row holding a variable-size element can be: tuple
// header, line pointer and an empty sparsevec. It bounds the row count of a
// table whose elements vary in size.
constexpr double kSmallestVariableRowBytes = 48;

// What the arena is sized for: nodes, and for variable-size elements the
// bytes of their pool.
struct ArenaPlan {
	size_t capacity;
	size_t pool_bytes;
};

// Nodes: what the heap and its TOAST table could hold at the size of the
// values' elements (every indexed row stores its vector in one or the other), or what the
// planner's density says for today's size when that is smaller. Pool: at
// most what heap and TOAST hold, since every element's bytes are in them.
// When the two do not fit maintenance_work_mem together, both shrink alike,
// which keeps the mean element size they imply.
ArenaPlan PlanArena(Relation heap, size_t node_bytes, const vdb::ElementMetric &metric) {
	double blocks = double(RelationGetNumberOfBlocks(heap));
	double bytes = blocks * BLCKSZ;
	if (OidIsValid(heap->rd_rel->reltoastrelid)) {
		Relation toast = table_open(heap->rd_rel->reltoastrelid, AccessShareLock);
		bytes += double(RelationGetNumberOfBlocks(toast)) * BLCKSZ;
		table_close(toast, AccessShareLock);
	}
	double rows = bytes / (metric.variable ? kSmallestVariableRowBytes : double(metric.bytes));
	if (heap->rd_rel->reltuples > 0 && heap->rd_rel->relpages > 0)
		rows = Min(rows, heap->rd_rel->reltuples / heap->rd_rel->relpages * blocks * 1.1);
	rows += 64;
	double pool = metric.variable ? bytes + 64 * double(metric.bytes) : 0;
	double budget = double(size_t(maintenance_work_mem) * 1024);
	double need = rows * double(node_bytes) + pool;
	if (need > budget) {
		rows *= budget / need;
		pool *= budget / need;
	}
	return ArenaPlan{size_t(Max(rows, 1.0)), size_t(pool)};
}

}  // namespace

// A parallel worker's part: attach to the build's memory, read a share of
// the heap, link with the others.
extern "C" PGDLLEXPORT void vdb_hnsw_build_worker_main(dsm_segment *segment, shm_toc *toc) {
	VdbParallelWorker worker = VdbParallelWorkerBegin(toc);
	BuildState *state = NewBuildState(worker.heap, worker.index, worker.shared, worker.chunks, false,
	                                  ((HnswBuildShared *) worker.chunks[kChunkShared])->params.seed +
	                                      uint64(ParallelWorkerNumber + 1));
	VdbStartUnloggedBuild(worker.index);
	Participate(state, worker.info, worker.scan);
	VdbStopUnloggedBuild();
	VDB_FAULT_POINT("hnsw-build-worker");
	VdbParallelWorkerEnd(worker);
}

IndexBuildResult *hnswbuild(Relation heap, Relation index, IndexInfo *info) {
	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
	int filter_columns = VdbFilterColumns(index);
	VdbIndexMetric metric = VdbResolveIndexMetric(index, true);
	HnswOptions options = HnswGetOptions(index);
	vdb::ElementMetric element_metric = VdbElementMetric(metric);

	VdbStartUnloggedBuild(index);
	Buffer meta = VdbNewBuffer(index, MAIN_FORKNUM);
	Assert(BufferGetBlockNumber(meta) == HNSW_METAPAGE_BLKNO);
	HnswInitMeta(BufferGetPage(meta), metric, options, HnswChooseQuantizer(index, metric), filter_columns);
	HnswMetaPageData meta_data;
	memcpy(&meta_data, PageGetContents(BufferGetPage(meta)), sizeof meta_data);
	MarkBufferDirty(meta);
	UnlockReleaseBuffer(meta);
	vdb::ElementMetric stored_metric = HnswStoredMetric(meta_data, element_metric);

	vdb::HnswParams params;
	params.m = options.m;
	params.ef_construction = options.ef_construction;
	size_t node_bytes =
	    vdb::ArenaGraph::BytesPerNode(stored_metric, params.m) + sizeof(ItemPointerData) + 8 * filter_columns;
	ArenaPlan plan = PlanArena(heap, node_bytes, element_metric);
	size_t capacity = plan.capacity;
	size_t upper_lists = vdb::ArenaGraph::UpperListsFor(params.m, capacity);
	uint32 groups = uint32(capacity / meta_data.geometry.group_nodes + 1);
	size_t sizes[kChunks];
	sizes[kChunkShared] = sizeof(HnswBuildShared);
	sizes[kChunkGraph] = vdb::ArenaGraph::BytesFor(stored_metric, params.m, capacity, upper_lists, plan.pool_bytes);
	sizes[kChunkTids] = capacity * sizeof(ItemPointerData);
	sizes[kChunkUpperUse] = groups * sizeof(pg_atomic_uint32);
	sizes[kChunkFilters] = Max(capacity * 8 * filter_columns, sizeof(uint64));
	VdbParallelBuild *build = VdbParallelBegin(heap, index, info, "vdb_hnsw_build_worker_main",
	                                           VdbParallelPlanWorkers(heap, index), sizes, kChunks);

	HnswBuildShared *shared = (HnswBuildShared *) VdbParallelChunk(build, kChunkShared);
	shared->meta = meta_data;
	shared->params = params;
	shared->groups = groups;
	pg_atomic_init_u64(&shared->indexed, 0);
	pg_atomic_init_u32(&shared->full, 0);
	pg_atomic_uint32 *upper_use = (pg_atomic_uint32 *) VdbParallelChunk(build, kChunkUpperUse);
	for (uint32 i = 0; i < groups; i++)
		pg_atomic_init_u32(&upper_use[i], 0);
	vdb::RunCpp("hnsw build", [&] {
		vdb::ArenaGraph::Create(VdbParallelChunk(build, kChunkGraph), stored_metric, params, capacity, upper_lists,
		                        plan.pool_bytes);
	});

	VdbProgressPhase(HNSW_PHASE_LOAD);
	VdbProgressTuplesTotal(Max(heap->rd_rel->reltuples, 0));
	TableScanDesc scan = VdbParallelLaunch(build, heap, "hnsw");
	BuildState *state = NewBuildState(heap, index, build->shared, build->chunks, true, params.seed);
	state->meta = meta_data;
	Participate(state, info, scan);
	bool inserted = pg_atomic_read_u32(&shared->full) != 0;
	VdbParallelEnd(build);
	if (inserted) {
		size_t linked = HnswRelinkAfterBuild(index);
		elog(DEBUG1, "hnsw build of \"%s\": %zu nodes linked back after the inserts", RelationGetRelationName(heap),
		     linked);
	}
	VdbFinishUnloggedBuild(index);

	IndexBuildResult *result = (IndexBuildResult *) palloc(sizeof(IndexBuildResult));
	result->heap_tuples = build->shared->heap_tuples;
	result->index_tuples = build->shared->index_tuples;
	return result;
}

// The init fork of an unlogged index: a metapage with no nodes, WAL-logged
// so that a standby or crash recovery can recreate the empty index.
void hnswbuildempty(Relation index) {
	int filter_columns = VdbFilterColumns(index);
	VdbIndexMetric metric = VdbResolveIndexMetric(index, true);
	HnswOptions options = HnswGetOptions(index);
	Buffer meta = VdbNewBuffer(index, INIT_FORKNUM);
	HnswInitMeta(BufferGetPage(meta), metric, options, HnswChooseQuantizer(index, metric), filter_columns);
	MarkBufferDirty(meta);
	UnlockReleaseBuffer(meta);
	log_newpage_range(index, INIT_FORKNUM, 0, 1, true);
}
