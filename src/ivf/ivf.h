// Internal interface of the ivfflat and ivf access methods: one
// implementation, two handlers. ivfflat keeps pgvector's surface (lists,
// ivfflat.probes); ivf adds a quantizer per index and re-ranking. Callbacks
// live one family per file, like contrib/bloom; ivf_storage.cpp holds the
// page operations they share.
#pragma once

#include <vector>

#include "core/ivf/list_coder.h"
#include "core/ivf/page_check.h"
#include "index/index_check.h"
#include "index/index_metric.h"
#include "index/index_options.h"
#include "index/index_stats.h"
#include "ivf/ivf_pages.h"

extern "C" {
#include "access/amapi.h"
#include "access/genam.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
}

#define IVF_MIN_LISTS 1
#define IVF_MAX_LISTS 32768
#define IVFFLAT_DEFAULT_LISTS 100

// Build phases shown in pg_stat_progress_create_index (pgvector's numbers).
#define IVF_PHASE_KMEANS 2
#define IVF_PHASE_ASSIGN 3
#define IVF_PHASE_LOAD 4

enum IvfIterativeScanMode { IVF_ITERATIVE_OFF, IVF_ITERATIVE_RELAXED };

// The settings of one AM (ivfflat.* or ivf.*).
struct IvfSettings {
	int probes;
	int iterative_scan;
	int max_probes;
	int rerank;  // ivf only (ivfflat scores exactly); -1: vdb::DefaultRerank
};
extern IvfSettings ivfflat_settings;
extern IvfSettings ivf_settings;
// ivf.compaction_threshold: IvfCompactionDue's fill limit.
extern double ivf_compaction_threshold;

// Reloptions of both AMs (ivfflat accepts only lists).
struct IvfOptions {
	int32 vl_len_;
	int lists;  // 0: from the row count (ivf only)
	int pq_m;   // 0: DefaultPqM
	int pq_bits;
	int quantizer_offset;  // string: flat | sq8 | pq | rabitq
	VdbPendingOptions pending;  // fastupdate, pending_list_limit (both AMs)
};

struct IvfBuildOptions {
	int lists;
	vdb::IvfQuantizer quantizer;
	int pq_m;
};
IvfBuildOptions IvfGetOptions(Relation index);
// True for indexes of the ivfflat AM.
bool IvfIsFlatAm(Relation index);
const IvfSettings &IvfSettingsOf(Relation index);

void IvfInit(void);

// AM callbacks.
IndexBuildResult *ivfbuild(Relation heap, Relation index, IndexInfo *info);
void ivfbuildempty(Relation index);
bool ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid, Relation heap,
               IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo *info);
IndexBulkDeleteResult *ivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
                                     IndexBulkDeleteCallback callback, void *callback_state);
IndexBulkDeleteResult *ivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);
void ivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count, Cost *startup_cost,
                     Cost *total_cost, Selectivity *selectivity, double *correlation, double *pages);
IndexScanDesc ivfbeginscan(Relation index, int nkeys, int norderbys);
void ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool ivfgettuple(IndexScanDesc scan, ScanDirection direction);
void ivfendscan(IndexScanDesc scan);
void IvfCheckIndex(Relation index, VdbIndexedTids *indexed);
// vector_db_index_stats (ivf_stats.cpp).
void IvfGatherStats(Relation index, VdbIndexStats *stats);

// --- ivf_rewrite.cpp: compaction (entry points for vector_db_compact and
// the background workers; the caller opens the index and locks it and its
// table `heap` SHARE UPDATE EXCLUSIVE, see index/index_maintain.h) ---

// Rewrites every list packed into the lowest pages, without the entries
// whose heap rows are dead, and truncates the free pages at the end.
void IvfCompact(Relation heap, Relation index);
// Whether the lists, packed, would fill less than ivf.compaction_threshold
// of the data pages the index has now.
bool IvfCompactionDue(Relation index);

// --- ivf_rebalance.cpp: retraining (vector_db_rebalance and the workers;
// the caller locks as for IvfCompact) ---

