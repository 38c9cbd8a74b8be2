// See page_check.h.
#include "core/pure.h"

#include "core/ivf/page_check.h"

#include <cstring>

namespace vdb {

PageFinding CheckIvfPageShape(const IvfPageShape &s, size_t page_bytes) {
	if (s.data_offset > s.data_end || s.data_end > page_bytes)
		return PageFinding{"page data area outside the page", s.data_end};
	if (s.tuple_size < IvfPageField::kTupleHeaderBytes || s.tuples_per_page == 0 ||
	    uint64_t(s.data_offset) + IvfPageField::kHeaderBytes + uint64_t(s.tuples_per_page) * s.tuple_size >
	        s.data_end)
		return PageFinding{"tuples do not fit a page", s.tuples_per_page};
	return PageFinding{};
}

PageFinding CheckIvfDataPage(const uint8_t *page, size_t page_bytes, const IvfPageShape &s) {
	if (s.data_end > page_bytes)
		return PageFinding{"page data area outside the page", s.data_end};
	uint32_t count;
	std::memcpy(&count, page + s.data_offset + IvfPageField::kCount, sizeof count);
	if (count > s.tuples_per_page)
		return PageFinding{"page holds more tuples than fit", count};
	const uint8_t *tuples = page + s.data_offset + IvfPageField::kHeaderBytes;
	for (uint32_t i = 0; i < count; i++) {
		uint16_t offset_number;
		std::memcpy(&offset_number, tuples + size_t(i) * s.tuple_size + IvfPageField::kTidOffset,
		            sizeof offset_number);
		if (offset_number == 0)
			return PageFinding{"tuple with an invalid heap TID", i};
	}
	return PageFinding{};
}

}  // namespace vdb
