// Per-vector SQ8, the 8-bit elements of an hnsw index (quantizer = 'sq8'; not
// ivf's trained per-dimension SQ8 in core/quantizer/per_dimension_sq8.h):
// each float32 or float16 (halfvec) vector is scaled to 8 bits between its
// own minimum and maximum, so nothing is trained and an index built on an
// empty table works as well as one built on data (the idea of LVQ without
// the mean). An element is
//   float low, step;        x_i ~ low + step * code_i
//   float norm2;            |x^|^2 of that reconstruction x^
//   float residual;         |x - x^|, the exact vector's distance from it in
//                           the index's norm (L1 for l1 indexes, else L2)
//   uint32 code_sum;        sum of the codes
//   uint8 code[dims];       then padding to 4 bytes
// A quarter of the float vector's bytes (half of a halfvec's): a graph
// search reads 4x less memory, and against a query one distance is a single
// dot product with the codes:  q.x^ = low * sum(q) + step * (q . code). Two
// elements compare through the integer dot product of their codes (the
// index build's graph holds only these elements: a quarter of the memory to
// stream). L1 has no such shortcut: it sums |q_i - x^_i| code by code.
//
// A halfvec query stays float16 (the kernel widens it as it goes), so no
// float copy of it must outlive the prepared query. Halfvec cosine elements
// are scaled to unit length as they are coded, as float32 ones are before.
//
// The search ranks by the distance to x^. The executor re-ranks with the
// exact distance from the heap (amgettuple's xs_recheckorderby) and needs a
// value that never exceeds the exact one: LowerBound derives it from the
// triangle inequality (|q - x| >= |q - x^| - residual in L2 or L1, and
// Cauchy-Schwarz for inner products) less the float rounding of both sides.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/float16.h"
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
float PerVectorSq8L1Between(const void *a, const void *b, size_t dims);

// Encodes a finite vector for an index of metric `kind` (which picks the
// residual's norm). Float32 cosine vectors come unit length; float16 ones
// are scaled to it here.
void PerVectorSq8Encode(MetricKind kind, const float *x, size_t dims, void *element);
void PerVectorSq8EncodeHalf(MetricKind kind, const Half *x, size_t dims, void *element);
// Writes the reconstruction x^ (rounded to float16 for the second).
void PerVectorSq8Decode(const void *element, size_t dims, float *x);
void PerVectorSq8DecodeHalf(const void *element, size_t dims, Half *x);

// A query prepared once for many elements: float32 `values` or float16
// `half_values` (the other null), which must outlive it. Distances use
// scale * q, the query scaled to unit length for cosine over float16.
struct QuantizerKernels;

struct PerVectorSq8Query {
	MetricKind kind;  // kL2, kInnerProduct, kCosine (scaled query and elements unit length) or kL1
	const float *values;
	const Half *half_values;
	size_t dims;
	float scale;   // 1, or 1 / |q| for a float16 cosine query
	float sum;     // sum of scale * q
	float norm2;   // |scale * q|^2
	float abs_sum; // sum of |scale * q|, for rounding bounds
	// QuantKernels(), looked up once per query rather than per element (a
	// guarded static behind a call: 0.8% of an index scan's instructions).
	const QuantizerKernels *kernels;
};

PerVectorSq8Query PerVectorSq8PrepareQuery(MetricKind kind, const float *query, size_t dims);
PerVectorSq8Query PerVectorSq8PrepareHalfQuery(MetricKind kind, const Half *query, size_t dims);

// Distance to the reconstruction in the metric's internal units, smaller is
// nearer: squared L2, the negative inner product, or L1.
float PerVectorSq8Distance(const PerVectorSq8Query &query, const void *element);

// A value of the SQL distance operator (L2: the root, not the square;
// cosine: 1 - similarity; inner product: its negative; L1) that is at most the
// exact distance between the query and the vector the element encodes, as
// the operator computes it in float arithmetic. `distance` is
// PerVectorSq8Distance's result for this element.
double PerVectorSq8LowerBound(const PerVectorSq8Query &query, float distance, const void *element);

}  // namespace vdb
