// Rebalancing of ivfflat and ivf indexes (docs/ivf.md, "Rebalancing"):
// new centroids and a new quantizer, trained as CREATE INDEX trains them
// (ivf_build.cpp) on a sample of the index's own rows, and every list
// rewritten against them, while inserts and scans go on.
//
// The quantizer is retrained too: PQ and RaBitQ codes are taken against the
// list's centroid, so new centroids need new codes anyway, and SQ8's ranges
// are those of the data the build saw, which is what drifted. New codes are
// encoded from each row's value: a flat list's code is the element itself;
// a quantized code is not, so the value is read from the heap row
// (FormIndexDatum, expression indexes too). Heap rows no snapshot can see
// any more are left out, as VACUUM would remove them.
//
// Steps, with the compaction's locks (table and index SHARE UPDATE
// EXCLUSIVE: no VACUUM, compaction or second rebalance meanwhile) and its
// rewriter (ivf_rewrite.h: free pages, orphans, chain walks):
//  1. One walk over the lists draws the sample; k-means and the quantizer
//     train on it.
//  2. The new quantizer state and centroid pages are written to free pages
//     or new ones at the end, each a full-page WAL record; nothing reaches
//     them yet.
//  3. Every old list's tuples are encoded for the new lists and written to
//     new chains (buffered per list up to maintenance_work_mem). A second
//     walk copies what inserts appended meanwhile (IvfCopyChain).
//  4. The switch, under the metapage's exclusive lock, which every insert
//     holds shared while it appends (ivf_insert.cpp): a last walk copies
//     what was appended since, the new lists' entries are written, and one
//     WAL record points the metapage at the new layout and bumps its
//     generation. Inserts waiting for the lock then find the new generation
//     and encode for the new lists; backends reload their cached state
//     (ivf_cache.cpp). Scans that began before keep walking the old layout,
//     which is left intact.
//  5. Once every transaction that held a lock on the index at the switch
//     has ended (IvfWaitForScans), the old data, centroid and state pages
//     are freed.
//  6. The new state and centroid pages, which went where there was room
//     while the old layout was in use (mostly past the end), are copied
//     down into the freed pages and switched to again as in step 4, so that
//     they do not stop a truncation; lists with pages past the packed end
//     are moved down (IvfPackLists), and free pages at the end are
//     truncated. The index ends about the size of a fresh build.
//
// The pending area (fastupdate) is merged first, as compaction merges it,
// unless a merge is running already; pending pages are no part of a layout
// and neither copied nor freed. Rows appended to it meanwhile wait for the
// next merge, which encodes them for whatever lists the metapage names
// then: a merge appends as an insert does (generation check under the
// metapage's share lock).
//
// A crash or an ERROR before the switch leaves the old layout in use and the
// new pages unreached; after it, the new layout in use and the old pages
// unreached. Unreached pages are orphans, which the next compaction or
// rebalance frees before it starts (IvfBeginRewrite). Either way every row
// is in exactly one list of the layout the metapage names.
#include "ivf/ivf_rewrite.h"

#include "core/ivf/list_count.h"
#include "pg/cpp_boundary.h"
#include "pg/fault.h"

extern "C" {
#include "access/tableam.h"
#include "catalog/index.h"
#include "common/pg_prng.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/snapmgr.h"
}

double ivf_rebalance_imbalance = 4.0;
double ivf_rebalance_fraction = 0.5;
double ivf_rebalance_out_of_range = 0.05;

