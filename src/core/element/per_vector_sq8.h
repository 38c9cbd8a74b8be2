// Per-vector SQ8, the 8-bit elements of an hnsw index (quantizer = 'sq8'; not
// ivf's trained per-dimension SQ8 in core/quantizer/per_dimension_sq8.h):
// each float32 vector is scaled to 8 bits between its own minimum and
// maximum, so nothing is trained and an index built on an empty table works
// as well as one built on data (the idea of LVQ without the mean). An
// element is
//   float low, step;        x_i ~ low + step * code_i
//   float norm2;            |x^|^2 of that reconstruction x^
//   float residual;         |x - x^|, the exact vector's distance from it
//   uint32 code_sum;        sum of the codes
//   uint8 code[dims];       then padding to 4 bytes
// A quarter of the float vector's bytes: a graph search reads 4x less memory,
// and against a float query one distance is a single dot product with the
// codes:  q.x^ = low * sum(q) + step * (q . code). Two elements compare
// through the integer dot product of their codes (the index build's graph
// holds only these elements: a quarter of the memory to stream).
//
// The search ranks by the distance to x^. The executor re-ranks with the
// exact distance from the heap (amgettuple's xs_recheckorderby) and needs a
// value that never exceeds the exact one: LowerBound derives it from the
// triangle inequality (|q - x| >= |q - x^| - residual, and Cauchy-Schwarz for
// inner products) less the float rounding of both sides.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/metric.h"

namespace vdb {

struct PerVectorSq8Header {
	float low;
	float step;
	float norm2;
	float residual;
	uint32_t code_sum;
};

// Bytes of one element of `dims` dimensions.
size_t PerVectorSq8Bytes(size_t dims);

// Between two elements' reconstructions: squared L2 and the negative inner
// product (vdb::ElementDistanceFn, for an ElementMetric of kSq8 elements).
float PerVectorSq8L2Between(const void *a, const void *b, size_t dims);
float PerVectorSq8NegDotBetween(const void *a, const void *b, size_t dims);

// Encodes a finite float vector.
void PerVectorSq8Encode(const float *x, size_t dims, void *element);
// Writes the reconstruction x^.
void PerVectorSq8Decode(const void *element, size_t dims, float *x);

// A float query prepared once for many elements. `values` must outlive it.
struct PerVectorSq8Query {
	MetricKind kind;  // kL2, kInnerProduct, or kCosine (query and elements unit length)
	const float *values;
	size_t dims;
	float sum;     // sum of q
	float norm2;   // |q|^2
	float abs_sum; // sum of |q|, for rounding bounds
};

PerVectorSq8Query PerVectorSq8PrepareQuery(MetricKind kind, const float *query, size_t dims);

// Distance to the reconstruction in the metric's internal units, smaller is
// nearer: squared L2, or the negative inner product.
float PerVectorSq8Distance(const PerVectorSq8Query &query, const void *element);

// A value of the SQL distance operator (L2: the root, not the square;
// cosine: 1 - similarity; inner product: its negative) that is at most the
// exact distance between the query and the vector the element encodes, as
// the operator computes it in float arithmetic. `distance` is
// PerVectorSq8Distance's result for this element.
double PerVectorSq8LowerBound(const PerVectorSq8Query &query, float distance, const void *element);

}  // namespace vdb
