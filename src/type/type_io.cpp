// The ERROR of each InputError code (see type_io.h). Codes whose message a
// check in checks.h already owns go through that check, so each message is
// written once.
#include "type/type_io.h"

#include <cmath>
#include <cstring>

#include "type/checks.h"
#include "type/sparse.h"

namespace vdb {
namespace {

// The binary forms' errors share one message and tell the fault in DETAIL.
// C++'s own attribute: PostgreSQL 18 dropped pg_attribute_noreturn().
[[noreturn]] void ReportBinary(const char *type, int sqlstate, const char *detail) {
	ereport(ERROR, (errcode(sqlstate), errmsg("invalid binary data for type %s", type),
	                errdetail("%s", detail)));
}

// pgvector's DETAIL for a syntax error at the literal's edges; none (0)
// inside it. errdetail() returns 0, so either way it is one argument.
int SyntaxDetail(const char *type, InputError::Place place) {
	bool sparse = strcmp(type, "sparsevec") == 0;
	switch (place) {
	case InputError::kOpening:
		return errdetail("Vector contents must start with \"%s\".", sparse ? "{" : "[");
	case InputError::kTrailing:
		return sparse ? errdetail("Junk after closing.") : errdetail("Junk after closing right brace.");
	case InputError::kNoDims:
		return errdetail("Unexpected end of input.");
	case InputError::kInside:
		break;
	}
	return 0;
}

}  // namespace

void CheckInput(const char *type, const char *input, const InputError &e) {
	switch (e.code) {
	case InputError::kNone:
		return;
	case InputError::kSyntax:
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
		                errmsg("invalid input syntax for type %s: \"%s\"", type, input),
		                SyntaxDetail(type, e.place)));
		break;
	case InputError::kOutOfRange:
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("\"%s\" is out of range for type %s",
		                       pnstrdup(input + e.begin, e.end - e.begin), type)));
		break;
	case InputError::kNaN:
		CheckFinite(type, NAN);
		break;
	case InputError::kInfinite:
		CheckFinite(type, INFINITY);
		break;
	case InputError::kDimCount:
		CheckDimCount(type, e.number, e.limit);
		break;
	case InputError::kExpectedDim:
		CheckExpectedDim(type, int32(e.limit), int(e.number));
		break;
	case InputError::kIndexRange:
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("%s index out of bounds", type)));
		break;
	case InputError::kDuplicateIndex:
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("%s indices must not contain duplicates", type)));
		break;
	case InputError::kNnz:
		::CheckSparseNnz(e.number, e.limit);
		break;
	case InputError::kShort:
	case InputError::kLength:
		ReportBinary(type, ERRCODE_INVALID_BINARY_REPRESENTATION,
		             psprintf("Expected %s%lld bytes, got %lld.",
		                      e.code == InputError::kShort ? "at least " : "", (long long) e.limit,
		                      (long long) e.number));
	case InputError::kReserved:
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("expected unused to be 0, not %d", int(e.number))));
		break;
	case InputError::kIndexOrder:
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("%s indices must be in ascending order", type)));
		break;
	case InputError::kZero:
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("binary representation of %s cannot contain zero values", type)));
		break;
	case InputError::kCapacity:  // a glue bug: below
		break;
	}
	elog(ERROR, "%s input: reader verdict %d was not raised", type, int(e.code));
}

bytea *NewSendBuffer(size_t size) {
	bytea *result = (bytea *) palloc(VARHDRSZ + size);
	SET_VARSIZE(result, VARHDRSZ + size);
	return result;
}

}  // namespace vdb