namespace {

// A new list: tuples not yet on pages, and its chain so far.
struct NewList {
	uint8 *tuples;
	uint32 count;
	uint32 cap;
	BlockNumber first;
	BlockNumber last;
	uint32 rows;
};

struct Rebalance {
	IvfRewriter *rw;  // rw->meta: the old layout
	IvfBuildState *trainer;
	IvfMetaPageData fresh;  // the new layout
	bool sampling;          // step 1: rows go to the sample
	double keep_chance;     // of each row offered to the sample
	char *element;
	uint8 *tuple;
	// Heap access, for quantized old codes.
	IndexInfo *info;
	EState *estate;
	TupleTableSlot *slot;
	IndexFetchTableData *fetch;
	SnapshotData visible;  // rows no VACUUM could remove yet
	vdb::ElementMetric metric;  // of the column
	NewList *lists;        // fresh.lists
	size_t pending_bytes;
	size_t budget;
	IvfSeenChain **seen;  // per old list
};

// The row's value as an element in rb->element; false when it is gone.
bool LoadElement(Rebalance *rb, const IvfTupleHeader *tuple) {
	const IvfMetaPageData &old = rb->rw->meta;
	if (vdb::IvfQuantizer(old.quantizer) == vdb::IvfQuantizer::kFlat) {
		memcpy(rb->element, IVF_TUPLE_CODE(tuple), old.code_size);
		return true;
	}
	ItemPointerData tid = tuple->tid;
	bool call_again = false, all_dead = false;
	if (!table_index_fetch_tuple(rb->fetch, &tid, &rb->visible, rb->slot, &call_again, &all_dead))
		return false;
	Datum values[INDEX_MAX_KEYS];
	bool isnull[INDEX_MAX_KEYS];
	GetPerTupleExprContext(rb->estate)->ecxt_scantuple = rb->slot;
	FormIndexDatum(rb->info, rb->slot, rb->estate, values, isnull);
	bool usable =
	    !isnull[0] && VdbDatumToElement(rb->rw->index, rb->metric, values[0], rb->element);
	ResetPerTupleExprContext(rb->estate);
	ExecClearTuple(rb->slot);
	return usable;
}

// Writes every new list's buffered tuples to the end of its chain.
void FlushLists(Rebalance *rb) {
	IvfRewriter *rw = rb->rw;
	uint32 size = IvfWholeTupleSize(rb->fresh);
	for (uint32 list = 0; list < rb->fresh.lists; list++) {
		NewList *l = &rb->lists[list];
		if (l->count == 0)
			continue;
		IvfListWriter *w = IvfNewWriter();
		for (uint32 i = 0; i < l->count; i++)
			IvfWriterAdd(rw, w, (const IvfTupleHeader *) (l->tuples + size_t(i) * size));
		IvfWriterFinish(rw, w, InvalidBlockNumber);
		if (BlockNumberIsValid(l->last)) {
			Buffer buffer = VdbReadBuffer(rw->index, l->last, BUFFER_LOCK_EXCLUSIVE);
			VdbPageEdit edit(rw->index);
			IvfPageHeader(edit.Register(buffer))->next = w->first;
			edit.Finish();
			UnlockReleaseBuffer(buffer);
		} else {
			l->first = w->first;
		}
		l->last = w->last;
		l->rows += w->rows;
		l->count = 0;
		pfree(w);
	}
	rb->pending_bytes = 0;
}

// IvfCopyChain's sink: a row to the sample (step 1) or to its new list.
void TakeRow(void *arg, const IvfTupleHeader *tuple) {
	Rebalance *rb = (Rebalance *) arg;
	if (rb->sampling) {
		if (rb->keep_chance < 1.0 && pg_prng_double(&pg_global_prng_state) >= rb->keep_chance)
			return;
		if (LoadElement(rb, tuple))
			IvfSampleElement(rb->trainer, rb->element);
		return;
	}
	if (!LoadElement(rb, tuple))
		return;
	ItemPointerData tid = tuple->tid;
	uint32 list = IvfEncodeTuple(rb->trainer, rb->element, &tid, IvfWholeTupleWords(rb->rw->meta, tuple), rb->tuple);
	NewList *l = &rb->lists[list];
	uint32 size = IvfWholeTupleSize(rb->fresh);
	if (l->count == l->cap) {
		l->cap = Max(16, l->cap * 2);
		l->tuples = l->tuples == NULL ? (uint8 *) palloc(size_t(l->cap) * size)
		                              : (uint8 *) repalloc(l->tuples, size_t(l->cap) * size);
	}
	memcpy(l->tuples + size_t(l->count) * size, rb->tuple, size);
	l->count++;
	rb->pending_bytes += size;
	if (rb->pending_bytes > rb->budget)
		FlushLists(rb);
}

// One walk over every old list (each a first walk or a catch-up, by rb->seen).
void WalkLists(Rebalance *rb, bool drop_dead) {
	IvfRewriter *rw = rb->rw;
	for (uint32 list = 0; list < rw->meta.lists; list++) {
		BlockNumber first = IvfListFirst(rw, list);
		uint32 dead_count = 0;
		ItemPointerData *dead = drop_dead ? IvfDeadTids(rw, first, &dead_count) : NULL;
		IvfCopyChain(rw, first, rb->seen[list], dead, dead_count, TakeRow, rb);
		if (dead != NULL)
			pfree(dead);
	}
}


// Empty entries and the centroids; step 4 fills the entries in.
void InitCentroidPage(Page page, BlockNumber i, void *arg) {
	Rebalance *rb = (Rebalance *) arg;
	const IvfMetaPageData &fresh = rb->fresh;
	const IvfCentroids &centroids = IvfTrainedCentroids(rb->trainer);
	size_t bytes = IvfMetric(fresh).bytes;
	VdbInitPage(page, IVF_PAGE_CENTROID);
	for (uint32 list = i * fresh.entries_per_page; list < fresh.lists && list < (i + 1) * fresh.entries_per_page;
	     list++) {
		IvfListEntry *entry = (IvfListEntry *) ((char *) page + VDB_PAGE_DATA_OFFSET +
		                                        (list % fresh.entries_per_page) * fresh.entry_size);
		*entry = IvfListEntry{InvalidBlockNumber, InvalidBlockNumber, 0};
		if (!IvfCentroidsInState(fresh))
			memcpy(IVF_ENTRY_CENTROID(entry), &centroids.elements[size_t(list) * bytes], bytes);
	}
}

// Step 1.
void Train(Rebalance *rb, uint64 rows) {
	IvfRewriter *rw = rb->rw;
	IvfBuildOptions options = IvfGetOptions(rw->index);
	uint32 lists = options.lists > 0 ? uint32(options.lists) : vdb::DefaultListCount(rows);
	rb->trainer = IvfNewTrainer(rw->index, lists);
	// Rows offered beyond what the sample keeps cost a heap read each
	// (quantized lists): offer about twice the sample, at random.
	double wanted = 2.0 * IvfSampleTarget(lists);
	rb->keep_chance = rows > wanted ? wanted / rows : 1.0;
	rb->sampling = true;
	WalkLists(rb, true);
	rb->sampling = false;
	for (uint32 list = 0; list < rw->meta.lists; list++)
		rb->seen[list]->count = 0;
	rb->fresh = IvfTrain(rb->trainer, vdb::IvfQuantizer(rw->meta.quantizer), Max(lists, 1));
	if (rb->fresh.tuple_size != rw->meta.tuple_size)
		elog(ERROR, "ivf rebalance: tuple size changed from %u to %u", rw->meta.tuple_size, rb->fresh.tuple_size);
}

// Step 4 (the metapage is exclusively locked): the new entries, then the switch.
void Switch(Rebalance *rb, Buffer meta_buffer) {
	IvfRewriter *rw = rb->rw;
	const IvfMetaPageData &fresh = rb->fresh;
	for (uint32 list = 0; list < fresh.lists;) {
		BlockNumber block = IvfEntryBlock(fresh, list);
		Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_EXCLUSIVE);
		VdbPageEdit edit(rw->index);
		Page page = edit.Register(buffer);
		for (; list < fresh.lists && IvfEntryBlock(fresh, list) == block; list++) {
			IvfListEntry *entry = IvfPageEntry(page, fresh, list);
			entry->first = rb->lists[list].first;
			entry->insert = rb->lists[list].last;
			entry->rows = rb->lists[list].rows;
		}
		edit.Finish();
		UnlockReleaseBuffer(buffer);
	}
	VdbPageEdit edit(rw->index);
	Page meta_page = edit.Register(meta_buffer);
	IvfWriteLayout(meta_page, fresh);
	IvfStampMeta(meta_page, &IvfMetaPageData::last_rebalance);
	edit.Finish();
}

