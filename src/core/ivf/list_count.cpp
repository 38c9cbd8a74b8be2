#include "core/pure.h"

#include "core/ivf/list_count.h"

#include <algorithm>
#include <cmath>

namespace vdb {

// At least one list; rows / 1000 rounded to nearest up to 1M rows, then
// sqrt(rows) rounded to nearest.
uint32_t DefaultListCount(uint64_t rows) {
	constexpr uint64_t kLinearLimit = 1000000;
	uint64_t lists;
	if (rows <= kLinearLimit)
		lists = (rows + 500) / 1000;
	else
		lists = uint64_t(std::llround(std::sqrt(double(rows))));
	return uint32_t(std::max<uint64_t>(1, std::min<uint64_t>(lists, UINT32_MAX)));
}

}  // namespace vdb
