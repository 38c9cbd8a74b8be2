// On-page layout of an hnsw index.
//
// Block 0 is the metapage. The rest is a sequence of equal-sized groups of
// pages, each holding a fixed number G of nodes, so a node id maps to its
// pages by arithmetic alone (no directory, no item pointers):
//
//   group g = blocks 1 + g*(1+V) ... 1 + g*(1+V) + V
//   graph page:  [header][G node records][upper-level link area][vectors ...]
//   V vector pages:                                             [... vectors ...]
//
// A node record holds the heap TID, the level, flags and the level-0 links
// (2m node ids); links of levels >= 1 (a node has them with probability 1/m)
// sit in the graph page's upper area. Element vectors form one byte stream
// that starts in the graph page's tail and runs on through the group's
// vector pages, so a vector may span a page boundary: nothing is wasted to
// rounding (pgvector fits 2 vectors of 784 dims in a page and wastes 25%),
// and vectors longer than a page (up to 16,000 dims) need no special case.
// G and V are chosen when the index is created to minimise pages per node.
// With quantizer sq8 the stream holds 8-bit elements instead of the vectors
// (a quarter of the bytes) and scans leave the final order to the
// executor's exact distances (see hnsw_scan.cpp).
//
// sparsevec elements vary in size, so a sparse index (geometry.pool_pages >
// 0) keeps an 8-byte HnswSparseLocator per node in the stream (it fits the
// graph page) and the elements themselves in the group's V "pool" pages,
// appended one after another (see hnsw_sparse.cpp).
//
// With fastupdate, an insert only appends its node (element, TID, level)
// at the end and leaves it unlinked: the last pending_span node ids are
// the pending area, which scans search exactly and merges link into the
// graph (see hnsw_pending.cpp). Indexes made before it have a zero there.
//
// An index with filter columns (index/index_filter.h) appends each node's filter
// words to its element in the stream, so every path that writes or moves
// an element (build, insert, pending append, compaction) carries them, and
// the geometry only sees a longer element. Without filter columns the
// stream is exactly as before.
//
// Such an index also keeps the words again in a filter directory, one
// slot of group_pages pages before every K groups (core/hnsw/filter_directory.h),
// so that a scan with a rare filter finds the nodes that pass without a
// walk. HnswWriteElement writes a node's words there too, before its record
// names it; the build fills the directories it writes. Group g then lies in
// slot GroupSlot(g) rather than g; without filter columns (K = 0), and on
// indexes made before format 4, slot and group are one.
#pragma once

#include "index/index_pages.h"

#include "core/hnsw/filter_directory.h"
#include "core/hnsw/group_layout.h"

extern "C" {
#include "storage/itemptr.h"
}

#define HNSW_MAGIC 0x56444248  // "HBDV"
// 4: the geometry gained the filter directory's two fields; format 3
// metapages are read as if they were 0 (HnswReadMeta).
// 5: label_scheme; format 3 and 4 metapages read 0 there (their labels'
// two hashed bits), as PageInit zeroed the page past what they wrote.
#define HNSW_FORMAT_VERSION 5
#define HNSW_OLDEST_FORMAT_VERSION 3
#define HNSW_METAPAGE_BLKNO 0
// Heavyweight lock (on this pseudo page) that serialises writers of the graph.
#define HNSW_WRITE_LOCK_BLKNO 0

#define HNSW_PAGE_META 1
#define HNSW_PAGE_GRAPH 2
#define HNSW_PAGE_VECTOR 3
#define HNSW_PAGE_DIRECTORY 4  // a filter directory's page (core/hnsw/filter_directory.h)
// Heavyweight lock (on this pseudo page) held by whoever merges the pending
// area or vacuums the index, so one at a time; never by inserts or scans.
#define HNSW_MERGE_LOCK_BLKNO 1
// Heavyweight lock (on this pseudo page) held by an append to the pending
// area for its few page writes, and by every other writer of the metapage
// for its read-modify-write: appends take no other lock, so they never wait
// for a merge's or VACUUM's graph work (hnsw_pending.cpp). Always the last
// of the three to be taken.
#define HNSW_APPEND_LOCK_BLKNO 2

// How the vector stream stores elements.
#define HNSW_QUANTIZER_FLAT 0  // as the metric compares them (float32, float16, bits)
#define HNSW_QUANTIZER_SQ8 1   // 8-bit codes of float32 or float16 vectors (core/element/per_vector_sq8.h)

