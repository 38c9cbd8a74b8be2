// Page operations shared by the ivf callbacks: the metapage, quantizer state,
// centroid entries, and appending a tuple to a list.
#include "ivf/ivf.h"

#include <cfloat>
#include <memory>

#include "pg/cpp_boundary.h"

extern "C" {
#include "miscadmin.h"
#include "utils/timestamp.h"
}

namespace {

void Corrupted(Relation index, const char *detail) {
	ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
	                errmsg("ivf index \"%s\" is corrupted", RelationGetRelationName(index)), errdetail("%s", detail)));
}

}  // namespace

IvfMetaPageData IvfMakeMeta(const VdbIndexMetric &metric, vdb::IvfQuantizer quantizer, uint32 lists,
                            uint32 code_size, int filter_columns) {
	vdb::ElementMetric element = VdbElementMetric(metric);
	IvfMetaPageData meta;
	memset(&meta, 0, sizeof meta);
	meta.header = VdbMetaHeader{IVF_MAGIC, IVF_VERSION};
	meta.dims = uint32(metric.dims);
	meta.element_type = uint8(metric.type);
	meta.metric_kind = uint8(metric.kind);
	meta.quantizer = uint8(quantizer);
	meta.lists = lists;
	meta.code_size = code_size;
	meta.filter_columns = uint8(filter_columns);
	// Parts too long for a page span pages (ivf_pages.h): codes and pending
	// elements in runs, centroids in the state pages. The filter words stay
	// in the tuple, where a scan tests them before reading a run.
	meta.tuple_size = (IvfCodeInRun(meta) ? IvfCodeTupleSize(sizeof(IvfRunRef)) : IvfCodeTupleSize(code_size)) +
	                  8 * uint32(filter_columns);
	meta.tuples_per_page = IVF_DATA_CAPACITY / meta.tuple_size;
	meta.entry_size = uint32(sizeof(IvfListEntry) + TYPEALIGN(4, element.bytes));
	if (meta.entry_size > VDB_PAGE_DATA_SIZE)
		meta.entry_size = sizeof(IvfListEntry);
	meta.entries_per_page = VDB_PAGE_DATA_SIZE / meta.entry_size;
	meta.state_start = IVF_METAPAGE_BLKNO + 1;
	meta.centroid_start = meta.state_start;
	meta.flags = IVF_META_COUNTS_INSERTS | IVF_META_SMALL_LABELS;
	return meta;
}

// The core validates data pages by these offsets (core/ivf/page_check.h).
static_assert(offsetof(IvfDataHeader, count) == vdb::IvfPageField::kCount &&
                  sizeof(IvfDataHeader) == vdb::IvfPageField::kHeaderBytes,
              "data page layout");
static_assert(offsetof(IvfTupleHeader, tid) + offsetof(ItemPointerData, ip_posid) == vdb::IvfPageField::kTidOffset &&
                  sizeof(IvfTupleHeader) == vdb::IvfPageField::kTupleHeaderBytes,
              "tuple layout");

vdb::IvfPageShape IvfShape(const IvfMetaPageData &meta) {
	return vdb::IvfPageShape{VDB_PAGE_DATA_OFFSET, VDB_PAGE_DATA_END, meta.tuple_size, meta.tuples_per_page};
}

IvfMetaPageData IvfReadMeta(Relation index) {
	IvfMetaPageData meta;
	VdbReadMetaPage(index, IVF_METAPAGE_BLKNO, IVF_PAGE_META, IVF_MAGIC, IVF_VERSION, &meta, sizeof meta);
	// Every reader computes page offsets from these (in 64 bits: they may be anything).
	if (vdb::CheckIvfPageShape(IvfShape(meta), BLCKSZ) ||
	    meta.tuple_size < sizeof(IvfTupleHeader) + (IvfCodeInRun(meta) ? sizeof(IvfRunRef) : uint64(meta.code_size)) +
	                          8 * uint64(meta.filter_columns) ||
	    meta.entries_per_page == 0 ||
	    meta.entry_size < sizeof(IvfListEntry) || uint64(meta.entries_per_page) * meta.entry_size > VDB_PAGE_DATA_SIZE ||
	    meta.lists == 0 || meta.lists > IVF_MAX_LISTS)
		Corrupted(index, "Metapage geometry is impossible.");
	return meta;
}

