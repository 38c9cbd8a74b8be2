// FilterKeyNarrow's loops over a filter directory's words (filter.h). A
// 64-bit compare of four words at once needs AVX2 (x86-64's baseline, SSE2,
// has none, so the compiler leaves such loops scalar), hence two clones of
// each, chosen once by the CPU (target_clones). __restrict: the byte flags
// may alias anything, which alone kept the loops scalar too. perf had put
// 7% of a 1%-selective exact-path query in the scalar loop.
#include "core/filter.h"

namespace vdb {

__attribute__((target_clones("avx2", "default"))) void NarrowToEqual(const uint64_t *__restrict words, size_t n,
                                                                     uint64_t value, uint8_t *__restrict pass) {
	for (size_t j = 0; j < n; j++)
		pass[j] &= uint8_t(words[j] == value);
}

__attribute__((target_clones("avx2", "default"))) void NarrowToContaining(const uint64_t *__restrict words, size_t n,
                                                                          uint64_t bits, uint8_t *__restrict pass) {
	for (size_t j = 0; j < n; j++)
		pass[j] &= uint8_t((words[j] & bits) == bits);
}

}  // namespace vdb
