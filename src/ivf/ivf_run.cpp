// Element runs (ivf_pages.h): a list code or a pending element too long for
// a tuple on one page, laid end to end over consecutive IVF_PAGE_RUN blocks
// that the tuple refers to (IvfRunRef). The byte layout is the one HNSW's
// vector stream uses past its graph page (VdbForEachSpanPiece), and the
// quantizer state pages' too.
//
// Lock protocol: a run is written whole before any tuple refers to it (its
// own full-page WAL records: at most 4 pages fit one GenericXLog record,
// and 16,000 float32 dimensions take 8), so nothing reaches a half-written
// run, and a crash before the tuple is written leaks the run until the
// index is rebuilt. Readers hold the page of the tuple that refers to it
// locked while they read the run; whoever removes the tuple (VACUUM, a
// merge, a rewriter retiring a chain) holds that page exclusively or waits
// for earlier scans first, and only then frees the run. Free pages are
// reused only by the rewriter (ivf_rewrite.cpp), whose runs come from
// IvfTakeRun.
#include "ivf/ivf.h"

extern "C" {
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
}

namespace {

VdbSpanPos StreamStart(BlockNumber first) { return VdbSpanPos{first, VDB_PAGE_DATA_OFFSET, VDB_PAGE_DATA_SIZE}; }

}  // namespace

uint32 IvfStreamPages(uint32 bytes) { return (bytes + VDB_PAGE_DATA_SIZE - 1) / VDB_PAGE_DATA_SIZE; }

void IvfFillStreamPage(Page page, BlockNumber i, uint16 kind, const void *bytes, uint32 size) {
	VdbInitPage(page, kind);
	uint32 done = i * VDB_PAGE_DATA_SIZE;
	memcpy((char *) page + VDB_PAGE_DATA_OFFSET, (const char *) bytes + done, Min(size - done, VDB_PAGE_DATA_SIZE));
}

void IvfInitRunPage(Page page, BlockNumber i, void *arg) {
	const IvfRunSource *source = (const IvfRunSource *) arg;
	IvfFillStreamPage(page, i, source->kind, source->bytes, source->size);
}

BlockNumber IvfExtendRun(Relation index, BlockNumber pages, void (*init)(Page page, BlockNumber i, void *arg),
                         void *arg, bool logged) {
	// The extension lock (which VdbNewBuffer takes again, as its holder may)
	// keeps other backends from extending between the run's blocks.
	BlockNumber first = InvalidBlockNumber;
	LockRelationForExtension(index, ExclusiveLock);
	for (BlockNumber i = 0; i < pages; i++) {
		Buffer buffer = VdbNewBuffer(index, MAIN_FORKNUM);
		if (i == 0)
			first = BufferGetBlockNumber(buffer);
		if (logged) {
			VdbPageEdit edit(index);
			init(edit.Register(buffer, true), i, arg);
			edit.Finish();
		} else {
			init(BufferGetPage(buffer), i, arg);
			MarkBufferDirty(buffer);
		}
		UnlockReleaseBuffer(buffer);
	}
	UnlockRelationForExtension(index, ExclusiveLock);
	return first;
}

IvfRunRef IvfWriteRun(Relation index, const void *bytes, uint32 size, bool logged) {
	IvfRunSource source{bytes, size, IVF_PAGE_RUN};
	return IvfRunRef{IvfExtendRun(index, IvfStreamPages(size), IvfInitRunPage, &source, logged), size};
}

void IvfReadStream(Relation index, BlockNumber first, uint32 bytes, uint16 kind, void *dst, VdbBufferHints *hints) {
	VdbForEachSpanPiece(StreamStart(first), bytes, [&](VdbSpanPos pos, uint32 piece, uint32 done) {
		Buffer buffer = VdbReadHinted(index, pos.block, hints);
		VdbCheckPageKind(index, BufferGetPage(buffer), pos.block, kind);
		memcpy((char *) dst + done, BufferGetPage(buffer) + pos.offset, piece);
		UnlockReleaseBuffer(buffer);
	});
}

void IvfReadRun(Relation index, const IvfRunRef &ref, uint32 expected, void *dst, VdbBufferHints *hints) {
	if (ref.bytes != expected || !BlockNumberIsValid(ref.first))
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("ivf index \"%s\" is corrupted", RelationGetRelationName(index)),
		                errdetail("Element run at block %u holds %u bytes, expected %u.", ref.first, ref.bytes,
		                          expected)));
	IvfReadStream(index, ref.first, ref.bytes, IVF_PAGE_RUN, dst, hints);
}

void IvfFreeRun(Relation index, const IvfRunRef &ref) {
	for (BlockNumber i = 0; i < IvfStreamPages(ref.bytes); i++) {
		Buffer buffer = VdbReadBuffer(index, ref.first + i, BUFFER_LOCK_EXCLUSIVE);
		VdbCheckPageKind(index, BufferGetPage(buffer), ref.first + i, IVF_PAGE_RUN);
		VdbPageEdit edit(index);
		Page copy = edit.Register(buffer);
		IvfInitDataPage(copy);
		VdbPageGetOpaque(copy)->page_kind = IVF_PAGE_FREE;
		edit.Finish();
		UnlockReleaseBuffer(buffer);
		RecordFreeIndexPage(index, ref.first + i);
	}
}

const uint8 *IvfTupleCode(Relation index, const IvfMetaPageData &meta, const IvfTupleHeader *tuple, uint8 *scratch,
                          VdbBufferHints *hints) {
	if (!IvfCodeInRun(meta))
		return IVF_TUPLE_CODE(tuple);
	IvfReadRun(index, *IvfTupleRun(tuple), meta.code_size, scratch, hints);
	return scratch;
}

void IvfStoreTuple(Relation index, const IvfMetaPageData &meta, const IvfTupleHeader *whole, IvfTupleHeader *stored,
                   bool logged) {
	if (!IvfCodeInRun(meta)) {
		memcpy(stored, whole, meta.tuple_size);
		return;
	}
	*stored = *whole;
	IvfRunRef ref = IvfWriteRun(index, IVF_TUPLE_CODE(whole), meta.code_size, logged);
	memcpy(IVF_TUPLE_CODE(stored), &ref, sizeof ref);
	memcpy(IvfTupleWords(meta, stored), IvfWholeTupleWords(meta, whole), 8 * size_t(meta.filter_columns));
}
