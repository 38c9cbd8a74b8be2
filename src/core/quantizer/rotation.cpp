#include "core/pure.h"

#include "core/quantizer/rotation.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace vdb {
namespace {

// In-place Walsh-Hadamard transform of n = 2^k values, scaled by 1/sqrt(n)
// so that it is orthogonal.
void Hadamard(float *x, size_t n) {
	for (size_t half = 1; half < n; half *= 2)
		for (size_t start = 0; start < n; start += 2 * half)
			for (size_t i = start; i < start + half; i++) {
				float a = x[i], b = x[i + half];
				x[i] = a + b;
				x[i + half] = a - b;
			}
	float scale = 1.0f / std::sqrt(float(n));
	for (size_t i = 0; i < n; i++)
		x[i] *= scale;
}

}  // namespace

// mt19937_64 is fully specified by the C++ standard, so the same seed gives
// the same rotation on every platform and build.
Rotation::Rotation(size_t d, uint64_t seed) : d_(d), block_(1), signs_(kRounds * d) {
	while (block_ * 2 <= d)
		block_ *= 2;
	std::mt19937_64 rng(seed);
	for (float &s : signs_)
		s = (rng() >> 63) ? -1.0f : 1.0f;
}

void Rotation::Apply(const float *in, float *out) const {
	if (out != in)
		std::copy(in, in + d_, out);
	for (int round = 0; round < kRounds; round++) {
		const float *signs = &signs_[round * d_];
		for (size_t i = 0; i < d_; i++)
			out[i] *= signs[i];
		Hadamard(round % 2 == 0 ? out : out + (d_ - block_), block_);
	}
}

}  // namespace vdb
