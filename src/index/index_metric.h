// What a vector index compares, read from its opclass: the element encoding
// follows the indexed type (vector, halfvec, bit), the metric follows the
// opclass's support function 1 (the distance function, by pgvector's names)
// and support function 2 (a norm function) asks for normalised vectors, the
// way pgvector's cosine opclasses declare it.
#pragma once

#include "core/element/element_metric.h"
#include "pg/pg.h"

extern "C" {
#include "utils/rel.h"
}

#define VDB_DISTANCE_PROC 1
#define VDB_NORM_PROC 2

struct VdbIndexMetric {
	vdb::ElementType type;
	vdb::MetricKind kind;
	int dims;
};

// Reads the metric of an index being created; clear ERRORs for an
// unsupported type, a column without dimensions, or too many dimensions
// (16,000 for vector and halfvec, 64,000 bits for bit). sparsevec only for
// access methods that store variable-size elements (allow_sparse).
VdbIndexMetric VdbResolveIndexMetric(Relation index, bool allow_sparse = false);

// Builds the core's metric (throws nothing for resolved metrics).
vdb::ElementMetric VdbElementMetric(const VdbIndexMetric &metric);

// Copies an indexed value into `element` (metric.bytes long), normalising it
// for cosine. False when the value has no direction (zero norm) and must not
// be indexed. ERROR when its dimensions differ from the index's, or (54000)
// when a sparsevec has more non-zeros than an index element holds.
bool VdbDatumToElement(Relation index, const vdb::ElementMetric &metric, Datum value, void *element);
