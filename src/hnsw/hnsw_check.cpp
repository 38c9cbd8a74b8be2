// vector_db_index_check for hnsw. Verifies the metapage (magic, version,
// geometry), every node record (level, flags, upper slot, link counts:
// vdb::CheckHnswNodeRecord, before anything is read through them), every
// link (in range, not to itself, no duplicate, to a node that has that level
// and is not a free slot), a sparse node's element (hnsw_sparse.cpp), the
// entry point (a live node of the top level when any node is live), that
// every live node can be reached on level 0 from the entry point (a
// breadth-first walk over level-0 links) and, for heapallindexed, collects
// the heap TIDs of live nodes, and that every node's words in the filter
// directory are those its element carries. Nodes of the pending area (hnsw_pending.cpp)
// are checked as records and counted as indexed, but need no entry point
// and no path to them: a merge links them. The first violation raises XX002.
//
// The graph must hold still while it is walked, so the check takes the
// graph write lock (HNSW_WRITE_LOCK_BLKNO) in share mode: inserts search
// meanwhile and wait only to link their node; VACUUM is kept out by the
// table lock the dispatch takes. Scans are never blocked.
//
// Every array lives in palloc'd memory and no C++ object with a destructor
// is alive here: an XX002 (a longjmp) may leave from any point.
#include "hnsw/hnsw.h"

#include "index/index_check.h"

extern "C" {
#include "miscadmin.h"
#include "storage/lmgr.h"
}

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

// What the passes share.
struct Check {
	Relation index;
	HnswMetaPageData meta;
	uint32 groups;
	NodeSummary *nodes;  // per node id
	uint32 *stamps;      // per node id: the last link list that named it (duplicate test)
	uint32 list_stamp;
};

bool IsFree(const Check &c, uint32 id) { return (c.nodes[id].flags & HNSW_NODE_FREE) != 0; }

uint32 GroupEnd(const Check &c, uint32 group) {
	return Min(c.meta.node_count, (group + 1) * c.meta.geometry.group_nodes);
}

void CheckMeta(Relation index, const HnswMetaPageData &meta, const vdb::ElementMetric &metric) {
	if (meta.quantizer != HNSW_QUANTIZER_FLAT &&
	    (meta.quantizer != HNSW_QUANTIZER_SQ8 ||
	     (metric.type != vdb::ElementType::kFloat32 && metric.type != vdb::ElementType::kFloat16)))
		HnswMetaCorrupted(index, "unknown quantizer", meta.quantizer);
	HnswGeometry expected = metric.variable ? HnswSparseGeometry(meta.m, meta.geometry.pool_pages)
	                                        : HnswDenseGeometry(meta.m, metric, meta.quantizer, meta.filter_columns);
	if (meta.geometry.directory_groups == 0)  // made before format 4, without a filter directory
		expected.directory_groups = expected.directory_columns = 0;
	if (memcmp(&expected, &meta.geometry, sizeof expected) != 0)
		HnswMetaCorrupted(index, "geometry does not match m and dimensions", meta.m);
	const HnswGeometry &g = meta.geometry;
	if (RelationGetNumberOfBlocks(index) < HnswNodesEnd(g, meta.node_count))
		HnswMetaCorrupted(index, "relation is shorter than its node count needs", meta.node_count);
}

void CheckPageKind(const Check &c, BlockNumber block, uint16 kind) {
	Buffer buffer = VdbReadBuffer(c.index, block, BUFFER_LOCK_SHARE);
	VdbCheckPageKind(c.index, BufferGetPage(buffer), block, kind);
	UnlockReleaseBuffer(buffer);
}

// XX002 unless node id's words in the filter directory are those its
// element carries.
void CheckDirectoryWords(const Check &c, uint32 id) {
	const HnswGeometry &g = c.meta.geometry;
	if (g.directory_columns == 0)
		return;
	uint64 words[INDEX_MAX_KEYS];
	HnswReadFilterWords(c.index, c.meta, id, words);
	for (uint32 column = 0; column < g.directory_columns; column++) {
		VdbSpanPos pos = HnswDirectoryWordPos(g, id, column);
		Buffer buffer = VdbReadBuffer(c.index, pos.block, BUFFER_LOCK_SHARE);
		uint64 word;
		memcpy(&word, BufferGetPage(buffer) + pos.offset, sizeof word);
		UnlockReleaseBuffer(buffer);
		if (word != words[column])
			HnswCorrupted(c.index, "filter directory word differs from the element's in column", id, column);
	}
}

