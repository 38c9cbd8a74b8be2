// What an IVF list stores per row and how a scan scores it: the "code" of a
// row is either the element itself (flat: ivfflat and ivf quantizer = flat)
// or a quantizer's code (SQ8 on the vector, PQ on the residual against the
// list's centroid, RaBitQ on the rotated residual). PQ codes of L2 indexes
// carry a float after the pq_m bytes, |r'|^2 + 2 <c, r'> of the decoded
// residual r', so that a query needs one inner-product table for all lists
// instead of a table per probed list (Score). The coder hides which,
// so the Postgres glue writes, reads and scores opaque code bytes.
//
// Quantizers see float32 vectors: halfvec elements are widened, and cosine
// elements are unit length (the quantizer then ranks by inner product).
// Scores are "smaller is nearer"; flat scores are the exact distance of the
// element metric, quantized scores are estimates of squared L2 or of the
// negative inner product.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/element/element_metric.h"
#include "core/quantizer/pq.h"
#include "core/quantizer/rabitq.h"
#include "core/quantizer/per_dimension_sq8.h"
#include "core/status.h"

namespace vdb {

// The values of the quantizer option (kSq8: PerDimensionSq8Quantizer).
enum class IvfQuantizer : uint8_t { kFlat = 0, kSq8 = 1, kPq = 2, kRabitq = 3 };

struct IvfTrainParams {
	size_t pq_m = 0;  // 0: DefaultPqM
	int threads = 0;
	ShouldStop should_stop = nullptr;
};

// Per-list query state, reused across lists to keep allocations out of scans.
struct IvfListQuery {
	const void *element = nullptr;  // flat: the query element
	std::vector<float> input;       // quantizers: the query as they see it
	float bias = 0;                 // added to quantized scores (PQ: |q - c|^2 for L2, -<q, c> for IP)
	PerDimensionSq8Query sq8;
	std::vector<float> pq_table;
	RabitqQuery rabitq;
};

class IvfCoder {
public:
	// Rows kept as elements: nothing to train.
	static IvfCoder Flat(const ElementMetric &metric);
	// Trains the quantizer on n float rows (ToQuantizerInput) and the lists'
	// centroids (lists x dims, float32), which PQ's residuals are taken from.
	static Status Train(IvfQuantizer kind, const ElementMetric &metric, const float *rows, size_t n,
	                    const float *centroids, size_t lists, const IvfTrainParams &params, IvfCoder *out);
	// Restores what Serialize wrote.
	static Status Load(IvfQuantizer kind, const ElementMetric &metric, const uint8_t *bytes, size_t size,
	                   IvfCoder *out);

	IvfQuantizer kind() const { return kind_; }
	const ElementMetric &metric() const { return metric_; }
	size_t code_size() const;
	// Empty for flat.
	std::vector<uint8_t> Serialize() const;

	// element: the prepared element (metric encoding); centroid: float32.
	// Returns whether the element fits the quantizer's trained range (SQ8's
	// Encode); other codes have no range and always fit.
	bool Encode(const void *element, const float *centroid, uint8_t *code) const;
	// Readies the query state for a prepared query element (once per query),
	// then for each list probed (its float32 centroid).
	void PrepareQuery(const void *element, IvfListQuery *out) const;
	void PrepareList(const float *centroid, IvfListQuery *out) const;
	float Score(const IvfListQuery &query, const uint8_t *code) const;

	// The quantizer's view of an element: float32, unit length for cosine.
	void ToQuantizerInput(const void *element, float *out) const;

private:
	IvfQuantizer kind_ = IvfQuantizer::kFlat;
	ElementMetric metric_{};
	MetricKind quantizer_metric_ = MetricKind::kL2;
	std::shared_ptr<const PerDimensionSq8Quantizer> sq8_;
	std::shared_ptr<const PqQuantizer> pq_;
	std::shared_ptr<const RabitqQuantizer> rabitq_;
	mutable std::vector<float> scratch_;    // float view of an element
	mutable std::vector<float> residual_;
};

// The nearest of `lists` float centroids to a float row, by the quantizer's
// metric (L2, or inner product for inner product and cosine).
uint32_t NearestCentroid(MetricKind kind, const float *row, const float *centroids, size_t lists, size_t dims);

// PQ sub-quantizers when pq_m is not given: the largest divisor of dims that
// is at most max(dims / 16, min(dims / 4, 64)), at least 1: 4 dimensions per
// byte for small vectors, codes of at most 64 bytes up to 1,024 dimensions,
// 16 dimensions per byte above. Training and encoding cost the same
// arithmetic whatever pq_m is, but FAISS's per-codebook overhead grows with
// it (dims / 4 = 196 at 784 dims tripled pgvector's build time), and
// re-ranking restores the recall coarse codes lose (Fashion-MNIST, 784
// dims: pq_m 49 reaches 0.95 at the probes sq8 needs, ivf.rerank 100).
size_t DefaultPqM(size_t dims);

// Candidates re-ranked at a time when ivf.rerank is left at -1: each one is
// a random heap read (about 2 us on Fashion-MNIST, a third of an SQ8 query
// at 100), so as few as keep recall@10 where full re-ranking has it. SQ8's
// estimates are within a rounding step of the truth (40); PQ's and RaBitQ's
// are coarse (100, which their recall tests are measured at). Flat lists
// are never re-ranked.
size_t DefaultRerank(IvfQuantizer kind);

// Element encodings to and from float32 (bits become 0/1; to bits rounds at 1/2).
void ElementToFloat(const ElementMetric &metric, const void *element, float *out);
void FloatToElement(const ElementMetric &metric, const float *in, void *element);

}  // namespace vdb
