// Validation of ivf data pages without PostgreSQL, shared by the index
// checker and a fuzzer. A data page is [page header][IvfDataHeader: next
// block, tuple count][tuples of tuple_size bytes: heap TID, code]; the glue
// describes where each part lies (IvfPageShape, from the metapage) and these
// functions check the count and every tuple's TID before anything is read
// through them. They read only within page_bytes, whatever the page holds.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/page_finding.h"

namespace vdb {

// Byte offsets in a data page (ivf_pages.h's IvfDataHeader and
// IvfTupleHeader; the glue static_asserts that they agree).
struct IvfPageField {
	static constexpr size_t kCount = 4;        // uint32, after the next block, from the header
	static constexpr size_t kHeaderBytes = 8;  // next + count
	static constexpr size_t kTidOffset = 4;    // uint16 offset number of a tuple's heap TID
	static constexpr size_t kTupleHeaderBytes = 8;
};

struct IvfPageShape {
	uint32_t data_offset;  // the IvfDataHeader (after the page header)
	uint32_t data_end;     // end of the usable area (special space follows)
	uint32_t tuple_size;
	uint32_t tuples_per_page;
};

// Whether tuples_per_page tuples of tuple_size fit between the header and
// data_end inside a page of page_bytes.
PageFinding CheckIvfPageShape(const IvfPageShape &shape, size_t page_bytes);

// The tuple count of a data page (of a shape that passed), and the heap TID
// of each counted tuple (offset number 0 is no TID).
PageFinding CheckIvfDataPage(const uint8_t *page, size_t page_bytes, const IvfPageShape &shape);

}  // namespace vdb