// Pass 1, one group: page kinds, records (bounds first), and the summaries
// and TIDs. Returns the group's live nodes.
uint32 CheckRecords(Check &c, uint32 group, VdbIndexedTids *indexed) {
	const HnswGeometry &g = c.meta.geometry;
	BlockNumber block = HnswGroupBlock(g, group);
	for (uint32 i = 1; i < g.group_pages; i++)
		CheckPageKind(c, block + i, HNSW_PAGE_VECTOR);
	if (g.directory_groups > 0 && group % g.directory_groups == 0)
		for (uint32 i = 0; i < g.group_pages; i++)
			CheckPageKind(c, block - g.group_pages + i, HNSW_PAGE_DIRECTORY);
	Buffer buffer = VdbReadBuffer(c.index, block, BUFFER_LOCK_SHARE);
	Page page = BufferGetPage(buffer);
	VdbCheckPageKind(c.index, page, block, HNSW_PAGE_GRAPH);
	uint32 live = 0;
	for (uint32 id = group * g.group_nodes; id < GroupEnd(c, group); id++) {
		HnswCheckRecord(c.index, page, g, id);
		const HnswNodeRecord *rec = HnswPageRecord(page, g, id);
		c.nodes[id] = NodeSummary{rec->level, rec->flags};
		if (rec->flags & HNSW_NODE_FREE)
			continue;
		if (!ItemPointerIsValid(&rec->tid))
			HnswCorrupted(c.index, "invalid heap TID", id, 0);
		if ((rec->flags & HNSW_NODE_DELETED) == 0) {
			live++;
			if (indexed != NULL)
				VdbAddIndexedTid(indexed, rec->tid);
		}
	}
	UnlockReleaseBuffer(buffer);
	for (uint32 id = group * g.group_nodes; id < GroupEnd(c, group); id++)
		if (!IsFree(c, id))
			CheckDirectoryWords(c, id);
	return live;
}

// Pass 2, one group: every link of every node against the summaries.
void CheckLinks(Check &c, uint32 group) {
	const HnswGeometry &g = c.meta.geometry;
	Buffer buffer = VdbReadBuffer(c.index, HnswGroupBlock(g, group), BUFFER_LOCK_SHARE);
	Page page = BufferGetPage(buffer);
	for (uint32 id = group * g.group_nodes; id < GroupEnd(c, group); id++) {
		if (IsFree(c, id))
			continue;
		const HnswNodeRecord *rec = HnswPageRecord(page, g, id);
		for (int level = 0; level <= rec->level; level++) {
			uint32 count;
			const uint32 *links = HnswPageLinks(page, g, rec, level, &count);
			c.list_stamp++;
			for (uint32 i = 0; i < count; i++) {
				uint32 to = links[i];
				if (to >= c.meta.node_count || to == id)
					HnswCorrupted(c.index, "link to an invalid node", id, to);
				if (IsFree(c, to))
					HnswCorrupted(c.index, "link to a free slot", id, to);
				if (c.nodes[to].level < level)
					HnswCorrupted(c.index, "link to a node without that level", id, to);
				if (c.stamps[to] == c.list_stamp)
					HnswCorrupted(c.index, "duplicate link", id, to);
				c.stamps[to] = c.list_stamp;
			}
		}
	}
	UnlockReleaseBuffer(buffer);
}

// Whether node id is in the pending area (not linked yet, or half way).
bool IsPending(const Check &c, uint32 id) { return id >= HnswPendingStart(c.meta); }

void CheckEntryPoint(const Check &c, uint32 live) {
	const HnswMetaPageData &meta = c.meta;
	for (uint32 id = HnswPendingStart(meta); id < meta.node_count; id++)
		if ((c.nodes[id].flags & (HNSW_NODE_FREE | HNSW_NODE_DELETED)) == 0)
			live--;
	if (live == 0 && meta.entry_point == HNSW_NO_NODE)
		return;
	uint32 entry = meta.entry_point;
	if (entry >= meta.node_count || IsFree(c, entry))
		HnswMetaCorrupted(c.index, "invalid entry point", entry);
	if (c.nodes[entry].level != meta.max_level)
		HnswCorrupted(c.index, "entry point is not on the top level", entry, uint32(meta.max_level));
	// Deleted nodes may stand above it: VACUUM moves the entry point to a
	// live node before it frees them, and an ERROR or a crash in between
	// leaves them to the next VACUUM. No search meets them there, as no live
	// node is on those levels.
	for (uint32 id = 0; id < meta.node_count; id++)
		if (!IsFree(c, id) && !IsPending(c, id) && (c.nodes[id].flags & HNSW_NODE_DELETED) == 0 &&
		    c.nodes[id].level > meta.max_level)
			HnswCorrupted(c.index, "node above the top level", id, c.nodes[id].level);
}

