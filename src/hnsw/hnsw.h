// Internal interface of the hnsw access method: options, settings, the AM
// callbacks (one file per family, like contrib/bloom and pgvector) and the
// page-level operations they share (hnsw_storage.cpp).
#pragma once

#include <vector>

#include "core/element/per_vector_sq8.h"
#include "core/filter.h"
#include "core/hnsw/graph.h"
#include "core/hnsw/node_check.h"
#include "core/hnsw/reachability.h"
#include "core/hnsw/search.h"
#include "hnsw/hnsw_pages.h"
#include "index/index_check.h"
#include "index/index_metric.h"
#include "index/parallel_build.h"
#include "index/index_options.h"
#include "index/index_stats.h"

extern "C" {
#include "access/amapi.h"
#include "access/genam.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "storage/lockdefs.h"
}

#define HNSW_DEFAULT_M 16
#define HNSW_MIN_M 2
#define HNSW_MAX_M 100
#define HNSW_DEFAULT_EF_CONSTRUCTION 64
#define HNSW_MIN_EF_CONSTRUCTION 4
#define HNSW_MAX_EF_CONSTRUCTION 1000

// Build phases shown in pg_stat_progress_create_index.
#define HNSW_PHASE_LOAD 2
#define HNSW_PHASE_LINK 3
#define HNSW_PHASE_WRITE 4

enum HnswIterativeScanMode { HNSW_ITERATIVE_OFF, HNSW_ITERATIVE_RELAXED, HNSW_ITERATIVE_STRICT };

extern int hnsw_ef_search;
extern int hnsw_iterative_scan;
extern int hnsw_max_scan_tuples;
extern double hnsw_scan_mem_multiplier;
extern bool hnsw_filter_directory;  // filtered scans may take the exact path (hnsw_scan.cpp)

struct HnswOptions {
	int32 vl_len_;
	int m;
	int ef_construction;
	int quantizer_offset;  // of the quantizer string in rd_options, 0 when not given
	VdbPendingOptions pending;
};

// Options of an index, defaults filled in; ERROR when ef_construction < 2m.
HnswOptions HnswGetOptions(Relation index);
// HNSW_QUANTIZER_* for a new index: the quantizer option, by default sq8
// where it applies (vector with l2, inner product or cosine). ERROR when the
// option asks for sq8 where it does not apply.
uint8 HnswChooseQuantizer(Relation index, const VdbIndexMetric &metric);

// hnsw.cpp
void HnswInit(void);
extern "C" Datum hnswhandler(PG_FUNCTION_ARGS);

// AM callbacks.
IndexBuildResult *hnswbuild(Relation heap, Relation index, IndexInfo *info);
void hnswbuildempty(Relation index);
bool hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid, Relation heap,
                IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo *info);
IndexBulkDeleteResult *hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
                                      IndexBulkDeleteCallback callback, void *callback_state);
IndexBulkDeleteResult *hnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);
void hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count, Cost *startup_cost,
                      Cost *total_cost, Selectivity *selectivity, double *correlation, double *pages);
bool hnswvalidate(Oid opclass);
IndexScanDesc hnswbeginscan(Relation index, int nkeys, int norderbys);
void hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool hnswgettuple(IndexScanDesc scan, ScanDirection direction);
void hnswendscan(IndexScanDesc scan);
void HnswCheckIndex(Relation index, VdbIndexedTids *indexed);
// vector_db_index_stats (hnsw_stats.cpp).
void HnswGatherStats(Relation index, VdbIndexStats *stats);
// ERROR XX002: node id of the index violates `what` (value shows how).
void HnswCorrupted(Relation index, const char *what, uint32 id, uint32 value);
// ERROR XX002: the metapage violates `what`.
void HnswMetaCorrupted(Relation index, const char *what, uint32 value);

// --- hnsw_storage.cpp: pages shared by build, insert, scan, vacuum, check ---