vdb::ElementMetric IvfMetric(const IvfMetaPageData &meta) {
	vdb::ElementMetric metric;
	vdb::RunCpp("ivf metric", [&] {
		metric = vdb::MakeElementMetric(vdb::ElementType(meta.element_type), vdb::MetricKind(meta.metric_kind),
		                                meta.dims);
	});
	return metric;
}

namespace {

// The quantizer state bytes, palloc'd (none for flat lists).
char *ReadStateBytes(Relation index, const IvfMetaPageData &meta) {
	char *bytes = (char *) palloc(Max(meta.state_bytes, 1));
	IvfReadStream(index, meta.state_start, meta.state_bytes, IVF_PAGE_STATE, bytes, NULL);
	return bytes;
}

// Every list's centroid in the column's encoding, entry order, palloc'd:
// from the entries, or from the end of the state bytes.
char *ReadCentroidBytes(Relation index, const IvfMetaPageData &meta, size_t element_bytes, const char *state_bytes) {
	char *out = (char *) palloc(Max(size_t(meta.lists) * element_bytes, 1));
	if (IvfCentroidsInState(meta)) {
		size_t bytes = size_t(meta.lists) * element_bytes;
		memcpy(out, state_bytes + meta.state_bytes - bytes, bytes);
		return out;
	}
	for (uint32 list = 0; list < meta.lists;) {
		BlockNumber block = IvfEntryBlock(meta, list);
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(index, page, block, IVF_PAGE_CENTROID);
		for (; list < meta.lists && IvfEntryBlock(meta, list) == block; list++)
			memcpy(out + size_t(list) * element_bytes, IVF_ENTRY_CENTROID(IvfPageEntry(page, meta, list)),
			       element_bytes);
		UnlockReleaseBuffer(buffer);
	}
	return out;
}

}  // namespace

// Reads the pages first (they may raise errors), then builds the C++ state in
// one RunCpp, so no C++ object is alive while Postgres may longjmp.
IvfIndexState *IvfLoadIndexState(Relation index) {
	IvfMetaPageData meta = IvfReadMeta(index);
	vdb::ElementMetric metric = IvfMetric(meta);
	uint64 centroids_in_state = IvfCentroidsInState(meta) ? uint64(meta.lists) * metric.bytes : 0;
	if ((centroids_in_state == 0 && meta.entry_size < sizeof(IvfListEntry) + uint64(metric.bytes)) ||
	    centroids_in_state > meta.state_bytes)
		Corrupted(index, "Metapage geometry is impossible.");
	uint32 coder_bytes = meta.state_bytes - uint32(centroids_in_state);
	char *state_bytes = ReadStateBytes(index, meta);
	char *centroid_bytes = ReadCentroidBytes(index, meta, metric.bytes, state_bytes);
	IvfIndexState *state = NULL;
	char problem[256] = "";
	vdb::RunCpp("ivf index load", [&] {
		std::unique_ptr<IvfIndexState> loaded(new IvfIndexState());
		loaded->meta = meta;
		vdb::Status status = vdb::IvfCoder::Load(vdb::IvfQuantizer(meta.quantizer), metric,
		                                         (const uint8_t *) state_bytes, coder_bytes, &loaded->coder);
		if (!status.ok()) {
			strlcpy(problem, status.message.c_str(), sizeof problem);
			return;
		}
		if (loaded->coder.code_size() != meta.code_size) {
			strlcpy(problem, "Quantizer code size differs from the metapage's.", sizeof problem);
			return;
		}
		IvfCentroids &c = loaded->centroids;
		c.elements.assign(centroid_bytes, centroid_bytes + size_t(meta.lists) * metric.bytes);
		if (loaded->coder.kind() != vdb::IvfQuantizer::kFlat) {
			c.floats.resize(size_t(meta.lists) * meta.dims);
			for (size_t list = 0; list < meta.lists; list++)
				loaded->coder.ToQuantizerInput(&c.elements[list * metric.bytes], &c.floats[list * meta.dims]);
		}
		state = loaded.release();
	});
	pfree(state_bytes);
	pfree(centroid_bytes);
	if (state == NULL)
		Corrupted(index, problem);
	return state;
}

BlockNumber IvfStatePages(const IvfMetaPageData &meta) { return IvfStreamPages(meta.state_bytes); }

uint32 IvfStateBytes(const IvfMetaPageData &meta, size_t coder_bytes, size_t element_bytes) {
	return uint32(coder_bytes + (IvfCentroidsInState(meta) ? size_t(meta.lists) * element_bytes : 0));
}

