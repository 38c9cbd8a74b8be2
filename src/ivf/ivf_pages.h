// On-disk layout of ivfflat and ivf indexes (see docs/ivf.md):
//
//   block 0            metapage (IvfMetaPageData)
//   state pages        the quantizer's serialised state, bytes laid end to end
//                      (consecutive blocks from state_start)
//   centroid pages     one IvfListEntry per list, entries_per_page per page,
//                      consecutive blocks from centroid_start;
//                      opaque aux: rows inserted since training (see flags)
//   data pages         chained per list: IvfDataHeader, then fixed-size tuples
//                      (heap TID, code, filter words) packed from the start
//   pending pages      the pending area (fastupdate, ivf_pending.cpp): one
//                      chain from the metapage, IvfDataHeader, then
//                      fixed-size tuples (heap TID, flags, raw element,
//                      filter words)
//   run pages          an element run: one code or pending element too long
//                      for a tuple on a page (16,000 float32 dimensions:
//                      64,000 bytes), laid end to end over consecutive
//                      blocks; the tuple holds an IvfRunRef to it instead
//                      (ivf_run.cpp)
//   free pages         data pages a compaction retired (ivf_rewrite.cpp) and
//                      pending pages a merge emptied, in the FSM until a
//                      compaction reuses them or truncates them
//
// Whether a part spans pages follows from its size alone, so an index made
// before runs existed (2,000 float32 dimensions at most) reads as it was:
// - a list tuple holds its code when header and code fit a data page, else
//   an IvfRunRef (IvfCodeInRun);
// - a pending tuple likewise holds its element or a ref (IvfPendingShape);
// - a centroid entry holds its centroid when both fit a page; else the
//   entry is only the IvfListEntry and every centroid follows the
//   quantizer's state in the state pages, list after list
//   (IvfCentroidsInState).
//
// Every page carries VdbPageOpaque with its kind. Centroid entries never move
// within a layout, so list i's entry is found by arithmetic. A build puts the
// state and centroid pages right after the metapage; a rebalance writes a new
// layout wherever it finds room and switches the metapage to it, so code
// that needs them asks IvfIsLayoutPage rather than assuming blocks.
#pragma once

#include "core/filter.h"
#include "index/index_pages.h"

extern "C" {
#include "datatype/timestamp.h"
#include "storage/itemptr.h"
}

#define IVF_MAGIC 0x56494631  // "VIF1"
#define IVF_VERSION 1
#define IVF_METAPAGE_BLKNO 0

#define IVF_PAGE_META 1
#define IVF_PAGE_STATE 2
#define IVF_PAGE_CENTROID 3
#define IVF_PAGE_DATA 4
#define IVF_PAGE_FREE 5
#define IVF_PAGE_PENDING 6
#define IVF_PAGE_RUN 7

struct IvfMetaPageData {
	VdbMetaHeader header;
	uint32 dims;
	uint8 element_type;  // vdb::ElementType
	uint8 metric_kind;   // vdb::MetricKind
	uint8 quantizer;     // vdb::IvfQuantizer
	// Filter columns (index/index_filter.h): each list and pending tuple
	// ends with one 64-bit word per column (IvfTupleWords). This byte was
	// written 0 before filter columns existed, so an older index reads none.
	uint8 filter_columns;
	uint32 lists;
	uint32 code_size;         // bytes of one code
	uint32 tuple_size;        // stride of a tuple on a data page
	uint32 tuples_per_page;
	uint32 entry_size;        // stride of a centroid entry
	uint32 entries_per_page;
	BlockNumber state_start;  // first quantizer state page
	uint32 state_bytes;
	BlockNumber centroid_start;
	// Added after 0.1.0: an index built before reads 0 here (PageInit zeroes
	// the metapage past the struct it wrote).
	uint32 flags;  // IVF_META_*
	// Added by the rebalance (ivf_rebalance.cpp): bumped each time it
	// switches the index to new centroids, state and centroid pages, which
	// then lie anywhere in the file. Backends' cached states (ivf_cache.cpp)
	// compare it; 0 in an index never rebalanced or built before it existed.
	// The rebalance rewrites only the layout fields above and this one
	// (IvfWriteLayout): the pending area's below are the merge's and appends'.
	uint32 generation;
	// The pending area (fastupdate, ivf_pending.cpp); added after 0.1.0 too,
	// so an older index reads an empty area and no merge yet. Block 0 (the
	// metapage's) in pending_head means no pending page.
	BlockNumber pending_head;  // first page of the chain, merged first
	BlockNumber pending_tail;  // last page, where inserts append
	uint32 pending_pages;      // pages in the chain (pending_list_limit)
	TimestampTz last_merge;    // when a merge last emptied a page; 0: never
	// Added after the pending area, for vector_db_index_stats: an index made
	// before reads 0 (never), as above. Only IvfStampMeta sets them; every
	// other writer of the metapage keeps them as it found them.
	TimestampTz last_compaction;  // when vector_db_compact (or a worker) last finished one
	TimestampTz last_rebalance;   // when a rebalance last switched to new centroids
};
// generation fills what would be padding before last_merge: no hole, and
// nothing moves for the fields an older index has.
static_assert(offsetof(IvfMetaPageData, last_merge) == offsetof(IvfMetaPageData, pending_pages) + sizeof(uint32),
              "IvfMetaPageData has padding before last_merge");