// The metapage, checked (magic, version, a geometry whose parts fit a page)
// and copied out.
HnswMetaPageData HnswReadMeta(Relation index);
// Where the parts of a graph page lie, for vdb::CheckHnswNodeRecord.
vdb::HnswPageShape HnswShape(const HnswGeometry &g);
// XX002 unless node id's record (on its graph page `page`) passes
// vdb::CheckHnswNodeRecord; called before any count or offset of it is used.
void HnswCheckRecord(Relation index, Page page, const HnswGeometry &g, uint32 id);
// Writes the metapage contents (one GenericXLog record); the caller holds
// the append lock (HNSW_APPEND_LOCK_BLKNO) and read the copy under it.
void HnswWriteMeta(Relation index, const HnswMetaPageData &meta);
// Take and release the append lock (exclusive, or share for a reader that
// needs the node count to hold still).
void HnswLockAppends(Relation index, LOCKMODE mode);
void HnswUnlockAppends(Relation index, LOCKMODE mode);
// Metapage read-modify-write by a writer that does not append: under the
// append lock, reads the metapage, lets change() edit the copy, and writes
// it if change() returns true. Appends change node_count, pending_span and
// pool_block meanwhile, so a copy read before the lock must not be written.
// Returns the metapage as it now is.
template <typename Change>
HnswMetaPageData HnswEditMeta(Relation index, Change change) {
	HnswLockAppends(index, ExclusiveLock);
	HnswMetaPageData meta = HnswReadMeta(index);
	if (change(meta))
		HnswWriteMeta(index, meta);
	HnswUnlockAppends(index, ExclusiveLock);
	return meta;
}
// A metapage for a new index, with no nodes.
// filter_columns: index/index_filter.h.
void HnswInitMeta(Page page, const VdbIndexMetric &metric, const HnswOptions &options, uint8 quantizer,
                  int filter_columns);
// The geometry of a new dense index: elements as stored plus their filter
// words, and a filter directory where one fits (hnsw_pages.h).
HnswGeometry HnswDenseGeometry(int m, const vdb::ElementMetric &metric, uint8 quantizer, int filter_columns);
vdb::ElementMetric HnswMetric(const HnswMetaPageData &meta);
// Bytes of one element in the stream.
uint32 HnswStoredBytes(const vdb::ElementMetric &metric, uint8 quantizer);
// Bytes a buffer needs for one element in either form (as the metric
// compares it, or as stored).
size_t HnswElementScratchBytes(const HnswMetaPageData &meta);

// Formats the 1 + V fresh pages of a group (graph page first).
void HnswInitGroupPages(Page *pages, const HnswGeometry &g);

using HnswBufferHints = VdbBufferHints;  // index/index_pages.h

// Copies element id as stored into dst (element_bytes).
void HnswReadElement(Relation index, const HnswGeometry &g, uint32 id, void *dst, HnswBufferHints *hints = NULL);
// Copies element id into dst as the metric compares it (sq8 decoded: an
// approximation); scratch holds element_bytes.
void HnswLoadElement(Relation index, const HnswMetaPageData &meta, uint32 id, void *dst, void *scratch,
                     HnswBufferHints *hints = NULL);
// An element as stored (HnswEncodeElement) into dst as the metric compares
// it, as HnswLoadElement gives it.
void HnswDecodeElement(const HnswMetaPageData &meta, const void *stored, void *dst);
// The stored form of an element with its filter words (one per filter
// column, NULL when there are none) after it (dst: element_bytes).
void HnswEncodeElement(const HnswMetaPageData &meta, const void *element, const uint64 *filters, void *dst);
// Copies node id's filter words (meta.filter_columns of them) into words.
void HnswReadFilterWords(Relation index, const HnswMetaPageData &meta, uint32 id, uint64 *words,
                         HnswBufferHints *hints = NULL);

