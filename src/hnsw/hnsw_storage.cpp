// Page-level reads and writes of an hnsw index shared by every callback:
// the metapage, the group geometry, elements in the vector stream and node
// records. Reads take share locks one page at a time and copy out what they
// need; the graph stays valid for readers at every step because writers
// publish a node's record and vector before any link to it.
#include "hnsw/hnsw.h"

#include <cmath>
#include <cstring>

#include "pg/cpp_boundary.h"

extern "C" {
#include "storage/lmgr.h"
}

HnswGeometry HnswComputeGeometry(int m, uint32 element_bytes) {
	return vdb::ComputeHnswGeometry(m, element_bytes, VDB_PAGE_DATA_OFFSET, VDB_PAGE_DATA_END);
}

HnswGeometry HnswDenseGeometry(int m, const vdb::ElementMetric &metric, uint8 quantizer, int filter_columns) {
	HnswGeometry g = HnswComputeGeometry(m, HnswStoredBytes(metric, quantizer) + 8 * uint32(filter_columns));
	g.directory_groups = vdb::FilterDirectoryGroups(g, uint32(filter_columns), HNSW_DIRECTORY_PAGE_WORDS);
	g.directory_columns = g.directory_groups > 0 ? uint32(filter_columns) : 0;
	return g;
}

// The core validates records by these offsets (core/hnsw/node_check.h).
static_assert(offsetof(HnswNodeRecord, level) == vdb::HnswRecordField::kLevel, "record layout");
static_assert(offsetof(HnswNodeRecord, flags) == vdb::HnswRecordField::kFlags, "record layout");
static_assert(offsetof(HnswNodeRecord, upper_offset) == vdb::HnswRecordField::kUpperOffset, "record layout");
static_assert(offsetof(HnswNodeRecord, upper_capacity) == vdb::HnswRecordField::kUpperCapacity, "record layout");
static_assert(offsetof(HnswNodeRecord, count) == vdb::HnswRecordField::kCount, "record layout");
static_assert(offsetof(HnswNodeRecord, links) == vdb::HnswRecordField::kLinks, "record layout");
static_assert(offsetof(HnswUpperLinks, links) == sizeof(uint32), "upper list layout");
static_assert(HNSW_NODE_FREE == vdb::kHnswFreeFlag && HNSW_MAX_LEVEL == vdb::kHnswMaxLevel, "record flags");

vdb::HnswPageShape HnswShape(const HnswGeometry &g) {
	return vdb::HnswGeometryShape(g, VDB_PAGE_DATA_OFFSET, VDB_PAGE_DATA_END);
}

void HnswMetaCorrupted(Relation index, const char *what, uint32 value) {
	ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
	                errmsg("hnsw index \"%s\" is corrupted", RelationGetRelationName(index)),
	                errdetail("Metapage: %s (%u).", what, value)));
}

// Format 3's geometry lacked the directory's two words, so everything after
// it lay 8 bytes earlier, with no padding then or now: one move converts.
static_assert(offsetof(HnswMetaPageData, node_count) == offsetof(HnswMetaPageData, geometry) + sizeof(HnswGeometry),
              "metapage layout");
static_assert(offsetof(HnswMetaPageData, last_merge) == offsetof(HnswMetaPageData, node_count) + 7 * sizeof(uint32) &&
                  (offsetof(HnswMetaPageData, last_merge) - 8) % alignof(int64) == 0,
              "metapage layout");

// test/t/094_label_scheme.pl rewrites the byte to make an index of format 4.
static_assert(offsetof(HnswMetaPageData, label_scheme) == 104, "metapage layout");

HnswMetaPageData HnswReadMeta(Relation index) {
	HnswMetaPageData meta;
	VdbReadMetaPage(index, HNSW_METAPAGE_BLKNO, HNSW_PAGE_META, HNSW_MAGIC, HNSW_FORMAT_VERSION, &meta, sizeof meta,
	                HNSW_OLDEST_FORMAT_VERSION);
	if (meta.header.version == 3) {
		char *tail = (char *) &meta.node_count;
		memmove(tail, tail - 8, sizeof meta - offsetof(HnswMetaPageData, node_count));
		meta.geometry.directory_groups = meta.geometry.directory_columns = 0;
	}
	if (meta.header.version < 5)
		meta.label_scheme = uint8(vdb::LabelScheme::kHashed);
	meta.header.version = HNSW_FORMAT_VERSION;  // written back so by the next metapage write
	if (meta.label_scheme > uint8(vdb::LabelScheme::kSmallIntegers))
		HnswMetaCorrupted(index, "label scheme", meta.label_scheme);
	// Every reader computes page offsets from the geometry.
	vdb::PageFinding problem = vdb::CheckHnswPageShape(HnswShape(meta.geometry), BLCKSZ);
	if (problem)
		HnswMetaCorrupted(index, problem.what, problem.value);
	if (meta.geometry.group_pages < 1 + meta.geometry.pool_pages)
		HnswMetaCorrupted(index, "group has fewer pages than its pool", meta.geometry.group_pages);
	if (meta.pending_span > meta.node_count)
		HnswMetaCorrupted(index, "pending area larger than the index", meta.pending_span);
	// Directory positions divide by K: columns without groups would divide by 0.
	if (meta.geometry.directory_columns != (meta.geometry.directory_groups > 0 ? meta.filter_columns : 0))
		HnswMetaCorrupted(index, "filter directory columns", meta.geometry.directory_columns);
	if (meta.geometry.directory_groups >
	    vdb::FilterDirectoryGroups(meta.geometry, meta.filter_columns, HNSW_DIRECTORY_PAGE_WORDS))
		HnswMetaCorrupted(index, "filter directory larger than its slot", meta.geometry.directory_groups);
	return meta;
}

