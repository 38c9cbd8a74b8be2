// The distances an index can be built for, shared by the HNSW graph, IVF
// k-means and the quantizers. Cosine over float32 is inner product on unit
// vectors: callers normalise both sides before using a quantizer.
#pragma once

#include <cstdint>

namespace vdb {

enum class MetricKind : uint8_t { kL2 = 1, kInnerProduct = 2, kCosine = 3, kL1 = 4, kHamming = 5, kJaccard = 6 };

}  // namespace vdb
