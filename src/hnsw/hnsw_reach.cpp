// Reachability of an hnsw index's nodes on its pages: the accessor through
// which the core's AttachNearby, FindUnreached and LinkUnreachable
// (core/hnsw/reachability.h, the same code the build runs on its in-memory
// graph) read and write level-0 lists on pages. An insert attaches its new
// node to one of its neighbours and keeps the nodes its back links displace
// reachable, looking only near them, under the graph write lock.
//
// Lock protocol of VACUUM's whole-graph pass (HnswRelinkUnreached, after
// its repair; an insert whose node found no place nearby still walks under
// the lock, see HnswInsertElement):
// - The walk (FindUnreached) takes no graph lock, only one buffer lock at a
//   time, so inserts and scans go on. Inserts keep every live node
//   reachable and, once VACUUM's repair is done, no list links to a flagged
//   node, so what the walk finds reached stays reached; what it finds
//   unreached may be a node an insert moved a link to meanwhile.
// - The attaching (AttachRoots) takes the graph write lock for a few roots
//   at a time and re-reads every list it changes under it; a root that is
//   reachable after all just gains a link.
// - Only when a root finds no place among its hosts does the old walk run
//   whole under the lock (LinkUnreachable: its tree is exact there); it
//   takes a node whose own list is full and whose 16 nearest reached
//   nodes' full lists have no link to spare.
// Nothing here frees or reuses a slot: VACUUM frees its flagged nodes after.
#include "hnsw/hnsw.h"

#include "core/hnsw/reachability.h"
#include "pg/cpp_boundary.h"
#include "pg/fault.h"

extern "C" {
#include "miscadmin.h"
#include "storage/lmgr.h"
}

namespace {

struct PageReach {
	Relation index;
	const HnswMetaPageData *meta;
	const std::vector<uint8_t> *deleted;  // per node: flagged by this vacuum (NULL: none)
	void *element;                        // scratch: a node's element as the metric compares it
	void *spill;                          // scratch: element_bytes
	vdb::ElementMetric metric;
	HnswQuery query;                      // of QueryOf's node, in element

	size_t NodeCount() const { return meta->node_count; }
	bool Live(uint32_t id) const {
		if (deleted != NULL && id < deleted->size() && (*deleted)[id])
			return false;
		if (id >= HnswPendingStart(*meta))  // a merge links it (hnsw_pending.cpp)
			return false;
		HnswNodeInfo info;
		HnswReadNode(index, meta->geometry, id, 0, NULL, &info);
		return (info.flags & (HNSW_NODE_DELETED | HNSW_NODE_FREE)) == 0;
	}
	void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) const {
		HnswReadNode(index, meta->geometry, id, level, &out, NULL);
	}
	size_t MaxLinks() const { return HnswMaxLinks(*meta, 0); }
	void SetLinks(uint32_t id, const std::vector<uint32_t> &links) const {
		HnswWriteLinks(index, meta->geometry, id, 0, links.data(), uint32(links.size()));
	}
	int MaxLevel() const { return meta->max_level; }
	size_t Ef() const { return meta->ef_construction; }
	HnswPageGraph QueryOf(uint32_t id) {
		HnswLoadElement(index, *meta, id, element, spill);
		query = HnswPrepareQuery(*meta, metric, element);
		return HnswPageGraph{index, meta, &query, spill, NULL};
	}
};

}  // namespace

