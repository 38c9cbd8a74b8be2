// PQ: the vector cut into m sub-vectors of d/m dimensions, each replaced by
// the id of the nearest of 256 centroids learnt for its slot (FAISS's
// ProductQuantizer, 8 bits per slot). A code is m bytes. A query is prepared
// once into an m x 256 table of distances from each of its sub-vectors to
// each centroid; a code's distance is then the sum of m table entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/metric.h"
#include "core/status.h"
#include "core/threads/parallel_section.h"

namespace vdb {

struct PqParams {
	size_t m = 0;      // sub-quantizers; must divide the dimension count
	int seed = 1234;   // k-means seed, for reproducible codebooks
	int threads = 0;   // 0: every core
	ShouldStop should_stop = nullptr;
};

class PqQuantizer {
public:
	static constexpr uint8_t kFormatVersion = 1;
	static constexpr size_t kCentroids = 256;  // 8-bit codes
	// Each slot's k-means needs at least one vector per centroid.
	static constexpr size_t kMinTrainingVectors = kCentroids;
	static constexpr int kTrainIterations = 10;  // k-means iterations per slot

	// Learns the codebooks from n row-major vectors (FAISS k-means per slot,
	// inside a ParallelSection, so it can be canceled).
	static Status Train(const float *x, size_t n, size_t d, const PqParams &params, PqQuantizer *out);

	size_t dims() const { return m_ * dsub_; }
	size_t code_size() const { return m_; }

	void Encode(const float *x, uint8_t *code) const;
	void Decode(const uint8_t *code, float *x) const;

	// The m x 256 table for a query: squared L2 of each sub-vector to each
	// centroid, or the negative inner products (cosine: unit vectors and IP).
	std::vector<float> PrepareQuery(const float *query, MetricKind metric) const;
	// Smaller is nearer.
	float Distance(const std::vector<float> &table, const uint8_t *code) const;

	std::vector<uint8_t> Serialize() const;
	static Status Deserialize(const uint8_t *bytes, size_t size, PqQuantizer *out);

private:
	// Fills the transposed copy and norms below from centroids_.
	void BuildSlotLayout();
	// out[id] = squared L2 (kL2) or negative inner product (otherwise) of
	// sub-vector `sub` of slot j to each of its 256 centroids.
	void SlotDistances(size_t j, const float *sub, MetricKind metric, float *__restrict out) const;

	size_t m_ = 0;
	size_t dsub_ = 0;
	std::vector<float> centroids_;  // m x 256 x dsub
	// The same centroids as m x dsub x 256 and their m x 256 squared norms:
	// one sub-vector's distances to all 256 centroids are then a loop over
	// contiguous floats that the compiler vectorises, instead of 256 kernel
	// calls on dsub floats (encoding was a quarter of a pq_m = 98 build).
	std::vector<float> transposed_;
	std::vector<float> norms_;
};

}  // namespace vdb
