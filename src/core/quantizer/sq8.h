// SQ8: every dimension scaled to 8 bits between the minimum and maximum seen
// in training (FAISS's QT_8bit with a per-dimension range). A code is d bytes.
// Distances are asymmetric: the query stays float and is compared with the
// decoded code, x_i = min_i + step_i * code_i, without decoding it:
//   L2:  sum_i ((q_i - min_i) - step_i * code_i)^2
//   IP:  -(sum_i q_i * min_i + sum_i (q_i * step_i) * code_i)
// so a query is prepared once (shifted query, or weights and a bias) and each
// code costs one widening multiply-add per dimension (kernels.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/metric.h"
#include "core/status.h"

namespace vdb {

struct Sq8Query {
	MetricKind metric;
	std::vector<float> values;  // L2: q - min; IP: q * step
	float bias = 0;             // IP: sum q * min
};

class Sq8Quantizer {
public:
	static constexpr uint8_t kFormatVersion = 1;

	// Learns each dimension's range from n row-major vectors.
	static Status Train(const float *x, size_t n, size_t d, Sq8Quantizer *out);

	size_t dims() const { return min_.size(); }
	size_t code_size() const { return min_.size(); }

	// Values outside the trained range are clamped to it.
	void Encode(const float *x, uint8_t *code) const;
	void Decode(const uint8_t *code, float *x) const;

	// Cosine: pass unit vectors and kInnerProduct (1 + the result is cosine distance).
	Sq8Query PrepareQuery(const float *query, MetricKind metric) const;
	// Smaller is nearer: squared L2, or the negative inner product.
	float Distance(const Sq8Query &query, const uint8_t *code) const;

	std::vector<uint8_t> Serialize() const;
	static Status Deserialize(const uint8_t *bytes, size_t size, Sq8Quantizer *out);

private:
	std::vector<float> min_;
	std::vector<float> step_;  // (max - min) / 255, 0 for a constant dimension
};

}  // namespace vdb
