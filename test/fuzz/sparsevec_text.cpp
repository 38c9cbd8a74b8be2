// libFuzzer target: the text input of sparsevec. Any NUL-terminated input
// parses to a canonical value whose printed form reads back the same, or
// yields an InputError that points inside it.
#include <cstring>

#include "sparse_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	using vdb::InputError;
	std::string text(reinterpret_cast<const char *>(data), strnlen(reinterpret_cast<const char *>(data), size));
	vdb_fuzz::Sparse v;
	InputError e = vdb_fuzz::ParseSparse(text, -1, &v);
	if (e.ok()) {
		vdb_fuzz::CheckRoundTrip(v);
		return 0;
	}
	FUZZ_CHECK(e.code == InputError::kSyntax || e.code == InputError::kOutOfRange ||
	           e.code == InputError::kNaN || e.code == InputError::kInfinite ||
	           e.code == InputError::kDimCount || e.code == InputError::kIndexRange ||
	           e.code == InputError::kDuplicateIndex || e.code == InputError::kNnz);
	FUZZ_CHECK(e.begin <= e.end && e.end <= text.size());
	return 0;
}
