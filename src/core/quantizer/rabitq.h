// RaBitQ-style 1-bit codes (Gao & Long, SIGMOD 2024) for IVF lists. A row x
// in a list with centroid c is stored as the signs of its rotated, normalised
// residual o' = R (x - c) / |x - c|, plus two scalars: |x - c| and
// <x_bar, o'>, where x_bar = sign(o') / sqrt(d) is the unit vector the bits
// stand for. For any vector u, <o', R u> is estimated without bias by
//     <x_bar, R u> / <x_bar, o'>
// and that gives both distances the index needs:
//     |x - q|^2 = |x - c|^2 + |q - c|^2 - 2 |x - c| <o', R (q - c)>
//     <x, q>    = <c, q> + |x - c| <o', R q>
// The query side is prepared once per list: R u is cut to 4-bit levels
// (u'_i ~ lo + delta * level_i) stored as 4 bit planes, so the sum of u' over
// a code's set bits is lo * popcount(bits) + delta * sum_b 2^b popcount(bits
// & plane_b): five popcounts per 64 dimensions (kernels.h). The estimate's
// error shrinks like 1 / sqrt(d); the index re-ranks its best candidates
// with exact distances.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/metric.h"
#include "core/quantizer/rotation.h"
#include "core/status.h"

namespace vdb {

struct RabitqQuery {
	MetricKind metric;
	std::vector<uint64_t> planes;  // kQueryBits planes of `words` words
	float lo = 0, delta = 0;       // R u ~ lo + delta * level
	float sum = 0;                 // sum_i (R u)_i
	float base = 0;                // L2: |q - c|^2; IP: <q, c>
};

class RabitqQuantizer {
public:
	static constexpr uint8_t kFormatVersion = 1;
	static constexpr int kQueryBits = 4;

	// A one-dimensional placeholder until Create or Deserialize assigns to it.
	RabitqQuantizer() : RabitqQuantizer(1, 0) {}

	// Nothing to learn but the rotation, which the seed fixes.
	static Status Create(size_t d, uint64_t seed, RabitqQuantizer *out);

	size_t dims() const { return d_; }
	// The sign bits in 64-bit words, then |x - c|, <x_bar, o'> and the number of
	// set bits; padded to 8 bytes so codes laid end to end stay aligned.
	size_t code_size() const { return words_ * 8 + 16; }

	void Encode(const float *x, const float *centroid, uint8_t *code) const;
	// Cosine: unit vectors and kInnerProduct.
	RabitqQuery PrepareQuery(const float *query, const float *centroid, MetricKind metric) const;
	// Estimated squared L2, or negative inner product; smaller is nearer.
	float EstimateDistance(const RabitqQuery &query, const uint8_t *code) const;

	std::vector<uint8_t> Serialize() const;
	// dims is the index's dimension count: state for any other is corrupt.
	// Checked before the rotation is built, since its size follows the
	// stored count and not the bytes (a corrupt count once asked for 28 GB).
	static Status Deserialize(const uint8_t *bytes, size_t size, size_t dims, RabitqQuantizer *out);

private:
	RabitqQuantizer(size_t d, uint64_t seed);

	size_t d_;
	size_t words_;
	uint64_t seed_;
	Rotation rotation_;
};

}  // namespace vdb
