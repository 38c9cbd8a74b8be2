// k-means through faiss::Clustering. Two things FAISS does not give us are
// added here. Validation: FAISS_ASSERT aborts the backend (and the postmaster
// then restarts the whole cluster), so sizes, finiteness and n >= k are
// checked first. Prompt cancellation: FAISS polls its InterruptCallback once
// per k-means iteration and once per 4096-row block of the assignment
// search; one block against thousands of centroids of thousands of
// dimensions is tens of GFLOP, seconds on a small machine. The assignment
// index below therefore searches in chunks of bounded work and polls between
// them, so a cancel is seen within a fraction of a second.
#include "core/pure.h"

#include "core/ivf/kmeans.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdint>

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/impl/AuxIndexStructures.h>

#include "core/threads/run_faiss.h"
#include "core/validate.h"

namespace vdb {
namespace {

// About 50 ms of single-core BLAS work between two polls.
constexpr size_t kMultiplyAddsPerPoll = size_t(1) << 28;
// FAISS switches to its non-BLAS loop below 20 query rows; stay above it.
constexpr size_t kMinRowsPerChunk = 64;
// Below this many multiply-adds (rows x lists x dims x iterations, about a
// second of single-core BLAS) k-means runs on one thread: FAISS opens
// several OpenMP regions per iteration, and between them the idle threads
// spin. A Fashion-MNIST pq build (12,250 x 245 x 784 x 10 = 2.4e10) took
// 9.4-10.9 s on one thread and 16.6-19.9 s on two on a busy 2-core host.
constexpr double kParallelWork = 1e11;

// A flat index whose searches run in chunks with an interrupt poll between.
class PollingFlatIndex : public faiss::IndexFlat {
public:
	PollingFlatIndex(size_t d, faiss::MetricType metric) : faiss::IndexFlat(d, metric) {}

	void search(idx_t n, const float *x, idx_t k, float *distances, idx_t *labels,
	            const faiss::SearchParameters *params) const override {
		size_t work_per_row = std::max<size_t>(1, size_t(ntotal) * size_t(d));
		size_t rows = std::max(kMinRowsPerChunk, kMultiplyAddsPerPoll / work_per_row);
		for (idx_t start = 0; start < n; start += idx_t(rows)) {
			idx_t count = std::min<idx_t>(idx_t(rows), n - start);
			faiss::IndexFlat::search(count, x + start * d, k, distances + start * k,
			                         labels + start * k, params);
			faiss::InterruptCallback::check();
		}
	}
};

// Checks what FAISS would assert on, or overflow on, before it runs.
Status Validate(const float *x, size_t n, size_t d, size_t k) {
	size_t centroid_values;
	if (k == 0 || k > size_t(INT_MAX) || __builtin_mul_overflow(k, d, &centroid_values)) {
		char message[160];
		snprintf(message, sizeof message, "k-means needs between 1 and %d lists, not %zu", INT_MAX, k);
		return Status::Error(Status::kInvalidArgument, message);
	}
	return ValidateTrainingSet("k-means", x, n, d, 1);
}

// The unit-length copies of the non-zero vectors, for spherical k-means.
std::vector<float> NormalisedNonZero(const float *x, size_t n, size_t d, size_t *kept) {
	std::vector<float> out;
	out.reserve(n * d);
	*kept = 0;
	for (size_t i = 0; i < n; i++) {
		const float *v = x + i * d;
		double norm = 0;
		for (size_t j = 0; j < d; j++)
			norm += double(v[j]) * v[j];
		if (norm == 0 || !std::isfinite(norm))
			continue;
		float scale = float(1 / std::sqrt(norm));
		for (size_t j = 0; j < d; j++)
			out.push_back(v[j] * scale);
		++*kept;
	}
	return out;
}

}  // namespace

KMeansResult TrainKMeans(const float *x, size_t n, size_t d, size_t k, const KMeansParams &params) {
	KMeansResult result;
	result.status = Validate(x, n, d, k);
	if (!result.status.ok())
		return result;

	bool spherical = params.metric != MetricKind::kL2;
	std::vector<float> normalised;
	if (spherical) {
		normalised = NormalisedNonZero(x, n, d, &n);
		x = normalised.data();
		if (n == 0) {
			result.status = Status::Error(Status::kInvalidArgument,
			                              "k-means for inner product or cosine needs a non-zero vector");
			return result;
		}
	}
	result.lists = std::min(k, n);
	if (result.lists < k) {
		char notice[160];
		snprintf(notice, sizeof notice, "only %zu lists trained instead of %zu: the sample has %zu vectors",
		         result.lists, k, n);
		result.notice = notice;
	}

	faiss::ClusteringParameters cp;
	cp.niter = std::max(1, params.iterations);
	cp.seed = params.seed;
	cp.spherical = spherical;
	cp.verbose = false;
	// The caller has sampled already: no second subsample, and no warning
	// printed on the server's stderr when there are few points per list.
	cp.min_points_per_centroid = 0;
	cp.max_points_per_centroid = INT_MAX;  // FAISS multiplies it by k in size_t

	double work = double(n) * double(result.lists) * double(d) * double(cp.niter);
	int threads = work < kParallelWork ? 1 : params.threads;
	result.status = RunFaiss("k-means training", threads, params.should_stop, [&] {
		faiss::Clustering clustering(int(d), int(result.lists), cp);
		PollingFlatIndex assign(d, spherical ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2);
		clustering.train(faiss::Index::idx_t(n), x, assign);
		result.centroids = std::move(clustering.centroids);
	});
	if (!result.status.ok())
		result.centroids.clear();
	return result;
}

}  // namespace vdb