// An element as the query of many distances to stored elements.
struct HnswQuery {
	const vdb::ElementMetric *metric;
	const void *element;  // as the metric compares it; must outlive the query
	bool sq8;
	vdb::PerVectorSq8Query prepared;  // when sq8
};
HnswQuery HnswPrepareQuery(const HnswMetaPageData &meta, const vdb::ElementMetric &metric, const void *element);

// Distance from query to element id (smaller is nearer; for sq8 to the
// element's reconstruction), read in place (piece by piece when it spans
// pages and the metric allows; else through scratch). hints may be NULL.
float HnswElementDistance(Relation index, const HnswMetaPageData &meta, const HnswQuery &query, uint32 id,
                          void *scratch, HnswBufferHints *hints = NULL);
// sq8 only: a value of the ORDER BY operator at most its exact value for the
// query and element id (vdb::PerVectorSq8LowerBound), given HnswElementDistance's result.
double HnswLowerBound(Relation index, const HnswMetaPageData &meta, const HnswQuery &query, vdb::Candidate found,
                      void *scratch, HnswBufferHints *hints);
// sq8 only: the same bound for element id from one read of it (its
// distance and then its bound), rounded down to float (HnswFloatBelow).
float HnswElementLowerBound(Relation index, const HnswMetaPageData &meta, const HnswQuery &query, uint32 id,
                            void *scratch, HnswBufferHints *hints = NULL);
// The largest float at most `bound`: a lower bound kept as a float stays one.
float HnswFloatBelow(double bound);

// Prefetches up to max_bytes of element id (those on its first page) and
// its buffer's descriptor through its buffer hint (VdbPrefetchHinted).
// A walk prefetches every neighbour of a node at once, each up to
// kWalkPrefetchBytes: a whole sq8 element of up to 1,000 dimensions, but
// only the start of a wide flat one. On Fashion-MNIST (sq8, 820 bytes)
// whole elements rather than their first 256 bytes took unfiltered queries
// (ef_search 40) from a median 0.46 ms to 0.38 (bench/ab_builds.py --qual
// true, four rounds). The exact path (hnsw_scan.cpp) prefetches one
// element at a time, whole.
void HnswPrefetchElement(const HnswGeometry &g, uint32 id, const HnswBufferHints *hints, uint32 max_bytes);
constexpr uint32 kWalkPrefetchBytes = 1024;

// What a scan or an insert needs of a node besides its links.
struct HnswNodeInfo {
	ItemPointerData tid;
	uint8 level;
	uint8 flags;
};
// Reads a node's state and (when out != NULL) its links on one level (none
// if the node has no such level).
void HnswReadNode(Relation index, const HnswGeometry &g, uint32 id, int level, std::vector<uint32_t> *out,
                  HnswNodeInfo *info, HnswBufferHints *hints = NULL);

// XX002 when one of node from's links names an id the index never handed
// out. Ids past meta's count are checked against the metapage again (nodes
// inserted since meta was read), so a corrupt id is an error, not a search
// that sizes its visited set by it.
void HnswCheckLinkIds(Relation index, const HnswMetaPageData &meta, uint32 from, const std::vector<uint32_t> &links);

// The graph as the core's search templates see it, read from pages.
struct HnswPageGraph {
	Relation index;
	const HnswMetaPageData *meta;
	const HnswQuery *query;
	void *scratch;  // element_bytes, for vectors that span pages
	HnswBufferHints *hints;

	const std::vector<vdb::FilterKey> *filters = nullptr;  // a filtered scan's keys (index/index_filter.h)
	uint64 *words = nullptr;                               // room for meta->filter_columns words
	// sq8: Distance is HnswElementLowerBound, the operator's value at most,
	// so that a range walk keeps every node that may lie within the radius.
	bool lower_bounds = false;

