// libFuzzer target: the binary input of sparsevec. An accepted buffer is
// exactly the header and nnz entries, decodes to a canonical value, encodes
// back to the same bytes, and its text form reads back the same.
#include <cstring>

#include "core/io/wire.h"
#include "sparse_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	using vdb::InputError;
	vdb::SparseWire wire;
	InputError e = vdb::ReadSparseWire(data, size, -1, &wire);
	if (!e.ok()) {
		FUZZ_CHECK(e.code == InputError::kShort || e.code == InputError::kDimCount ||
		           e.code == InputError::kNnz || e.code == InputError::kReserved ||
		           e.code == InputError::kLength);
		return 0;
	}
	FUZZ_CHECK(size == vdb::SparseWireBytes(wire.nnz));
	FUZZ_CHECK(vdb::ReadSparseWire(data, size, wire.dim, &wire).ok());
	FUZZ_CHECK(vdb::ReadSparseWire(data, size, wire.dim == 1 ? 2 : wire.dim - 1, &wire).code ==
	           InputError::kExpectedDim);

	vdb_fuzz::Sparse v;
	v.dim = wire.dim;
	v.indices.resize(wire.nnz);
	v.values.resize(wire.nnz);
	e = vdb::DecodeSparseEntries(wire, v.indices.data(), v.values.data());
	if (!e.ok()) {
		FUZZ_CHECK(e.code == InputError::kIndexRange || e.code == InputError::kDuplicateIndex ||
		           e.code == InputError::kIndexOrder || e.code == InputError::kNaN ||
		           e.code == InputError::kInfinite || e.code == InputError::kZero);
		return 0;
	}
	std::vector<uint8_t> bytes(size);
	vdb::EncodeSparseWire(v.dim, wire.nnz, v.indices.data(), v.values.data(), bytes.data());
	FUZZ_CHECK(memcmp(bytes.data(), data, size) == 0);
	vdb_fuzz::CheckRoundTrip(v);
	return 0;
}
