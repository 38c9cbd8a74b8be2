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

void PerVectorSq8Encode(const float *x, size_t dims, void *element) {
	float low = *std::min_element(x, x + dims);
	float high = *std::max_element(x, x + dims);
	float step = float((double(high) - low) / 255);
	uint8_t *codes = static_cast<uint8_t *>(element) + sizeof(PerVectorSq8Header);
	double norm2 = 0, residual2 = 0;
	uint32_t code_sum = 0;
	for (size_t i = 0; i < dims; i++) {
		float level = step > 0 ? (x[i] - low) / step : 0.0f;
		codes[i] = uint8_t(std::lrint(std::min(255.0f, std::max(0.0f, level))));
		code_sum += codes[i];
		// The reconstruction in exact arithmetic, as the distances use it.
		double rebuilt = double(low) + double(step) * codes[i];
		norm2 += rebuilt * rebuilt;
		residual2 += (x[i] - rebuilt) * (x[i] - rebuilt);
	}
	memset(codes + dims, 0, PerVectorSq8Bytes(dims) - sizeof(PerVectorSq8Header) - dims);
	// Rounded up so the stored residual is never below the true one.
	PerVectorSq8Header h{low, step, float(norm2), float(std::sqrt(residual2) * (1 + 4 * kRoundoff)), code_sum};
	memcpy(element, &h, sizeof h);
}

void PerVectorSq8Decode(const void *element, size_t dims, float *x) {
	PerVectorSq8Header h = Header(element);
	const uint8_t *codes = Codes(element);
	for (size_t i = 0; i < dims; i++)
		x[i] = h.low + h.step * float(codes[i]);
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

PerVectorSq8Query PerVectorSq8PrepareQuery(MetricKind kind, const float *query, size_t dims) {
	PerVectorSq8Query q{kind, query, dims, 0, 0, 0};
	double sum = 0, norm2 = 0, abs_sum = 0;
	for (size_t i = 0; i < dims; i++) {
		sum += query[i];
		norm2 += double(query[i]) * query[i];
		abs_sum += std::fabs(query[i]);
	}
	q.sum = float(sum);
	q.norm2 = float(norm2);
	q.abs_sum = float(abs_sum);
	return q;
}

float PerVectorSq8Distance(const PerVectorSq8Query &query, const void *element) {
	PerVectorSq8Header h = Header(element);
	float dot = h.low * query.sum + h.step * QuantKernels().f32_u8_dot(query.values, Codes(element), query.dims);
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
