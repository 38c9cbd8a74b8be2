// Page allocation, page kinds and metapage checks for vector indexes.
#include "index/index_pages.h"
#include "pg/fault.h"

extern "C" {
#include "access/xact.h"
#include "access/xloginsert.h"
#include "storage/buf_internals.h"
#include "storage/lmgr.h"
}

namespace {

// The index this backend builds in unlogged mode, and its file (pg_class's
// relfilenode: the same on every version, where rd_node became rd_locator
// in 16); InvalidOid when none.
Oid unlogged_relid = InvalidOid;
Oid unlogged_file = InvalidOid;

void StopOnAbort(XactEvent event, void *) {
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		VdbStopUnloggedBuild();
}

void StopOnSubAbort(SubXactEvent event, SubTransactionId, SubTransactionId, void *) {
	// A subtransaction aborted inside the build (an index expression's
	// exception block) ends the mode early: later edits are logged one by
	// one, which is merely slower, and Finish logs every page all the same.
	if (event == SUBXACT_EVENT_ABORT_SUB)
		VdbStopUnloggedBuild();
}

}  // namespace

void VdbStartUnloggedBuild(Relation index) {
	static bool registered = false;
	if (!registered) {
		RegisterXactCallback(StopOnAbort, NULL);
		RegisterSubXactCallback(StopOnSubAbort, NULL);
		registered = true;
	}
	unlogged_relid = RelationGetRelid(index);
	unlogged_file = index->rd_rel->relfilenode;
}

void VdbStopUnloggedBuild() { unlogged_relid = InvalidOid; }

void VdbFinishUnloggedBuild(Relation index) {
	VdbStopUnloggedBuild();
	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);
}

bool VdbInUnloggedBuild(Relation index) {
	return OidIsValid(unlogged_relid) && RelationGetRelid(index) == unlogged_relid &&
	       index->rd_rel->relfilenode == unlogged_file;
}

void VdbPageEdit::Abort() {
	if (state_ != NULL)
		GenericXLogAbort(state_);
	else
		elog(ERROR, "an index edit cannot be undone while the index is built");
}

Buffer VdbNewBuffer(Relation index, ForkNumber fork) {
	// Extension is serialised against other processes extending at once,
	// always: even an index that RELATION_IS_LOCAL calls ours (created in
	// this transaction) is extended by parallel build workers, which run the
	// leader's transaction but see the relation as not theirs, and by the
	// leader at the same time. Skipping the lock here when the leader is the
	// one extending let two processes add the same block. The lock is cheap
	// next to writing and logging the page.
	LockRelationForExtension(index, ExclusiveLock);
	Buffer buffer = ReadBufferExtended(index, fork, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
	UnlockRelationForExtension(index, ExclusiveLock);
	VDB_FAULT_POINT("index-extend");
	return buffer;
}

void VdbInitPage(Page page, uint16 kind) {
	PageInit(page, BLCKSZ, sizeof(VdbPageOpaque));
	VdbPageOpaque *opaque = VdbPageGetOpaque(page);
	opaque->page_kind = kind;
	opaque->aux16 = 0;
	opaque->aux = 0;
	((PageHeader) page)->pd_lower = ((PageHeader) page)->pd_upper;
}

void VdbCheckPageKind(Relation index, Page page, BlockNumber block, uint16 kind) {
	if (PageIsNew(page) || VdbPageGetOpaque(page)->page_kind != kind)
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("index \"%s\" contains unexpected page %u", RelationGetRelationName(index), block),
		                errdetail("Expected page kind %u, found %u.", kind,
		                          PageIsNew(page) ? 0 : VdbPageGetOpaque(page)->page_kind)));
}

