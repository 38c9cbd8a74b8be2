// vector_db_index_check for ivfflat and ivf: the metapage (magic, version,
// geometry), the quantizer state (decodes, code size matches), every
// centroid page, every list's chain (data pages only, each in one chain at
// most once, counts within capacity and valid heap TIDs: vdb::CheckIvfDataPage,
// before any tuple is read; rows matching the list's entry) and, for
// heapallindexed, collects the heap TIDs. The first violation raises XX002.
//
// A list's entry page stays share-locked while its chain is walked: inserts
// into the list take it exclusively, so the entry's row count and the pages
// agree. VACUUM, which changes pages before the count, is kept out by the
// table lock the dispatch takes. Chains of other lists may grow meanwhile,
// onto blocks past the end the check started with.
//
// The pending area (fastupdate, ivf_pending.cpp) is checked first, with
// merges kept out (the merge lock, shared) for the whole check, so that no
// row moves from the area to a list meanwhile: its chain (pending pages
// only, in no list's chain, as many as the metapage counts up to the tail
// it names), each page's count and flags, and the heap TIDs of the rows
// still pending. Inserts may append to it meanwhile.
//
// Codes and pending elements that span pages (ivf_run.cpp) are checked as
// chains are: each run page of its kind, reached from one tuple only, and
// the run as long as the code or element.
//
// Every array lives in palloc'd memory and no C++ object with a destructor
// is alive here: an XX002 (a longjmp) may leave from any point.
#include "ivf/ivf.h"

extern "C" {
#include "miscadmin.h"
#include "utils/memutils.h"
}

namespace {

void Corrupted(Relation index, uint32 list, const char *what, uint32 value) {
	ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
	                errmsg("ivf index \"%s\" is corrupted", RelationGetRelationName(index)),
	                errdetail("List %u: %s (%u).", list, what, value)));
}

struct Check {
	Relation index;
	const IvfMetaPageData *meta;
	BlockNumber nblocks;  // of `seen`
	bool *seen;           // per block: in a chain already
	VdbIndexedTids *indexed;
};

// Marks a block of a chain; the problem when there is one.
const char *Mark(Check &c, BlockNumber block) {
	if (block >= c.nblocks) {
		BlockNumber now = RelationGetNumberOfBlocks(c.index);
		if (block < now) {
			c.seen = (bool *) repalloc(c.seen, now * sizeof(bool));
			memset(c.seen + c.nblocks, 0, (now - c.nblocks) * sizeof(bool));
			c.nblocks = now;
		}
	}
	if (block >= c.nblocks || IvfIsLayoutPage(*c.meta, block))
		return "chain points outside the data pages";
	if (c.seen[block])
		return "data page reached twice";
	c.seen[block] = true;
	return NULL;
}

// Checks the run a tuple refers to (ivf_run.cpp): `expected` bytes on run
// pages, none reached before by any chain or run. The problem, and the
// block, when there is one.
const char *CheckRun(Check &c, const IvfRunRef &ref, uint32 expected, BlockNumber *where) {
	*where = ref.first;
	if (ref.bytes != expected)
		return "element run of the wrong length";
	for (BlockNumber i = 0; i < IvfStreamPages(ref.bytes); i++) {
		*where = ref.first + i;
		if (const char *problem = Mark(c, ref.first + i))
			return problem;
		Buffer buffer = VdbReadBuffer(c.index, ref.first + i, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		bool run = !PageIsNew(page) && VdbPageGetOpaque(page)->page_kind == IVF_PAGE_RUN;
		UnlockReleaseBuffer(buffer);
		if (!run)
			return "element run page of another kind";
	}
	return NULL;
}

// Marks a block of list `list`'s chain.
void See(Check &c, uint32 list, BlockNumber block) {
	if (const char *problem = Mark(c, block))
		Corrupted(c.index, list, problem, block);
}

void CheckList(Check &c, uint32 list) {
	const IvfMetaPageData &meta = *c.meta;
	vdb::IvfPageShape shape = IvfShape(meta);
	BlockNumber entry_block = IvfEntryBlock(meta, list);
	Buffer entry_buffer = VdbReadBuffer(c.index, entry_block, BUFFER_LOCK_SHARE);
	VdbCheckPageKind(c.index, BufferGetPage(entry_buffer), entry_block, IVF_PAGE_CENTROID);
	IvfListEntry entry = *IvfPageEntry(BufferGetPage(entry_buffer), meta, list);
	uint64 rows = 0;
	bool insert_found = !BlockNumberIsValid(entry.insert);
	for (BlockNumber block = entry.first; BlockNumberIsValid(block);) {
		CHECK_FOR_INTERRUPTS();
		See(c, list, block);
		insert_found = insert_found || block == entry.insert;
		Buffer buffer = VdbReadBuffer(c.index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(c.index, page, block, IVF_PAGE_DATA);
		vdb::PageFinding problem = vdb::CheckIvfDataPage((const uint8_t *) page, BLCKSZ, shape);
		if (problem)
			ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
			                errmsg("ivf index \"%s\" is corrupted", RelationGetRelationName(c.index)),
			                errdetail("List %u, page %u: %s (%u).", list, block, problem.what, problem.value)));
		IvfDataHeader *header = IvfPageHeader(page);
		if (c.indexed != NULL)
			for (uint32 i = 0; i < header->count; i++)
				VdbAddIndexedTid(c.indexed, IvfPageTuple(page, meta, i)->tid);
		for (uint32 i = 0; IvfCodeInRun(meta) && i < header->count; i++) {
			BlockNumber where;
			if (const char *problem = CheckRun(c, *IvfTupleRun(IvfPageTuple(page, meta, i)), meta.code_size, &where))
				Corrupted(c.index, list, problem, where);
		}
		rows += header->count;
		block = header->next;
		UnlockReleaseBuffer(buffer);
	}
	UnlockReleaseBuffer(entry_buffer);
	if (!insert_found)
		Corrupted(c.index, list, "insert page not in the list's chain", entry.insert);
	if (rows != entry.rows)
		Corrupted(c.index, list, "row count differs from the tuples on its pages", entry.rows);
}

