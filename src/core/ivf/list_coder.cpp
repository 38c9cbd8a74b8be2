#include "core/pure.h"

#include "core/ivf/list_coder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "core/distance/distance.h"
#include "core/float16.h"

namespace vdb {
namespace {

constexpr uint64_t kRabitqSeed = 0x1f2e3d4c5b6a7988ULL;

// PQ codebooks train on at most 16 rows per codebook entry. Each slot's
// k-means costs rows x 256 x iterations distance evaluations and FAISS's
// (generic) build spends them in scalar loops: on the sample of 12,250
// Fashion-MNIST rows it was most of a pq build; re-ranking makes up for the
// coarser codebooks.
constexpr size_t kPqTrainingRows = 16 * PqQuantizer::kCentroids;

MetricKind QuantizerMetric(MetricKind kind) {
	return kind == MetricKind::kL2 ? MetricKind::kL2 : MetricKind::kInnerProduct;
}

}  // namespace

uint32_t NearestCentroid(MetricKind kind, const float *row, const float *centroids, size_t lists, size_t dims) {
	uint32_t best = 0;
	float best_distance = 0;
	for (size_t list = 0; list < lists; list++) {
		const float *c = centroids + list * dims;
		float d = kind == MetricKind::kL2 ? Kernels().l2_squared_f32(row, c, dims) : -Kernels().dot_f32(row, c, dims);
		if (list == 0 || d < best_distance) {
			best_distance = d;
			best = uint32_t(list);
		}
	}
	return best;
}

size_t DefaultPqM(size_t dims) {
	size_t limit = std::max<size_t>({dims / 16, std::min<size_t>(dims / 4, 64), 1});
	for (size_t m = limit; m > 1; m--)
		if (dims % m == 0)
			return m;
	return 1;
}

size_t DefaultRerank(IvfQuantizer kind) {
	return kind == IvfQuantizer::kSq8 ? 40 : 100;
}

void ElementToFloat(const ElementMetric &metric, const void *element, float *out) {
	switch (metric.type) {
	case ElementType::kFloat32:
		memcpy(out, element, metric.dims * sizeof(float));
		break;
	case ElementType::kFloat16: {
		const Half *h = static_cast<const Half *>(element);
		for (size_t i = 0; i < metric.dims; i++)
			out[i] = HalfToFloat(h[i]);
		break;
	}
	case ElementType::kBit: {
		const uint8_t *bits = static_cast<const uint8_t *>(element);
		for (size_t i = 0; i < metric.dims; i++)
			out[i] = (bits[i / 8] >> (7 - i % 8)) & 1 ? 1.0f : 0.0f;
		break;
	}
	case ElementType::kPerVectorSq8:
		break;  // HNSW's 8-bit elements; IVF columns are never in that encoding
	case ElementType::kSparse:  // IVF indexes never take sparsevec
		throw std::invalid_argument("sparse elements have no dense form");
	}
}

void FloatToElement(const ElementMetric &metric, const float *in, void *element) {
	switch (metric.type) {
	case ElementType::kFloat32:
		memcpy(element, in, metric.dims * sizeof(float));
		break;
	case ElementType::kFloat16: {
		Half *h = static_cast<Half *>(element);
		for (size_t i = 0; i < metric.dims; i++)
			h[i] = FloatToHalf(in[i]);
		break;
	}
	case ElementType::kBit: {
		uint8_t *bits = static_cast<uint8_t *>(element);
		memset(bits, 0, metric.bytes);
		for (size_t i = 0; i < metric.dims; i++)
			if (in[i] >= 0.5f)
				bits[i / 8] |= uint8_t(0x80 >> (i % 8));
		break;
	}
	case ElementType::kPerVectorSq8:
		break;  // as in ElementToFloat
	case ElementType::kSparse:  // IVF indexes never take sparsevec
		throw std::invalid_argument("sparse elements have no dense form");
	}
}

IvfCoder IvfCoder::Flat(const ElementMetric &metric) {
	IvfCoder coder;
	coder.metric_ = metric;
	coder.quantizer_metric_ = QuantizerMetric(metric.kind);
	return coder;
}

Status IvfCoder::Train(IvfQuantizer kind, const ElementMetric &metric, const float *rows, size_t n,
                       const float *centroids, size_t lists, const IvfTrainParams &params, IvfCoder *out) {
	IvfCoder coder = Flat(metric);
	coder.kind_ = kind;
	size_t d = metric.dims;
	if (kind != IvfQuantizer::kFlat && metric.type == ElementType::kBit)
		return Status::Error(Status::kInvalidArgument, "quantizers need vector or halfvec columns");
	Status status = Status::Ok();
	switch (kind) {
	case IvfQuantizer::kFlat:
		break;
	case IvfQuantizer::kSq8: {
		auto q = std::make_shared<PerDimensionSq8Quantizer>();
		status = PerDimensionSq8Quantizer::Train(rows, n, d, q.get());
		coder.sq8_ = q;
		break;
	}
	case IvfQuantizer::kPq: {
		// An evenly spaced subset of the (random) sample is as random as it.
		size_t used = std::min(n, kPqTrainingRows);
		std::vector<float> residuals(used * d);
		for (size_t u = 0; u < used; u++) {
			const float *row = rows + (u * n / used) * d;
			const float *c = centroids + size_t(NearestCentroid(coder.quantizer_metric_, row, centroids, lists, d)) * d;
			for (size_t j = 0; j < d; j++)
				residuals[u * d + j] = row[j] - c[j];
		}
		n = used;
		PqParams pq;
		pq.m = params.pq_m ? params.pq_m : DefaultPqM(d);
		pq.threads = params.threads;
		pq.should_stop = params.should_stop;
		auto q = std::make_shared<PqQuantizer>();
		status = PqQuantizer::Train(residuals.data(), n, d, pq, q.get());
		coder.pq_ = q;
		break;
	}
	case IvfQuantizer::kRabitq: {
		auto q = std::make_shared<RabitqQuantizer>();
		status = RabitqQuantizer::Create(d, kRabitqSeed, q.get());
		coder.rabitq_ = q;
		break;
	}
	}
	if (status.ok())
		*out = std::move(coder);
	return status;
}

Status IvfCoder::Load(IvfQuantizer kind, const ElementMetric &metric, const uint8_t *bytes, size_t size,
                      IvfCoder *out) {
	IvfCoder coder = Flat(metric);
	coder.kind_ = kind;
	Status status = Status::Ok();
	switch (kind) {
	case IvfQuantizer::kFlat:
		if (size != 0)
			status = Status::Error(Status::kCorrupt, "flat lists have no quantizer state");
		break;
	case IvfQuantizer::kSq8: {
		auto q = std::make_shared<PerDimensionSq8Quantizer>();
		status = PerDimensionSq8Quantizer::Deserialize(bytes, size, q.get());
		coder.sq8_ = q;
		break;
	}
	case IvfQuantizer::kPq: {
		auto q = std::make_shared<PqQuantizer>();
		status = PqQuantizer::Deserialize(bytes, size, q.get());
		coder.pq_ = q;
		break;
	}
	case IvfQuantizer::kRabitq: {
		auto q = std::make_shared<RabitqQuantizer>();
		status = RabitqQuantizer::Deserialize(bytes, size, metric.dims, q.get());
		coder.rabitq_ = q;
		break;
	}
	default:
		status = Status::Error(Status::kCorrupt, "unknown quantizer kind");
	}
	if (status.ok() && kind != IvfQuantizer::kFlat) {
		size_t dims = coder.sq8_ ? coder.sq8_->dims() : coder.pq_ ? coder.pq_->dims() : coder.rabitq_->dims();
		if (dims != metric.dims)
			status = Status::Error(Status::kCorrupt, "quantizer dimensions differ from the index's");
	}
	if (status.ok())
		*out = std::move(coder);
	return status;
}

size_t IvfCoder::code_size() const {
	switch (kind_) {
	case IvfQuantizer::kSq8:
		return sq8_->code_size();
	case IvfQuantizer::kPq:
		return pq_->code_size() + (quantizer_metric_ == MetricKind::kL2 ? sizeof(float) : 0);
	case IvfQuantizer::kRabitq:
		return rabitq_->code_size();
	default:
		return metric_.bytes;
	}
}

std::vector<uint8_t> IvfCoder::Serialize() const {
	switch (kind_) {
	case IvfQuantizer::kSq8:
		return sq8_->Serialize();
	case IvfQuantizer::kPq:
		return pq_->Serialize();
	case IvfQuantizer::kRabitq:
		return rabitq_->Serialize();
	default:
		return {};
	}
}

void IvfCoder::ToQuantizerInput(const void *element, float *out) const {
	ElementToFloat(metric_, element, out);
	// float32 cosine elements are normalised on the way in; halfvec ones are not.
	if (metric_.kind == MetricKind::kCosine && metric_.type == ElementType::kFloat16) {
		double norm = std::sqrt(double(Kernels().dot_f32(out, out, metric_.dims)));
		if (norm > 0)
			for (size_t i = 0; i < metric_.dims; i++)
				out[i] = float(out[i] / norm);
	}
}

bool IvfCoder::Encode(const void *element, const float *centroid, uint8_t *code) const {
	if (kind_ == IvfQuantizer::kFlat) {
		memcpy(code, element, metric_.bytes);
		return true;
	}
	size_t d = metric_.dims;
	scratch_.resize(d);
	ToQuantizerInput(element, scratch_.data());
	switch (kind_) {
	case IvfQuantizer::kSq8:
		return sq8_->Encode(scratch_.data(), code);
	case IvfQuantizer::kPq:
		residual_.resize(d);
		for (size_t j = 0; j < d; j++)
			residual_[j] = scratch_[j] - centroid[j];
		pq_->Encode(residual_.data(), code);
		if (quantizer_metric_ == MetricKind::kL2) {
			// |r'|^2 + 2 <c, r'> of the decoded residual r' (see Score).
			pq_->Decode(code, scratch_.data());
			float term = Kernels().dot_f32(scratch_.data(), scratch_.data(), d) +
			             2 * Kernels().dot_f32(centroid, scratch_.data(), d);
			memcpy(code + pq_->code_size(), &term, sizeof term);
		}
		break;
	case IvfQuantizer::kRabitq:
		rabitq_->Encode(scratch_.data(), centroid, code);
		break;
	default:
		break;
	}
	return true;
}

// The parts of the query state that do not depend on the list.
void IvfCoder::PrepareQuery(const void *element, IvfListQuery *out) const {
	out->element = element;
	out->bias = 0;
	if (kind_ == IvfQuantizer::kFlat)
		return;
	out->input.resize(metric_.dims);
	ToQuantizerInput(element, out->input.data());
	if (kind_ == IvfQuantizer::kSq8)
		out->sq8 = sq8_->PrepareQuery(out->input.data(), quantizer_metric_);
	else if (kind_ == IvfQuantizer::kPq)
		// Both metrics need only <q, r'> of the query and a code's decoded
		// residual r': one table for every list, a bias per list (Score).
		out->pq_table = pq_->PrepareQuery(out->input.data(), MetricKind::kInnerProduct);
}

void IvfCoder::PrepareList(const float *centroid, IvfListQuery *out) const {
	size_t d = metric_.dims;
	const float *q = out->input.data();
	switch (kind_) {
	case IvfQuantizer::kPq:
		out->bias = quantizer_metric_ == MetricKind::kL2 ? Kernels().l2_squared_f32(q, centroid, d)
		                                                 : -Kernels().dot_f32(q, centroid, d);
		break;
	case IvfQuantizer::kRabitq:
		out->rabitq = rabitq_->PrepareQuery(q, centroid, quantizer_metric_);
		break;
	default:
		break;  // flat and SQ8 need nothing per list
	}
}

float IvfCoder::Score(const IvfListQuery &query, const uint8_t *code) const {
	switch (kind_) {
	case IvfQuantizer::kSq8:
		return sq8_->Distance(query.sq8, code);
	case IvfQuantizer::kPq: {
		// The table holds -<q, r'>. L2: |q - c - r'|^2 = |q - c|^2 - 2 <q, r'>
		// + (|r'|^2 + 2 <c, r'>), the last stored with the code; inner
		// product: -<q, c + r'> = -<q, c> - <q, r'>.
		float minus_dot = pq_->Distance(query.pq_table, code);
		if (quantizer_metric_ != MetricKind::kL2)
			return query.bias + minus_dot;
		float term;
		memcpy(&term, code + pq_->code_size(), sizeof term);
		return query.bias + 2 * minus_dot + term;
	}
	case IvfQuantizer::kRabitq:
		return rabitq_->EstimateDistance(query.rabitq, code);
	default:
		return metric_.Distance(query.element, code);
	}
}

}  // namespace vdb
