// Training runs FAISS k-means per slot; everything a backend does
// per row or per query (encode, tables, scan) is our own loop, because
// FAISS's batch encoders open OpenMP regions even for a single vector, and
// OpenMP threads may only start inside a ParallelSection.
#include "core/pure.h"

#include "core/quantizer/pq.h"

#include <omp.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <exception>

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>

#include "core/quantizer/bytes.h"
#include "core/quantizer/kernels.h"
#include "core/threads/run_faiss.h"
#include "core/validate.h"

namespace vdb {

namespace {

// One slot's 256 centroids: FAISS k-means over the slot's sub-vectors, as
// faiss::ProductQuantizer trains each of its sub-quantizers.
void TrainSlot(const float *x, size_t n, size_t d, size_t slot, size_t dsub, int seed, float *centroids) {
	std::vector<float> slice(n * dsub);
	for (size_t i = 0; i < n; i++)
		std::copy_n(x + i * d + slot * dsub, dsub, &slice[i * dsub]);
	faiss::ClusteringParameters cp;
	cp.seed = seed;
	cp.verbose = false;
	cp.min_points_per_centroid = 0;  // no warnings on the server's stderr
	// FAISS's default of 25 iterations made codebook training 60% of a
	// pq_m = 98 Fashion-MNIST build; 10 (what IVF uses for its lists)
	// leaves recall after re-ranking where it was.
	cp.niter = PqQuantizer::kTrainIterations;
	faiss::Clustering clustering(int(dsub), int(PqQuantizer::kCentroids), cp);
	faiss::IndexFlatL2 index(dsub);
	clustering.train(n, slice.data(), index);
	std::copy(clustering.centroids.begin(), clustering.centroids.end(), centroids);
}

// Slots are independent, so they train side by side, one per thread. Each
// k-means runs on its own thread alone: nested OpenMP regions are kept
// inactive, as their barriers cost more than these small jobs (pq_m of
// them, 4,096 x 256 x dims/pq_m each). An exception (a cancel, thrown by
// FAISS's interrupt check) may not leave an OpenMP region: the first is
// carried out and rethrown on the calling thread.
void TrainSlots(const float *x, size_t n, size_t d, size_t m, int seed, int threads,
                std::vector<float> &centroids) {
	size_t dsub = d / m;
	centroids.assign(m * PqQuantizer::kCentroids * dsub, 0.0f);
	std::exception_ptr failure;
	int saved_levels = omp_get_max_active_levels();
	omp_set_max_active_levels(1);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
	for (long slot = 0; slot < long(m); slot++) {
		try {
			TrainSlot(x, n, d, size_t(slot), dsub, seed, &centroids[size_t(slot) * PqQuantizer::kCentroids * dsub]);
		} catch (...) {
#pragma omp critical(vdb_pq_train_failure)
			if (!failure)
				failure = std::current_exception();
		}
	}
	omp_set_max_active_levels(saved_levels);
	if (failure)
		std::rethrow_exception(failure);
}

}  // namespace

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

	int threads = WorkerThreadCount(params.threads);
	return RunFaiss("pq training", threads, params.should_stop, [&] {
		TrainSlots(x, n, d, params.m, params.seed, threads, out->centroids_);
		out->m_ = params.m;
		out->dsub_ = d / params.m;
		out->BuildSlotLayout();
	});
}

void PqQuantizer::BuildSlotLayout() {
	transposed_.assign(centroids_.size(), 0.0f);
	norms_.assign(m_ * kCentroids, 0.0f);
	for (size_t j = 0; j < m_; j++)
		for (size_t id = 0; id < kCentroids; id++) {
			const float *c = &centroids_[(j * kCentroids + id) * dsub_];
			float norm = 0;
			for (size_t t = 0; t < dsub_; t++) {
				transposed_[(j * dsub_ + t) * kCentroids + id] = c[t];
				norm += c[t] * c[t];
			}
			norms_[j * kCentroids + id] = norm;
		}
}

// |x - c|^2 = |x|^2 + |c|^2 - 2 x.c, accumulated over the sub-vector's
// dimensions for all 256 centroids at once (kernels.h).
void PqQuantizer::SlotDistances(size_t j, const float *sub, MetricKind metric, float *__restrict out) const {
	const float *columns = &transposed_[j * dsub_ * kCentroids];
	if (metric != MetricKind::kL2) {
		QuantKernels().pq_slot_distances(columns, nullptr, 0.0f, sub, dsub_, -1.0f, out);
		return;
	}
	float sub_norm = 0;
	for (size_t t = 0; t < dsub_; t++)
		sub_norm += sub[t] * sub[t];
	QuantKernels().pq_slot_distances(columns, &norms_[j * kCentroids], sub_norm, sub, dsub_, -2.0f, out);
}

// The nearest centroid of each slot.
void PqQuantizer::Encode(const float *x, uint8_t *code) const {
	const QuantizerKernels &k = QuantKernels();
	for (size_t j = 0; j < m_; j++)
		code[j] = uint8_t(k.pq_slot_nearest(&transposed_[j * dsub_ * kCentroids], &norms_[j * kCentroids],
		                                    x + j * dsub_, dsub_));
}

void PqQuantizer::Decode(const uint8_t *code, float *x) const {
	for (size_t j = 0; j < m_; j++) {
		const float *c = &centroids_[(j * kCentroids + code[j]) * dsub_];
		std::copy(c, c + dsub_, x + j * dsub_);
	}
}

std::vector<float> PqQuantizer::PrepareQuery(const float *query, MetricKind metric) const {
	std::vector<float> table(m_ * kCentroids);
	for (size_t j = 0; j < m_; j++)
		SlotDistances(j, query + j * dsub_, metric, &table[j * kCentroids]);
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
	out->BuildSlotLayout();
	return Status::Ok();
}

}  // namespace vdb
