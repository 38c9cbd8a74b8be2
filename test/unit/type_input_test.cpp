// The Postgres-free readers of the vector types' input (src/core/io): the
// limits at their exact edges, and the numbers and spans each error carries,
// which the glue quotes in its messages. The fuzz targets (test/fuzz) cover
// arbitrary input; these pin down the cases a message depends on.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/io/text_input.h"
#include "core/io/wire.h"

namespace vdb {
namespace {

struct Dense {
	InputError error;
	std::vector<float> values;
};

Dense ParseDense(const std::string &text, const DenseKind &kind = kVectorKind, int32_t typmod = -1) {
	Dense out;
	out.values.resize(DenseTextCapacity(text.size(), kind));
	int dim = 0;
	out.error = ParseDenseText(text.c_str(), kind, typmod, out.values.data(), out.values.size(), &dim);
	out.values.resize(out.error.ok() ? dim : 0);
	return out;
}

std::string Ones(int n) {
	std::string text = "[";
	for (int i = 0; i < n; i++)
		text += i ? ",1" : "1";
	return text + "]";
}

TEST(TypeInput, DenseTextReadsLikeFloat4In) {
	Dense d = ParseDense(" [ 1.5, -2e3 ,0x1p3,-0 ] ");
	ASSERT_TRUE(d.error.ok());
	EXPECT_EQ(d.values, (std::vector<float>{1.5f, -2000.0f, 8.0f, 0.0f}));
	EXPECT_TRUE(std::signbit(d.values[3]));
}

TEST(TypeInput, DenseDimensionsAtTheLimit) {
	EXPECT_TRUE(ParseDense(Ones(16000)).error.ok());
	InputError e = ParseDense(Ones(16001)).error;
	EXPECT_EQ(e.code, InputError::kDimCount);
	EXPECT_EQ(e.number, 16001);
	EXPECT_EQ(e.limit, 16000);
	EXPECT_EQ(ParseDense("[ ]").error.code, InputError::kDimCount);
	EXPECT_EQ(ParseDense("[ ]").error.number, 0);
}

TEST(TypeInput, DenseTypmod) {
	EXPECT_TRUE(ParseDense("[1,2]", kVectorKind, 2).error.ok());
	InputError e = ParseDense("[1,2]", kVectorKind, 3).error;
	EXPECT_EQ(e.code, InputError::kExpectedDim);
	EXPECT_EQ(e.number, 2);
	EXPECT_EQ(e.limit, 3);
}

TEST(TypeInput, OutOfRangePointsAtTheNumber) {
	struct Case {
		const char *text, *token;
	};
	for (Case c : {Case{"[1, 1e39]", "1e39"}, Case{"[1,-1e39 ]", "-1e39"}}) {
		InputError e = ParseDense(c.text).error;
		EXPECT_EQ(e.code, InputError::kOutOfRange) << c.text;
		EXPECT_EQ(std::string(c.text + e.begin, e.end - e.begin), c.token);
	}
	// halfvec: 65520 is the first float that rounds to float16 infinity.
	EXPECT_TRUE(ParseDense("[65519.99]", kHalfvecKind).error.ok());
	EXPECT_EQ(ParseDense("[-65520]", kHalfvecKind).error.code, InputError::kOutOfRange);
	EXPECT_EQ(ParseDense("[NaN]").error.code, InputError::kNaN);
	EXPECT_EQ(ParseDense("[-inf]").error.code, InputError::kInfinite);
}

TEST(TypeInput, DenseSyntax) {
	for (const char *text : {"1,2", "[1,2", "[1,,2]", "[1 2]", "[1,2]x", "[1,]", ""})
		EXPECT_EQ(ParseDense(text).error.code, InputError::kSyntax) << text;
	// Where the error stands picks pgvector's DETAIL line.
	EXPECT_EQ(ParseDense(" 1,2").error.place, InputError::kOpening);
	EXPECT_EQ(ParseDense("").error.place, InputError::kOpening);
	EXPECT_EQ(ParseDense("[1,2] x").error.place, InputError::kTrailing);
	EXPECT_EQ(ParseDense("[1,,2]").error.place, InputError::kInside);
	EXPECT_EQ(ParseDense("[1,2").error.place, InputError::kInside);
}

struct Sparse {
	InputError error;
	std::vector<SparseEntry> entries;
	int dim = 0;
};

Sparse ParseSparse(const std::string &text, int32_t typmod = -1) {
	Sparse out;
	out.entries.resize(SparseTextCapacity(text.size()));
	int nnz = 0;
	out.error = ParseSparseText(text.c_str(), typmod, out.entries.data(), out.entries.size(), &nnz, &out.dim);
	out.entries.resize(out.error.ok() ? nnz : 0);
	return out;
}

TEST(TypeInput, SparseTextSortsAndDropsZeros) {
	Sparse s = ParseSparse("{5:2, 1:0, 2:-1}/5");
	ASSERT_TRUE(s.error.ok());
	EXPECT_EQ(s.dim, 5);
	ASSERT_EQ(s.entries.size(), 2u);
	EXPECT_EQ(s.entries[0].index, 1);  // 0-based
	EXPECT_EQ(s.entries[0].value, -1);
	EXPECT_EQ(s.entries[1].index, 4);
	EXPECT_EQ(s.entries[1].value, 2);
}

// As pgvector: a number below float's range reads as a zero of its sign in
// vector and halfvec (and a subnormal as itself), but is out of range in
// sparsevec, where the entry would vanish.
TEST(TypeInput, UnderflowIsZeroInDenseTypesOnly) {
	for (const DenseKind *kind : {&kVectorKind, &kHalfvecKind}) {
		Dense d = ParseDense("[1e-46, -1e-50, 1e-40, 1]", *kind);
		ASSERT_TRUE(d.error.ok());
		EXPECT_EQ(d.values[0], 0.0f);
		EXPECT_FALSE(std::signbit(d.values[0]));
		EXPECT_EQ(d.values[1], 0.0f);
		EXPECT_TRUE(std::signbit(d.values[1]));
		EXPECT_EQ(d.values[2], 1e-40f);
		EXPECT_EQ(d.values[3], 1.0f);
	}
	const char *text = "{1:1, 2:1e-50}/2";
	InputError e = ParseSparse(text).error;
	EXPECT_EQ(e.code, InputError::kOutOfRange);
	EXPECT_EQ(std::string(text + e.begin, e.end - e.begin), "1e-50");
	EXPECT_TRUE(ParseSparse("{1:1, 2:1e-40}/2").error.ok());
}

TEST(TypeInput, SparseTextErrors) {
	EXPECT_EQ(ParseSparse("{}/1000000000").error.code, InputError::kNone);
	InputError e = ParseSparse("{}/1000000001").error;
	EXPECT_EQ(e.code, InputError::kDimCount);
	EXPECT_EQ(e.limit, kSparseMaxDim);
	e = ParseSparse("{4:1}/3").error;
	EXPECT_EQ(e.code, InputError::kIndexRange);
	EXPECT_EQ(e.number, 4);
	EXPECT_EQ(e.limit, 3);
	e = ParseSparse("{2:1,2:0}/3").error;
	EXPECT_EQ(e.code, InputError::kDuplicateIndex);
	EXPECT_EQ(e.number, 2);
	EXPECT_EQ(ParseSparse("{1:1}/3", 4).error.code, InputError::kExpectedDim);
	// Integers beyond int32 are clamped, so their range checks report them.
	e = ParseSparse("{99999999999:1}/3").error;
	EXPECT_EQ(e.code, InputError::kIndexRange);
	EXPECT_EQ(e.number, INT32_MAX);
	e = ParseSparse("{}/9223372036854775808").error;
	EXPECT_EQ(e.code, InputError::kDimCount);
	EXPECT_EQ(e.number, INT32_MAX);
	e = ParseSparse("{}/-2147483649").error;
	EXPECT_EQ(e.code, InputError::kDimCount);
	EXPECT_EQ(e.number, INT32_MIN);

	EXPECT_EQ(ParseSparse("").error.place, InputError::kOpening);
	EXPECT_EQ(ParseSparse("{}").error.place, InputError::kNoDims);
	EXPECT_EQ(ParseSparse("{}/1a").error.place, InputError::kTrailing);
	EXPECT_EQ(ParseSparse("{1:}/1").error.place, InputError::kInside);
}

TEST(TypeInput, SparseNonZerosAtTheLimit) {
	std::string text = "{";
	for (int i = 1; i <= kSparseMaxNnz + 1; i++)
		text += std::to_string(i) + ":1,";
	std::string at_limit = text.substr(0, text.rfind(std::to_string(kSparseMaxNnz + 1)));
	at_limit.back() = '}';
	EXPECT_TRUE(ParseSparse(at_limit + "/20000").error.ok());
	text.back() = '}';
	InputError e = ParseSparse(text + "/20000").error;
	EXPECT_EQ(e.code, InputError::kNnz);
	EXPECT_EQ(e.number, kSparseMaxNnz + 1);
}

TEST(TypeInput, DenseWireRoundTrip) {
	const uint8_t bytes[] = {0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0};  // [1, -2]
	DenseWire wire;
	ASSERT_TRUE(ReadDenseWire(bytes, sizeof bytes, kVectorKind, -1, &wire).ok());
	float values[2];
	ASSERT_TRUE(DecodeDenseElements(wire, values).ok());
	EXPECT_EQ(values[0], 1.0f);
	EXPECT_EQ(values[1], -2.0f);
	uint8_t again[sizeof bytes];
	ASSERT_EQ(DenseWireBytes(2, kVectorKind), sizeof bytes);
	EncodeDenseWire(values, 2, again);
	EXPECT_EQ(memcmp(bytes, again, sizeof bytes), 0);

	InputError e = ReadDenseWire(bytes, sizeof bytes - 1, kVectorKind, -1, &wire);
	EXPECT_EQ(e.code, InputError::kLength);
	EXPECT_EQ(e.number, 7);
	EXPECT_EQ(e.limit, 8);
	e = ReadDenseWire(bytes, 3, kVectorKind, -1, &wire);
	EXPECT_EQ(e.code, InputError::kShort);
	const uint8_t reserved[] = {0, 1, 0, 9, 0, 0, 0, 0};
	e = ReadDenseWire(reserved, sizeof reserved, kVectorKind, -1, &wire);
	EXPECT_EQ(e.code, InputError::kReserved);
	EXPECT_EQ(e.number, 9);
	const uint8_t half_inf[] = {0, 1, 0, 0, 0x7c, 0};
	ASSERT_TRUE(ReadDenseWire(half_inf, sizeof half_inf, kHalfvecKind, -1, &wire).ok());
	Half h;
	EXPECT_EQ(DecodeDenseElements(wire, &h).code, InputError::kInfinite);
}

TEST(TypeInput, SparseWireChecks) {
	// dim 5, nnz 2, reserved 0, indices {3, 1}: not increasing.
	const uint8_t bytes[] = {0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1,
	                         0x3f, 0x80, 0, 0, 0x3f, 0x80, 0, 0};
	SparseWire wire;
	ASSERT_TRUE(ReadSparseWire(bytes, sizeof bytes, -1, &wire).ok());
	int32_t indices[2];
	float values[2];
	InputError e = DecodeSparseEntries(wire, indices, values);
	EXPECT_EQ(e.code, InputError::kIndexOrder);
	EXPECT_EQ(e.limit, 5);
	// Each fault of the indices has its own code (pgvector's messages differ).
	struct Case {
		uint8_t first, second;
		InputError::Code code;
		int64_t number;
	};
	for (Case c : {Case{3, 3, InputError::kDuplicateIndex, 4}, Case{1, 5, InputError::kIndexRange, 6}}) {
		uint8_t faulty[sizeof bytes];
		memcpy(faulty, bytes, sizeof bytes);
		faulty[15] = c.first;
		faulty[19] = c.second;
		ASSERT_TRUE(ReadSparseWire(faulty, sizeof faulty, -1, &wire).ok());
		e = DecodeSparseEntries(wire, indices, values);
		EXPECT_EQ(e.code, c.code) << int(c.second);
		EXPECT_EQ(e.number, c.number) << int(c.second);  // 1-based
	}
	const uint8_t too_many[] = {0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 0};
	e = ReadSparseWire(too_many, sizeof too_many, -1, &wire);
	EXPECT_EQ(e.code, InputError::kNnz);
	EXPECT_EQ(e.number, 6);
	EXPECT_EQ(e.limit, 5);
}

}  // namespace
}  // namespace vdb