	float Distance(uint32_t id) {
		return lower_bounds ? HnswElementLowerBound(index, *meta, *query, id, scratch, hints)
		                    : HnswElementDistance(index, *meta, *query, id, scratch, hints);
	}
	bool Passes(uint32_t id) {
		HnswReadFilterWords(index, *meta, id, words, hints);
		return vdb::FilterPasses(*filters, words);
	}
	void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) {
		HnswReadNode(index, meta->geometry, id, level, &out, NULL, hints);
		HnswCheckLinkIds(index, *meta, id, out);
	}
	void Prefetch(uint32_t id) { HnswPrefetchElement(meta->geometry, id, hints, kWalkPrefetchBytes); }
};

inline uint32 HnswMaxLinks(const HnswMetaPageData &meta, int level) { return level == 0 ? 2 * meta.m : meta.m; }

// Writes an element (as stored) into its place in the vector stream, and
// its filter words into the filter directory (hnsw_pages.h).
void HnswWriteElement(Relation index, const HnswGeometry &g, uint32 id, const void *stored);

// Replaces node id's links on one level (WAL-logged), under the graph write
// lock. A link new to the list that names a forwarder (HNSW_NODE_MOVED) is
// written as a link to the forwarder's new slot.
void HnswWriteLinks(Relation index, const HnswGeometry &g, uint32 id, int level, const uint32 *links, uint32 count);
// HnswWriteLinks in two steps, for a writer that rewrites several lists of
// one graph page in one WAL record (VACUUM's repair, hnsw_vacuum.cpp): the
// list as it is to be written into out (room for 2 * HNSW_MAX_M; forwarders
// resolved, so under the graph write lock and before the page's buffer
// lock), then its write into the registered copy of the node's graph page,
// whose record the caller has checked (HnswCheckRecord).
uint32 HnswResolveLinks(Relation index, const HnswGeometry &g, uint32 id, int level, const uint32 *given,
                        uint32 given_count, uint32 *out);
void HnswSetLinks(Page page, const HnswGeometry &g, uint32 id, int level, const uint32 *links, uint32 count);

// --- hnsw_directory.cpp: the filter directory (hnsw_pages.h) ---

struct HnswDirectoryScratch {
	std::vector<uint8_t> pass;       // per node of one directory: 1 while every key tested so far passes
	std::vector<uint32_t> matches;   // the ids found
};
// Sizes s for up to `limit` matches (may throw: inside vdb::RunCpp).
inline void HnswSizeDirectoryScratch(const HnswGeometry &g, size_t limit, HnswDirectoryScratch &s) {
	s.pass.resize(vdb::DirectoryNodes(g) + sizeof(uint64));  // room to read the last flags eight at a time
	s.matches.reserve(limit);
}
// Collects into s.matches the ids below meta.node_count whose directory
// words pass every key, in id order; false (and stops) once more than
// `limit` pass, or once those read so far clearly say so. Only for an index
// with a directory (g.directory_groups > 0).
bool HnswDirectoryMatches(Relation index, const HnswMetaPageData &meta, const std::vector<vdb::FilterKey> &keys,
                          size_t limit, HnswDirectoryScratch &s, HnswBufferHints *hints);

// --- hnsw_reach.cpp: every live node reachable on level 0 ---

// What an insert's reachability calls reuse from call to call.
struct HnswReachScratch {
	vdb::KeepScratch keep;
	vdb::AttachScratch attach;
	vdb::ReachScratch walk;
	vdb::UnreachedRoots roots;
	std::vector<uint32_t> live_hosts;
	std::vector<uint32_t> node_links;
	bool walk_needed;  // a node found no place nearby: the insert walks the graph (LinkUnreachable)
};

// Makes node id reachable from one of `hosts`, nearest first, displacing no
// link that was some node's only way in (vdb::AttachNearby); when no host
// offers such a place, sets s.walk_needed and changes nothing.
void HnswAttachNode(Relation index, const HnswMetaPageData &meta, uint32 id, const std::vector<uint32_t> &hosts,
                    HnswReachScratch &s);