void HnswCheckRecord(Relation index, Page page, const HnswGeometry &g, uint32 id) {
	vdb::PageFinding problem = vdb::CheckHnswNodeRecord((const uint8_t *) page, BLCKSZ, HnswShape(g),
	                                                    id % g.group_nodes, VdbPageGetOpaque(page)->aux);
	if (problem)
		HnswCorrupted(index, problem.what, id, problem.value);
}

void HnswWriteMeta(Relation index, const HnswMetaPageData &meta) {
	Buffer buffer = VdbReadBuffer(index, HNSW_METAPAGE_BLKNO, BUFFER_LOCK_EXCLUSIVE);
	VdbPageEdit edit(index);
	memcpy(PageGetContents(edit.Register(buffer)), &meta, sizeof meta);
	edit.Finish();
	UnlockReleaseBuffer(buffer);
}

void HnswLockAppends(Relation index, LOCKMODE mode) { LockPage(index, HNSW_APPEND_LOCK_BLKNO, mode); }

void HnswUnlockAppends(Relation index, LOCKMODE mode) { UnlockPage(index, HNSW_APPEND_LOCK_BLKNO, mode); }

void HnswInitMeta(Page page, const VdbIndexMetric &metric, const HnswOptions &options, uint8 quantizer,
                  int filter_columns) {
	VdbInitPage(page, HNSW_PAGE_META);
	HnswMetaPageData meta{};
	meta.header = VdbMetaHeader{HNSW_MAGIC, HNSW_FORMAT_VERSION};
	meta.element_type = uint8(metric.type);
	meta.metric_kind = uint8(metric.kind);
	meta.m = uint16(options.m);
	meta.ef_construction = uint16(options.ef_construction);
	meta.dims = uint32(metric.dims);
	meta.quantizer = quantizer;
	meta.filter_columns = uint8(filter_columns);
	meta.label_scheme = uint8(vdb::LabelScheme::kSmallIntegers);
	meta.geometry = metric.type == vdb::ElementType::kSparse
	                    ? HnswSparseGeometry(options.m, HnswSparsePoolPages(options.m, 0))
	                    : HnswDenseGeometry(options.m, VdbElementMetric(metric), quantizer, filter_columns);
	meta.node_count = 0;
	meta.entry_point = HNSW_NO_NODE;
	meta.max_level = -1;
	memcpy(PageGetContents(page), &meta, sizeof meta);
}

vdb::ElementMetric HnswMetric(const HnswMetaPageData &meta) {
	// A corrupt metapage names a type, metric or dimension count that throws.
	vdb::ElementMetric metric;
	vdb::RunCpp("hnsw metric", [&] {
		metric = vdb::MakeElementMetric(vdb::ElementType(meta.element_type), vdb::MetricKind(meta.metric_kind),
		                                meta.dims);
	});
	return metric;
}

uint32 HnswStoredBytes(const vdb::ElementMetric &metric, uint8 quantizer) {
	return uint32(quantizer == HNSW_QUANTIZER_SQ8 ? vdb::PerVectorSq8Bytes(metric.dims) : metric.bytes);
}

size_t HnswElementScratchBytes(const HnswMetaPageData &meta) {
	return Max(HnswMetric(meta).bytes, size_t(meta.geometry.element_bytes));
}

void HnswInitGroupPages(Page *pages, const HnswGeometry &g) {
	VdbInitPage(pages[0], HNSW_PAGE_GRAPH);
	for (uint32 node = 0; node < g.group_nodes; node++) {
		HnswNodeRecord *rec = (HnswNodeRecord *) ((char *) pages[0] + VDB_PAGE_DATA_OFFSET + node * g.record_bytes);
		ItemPointerSetInvalid(&rec->tid);
		rec->flags = HNSW_NODE_FREE;
	}
	// aux = bytes of the upper area handed out
	for (uint32 i = 1; i < g.group_pages; i++)
		VdbInitPage(pages[i], HNSW_PAGE_VECTOR);
}

