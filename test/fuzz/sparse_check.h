// What the two sparsevec targets share: parsing text as the glue does
// (sparse_io.cpp), the stored form's invariants, and the text round trip.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/io/text_input.h"
#include "fuzz_check.h"

namespace vdb_fuzz {

struct Sparse {
	int dim = 0;
	std::vector<int32_t> indices;
	std::vector<float> values;
};

inline vdb::InputError ParseSparse(const std::string &text, int32_t typmod, Sparse *out) {
	std::vector<vdb::SparseEntry> entries(vdb::SparseTextCapacity(text.size()));
	int nnz = -1;
	vdb::InputError e = vdb::ParseSparseText(text.c_str(), typmod, entries.data(), entries.size(), &nnz, &out->dim);
	FUZZ_CHECK(e.code != vdb::InputError::kCapacity);
	if (!e.ok())
		return e;
	FUZZ_CHECK(nnz >= 0 && size_t(nnz) <= entries.size());
	out->indices.resize(nnz);
	out->values.resize(nnz);
	for (int i = 0; i < nnz; i++) {
		FUZZ_CHECK(entries[i].index >= 0 && entries[i].index < out->dim);
		out->indices[i] = int32_t(entries[i].index);
		out->values[i] = entries[i].value;
	}
	return e;
}

// What a stored sparsevec must be (src/type/sparse.h): 1..kSparseMaxDim
// dimensions, at most min(dim, kSparseMaxNnz) entries, indices strictly
// increasing in 0..dim-1, values finite and non-zero.
inline void CheckCanonical(const Sparse &v) {
	FUZZ_CHECK(v.dim >= 1 && v.dim <= vdb::kSparseMaxDim);
	size_t nnz = v.indices.size();
	FUZZ_CHECK(nnz == v.values.size() && nnz <= size_t(v.dim) && nnz <= size_t(vdb::kSparseMaxNnz));
	for (size_t i = 0; i < nnz; i++) {
		FUZZ_CHECK(v.indices[i] >= 0 && v.indices[i] < v.dim);
		FUZZ_CHECK(i == 0 || v.indices[i] > v.indices[i - 1]);
		FUZZ_CHECK(std::isfinite(v.values[i]) && v.values[i] != 0);
	}
}

inline std::string FormatSparse(const Sparse &v) {
	std::string text = "{";
	for (size_t i = 0; i < v.indices.size(); i++) {
		if (i > 0)
			text += ',';
		text += std::to_string(v.indices[i] + 1) + ":";
		AppendShortest(&text, v.values[i]);
	}
	return text + "}/" + std::to_string(v.dim);
}

// A canonical value's text reads back to the same value, and the typmod
// check takes its own dimension count only.
inline void CheckRoundTrip(const Sparse &v) {
	CheckCanonical(v);
	std::string text = FormatSparse(v);
	Sparse again;
	FUZZ_CHECK(ParseSparse(text, -1, &again).ok());
	FUZZ_CHECK(again.dim == v.dim && again.indices == v.indices);
	FUZZ_CHECK(SameBits(again.values, v.values));
	FUZZ_CHECK(ParseSparse(text, v.dim, &again).ok());
	FUZZ_CHECK(ParseSparse(text, v.dim == 1 ? 2 : v.dim - 1, &again).code == vdb::InputError::kExpectedDim);
}

}  // namespace vdb_fuzz
