#include "index/index_range.h"

#include <cmath>
#include <cstring>

#include "index/index_metric.h"
#include "type/sphere.h"

VdbRange VdbReadRange(Relation index, const vdb::ElementMetric &metric, ScanKey keys, int nkeys, void *query,
                      bool from_keys) {
	VdbRange range{false, false, INFINITY};
	void *center = palloc(metric.bytes);
	bool have_query = !from_keys;
	for (int i = 0; i < nkeys; i++) {
		ScanKey key = &keys[i];
		if (key->sk_strategy != VDB_RANGE_STRATEGY)
			continue;
		range.active = true;
		VdbSphere sphere;
		if ((key->sk_flags & SK_ISNULL) || !VdbReadSphere(key->sk_argument, &sphere)) {
			range.empty = true;
			continue;
		}
		VdbCheckQueryDims(metric, sphere.center, true);
		if (!VdbDatumToElement(index, metric, sphere.center, center)) {
			range.empty = true;  // a zero vector is in no cosine sphere
			continue;
		}
		if (!have_query) {
			memcpy(query, center, metric.bytes);
			have_query = true;
		}
		if (memcmp(query, center, metric.bytes) == 0 && !(sphere.radius >= range.radius))
			range.radius = sphere.radius;  // NaN too: it contains nothing
	}
	pfree(center);
	return range;
}

vdb::RangeBound VdbRangeBound(const VdbRange &range, vdb::MetricKind kind, vdb::RangeScale scale) {
	if (range.empty)
		return vdb::RangeBound{true, 0};
	return vdb::MakeRangeBound(kind, scale, range.radius);
}