// Retrains the centroids and the quantizer on a sample of the index's rows
// and rewrites every list against them, online (docs/ivf.md, "Rebalancing").
void IvfRebalance(Relation heap, Relation index);
// Whether the lists drifted past vector_db.rebalance_imbalance,
// vector_db.rebalance_fraction or vector_db.rebalance_out_of_range since
// the centroids were trained.
bool IvfRebalanceDue(Relation index);
extern double ivf_rebalance_imbalance;
extern double ivf_rebalance_fraction;
extern double ivf_rebalance_out_of_range;

// --- ivf_stats.cpp ---

// What the centroid pages count (ivf_pages.h), summed over pages.
struct IvfListCounts {
	int64 rows;          // the lists' rows
	int64 largest;       // rows of the largest list
	int64 inserted;      // rows added since training
	int64 out_of_range;  // of those, rows outside the quantizer's range
};
// Adds centroid page `block` (share-locked) to *counts.
void IvfCountCentroidPage(Relation index, const IvfMetaPageData &meta, BlockNumber block, Page page,
                          IvfListCounts *counts);

// --- ivf_build.cpp: sampling and training, as CREATE INDEX does them, for
// the rebalance too. The state is freed with the current memory context. ---
struct IvfBuildState;
// A trainer whose sample holds what a build of `planned_lists` lists draws.
IvfBuildState *IvfNewTrainer(Relation index, uint32 planned_lists);
// The rows a build of `lists` lists samples: max(50 x lists, 10,000)
// (less when half of maintenance_work_mem cannot hold them).
size_t IvfSampleTarget(uint32 lists);
// Offers one prepared element to the reservoir sample.
void IvfSampleElement(IvfBuildState *state, const char *element);
// Trains up to `lists` centroids and the quantizer on the sample; the
// metapage of the result (state_start and centroid_start not yet placed).
const IvfMetaPageData &IvfTrain(IvfBuildState *state, vdb::IvfQuantizer quantizer, uint32 lists);
const std::vector<uint8_t> &IvfTrainedState(const IvfBuildState *state);
struct IvfCentroids;
const IvfCentroids &IvfTrainedCentroids(const IvfBuildState *state);
// Encodes a prepared element as a whole list tuple of the trained lists,
// with its filter words (meta.filter_columns of them); returns its list.
uint32 IvfEncodeTuple(IvfBuildState *state, const char *element, ItemPointer tid, const uint64 *words,
                      uint8 *tuple);

// --- ivf_pending.cpp: the pending area (fastupdate; docs/ivf.md, "Fast
// ingest") ---

// Where the parts of a pending page lie for elements of `element_bytes`.
struct IvfPendingShape {
	uint32 element_bytes;
	uint32 words;   // filter words of a tuple (meta.filter_columns)
	uint32 stride;  // of a tuple: IvfTupleHeader, the element or its IvfRunRef, the words
	uint32 per_page;
	bool in_run;  // the element is too long for a page: tuples hold IvfRunRefs
};
IvfPendingShape IvfPendingShapeOf(uint32 element_bytes, uint32 filter_columns);
inline IvfTupleHeader *IvfPendingTuple(Page page, const IvfPendingShape &shape, uint32 i) {
	return (IvfTupleHeader *) ((char *) page + IVF_DATA_START + i * shape.stride);
}
inline const void *IvfPendingElement(const IvfTupleHeader *tuple) { return tuple + 1; }
inline uint64 *IvfPendingWords(const IvfPendingShape &shape, const IvfTupleHeader *tuple) {
	return (uint64 *) ((char *) tuple + shape.stride - 8 * shape.words);
}
// A pending tuple's element: in place, or read from its run into scratch
// (shape.element_bytes). The caller holds the tuple's page locked.
const void *IvfPendingElementOf(Relation index, const IvfPendingShape &shape, const IvfTupleHeader *tuple,
                                void *scratch);
// Frees the run of a pending tuple just flagged IVF_PENDING_GONE (nothing
// for an element in place); the caller still holds its page.
void IvfFreePendingRun(Relation index, const IvfPendingShape &shape, const IvfTupleHeader *tuple);
// A pending tuple that a merge moves into a list (IvfAppendTuple's `from`):
// its page and slot, and whether the append moved it.
struct IvfPendingSlot {
	BlockNumber block;
	uint32 slot;
	const IvfPendingShape *shape;
	bool moved;  // out: false when VACUUM had flagged it gone first
};

