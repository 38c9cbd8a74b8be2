// Page plumbing shared by every vector index access method (HNSW, IVF):
// relation extension, the special space that names a page's kind, GenericXLog
// edits, and the common metapage header (magic + format version) that each
// index checks whenever it reads its metapage.
#pragma once

#include "pg/pg.h"

#include <vector>

extern "C" {
#include "access/generic_xlog.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"
}

// Special space of every page of our indexes.
struct VdbPageOpaque {
	uint16 page_kind;  // one of the AM's page kinds, never 0 on an initialised page
	uint16 aux16;  // a second per-kind counter, 0 where the kind keeps none
	uint32 aux;    // per-kind counter (e.g. bytes used of an area)
};

#define VdbPageGetOpaque(page) ((VdbPageOpaque *) PageGetSpecialPointer(page))
// Usable bytes between the page header and the special space.
#define VDB_PAGE_DATA_OFFSET uint32(MAXALIGN(SizeOfPageHeaderData))
#define VDB_PAGE_DATA_END uint32(BLCKSZ - MAXALIGN(sizeof(VdbPageOpaque)))
#define VDB_PAGE_DATA_SIZE (VDB_PAGE_DATA_END - VDB_PAGE_DATA_OFFSET)

// The start of every metapage's contents.
struct VdbMetaHeader {
	uint32 magic;
	uint32 version;
};

// Extends the relation's fork by one page and returns it pinned and
// exclusively locked (uninitialised).
Buffer VdbNewBuffer(Relation index, ForkNumber fork);

// Formats a page of the given kind; the data area is marked fully used so a
// full-page image keeps every byte.
void VdbInitPage(Page page, uint16 kind);

// Raises XX002 unless the page is an initialised page of the expected kind.
void VdbCheckPageKind(Relation index, Page page, BlockNumber block, uint16 kind);

// Copies `size` bytes of the metapage contents at `block` (a struct that
// starts with a VdbMetaHeader) into out; XX002 unless the page is of `kind`
// and the header has our magic and a format version from `oldest` (0: only
// `version`) to `version`, which the caller then converts from.
void VdbReadMetaPage(Relation index, BlockNumber block, uint16 kind, uint32 magic, uint32 version, void *out,
                     size_t size, uint32 oldest = 0);

// A build's unlogged mode. While CREATE INDEX or REINDEX fills a new
// relation, no other backend can see it, and an aborted build (an ERROR, a
// crash) discards the relation: its pages need no WAL one edit at a time,
// only all of them once the build is done, as full-page images
// (log_newpage_range), before the transaction that created it commits. A
// standby and point-in-time recovery so replay every page before the
// commit record that makes the index usable. Between Start and Stop (or
// Finish), VdbPageEdit on that relation (matched by its relfilenode) edits
// the pages in place and marks them dirty, with no WAL record; every other
// relation is logged as always. The mode is per backend: each parallel
// build participant starts and stops its own, and the leader finishes it
// once every participant is done. Any transaction or subtransaction abort
// ends it too, so it can never outlive the build it was started for.
void VdbStartUnloggedBuild(Relation index);
void VdbStopUnloggedBuild();
// Stops the mode and WAL-logs every page of the relation's main fork (when
// the relation needs WAL: not for an unlogged index, nor under wal_level
// minimal, where the relation is synced at commit instead).
void VdbFinishUnloggedBuild(Relation index);
bool VdbInUnloggedBuild(Relation index);