namespace {

// Calls use(bytes, length, offset into the element) for each piece of
// bytes [from, end) of element id on one page, in order, each page
// share-locked in turn.
template <typename Use>
void ForEachPiece(Relation index, const HnswGeometry &g, uint32 id, uint32 from, uint32 end, HnswBufferHints *hints,
                  Use use) {
	VdbSpanPos start = VdbSpanAdvance(HnswElementPos(g, id), from);
	VdbForEachSpanPiece(start, end - from, [&](VdbSpanPos pos, uint32 piece, uint32 done) {
		Buffer buffer = VdbReadHinted(index, pos.block, hints);
		use(BufferGetPage(buffer) + pos.offset, piece, from + done);
		UnlockReleaseBuffer(buffer);
	});
}

}  // namespace

void HnswReadElement(Relation index, const HnswGeometry &g, uint32 id, void *dst, HnswBufferHints *hints) {
	if (g.pool_pages > 0)
		return HnswSparseRead(index, g, id, dst);
	ForEachPiece(index, g, id, 0, g.element_bytes, hints,
	             [&](const char *data, uint32 piece, uint32 done) { memcpy((char *) dst + done, data, piece); });
}

void HnswReadFilterWords(Relation index, const HnswMetaPageData &meta, uint32 id, uint64 *words,
                         HnswBufferHints *hints) {
	uint32 from = HnswVectorBytes(meta);
	ForEachPiece(index, meta.geometry, id, from, meta.geometry.element_bytes, hints,
	             [&](const char *data, uint32 piece, uint32 done) { memcpy((char *) words + done - from, data, piece); });
}

void HnswPrefetchElement(const HnswGeometry &g, uint32 id, const HnswBufferHints *hints, uint32 max_bytes) {
	VdbSpanPos pos = HnswElementPos(g, id);
	VdbPrefetchHinted(hints, pos.block, pos.offset, Min(Min(pos.contiguous, g.element_bytes), max_bytes));
}

void HnswLoadElement(Relation index, const HnswMetaPageData &meta, uint32 id, void *dst, void *scratch,
                     HnswBufferHints *hints) {
	if (meta.quantizer != HNSW_QUANTIZER_SQ8) {
		if (meta.filter_columns == 0)
			return HnswReadElement(index, meta.geometry, id, dst, hints);
		ForEachPiece(index, meta.geometry, id, 0, HnswVectorBytes(meta), hints,
		             [&](const char *data, uint32 piece, uint32 done) { memcpy((char *) dst + done, data, piece); });
		return;
	}
	HnswReadElement(index, meta.geometry, id, scratch, hints);
	HnswDecodeElement(meta, scratch, dst);
}

void HnswDecodeElement(const HnswMetaPageData &meta, const void *stored, void *dst) {
	if (meta.quantizer != HNSW_QUANTIZER_SQ8)
		memcpy(dst, stored, HnswVectorBytes(meta));
	else if (vdb::ElementType(meta.element_type) == vdb::ElementType::kFloat16)
		vdb::PerVectorSq8DecodeHalf(stored, meta.dims, (vdb::Half *) dst);
	else
		vdb::PerVectorSq8Decode(stored, meta.dims, (float *) dst);
}

void HnswEncodeElement(const HnswMetaPageData &meta, const void *element, const uint64 *filters, void *dst) {
	vdb::MetricKind kind = vdb::MetricKind(meta.metric_kind);
	if (meta.quantizer == HNSW_QUANTIZER_SQ8 && vdb::ElementType(meta.element_type) == vdb::ElementType::kFloat16)
		vdb::PerVectorSq8EncodeHalf(kind, (const vdb::Half *) element, meta.dims, dst);
	else if (meta.quantizer == HNSW_QUANTIZER_SQ8)
		vdb::PerVectorSq8Encode(kind, (const float *) element, meta.dims, dst);
	else
		memcpy(dst, element, HnswVectorBytes(meta));
	if (meta.filter_columns > 0)
		memcpy((char *) dst + HnswVectorBytes(meta), filters, 8 * meta.filter_columns);
}

HnswQuery HnswPrepareQuery(const HnswMetaPageData &meta, const vdb::ElementMetric &metric, const void *element) {
	HnswQuery query{&metric, element, meta.quantizer == HNSW_QUANTIZER_SQ8, {}};
	if (query.sq8 && metric.type == vdb::ElementType::kFloat16)
		query.prepared = vdb::PerVectorSq8PrepareHalfQuery(metric.kind, (const vdb::Half *) element, metric.dims);
	else if (query.sq8)
		query.prepared = vdb::PerVectorSq8PrepareQuery(metric.kind, (const float *) element, metric.dims);
	return query;
}

