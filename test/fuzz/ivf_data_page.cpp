// libFuzzer target: an ivf data page fed through the checks of the index
// checker (src/ivf/ivf_check.cpp): the metapage's shape as IvfReadMeta
// checks it (CheckIvfPageShape), then CheckIvfDataPage. For a page the
// validator accepts, the target walks it as src/ivf/ivf_pages.h lays it out
// (the header, each counted tuple's heap TID and code, the slot an insert
// would fill next) and asserts that each part lies in the page's data area:
// so the fuzzer tests that the validator is sufficient, not only that it
// does not crash.
//
// Input: byte 0 the mode, two uint32 words, then the page (its own size, up
// to 32 KB). Mode bit 0 set: the words are the metapage's tuple_size and
// tuples_per_page, any values, and codes take all of a tuple after its
// header (the most IvfReadMeta allows). Clear: a plausible layout as
// IvfBuildMeta computes it from a code of w0 % 65536 bytes.
#include "core/ivf/page_check.h"
#include "page_input.h"

namespace {

using vdb::IvfPageField;
using vdb_fuzz::Load;
using vdb_fuzz::PageInput;
using vdb_fuzz::Touch;

vdb::IvfPageShape ShapeOf(const PageInput &in, uint32_t *code_size) {
	vdb::IvfPageShape s{vdb_fuzz::kPageHeaderBytes, in.data_end(), 0, 0};
	if (in.mode & 1) {
		s.tuple_size = in.words[0];
		s.tuples_per_page = in.words[1];
		*code_size = s.tuple_size >= IvfPageField::kTupleHeaderBytes ? s.tuple_size - IvfPageField::kTupleHeaderBytes : 0;
	} else {
		*code_size = in.words[0] % 65536;
		s.tuple_size = uint32_t(IvfPageField::kTupleHeaderBytes + (*code_size + 7) / 8 * 8);
		uint32_t capacity = s.data_end - s.data_offset - IvfPageField::kHeaderBytes;
		s.tuples_per_page = s.tuple_size <= capacity ? capacity / s.tuple_size : 0;
	}
	return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	PageInput in;
	if (!vdb_fuzz::SplitPageInput(data, size, 2, &in))
		return 0;
	uint32_t code_size = 0;
	vdb::IvfPageShape shape = ShapeOf(in, &code_size);
	if (vdb::CheckIvfPageShape(shape, in.page.size()) || vdb::CheckIvfDataPage(in.page.data(), in.page.size(), shape))
		return 0;

	const std::vector<uint8_t> &page = in.page;
	Touch(page, shape.data_offset, IvfPageField::kHeaderBytes, shape.data_offset, shape.data_end);
	uint32_t count = Load<uint32_t>(page.data(), shape.data_offset + IvfPageField::kCount);
	FUZZ_CHECK(count <= shape.tuples_per_page);
	uint64_t tuples = shape.data_offset + IvfPageField::kHeaderBytes;
	// Counted tuples are read (TID, code); the rest up to tuples_per_page
	// are where inserts write.
	for (uint32_t i = 0; i < shape.tuples_per_page; i++) {
		uint64_t tuple = tuples + uint64_t(i) * shape.tuple_size;
		Touch(page, tuple, shape.tuple_size, tuples, shape.data_end);
		Touch(page, tuple, IvfPageField::kTupleHeaderBytes, tuple, tuple + shape.tuple_size);
		if (i >= count)
			continue;
		FUZZ_CHECK(Load<uint16_t>(page.data(), tuple + IvfPageField::kTidOffset) != 0);
		Touch(page, tuple + IvfPageField::kTupleHeaderBytes, code_size, tuple, tuple + shape.tuple_size);
	}
	return 0;
}
