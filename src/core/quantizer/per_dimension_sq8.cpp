#include "core/pure.h"

#include "core/quantizer/per_dimension_sq8.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/quantizer/bytes.h"
#include "core/quantizer/kernels.h"
#include "core/validate.h"

namespace vdb {

// One pass for the range of every dimension.
Status PerDimensionSq8Quantizer::Train(const float *x, size_t n, size_t d, PerDimensionSq8Quantizer *out) {
	Status status = ValidateTrainingSet("sq8", x, n, d, 1);
	if (!status.ok())
		return status;
	std::vector<float> lo(x, x + d), hi(x, x + d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			lo[j] = std::min(lo[j], x[i * d + j]);
			hi[j] = std::max(hi[j], x[i * d + j]);
		}
	out->min_ = lo;
	out->step_.resize(d);
	for (size_t j = 0; j < d; j++)
		out->step_[j] = (hi[j] - lo[j]) / 255.0f;
	return Status::Ok();
}

// Rounds to the nearest level (the error per dimension is at most step / 2
// inside the range) and appends the decoded vector's squared length
// relative to the minimum.
bool PerDimensionSq8Quantizer::Encode(const float *x, uint8_t *code) const {
	constexpr float kSlackLevels = 255.0f * kRangeSlack;
	bool fits = true;
	double length = 0;
	for (size_t j = 0; j < min_.size(); j++) {
		float level = step_[j] > 0 ? (x[j] - min_[j]) / step_[j] : 0.0f;
		if (step_[j] > 0 ? level < -kSlackLevels || level > 255.0f + kSlackLevels : x[j] != min_[j])
			fits = false;
		code[j] = uint8_t(std::lrint(std::min(255.0f, std::max(0.0f, level))));
		double offset = double(step_[j]) * code[j];
		length += offset * offset;
	}
	float stored = float(length);
	memcpy(code + min_.size(), &stored, sizeof stored);
	return fits;
}

void PerDimensionSq8Quantizer::Decode(const uint8_t *code, float *x) const {
	for (size_t j = 0; j < min_.size(); j++)
		x[j] = min_[j] + step_[j] * float(code[j]);
}

// The query's weights per dimension, rounded to integers of at most
// kI16U8MaxWeight with one scale, and the code-independent term.
PerDimensionSq8Query PerDimensionSq8Quantizer::PrepareQuery(const float *query, MetricKind metric) const {
	PerDimensionSq8Query q;
	q.metric = metric == MetricKind::kL2 ? MetricKind::kL2 : MetricKind::kInnerProduct;
	size_t d = min_.size();
	std::vector<float> weight(d);
	double bias = 0;
	float largest = 0;
	for (size_t j = 0; j < d; j++) {
		float base = q.metric == MetricKind::kL2 ? query[j] - min_[j] : query[j];
		weight[j] = base * step_[j];
		bias += q.metric == MetricKind::kL2 ? double(base) * base : double(query[j]) * min_[j];
		largest = std::max(largest, std::fabs(weight[j]));
	}
	q.bias = float(bias);
	q.scale = largest > 0 ? largest / float(kI16U8MaxWeight) : 1.0f;
	q.weights.resize(d);
	for (size_t j = 0; j < d; j++)
		q.weights[j] = int16_t(std::lrint(weight[j] / q.scale));
	return q;
}

float PerDimensionSq8Quantizer::Distance(const PerDimensionSq8Query &query, const uint8_t *code) const {
	size_t d = min_.size();
	float dot = query.scale * float(QuantKernels().i16_u8_dot(query.weights.data(), code, d));
	if (query.metric == MetricKind::kL2) {
		float length;
		memcpy(&length, code + d, sizeof length);
		return query.bias - 2 * dot + length;
	}
	return -(query.bias + dot);
}

// kind, version, u32 d, d floats min, d floats step.
std::vector<uint8_t> PerDimensionSq8Quantizer::Serialize() const {
	ByteWriter out;
	PutHeader(out, QuantizerKind::kSq8, kFormatVersion);
	out.Put(uint32_t(min_.size()));
	out.PutFloats(min_);
	out.PutFloats(step_);
	return out.Take();
}

Status PerDimensionSq8Quantizer::Deserialize(const uint8_t *bytes, size_t size, PerDimensionSq8Quantizer *out) {
	ByteReader in(bytes, size);
	uint32_t d;
	if (!HeaderMatches(in, QuantizerKind::kSq8, kFormatVersion) || !in.Get(&d) || d == 0 ||
	    !in.GetFloats(d, &out->min_) || !in.GetFloats(d, &out->step_) || !in.AtEnd())
		return Status::Error(Status::kCorrupt, "sq8 quantizer state is truncated or not version 2");
	for (uint32_t j = 0; j < d; j++)
		if (!std::isfinite(out->min_[j]) || !std::isfinite(out->step_[j]) || out->step_[j] < 0)
			return Status::Error(Status::kCorrupt, "sq8 quantizer state has an invalid range");
	return Status::Ok();
}

}  // namespace vdb
