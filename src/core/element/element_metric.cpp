// Element distance functions: thin adapters from the untyped element pointers
// the graph stores to the kernels table.
#include "core/pure.h"

#include "core/element/element_metric.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/distance/distance.h"
#include "core/element/sparse_element.h"
#include "core/element/per_vector_sq8.h"

namespace vdb {
namespace {

const float *F32(const void *p) { return static_cast<const float *>(p); }
const Half *F16(const void *p) { return static_cast<const Half *>(p); }
const uint8_t *Bits(const void *p) { return static_cast<const uint8_t *>(p); }
size_t BitBytes(size_t bits) { return (bits + 7) / 8; }

float L2F32(const void *a, const void *b, size_t n) { return Kernels().l2_squared_f32(F32(a), F32(b), n); }
float NegDotF32(const void *a, const void *b, size_t n) { return -Kernels().dot_f32(F32(a), F32(b), n); }
float L1F32(const void *a, const void *b, size_t n) { return Kernels().l1_f32(F32(a), F32(b), n); }
float L2F16(const void *a, const void *b, size_t n) { return Kernels().l2_squared_f16(F16(a), F16(b), n); }
float NegDotF16(const void *a, const void *b, size_t n) { return -Kernels().dot_f16(F16(a), F16(b), n); }
float L1F16(const void *a, const void *b, size_t n) { return Kernels().l1_f16(F16(a), F16(b), n); }
// The graph ranks in float; the double result rounds to the nearest float.
float CosineF16(const void *a, const void *b, size_t n) { return float(Kernels().cosine_f16(F16(a), F16(b), n)); }
float Hamming(const void *a, const void *b, size_t n) {
	return float(Kernels().hamming(Bits(a), Bits(b), BitBytes(n)));
}
// 1 - |a AND b| / |a OR b|; two empty sets are identical.
float Jaccard(const void *a, const void *b, size_t n) {
	uint64_t and_count, or_count;
	Kernels().and_or_popcount(Bits(a), Bits(b), BitBytes(n), &and_count, &or_count);
	return or_count == 0 ? 0.0f : 1.0f - float(and_count) / float(or_count);
}

float L2Sparse(const void *a, const void *b, size_t) {
	return SparseL2Squared(SparseElementView(a), SparseElementView(b));
}
float NegDotSparse(const void *a, const void *b, size_t) {
	return -SparseDot(SparseElementView(a), SparseElementView(b));
}
float L1Sparse(const void *a, const void *b, size_t) { return SparseL1(SparseElementView(a), SparseElementView(b)); }

ElementDistanceFn SparseDistance(MetricKind kind) {
	switch (kind) {
	case MetricKind::kL2:
		return L2Sparse;
	case MetricKind::kInnerProduct:
	case MetricKind::kCosine:
		return NegDotSparse;
	case MetricKind::kL1:
		return L1Sparse;
	default:
		throw std::invalid_argument("bit metric over a sparse element");
	}
}

// Scales values (count of them) to unit length; false when the norm is zero
// or not finite.
bool Normalise(float *values, size_t count, double squared_norm) {
	double norm = std::sqrt(squared_norm);
	if (!(norm > 0) || !std::isfinite(norm))
		return false;
	for (size_t i = 0; i < count; i++)
		values[i] = float(values[i] / norm);
	return true;
}

ElementDistanceFn FloatDistance(ElementType type, MetricKind kind) {
	bool f32 = type == ElementType::kFloat32;
	switch (kind) {
	case MetricKind::kL2:
		return f32 ? L2F32 : L2F16;
	case MetricKind::kInnerProduct:
		return f32 ? NegDotF32 : NegDotF16;
	case MetricKind::kCosine:
		return f32 ? NegDotF32 : CosineF16;
	case MetricKind::kL1:
		return f32 ? L1F32 : L1F16;
	default:
		throw std::invalid_argument("bit metric over a float element");
	}
}

}  // namespace

ElementMetric MakeElementMetric(ElementType type, MetricKind kind, size_t dims) {
	if (dims == 0)
		throw std::invalid_argument("zero dimensions");
	ElementMetric metric{type, kind, dims, 0, nullptr, false, false};
	switch (type) {
	case ElementType::kFloat32:
		metric.bytes = dims * sizeof(float);
		metric.distance = FloatDistance(type, kind);
		break;
	case ElementType::kFloat16:
		metric.bytes = dims * sizeof(Half);
		metric.distance = FloatDistance(type, kind);
		break;
	case ElementType::kPerVectorSq8:
		metric.bytes = PerVectorSq8Bytes(dims);
		if (kind == MetricKind::kL2)
			metric.distance = PerVectorSq8L2Between;
		else if (kind == MetricKind::kInnerProduct || kind == MetricKind::kCosine)
			metric.distance = PerVectorSq8NegDotBetween;
		else if (kind == MetricKind::kL1)
			metric.distance = PerVectorSq8L1Between;
		else
			throw std::invalid_argument("sq8 elements support l2, inner product, cosine and l1");
		break;
	case ElementType::kBit:
		metric.bytes = BitBytes(dims);
		if (kind == MetricKind::kHamming)
			metric.distance = Hamming;
		else if (kind == MetricKind::kJaccard)
			metric.distance = Jaccard;
		else
			throw std::invalid_argument("float metric over a bit element");
		break;
	case ElementType::kSparse:
		metric.bytes = SparseElementBytes(kSparseElementMaxNnz);
		metric.distance = SparseDistance(kind);
		metric.variable = true;
		break;
	default:
		throw std::invalid_argument("unknown element type");
	}
	// Sums over elements are additive; Jaccard's ratio, float16 cosine's
	// normalisation and sq8's per-element scale are not, and a sparse element
	// cannot be cut by position.
	metric.additive = kind != MetricKind::kJaccard && !(kind == MetricKind::kCosine && type == ElementType::kFloat16) &&
	                  type != ElementType::kPerVectorSq8 && type != ElementType::kSparse;
	return metric;
}

size_t ElementMetric::ElementSize(const void *element) const {
	return variable ? SparseElementBytes(SparseElementNnz(element)) : bytes;
}

bool SparseElementValid(const void *element, size_t room, size_t dims) {
	if (room < sizeof(int32_t))
		return false;
	int32_t nnz = SparseElementNnz(element);
	if (nnz < 0 || nnz > kSparseElementMaxNnz || SparseElementBytes(nnz) > room)
		return false;
	SparseView v = SparseElementView(element);
	for (int32_t i = 0; i < nnz; i++)
		if (v.indices[i] < 0 || size_t(v.indices[i]) >= dims || (i > 0 && v.indices[i] <= v.indices[i - 1]))
			return false;
	return true;
}

bool ScatterApplies(const ElementMetric &metric) {
	return metric.type == ElementType::kSparse && metric.kind != MetricKind::kL1 && metric.dims <= kScatterMaxDims;
}

float ScatteredDistance(const ElementMetric &metric, const float *dense, float norm2, const void *element) {
	SparseView b = SparseElementView(element);
	return metric.kind == MetricKind::kL2 ? SparseL2SquaredScattered(dense, norm2, b) : -SparseDotScattered(dense, b);
}

bool PrepareElement(const ElementMetric &metric, void *element) {
	if (metric.kind != MetricKind::kCosine)
		return true;
	if (metric.type == ElementType::kFloat16) {
		const Half *x = static_cast<const Half *>(element);
		float norm = Kernels().dot_f16(x, x, metric.dims);
		return norm > 0 && std::isfinite(norm);
	}
	if (metric.type == ElementType::kSparse) {
		SparseView v = SparseElementView(element);
		return Normalise(const_cast<float *>(v.values), size_t(v.nnz), double(SparseSquaredNorm(v)));
	}
	float *x = static_cast<float *>(element);
	return Normalise(x, metric.dims, double(Kernels().dot_f32(x, x, metric.dims)));
}

}  // namespace vdb
