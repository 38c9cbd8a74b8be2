// A seeded random rotation for RaBitQ, cheap enough to apply per query and
// per inserted row and stored as nothing but (d, seed). A dense random
// orthogonal matrix is d^2 floats (16 MB at 2000 dimensions) and d^3 work to
// make; instead four rounds of "flip random signs, then a normalised
// Walsh-Hadamard transform" mix the coordinates in O(d log d). For d not a
// power of two the Hadamard step covers the largest power-of-two block,
// alternately at the start and at the end of the vector, so every coordinate
// is mixed with every other (the structured rotations of FAISS's RaBitQ and of
// Andoni et al.'s cross-polytope LSH work the same way). Each step is
// orthogonal, so the product is: norms and inner products are preserved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vdb {

class Rotation {
public:
	Rotation(size_t d, uint64_t seed);

	size_t dims() const { return d_; }
	// out = R in; in and out may be the same array.
	void Apply(const float *in, float *out) const;

private:
	static constexpr int kRounds = 4;
	size_t d_;
	size_t block_;               // largest power of two <= d
	std::vector<float> signs_;   // kRounds x d, each +1 or -1
};

}  // namespace vdb