void FreeLayoutPages(IvfRewriter *rw, const IvfMetaPageData &layout) {
	for (BlockNumber i = 0; i < IvfCentroidPages(layout); i++)
		IvfFreePage(rw, layout.centroid_start + i);
	for (BlockNumber i = 0; i < IvfStatePages(layout); i++)
		IvfFreePage(rw, layout.state_start + i);
}

// IvfTakeRun's init for a copy of the page `i` blocks past the block in arg.
void CopyPage(Page page, BlockNumber i, void *arg) {
	IvfRewriter *rw = ((IvfRewriter **) arg)[0];
	BlockNumber block = *(BlockNumber *) ((IvfRewriter **) arg)[1] + i;
	Buffer buffer = VdbReadBuffer(rw->index, block, BUFFER_LOCK_SHARE);
	memcpy(page, BufferGetPage(buffer), BLCKSZ);
	UnlockReleaseBuffer(buffer);
}

// Step 6: the new state and centroid pages were written where there was
// room while the old layout was in use, mostly past the end, where they
// would stop every truncation. Copied into the old layout's freed pages
// under the metapage's exclusive lock (no insert changes an entry
// meanwhile) and switched to as in step 4, the pages past them can go.
void MoveLayoutDown(Rebalance *rb) {
	IvfRewriter *rw = rb->rw;
	IvfMetaPageData from = rw->meta;
	IvfMetaPageData to = from;
	Buffer meta_buffer = VdbReadBuffer(rw->index, IVF_METAPAGE_BLKNO, BUFFER_LOCK_EXCLUSIVE);
	void *source[2] = {rw, &from.state_start};
	to.state_start = IvfTakeRun(rw, IvfStatePages(from), from.state_start, CopyPage, source);
	source[1] = &from.centroid_start;
	to.centroid_start = IvfTakeRun(rw, IvfCentroidPages(from), from.centroid_start, CopyPage, source);
	bool moved = BlockNumberIsValid(to.centroid_start) || BlockNumberIsValid(to.state_start);
	if (!BlockNumberIsValid(to.state_start))
		to.state_start = IvfStatePages(from) == 0 ? to.centroid_start : from.state_start;
	if (!BlockNumberIsValid(to.centroid_start))
		to.centroid_start = from.centroid_start;
	if (moved) {
		to.generation++;
		VdbPageEdit edit(rw->index);
		IvfWriteLayout(edit.Register(meta_buffer), to);
		edit.Finish();
	}
	UnlockReleaseBuffer(meta_buffer);
	if (!moved)
		return;
	VDB_FAULT_POINT("ivf-rebalance-moved");
	IvfWaitForScans(rw);
	if (to.centroid_start != from.centroid_start)
		for (BlockNumber i = 0; i < IvfCentroidPages(from); i++)
			IvfFreePage(rw, from.centroid_start + i);
	if (to.state_start != from.state_start)
		for (BlockNumber i = 0; i < IvfStatePages(from); i++)
			IvfFreePage(rw, from.state_start + i);
	rw->meta = to;
}