// Whether node id's heap row is visible now. An INSERT that fails or
// crashes after claiming its node's slot leaves a node no link may lead to;
// its row was never committed, and VACUUM frees the node.
bool RowVisibleNow(const Check &c, uint32 id) {
	Buffer buffer = VdbReadBuffer(c.index, HnswGraphBlock(c.meta.geometry, id), BUFFER_LOCK_SHARE);
	ItemPointerData tid = HnswPageRecord(BufferGetPage(buffer), c.meta.geometry, id)->tid;
	UnlockReleaseBuffer(buffer);
	return VdbHeapRowVisibleNow(c.index, &tid);
}

// Pass 3: a breadth-first walk over level-0 links from the entry point; a
// live node it does not reach is one no search can return. Deleted nodes
// are walked through (searches do) but need not be reached, and so are
// nodes whose heap row is not visible now (RowVisibleNow). The error names
// the first unreached node and how many of the `live` nodes were missed.
void CheckReachable(Check &c, uint32 live) {
	const HnswMetaPageData &meta = c.meta;
	if (meta.entry_point == HNSW_NO_NODE)
		return;
	const HnswGeometry &g = meta.geometry;
	bool *reached = (bool *) palloc0(meta.node_count * sizeof(bool));
	uint32 *queue = (uint32 *) palloc(meta.node_count * sizeof(uint32));
	uint32 head = 0, tail = 0;
	reached[meta.entry_point] = true;
	queue[tail++] = meta.entry_point;
	while (head < tail) {
		CHECK_FOR_INTERRUPTS();
		uint32 id = queue[head++];
		Buffer buffer = VdbReadBuffer(c.index, HnswGraphBlock(g, id), BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buffer);
		uint32 count;
		const uint32 *links = HnswPageLinks(page, g, HnswPageRecord(page, g, id), 0, &count);
		for (uint32 i = 0; i < count; i++)
			if (!reached[links[i]]) {
				reached[links[i]] = true;
				queue[tail++] = links[i];
			}
		UnlockReleaseBuffer(buffer);
	}
	uint32 first = HNSW_NO_NODE, unreached = 0;
	for (uint32 id = 0; id < meta.node_count; id++)
		if (!reached[id] && (c.nodes[id].flags & (HNSW_NODE_FREE | HNSW_NODE_DELETED)) == 0 && !IsPending(c, id) &&
		    RowVisibleNow(c, id)) {
			first = Min(first, id);
			unreached++;
		}
	if (unreached > 0)
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("hnsw index \"%s\" is corrupted", RelationGetRelationName(c.index)),
		                errdetail("Node %u: live node unreachable from the entry point on level 0 (%u); "
		                          "%u of %u live nodes are unreachable.",
		                          first, meta.entry_point, unreached, live)));
	pfree(reached);
	pfree(queue);
}

}  // namespace

void HnswCheckIndex(Relation index, VdbIndexedTids *indexed) {
	LockPage(index, HNSW_WRITE_LOCK_BLKNO, ShareLock);
	// Appends too wait: the node count and the sparse pool hold still.
	HnswLockAppends(index, ShareLock);
	Check c{};
	c.index = index;
	c.meta = HnswReadMeta(index);
	vdb::ElementMetric metric = HnswMetric(c.meta);
	CheckMeta(index, c.meta, metric);
	if (indexed != NULL)
		indexed->metric = metric;
	const HnswGeometry &g = c.meta.geometry;
	c.groups = (c.meta.node_count + g.group_nodes - 1) / g.group_nodes;
	c.nodes = (NodeSummary *) palloc0(Max(c.meta.node_count, 1) * sizeof(NodeSummary));
	c.stamps = (uint32 *) palloc0(Max(c.meta.node_count, 1) * sizeof(uint32));

	uint32 live = 0;
	for (uint32 group = 0; group < c.groups; group++) {
		CHECK_FOR_INTERRUPTS();
		live += CheckRecords(c, group, indexed);
	}
	if (g.pool_pages > 0)
		HnswSparseCheckPool(index, c.meta);
	for (uint32 group = 0; group < c.groups; group++) {
		CHECK_FOR_INTERRUPTS();
		CheckLinks(c, group);
	}
	if (g.pool_pages > 0)
		for (uint32 id = 0; id < c.meta.node_count; id++)
			if (!IsFree(c, id))
				HnswSparseCheckElement(index, c.meta, id);
	CheckEntryPoint(c, live);
	CheckReachable(c, live);
	HnswUnlockAppends(index, ShareLock);
	UnlockPage(index, HNSW_WRITE_LOCK_BLKNO, ShareLock);
	pfree(c.nodes);
	pfree(c.stamps);
}
