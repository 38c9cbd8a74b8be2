// See filter_directory.h.
#include "core/pure.h"

#include "core/hnsw/filter_directory.h"

namespace vdb {

uint32_t FilterDirectoryGroups(const HnswGeometry &g, uint32_t columns, uint32_t page_words) {
	if (columns == 0 || g.group_nodes == 0)
		return 0;
	uint64_t slot_words = uint64_t(g.group_pages) * page_words;
	return uint32_t(slot_words / (uint64_t(g.group_nodes) * columns));
}

}  // namespace vdb
