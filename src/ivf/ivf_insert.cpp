// aminsert for ivfflat and ivf: the row goes to the list of its nearest
// centroid, encoded against that centroid like the build encodes, and
// appended to the list (IvfAppendTuple). The centroids and quantizer come
// from the backend's cache (ivf_cache.cpp).
//
// The append holds the metapage share-locked, and first checks that the
// metapage's generation is the one the row was encoded for (IvfAppendTuple
// returns false otherwise): a rebalance
// switches to new centroids under the metapage's exclusive lock, after
// copying everything appended to the old lists (ivf_rebalance.cpp), so a row
// lands in the old lists before the switch, where the copy finds it, or in
// the new ones after it; an insert that encoded for the old centroids and
// finds the new ones encodes again.
//
// With fastupdate on, the row's element is appended to the pending area
// instead (ivf_pending.cpp): raw, so a rebalance does not concern it; the
// merge encodes it later, and the insert that finds the area past
// pending_list_limit merges it, unless another merge is under way.
#include "ivf/ivf.h"

#include "index/index_filter.h"
#include "pg/cpp_boundary.h"
#include "pg/fault.h"

bool ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid, Relation heap,
               IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo *info) {
	if (isnull[0])
		return false;
	// The filter words (index/index_filter.h) go with the row wherever it goes.
	uint64 words[INDEX_MAX_KEYS];
	const IvfIndexState *known = IvfGetIndexState(index);
	uint32 filter_columns = known->meta.filter_columns;
	VdbFilterWords(index, IvfLabelScheme(known->meta), int(filter_columns), values, isnull, words);
	VdbPendingOptions options = IvfGetPendingOptions(index);
	if (options.fastupdate) {
		const vdb::ElementMetric &metric = IvfGetIndexState(index)->coder.metric();
		char *element = (char *) palloc(metric.bytes);
		if (VdbDatumToElement(index, metric, values[0], element)) {
			uint32 pages =
			    IvfAppendPending(index, IvfPendingShapeOf(uint32(metric.bytes), filter_columns), heap_tid, element, words);
			VDB_FAULT_POINT("ivf-insert");
			if (uint64(pages) * (BLCKSZ / 1024) > uint64(options.pending_list_limit))
				IvfMergePending(index, false);
		}
		pfree(element);
		return false;
	}
	for (;;) {
		const IvfIndexState *state = IvfGetIndexState(index);
		const IvfMetaPageData &meta = state->meta;
		const vdb::ElementMetric &metric = state->coder.metric();
		char *element = (char *) palloc(metric.bytes);
		uint8 *code = (uint8 *) palloc(meta.code_size);
		bool indexed = VdbDatumToElement(index, metric, values[0], element);
		bool current = true;
		if (indexed) {
			bool fits;
			uint32 list = IvfEncodeRow(state, element, code, &fits);
			current = IvfAppendTuple(index, meta, list, heap_tid, code, words, fits);
		}
		pfree(element);
		pfree(code);
		if (current)
			break;
	}
	VDB_FAULT_POINT("ivf-insert");
	return false;
}

uint32 IvfEncodeRow(const IvfIndexState *state, const char *element, uint8 *code, bool *fits) {
	uint32 list = 0;
	vdb::RunCpp("ivf encode", [&] {
		list = IvfNearestList(state->coder.metric(), state->centroids, state->meta.lists, element);
		const float *centroid =
		    state->centroids.floats.empty() ? NULL : &state->centroids.floats[size_t(list) * state->meta.dims];
		*fits = state->coder.Encode(element, centroid, code);
	});
	return list;
}