Rebalance *BeginRebalance(Relation heap, Relation index) {
	Rebalance *rb = (Rebalance *) palloc0(sizeof(Rebalance));
	rb->rw = IvfBeginRewrite(heap, index);
	const IvfMetaPageData &old = rb->rw->meta;
	rb->metric = IvfMetric(old);
	rb->element = (char *) palloc(Max(rb->metric.bytes, old.code_size));
	rb->tuple = (uint8 *) palloc0(IvfWholeTupleSize(old));
	rb->info = BuildIndexInfo(index);
	rb->estate = CreateExecutorState();
	rb->slot = table_slot_create(heap, NULL);
	rb->fetch = table_index_fetch_begin(heap);
	InitNonVacuumableSnapshot(rb->visible, GlobalVisTestFor(heap));
	rb->budget = size_t(maintenance_work_mem) * 1024;
	rb->seen = (IvfSeenChain **) palloc(old.lists * sizeof(IvfSeenChain *));
	for (uint32 list = 0; list < old.lists; list++)
		rb->seen[list] = IvfNewSeenChain();
	return rb;
}

void EndRebalance(Rebalance *rb) {
	table_index_fetch_end(rb->fetch);
	ExecDropSingleTupleTableSlot(rb->slot);
	FreeExecutorState(rb->estate);
	IvfEndRewrite(rb->rw);
}

}  // namespace

