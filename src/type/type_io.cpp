// The ERROR of each InputError code (see type_io.h). Codes whose message a
// check in checks.h already owns go through that check, so each message is
// written once.
#include "type/type_io.h"

#include <cmath>

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

}  // namespace

void CheckInput(const char *type, const char *input, const InputError &e) {
	switch (e.code) {
	case InputError::kNone:
		return;
	case InputError::kSyntax:
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
		                errmsg("invalid input syntax for type %s: \"%s\"", type, input)));
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
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("%s index %lld is out of range 1..%lld", type, (long long) e.number,
		                       (long long) e.limit)));
		break;
	case InputError::kDuplicateIndex:
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("%s index %lld appears more than once", type, (long long) e.number)));
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
		ReportBinary(type, ERRCODE_DATA_EXCEPTION,
		             psprintf("The reserved field is %d, not 0.", int(e.number)));
	case InputError::kIndexOrder:
		ReportBinary(type, ERRCODE_DATA_EXCEPTION,
		             psprintf("Indices must be strictly increasing and in 0..%d.", int(e.limit - 1)));
	case InputError::kZero:
		ReportBinary(type, ERRCODE_DATA_EXCEPTION, "Stored values must be non-zero.");
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
