// Training goes through faiss::ProductQuantizer; everything a backend does
// per row or per query (encode, tables, scan) is our own loop, because
// FAISS's batch encoders open OpenMP regions even for a single vector, and
// OpenMP threads may only start inside a ParallelSection.
#include "core/pure.h"

#include "core/quantizer/pq.h"

#include <climits>
#include <cmath>
#include <cstdio>
#include <limits>

#include <faiss/impl/ProductQuantizer.h>

#include "core/distance/distance.h"
#include "core/quantizer/bytes.h"
#include "core/quantizer/kernels.h"
#include "core/threads/run_faiss.h"
#include "core/validate.h"

namespace vdb {

Status PqQuantizer::Train(const float *x, size_t n, size_t d, const PqParams &params,
                          PqQuantizer *out) {
	char message[200];
	if (params.m == 0 || d % params.m != 0) {
		snprintf(message, sizeof message, "pq needs pq_m to divide the %zu dimensions, and %zu does not",
		         d, params.m);
		return Status::Error(Status::kInvalidArgument, message);
	}
	Status status = ValidateTrainingSet("pq with 8-bit codes", x, n, d, kMinTrainingVectors);
	if (!status.ok())
		return status;

	return RunFaiss("pq training", params.threads, params.should_stop, [&] {
		faiss::ProductQuantizer pq(d, params.m, 8);
		pq.cp.seed = params.seed;
		pq.cp.verbose = false;
		pq.cp.min_points_per_centroid = 0;  // no warnings on the server's stderr
		pq.train(n, x);
		out->m_ = params.m;
		out->dsub_ = d / params.m;
		out->centroids_ = std::move(pq.centroids);
	});
}

// The nearest centroid of each slot.
void PqQuantizer::Encode(const float *x, uint8_t *code) const {
	auto l2 = Kernels().l2_squared_f32;
	for (size_t j = 0; j < m_; j++) {
		const float *sub = x + j * dsub_;
		const float *c = &centroids_[j * kCentroids * dsub_];
		float best = std::numeric_limits<float>::infinity();
		size_t best_id = 0;
		for (size_t id = 0; id < kCentroids; id++) {
			float dist = l2(sub, c + id * dsub_, dsub_);
			if (dist < best) {
				best = dist;
				best_id = id;
			}
		}
		code[j] = uint8_t(best_id);
	}
}

void PqQuantizer::Decode(const uint8_t *code, float *x) const {
	for (size_t j = 0; j < m_; j++) {
		const float *c = &centroids_[(j * kCentroids + code[j]) * dsub_];
		std::copy(c, c + dsub_, x + j * dsub_);
	}
}

std::vector<float> PqQuantizer::PrepareQuery(const float *query, Metric metric) const {
	const DistanceKernels &k = Kernels();
	std::vector<float> table(m_ * kCentroids);
	for (size_t j = 0; j < m_; j++)
		for (size_t id = 0; id < kCentroids; id++) {
			const float *c = &centroids_[(j * kCentroids + id) * dsub_];
			const float *sub = query + j * dsub_;
			table[j * kCentroids + id] =
			    metric == Metric::kL2 ? k.l2_squared_f32(sub, c, dsub_) : -k.dot_f32(sub, c, dsub_);
		}
	return table;
}

float PqQuantizer::Distance(const std::vector<float> &table, const uint8_t *code) const {
	return QuantKernels().pq_sum(table.data(), code, m_);
}

// kind, version, u32 m, u32 dsub, u8 bits, m * 256 * dsub floats.
std::vector<uint8_t> PqQuantizer::Serialize() const {
	ByteWriter out;
	PutHeader(out, QuantizerKind::kPq, kFormatVersion);
	out.Put(uint32_t(m_));
	out.Put(uint32_t(dsub_));
	out.Put(uint8_t(8));
	out.PutFloats(centroids_);
	return out.Take();
}

Status PqQuantizer::Deserialize(const uint8_t *bytes, size_t size, PqQuantizer *out) {
	ByteReader in(bytes, size);
	uint32_t m, dsub;
	uint8_t bits;
	bool ok = HeaderMatches(in, QuantizerKind::kPq, kFormatVersion) && in.Get(&m) &&
	          in.Get(&dsub) && in.Get(&bits) && bits == 8 && m > 0 && dsub > 0 &&
	          uint64_t(m) * dsub <= uint64_t(INT_MAX) &&
	          in.GetFloats(size_t(m) * kCentroids * dsub, &out->centroids_) && in.AtEnd();
	if (!ok)
		return Status::Error(Status::kCorrupt, "pq quantizer state is truncated or not version 1");
	for (float v : out->centroids_)
		if (!std::isfinite(v))
			return Status::Error(Status::kCorrupt, "pq quantizer state has a non-finite centroid");
	out->m_ = m;
	out->dsub_ = dsub;
	return Status::Ok();
}

}  // namespace vdb
