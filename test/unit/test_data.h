// Synthetic data for the training and quantizer tests: Gaussian blobs around
// random centres (what IVF lists and codebooks are meant to model), and exact
// nearest neighbours to measure recall against.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace vdb {
namespace testing {

// Tests run FAISS on one thread unless they test threading. This machine is
// shared, and OpenMP's spinning barriers make FAISS 10-30x slower when
// another process holds a core (measured: PQ training 0.4 s on one thread,
// 8-12 s on two under load).
constexpr int kTestThreads = 1;

// n row-major vectors of d dimensions in `clusters` blobs: centres drawn from
// N(0, spread^2) per coordinate, points around them from N(0, 1). Queries
// for this data are the last rows of a larger call with the same seed.
inline std::vector<float> ClusteredData(size_t n, size_t d, size_t clusters, float spread,
                                        uint32_t seed) {
	std::mt19937 rng(seed);
	std::normal_distribution<float> normal(0, 1);
	std::vector<float> centres(clusters * d);
	for (float &c : centres)
		c = spread * normal(rng);
	std::vector<float> x(n * d);
	for (size_t i = 0; i < n; i++) {
		const float *centre = &centres[(i % clusters) * d];
		for (size_t j = 0; j < d; j++)
			x[i * d + j] = centre[j] + normal(rng);
	}
	return x;
}

inline float L2Squared(const float *a, const float *b, size_t d) {
	float sum = 0;
	for (size_t j = 0; j < d; j++)
		sum += (a[j] - b[j]) * (a[j] - b[j]);
	return sum;
}

inline float Dot(const float *a, const float *b, size_t d) {
	float sum = 0;
	for (size_t j = 0; j < d; j++)
		sum += a[j] * b[j];
	return sum;
}

// The ids of the k smallest scores.
inline std::vector<size_t> SmallestK(const std::vector<float> &scores, size_t k) {
	std::vector<size_t> ids(scores.size());
	std::iota(ids.begin(), ids.end(), 0);
	k = std::min(k, ids.size());
	std::partial_sort(ids.begin(), ids.begin() + k, ids.end(),
	                  [&](size_t a, size_t b) { return scores[a] < scores[b]; });
	ids.resize(k);
	return ids;
}

// |found ∩ truth| / |truth|.
inline double Recall(const std::vector<size_t> &found, const std::vector<size_t> &truth) {
	size_t hits = 0;
	for (size_t id : truth)
		hits += std::count(found.begin(), found.end(), id);
	return truth.empty() ? 1.0 : double(hits) / truth.size();
}

// A data set and queries from the same blobs, with exact top-k answers.
struct Workload {
	size_t n, d;
	std::vector<float> base, queries;
	std::vector<std::vector<size_t>> truth;  // per query, ids of the k nearest by L2
};

inline Workload MakeWorkload(size_t n, size_t nq, size_t d, size_t clusters, size_t k) {
	Workload w{n, d, {}, {}, {}};
	std::vector<float> all = ClusteredData(n + nq, d, clusters, 2, 42);
	w.base.assign(all.begin(), all.begin() + n * d);
	w.queries.assign(all.begin() + n * d, all.end());
	for (size_t q = 0; q < nq; q++) {
		std::vector<float> dist(n);
		for (size_t i = 0; i < n; i++)
			dist[i] = L2Squared(&w.queries[q * d], &w.base[i * d], d);
		w.truth.push_back(SmallestK(dist, k));
	}
	return w;
}

// Recall@k of a scan that ranks every row by `estimate(q, i)`, keeps the best
// `rerank` and orders those by exact L2, averaged over the queries.
template <typename Estimate>
double RerankedRecall(const Workload &w, size_t k, size_t rerank, Estimate estimate) {
	double total = 0;
	size_t nq = w.truth.size();
	for (size_t q = 0; q < nq; q++) {
		std::vector<float> approx(w.n);
		for (size_t i = 0; i < w.n; i++)
			approx[i] = estimate(q, i);
		std::vector<size_t> candidates = SmallestK(approx, rerank);
		std::vector<float> exact(candidates.size());
		for (size_t c = 0; c < candidates.size(); c++)
			exact[c] = L2Squared(&w.queries[q * w.d], &w.base[candidates[c] * w.d], w.d);
		std::vector<size_t> found;
		for (size_t c : SmallestK(exact, k))
			found.push_back(candidates[c]);
		total += Recall(found, w.truth[q]);
	}
	return total / nq;
}

}  // namespace testing
}  // namespace vdb
