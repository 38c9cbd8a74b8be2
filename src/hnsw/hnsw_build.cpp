// CREATE INDEX for hnsw.
//
// The heap is read once; each value becomes a node of an in-memory graph
// (core/hnsw/graph.h) holding only what the graph needs: the element as the
// index stores it (for sq8 the 8-bit element: a quarter of the memory to
// stream while linking), its level and fixed-size link arrays. The graph is then linked on 1 +
// max_parallel_maintenance_workers threads of this backend (pure C++, no
// Postgres calls off the main thread; the main thread polls for cancel and
// reports progress), and written out group by group in one sequential pass.
// New pages are not WAL-logged one edit at a time: the whole relation is
// logged with full-page images once written (log_newpage_range), as
// pgvector and nbtree's sorted build do.
//
// When the graph would outgrow maintenance_work_mem, what was read so far
// is linked and written, a NOTICE says so, and the remaining rows go through
// the ordinary insert path: slower, but the build finishes.
#include "hnsw/hnsw.h"

#include <memory>

#include "core/hnsw/graph.h"
#include "index/index_progress.h"
#include "pg/cpp_boundary.h"

extern "C" {
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "utils/memutils.h"
}

namespace {

// Everything the build owns in C++; deleted by a memory-context callback so
// an ERROR (cancel included) frees it too.
struct BuildGraph {
	vdb::InMemoryGraph graph;
	std::vector<ItemPointerData> tids;
	vdb::LevelGenerator levels;
	BuildGraph(const vdb::ElementMetric &metric, const vdb::HnswParams &params)
		: graph(metric, params), levels(params.m, params.seed) {}
};

struct BuildState {
	Relation heap;
	Relation index;
	HnswMetaPageData meta;
	vdb::ElementMetric metric;        // of the indexed values
	vdb::ElementMetric stored_metric; // of the elements as stored (and as the graph holds them)
	BuildGraph *memory;  // NULL once spilled to pages
	size_t budget;       // bytes of maintenance_work_mem
	char *element;       // scratch for one converted value
	char *stored;        // scratch for its stored form
	uint32 upper_group;  // group whose upper-area use is being counted
	uint32 upper_used;
	double heap_tuples;
	double index_tuples;
};

// A level for the next node, capped so its upper links fit in its group's
// upper area (almost never binding: see UpperReservePerNode).
int NextLevel(BuildState *state, uint32 id) {
	const HnswGeometry &g = state->meta.geometry;
	uint32 group = HnswGroup(g, id);
	if (group != state->upper_group) {
		state->upper_group = group;
		state->upper_used = 0;
	}
	uint32 area = g.vector_area_offset - g.upper_area_offset;
	int fits = int((area - state->upper_used) / g.upper_bytes);
	// One draw, taken before Min: the macro evaluates its arguments twice.
	int drawn = state->memory->levels.Next();
	int level = Min(Min(drawn, fits), HNSW_MAX_LEVEL);
	state->upper_used += level * g.upper_bytes;
	return level;
}

// Copies an element into the group's pages at its stream position.
void WriteElement(Page *pages, const HnswGeometry &g, BlockNumber first_block, uint32 id, const void *element) {
	HnswStreamPos pos = HnswElementPos(g, id);
	const char *in = (const char *) element;
	uint32 left = g.element_bytes;
	while (left > 0) {
		uint32 piece = Min(left, pos.contiguous);
		memcpy(pages[pos.block - first_block] + pos.offset, in, piece);
		in += piece;
		left -= piece;
		pos = HnswStreamPos{pos.block + 1, VDB_PAGE_DATA_OFFSET, VDB_PAGE_DATA_SIZE};
	}
}

// Formats one group's pages from the in-memory graph.
void FillGroup(BuildState *state, Page *pages, uint32 group) {
	const HnswGeometry &g = state->meta.geometry;
	const vdb::InMemoryGraph &graph = state->memory->graph;
	HnswInitGroupPages(pages, g);
	VdbPageOpaque *opaque = VdbPageGetOpaque(pages[0]);
	BlockNumber first_block = HnswGroupBlock(g, group);
	uint32 first = group * g.group_nodes;
	uint32 end = Min(uint32(graph.Size()), first + g.group_nodes);
	std::vector<uint32_t> links;
	links.reserve(graph.MaxLinks(0));
	for (uint32 id = first; id < end; id++) {
		HnswNodeRecord *rec = HnswPageRecord(pages[0], g, id);
		int level = graph.Level(id);
		rec->tid = state->memory->tids[id];
		rec->level = uint8(level);
		rec->flags = 0;
		graph.Neighbours(id, 0, links);
		rec->count = uint16(links.size());
		memcpy(rec->links, links.data(), links.size() * sizeof(uint32));
		if (level > 0) {
			rec->upper_offset = uint16(g.upper_area_offset + opaque->aux);
			rec->upper_capacity = uint8(level);
			opaque->aux += level * g.upper_bytes;
			for (int l = 1; l <= level; l++) {
				HnswUpperLinks *upper = HnswPageUpper(pages[0], g, rec, l);
				graph.Neighbours(id, l, links);
				upper->count = uint32(links.size());
				memcpy(upper->links, links.data(), links.size() * sizeof(uint32));
			}
		}
		WriteElement(pages, g, first_block, id, graph.Element(id));
	}
}

// Links the in-memory graph and writes it and the metapage out.
void FlushGraph(BuildState *state) {
	vdb::InMemoryGraph &graph = state->memory->graph;
	VdbProgressPhase(HNSW_PHASE_LINK);
	VdbProgressTuplesTotal(double(graph.Size()));
	int threads = Max(1, Min(1 + max_parallel_maintenance_workers, 64));
	// The threads stop whenever an interrupt is pending; most are a cancel
	// (CHECK_FOR_INTERRUPTS raises it), the others are served and the
	// linking resumes.
	for (bool finished = false; !finished;) {
		vdb::RunCpp("hnsw graph build", [&] {
			finished = graph.LinkAll(threads, [](size_t done) {
				VdbProgressTuplesDone(int64(done));
				return !InterruptPending;
			});
		});
		CHECK_FOR_INTERRUPTS();
	}

	VdbProgressPhase(HNSW_PHASE_WRITE);
	const HnswGeometry &g = state->meta.geometry;
	uint32 groups = (uint32(graph.Size()) + g.group_nodes - 1) / g.group_nodes;
	Buffer *buffers = (Buffer *) palloc(sizeof(Buffer) * g.group_pages);
	Page *pages = (Page *) palloc(sizeof(Page) * g.group_pages);
	for (uint32 group = 0; group < groups; group++) {
		CHECK_FOR_INTERRUPTS();
		for (uint32 i = 0; i < g.group_pages; i++) {
			buffers[i] = VdbNewBuffer(state->index, MAIN_FORKNUM);
			pages[i] = BufferGetPage(buffers[i]);
			if (BufferGetBlockNumber(buffers[i]) != HnswGroupBlock(g, group) + i)
				elog(ERROR, "unexpected block %u in hnsw build", BufferGetBlockNumber(buffers[i]));
		}
		vdb::RunCpp("hnsw page write", [&] { FillGroup(state, pages, group); });
		for (uint32 i = 0; i < g.group_pages; i++) {
			MarkBufferDirty(buffers[i]);
			UnlockReleaseBuffer(buffers[i]);
		}
		VdbProgressTuplesDone(int64(Min(size_t(group + 1) * g.group_nodes, graph.Size())));
	}

	state->meta.node_count = uint32(graph.Size());
	state->meta.entry_point = graph.EntryPoint() == vdb::kInvalidNode ? HNSW_NO_NODE : graph.EntryPoint();
	state->meta.max_level = graph.MaxLevel();
	Buffer meta = VdbReadBuffer(state->index, HNSW_METAPAGE_BLKNO, BUFFER_LOCK_EXCLUSIVE);
	memcpy(PageGetContents(BufferGetPage(meta)), &state->meta, sizeof state->meta);
	MarkBufferDirty(meta);
	UnlockReleaseBuffer(meta);
	if (RelationNeedsWAL(state->index))
		log_newpage_range(state->index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(state->index), true);
}

void BuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg) {
	BuildState *state = (BuildState *) arg;
	state->heap_tuples++;
	if (isnull[0] || !VdbDatumToElement(index, state->metric, values[0], state->element))
		return;
	state->index_tuples++;
	if ((int64(state->index_tuples) & 1023) == 0)
		VdbProgressTuplesDone(int64(state->index_tuples));

	BuildGraph *memory = state->memory;
	if (memory != NULL && memory->graph.Size() > 0 &&
	    (memory->graph.Size() + 1) * (memory->graph.BytesPerNode() + sizeof(ItemPointerData)) > state->budget) {
		ereport(NOTICE, (errmsg("hnsw graph no longer fits into maintenance_work_mem after %zu tuples",
		                        memory->graph.Size()),
		                 errdetail("Building will take significantly more time."),
		                 errhint("Increase maintenance_work_mem to speed up builds.")));
		FlushGraph(state);
		state->memory = NULL;
		delete memory;  // the memory-context callback then finds nothing to do
		memory = NULL;
		VdbProgressPhase(HNSW_PHASE_LOAD);
	}
	if (memory == NULL) {
		HnswInsertElement(index, state->element, tid);
		return;
	}
	vdb::RunCpp("hnsw build", [&] {
		uint32 id = uint32(memory->graph.Size());
		HnswEncodeElement(state->meta, state->element, state->stored);
		memory->graph.AddAtLevel(state->stored, NextLevel(state, id));
		memory->tids.push_back(*tid);
	});
}

}  // namespace

