// vector_db_index_check for hnsw: verifies the metapage (magic, version,
// geometry), every node record (level, flags, upper-area slot), every link
// (in range, not to itself, no duplicate, to a node that has that level and
// is not a free slot), a sparse node's element (hnsw_sparse.cpp), the entry
// point (a live node of the top level when any node is live) and, on
// request, that every live heap row is indexed.
// The first violation raises ERROR with SQLSTATE XX002.
#include "hnsw/hnsw.h"

#include <vector>

#include "index/index_check.h"
#include "pg/cpp_boundary.h"

void HnswCorrupted(Relation index, const char *what, uint32 id, uint32 value) {
	ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
	                errmsg("hnsw index \"%s\" is corrupted", RelationGetRelationName(index)),
	                errdetail("Node %u: %s (%u).", id, what, value)));
}

namespace {

struct NodeSummary {
	uint8 level;
	uint8 flags;
};

}  // namespace

void HnswCheckIndex(Relation index, Relation heap, bool heap_all_indexed) {
	HnswMetaPageData meta = HnswReadMeta(index);
	vdb::ElementMetric metric = HnswMetric(meta);
	if (meta.quantizer != HNSW_QUANTIZER_FLAT &&
	    (meta.quantizer != HNSW_QUANTIZER_SQ8 || metric.type != vdb::ElementType::kFloat32))
		HnswCorrupted(index, "metapage names an unknown quantizer", 0, meta.quantizer);
	HnswGeometry expected = metric.variable ? HnswSparseGeometry(meta.m, meta.geometry.pool_pages)
	                                        : HnswComputeGeometry(meta.m, HnswStoredBytes(metric, meta.quantizer));
	if (memcmp(&expected, &meta.geometry, sizeof expected) != 0)
		HnswCorrupted(index, "metapage geometry does not match m and dimensions", 0, meta.m);
	const HnswGeometry &g = meta.geometry;
	uint32 groups = (meta.node_count + g.group_nodes - 1) / g.group_nodes;
	if (RelationGetNumberOfBlocks(index) < 1 + groups * g.group_pages)
		HnswCorrupted(index, "relation is shorter than its node count needs", meta.node_count,
		          RelationGetNumberOfBlocks(index));

	std::vector<NodeSummary> *nodes = NULL;
	std::vector<ItemPointerData> *tids = NULL;
	std::vector<uint32_t> *links = NULL;
	vdb::RunCpp("hnsw check", [&] {
		nodes = new std::vector<NodeSummary>(meta.node_count);
		tids = new std::vector<ItemPointerData>();
		links = new std::vector<uint32_t>();
		links->reserve(2 * meta.m);
	});
	// First pass: records and their own fields.
	uint32 live = 0;
	for (uint32 group = 0; group < groups; group++) {
		BlockNumber block = HnswGroupBlock(g, group);
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		VdbCheckPageKind(index, page, block, HNSW_PAGE_GRAPH);
		uint32 area = g.vector_area_offset - g.upper_area_offset;
		if (VdbPageGetOpaque(page)->aux > area)
			HnswCorrupted(index, "upper area overflows", group * g.group_nodes, VdbPageGetOpaque(page)->aux);
		for (uint32 i = 1; i < g.group_pages; i++) {
			Buffer vector_buffer = VdbReadBuffer(index, block + i, BUFFER_LOCK_SHARE);
			VdbCheckPageKind(index, BufferGetPage(vector_buffer), block + i, HNSW_PAGE_VECTOR);
			UnlockReleaseBuffer(vector_buffer);
		}
		for (uint32 id = group * g.group_nodes; id < Min(meta.node_count, (group + 1) * g.group_nodes); id++) {
			const HnswNodeRecord *rec = HnswPageRecord(page, g, id);
			(*nodes)[id] = NodeSummary{rec->level, rec->flags};
			if (rec->flags & HNSW_NODE_FREE)
				continue;
			if (rec->level > HNSW_MAX_LEVEL)
				HnswCorrupted(index, "level out of range", id, rec->level);
			if (rec->level > 0 && (rec->upper_offset < g.upper_area_offset ||
			                       rec->upper_offset + rec->level * g.upper_bytes > g.vector_area_offset))
				HnswCorrupted(index, "upper links outside the upper area", id, rec->upper_offset);
			if (!ItemPointerIsValid(&rec->tid))
				HnswCorrupted(index, "invalid heap TID", id, 0);
			if ((rec->flags & HNSW_NODE_DELETED) == 0) {
				live++;
				if (heap_all_indexed)
					vdb::RunCpp("hnsw check", [&] { tids->push_back(rec->tid); });
			}
		}
		UnlockReleaseBuffer(buffer);
	}

	// Second pass: links (and sparse elements).
	if (g.pool_pages > 0)
		HnswSparseCheckPool(index, meta);
	for (uint32 id = 0; id < meta.node_count; id++) {
		if ((*nodes)[id].flags & HNSW_NODE_FREE)
			continue;
		if (g.pool_pages > 0)
			HnswSparseCheckElement(index, meta, id);
		for (int level = 0; level <= (*nodes)[id].level; level++) {
			HnswReadNode(index, g, id, level, links, NULL);
			if (links->size() > HnswMaxLinks(meta, level))
				HnswCorrupted(index, "too many links", id, uint32(links->size()));
			for (size_t i = 0; i < links->size(); i++) {
				uint32 to = (*links)[i];
				if (to >= meta.node_count || to == id)
					HnswCorrupted(index, "link to an invalid node", id, to);
				if ((*nodes)[to].flags & HNSW_NODE_FREE)
					HnswCorrupted(index, "link to a free slot", id, to);
				if ((*nodes)[to].level < level)
					HnswCorrupted(index, "link to a node without that level", id, to);
				for (size_t j = 0; j < i; j++)
					if ((*links)[j] == to)
						HnswCorrupted(index, "duplicate link", id, to);
			}
		}
	}

	// Entry point.
	if (live > 0 || meta.entry_point != HNSW_NO_NODE) {
		uint32 entry = meta.entry_point;
		if (entry >= meta.node_count || ((*nodes)[entry].flags & HNSW_NODE_FREE))
			HnswCorrupted(index, "invalid entry point", entry, meta.node_count);
		if ((*nodes)[entry].level != meta.max_level)
			HnswCorrupted(index, "entry point is not on the top level", entry, uint32(meta.max_level));
		for (uint32 id = 0; id < meta.node_count; id++)
			if (!((*nodes)[id].flags & HNSW_NODE_FREE) && (*nodes)[id].level > meta.max_level)
				HnswCorrupted(index, "node above the top level", id, (*nodes)[id].level);
	}

	if (heap_all_indexed)
		VdbCheckHeapAllIndexed(index, heap, metric, *tids);
	delete nodes;
	delete tids;
	delete links;
}
