// sparsevec elements in an hnsw index.
//
// Sparse vectors differ in size, so they cannot sit in the fixed-size vector
// stream of a group. Instead each node's stream slot holds an 8-byte
// HnswSparseLocator (block, offset, capacity), and the elements themselves
// (core/element/sparse_element.h blobs) are appended one after another to
// "pool" pages: the V vector pages of every group (geometry.pool_pages = V;
// the locators of a group fit its graph page). The pool is one sequence of
// pages, group 0's V pages, then group 1's, and so on, filled in order: an
// element never spans pages (the index caps nnz so it fits one) and each
// pool page's opaque aux counts its bytes used. The metapage's pool_block
// names the page new elements go to.
//
// V is chosen so that a group's pool holds about its G nodes' elements: from
// the mean element size of the rows a build loaded, or a default for an
// empty index. Nodes and pool then advance through the groups at about the
// same pace; when the pool runs ahead, inserts format the next group early
// (its node slots stay free until node ids reach it), when it lags, pool
// pages wait for later elements. Either way no page is lost.
//
// Slot reuse after VACUUM: a freed slot keeps its locator, so the element
// inserted into it is written in place when it fits the old capacity; if
// not, it goes to the pool and the old space stays unused until REINDEX.
//
// Crash safety: an element's bytes, the pool page's fill count, the
// node's locator and the metapage's pool_block change in one WAL record, so
// a pool page holding any referenced element is always one the metapage has
// reached, and a group the pool has reached is never formatted again.
#include "hnsw/hnsw.h"

#include "core/element/sparse_element.h"

namespace {

// Mean element size assumed before any row is seen (64 non-zeros).
constexpr double kDefaultMeanBytes = 4 + 64 * 8;

// Pool page number p (0, 1, ...) and its block, both ways.
BlockNumber PoolBlock(const HnswGeometry &g, uint32 p) {
	return HnswGroupBlock(g, p / g.pool_pages) + 1 + p % g.pool_pages;
}
bool IsPoolBlock(const HnswGeometry &g, BlockNumber block) {
	return block >= 1 && (block - 1) % g.group_pages != 0;
}
uint32 PoolPageNumber(const HnswGeometry &g, BlockNumber block) {
	return (block - 1) / g.group_pages * g.pool_pages + (block - 1) % g.group_pages - 1;
}

// Bytes an element takes in a pool page (4-aligned: elements are words).
uint32 ElementSize(const void *element) { return uint32(vdb::SparseElementBytes(vdb::SparseElementNnz(element))); }

bool LocatorFits(const HnswGeometry &g, const HnswSparseLocator &loc) {
	return IsPoolBlock(g, loc.block) && loc.offset >= VDB_PAGE_DATA_OFFSET && loc.offset % 4 == 0 &&
	       loc.capacity >= sizeof(int32) && uint32(loc.offset) + loc.capacity <= VDB_PAGE_DATA_END;
}

HnswSparseLocator ReadLocator(Relation index, const HnswGeometry &g, uint32 id, HnswBufferHints *hints) {
	VdbSpanPos pos = HnswElementPos(g, id);
	Buffer buffer = VdbReadHinted(index, pos.block, hints);
	HnswSparseLocator loc;
	memcpy(&loc, BufferGetPage(buffer) + pos.offset, sizeof loc);
	UnlockReleaseBuffer(buffer);
	return loc;
}

// Share-locks the pool page of node id's element and returns the element
// (checked to lie within its locator); the caller releases *buffer.
const char *PinElement(Relation index, const HnswGeometry &g, uint32 id, HnswBufferHints *hints, Buffer *buffer) {
	HnswSparseLocator loc = ReadLocator(index, g, id, hints);
	if (!LocatorFits(g, loc))
		HnswCorrupted(index, "sparse element locator out of place", id, loc.block);
	*buffer = VdbReadHinted(index, loc.block, hints);
	const char *element = BufferGetPage(*buffer) + loc.offset;
	int32 nnz = vdb::SparseElementNnz(element);
	if (nnz < 0 || nnz > vdb::kSparseElementMaxNnz || vdb::SparseElementBytes(nnz) > loc.capacity)
		HnswCorrupted(index, "sparse element larger than its space", id, uint32(nnz));
	return element;
}

// Formats group `group` unless node ids or the pool already made it.
bool GroupExists(const HnswMetaPageData &meta, uint32 group) {
	const HnswGeometry &g = meta.geometry;
	return group < (meta.node_count + g.group_nodes - 1) / g.group_nodes || HnswPoolReached(meta, group);
}

}  // namespace

