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

// n row-major vectors of d dimensions in `clusters` blobs: centres drawn from
// N(0, spread^2) per coordinate, points around them from N(0, 1).
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

}  // namespace testing
}  // namespace vdb