#define HNSW_NODE_DELETED 0x01  // heap tuple is dead; still traversable until repaired
#define HNSW_NODE_FREE 0x02     // slot unused (after vacuum): no TID, reusable
// With HNSW_NODE_DELETED: a forwarder that compaction left behind when it
// moved the node to another slot; its one link on each level is that slot
// (hnsw_compact.cpp). Only compaction writes its lists, and frees it.
#define HNSW_NODE_MOVED 0x04
#define HNSW_NO_NODE 0xFFFFFFFFu
#define HNSW_MAX_LEVEL 15

// The group geometry (G, V and where a graph page's parts lie) is defined,
// and chosen, in the core: core/hnsw/group_layout.h.
using HnswGeometry = vdb::HnswGeometry;
static_assert(sizeof(HnswGeometry) == 10 * sizeof(uint32), "on-disk geometry");

struct HnswMetaPageData {
	VdbMetaHeader header;
	uint8 element_type;  // vdb::ElementType
	uint8 metric_kind;   // vdb::MetricKind
	uint16 m;
	uint16 ef_construction;
	uint8 quantizer;  // HNSW_QUANTIZER_*: how elements are stored
	// Filter columns (index/index_filter.h): each stream element is followed by one
	// 64-bit word per filter column, counted in geometry.element_bytes. 0 on
	// indexes made before them (this byte was unused, always 0).
	uint8 filter_columns;
	uint32 dims;
	HnswGeometry geometry;
	uint32 node_count;  // ids handed out so far (free slots included)
	uint32 entry_point;
	int32 max_level;
	uint32 free_nodes;       // slots flagged HNSW_NODE_FREE
	uint32 free_hint_group;  // no free slot in groups before this one
	uint32 pool_block;       // sparse: pool page new elements are appended to, 0 before any
	uint32 pending_span;     // the last this many ids are pending (unlinked) nodes
	// When the last merge linked a pending node and the last compaction
	// ended (TimestampTz); 0: never, and on indexes made before these fields.
	int64 last_merge;
	int64 last_compaction;
	// vdb::LabelScheme: how label arrays became filter words (core/filter.h).
	uint8 label_scheme;
};

// Bytes of the vector part of a stream element (the rest: filter words).
inline uint32 HnswVectorBytes(const HnswMetaPageData &meta) {
	return meta.geometry.element_bytes - 8 * uint32(meta.filter_columns);
}

// The first id of the pending area (node_count when it is empty).
inline uint32 HnswPendingStart(const HnswMetaPageData &meta) { return meta.node_count - meta.pending_span; }

struct HnswNodeRecord {
	ItemPointerData tid;
	uint8 level;
	uint8 flags;
	uint16 upper_offset;   // in-page offset of levels 1.. link lists, 0 if none
	uint8 upper_capacity;  // levels the upper slot can hold
	uint8 unused;
	uint16 count;  // level-0 links
	uint32 links[FLEXIBLE_ARRAY_MEMBER];
};

// Where a sparse element lies: `capacity` bytes at `offset` of pool page
// `block` (the element's own size is in its first word). block 0: none yet.
struct HnswSparseLocator {
	uint32 block;
	uint16 offset;
	uint16 capacity;
};

// One upper-level link list in the upper area.
struct HnswUpperLinks {
	uint32 count;
	uint32 links[FLEXIBLE_ARRAY_MEMBER];
};

// Chooses G and V for m and an element size (see the file comment).
HnswGeometry HnswComputeGeometry(int m, uint32 element_bytes);

