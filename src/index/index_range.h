// The range keys of a vector index scan: WHERE embedding <<->> sphere(q, r)
// (and <<#>>, <<=>>) reaches amrescan as a scan key of strategy 2, its
// argument the sphere_vector / sphere_halfvec datum (type/sphere.h). A walk
// goes toward one query: the ORDER BY value when there is one, else the
// first sphere's center. Spheres centred on that query bound the walk (the
// tightest radius); any other sphere only filters, through the executor's
// recheck: a scan with range keys always sets xs_recheck, so the operator
// itself decides every returned row and none outside a sphere comes back.
#pragma once

#include "core/element/element_metric.h"
#include "core/range/range_bound.h"
#include "pg/pg.h"

extern "C" {
#include "access/skey.h"
#include "utils/rel.h"
}

#define VDB_RANGE_STRATEGY 2

struct VdbRange {
	bool active;    // the scan has range keys
	bool empty;     // one of them contains no row (a NULL sphere, center or radius; a zero cosine center)
	double radius;  // the tightest radius of the keys centred on the query; INFINITY when none is
};

// Reads the scan's range keys; ERROR (22000, pgvector's message) when a
// center's dimensions differ from the index's. With `from_keys` (no ORDER
// BY), writes the first key's center, as the metric compares it, into
// `query` (metric.bytes); otherwise compares the centers with `query`.
VdbRange VdbReadRange(Relation index, const vdb::ElementMetric &metric, ScanKey keys, int nkeys, void *query,
                      bool from_keys);

// The range's bound on the given scale (core/range/range_bound.h); empty
// when the range is.
vdb::RangeBound VdbRangeBound(const VdbRange &range, vdb::MetricKind kind, vdb::RangeScale scale);
