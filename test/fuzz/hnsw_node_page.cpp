// libFuzzer target: an hnsw graph page fed through the checks every reader
// of a node runs first (HnswReadMeta's CheckHnswPageShape, then
// HnswCheckRecord's CheckHnswNodeRecord, src/hnsw/hnsw_storage.cpp). For
// each slot the validator accepts, the target walks the record as
// src/hnsw/hnsw_pages.h lays it out (level-0 links in the record, levels
// 1..level in the upper slot, the element's first piece of the vector
// stream) and asserts that each part lies in its own area of the page: so
// the fuzzer tests that the validator is sufficient, not only that it does
// not crash.
//
// Input: byte 0 the mode, six uint32 words, then the page (its own size,
// up to 32 KB; the upper area's used bytes are its special space's aux, as
// on a real page). Mode % 3 == 1: the words are the metapage's geometry,
// any values (group_nodes, record_bytes, upper_bytes, upper_area_offset,
// vector_area_offset, element_bytes), and the shape is derived from it as
// HnswShape does (HnswGeometryShape). 2: the same, but the upper area follows
// the records and the vector area starts w4 % 65536 bytes after it, so that
// odd record and list sizes pass the shape check often enough to reach the
// records. 0: the geometry the index itself chooses for this page size
// (ComputeHnswGeometry, as HnswComputeGeometry calls it), from
// m = 2 + w0 % 99 and w5 % 65536 element bytes.
#include "core/hnsw/group_layout.h"
#include "core/hnsw/node_check.h"
#include "page_input.h"

namespace {

using vdb::HnswPageShape;
using vdb::HnswRecordField;
using vdb_fuzz::Load;
using vdb_fuzz::PageInput;
using vdb_fuzz::Touch;

HnswPageShape ShapeOf(const PageInput &in, uint32_t *element_bytes) {
	const std::vector<uint32_t> &w = in.words;
	uint32_t data_offset = vdb_fuzz::kPageHeaderBytes;
	uint32_t data_end = in.data_end();
	vdb::HnswGeometry g{};
	if (in.mode % 3 != 0) {
		g.group_nodes = w[0];
		g.record_bytes = w[1];
		g.upper_bytes = w[2];
		g.upper_area_offset = w[3];
		g.vector_area_offset = w[4];
		*element_bytes = w[5];
		if (in.mode % 3 == 2) {
			g.upper_area_offset = uint32_t(data_offset + uint64_t(g.group_nodes) * g.record_bytes);
			g.vector_area_offset = g.upper_area_offset + w[4] % 65536;
		}
	} else {
		*element_bytes = w[5] % 65536;
		g = vdb::ComputeHnswGeometry(2 + int(w[0] % 99), *element_bytes, data_offset, data_end);
	}
	return vdb::HnswGeometryShape(g, data_offset, data_end);
}

// A record the validator accepted, walked as the readers do.
void WalkRecord(const std::vector<uint8_t> &page, const HnswPageShape &s, uint32_t slot, uint32_t upper_used,
                uint32_t element_bytes) {
	const uint8_t *p = page.data();
	uint64_t record = s.data_offset + uint64_t(slot) * s.record_bytes;
	Touch(page, record, s.record_bytes, s.data_offset, s.upper_area_offset);
	Touch(page, record, HnswRecordField::kLinks, record, record + s.record_bytes);  // the fields read below
	uint8_t level = Load<uint8_t>(p, record + HnswRecordField::kLevel);
	uint8_t flags = Load<uint8_t>(p, record + HnswRecordField::kFlags);
	uint16_t upper_offset = Load<uint16_t>(p, record + HnswRecordField::kUpperOffset);
	uint8_t capacity = Load<uint8_t>(p, record + HnswRecordField::kUpperCapacity);
	uint16_t count = Load<uint16_t>(p, record + HnswRecordField::kCount);

	// The upper slot (an insert into a free slot writes all of it) lies in
	// the handed-out part of the upper area.
	uint64_t upper_end = uint64_t(s.upper_area_offset) + upper_used;
	FUZZ_CHECK(upper_end <= s.vector_area_offset);
	if (capacity > 0)
		Touch(page, upper_offset, uint64_t(capacity) * s.upper_bytes, s.upper_area_offset, upper_end);
	if (flags & vdb::kHnswFreeFlag)
		return;

	FUZZ_CHECK(level <= vdb::kHnswMaxLevel && level <= capacity);
	FUZZ_CHECK(count <= s.max_links0);
	Touch(page, record + HnswRecordField::kLinks, 4ull * count, record, record + s.record_bytes);
	for (uint32_t l = 1; l <= level; l++) {
		uint64_t list = upper_offset + uint64_t(l - 1) * s.upper_bytes;
		Touch(page, list, s.upper_bytes, upper_offset, upper_offset + uint64_t(capacity) * s.upper_bytes);
		Touch(page, list, 4, list, list + s.upper_bytes);
		uint32_t upper_count = Load<uint32_t>(p, list);
		FUZZ_CHECK(upper_count <= s.max_links_upper);
		Touch(page, list + 4, 4ull * upper_count, list, list + s.upper_bytes);
	}

	// HnswElementPos: the element's bytes on the graph page, if any.
	uint64_t offset = uint64_t(slot) * element_bytes;
	uint64_t first_capacity = s.data_end - s.vector_area_offset;
	if (offset < first_capacity) {
		uint64_t piece = element_bytes < first_capacity - offset ? element_bytes : first_capacity - offset;
		Touch(page, s.vector_area_offset + offset, piece, s.vector_area_offset, s.data_end);
	}
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	PageInput in;
	if (!vdb_fuzz::SplitPageInput(data, size, 6, &in))
		return 0;
	uint32_t element_bytes = 0;
	HnswPageShape shape = ShapeOf(in, &element_bytes);
	if (vdb::CheckHnswPageShape(shape, in.page.size()))
		return 0;
	// A shape that passed lays its parts out in order inside the page.
	FUZZ_CHECK(shape.data_offset <= shape.upper_area_offset && shape.upper_area_offset <= shape.vector_area_offset &&
	           shape.vector_area_offset <= shape.data_end && shape.data_end <= in.page.size());
	uint32_t upper_used = in.aux();
	// Every slot a group has, and a few beyond it (refused: the id's slot is
	// id % G, but the validator must not trust that).
	uint32_t slots = shape.group_nodes < 1024 ? shape.group_nodes + 2 : 1024;
	for (uint32_t slot = 0; slot < slots; slot++) {
		vdb::PageFinding problem = vdb::CheckHnswNodeRecord(in.page.data(), in.page.size(), shape, slot, upper_used);
		if (slot >= shape.group_nodes)
			FUZZ_CHECK(problem);
		else if (!problem)
			WalkRecord(in.page, shape, slot, upper_used, element_bytes);
	}
	return 0;
}
