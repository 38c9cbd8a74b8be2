// How an index compares two stored elements: the element encoding (float32,
// float16, packed bits, sparse, 8-bit) and the metric, resolved once to a
// plain function pointer so the graph code never branches on either. Shared
// by the HNSW graph and the IVF lists (core/ivf/list_coder.h), so it lives
// beside the encodings it reads (core/element/), under neither index. float32 and
// sparse cosine are inner product over vectors normalised on the way in, as
// in pgvector. Sparse elements vary in size (see sparse_element.h): `bytes`
// is then the largest one and ElementSize() reads an element's own size.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/metric.h"

namespace vdb {

// kPerVectorSq8: 8-bit codes of float32 or float16 vectors
// (core/element/per_vector_sq8.h), for l2, inner product (cosine: inner
// product of unit vectors) and l1. kSparse:
// sparsevec blobs of varying size (core/element/sparse_element.h).
enum class ElementType : uint8_t { kFloat32 = 1, kFloat16 = 2, kBit = 3, kPerVectorSq8 = 4, kSparse = 5 };

// Smaller is closer for every metric (inner product is negated).
using ElementDistanceFn = float (*)(const void *a, const void *b, size_t dims);

struct ElementMetric {
	ElementType type;
	MetricKind kind;
	size_t dims;   // elements, or bits for kBit
	size_t bytes;  // stored size of one element vector; the largest when variable
	ElementDistanceFn distance;

	bool additive;  // distance = sum of the distances of any split into pieces
	bool variable;  // elements differ in size (kSparse)

	size_t ElementSize(const void *element) const;

	float Distance(const void *a, const void *b) const { return distance(a, b, dims); }
	// Distance over a piece of `bytes` bytes of both elements (additive metrics
	// only; pieces split between elements, never inside one).
	float PieceDistance(const void *a, const void *b, size_t bytes) const {
		return distance(a, b, type == ElementType::kBit ? bytes * 8 : bytes / (type == ElementType::kFloat32 ? 4 : 2));
	}
};

// Throws std::invalid_argument for combinations no opclass declares (e.g.
// hamming over floats) or zero dimensions.
ElementMetric MakeElementMetric(ElementType type, MetricKind kind, size_t dims);

// An hnsw build measures a few thousand distances from each node it places;
// a sparse node is then scattered into a dense array of metric.dims floats
// once (core/distance/sparse.h). For sparse l2, inner product and cosine
// elements of at most kScatterMaxDims dimensions (the array's 8 MB); the
// others measure by merge.
constexpr size_t kScatterMaxDims = size_t(1) << 21;
bool ScatterApplies(const ElementMetric &metric);
// The metric's distance from the element scattered into dense (norm2: its
// squared norm) to `element`.
float ScatteredDistance(const ElementMetric &metric, const float *dense, float norm2, const void *element);

// Readies an element for the index and for queries: a float32 vector under
// cosine is scaled to unit length in place. False when a cosine element's
// norm is zero or not finite: it has no direction, so it is not indexed.
bool PrepareElement(const ElementMetric &metric, void *element);

}  // namespace vdb