HnswGeometry HnswSparseGeometry(int m, uint32 pool_pages) {
	HnswGeometry g = HnswComputeGeometry(m, sizeof(HnswSparseLocator));
	// Locators are small enough that the best layout keeps them in the graph
	// page; the pool pages then follow it.
	if (g.group_pages != 1)
		elog(ERROR, "hnsw sparse locators do not fit a graph page");
	g.pool_pages = Max(pool_pages, 1);
	g.group_pages = 1 + g.pool_pages;
	return g;
}

uint32 HnswSparsePoolPages(int m, double mean_bytes) {
	if (!(mean_bytes > 0))
		mean_bytes = kDefaultMeanBytes;
	uint32 nodes = HnswComputeGeometry(m, sizeof(HnswSparseLocator)).group_nodes;
	// A page's tail is lost when the next element does not fit: about half
	// an element per page.
	double usable = VDB_PAGE_DATA_SIZE - mean_bytes / 2;
	return Max(uint32(1), uint32(ceil(nodes * mean_bytes / usable)));
}

bool HnswPoolReached(const HnswMetaPageData &meta, uint32 group) {
	const HnswGeometry &g = meta.geometry;
	return g.pool_pages > 0 && meta.pool_block != 0 && group <= (meta.pool_block - 1) / g.group_pages;
}

uint32 HnswFormattedGroups(const HnswMetaPageData &meta) {
	const HnswGeometry &g = meta.geometry;
	uint32 groups = (meta.node_count + g.group_nodes - 1) / g.group_nodes;
	if (g.pool_pages > 0 && meta.pool_block != 0)
		groups = Max(groups, (meta.pool_block - 1) / g.group_pages + 1);
	return groups;
}

void HnswSparseRead(Relation index, const HnswGeometry &g, uint32 id, void *dst) {
	Buffer buffer;
	const char *element = PinElement(index, g, id, NULL, &buffer);
	memcpy(dst, element, ElementSize(element));
	UnlockReleaseBuffer(buffer);
}

float HnswSparseDistance(Relation index, const HnswGeometry &g, const vdb::ElementMetric &metric, const void *query,
                         uint32 id, HnswBufferHints *hints) {
	Buffer buffer;
	const char *element = PinElement(index, g, id, hints, &buffer);
	float distance = metric.Distance(query, element);
	UnlockReleaseBuffer(buffer);
	return distance;
}

void HnswSparseStore(Relation index, HnswMetaPageData &meta, uint32 id, const void *element) {
	const HnswGeometry &g = meta.geometry;
	uint32 size = ElementSize(element);
	HnswSparseLocator old = ReadLocator(index, g, id, NULL);
	if (old.block != 0 && LocatorFits(g, old) && old.capacity >= size) {
		// A slot freed by vacuum: its old space takes the new element.
		Buffer buffer = VdbReadBuffer(index, old.block, BUFFER_LOCK_EXCLUSIVE);
		VdbPageEdit edit(index);
		memcpy(edit.Register(buffer) + old.offset, element, size);
		edit.Finish();
		UnlockReleaseBuffer(buffer);
		return;
	}
	BlockNumber block = meta.pool_block != 0 ? meta.pool_block : PoolBlock(g, 0);
	for (;;) {
		uint32 group = (block - 1) / g.group_pages;
		if (!GroupExists(meta, group))
			HnswAddGroup(index, g, group);
		Buffer pool = VdbReadBuffer(index, block, BUFFER_LOCK_EXCLUSIVE);
		uint32 used = VdbPageGetOpaque(BufferGetPage(pool))->aux;
		if (used + size <= VDB_PAGE_DATA_SIZE) {
			Buffer graph = VdbReadBuffer(index, HnswGraphBlock(g, id), BUFFER_LOCK_EXCLUSIVE);
			Buffer meta_buffer = VdbReadBuffer(index, HNSW_METAPAGE_BLKNO, BUFFER_LOCK_EXCLUSIVE);
			VdbPageEdit edit(index);
			Page pool_page = edit.Register(pool);
			Page graph_page = edit.Register(graph);
			Page meta_page = edit.Register(meta_buffer);
			HnswSparseLocator loc{block, uint16(VDB_PAGE_DATA_OFFSET + used), uint16(size)};
			memcpy(pool_page + loc.offset, element, size);
			VdbPageGetOpaque(pool_page)->aux = used + size;
			memcpy(graph_page + HnswElementPos(g, id).offset, &loc, sizeof loc);
			meta.pool_block = block;
			// The caller's whole copy (it holds the append lock, so the copy is
			// the metapage plus its own changes, which it writes again later),
			// in this format: a format-3 metapage read as format 4 is written
			// as such, never patched field by field.
			memcpy(PageGetContents(meta_page), &meta, sizeof meta);
			edit.Finish();
			UnlockReleaseBuffer(meta_buffer);
			UnlockReleaseBuffer(graph);
			UnlockReleaseBuffer(pool);
			return;
		}
		UnlockReleaseBuffer(pool);
		block = PoolBlock(g, PoolPageNumber(g, block) + 1);
	}
}

