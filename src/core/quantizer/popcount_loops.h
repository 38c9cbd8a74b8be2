// Bit-count loops shared by the scalar and AVX2 quantizer kernels. They are
// written with __builtin_popcountll and included by each kernel file, so
// each compiles them for its own target: a libgcc call in the scalar file,
// the POPCNT instruction in the AVX2 file (its pragma enables popcnt). The
// unnamed namespace keeps the two compilations apart (no ODR clash).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vdb {
namespace {

uint32_t BitPlaneDotLoop(const uint64_t *bits, const uint64_t *planes, size_t words,
                         int plane_count) {
	uint32_t sum = 0;
	for (int b = 0; b < plane_count; b++) {
		uint32_t count = 0;
		for (size_t w = 0; w < words; w++)
			count += uint32_t(__builtin_popcountll(bits[w] & planes[b * words + w]));
		sum += count << b;
	}
	return sum;
}

uint32_t PopcountLoop(const uint64_t *bits, size_t words) {
	uint32_t count = 0;
	for (size_t w = 0; w < words; w++)
		count += uint32_t(__builtin_popcountll(bits[w]));
	return count;
}

}  // namespace
}  // namespace vdb
