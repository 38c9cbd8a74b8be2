// Reachability of an hnsw index's nodes on its pages: the accessor through
// which the core's AttachNearby and LinkUnreachable (core/hnsw/reachability.h,
// the same code the build runs on its in-memory graph) read and write
// level-0 lists on pages. An insert attaches its new node to one of its
// neighbours and keeps the nodes its back links displace reachable, looking
// only near them; in the rare case that finds no place, it walks the whole
// graph as VACUUM does after its repair, linking back every live node that
// no walk from the entry point reaches. Both run under the graph write lock.
#include "hnsw/hnsw.h"

#include "core/hnsw/reachability.h"
#include "pg/cpp_boundary.h"

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
	uint32_t host = vdb::kInvalidNode;
	vdb::RunCpp("hnsw insert", [&] { host = vdb::AttachNearby(reach, id, hosts, s.attach); });
	if (host == vdb::kInvalidNode)
		s.walk_needed = true;
}

void HnswWriteRepruned(Relation index, const HnswMetaPageData &meta, uint32 to, const std::vector<uint32_t> &before,
                       std::vector<uint32_t> &after, HnswReachScratch &s) {
	PageReach reach{index, &meta, NULL, NULL, NULL, HnswMetric(meta), {}};
	vdb::RunCpp("hnsw insert", [&] { vdb::KeepDroppedReachable(reach, before, after, s.keep); });
	// The list is written first: the hosts' paths may lead through `to`.
	HnswWriteLinks(index, meta.geometry, to, 0, after.data(), uint32(after.size()));
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