inline uint32 HnswGroup(const HnswGeometry &g, uint32 id) { return id / g.group_nodes; }
inline BlockNumber HnswSlotBlock(const HnswGeometry &g, uint32 slot) { return 1 + slot * g.group_pages; }
inline BlockNumber HnswGroupBlock(const HnswGeometry &g, uint32 group) {
	return HnswSlotBlock(g, vdb::GroupSlot(g, group));
}
// The block past the last of groups [0, groups) (and their directories).
inline BlockNumber HnswGroupsEnd(const HnswGeometry &g, uint32 groups) {
	return HnswSlotBlock(g, vdb::SlotsForGroups(g, groups));
}
// The block past the groups that node ids [0, node_count) need.
inline BlockNumber HnswNodesEnd(const HnswGeometry &g, uint32 node_count) {
	return HnswGroupsEnd(g, (node_count + g.group_nodes - 1) / g.group_nodes);
}
// What block `block` (past the metapage) is: the `page`-th page of a
// directory, or of group `group` (page 0: its graph page).
struct HnswBlockPlace {
	bool directory;
	uint32 group;  // a directory: the first group it covers
	uint32 page;
};
inline HnswBlockPlace HnswPlaceOfBlock(const HnswGeometry &g, BlockNumber block) {
	vdb::SlotContents slot = vdb::SlotOf(g, (block - 1) / g.group_pages);
	return HnswBlockPlace{slot.directory, slot.group, (block - 1) % g.group_pages};
}
// Words of a directory page.
#define HNSW_DIRECTORY_PAGE_WORDS (VDB_PAGE_DATA_SIZE / sizeof(uint64))
// Where column `column` of node id lies in the filter directory: its block,
// in-page offset and the bytes left on that page (the column's words for
// the next nodes follow, page after page: VdbForEachSpanPiece reads a run).
inline VdbSpanPos HnswDirectoryWordPos(const HnswGeometry &g, uint32 id, uint32 column) {
	vdb::DirectoryWordPos pos = vdb::DirectoryWordOf(g, id, column, HNSW_DIRECTORY_PAGE_WORDS);
	uint32 offset = uint32(pos.word * sizeof(uint64));
	return VdbSpanPos{HnswSlotBlock(g, vdb::DirectorySlot(g, id)) + pos.page, VDB_PAGE_DATA_OFFSET + offset,
	                  VDB_PAGE_DATA_SIZE - offset};
}
inline BlockNumber HnswGraphBlock(const HnswGeometry &g, uint32 id) { return HnswGroupBlock(g, HnswGroup(g, id)); }
inline uint32 HnswRecordOffset(const HnswGeometry &g, uint32 id) {
	return VDB_PAGE_DATA_OFFSET + (id % g.group_nodes) * g.record_bytes;
}
inline HnswNodeRecord *HnswPageRecord(Page page, const HnswGeometry &g, uint32 id) {
	return (HnswNodeRecord *) ((char *) page + HnswRecordOffset(g, id));
}
// Level >= 1 links of a record on its page.
inline HnswUpperLinks *HnswPageUpper(Page page, const HnswGeometry &g, const HnswNodeRecord *rec, int level) {
	return (HnswUpperLinks *) ((char *) page + rec->upper_offset + (level - 1) * g.upper_bytes);
}

// Levels of upper links the graph page's upper area has room left for.
inline uint32 HnswUpperRoom(Page page, const HnswGeometry &g) {
	return (g.vector_area_offset - g.upper_area_offset - VdbPageGetOpaque(page)->aux) / g.upper_bytes;
}
// Gives rec a new upper slot of `levels` levels from the page's upper area
// (aux counts the bytes handed out; the caller checked HnswUpperRoom).
inline void HnswGiveUpper(Page page, const HnswGeometry &g, HnswNodeRecord *rec, int levels) {
	VdbPageOpaque *opaque = VdbPageGetOpaque(page);
	rec->upper_offset = uint16(g.upper_area_offset + opaque->aux);
	rec->upper_capacity = uint8(levels);
	opaque->aux += levels * g.upper_bytes;
}

// The links of a record on `level` (<= rec->level) on its page, and their
// count. Only for a record vdb::CheckHnswNodeRecord passed.
inline const uint32 *HnswPageLinks(Page page, const HnswGeometry &g, const HnswNodeRecord *rec, int level,
                                   uint32 *count) {
	if (level == 0) {
		*count = rec->count;
		return rec->links;
	}
	const HnswUpperLinks *upper = HnswPageUpper(page, g, rec, level);
	*count = upper->count;
	return upper->links;
}

// Where an element's bytes start, and how many of them lie on that page.
inline VdbSpanPos HnswElementPos(const HnswGeometry &g, uint32 id) {
	uint64 offset = uint64(id % g.group_nodes) * g.element_bytes;
	uint32 first_capacity = VDB_PAGE_DATA_END - g.vector_area_offset;
	BlockNumber graph = HnswGraphBlock(g, id);
	if (offset < first_capacity)
		return VdbSpanPos{graph, uint32(g.vector_area_offset + offset), uint32(first_capacity - offset)};
	offset -= first_capacity;
	uint32 in_page = uint32(offset % VDB_PAGE_DATA_SIZE);
	return VdbSpanPos{BlockNumber(graph + 1 + offset / VDB_PAGE_DATA_SIZE), VDB_PAGE_DATA_OFFSET + in_page,
	                     uint32(VDB_PAGE_DATA_SIZE - in_page)};
}
