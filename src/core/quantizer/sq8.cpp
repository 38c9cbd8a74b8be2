#include "core/pure.h"

#include "core/quantizer/sq8.h"

#include <algorithm>
#include <cmath>

#include "core/quantizer/bytes.h"
#include "core/quantizer/kernels.h"
#include "core/validate.h"

namespace vdb {

// One pass for the range of every dimension.
Status Sq8Quantizer::Train(const float *x, size_t n, size_t d, Sq8Quantizer *out) {
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

// Rounds to the nearest level; the error per dimension is at most step / 2.
void Sq8Quantizer::Encode(const float *x, uint8_t *code) const {
	for (size_t j = 0; j < min_.size(); j++) {
		float level = step_[j] > 0 ? (x[j] - min_[j]) / step_[j] : 0.0f;
		code[j] = uint8_t(std::lrint(std::min(255.0f, std::max(0.0f, level))));
	}
}

void Sq8Quantizer::Decode(const uint8_t *code, float *x) const {
	for (size_t j = 0; j < min_.size(); j++)
		x[j] = min_[j] + step_[j] * float(code[j]);
}

Sq8Query Sq8Quantizer::PrepareQuery(const float *query, MetricKind metric) const {
	Sq8Query q;
	q.metric = metric == MetricKind::kL2 ? MetricKind::kL2 : MetricKind::kInnerProduct;
	q.values.resize(min_.size());
	for (size_t j = 0; j < min_.size(); j++) {
		if (q.metric == MetricKind::kL2) {
			q.values[j] = query[j] - min_[j];
		} else {
			q.values[j] = query[j] * step_[j];
			q.bias += query[j] * min_[j];
		}
	}
	return q;
}

float Sq8Quantizer::Distance(const Sq8Query &query, const uint8_t *code) const {
	const QuantizerKernels &k = QuantKernels();
	if (query.metric == MetricKind::kL2)
		return k.sq8_l2(query.values.data(), step_.data(), code, min_.size());
	return -(query.bias + k.sq8_dot(query.values.data(), code, min_.size()));
}

// kind, version, u32 d, d floats min, d floats step.
std::vector<uint8_t> Sq8Quantizer::Serialize() const {
	ByteWriter out;
	PutHeader(out, QuantizerKind::kSq8, kFormatVersion);
	out.Put(uint32_t(min_.size()));
	out.PutFloats(min_);
	out.PutFloats(step_);
	return out.Take();
}

Status Sq8Quantizer::Deserialize(const uint8_t *bytes, size_t size, Sq8Quantizer *out) {
	ByteReader in(bytes, size);
	uint32_t d;
	if (!HeaderMatches(in, QuantizerKind::kSq8, kFormatVersion) || !in.Get(&d) || d == 0 ||
	    !in.GetFloats(d, &out->min_) || !in.GetFloats(d, &out->step_) || !in.AtEnd())
		return Status::Error(Status::kCorrupt, "sq8 quantizer state is truncated or not version 1");
	for (uint32_t j = 0; j < d; j++)
		if (!std::isfinite(out->min_[j]) || !std::isfinite(out->step_[j]) || out->step_[j] < 0)
			return Status::Error(Status::kCorrupt, "sq8 quantizer state has an invalid range");
	return Status::Ok();
}

}  // namespace vdb
