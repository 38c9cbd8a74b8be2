// The distances an index can be built for. Cosine is served by inner product
// on unit vectors: callers normalise both sides before using a quantizer.
#pragma once

namespace vdb {

enum class Metric { kL2, kInnerProduct, kCosine };

}  // namespace vdb
