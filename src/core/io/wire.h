// The binary (send/recv) forms of vector, halfvec and sparsevec, pgvector's,
// all big-endian:
//   vector, halfvec: uint16 dim, uint16 0, dim elements (float4, or the
//                    float16 bits)
//   sparsevec:       int32 dim, int32 nnz, int32 0, nnz int32 0-based
//                    indices strictly increasing, nnz non-zero float4 values
// Reading is two steps so that the glue can allocate the result between
// them: Read*Wire checks the header and the length against the buffer, then
// Decode* checks and converts the elements. Encode* writes the same bytes
// back. Nothing here allocates or throws.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/float16.h"
#include "core/io/input_error.h"
#include "core/io/type_limits.h"

namespace vdb {

struct DenseWire {
	int dim;
	const uint8_t *elements;  // dim * element_bytes of them
};

// typmod: the dimension count the column asks for, or -1.
InputError ReadDenseWire(const uint8_t *bytes, size_t size, const DenseKind &kind, int32_t typmod,
                         DenseWire *out);
// Into dim floats (vector) or halves (halfvec); NaN and infinity are refused.
InputError DecodeDenseElements(const DenseWire &wire, float *out);
InputError DecodeDenseElements(const DenseWire &wire, Half *out);

size_t DenseWireBytes(int dim, const DenseKind &kind);
// Writes DenseWireBytes(dim, kind) bytes.
void EncodeDenseWire(const float *values, int dim, uint8_t *out);
void EncodeDenseWire(const Half *values, int dim, uint8_t *out);

struct SparseWire {
	int32_t dim;
	int32_t nnz;
	const uint8_t *indices;  // nnz int32, then nnz float4
};

InputError ReadSparseWire(const uint8_t *bytes, size_t size, int32_t typmod, SparseWire *out);
// Into nnz indices and values: indices strictly increasing in 0..dim-1,
// values finite and non-zero.
InputError DecodeSparseEntries(const SparseWire &wire, int32_t *indices, float *values);

size_t SparseWireBytes(int32_t nnz);
// Writes SparseWireBytes(nnz) bytes.
void EncodeSparseWire(int32_t dim, int32_t nnz, const int32_t *indices, const float *values,
                      uint8_t *out);

}  // namespace vdb
