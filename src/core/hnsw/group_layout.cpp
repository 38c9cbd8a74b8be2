// See group_layout.h.
#include "core/pure.h"

#include "core/hnsw/group_layout.h"

namespace vdb {

namespace {

uint32_t AlignUp(uint32_t value, uint32_t to) { return (value + to - 1) / to * to; }

// Bytes of upper area reserved per node: three times the expected
// (4 + 4m) / (m - 1), so a group almost never runs out; when it does, the
// new node's level is capped (see HnswInsertElement and the build).
uint32_t UpperReservePerNode(int m) { return AlignUp(3 * (4 + 4 * m) / (m - 1) + 1, 4); }

}  // namespace

HnswGeometry ComputeHnswGeometry(int m, uint32_t element_bytes, uint32_t data_offset, uint32_t data_end) {
	HnswGeometry best{};
	uint32_t data_size = data_end - data_offset;
	uint32_t record = AlignUp(uint32_t(HnswRecordField::kLinks) + 2 * m * 4, 4);
	uint32_t upper = (1 + m) * 4;
	uint32_t reserve = UpperReservePerNode(m);
	uint32_t max_nodes = data_size / (record + reserve);
	double best_pages_per_node = 0;
	for (uint32_t nodes = 1; nodes <= max_nodes; nodes++) {
		uint32_t upper_area = AlignUp(nodes * reserve, upper);
		uint32_t used = nodes * record + upper_area;
		if (used > data_size)
			continue;
		uint64_t stream = uint64_t(nodes) * element_bytes;
		uint32_t first = data_size - used;
		uint64_t rest = stream > first ? stream - first : 0;
		uint32_t vector_pages = uint32_t((rest + data_size - 1) / data_size);
		double pages_per_node = double(1 + vector_pages) / nodes;
		if (best.group_nodes == 0 || pages_per_node <= best_pages_per_node) {
			best_pages_per_node = pages_per_node;
			best.group_nodes = nodes;
			best.group_pages = 1 + vector_pages;
			best.upper_area_offset = data_offset + nodes * record;
			best.vector_area_offset = best.upper_area_offset + upper_area;
		}
	}
	best.element_bytes = element_bytes;
	best.record_bytes = record;
	best.upper_bytes = upper;
	return best;
}

HnswPageShape HnswGeometryShape(const HnswGeometry &g, uint32_t data_offset, uint32_t data_end) {
	uint32_t max_links0 = g.record_bytes >= HnswRecordField::kLinks
	                          ? (g.record_bytes - uint32_t(HnswRecordField::kLinks)) / 4
	                          : 0;
	uint32_t max_links_upper = g.upper_bytes >= 4 ? g.upper_bytes / 4 - 1 : 0;
	return HnswPageShape{data_offset,         data_end,     g.group_nodes, g.record_bytes,  g.upper_bytes,
	                     g.upper_area_offset, g.vector_area_offset, max_links0,    max_links_upper};
}

}  // namespace vdb
