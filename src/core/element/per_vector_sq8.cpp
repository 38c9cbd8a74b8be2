#include "core/pure.h"

#include "core/element/per_vector_sq8.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "core/quantizer/kernels.h"

namespace vdb {
namespace {

const uint8_t *Codes(const void *element) { return static_cast<const uint8_t *>(element) + sizeof(PerVectorSq8Header); }

PerVectorSq8Header Header(const void *element) {
	PerVectorSq8Header h;
	memcpy(&h, element, sizeof h);
	return h;
}

// Unit roundoff of float arithmetic, and a bound on the relative error of a
// float sum of n terms however the kernel orders it (with room for the few
// operations around it).
constexpr double kRoundoff = 1.0 / (1 << 24);
double SumError(size_t n) { return 2.0 * double(n + 8) * kRoundoff; }

}  // namespace

size_t PerVectorSq8Bytes(size_t dims) { return sizeof(PerVectorSq8Header) + (dims + 3) / 4 * 4; }

namespace {

// Encodes x(0) .. x(dims - 1), read twice (range, then codes).
template <typename Value>
void Encode(MetricKind kind, Value x, size_t dims, void *element) {
	float low = x(0), high = x(0);
	for (size_t i = 1; i < dims; i++) {
		low = std::min(low, x(i));
		high = std::max(high, x(i));
	}
	float step = float((double(high) - low) / 255);
	uint8_t *codes = static_cast<uint8_t *>(element) + sizeof(PerVectorSq8Header);
	double norm2 = 0, residual = 0;
	uint32_t code_sum = 0;
	for (size_t i = 0; i < dims; i++) {
		float v = x(i);
		float level = step > 0 ? (v - low) / step : 0.0f;
		codes[i] = uint8_t(std::lrint(std::min(255.0f, std::max(0.0f, level))));
		code_sum += codes[i];
		// The reconstruction in exact arithmetic, as the distances use it.
		double rebuilt = double(low) + double(step) * codes[i];
		norm2 += rebuilt * rebuilt;
		residual += kind == MetricKind::kL1 ? std::fabs(v - rebuilt) : (v - rebuilt) * (v - rebuilt);
	}
	memset(codes + dims, 0, PerVectorSq8Bytes(dims) - sizeof(PerVectorSq8Header) - dims);
	if (kind != MetricKind::kL1)
		residual = std::sqrt(residual);
	// Rounded up so the stored residual is never below the true one.
	PerVectorSq8Header h{low, step, float(norm2), float(residual * (1 + 4 * kRoundoff)), code_sum};
	memcpy(element, &h, sizeof h);
}

double HalfSquaredNorm(const Half *x, size_t dims) {
	double sum = 0;
	for (size_t i = 0; i < dims; i++)
		sum += double(HalfToFloat(x[i])) * HalfToFloat(x[i]);
	return sum;
}

// The factor that scales a float16 vector to unit length under cosine (1
// where it has no length: such elements are never indexed).
float HalfScale(MetricKind kind, const Half *x, size_t dims) {
	if (kind != MetricKind::kCosine)
		return 1.0f;
	double norm = std::sqrt(HalfSquaredNorm(x, dims));
	return norm > 0 && std::isfinite(norm) ? float(1 / norm) : 1.0f;
}

}  // namespace

void PerVectorSq8Encode(MetricKind kind, const float *x, size_t dims, void *element) {
	Encode(kind, [x](size_t i) { return x[i]; }, dims, element);
}

void PerVectorSq8EncodeHalf(MetricKind kind, const Half *x, size_t dims, void *element) {
	float scale = HalfScale(kind, x, dims);
	Encode(kind, [x, scale](size_t i) { return scale * HalfToFloat(x[i]); }, dims, element);
}

void PerVectorSq8Decode(const void *element, size_t dims, float *x) {
	PerVectorSq8Header h = Header(element);
	const uint8_t *codes = Codes(element);
	for (size_t i = 0; i < dims; i++)
		x[i] = h.low + h.step * float(codes[i]);
}

void PerVectorSq8DecodeHalf(const void *element, size_t dims, Half *x) {
	PerVectorSq8Header h = Header(element);
	const uint8_t *codes = Codes(element);
	for (size_t i = 0; i < dims; i++)
		x[i] = FloatToHalf(h.low + h.step * float(codes[i]));
}

namespace {

// a^.b^ = sum (la + sa ca_i)(lb + sb cb_i), expanded so the only loop is
// the integer dot product of the codes.
double DotBetween(const void *a, const void *b, size_t dims) {
	PerVectorSq8Header ha = Header(a), hb = Header(b);
	double codes = QuantKernels().u8_dot(Codes(a), Codes(b), dims);
	return double(dims) * ha.low * hb.low + double(ha.low) * hb.step * hb.code_sum +
	       double(hb.low) * ha.step * ha.code_sum + double(ha.step) * hb.step * codes;
}

}  // namespace

float PerVectorSq8L2Between(const void *a, const void *b, size_t dims) {
	double dot = DotBetween(a, b, dims);
	return float(std::max(0.0, double(Header(a).norm2) + Header(b).norm2 - 2 * dot));
}

float PerVectorSq8NegDotBetween(const void *a, const void *b, size_t dims) { return float(-DotBetween(a, b, dims)); }

float PerVectorSq8L1Between(const void *a, const void *b, size_t dims) {
	PerVectorSq8Header ha = Header(a), hb = Header(b);
	const uint8_t *ca = Codes(a), *cb = Codes(b);
	float offset = ha.low - hb.low, sum = 0;
	for (size_t i = 0; i < dims; i++)
		sum += std::fabs(offset + ha.step * float(ca[i]) - hb.step * float(cb[i]));
	return sum;
}

namespace {

// The sums of scale * q that the bounds and the L2 distance need.
template <typename Value>
PerVectorSq8Query Prepare(PerVectorSq8Query q, Value x) {
	double sum = 0, norm2 = 0, abs_sum = 0;
	for (size_t i = 0; i < q.dims; i++) {
		double v = double(q.scale) * x(i);
		sum += v;
		norm2 += v * v;
		abs_sum += std::fabs(v);
	}
	q.sum = float(sum);
	q.norm2 = float(norm2);
	q.abs_sum = float(abs_sum);
	q.kernels = &QuantKernels();
	return q;
}

// sum |scale * q_i - x^_i|, in four lanes so the loop can vectorise.
template <typename Value>
float L1ToElement(Value q, float scale, const PerVectorSq8Header &h, const uint8_t *codes, size_t dims) {
	float lanes[4] = {0, 0, 0, 0};
	size_t i = 0;
	for (; i + 4 <= dims; i += 4)
		for (size_t k = 0; k < 4; k++)
			lanes[k] += std::fabs(scale * q(i + k) - (h.low + h.step * float(codes[i + k])));
	for (; i < dims; i++)
		lanes[0] += std::fabs(scale * q(i) - (h.low + h.step * float(codes[i])));
	return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

}  // namespace

PerVectorSq8Query PerVectorSq8PrepareQuery(MetricKind kind, const float *query, size_t dims) {
	return Prepare(PerVectorSq8Query{kind, query, nullptr, dims, 1.0f, 0, 0, 0, nullptr}, [query](size_t i) { return query[i]; });
}

PerVectorSq8Query PerVectorSq8PrepareHalfQuery(MetricKind kind, const Half *query, size_t dims) {
	return Prepare(PerVectorSq8Query{kind, nullptr, query, dims, HalfScale(kind, query, dims), 0, 0, 0, nullptr},
	               [query](size_t i) { return HalfToFloat(query[i]); });
}

float PerVectorSq8Distance(const PerVectorSq8Query &query, const void *element) {
	PerVectorSq8Header h = Header(element);
	const uint8_t *codes = Codes(element);
	if (query.kind == MetricKind::kL1)
		return query.values ? L1ToElement([&](size_t i) { return query.values[i]; }, 1.0f, h, codes, query.dims)
		                    : L1ToElement([&](size_t i) { return HalfToFloat(query.half_values[i]); }, query.scale, h,
		                                  codes, query.dims);
	float code_dot = query.values ? query.kernels->f32_u8_dot(query.values, codes, query.dims)
	                              : query.scale * query.kernels->f16_u8_dot(query.half_values, codes, query.dims);
	float dot = h.low * query.sum + h.step * code_dot;
	if (query.kind == MetricKind::kL2)
		return std::max(0.0f, query.norm2 + h.norm2 - 2 * dot);
	return -dot;
}

namespace {

double LowerBound(const PerVectorSq8Query &query, float distance, const void *element) {
	PerVectorSq8Header h = Header(element);
	size_t n = query.dims;
	// How far `distance` may be from its exact value: the dot product's terms
	// are at most |low * sum| and step * 255 * sum|q| in size.
	double dot_error = SumError(n) * (std::fabs(double(h.low) * query.sum) + double(h.step) * 255 * query.abs_sum);
	double q_norm = std::sqrt(double(query.norm2));
	switch (query.kind) {
	case MetricKind::kL2: {
		double error = 2 * dot_error + SumError(n) * (double(query.norm2) + h.norm2);
		double to_rebuilt = std::sqrt(std::max(0.0, double(distance) - error));
		// The operator sums squares in float: its result can be that much low.
		return std::max(0.0, to_rebuilt - h.residual) * (1 - SumError(n));
	}
	case MetricKind::kInnerProduct: {
		// -q.x >= -q.x^ - |q| residual; the operator's own sum may err by
		// SumError(n) |q| |x| with |x| <= |x^| + residual.
		double x_norm = std::sqrt(double(h.norm2)) + h.residual;
		return double(distance) - dot_error - q_norm * h.residual - SumError(n) * q_norm * x_norm;
	}
	case MetricKind::kCosine:
		// Unit vectors: 1 - cos >= 1 - q.x^ - residual; the operator's dot and
		// norms err by a few SumError(n).
		return 1.0 + double(distance) - dot_error - h.residual - 4 * SumError(n);
	case MetricKind::kL1: {
		// |q - x|_1 >= |q - x^|_1 - |x - x^|_1. Our sum's terms are at most
		// |q_i| + |low| + 255 step; the operator's float sum of n non-negative
		// terms is at most SumError(n) of itself low.
		double terms = double(query.abs_sum) + double(n) * (std::fabs(double(h.low)) + 255 * double(h.step));
		double to_rebuilt = double(distance) - SumError(n) * terms;
		return std::max(0.0, to_rebuilt - h.residual) * (1 - SumError(n));
	}
	default:
		return -DBL_MAX;
	}
}

}  // namespace

// NaN (from vectors near the float range's limit) would rank above every
// exact value; no bound at all is the safe answer.
double PerVectorSq8LowerBound(const PerVectorSq8Query &query, float distance, const void *element) {
	double bound = LowerBound(query, distance, element);
	return std::isnan(bound) ? -DBL_MAX : bound;
}

}  // namespace vdb