VdbPendingOptions IvfGetPendingOptions(Relation index);
// Appends a row's element (the column's encoding, unquantized) and its
// filter words to the pending area: one WAL record. Returns the area's
// pages after it.
uint32 IvfAppendPending(Relation index, const IvfPendingShape &shape, ItemPointer tid, const void *element,
                        const uint64 *words);
// Calls visit on every page of the pending area in chain order, the page
// locked in lock_mode; a page detached meanwhile sends the walk back to the
// metapage's head, past every page visited already.
void IvfWalkPending(Relation index, int lock_mode, void (*visit)(Buffer buffer, void *arg), void *arg);
// Merges the pending area into the lists, up to the page that was its last
// when the merge began; returns the rows merged. Without `wait` it returns
// 0 at once when another merge is under way.
int64 IvfMergePending(Relation index, bool wait);
// Whether anything is pending (the workers' merge task).
bool IvfPendingMergeDue(Relation index);
// The merge lock: merges hold it exclusively, the index check shared.
void IvfLockMerges(Relation index, LOCKMODE mode);
void IvfUnlockMerges(Relation index, LOCKMODE mode);

// --- ivf_run.cpp: element runs (ivf_pages.h) and byte streams over
// consecutive pages (runs and the quantizer state pages) ---

// Pages of a stream of `bytes` bytes.
uint32 IvfStreamPages(uint32 bytes);
// Formats page `i` of a stream of `size` bytes as a page of `kind`.
void IvfFillStreamPage(Page page, BlockNumber i, uint16 kind, const void *bytes, uint32 size);
// A stream's bytes, for IvfInitRunPage (an init of IvfExtendRun and IvfTakeRun).
struct IvfRunSource {
	const void *bytes;
	uint32 size;
	uint16 kind;
};
void IvfInitRunPage(Page page, BlockNumber i, void *arg);
// `pages` new consecutive blocks at the end, each formatted by init and
// WAL-logged as a full image (or, without `logged`, in a build, which logs
// the whole index at its end); returns the first.
BlockNumber IvfExtendRun(Relation index, BlockNumber pages, void (*init)(Page page, BlockNumber i, void *arg),
                         void *arg, bool logged);
// Reads `bytes` bytes of a stream from block `first` on, its pages of `kind`.
void IvfReadStream(Relation index, BlockNumber first, uint32 bytes, uint16 kind, void *dst, VdbBufferHints *hints);
// Writes a run of new pages at the end.
IvfRunRef IvfWriteRun(Relation index, const void *bytes, uint32 size, bool logged);
// Reads a run of `expected` bytes into dst (XX002 when it is not one).
void IvfReadRun(Relation index, const IvfRunRef &ref, uint32 expected, void *dst, VdbBufferHints *hints);
// Frees a run outside a rewrite: IVF_PAGE_FREE, WAL-logged, and in the FSM.
void IvfFreeRun(Relation index, const IvfRunRef &ref);
// A list tuple's code: in place, or read from its run into scratch
// (code_size bytes). The caller holds the tuple's page locked.
const uint8 *IvfTupleCode(Relation index, const IvfMetaPageData &meta, const IvfTupleHeader *tuple, uint8 *scratch,
                          VdbBufferHints *hints);
// Turns a whole tuple (IvfCodeTupleSize) into its form on a page
// (meta.tuple_size): a copy, or the header and the ref of a new run.
void IvfStoreTuple(Relation index, const IvfMetaPageData &meta, const IvfTupleHeader *whole, IvfTupleHeader *stored,
                   bool logged);

// --- ivf_storage.cpp ---

// The metapage, checked and copied out.
IvfMetaPageData IvfReadMeta(Relation index);
// Where the parts of a data page lie, for vdb::CheckIvfDataPage.
vdb::IvfPageShape IvfShape(const IvfMetaPageData &meta);
vdb::ElementMetric IvfMetric(const IvfMetaPageData &meta);
// Every list's centroid: in the column's encoding (what queries are
// compared with) and, for quantizers, as float32 (what residuals are
// taken against).
struct IvfCentroids {
	std::vector<uint8_t> elements;  // lists x metric.bytes
	std::vector<float> floats;      // lists x dims, or empty
};

