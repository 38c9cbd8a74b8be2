// See node_check.h. Arithmetic is done in 64 bits: the inputs are raw page
// bytes and may be anything.
#include "core/pure.h"

#include "core/hnsw/node_check.h"

#include <cstring>

namespace vdb {

namespace {

template <typename T>
T Load(const uint8_t *page, size_t offset) {
	T value;
	std::memcpy(&value, page + offset, sizeof value);
	return value;
}

PageFinding Found(const char *what, uint64_t value) { return PageFinding{what, uint32_t(value)}; }

}  // namespace

PageFinding CheckHnswPageShape(const HnswPageShape &s, size_t page_bytes) {
	if (s.data_offset > s.data_end || s.data_end > page_bytes)
		return Found("page data area outside the page", s.data_end);
	if (s.group_nodes == 0)
		return Found("no nodes per group", 0);
	if (s.record_bytes % 4 != 0 || s.record_bytes < HnswRecordField::kLinks + 4ull * s.max_links0)
		return Found("node record too small for its links", s.record_bytes);
	if (s.upper_bytes % 4 != 0 || s.upper_bytes < 4 + 4ull * s.max_links_upper)
		return Found("upper link list too small for its links", s.upper_bytes);
	if (uint64_t(s.data_offset) + uint64_t(s.group_nodes) * s.record_bytes != s.upper_area_offset)
		return Found("upper area does not follow the node records", s.upper_area_offset);
	if (s.upper_area_offset % 4 != 0 || s.upper_area_offset > s.vector_area_offset ||
	    s.vector_area_offset > s.data_end)
		return Found("vector area outside the page", s.vector_area_offset);
	return PageFinding{};
}

PageFinding CheckHnswNodeRecord(const uint8_t *page, size_t page_bytes, const HnswPageShape &s, uint32_t slot,
                                uint32_t upper_used) {
	if (slot >= s.group_nodes)
		return Found("node slot beyond its group", slot);
	size_t record = s.data_offset + size_t(slot) * s.record_bytes;
	if (record + s.record_bytes > page_bytes)
		return Found("node record beyond the page", slot);
	uint32_t area = s.vector_area_offset - s.upper_area_offset;
	if (upper_used > area)
		return Found("upper area overflows", upper_used);
	uint8_t level = Load<uint8_t>(page, record + HnswRecordField::kLevel);
	uint8_t flags = Load<uint8_t>(page, record + HnswRecordField::kFlags);
	uint16_t upper_offset = Load<uint16_t>(page, record + HnswRecordField::kUpperOffset);
	uint8_t capacity = Load<uint8_t>(page, record + HnswRecordField::kUpperCapacity);
	uint16_t count = Load<uint16_t>(page, record + HnswRecordField::kCount);
	bool is_free = (flags & kHnswFreeFlag) != 0;

	if (capacity > 0 && (upper_offset < s.upper_area_offset || (upper_offset - s.upper_area_offset) % 4 != 0 ||
	                     uint64_t(upper_offset) + uint64_t(capacity) * s.upper_bytes >
	                         uint64_t(s.upper_area_offset) + upper_used))
		return Found("upper links outside the upper area", upper_offset);
	if (is_free)
		return PageFinding{};
	if (level > kHnswMaxLevel)
		return Found("level out of range", level);
	if (level > capacity)
		return Found("level above its upper slot's capacity", level);
	if (count > s.max_links0)
		return Found("too many links", count);
	for (uint32_t l = 1; l <= level; l++) {
		uint32_t upper_count = Load<uint32_t>(page, upper_offset + size_t(l - 1) * s.upper_bytes);
		if (upper_count > s.max_links_upper)
			return Found("too many links", upper_count);
	}
	return PageFinding{};
}

}  // namespace vdb
