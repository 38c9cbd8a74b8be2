// vector_db_index_check for ivfflat and ivf: the metapage (magic, version,
// geometry), the quantizer state (decodes, code size matches), every
// centroid page, every list's chain (data pages only, each in one chain at
// most once, counts within capacity, valid heap TIDs, rows matching the
// list's entry) and, on request, that every live heap row is indexed.
// The first violation raises ERROR with SQLSTATE XX002.
#include "ivf/ivf.h"

#include "index/index_check.h"
#include "pg/cpp_boundary.h"

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

// Walks one list's chain; appends its TIDs to `tids`.
void CheckList(Relation index, const IvfMetaPageData &meta, uint32 list, const IvfListEntry &entry,
               BlockNumber first_data, std::vector<bool> &seen, std::vector<ItemPointerData> &tids) {
	BlockNumber nblocks = BlockNumber(seen.size());
	uint64 rows = 0;
	bool insert_found = !BlockNumberIsValid(entry.insert);
	for (BlockNumber block = entry.first; BlockNumberIsValid(block);) {
		CHECK_FOR_INTERRUPTS();
		if (block >= nblocks || block < first_data)
			Corrupted(index, list, "chain points outside the data pages", block);
		if (seen[block])
			Corrupted(index, list, "data page reached twice", block);
		seen[block] = true;
		insert_found = insert_found || block == entry.insert;
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(index, page, block, IVF_PAGE_DATA);
		IvfDataHeader *header = IvfPageHeader(page);
		if (header->count > meta.tuples_per_page)
			Corrupted(index, list, "page holds more tuples than fit", header->count);
		for (uint32 i = 0; i < header->count; i++) {
			ItemPointerData tid = IvfPageTuple(page, meta, i)->tid;
			if (!ItemPointerIsValid(&tid))
				Corrupted(index, list, "tuple with an invalid heap TID on page", block);
			vdb::RunCpp("ivf check", [&] { tids.push_back(tid); });
		}
		rows += header->count;
		block = header->next;
		UnlockReleaseBuffer(buffer);
	}
	if (!insert_found)
		Corrupted(index, list, "insert page not in the list's chain", entry.insert);
	if (rows != entry.rows)
		Corrupted(index, list, "row count differs from the tuples on its pages", entry.rows);
}

}  // namespace

void IvfCheckIndex(Relation index, Relation heap, bool heap_all_indexed) {
	// Read from the pages, not the cache: the state pages are checked too.
	IvfIndexState *state = IvfLoadIndexState(index);
	MemoryContextCallback *cleanup = (MemoryContextCallback *) palloc(sizeof(MemoryContextCallback));
	cleanup->func = [](void *arg) { delete (IvfIndexState *) arg; };
	cleanup->arg = state;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cleanup);
	const IvfMetaPageData &meta = state->meta;
	if (meta.lists == 0 || meta.lists > IVF_MAX_LISTS)
		Corrupted(index, 0, "impossible list count", meta.lists);
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	BlockNumber centroid_pages = (meta.lists + meta.entries_per_page - 1) / meta.entries_per_page;
	if (meta.centroid_start + centroid_pages > nblocks)
		Corrupted(index, 0, "centroid pages beyond the end of the index", meta.centroid_start);
	std::vector<bool> seen;
	std::vector<ItemPointerData> tids;
	vdb::RunCpp("ivf check", [&] { seen.assign(nblocks, false); });
	for (uint32 list = 0; list < meta.lists; list++) {
		Buffer buffer = VdbReadBuffer(index, IvfEntryBlock(meta, list), BUFFER_LOCK_SHARE);
		IvfListEntry entry = *IvfPageEntry(BufferGetPage(buffer), meta, list);
		UnlockReleaseBuffer(buffer);
		CheckList(index, meta, list, entry, meta.centroid_start + centroid_pages, seen, tids);
	}
	if (heap_all_indexed)
		VdbCheckHeapAllIndexed(index, heap, state->coder.metric(), tids);
}