namespace {

void CheckMetaHeader(Relation index, const VdbMetaHeader *header, uint32 magic, uint32 version, uint32 oldest) {
	if (header->magic != magic)
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("index \"%s\" has a bad metapage", RelationGetRelationName(index)),
		                errdetail("Magic number is 0x%08x, expected 0x%08x.", header->magic, magic)));
	if (header->version > version || header->version < (oldest == 0 ? version : oldest))
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("index \"%s\" has format version %u, expected %u",
		                       RelationGetRelationName(index), header->version, version),
		                errhint("REINDEX the index.")));
}

}  // namespace

void VdbReadMetaPage(Relation index, BlockNumber block, uint16 kind, uint32 magic, uint32 version, void *out,
                     size_t size, uint32 oldest) {
	Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
	Page page = BufferGetPage(buffer);
	VdbCheckPageKind(index, page, block, kind);
	memcpy(out, PageGetContents(page), size);
	UnlockReleaseBuffer(buffer);
	CheckMetaHeader(index, (const VdbMetaHeader *) out, magic, version, oldest);
}

namespace {

// Pins `buffer` if it still holds the index's block (ReadRecentBuffer
// checks the buffer's tag); false, and nothing pinned, if not.
bool PinRecent(Relation index, BlockNumber block, Buffer buffer) {
#if PG_VERSION_NUM >= 160000
	return buffer != InvalidBuffer && ReadRecentBuffer(index->rd_locator, MAIN_FORKNUM, block, buffer);
#else
	return buffer != InvalidBuffer && ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, block, buffer);
#endif
}

// Where VdbReadBuffer last found blocks, direct-mapped by relfilenode and
// block: an insert's linking reads the same few hundred pages again and
// again, and perf on a build past maintenance_work_mem showed a quarter of
// its time in the shared buffer-table lookups. A slot another block took
// over, or a buffer evicted meanwhile, only costs the ordinary read.
struct RecentRead {
	Oid relfilenode;
	BlockNumber block;
	Buffer buffer;
};
constexpr uint32 kRecentReads = 4096;
RecentRead recent_reads[kRecentReads];

}  // namespace

Buffer VdbReadBuffer(Relation index, BlockNumber block, int lock_mode) {
	Oid relfilenode = index->rd_rel->relfilenode;
	RecentRead &recent = recent_reads[(block * 2654435761u ^ relfilenode) % kRecentReads];
	Buffer buffer = recent.relfilenode == relfilenode && recent.block == block ? recent.buffer : InvalidBuffer;
	if (!PinRecent(index, block, buffer)) {
		buffer = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, NULL);
		recent = RecentRead{relfilenode, block, buffer};
	}
	LockBuffer(buffer, lock_mode);
	return buffer;
}

void VdbBufferHints::Prepare(Relation index, BlockNumber blocks) {
	if (relfilenode != index->rd_rel->relfilenode) {
		relfilenode = index->rd_rel->relfilenode;
		recent.assign(recent.size(), InvalidBuffer);
	}
	if (recent.size() < blocks)
		recent.resize(blocks + blocks / 4, InvalidBuffer);
}

void VdbPrefetchHinted(const VdbBufferHints *hints, BlockNumber block, uint32 offset, size_t bytes) {
	if (hints == NULL || block >= hints->recent.size())
		return;
	Buffer buffer = hints->recent[block];
	if (buffer == InvalidBuffer || BufferIsLocal(buffer))
		return;
	__builtin_prefetch(GetBufferDescriptor(buffer - 1), 1);
	const char *data = BufferGetPage(buffer) + offset;
	for (size_t done = 0; done < bytes; done += 64)
		__builtin_prefetch(data + done);
}

Buffer VdbReadHinted(Relation index, BlockNumber block, VdbBufferHints *hints) {
	if (hints == NULL || block >= hints->recent.size())
		return VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
	Buffer buffer = hints->recent[block];
	if (!PinRecent(index, block, buffer)) {
		buffer = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, NULL);
		hints->recent[block] = buffer;
	}
	LockBuffer(buffer, BUFFER_LOCK_SHARE);
	return buffer;
}
