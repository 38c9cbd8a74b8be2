// aminsert for ivfflat and ivf: the row goes to the list of its nearest
// centroid (centroids are never retrained), encoded like the build encodes.
// The coder and centroids are cached per backend for the index's
// relfilenode, so a run of inserts reads them once; a REINDEX gives the
// index a new relfilenode, which invalidates the cache.
#include "ivf/ivf.h"

#include "pg/cpp_boundary.h"

extern "C" {
#include "utils/memutils.h"
}

namespace {

struct InsertCache {
	Oid relid = InvalidOid;
	Oid relfilenode = InvalidOid;
	IvfMetaPageData meta;
	vdb::IvfCoder coder;
	IvfCentroids centroids;
	std::vector<uint8_t> element;
	std::vector<uint8_t> code;
};

InsertCache *insert_cache = NULL;

#if PG_VERSION_NUM >= 160000
#define VDB_RELFILENODE(rel) ((rel)->rd_locator.relNumber)
#else
#define VDB_RELFILENODE(rel) ((rel)->rd_node.relNode)
#endif

// The cache for this index, loaded when it is for another.
InsertCache *CacheFor(Relation index) {
	if (insert_cache == NULL)
		vdb::RunCpp("ivf insert", [&] { insert_cache = new InsertCache(); });
	InsertCache *cache = insert_cache;
	if (cache->relid == RelationGetRelid(index) && cache->relfilenode == VDB_RELFILENODE(index))
		return cache;
	cache->relfilenode = InvalidOid;
	IvfMetaPageData meta = IvfReadMeta(index);
	vdb::IvfCoder coder = IvfLoadCoder(index, meta);
	vdb::RunCpp("ivf insert", [&] {
		cache->coder = coder;
		cache->element.resize(coder.metric().bytes);
		cache->code.resize(coder.code_size());
	});
	IvfReadCentroids(index, meta, cache->coder, &cache->centroids);
	cache->meta = meta;
	cache->relid = RelationGetRelid(index);
	cache->relfilenode = VDB_RELFILENODE(index);
	return cache;
}

}  // namespace

bool ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid, Relation heap,
               IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo *info) {
	if (isnull[0])
		return false;
	InsertCache *cache = CacheFor(index);
	const vdb::ElementMetric &metric = cache->coder.metric();
	if (!VdbDatumToElement(index, metric, values[0], cache->element.data()))
		return false;
	const IvfMetaPageData &meta = cache->meta;
	uint32 list = IvfNearestList(metric, cache->centroids, meta.lists, cache->element.data());
	vdb::RunCpp("ivf insert", [&] {
		const float *centroid =
			cache->centroids.floats.empty() ? NULL : &cache->centroids.floats[size_t(list) * meta.dims];
		cache->coder.Encode(cache->element.data(), centroid, cache->code.data());
	});
	IvfAppendTuple(index, meta, list, heap_tid, cache->code.data());
	return false;
}
