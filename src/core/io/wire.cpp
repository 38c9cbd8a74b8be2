// Readers and writers of the binary forms (see wire.h).
#include "core/pure.h"

#include "core/io/wire.h"

#include <cmath>
#include <cstring>

namespace vdb {
namespace {

uint32_t Load32(const uint8_t *p) {
	return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
uint16_t Load16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }
void Store32(uint32_t v, uint8_t *p) {
	p[0] = uint8_t(v >> 24);
	p[1] = uint8_t(v >> 16);
	p[2] = uint8_t(v >> 8);
	p[3] = uint8_t(v);
}
void Store16(uint16_t v, uint8_t *p) {
	p[0] = uint8_t(v >> 8);
	p[1] = uint8_t(v);
}
float LoadFloat(const uint8_t *p) {
	uint32_t bits = Load32(p);
	float f;
	memcpy(&f, &bits, sizeof f);
	return f;
}
void StoreFloat(float f, uint8_t *p) {
	uint32_t bits;
	memcpy(&bits, &f, sizeof bits);
	Store32(bits, p);
}

InputError CheckLength(size_t left, size_t expected, bool exact) {
	if (exact ? left != expected : left < expected)
		return InputError::Of(exact ? InputError::kLength : InputError::kShort, int64_t(left),
		                      int64_t(expected));
	return InputError();
}

constexpr size_t kDenseHeader = 4;
constexpr size_t kSparseHeader = 12;

}  // namespace

InputError ReadDenseWire(const uint8_t *bytes, size_t size, const DenseKind &kind, int32_t typmod,
                         DenseWire *out) {
	InputError e = CheckLength(size, kDenseHeader, false);
	if (!e.ok())
		return e;
	int dim = Load16(bytes);
	int reserved = Load16(bytes + 2);
	e = ValidateDimensions(dim, kind.max_dim, typmod);
	if (!e.ok())
		return e;
	if (reserved != 0)
		return InputError::Of(InputError::kReserved, reserved);
	e = CheckLength(size - kDenseHeader, size_t(dim) * kind.element_bytes, true);
	if (!e.ok())
		return e;
	*out = DenseWire{dim, bytes + kDenseHeader};
	return InputError();
}

InputError DecodeDenseElements(const DenseWire &wire, float *out) {
	for (int i = 0; i < wire.dim; i++) {
		out[i] = LoadFloat(wire.elements + 4 * size_t(i));
		InputError e = ValidateFinite(out[i]);
		if (!e.ok())
			return e;
	}
	return InputError();
}

InputError DecodeDenseElements(const DenseWire &wire, Half *out) {
	for (int i = 0; i < wire.dim; i++) {
		// Through float, as every halfvec value is checked.
		float x = HalfToFloat(Load16(wire.elements + 2 * size_t(i)));
		InputError e = ValidateFinite(x);
		if (!e.ok())
			return e;
		out[i] = FloatToHalf(x);
	}
	return InputError();
}

size_t DenseWireBytes(int dim, const DenseKind &kind) {
	return kDenseHeader + size_t(dim) * kind.element_bytes;
}

void EncodeDenseWire(const float *values, int dim, uint8_t *out) {
	Store16(uint16_t(dim), out);
	Store16(0, out + 2);
	for (int i = 0; i < dim; i++)
		StoreFloat(values[i], out + kDenseHeader + 4 * size_t(i));
}

void EncodeDenseWire(const Half *values, int dim, uint8_t *out) {
	Store16(uint16_t(dim), out);
	Store16(0, out + 2);
	for (int i = 0; i < dim; i++)
		Store16(values[i], out + kDenseHeader + 2 * size_t(i));
}

InputError ReadSparseWire(const uint8_t *bytes, size_t size, int32_t typmod, SparseWire *out) {
	InputError e = CheckLength(size, kSparseHeader, false);
	if (!e.ok())
		return e;
	int32_t dim = int32_t(Load32(bytes));
	int32_t nnz = int32_t(Load32(bytes + 4));
	int32_t reserved = int32_t(Load32(bytes + 8));
	e = ValidateDimensions(dim, kSparseMaxDim, typmod);
	if (!e.ok())
		return e;
	e = ValidateSparseNnz(nnz, dim);
	if (!e.ok())
		return e;
	if (reserved != 0)
		return InputError::Of(InputError::kReserved, reserved);
	e = CheckLength(size - kSparseHeader, SparseWireBytes(nnz) - kSparseHeader, true);
	if (!e.ok())
		return e;
	*out = SparseWire{dim, nnz, bytes + kSparseHeader};
	return InputError();
}

InputError DecodeSparseEntries(const SparseWire &wire, int32_t *indices, float *values) {
	// All indices first, then the values, the order the checks always ran in.
	for (int32_t i = 0; i < wire.nnz; i++) {
		int32_t index = int32_t(Load32(wire.indices + 4 * size_t(i)));
		// Reported 1-based, as the text form numbers them.
		if (index < 0 || index >= wire.dim)
			return InputError::Of(InputError::kIndexRange, int64_t(index) + 1, wire.dim);
		if (i > 0 && index == indices[i - 1])
			return InputError::Of(InputError::kDuplicateIndex, int64_t(index) + 1);
		if (i > 0 && index < indices[i - 1])
			return InputError::Of(InputError::kIndexOrder, index, wire.dim);
		indices[i] = index;
	}
	const uint8_t *stored = wire.indices + 4 * size_t(wire.nnz);
	for (int32_t i = 0; i < wire.nnz; i++) {
		values[i] = LoadFloat(stored + 4 * size_t(i));
		InputError e = ValidateFinite(values[i]);
		if (!e.ok())
			return e;
		if (values[i] == 0)
			return InputError::Of(InputError::kZero);
	}
	return InputError();
}

size_t SparseWireBytes(int32_t nnz) { return kSparseHeader + size_t(nnz) * 8; }

void EncodeSparseWire(int32_t dim, int32_t nnz, const int32_t *indices, const float *values,
                      uint8_t *out) {
	Store32(uint32_t(dim), out);
	Store32(uint32_t(nnz), out + 4);
	Store32(0, out + 8);
	for (int32_t i = 0; i < nnz; i++)
		Store32(uint32_t(indices[i]), out + kSparseHeader + 4 * size_t(i));
	for (int32_t i = 0; i < nnz; i++)
		StoreFloat(values[i], out + kSparseHeader + 4 * size_t(nnz + i));
}

}  // namespace vdb