namespace {

// Calls use(stored element) with element id read in place under a share
// lock, or copied to scratch when it spans pages.
template <typename Use>
auto WithStoredElement(Relation index, const HnswGeometry &g, uint32 id, void *scratch, HnswBufferHints *hints,
                       Use use) {
	VdbSpanPos pos = HnswElementPos(g, id);
	if (pos.contiguous < g.element_bytes) {
		HnswReadElement(index, g, id, scratch, hints);
		return use((const void *) scratch);
	}
	Buffer buffer = VdbReadHinted(index, pos.block, hints);
	auto result = use((const void *) (BufferGetPage(buffer) + pos.offset));
	UnlockReleaseBuffer(buffer);
	return result;
}

// Sums a flat element's distance over its pieces on each page; no copy.
// Pieces end on element boundaries: element sizes divide the 4-aligned page
// and area sizes.
float PieceWiseDistance(Relation index, const HnswMetaPageData &meta, const vdb::ElementMetric &metric,
                        const void *query, uint32 id, HnswBufferHints *hints) {
	float distance = 0;
	ForEachPiece(index, meta.geometry, id, 0, HnswVectorBytes(meta), hints, [&](const char *data, uint32 piece, uint32 done) {
		distance += metric.PieceDistance((const char *) query + done, data, piece);
	});
	return distance;
}

}  // namespace

float HnswElementDistance(Relation index, const HnswMetaPageData &meta, const HnswQuery &query, uint32 id,
                          void *scratch, HnswBufferHints *hints) {
	const HnswGeometry &g = meta.geometry;
	if (g.pool_pages > 0)
		return HnswSparseDistance(index, g, *query.metric, query.element, id, hints);
	if (query.sq8)
		return WithStoredElement(index, g, id, scratch, hints, [&](const void *element) {
			return vdb::PerVectorSq8Distance(query.prepared, element);
		});
	if (query.metric->additive && HnswElementPos(g, id).contiguous < g.element_bytes)
		return PieceWiseDistance(index, meta, *query.metric, query.element, id, hints);
	return WithStoredElement(index, g, id, scratch, hints,
	                         [&](const void *element) { return query.metric->Distance(query.element, element); });
}

double HnswLowerBound(Relation index, const HnswMetaPageData &meta, const HnswQuery &query, vdb::Candidate found,
                      void *scratch, HnswBufferHints *hints) {
	return WithStoredElement(index, meta.geometry, found.id, scratch, hints, [&](const void *element) {
		return vdb::PerVectorSq8LowerBound(query.prepared, found.distance, element);
	});
}

float HnswElementLowerBound(Relation index, const HnswMetaPageData &meta, const HnswQuery &query, uint32 id,
                            void *scratch, HnswBufferHints *hints) {
	return WithStoredElement(index, meta.geometry, id, scratch, hints, [&](const void *element) {
		float distance = vdb::PerVectorSq8Distance(query.prepared, element);
		return HnswFloatBelow(vdb::PerVectorSq8LowerBound(query.prepared, distance, element));
	});
}

float HnswFloatBelow(double bound) {
	float rounded = float(bound);
	return double(rounded) > bound ? std::nextafter(rounded, -INFINITY) : rounded;
}

void HnswReadNode(Relation index, const HnswGeometry &g, uint32 id, int level, std::vector<uint32_t> *out,
                  HnswNodeInfo *info, HnswBufferHints *hints) {
	Buffer buffer = VdbReadHinted(index, HnswGraphBlock(g, id), hints);
	Page page = BufferGetPage(buffer);
	const HnswNodeRecord *rec = HnswPageRecord(page, g, id);
	if (info != NULL)
		*info = HnswNodeInfo{rec->tid, rec->level, rec->flags};
	if (out != NULL) {
		// The vector keeps its capacity (2m) across calls, so this never allocates
		// after the first use and cannot throw on a Postgres frame.
		out->clear();
		if ((rec->flags & HNSW_NODE_FREE) == 0 && level <= rec->level) {
			// Counts and offsets come from the page: bounded before use.
			HnswCheckRecord(index, page, g, id);
			uint32 count;
			const uint32 *links = HnswPageLinks(page, g, rec, level, &count);
			out->insert(out->end(), links, links + count);
		}
	}
	UnlockReleaseBuffer(buffer);
}

void HnswCheckLinkIds(Relation index, const HnswMetaPageData &meta, uint32 from, const std::vector<uint32_t> &links) {
	uint32 limit = meta.node_count;
	for (size_t i = 0; i < links.size(); i++)
		if (links[i] >= limit) {
			limit = Max(limit, HnswReadMeta(index).node_count);
			if (links[i] >= limit)
				HnswCorrupted(index, "link to an invalid node", from, links[i]);
		}
}
