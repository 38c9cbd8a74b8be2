// k-means training of IVF list centroids on a sample the caller has drawn,
// run by FAISS inside a ParallelSection (see core/threads/parallel_section.h).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/metric.h"
#include "core/status.h"
#include "core/threads/parallel_section.h"

namespace vdb {

struct KMeansParams {
	MetricKind metric = MetricKind::kL2;
	int iterations = 10;    // what FAISS's IVF indexes use for their coarse centroids
	int seed = 1234;        // fixed so that the same sample gives the same lists
	int threads = 0;        // 0: every core; small jobs run on one (kmeans.cpp)
	ShouldStop should_stop = nullptr;
};

struct KMeansResult {
	Status status;
	size_t lists = 0;              // centroids trained; fewer than asked when n < k
	std::string notice;            // set when the list count was reduced
	std::vector<float> centroids;  // lists * d, row-major
};

// Trains up to k centroids of dimension d on n row-major vectors. Every input
// is checked before FAISS sees it (a failed FAISS_ASSERT aborts the process).
// L2 trains plain k-means. Inner product and cosine train spherical k-means on
// the normalised sample (zero vectors are left out): lists are then cones of
// directions with unit centroids, which is what probing by inner product or
// cosine ranks. Never throws except std::bad_alloc.
KMeansResult TrainKMeans(const float *x, size_t n, size_t d, size_t k, const KMeansParams &params);

}  // namespace vdb
