#include "core/pure.h"

#include "core/quantizer/rabitq.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>

#include "core/quantizer/bytes.h"
#include "core/quantizer/kernels.h"

namespace vdb {
namespace {

// The scalars after the bits of a code.
struct CodeTail {
	float norm;       // |x - c|
	float ip_factor;  // <x_bar, o'>, in (0, 1]
	uint32_t popcount;
	uint32_t zero;    // padding, kept zero
};

}  // namespace

RabitqQuantizer::RabitqQuantizer(size_t d, uint64_t seed)
    : d_(d), words_((d + 63) / 64), seed_(seed), rotation_(d, seed) {}

Status RabitqQuantizer::Create(size_t d, uint64_t seed, RabitqQuantizer *out) {
	if (d == 0 || d > size_t(INT_MAX))
		return Status::Error(Status::kInvalidArgument, "rabitq needs at least one dimension");
	*out = RabitqQuantizer(d, seed);
	return Status::Ok();
}

void RabitqQuantizer::Encode(const float *x, const float *centroid, uint8_t *code) const {
	std::vector<float> r(d_);
	double norm_sq = 0;
	for (size_t i = 0; i < d_; i++) {
		r[i] = x[i] - centroid[i];
		norm_sq += double(r[i]) * r[i];
	}
	rotation_.Apply(r.data(), r.data());

	std::vector<uint64_t> bits(words_, 0);
	double abs_sum = 0;
	for (size_t i = 0; i < d_; i++) {
		if (r[i] > 0)
			bits[i / 64] |= uint64_t(1) << (i % 64);
		abs_sum += std::fabs(r[i]);
	}
	CodeTail tail = {};
	tail.norm = float(std::sqrt(norm_sq));
	// <x_bar, o'> = sum |r'_i| / (sqrt(d) |r|); 1 for a row on its centroid,
	// where the bits carry nothing and the norm zeroes their term anyway.
	tail.ip_factor = norm_sq > 0 ? float(abs_sum / (std::sqrt(double(d_)) * std::sqrt(norm_sq))) : 1.0f;
	tail.popcount = QuantKernels().popcount(bits.data(), words_);
	memcpy(code, bits.data(), words_ * 8);
	memcpy(code + words_ * 8, &tail, sizeof tail);
}

RabitqQuery RabitqQuantizer::PrepareQuery(const float *query, const float *centroid,
                                          MetricKind metric) const {
	RabitqQuery q;
	q.metric = metric == MetricKind::kL2 ? MetricKind::kL2 : MetricKind::kInnerProduct;
	std::vector<float> u(d_);
	double base = 0;
	for (size_t i = 0; i < d_; i++) {
		if (q.metric == MetricKind::kL2) {
			u[i] = query[i] - centroid[i];
			base += double(u[i]) * u[i];
		} else {
			u[i] = query[i];
			base += double(query[i]) * centroid[i];
		}
	}
	q.base = float(base);
	rotation_.Apply(u.data(), u.data());

	auto range = std::minmax_element(u.begin(), u.end());
	q.lo = *range.first;
	q.delta = (*range.second - q.lo) / float((1 << kQueryBits) - 1);
	q.planes.assign(size_t(kQueryBits) * words_, 0);
	double sum = 0;
	for (size_t i = 0; i < d_; i++) {
		sum += u[i];
		long level = q.delta > 0 ? std::lrint((u[i] - q.lo) / q.delta) : 0;
		for (int b = 0; b < kQueryBits; b++)
			if (level & (1L << b))
				q.planes[b * words_ + i / 64] |= uint64_t(1) << (i % 64);
	}
	q.sum = float(sum);
	return q;
}

float RabitqQuantizer::EstimateDistance(const RabitqQuery &query, const uint8_t *code) const {
	const uint64_t *bits = reinterpret_cast<const uint64_t *>(code);
	CodeTail tail;
	memcpy(&tail, code + words_ * 8, sizeof tail);
	uint32_t weighted = QuantKernels().bit_plane_dot(bits, query.planes.data(), words_, kQueryBits);
	// sum of (R u)_i over set bits, then <x_bar, R u> = (2 * that - sum) / sqrt(d).
	float on_bits = query.lo * float(tail.popcount) + query.delta * float(weighted);
	float x_bar_dot_u = (2 * on_bits - query.sum) / std::sqrt(float(d_));
	float estimate = tail.norm * (x_bar_dot_u / tail.ip_factor);  // ~ <x - c, u>
	if (query.metric == MetricKind::kL2)
		return tail.norm * tail.norm + query.base - 2 * estimate;
	return -(query.base + estimate);
}

// kind, version, u32 d, u64 seed.
std::vector<uint8_t> RabitqQuantizer::Serialize() const {
	ByteWriter out;
	PutHeader(out, QuantizerKind::kRabitq, kFormatVersion);
	out.Put(uint32_t(d_));
	out.Put(seed_);
	return out.Take();
}

Status RabitqQuantizer::Deserialize(const uint8_t *bytes, size_t size, size_t dims, RabitqQuantizer *out) {
	ByteReader in(bytes, size);
	uint32_t d;
	uint64_t seed;
	if (!HeaderMatches(in, QuantizerKind::kRabitq, kFormatVersion) || !in.Get(&d) || !in.Get(&seed) ||
	    !in.AtEnd() || d == 0 || d > uint32_t(INT_MAX))
		return Status::Error(Status::kCorrupt, "rabitq quantizer state is truncated or not version 1");
	if (d != dims)
		return Status::Error(Status::kCorrupt, "quantizer dimensions differ from the index's");
	*out = RabitqQuantizer(d, seed);
	return Status::Ok();
}

}  // namespace vdb