char *IvfStateStream(const IvfMetaPageData &meta, const std::vector<uint8_t> &coder, const IvfCentroids &centroids) {
	char *bytes = (char *) palloc(Max(meta.state_bytes, 1));
	memcpy(bytes, coder.data(), coder.size());
	if (IvfCentroidsInState(meta))
		memcpy(bytes + coder.size(), centroids.elements.data(), meta.state_bytes - coder.size());
	return bytes;
}

BlockNumber IvfCentroidPages(const IvfMetaPageData &meta) {
	return (meta.lists + meta.entries_per_page - 1) / meta.entries_per_page;
}

bool IvfIsLayoutPage(const IvfMetaPageData &meta, BlockNumber block) {
	return block == IVF_METAPAGE_BLKNO ||
	       (block >= meta.state_start && block - meta.state_start < IvfStatePages(meta)) ||
	       (block >= meta.centroid_start && block - meta.centroid_start < IvfCentroidPages(meta));
}

BlockNumber IvfEntryBlock(const IvfMetaPageData &meta, uint32 list) {
	return meta.centroid_start + list / meta.entries_per_page;
}

IvfListEntry *IvfPageEntry(Page page, const IvfMetaPageData &meta, uint32 list) {
	return (IvfListEntry *) ((char *) page + VDB_PAGE_DATA_OFFSET + (list % meta.entries_per_page) * meta.entry_size);
}

uint32 IvfNearestList(const vdb::ElementMetric &metric, const IvfCentroids &centroids, uint32 lists,
                      const void *element) {
	uint32 best = 0;
	float best_distance = FLT_MAX;
	for (uint32 list = 0; list < lists; list++) {
		float d = metric.Distance(element, &centroids.elements[size_t(list) * metric.bytes]);
		if (d < best_distance) {
			best_distance = d;
			best = list;
		}
	}
	return best;
}

void IvfInitDataPage(Page page) {
	VdbInitPage(page, IVF_PAGE_DATA);
	IvfDataHeader *header = IvfPageHeader(page);
	header->next = InvalidBlockNumber;
	header->count = 0;
}

