// Per-dimension SQ8 (ivf quantizer = 'sq8'; not hnsw's per-vector SQ8 in
// core/element/per_vector_sq8.h): every dimension scaled to 8 bits between
// the minimum and maximum seen in training (FAISS's QT_8bit with a
// per-dimension range). A code is d bytes followed by a float32, the squared
// length |x' - min|^2 of the decoded vector x'_i = min_i + step_i * code_i relative to the minimum.
// Distances are asymmetric (the query is not rounded to the grid) and need
// only one integer dot product per code:
//   L2:  |q - x'|^2 = |q - min|^2 - 2 sum_i (q_i - min_i) step_i code_i + |x' - min|^2
//   IP:  -<q, x'>   = -(sum_i q_i min_i + sum_i q_i step_i code_i)
// The weights (q_i - min_i) step_i or q_i step_i are rounded to 16-bit
// integers with one scale per query (relative error below 1 / 16383 of the
// largest weight), so a code costs a widening multiply-add per dimension in
// 16-bit lanes (kernels.h): 4x the dimensions per instruction of float32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/metric.h"
#include "core/status.h"

namespace vdb {

struct PerDimensionSq8Query {
	MetricKind metric;
	std::vector<int16_t> weights;  // (q - min) * step (L2) or q * step (IP), divided by scale
	float scale = 0;
	float bias = 0;  // L2: |q - min|^2; IP: sum q * min
};

class PerDimensionSq8Quantizer {
public:
	static constexpr uint8_t kFormatVersion = 2;  // 2: codes carry |x' - min|^2
	// A value this far past either end of its dimension's range, as a
	// fraction of the range's width, no longer fits it (Encode). Below it the
	// clamped code is off by at most 26 levels of 255, which the exact
	// re-rank absorbs; past it, rows crowd onto the end level.
	static constexpr float kRangeSlack = 0.1f;

	// Learns each dimension's range from n row-major vectors.
	static Status Train(const float *x, size_t n, size_t d, PerDimensionSq8Quantizer *out);

	size_t dims() const { return min_.size(); }
	size_t code_size() const { return min_.size() + sizeof(float); }

	// Values outside the trained range are clamped to it. Returns whether x
	// fits the range: false when a dimension lies beyond it by more than
	// kRangeSlack of its width (or off a constant dimension's value), the
	// sign that the data drifted from what the quantizer was trained on.
	bool Encode(const float *x, uint8_t *code) const;
	void Decode(const uint8_t *code, float *x) const;

	// Cosine: pass unit vectors and kInnerProduct (1 + the result is cosine distance).
	PerDimensionSq8Query PrepareQuery(const float *query, MetricKind metric) const;
	// Smaller is nearer: squared L2, or the negative inner product.
	float Distance(const PerDimensionSq8Query &query, const uint8_t *code) const;

	std::vector<uint8_t> Serialize() const;
	static Status Deserialize(const uint8_t *bytes, size_t size, PerDimensionSq8Quantizer *out);

private:
	std::vector<float> min_;
	std::vector<float> step_;  // (max - min) / 255, 0 for a constant dimension
};

}  // namespace vdb