void HnswSparsePlan(const vdb::ArenaGraph &graph, int m, HnswGeometry *g, HnswSparseLayout *layout) {
	size_t n = graph.Size();
	double total = 0;
	for (uint32 id = 0; id < n; id++)
		total += ElementSize(graph.Element(id));
	*g = HnswSparseGeometry(m, HnswSparsePoolPages(m, n > 0 ? total / double(n) : 0));
	layout->locators.resize(n);
	layout->page_first.assign(1, 0);
	layout->page_used.assign(1, 0);
	for (uint32 id = 0; id < n; id++) {
		uint32 size = ElementSize(graph.Element(id));
		if (layout->page_used.back() + size > VDB_PAGE_DATA_SIZE) {
			layout->page_first.push_back(id);
			layout->page_used.push_back(0);
		}
		uint32 p = uint32(layout->page_used.size() - 1);
		layout->locators[id] = HnswSparseLocator{PoolBlock(*g, p), uint16(VDB_PAGE_DATA_OFFSET + layout->page_used[p]),
		                                         uint16(size)};
		layout->page_used[p] += size;
	}
	layout->page_first.push_back(uint32(n));
	uint32 last = uint32(layout->page_used.size() - 1);
	layout->pool_block = n > 0 ? PoolBlock(*g, last) : 0;
	uint32 node_groups = uint32((n + g->group_nodes - 1) / g->group_nodes);
	layout->groups = Max(node_groups, n > 0 ? last / g->pool_pages + 1 : 0);
}

void HnswSparseFillPool(Page *pages, const HnswGeometry &g, uint32 group, const vdb::ArenaGraph &graph,
                        const HnswSparseLayout &layout) {
	for (uint32 i = 0; i < g.pool_pages; i++) {
		uint32 p = group * g.pool_pages + i;
		if (p >= layout.page_used.size())
			return;
		Page page = pages[1 + i];
		for (uint32 id = layout.page_first[p]; id < layout.page_first[p + 1]; id++) {
			const void *element = graph.Element(id);
			memcpy(page + layout.locators[id].offset, element, ElementSize(element));
		}
		VdbPageGetOpaque(page)->aux = layout.page_used[p];
	}
}

void HnswSparseCheckPool(Relation index, const HnswMetaPageData &meta) {
	const HnswGeometry &g = meta.geometry;
	if (meta.pool_block != 0 && !IsPoolBlock(g, meta.pool_block))
		HnswMetaCorrupted(index, "pool block is not a pool page", meta.pool_block);
	uint32 groups = HnswFormattedGroups(meta);
	if (RelationGetNumberOfBlocks(index) < 1 + uint64(groups) * g.group_pages)
		HnswMetaCorrupted(index, "relation is shorter than its element pool needs", RelationGetNumberOfBlocks(index));
	// Groups the pool reached before node ids did.
	for (uint32 group = (meta.node_count + g.group_nodes - 1) / g.group_nodes; group < groups; group++)
		for (uint32 i = 0; i < g.group_pages; i++) {
			BlockNumber block = HnswGroupBlock(g, group) + i;
			Buffer buffer = VdbReadBuffer(index, block, BUFFER_LOCK_SHARE);
			VdbCheckPageKind(index, BufferGetPage(buffer), block, i == 0 ? HNSW_PAGE_GRAPH : HNSW_PAGE_VECTOR);
			UnlockReleaseBuffer(buffer);
		}
}

void HnswSparseCheckElement(Relation index, const HnswMetaPageData &meta, uint32 id) {
	const HnswGeometry &g = meta.geometry;
	HnswSparseLocator loc = ReadLocator(index, g, id, NULL);
	if (!LocatorFits(g, loc) || (loc.block - 1) / g.group_pages >= HnswFormattedGroups(meta))
		HnswCorrupted(index, "sparse element locator out of place", id, loc.block);
	Buffer buffer = VdbReadBuffer(index, loc.block, BUFFER_LOCK_SHARE);
	Page page = BufferGetPage(buffer);
	if (uint32(loc.offset) + loc.capacity > VDB_PAGE_DATA_OFFSET + VdbPageGetOpaque(page)->aux)
		HnswCorrupted(index, "sparse element beyond its pool page's used bytes", id, loc.offset);
	if (!vdb::SparseElementValid(page + loc.offset, loc.capacity, meta.dims))
		HnswCorrupted(index, "malformed sparse element", id, loc.block);
	UnlockReleaseBuffer(buffer);
}
