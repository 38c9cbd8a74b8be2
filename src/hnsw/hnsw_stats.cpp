// vector_db_index_stats for hnsw (index/index_stats.h): one pass over the
// blocks in order, each read under a buffer share lock released before the
// next, so a group's graph page is always read before its vector pages.
//
// A node slot counts as live unless flagged deleted (VACUUM's first pass,
// not yet freed) or free. A page counts as free when it holds nothing: a
// page of the index's free space map or never initialised
// (VdbPageHoldsNothing), the graph page and dense vector pages of a group
// in which no slot holds a node (all free, or ids not handed out yet), and
// a sparse pool page with no element bytes (pool pages hold the elements of
// any group, so only their own fill says they are empty). A filter
// directory's pages are never free: they serve every group they cover.
//
// Pending rows are the live nodes of the pending area (fastupdate,
// hnsw_pending.cpp), counted in live too: scans return them. The last
// merge's and compaction's times are the metapage's (0: never).
#include "hnsw/hnsw.h"

#include "index/index_stats.h"

extern "C" {
#include "miscadmin.h"
}

void HnswGatherStats(Relation index, VdbIndexStats *stats) {
	HnswMetaPageData meta = HnswReadMeta(index);
	const HnswGeometry &g = meta.geometry;
	stats->has_last_merge = meta.last_merge != 0;
	stats->last_merge = meta.last_merge;
	stats->has_last_compaction = meta.last_compaction != 0;
	stats->last_compaction = meta.last_compaction;
	bool group_has_node = false;
	for (BlockNumber block = HNSW_METAPAGE_BLKNO + 1; block < stats->pages; block++) {
		CHECK_FOR_INTERRUPTS();
		HnswBlockPlace place = HnswPlaceOfBlock(g, block);
		uint32 group = place.group;
		bool graph_page = !place.directory && place.page == 0;
		Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		if (VdbPageHoldsNothing(index, block, page)) {
			stats->free_pages++;
			if (graph_page)
				group_has_node = false;
		} else if (graph_page) {
			VdbCheckPageKind(index, page, block, HNSW_PAGE_GRAPH);
			group_has_node = false;
			uint64 first = uint64(group) * g.group_nodes;
			for (uint64 id = first; id < Min(uint64(meta.node_count), first + g.group_nodes); id++) {
				uint8 flags = HnswPageRecord(page, g, uint32(id))->flags;
				if (flags & HNSW_NODE_FREE)
					continue;
				group_has_node = true;
				if (flags & HNSW_NODE_DELETED)
					stats->deleted++;
				else {
					stats->live++;
					if (id >= HnswPendingStart(meta))
						stats->pending++;
				}
			}
			if (!group_has_node)
				stats->free_pages++;
		} else if (place.directory)
			VdbCheckPageKind(index, page, block, HNSW_PAGE_DIRECTORY);
		else {
			VdbCheckPageKind(index, page, block, HNSW_PAGE_VECTOR);
			bool empty = g.pool_pages > 0 ? VdbPageGetOpaque(page)->aux == 0 : !group_has_node;
			if (empty)
				stats->free_pages++;
		}
		UnlockReleaseBuffer(buffer);
	}
}