void IvfRebalance(Relation heap, Relation index) {
	// The heap reads' visibility test needs the transaction's horizons,
	// which a worker's task transaction has not taken yet.
	bool pushed = !ActiveSnapshotSet();
	if (pushed)
		PushActiveSnapshot(GetTransactionSnapshot());
	// The pending area first (fastupdate), as compaction does: its rows are
	// then sampled and rewritten with the others. Unless another merge is
	// under way: rather than wait for it, the rebalance goes on, and that
	// merge appends as inserts do, into the old lists before the switch
	// (copied like the rest) or the new ones after it; one that encoded a
	// row for the old lists finds the generation changed and encodes it
	// again (ivf_pending.cpp). Rows pending meanwhile are raw elements, which
	// new centroids do not concern.
	IvfMergePending(index, false);
	Rebalance *rb = BeginRebalance(heap, index);
	IvfRewriter *rw = rb->rw;
	const IvfMetaPageData old = rw->meta;
	uint64 rows = 0;
	for (uint32 list = 0; list < old.lists; list++) {
		Buffer buffer = VdbReadBuffer(index, IvfEntryBlock(old, list), BUFFER_LOCK_SHARE);
		rows += IvfPageEntry(BufferGetPage(buffer), old, list)->rows;
		UnlockReleaseBuffer(buffer);
	}
	Train(rb, rows);

	// Step 2.
	IvfMetaPageData &fresh = rb->fresh;
	fresh.generation = old.generation + 1;
	IvfRunSource state{IvfStateStream(fresh, IvfTrainedState(rb->trainer), IvfTrainedCentroids(rb->trainer)),
	                   fresh.state_bytes, IVF_PAGE_STATE};
	fresh.state_start = IvfTakeRun(rw, IvfStatePages(fresh), InvalidBlockNumber, IvfInitRunPage, &state);
	pfree((void *) state.bytes);
	fresh.centroid_start = IvfTakeRun(rw, IvfCentroidPages(fresh), InvalidBlockNumber, InitCentroidPage, rb);
	if (!BlockNumberIsValid(fresh.state_start))
		fresh.state_start = fresh.centroid_start;
	VDB_FAULT_POINT("ivf-rebalance-trained");

	// Step 3.
	rb->lists = (NewList *) palloc0(fresh.lists * sizeof(NewList));
	for (uint32 list = 0; list < fresh.lists; list++)
		rb->lists[list].first = rb->lists[list].last = InvalidBlockNumber;
	WalkLists(rb, true);
	WalkLists(rb, false);
	FlushLists(rb);
	VDB_FAULT_POINT("ivf-rebalance-copied");

	// Step 4.
	Buffer meta_buffer = VdbReadBuffer(index, IVF_METAPAGE_BLKNO, BUFFER_LOCK_EXCLUSIVE);
	WalkLists(rb, false);
	FlushLists(rb);
	Switch(rb, meta_buffer);
	UnlockReleaseBuffer(meta_buffer);
	VDB_FAULT_POINT("ivf-rebalance-switched");

	// Step 5: the gated walk saw every old page.
	IvfWaitForScans(rw);
	for (uint32 list = 0; list < old.lists; list++)
		for (uint32 i = 0; i < rb->seen[list]->count; i++) {
			IvfFreeChainPage(rw, rb->seen[list]->pages[i]);
			VDB_FAULT_POINT("ivf-rebalance-freeing");
		}
	FreeLayoutPages(rw, old);
	rw->meta = fresh;
	MoveLayoutDown(rb);
	IvfPackLists(rw);
	EndRebalance(rb);
	if (pushed)
		PopActiveSnapshot();
}

bool IvfRebalanceDue(Relation index) {
	IvfMetaPageData meta = IvfReadMeta(index);
	IvfListCounts counts = {};
	for (BlockNumber block = meta.centroid_start; block < meta.centroid_start + IvfCentroidPages(meta); block++) {
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
		IvfCountCentroidPage(index, meta, block, BufferGetPage(buffer), &counts);
		UnlockReleaseBuffer(buffer);
	}
	int64 rows = counts.rows;
	bool counted = (meta.flags & IVF_META_COUNTS_INSERTS) != 0;
	if (rows == 0)
		return false;
	if (counted && ivf_rebalance_fraction > 0 && double(counts.inserted) >= ivf_rebalance_fraction * double(rows))
		return true;
	// Rows the quantizer clamps lose their distances' precision, whatever
	// the lists' balance (sq8; the count is 0 for other codes).
	if (ivf_rebalance_out_of_range > 0 && double(counts.out_of_range) >= ivf_rebalance_out_of_range * double(rows))
		return true;
	// Uneven lists are worth retraining only when enough rows are new (a
	// tenth), so that data whose best clustering is uneven is not retrained
	// again every round, and only with rows enough to tell (ten a list).
	bool changed = !counted || double(counts.inserted) >= 0.1 * double(rows);
	return ivf_rebalance_imbalance > 0 && changed && rows >= 10 * int64(meta.lists) &&
	       double(counts.largest) > ivf_rebalance_imbalance * (double(rows) / meta.lists);
}