// Writes `after`, the re-pruned level-0 list of node `to` (it was `before`),
// keeping every node it drops reachable: back in the list
// (vdb::KeepDroppedReachable), else attached to one of its nodes; without
// `keep_dropped` (a build's insert, HnswBuildInsert) it writes `after` as
// it is.
void HnswWriteRepruned(Relation index, const HnswMetaPageData &meta, uint32 to, const std::vector<uint32_t> &before,
                       std::vector<uint32_t> &after, HnswReachScratch &s, bool keep_dropped);

// Links back every live node (not flagged in `deleted`, when given, nor on
// its page) that a walk over level 0 from meta.entry_point misses
// (vdb::LinkUnreachable); returns how many. The caller holds the graph
// write lock. element: HnswElementScratchBytes; spill: element_bytes.
size_t HnswLinkUnreachable(Relation index, const HnswMetaPageData &meta, const std::vector<uint8_t> *deleted,
                           vdb::ReachScratch &scratch, void *element, void *spill);

// The same without holding the graph write lock for long (lock protocol in
// hnsw_reach.cpp): walks without it, then attaches what the walk missed a
// few nodes per hold. The caller must not hold the lock. Returns how many
// nodes the walk found unreached. The walk starts from node `from` with
// its level `from_level` as the entry point (VACUUM's next one, before it
// is written), or from the metapage's when `from` is HNSW_NO_NODE.
size_t HnswRelinkUnreached(Relation index, uint32 from, int from_level, const std::vector<uint8_t> *deleted,
                           HnswReachScratch &s, void *element, void *spill);

// Adds one element to the index on its pages (aminsert, and builds that ran
// out of memory). Takes the graph write lock itself. `pending` appends it
// to the pending area, unlinked (fastupdate), as does any insert while that
// area is not empty.
// `filters`: its filter words (index/index_filter.h), NULL when the index has none.
// `build`: a build's insert of a row past its arena (HnswBuildInsert).
struct HnswBuildInsert;
void HnswInsertElement(Relation index, const void *element, ItemPointer tid, bool pending = false,
                       const uint64 *filters = NULL, const HnswBuildInsert *build = NULL);
// How a build inserts the rows its arena has no room for (hnsw_build.cpp).
// The participants share a lock group, and the graph write lock was seen
// not to keep a leader and its worker apart (two of them then extended the
// index at once), so each holds `baton` with the lock: they search and plan
// their links at once (vdb::PlanLinks) and write one at a time. Nobody
// scans the index before the build ends, so
// the nodes that re-pruning drops are not kept reachable one by one (a
// fifth of such an insert's time, and a third of the part under the lock):
// the build ends with one walk that links back what it strands
// (HnswRelinkAfterBuild).
struct HnswBuildInsert {
	VdbBaton baton;
};
// The walk that ends a build that inserted (HnswBuildInsert): every node it
// misses is linked back (HnswRelinkUnreached). Returns how many.
size_t HnswRelinkAfterBuild(Relation index);
// Links the first pending node into the graph and takes it out of the
// pending area (hnsw_pending.cpp holds the merge lock). Takes the graph
// write lock itself.
void HnswMergeNode(Relation index, uint32 id);
// Formats the pages of group `group` (appending them, or reusing blocks an
// earlier failed insert appended), WAL-logged as full images.
void HnswAddGroup(Relation index, const HnswGeometry &g, uint32 group);

// --- hnsw_pending.cpp: the pending area (fastupdate) and its merge ---

// Pending nodes that an INSERT finding the area past pending_list_limit
// merges (hnswinsert): about as much work as that many plain inserts, so
// the INSERT that notices never stalls (docs/hnsw.md, "Fast ingest").
#define HNSW_INLINE_MERGE_NODES 8

