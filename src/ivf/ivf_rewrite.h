// The online list rewriter's parts (ivf_rewrite.cpp), shared by compaction
// and the rebalance (ivf_rebalance.cpp): finding free pages and orphans,
// taking pages for new chains, copying a chain's tuples in two walks (the
// second, under the caller's lock, only what inserts appended after the
// first), freeing pages no scan can still reach, and truncating the free
// tail. The caller holds the table and the index SHARE UPDATE EXCLUSIVE,
// which keeps VACUUM and every other rewriter out. Plain palloc'd data: an
// ERROR may leave from anywhere.
#pragma once

#include "ivf/ivf.h"

// A page of a chain as a walk saw it.
struct IvfSeenPage {
	BlockNumber block;
	uint32 count;
};

// What the walks of one list's chain have seen.
struct IvfSeenChain {
	IvfSeenPage *pages;
	uint32 count;
	uint32 cap;
};

struct IvfRewriter {
	Relation heap;
	Relation index;
	IvfMetaPageData meta;
	bool *free_map;  // per block below map_blocks: a free page to reuse
	BlockNumber map_blocks;
	BlockNumber lowest;  // no free page below it
	BlockNumber free_pages;
	bool waited;  // for the index's earlier scans, since IvfBeginRewrite
	IvfTupleHeader *whole;  // a tuple with its code in place (IvfWholeTupleSize)
};

// A new chain being written: one page image, then its block.
struct IvfListWriter {
	PGAlignedBlock image;
	Buffer buffer;  // locked exclusively; InvalidBuffer before the first tuple
	BlockNumber first;
	BlockNumber last;
	uint32 rows;
};

// Finds the free pages and frees the orphans: pages no list of the current
// layout reaches, left by a crash or an ERROR in a compaction or rebalance.
IvfRewriter *IvfBeginRewrite(Relation heap, Relation index);
// Rewrites the lists that have a page past where the index would end with
// every used page packed at the front into the free pages below.
void IvfPackLists(IvfRewriter *rw);
// Truncates the free pages at the end and frees the rewriter.
void IvfEndRewrite(IvfRewriter *rw);

// A page for a new chain, exclusively locked: the lowest free one, else a
// new one at the end.
Buffer IvfTakePage(IvfRewriter *rw);
// `pages` consecutive blocks, free ones or new ones at the end; each is
// formatted by `init(page, i, arg)` and logged as a full image. Returns the
// first. With `below` valid: only free ones starting below it, else none
// (InvalidBlockNumber).
BlockNumber IvfTakeRun(IvfRewriter *rw, BlockNumber pages, BlockNumber below,
                       void (*init)(Page page, BlockNumber i, void *arg), void *arg);
// Marks a page that no scan can reach any more free (WAL-logged) and records
// it in the free space map.
void IvfFreePage(IvfRewriter *rw, BlockNumber block);
// Frees a page of a retired chain (IvfFreePage) and, first, the runs of the
// codes of its `count` tuples (ivf_run.cpp).
void IvfFreeChainPage(IvfRewriter *rw, const IvfSeenPage &seen);
// Waits until no transaction that could have read the pages of a replaced
// chain or layout is still running, on hot standbys too
// (VdbWaitForEarlierScans).
void IvfWaitForScans(IvfRewriter *rw);

// Appends a whole tuple (its code in place) to the writer's chain, its
// code in a new run when it spans pages, and finishes the chain (writes its
// last image; `next` links it on).
void IvfWriterAdd(IvfRewriter *rw, IvfListWriter *w, const IvfTupleHeader *tuple);
void IvfWriterFinish(IvfRewriter *rw, IvfListWriter *w, BlockNumber next);
IvfListWriter *IvfNewWriter(void);

// The chain's heap TIDs whose rows are dead, sorted (palloc'd, *count).
ItemPointerData *IvfDeadTids(IvfRewriter *rw, BlockNumber first, uint32 *count);
// Walks the chain from `first`, handing `sink` each whole tuple past what `seen`
// says an earlier walk handed (every tuple of a page it did not see), except
// the dead ones, and updates `seen`. Chains only grow at their ends, and
// pages only by appends, while the caller's locks keep VACUUM out.
void IvfCopyChain(IvfRewriter *rw, BlockNumber first, IvfSeenChain *seen, const ItemPointerData *dead,
                  uint32 dead_count, void (*sink)(void *arg, const IvfTupleHeader *tuple), void *arg);
IvfSeenChain *IvfNewSeenChain(void);
// The first block of a list's chain, read under its entry page's share lock.
BlockNumber IvfListFirst(IvfRewriter *rw, uint32 list);