// Holds the metapage shared (the rebalance switches layouts under its
// exclusive lock), then `from`'s pending page exclusively (a merge; after
// the metapage, the order of ivf_pending.cpp), then the list's centroid page
// exclusively, which serialises inserts into the list; walks from the insert
// page to the first with room, or links a new page at the end of the chain.
// One GenericXLog record, of four pages at most: the entry page, two data
// pages, and `from`'s pending page. A code that spans pages is written to
// its run first, in records of its own, and freed again when the tuple is
// not added after all.
bool IvfAppendTuple(Relation index, const IvfMetaPageData &meta, uint32 list, ItemPointer tid, const uint8 *code,
                    const uint64 *words, bool fits, IvfPendingSlot *from) {
	IvfRunRef run{InvalidBlockNumber, 0};
	if (IvfCodeInRun(meta)) {
		run = IvfWriteRun(index, code, meta.code_size, true);
		code = (const uint8 *) &run;
	}
	Buffer meta_buffer = VdbReadBuffer(index, IVF_METAPAGE_BLKNO, BUFFER_LOCK_SHARE);
	if (((IvfMetaPageData *) PageGetContents(BufferGetPage(meta_buffer)))->generation != meta.generation) {
		UnlockReleaseBuffer(meta_buffer);
		if (BlockNumberIsValid(run.first))
			IvfFreeRun(index, run);
		return false;
	}
	Buffer pending_buffer = InvalidBuffer;
	if (from != NULL) {
		pending_buffer = VdbReadBuffer(index, from->block, BUFFER_LOCK_EXCLUSIVE);
		VdbCheckPageKind(index, BufferGetPage(pending_buffer), from->block, IVF_PAGE_PENDING);
		// VACUUM may have flagged it since (its row is dead): leave it.
		from->moved =
			(IvfPendingTuple(BufferGetPage(pending_buffer), *from->shape, from->slot)->flags & IVF_PENDING_GONE) == 0;
		if (!from->moved) {
			UnlockReleaseBuffer(pending_buffer);
			UnlockReleaseBuffer(meta_buffer);
			if (BlockNumberIsValid(run.first))
				IvfFreeRun(index, run);
			return true;
		}
	}
	BlockNumber entry_block = IvfEntryBlock(meta, list);
	Buffer entry_buffer = VdbReadBuffer(index, entry_block, BUFFER_LOCK_EXCLUSIVE);
	VdbCheckPageKind(index, BufferGetPage(entry_buffer), entry_block, IVF_PAGE_CENTROID);
	IvfListEntry entry = *IvfPageEntry(BufferGetPage(entry_buffer), meta, list);

	Buffer buffer = InvalidBuffer;
	BlockNumber block = BlockNumberIsValid(entry.insert) ? entry.insert : entry.first;
	while (BlockNumberIsValid(block)) {
		buffer = VdbReadBuffer(index, block, BUFFER_LOCK_EXCLUSIVE);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(index, page, block, IVF_PAGE_DATA);
		IvfDataHeader *header = IvfPageHeader(page);
		if (header->count < meta.tuples_per_page || !BlockNumberIsValid(header->next))
			break;
		block = header->next;
		UnlockReleaseBuffer(buffer);
		buffer = InvalidBuffer;
	}

	VdbPageEdit edit(index);
	Page entry_page = edit.Register(entry_buffer);
	IvfListEntry *e = IvfPageEntry(entry_page, meta, list);
	Buffer fresh = InvalidBuffer;
	Page target;
	if (BufferIsValid(buffer) && IvfPageHeader(BufferGetPage(buffer))->count < meta.tuples_per_page) {
		target = edit.Register(buffer);
	} else {
		// An empty list, or every page full: a new page at the end.
		fresh = VdbNewBuffer(index, MAIN_FORKNUM);
		target = edit.Register(fresh, true);
		IvfInitDataPage(target);
		block = BufferGetBlockNumber(fresh);
		if (BufferIsValid(buffer))
			IvfPageHeader(edit.Register(buffer))->next = block;
		else
			e->first = block;
	}
	IvfDataHeader *header = IvfPageHeader(target);
	IvfTupleHeader *tuple = IvfPageTuple(target, meta, header->count);
	tuple->tid = *tid;
	tuple->flags = 0;
	memcpy(IVF_TUPLE_CODE(tuple), code, IvfCodeInRun(meta) ? sizeof(IvfRunRef) : meta.code_size);
	memcpy(IvfTupleWords(meta, tuple), words, 8 * size_t(meta.filter_columns));
	header->count++;
	e->insert = block;
	e->rows++;
	// Rows added since training, and those of them that did not fit the
	// quantizer's range, for vector_db_index_stats and the rebalance's
	// rules: the page is in this record already, so counting costs nothing
	// more.
	VdbPageOpaque *counts = VdbPageGetOpaque(entry_page);
	if (counts->aux < PG_UINT32_MAX)
		counts->aux++;
	if (!fits && counts->aux16 < PG_UINT16_MAX)
		counts->aux16++;
	if (from != NULL)
		IvfPendingTuple(edit.Register(pending_buffer), *from->shape, from->slot)->flags |= IVF_PENDING_GONE;
	edit.Finish();
	if (BufferIsValid(fresh))
		UnlockReleaseBuffer(fresh);
	if (BufferIsValid(buffer))
		UnlockReleaseBuffer(buffer);
	UnlockReleaseBuffer(entry_buffer);
	if (BufferIsValid(pending_buffer)) {
		// The row has left the pending area: so has its element's run.
		IvfFreePendingRun(index, *from->shape,
		                  IvfPendingTuple(BufferGetPage(pending_buffer), *from->shape, from->slot));
		UnlockReleaseBuffer(pending_buffer);
	}
	UnlockReleaseBuffer(meta_buffer);
	return true;
}

void IvfWriteLayout(Page meta_page, const IvfMetaPageData &layout) {
	IvfMetaPageData *now = (IvfMetaPageData *) PageGetContents(meta_page);
	IvfMetaPageData written = layout;
	written.pending_head = now->pending_head;
	written.pending_tail = now->pending_tail;
	written.pending_pages = now->pending_pages;
	written.last_merge = now->last_merge;
	written.last_compaction = now->last_compaction;
	written.last_rebalance = now->last_rebalance;
	memcpy(now, &written, sizeof written);
}

void IvfStampMeta(Page meta_page, TimestampTz IvfMetaPageData::*field) {
	((IvfMetaPageData *) PageGetContents(meta_page))->*field = GetCurrentTimestamp();
}