// Size of the pending area, as pending_list_limit counts it.
double HnswPendingKilobytes(const HnswMetaPageData &meta);
// Whether anything is pending (for a background worker, which merges every
// nap what the inserts appended since; past pending_list_limit inserts
// merge a few nodes each, see hnswinsert).
bool HnswPendingMergeDue(Relation index);
// Merges up to max_nodes pending nodes into the graph, first in first, of
// those pending when it starts (appends go on meanwhile and wait for the
// next merge); returns how many. Takes the merge lock: waits for it, or
// (wait false) returns 0 when another merge or a VACUUM holds it. The
// caller holds the index with at least RowExclusiveLock.
int64 HnswMergePending(Relation index, int64 max_nodes, bool wait);
// The same for a caller that holds the merge lock (VACUUM).
int64 HnswMergePendingLocked(Relation index, int64 max_nodes);

// --- hnsw_compact.cpp: moving nodes to low slots, returning the tail ---

// Merges the pending area (which it never moves), then moves the live
// nodes of the highest ids into free slots of lower ids and
// truncates the pages past the last used group when a brief conditional
// ACCESS EXCLUSIVE lock on the table can be had. Waits (blocking nobody) for
// the transactions that use the table when the nodes have moved. Finishes what a crashed or
// cancelled compaction left. The caller holds the table and the index
// SHARE UPDATE EXCLUSIVE (no VACUUM meanwhile; index_maintain.h).
void HnswCompact(Relation heap, Relation index);
// Whether a compaction would return space (for the background worker):
// free slots make up a fifth of the node ids (and at least one group), or
// pages past the last used group wait to be truncated. Reads the metapage.
bool HnswCompactionDue(Relation index);

// --- hnsw_sparse.cpp: variable-size (sparsevec) elements in pool pages ---

// The geometry of a sparse index: locators in the stream, V pool pages.
HnswGeometry HnswSparseGeometry(int m, uint32 pool_pages);
// V for elements of this mean size (0: unknown, a default).
uint32 HnswSparsePoolPages(int m, double mean_bytes);
// Whether the element pool has reached (so formatted) group `group`.
bool HnswPoolReached(const HnswMetaPageData &meta, uint32 group);
// Groups formatted so far: those node ids need and those the pool reached.
uint32 HnswFormattedGroups(const HnswMetaPageData &meta);
// Copies node id's element into dst (metric.bytes of room).
void HnswSparseRead(Relation index, const HnswGeometry &g, uint32 id, void *dst);
float HnswSparseDistance(Relation index, const HnswGeometry &g, const vdb::ElementMetric &metric, const void *query,
                         uint32 id, HnswBufferHints *hints);
// Stores node id's element (under the graph write lock): in the slot's old
// space when it fits, else appended to the pool, and then meta.pool_block
// follows and the metapage gets the caller's copy (which holds the append
// lock, and writes its copy again when done).
void HnswSparseStore(Relation index, HnswMetaPageData &meta, uint32 id, const void *element);

// Where a build puts each element: pool pages filled in node order.
struct HnswSparseLayout {
	std::vector<HnswSparseLocator> locators;  // per node
	std::vector<uint32> page_first;           // per pool page: its first node; one more at the end
	std::vector<uint32> page_used;            // per pool page: bytes used
	BlockNumber pool_block;                   // the last pool page used, 0 if none
	uint32 groups;                            // groups to write
};
// Chooses the geometry (V from the mean element size) and the layout.
void HnswSparsePlan(const vdb::ArenaGraph &graph, int m, HnswGeometry *g, HnswSparseLayout *layout);
// Fills the pool pages of one group being written by a build.
void HnswSparseFillPool(Page *pages, const HnswGeometry &g, uint32 group, const vdb::ArenaGraph &graph,
                        const HnswSparseLayout &layout);
// vector_db_index_check: the pool's pages, and one node's element.
void HnswSparseCheckPool(Relation index, const HnswMetaPageData &meta);
void HnswSparseCheckElement(Relation index, const HnswMetaPageData &meta, uint32 id);
