// The pending area of an hnsw index (fastupdate) and its merge.
//
// An insert with fastupdate on does the cheap half of an insert only: under
// the append lock (HNSW_APPEND_LOCK_BLKNO, not the graph write lock), for a
// few page writes and no search, it appends its node at the end of the ids
// (element, TID, a drawn level) and leaves it unlinked. The last meta.pending_span ids are the pending area. Its pages
// are the graph's own group pages, so nothing about the layout changes, and
// a merge is the on-page insert's second half (HnswMergeNode) run later.
//
// Scans compute the distance to every pending node and merge them in
// distance order with the graph's results (hnsw_scan.cpp). The
// reachability code leaves pending nodes alone (hnsw_reach.cpp) and the
// checker expects them unreachable.
//
// A merge links the pending nodes in id order, one node per hold of the
// graph write lock, so linked inserts and vacuum's repair wait for one
// node's linking at most, and appends not at all: the area's start is the
// merge's alone (one merge at a time, below), its end the appends', and
// the metapage write that moves the start re-reads the metapage under the
// append lock (HnswEditMeta). A node leaves the area only with that write,
// which ends its merge: a crash before it leaves the node pending, and the next
// merge links it again (every link write is idempotent: a list is chosen
// afresh, and a back link already there is not added twice); a crash after
// it leaves the node linked. Each row stays findable exactly once: a scan
// reads the pending area before it searches the graph, and skips a node it
// met in both.
//
// Who merges: VACUUM (cleanup), vector_db_merge(), the background workers'
// `merge` task whenever anything is pending (worker/index_tasks.cpp),
// compaction before it moves anything (hnsw_compact.cpp: the pending area
// is the highest ids), and an insert that finds the area over
// pending_list_limit (HNSW_INLINE_MERGE_NODES of it, see hnswinsert). One at a time: the merge lock
// (HNSW_MERGE_LOCK_BLKNO), which VACUUM's bulk delete holds as well, since
// a merge must not link a node that its pass is about to free.
#include "hnsw/hnsw.h"

#include "pg/fault.h"

extern "C" {
#include "miscadmin.h"
#include "storage/lmgr.h"
}

namespace {

// Drops the first pending node (vacuum flagged or freed it) from the area
// without linking it.
void SkipFirstPending(Relation index, uint32 id) {
	HnswEditMeta(index, [id](HnswMetaPageData &meta) {
		if (meta.pending_span == 0 || HnswPendingStart(meta) != id)
			return false;
		meta.pending_span--;
		return true;
	});
}

}  // namespace

double HnswPendingKilobytes(const HnswMetaPageData &meta) {
	const HnswGeometry &g = meta.geometry;
	return double(meta.pending_span) * (g.element_bytes + g.record_bytes) / 1024.0;
}

bool HnswPendingMergeDue(Relation index) {
	return HnswReadMeta(index).pending_span > 0;
}

int64 HnswMergePendingLocked(Relation index, int64 max_nodes) {
	// Only the nodes pending now, as GIN's cleanup stops at the tail it
	// found: appends go on beside a merge, and one that chased them would
	// not end while the inserts outpace it (a VACUUM never would).
	int64 left = Min(max_nodes, int64(HnswReadMeta(index).pending_span));
	int64 merged = 0;
	for (; left > 0; left--) {
		CHECK_FOR_INTERRUPTS();
		HnswMetaPageData meta = HnswReadMeta(index);
		if (meta.pending_span == 0)
			break;
		uint32 id = HnswPendingStart(meta);
		HnswNodeInfo info;
		HnswReadNode(index, meta.geometry, id, 0, NULL, &info);
		if (info.flags & (HNSW_NODE_DELETED | HNSW_NODE_FREE))
			SkipFirstPending(index, id);
		else {
			HnswMergeNode(index, id);
			merged++;
		}
		VDB_FAULT_POINT("hnsw-merge-node");
	}
	return merged;
}

int64 HnswMergePending(Relation index, int64 max_nodes, bool wait) {
	if (wait)
		LockPage(index, HNSW_MERGE_LOCK_BLKNO, ExclusiveLock);
	else if (!ConditionalLockPage(index, HNSW_MERGE_LOCK_BLKNO, ExclusiveLock))
		return 0;
	int64 merged = HnswMergePendingLocked(index, max_nodes);
	UnlockPage(index, HNSW_MERGE_LOCK_BLKNO, ExclusiveLock);
	return merged;
}
