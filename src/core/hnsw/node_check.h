// Validation of hnsw graph pages without PostgreSQL, so that the index
// checker, every reader of a node (HnswReadNode) and a fuzzer run the same
// code. A graph page is [header][G node records][upper link area][vector
// stream]; the glue describes where each part lies (HnswPageShape, from the
// metapage's geometry) and these functions check every on-page count, level
// and offset before anything is read through it. They read the page only
// within page_bytes, whatever the page holds.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/page_finding.h"

namespace vdb {

// Byte offsets of the fields of one node record (hnsw_pages.h's
// HnswNodeRecord; the glue static_asserts that they agree).
struct HnswRecordField {
	static constexpr size_t kLevel = 6;
	static constexpr size_t kFlags = 7;
	static constexpr size_t kUpperOffset = 8;    // uint16
	static constexpr size_t kUpperCapacity = 10;  // uint8
	static constexpr size_t kCount = 12;          // uint16, level-0 links
	static constexpr size_t kLinks = 16;          // uint32 ids
};
constexpr uint8_t kHnswFreeFlag = 0x02;  // HNSW_NODE_FREE
constexpr int kHnswMaxLevel = 15;        // HNSW_MAX_LEVEL

// Where the parts of a graph page lie, in bytes from the page start.
struct HnswPageShape {
	uint32_t data_offset;  // first node record (after the page header)
	uint32_t data_end;     // end of the usable area (special space follows)
	uint32_t group_nodes;
	uint32_t record_bytes;
	uint32_t upper_bytes;  // one upper-level list: count + max_links_upper ids
	uint32_t upper_area_offset;
	uint32_t vector_area_offset;
	uint32_t max_links0;       // 2m
	uint32_t max_links_upper;  // m
};

// Whether the parts of a shape follow each other inside a page of
// page_bytes: records, upper area, vector stream, each list big enough for
// its links. Every other function here assumes a shape that passed.
PageFinding CheckHnswPageShape(const HnswPageShape &shape, size_t page_bytes);

// Node record `slot` (< group_nodes) of a graph page: its level, its upper
// slot inside the upper area (and within `upper_used` bytes of it, the
// page's handed-out part), its capacity for the level, and the link count of
// every level against its list. A free slot's upper slot is checked too (an
// insert reuses it); its links are not.
PageFinding CheckHnswNodeRecord(const uint8_t *page, size_t page_bytes, const HnswPageShape &shape, uint32_t slot,
                                uint32_t upper_used);

}  // namespace vdb