IndexBuildResult *hnswbuild(Relation heap, Relation index, IndexInfo *info) {
	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
	VdbIndexMetric metric = VdbResolveIndexMetric(index);
	HnswOptions options = HnswGetOptions(index);

	BuildState *state = (BuildState *) palloc0(sizeof(BuildState));
	state->heap = heap;
	state->index = index;
	state->metric = VdbElementMetric(metric);
	state->budget = size_t(maintenance_work_mem) * 1024;
	state->upper_group = UINT32_MAX;
	state->element = (char *) palloc(state->metric.bytes);

	Buffer meta = VdbNewBuffer(index, MAIN_FORKNUM);
	Assert(BufferGetBlockNumber(meta) == HNSW_METAPAGE_BLKNO);
	HnswInitMeta(BufferGetPage(meta), metric, options, HnswChooseQuantizer(index, metric));
	memcpy(&state->meta, PageGetContents(BufferGetPage(meta)), sizeof state->meta);
	MarkBufferDirty(meta);
	UnlockReleaseBuffer(meta);
	state->stored_metric = state->meta.quantizer == HNSW_QUANTIZER_SQ8
	                           ? vdb::MakeElementMetric(vdb::ElementType::kSq8, state->metric.kind, state->metric.dims)
	                           : state->metric;
	state->stored = (char *) palloc(state->meta.geometry.element_bytes);

	vdb::HnswParams params;
	params.m = options.m;
	params.ef_construction = options.ef_construction;
	vdb::RunCpp("hnsw build", [&] {
		state->memory = new BuildGraph(state->stored_metric, params);
		double expected = Max(heap->rd_rel->reltuples, 0);
		size_t fits = state->budget / (state->memory->graph.BytesPerNode() + sizeof(ItemPointerData));
		size_t reserve = size_t(Min(expected, double(fits)));
		state->memory->graph.Reserve(reserve);
		state->memory->tids.reserve(reserve);
	});
	MemoryContextCallback *cleanup = (MemoryContextCallback *) palloc(sizeof(MemoryContextCallback));
	cleanup->func = [](void *arg) {
		BuildState *s = (BuildState *) arg;
		delete s->memory;
		s->memory = NULL;
	};
	cleanup->arg = state;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cleanup);

	VdbProgressPhase(HNSW_PHASE_LOAD);
	VdbProgressTuplesTotal(Max(heap->rd_rel->reltuples, 0));
	table_index_build_scan(heap, index, info, true, true, BuildCallback, state, NULL);
	if (state->memory != NULL) {
		FlushGraph(state);
		delete state->memory;
		state->memory = NULL;
	}

	IndexBuildResult *result = (IndexBuildResult *) palloc(sizeof(IndexBuildResult));
	result->heap_tuples = state->heap_tuples;
	result->index_tuples = state->index_tuples;
	return result;
}

// The init fork of an unlogged index: a metapage with no nodes, WAL-logged
// so that a standby or crash recovery can recreate the empty index.
void hnswbuildempty(Relation index) {
	VdbIndexMetric metric = VdbResolveIndexMetric(index);
	HnswOptions options = HnswGetOptions(index);
	Buffer meta = VdbNewBuffer(index, INIT_FORKNUM);
	HnswInitMeta(BufferGetPage(meta), metric, options, HnswChooseQuantizer(index, metric));
	MarkBufferDirty(meta);
	UnlockReleaseBuffer(meta);
	log_newpage_range(index, INIT_FORKNUM, 0, 1, true);
}