void PendingCorrupted(Relation index, BlockNumber block, const char *what, uint32 value) {
	ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
	                errmsg("ivf index \"%s\" is corrupted", RelationGetRelationName(index)),
	                errdetail("Pending area, page %u: %s (%u).", block, what, value)));
}

void CheckPending(Check &c, const vdb::ElementMetric &metric) {
	IvfMetaPageData meta = IvfReadMeta(c.index);  // fresh: the area's fields change
	IvfPendingShape shape = IvfPendingShapeOf(uint32(metric.bytes), meta.filter_columns);
	if (meta.pending_head == 0) {
		if (meta.pending_tail != 0 || meta.pending_pages != 0)
			PendingCorrupted(c.index, 0, "empty area with pages counted", meta.pending_pages);
		return;
	}
	uint32 pages = 0;
	bool tail_found = false;
	for (BlockNumber block = meta.pending_head; BlockNumberIsValid(block);) {
		CHECK_FOR_INTERRUPTS();
		if (const char *problem = Mark(c, block))
			PendingCorrupted(c.index, block, problem, block);
		if (!tail_found)
			pages++;
		tail_found = tail_found || block == meta.pending_tail;
		Buffer buffer = VdbReadBuffer(c.index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(c.index, page, block, IVF_PAGE_PENDING);
		IvfDataHeader *header = IvfPageHeader(page);
		if (header->count > shape.per_page)
			PendingCorrupted(c.index, block, "more tuples than fit", header->count);
		for (uint32 i = 0; i < header->count; i++) {
			IvfTupleHeader *tuple = IvfPendingTuple(page, shape, i);
			if ((tuple->flags & ~IVF_PENDING_GONE) != 0)
				PendingCorrupted(c.index, block, "unknown tuple flags", tuple->flags);
			if (tuple->flags & IVF_PENDING_GONE)
				continue;
			if (!ItemPointerIsValid(&tuple->tid))
				PendingCorrupted(c.index, block, "invalid heap TID in tuple", i);
			BlockNumber where;
			if (shape.in_run)
				if (const char *problem =
				        CheckRun(c, *(const IvfRunRef *) IvfPendingElement(tuple), shape.element_bytes, &where))
					PendingCorrupted(c.index, block, problem, where);
			if (c.indexed != NULL)
				VdbAddIndexedTid(c.indexed, tuple->tid);
		}
		block = header->next;
		UnlockReleaseBuffer(buffer);
	}
	if (!tail_found)
		PendingCorrupted(c.index, meta.pending_tail, "tail not in the chain", meta.pending_tail);
	if (pages != meta.pending_pages)
		PendingCorrupted(c.index, meta.pending_head, "pages differ from the metapage's count", meta.pending_pages);
}

}  // namespace

void IvfCheckIndex(Relation index, VdbIndexedTids *indexed) {
	// Read from the pages, not the cache: the state pages are checked too.
	IvfIndexState *state = IvfLoadIndexState(index);
	MemoryContextCallback *cleanup = (MemoryContextCallback *) palloc(sizeof(MemoryContextCallback));
	cleanup->func = [](void *arg) { delete (IvfIndexState *) arg; };
	cleanup->arg = state;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cleanup);
	const IvfMetaPageData &meta = state->meta;
	if (indexed != NULL)
		indexed->metric = state->coder.metric();
	Check c{};
	c.index = index;
	c.meta = &meta;
	c.indexed = indexed;
	c.nblocks = RelationGetNumberOfBlocks(index);
	if (uint64(meta.centroid_start) + IvfCentroidPages(meta) > c.nblocks)
		Corrupted(index, 0, "centroid pages beyond the end of the index", meta.centroid_start);
	c.seen = (bool *) palloc0(Max(c.nblocks, 1) * sizeof(bool));
	IvfLockMerges(index, ShareLock);
	CheckPending(c, state->coder.metric());
	for (uint32 list = 0; list < meta.lists; list++)
		CheckList(c, list);
	IvfUnlockMerges(index, ShareLock);
	pfree(c.seen);
}