// One WAL-logged change to at most MAX_GENERIC_XLOG_PAGES locked buffers.
// Usage: VdbPageEdit edit(index); Page p = edit.Register(buf, fresh); ...; edit.Finish();
// In a build's unlogged mode (above) Register returns the buffer's own
// page and Finish only marks the buffers dirty: an edit then cannot be
// undone, and Abort raises an ERROR (which discards the build) instead of
// keeping a change it cannot take back. Only the insert path runs in that
// mode, and it never aborts an edit.
// Plain data only (it lives on frames an ERROR may longjmp across).
class VdbPageEdit {
public:
	explicit VdbPageEdit(Relation index)
	    : state_(VdbInUnloggedBuild(index) ? NULL : GenericXLogStart(index)), count_(0) {}
	// The copy of the buffer's page to modify; `fresh` logs a full image (new pages).
	Page Register(Buffer buffer, bool fresh = false) {
		if (state_ != NULL)
			return GenericXLogRegisterBuffer(state_, buffer, fresh ? GENERIC_XLOG_FULL_IMAGE : 0);
		Assert(count_ < MAX_GENERIC_XLOG_PAGES);
		buffers_[count_++] = buffer;
		return BufferGetPage(buffer);
	}
	void Finish() {
		if (state_ != NULL)
			GenericXLogFinish(state_);
		for (int i = 0; i < count_; i++)
			MarkBufferDirty(buffers_[i]);
	}
	void Abort();

private:
	GenericXLogState *state_;  // NULL in a build's unlogged mode
	int count_;                // buffers registered in that mode
	Buffer buffers_[MAX_GENERIC_XLOG_PAGES];
};

// Where a byte span starts that may run on past its page: `contiguous`
// bytes at `offset` of `block`, then the data areas of block + 1, block + 2
// and so on, each whole. HNSW's vector stream and IVF's element runs store
// elements longer than the room left on a page (up to a page per 8,160
// bytes: 8 pages for 16,000 float32 dimensions) this way.
struct VdbSpanPos {
	BlockNumber block;
	uint32 offset;
	uint32 contiguous;
};

// Calls piece(pos, bytes, done) for each page the `bytes` bytes from `pos`
// cover, in order: `bytes` of the span lie at pos.offset of pos.block, and
// `done` bytes came before them. Arithmetic only: the caller reads, writes
// and locks the pages.
template <typename Piece>
void VdbForEachSpanPiece(VdbSpanPos pos, uint32 bytes, Piece piece) {
	for (uint32 done = 0; done < bytes;) {
		uint32 here = Min(bytes - done, pos.contiguous);
		piece(pos, here, done);
		done += here;
		pos = VdbSpanPos{pos.block + 1, VDB_PAGE_DATA_OFFSET, VDB_PAGE_DATA_SIZE};
	}
}

// The position `skip` bytes further into the span that starts at `pos`.
inline VdbSpanPos VdbSpanAdvance(VdbSpanPos pos, uint32 skip) {
	while (skip >= pos.contiguous && skip > 0) {
		skip -= pos.contiguous;
		pos = VdbSpanPos{pos.block + 1, VDB_PAGE_DATA_OFFSET, VDB_PAGE_DATA_SIZE};
	}
	return VdbSpanPos{pos.block, pos.offset + skip, pos.contiguous - skip};
}

// Reads a block for reading or writing (pinned and locked in the given
// mode), through the buffer it was last found in when that still holds it.
Buffer VdbReadBuffer(Relation index, BlockNumber block, int lock_mode);

// Which shared buffer held each block of one index when this backend last
// read it. ReadRecentBuffer pins such a buffer without the shared
// buffer-table lookup, which perf showed to cost as much as the distances
// themselves (HNSW) and 10% of an IVF query; a stale hint just falls back to
// an ordinary read. Nothing is pinned between reads.
struct VdbBufferHints {
	Oid relfilenode = InvalidOid;
	std::vector<Buffer> recent;  // by block number

	// Forgets hints of another index (or of this one before a REINDEX) and
	// makes room for `blocks` blocks.
	void Prepare(Relation index, BlockNumber blocks);
};

// Starts loading `bytes` at `offset` of the block's hinted
// buffer into the cache, and the buffer's descriptor with them: pinning it
// is an atomic operation on that descriptor, which otherwise misses the
// cache once per block a search touches. No pin: a stale hint only wastes
// the prefetch.
void VdbPrefetchHinted(const VdbBufferHints *hints, BlockNumber block, uint32 offset, size_t bytes);

// A block share-locked, pinned through its hint when the hint still holds.
// hints may be NULL; blocks beyond its room are read the ordinary way.
Buffer VdbReadHinted(Relation index, BlockNumber block, VdbBufferHints *hints);