// Each centroid page's opaque aux counts the rows inserted into its lists
// since the centroids were trained (IvfAppendTuple): their sum is the rows
// added since training. Without the flag (indexes built before the counter
// existed) the counts started late and are not reported. Its aux16 counts
// those of the rows that did not fit the quantizer's trained range
// (saturating at 65535 a page; 0 in older indexes, where it was unused).
#define IVF_META_COUNTS_INSERTS 0x1
// Label arrays became filter words under vdb::LabelScheme::kSmallIntegers
// (core/filter.h); without it (indexes built before), kHashed.
#define IVF_META_SMALL_LABELS 0x2

// test/t/094_label_scheme.pl clears the flag to make an index made before it.
static_assert(offsetof(IvfMetaPageData, flags) == 52, "metapage layout");
inline vdb::LabelScheme IvfLabelScheme(const IvfMetaPageData &meta) {
	return meta.flags & IVF_META_SMALL_LABELS ? vdb::LabelScheme::kSmallIntegers : vdb::LabelScheme::kHashed;
}

// A list: its chain of data pages and its centroid (element encoding) after it.
struct IvfListEntry {
	BlockNumber first;   // InvalidBlockNumber while the list is empty
	BlockNumber insert;  // where inserts start looking for room
	uint32 rows;         // live tuples, for the planner and the checker
};
#define IVF_ENTRY_CENTROID(entry) ((char *) (entry) + sizeof(IvfListEntry))

// The start of every data page's contents.
struct IvfDataHeader {
	BlockNumber next;  // InvalidBlockNumber at the end of the chain
	uint32 count;      // tuples on this page
};

struct IvfTupleHeader {
	ItemPointerData tid;
	uint16 flags;  // 0 on list pages; on pending pages IVF_PENDING_GONE or 0
};
// A pending tuple no longer pending: merged into its list (in the same WAL
// record) or removed by VACUUM. Scans and merges skip it.
#define IVF_PENDING_GONE 0x1
#define IVF_TUPLE_CODE(tuple) ((uint8 *) (tuple) + sizeof(IvfTupleHeader))

// Where a code or element that spans pages lies: `bytes` bytes from the data
// area of block `first` on, through the blocks after it (IVF_PAGE_RUN).
// Written before the tuple that refers to it and never changed after; freed
// (IVF_PAGE_FREE) by whoever removes the tuple, under the lock of the
// tuple's page, which every reader of the run holds while it reads.
struct IvfRunRef {
	BlockNumber first;
	uint32 bytes;
};

#define IVF_DATA_START (VDB_PAGE_DATA_OFFSET + uint32(sizeof(IvfDataHeader)))
#define IVF_DATA_CAPACITY (VDB_PAGE_DATA_END - IVF_DATA_START)

inline IvfDataHeader *IvfPageHeader(Page page) { return (IvfDataHeader *) ((char *) page + VDB_PAGE_DATA_OFFSET); }
inline IvfTupleHeader *IvfPageTuple(Page page, const IvfMetaPageData &meta, uint32 i) {
	return (IvfTupleHeader *) ((char *) page + IVF_DATA_START + i * meta.tuple_size);
}

// The size of a tuple's header and its code (or element, or run ref) in
// place; the filter words, 8 bytes each, follow.
inline uint32 IvfCodeTupleSize(uint32 code_size) { return uint32(sizeof(IvfTupleHeader) + TYPEALIGN(8, code_size)); }
// A whole list tuple, its code in place: in memory (builds and rewrites
// handle whole tuples), and on a page unless IvfCodeInRun.
inline uint32 IvfWholeTupleSize(const IvfMetaPageData &meta) {
	return IvfCodeTupleSize(meta.code_size) + 8 * uint32(meta.filter_columns);
}
inline bool IvfCodeInRun(const IvfMetaPageData &meta) { return IvfWholeTupleSize(meta) > IVF_DATA_CAPACITY; }
// The filter words of a list tuple on a page (they end it: meta.tuple_size
// is the code's or ref's part plus the words) and of a whole tuple.
inline uint64 *IvfTupleWords(const IvfMetaPageData &meta, const IvfTupleHeader *tuple) {
	return (uint64 *) ((char *) tuple + meta.tuple_size - 8 * uint32(meta.filter_columns));
}
inline uint64 *IvfWholeTupleWords(const IvfMetaPageData &meta, const IvfTupleHeader *whole) {
	return (uint64 *) ((char *) whole + IvfCodeTupleSize(meta.code_size));
}
inline bool IvfCentroidsInState(const IvfMetaPageData &meta) { return meta.entry_size == sizeof(IvfListEntry); }
inline const IvfRunRef *IvfTupleRun(const IvfTupleHeader *tuple) { return (const IvfRunRef *) (tuple + 1); }
