// How an hnsw index cuts its pages into groups (docs/hnsw.md): G nodes per
// group, whose graph page holds G node records, then the upper link area,
// then the first part of the group's vector stream, which goes on over
// V more pages. Without PostgreSQL, so that the index (hnsw_storage.cpp's
// HnswComputeGeometry and HnswShape) and the page fuzzer lay pages out by the
// same rules.
#pragma once

#include <cstdint>

#include "core/hnsw/node_check.h"

namespace vdb {

// A group's geometry, kept in the metapage (hnsw_pages.h's HnswMetaPageData
// holds it as it is: its fields and their order are on-disk format).
struct HnswGeometry {
	uint32_t element_bytes;
	uint32_t group_nodes;         // G
	uint32_t group_pages;         // 1 + V
	uint32_t record_bytes;        // one node record
	uint32_t upper_bytes;         // one upper-level link list: count + m ids
	uint32_t upper_area_offset;   // in the graph page
	uint32_t vector_area_offset;  // start of the vector stream in the graph page
	uint32_t pool_pages;          // sparse: V, the pages of elements; 0 for dense
	// Filter directory (filter_directory.h): groups per directory (K) and
	// words per node in it (the filter columns); both 0 without one.
	uint32_t directory_groups;
	uint32_t directory_columns;
};

// Chooses G (and so V) for m >= 2 and an element size, on pages whose usable
// area is [data_offset, data_end): the G with the fewest pages per node,
// the largest of equals. pool_pages and the directory are left 0.
HnswGeometry ComputeHnswGeometry(int m, uint32_t element_bytes, uint32_t data_offset, uint32_t data_end);

// The shape the node checks (node_check.h) see for a geometry: records and
// lists were sized for exactly 2m and m links, which their sizes give back.
HnswPageShape HnswGeometryShape(const HnswGeometry &g, uint32_t data_offset, uint32_t data_end);

}  // namespace vdb
