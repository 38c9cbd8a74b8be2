// aminsert for ivfflat and ivf: the row goes to the list of its nearest
// centroid (centroids are never retrained), encoded against that centroid
// like the build encodes, and appended to the list (IvfAppendTuple). The
// centroids and quantizer come from the backend's cache (ivf_cache.cpp).
// With fastupdate on, the row's element is appended to the pending area
// instead (ivf_pending.cpp), and the insert that finds the area past
// pending_list_limit merges it, unless another merge is under way.
#include "ivf/ivf.h"

#include "pg/cpp_boundary.h"
#include "pg/fault.h"

bool ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid, Relation heap,
               IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo *info) {
	if (isnull[0])
		return false;
	const IvfIndexState *state = IvfGetIndexState(index);
	const IvfMetaPageData &meta = state->meta;
	const vdb::ElementMetric &metric = state->coder.metric();
	VdbPendingOptions options = IvfGetPendingOptions(index);
	char *element = (char *) palloc(metric.bytes);
	bool indexed = VdbDatumToElement(index, metric, values[0], element);
	if (indexed && options.fastupdate) {
		uint32 pages = IvfAppendPending(index, IvfPendingShapeOf(uint32(metric.bytes)), heap_tid, element);
		VDB_FAULT_POINT("ivf-insert");
		pfree(element);
		if (uint64(pages) * (BLCKSZ / 1024) > uint64(options.pending_list_limit))
			IvfMergePending(index, false);
		return false;
	}
	uint8 *code = (uint8 *) palloc(meta.code_size);
	uint32 list = 0;
	if (indexed)
		vdb::RunCpp("ivf insert", [&] {
			list = IvfNearestList(metric, state->centroids, meta.lists, element);
			const float *centroid =
				state->centroids.floats.empty() ? NULL : &state->centroids.floats[size_t(list) * meta.dims];
			state->coder.Encode(element, centroid, code);
		});
	if (indexed)
		IvfAppendTuple(index, meta, list, heap_tid, code);
	VDB_FAULT_POINT("ivf-insert");
	pfree(element);
	pfree(code);
	return false;
}
