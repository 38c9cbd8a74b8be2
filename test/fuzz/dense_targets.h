// The vector and halfvec targets, written once over the element type (float
// or vdb::Half); each target file instantiates one of them.
//
// Text: any NUL-terminated input either parses or yields an InputError that
// points inside it; a parsed value has 1..max_dim finite elements within the
// type's range, and its shortest printed form parses back to the same bits.
// Binary: an accepted buffer is exactly the header and dim elements, the
// elements are finite, encoding them gives back the same bytes, and their
// text form parses to the same values. In both, the typmod check accepts the
// value's own dimension count and refuses any other.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "core/float16.h"
#include "core/io/text_input.h"
#include "core/io/wire.h"
#include "fuzz_check.h"

namespace vdb_fuzz {

template <typename Element>
const vdb::DenseKind &KindOf() {
	return std::is_same<Element, float>::value ? vdb::kVectorKind : vdb::kHalfvecKind;
}

inline float ToFloat(float x) { return x; }
inline float ToFloat(vdb::Half h) { return vdb::HalfToFloat(h); }

inline bool IsTextError(vdb::InputError::Code code) {
	switch (code) {
	case vdb::InputError::kSyntax:
	case vdb::InputError::kOutOfRange:
	case vdb::InputError::kNaN:
	case vdb::InputError::kInfinite:
	case vdb::InputError::kDimCount:
		return true;
	default:
		return false;
	}
}

// Parses text as the glue does (dense_io.cpp: floats, then the element type).
template <typename Element>
vdb::InputError ParseText(const std::string &text, int32_t typmod, std::vector<Element> *out) {
	const vdb::DenseKind &kind = KindOf<Element>();
	std::vector<float> values(vdb::DenseTextCapacity(text.size(), kind));
	int dim = -1;
	vdb::InputError e = vdb::ParseDenseText(text.c_str(), kind, typmod, values.data(), values.size(), &dim);
	FUZZ_CHECK(e.code != vdb::InputError::kCapacity);
	if (!e.ok())
		return e;
	FUZZ_CHECK(dim >= 1 && dim <= kind.max_dim && size_t(dim) <= values.size());
	out->resize(dim);
	for (int i = 0; i < dim; i++) {
		FUZZ_CHECK(std::isfinite(values[i]) && std::fabs(values[i]) < kind.overflow_at);
		if constexpr (std::is_same<Element, float>::value) {
			(*out)[i] = values[i];
		} else {
			// The glue refuses a value that rounds to infinity; the range
			// check must have caught it.
			(*out)[i] = vdb::FloatToHalf(values[i]);
			FUZZ_CHECK(((*out)[i] & 0x7fff) < 0x7c00);
		}
	}
	return e;
}

template <typename Element>
std::string FormatText(const std::vector<Element> &values) {
	std::string text = "[";
	for (size_t i = 0; i < values.size(); i++) {
		if (i > 0)
			text += ',';
		AppendShortest(&text, ToFloat(values[i]));
	}
	return text + "]";
}

// A parsed value's text reads back to the same elements, and the typmod
// check takes its own dimension count only.
template <typename Element>
void CheckParsedValue(const std::vector<Element> &values) {
	std::string text = FormatText(values);
	std::vector<Element> again;
	FUZZ_CHECK(ParseText(text, -1, &again).ok());
	FUZZ_CHECK(SameBits(values, again));
	int dim = int(values.size());
	FUZZ_CHECK(ParseText(text, dim, &again).ok());
	FUZZ_CHECK(ParseText(text, dim + 1, &again).code == vdb::InputError::kExpectedDim);
}

template <typename Element>
int FuzzDenseText(const uint8_t *data, size_t size) {
	// Text input is a C string: it ends at the first NUL.
	std::string text(reinterpret_cast<const char *>(data), strnlen(reinterpret_cast<const char *>(data), size));
	std::vector<Element> values;
	vdb::InputError e = ParseText(text, -1, &values);
	if (!e.ok()) {
		FUZZ_CHECK(IsTextError(e.code));
		FUZZ_CHECK(e.begin <= e.end && e.end <= text.size());
		FUZZ_CHECK(e.code != vdb::InputError::kOutOfRange || e.begin < e.end);
		return 0;
	}
	CheckParsedValue(values);
	return 0;
}

template <typename Element>
int FuzzDenseBinary(const uint8_t *data, size_t size) {
	const vdb::DenseKind &kind = KindOf<Element>();
	vdb::DenseWire wire;
	vdb::InputError e = vdb::ReadDenseWire(data, size, kind, -1, &wire);
	if (!e.ok()) {
		FUZZ_CHECK(e.code == vdb::InputError::kShort || e.code == vdb::InputError::kDimCount ||
		           e.code == vdb::InputError::kReserved || e.code == vdb::InputError::kLength);
		return 0;
	}
	FUZZ_CHECK(wire.dim >= 1 && wire.dim <= kind.max_dim);
	FUZZ_CHECK(size == vdb::DenseWireBytes(wire.dim, kind));
	FUZZ_CHECK(vdb::ReadDenseWire(data, size, kind, wire.dim + 1, &wire).code == vdb::InputError::kExpectedDim);
	FUZZ_CHECK(vdb::ReadDenseWire(data, size, kind, wire.dim, &wire).ok());

	std::vector<Element> values(wire.dim);
	e = vdb::DecodeDenseElements(wire, values.data());
	if (!e.ok()) {
		FUZZ_CHECK(e.code == vdb::InputError::kNaN || e.code == vdb::InputError::kInfinite);
		return 0;
	}
	for (Element x : values)
		FUZZ_CHECK(std::isfinite(ToFloat(x)));
	std::vector<uint8_t> bytes(size);
	vdb::EncodeDenseWire(values.data(), wire.dim, bytes.data());
	FUZZ_CHECK(memcmp(bytes.data(), data, size) == 0);
	CheckParsedValue(values);
	return 0;
}

}  // namespace vdb_fuzz