// What never changes after a build.
struct IvfIndexState {
	Oid relfilenode;
	IvfMetaPageData meta;
	vdb::IvfCoder coder;
	IvfCentroids centroids;
	// Scans read list pages through these; they change as scans go, the
	// rest never does (hence mutable in an otherwise const cache entry).
	mutable VdbBufferHints hints;
};
// Reads it from the pages (XX002 when the quantizer state does not decode);
// the caller deletes it.
IvfIndexState *IvfLoadIndexState(Relation index);
// The same, cached per backend (ivf_cache.cpp); valid until the index is
// rebuilt, which cannot happen while this backend scans it, and until the
// end of the transaction after a rebalance replaced it.
const IvfIndexState *IvfGetIndexState(Relation index);
// The metapage's generation (ivf_pages.h), under a moment's share lock.
uint32 IvfReadGeneration(Relation index);

// The bytes of the state pages: the quantizer's state, then, when they do
// not fit the entries (IvfCentroidsInState), every centroid; and that
// stream, palloc'd, from a trained quantizer and centroids.
uint32 IvfStateBytes(const IvfMetaPageData &meta, size_t coder_bytes, size_t element_bytes);
char *IvfStateStream(const IvfMetaPageData &meta, const std::vector<uint8_t> &coder, const IvfCentroids &centroids);

// Blocks of the quantizer state and of the centroid entries.
BlockNumber IvfStatePages(const IvfMetaPageData &meta);
BlockNumber IvfCentroidPages(const IvfMetaPageData &meta);
// Whether a block is the metapage, a state page or a centroid page of the
// layout the metapage describes (never a data page).
bool IvfIsLayoutPage(const IvfMetaPageData &meta, BlockNumber block);

// Where list `list`'s entry lives.
BlockNumber IvfEntryBlock(const IvfMetaPageData &meta, uint32 list);
IvfListEntry *IvfPageEntry(Page page, const IvfMetaPageData &meta, uint32 list);

// The nearest list to a prepared element.
uint32 IvfNearestList(const vdb::ElementMetric &metric, const IvfCentroids &centroids, uint32 lists,
                      const void *element);
// Formats an empty data page.
void IvfInitDataPage(Page page);

// Adds one tuple (aminsert): WAL-logged, finds room from the list's insert
// page. False, and nothing added, when a rebalance has switched the index
// away from `meta`'s generation since: encode the row again for the state
// IvfGetIndexState now returns. With `from` (a merge), the pending page is
// locked after the metapage and, if the tuple is still pending, the same WAL
// record flags it IVF_PENDING_GONE (the row leaves the area as it enters the
// list; from->moved); if VACUUM flagged it first, nothing is added.
// `fits`: whether the code fits the quantizer's range (IvfEncodeRow); the
// rows that do not are counted (ivf_pages.h). `words`: the row's filter
// words (meta.filter_columns of them).
bool IvfAppendTuple(Relation index, const IvfMetaPageData &meta, uint32 list, ItemPointer tid, const uint8 *code,
                    const uint64 *words, bool fits, IvfPendingSlot *from = NULL);
// An insert's or a merge's row for the state's lists: the nearest list,
// returned, and the code against its centroid; *fits as IvfCoder::Encode.
uint32 IvfEncodeRow(const IvfIndexState *state, const char *element, uint8 *code, bool *fits);
// Writes a rebalance's new layout (`layout`: geometry, state and centroid
// pages, generation) into the metapage, which the caller holds exclusively
// and has registered, keeping the pending area's fields as they are there.
void IvfWriteLayout(Page meta_page, const IvfMetaPageData &layout);
// Sets one of the metapage's event times (last_compaction, last_rebalance)
// to now, in the copy `meta_page` of a metapage edit the caller holds
// exclusively: the time goes into the WAL record of what it records.
void IvfStampMeta(Page meta_page, TimestampTz IvfMetaPageData::*field);

// The metapage for an index of `lists` lists and `filter_columns` filter
// columns (VdbFilterColumns), zero bytes of state.
IvfMetaPageData IvfMakeMeta(const VdbIndexMetric &metric, vdb::IvfQuantizer quantizer, uint32 lists,
                            uint32 code_size, int filter_columns);