void HnswAttachNode(Relation index, const HnswMetaPageData &meta, uint32 id, const std::vector<uint32_t> &hosts,
                    HnswReachScratch &s) {
	PageReach reach{index, &meta, NULL, NULL, NULL, HnswMetric(meta), {}};
	// Only compaction writes a forwarder's list (hnsw_compact.cpp): a
	// forwarder is attached as the node it stands for, and never hosts.
	HnswNodeInfo info;
	vdb::RunCpp("hnsw insert", [&] { s.node_links.reserve(2 * meta.m); });
	HnswReadNode(index, meta.geometry, id, 0, &s.node_links, &info);
	if ((info.flags & HNSW_NODE_MOVED) && s.node_links.size() == 1)
		id = s.node_links[0];
	// A node flagged by a running VACUUM needs no way in, and no new link
	// may lead to it (VACUUM frees it after removing the links to it).
	if (!reach.Live(id))
		return;
	vdb::RunCpp("hnsw insert", [&] {
		s.live_hosts.clear();
		for (uint32_t host : hosts)
			if (reach.Live(host))
				s.live_hosts.push_back(host);
	});
	uint32_t host = vdb::kInvalidNode;
	vdb::RunCpp("hnsw insert", [&] { host = vdb::AttachNearby(reach, id, s.live_hosts, s.attach); });
	if (host == vdb::kInvalidNode)
		s.walk_needed = true;
}

void HnswWriteRepruned(Relation index, const HnswMetaPageData &meta, uint32 to, const std::vector<uint32_t> &before,
                       std::vector<uint32_t> &after, HnswReachScratch &s, bool keep_dropped) {
	if (keep_dropped) {
		PageReach reach{index, &meta, NULL, NULL, NULL, HnswMetric(meta), {}};
		vdb::RunCpp("hnsw insert", [&] { vdb::KeepDroppedReachable(reach, before, after, s.keep); });
	}
	// The list is written first: the hosts' paths may lead through `to`.
	HnswWriteLinks(index, meta.geometry, to, 0, after.data(), uint32(after.size()));
	if (keep_dropped)
		for (uint32_t stranded : s.keep.stranded)
			HnswAttachNode(index, meta, stranded, after, s);
}

size_t HnswLinkUnreachable(Relation index, const HnswMetaPageData &meta, const std::vector<uint8_t> *deleted,
                           vdb::ReachScratch &scratch, void *element, void *spill) {
	PageReach reach{index, &meta, deleted, element, spill, HnswMetric(meta), {}};
	size_t linked = 0;
	vdb::RunCpp("hnsw reachability", [&] { linked = vdb::LinkUnreachable(reach, meta.entry_point, scratch); });
	return linked;
}

namespace {

// Roots attached per hold of the graph write lock.
constexpr size_t kAttachBatch = 16;

}  // namespace

// Sets the entry point a relinking walk starts from (see HnswRelinkUnreached).
static void StartFrom(HnswMetaPageData &meta, uint32 from, int from_level) {
	if (from == HNSW_NO_NODE)
		return;
	meta.entry_point = from;
	meta.max_level = from_level;
}

size_t HnswRelinkUnreached(Relation index, uint32 from, int from_level, const std::vector<uint8_t> *deleted,
                           HnswReachScratch &s, void *element, void *spill) {
	HnswMetaPageData meta = HnswReadMeta(index);
	StartFrom(meta, from, from_level);
	PageReach walk{index, &meta, deleted, element, spill, HnswMetric(meta), {}};
	vdb::RunCpp("hnsw reachability", [&] { vdb::FindUnreached(walk, meta.entry_point, s.walk, s.roots); });
	VDB_FAULT_POINT("hnsw-reach-walked");
	size_t roots = s.roots.roots.size();
	for (size_t done = 0; done < roots;) {
		CHECK_FOR_INTERRUPTS();
		LockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
		HnswMetaPageData now = HnswReadMeta(index);
		StartFrom(now, from, from_level);
		PageReach reach{index, &now, deleted, element, spill, HnswMetric(now), {}};
		size_t end = Min(roots, done + kAttachBatch), next = end;
		vdb::RunCpp("hnsw reachability",
		            [&] { next = vdb::AttachRoots(reach, s.roots, done, end, s.attach, s.walk.hosts); });
		if (next < end) {
			size_t linked = HnswLinkUnreachable(index, now, deleted, s.walk, element, spill);
			elog(DEBUG1, "hnsw index \"%s\": node %u found no place near, so a walk under the lock linked back %zu nodes",
			     RelationGetRelationName(index), s.roots.roots[next], linked);
			next = roots;
		}
		UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ExclusiveLock);
		done = next;
	}
	return roots;
}
