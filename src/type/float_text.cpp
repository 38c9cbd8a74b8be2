// Float element parsing and printing for the text formats (see float_text.h).
#include "type/float_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

extern "C" {
#include "common/shortest_dec.h"
#include "parser/scansup.h"
}

#include "type/checks.h"

namespace vdb {

const char *SkipSpace(const char *p) {
	while (scanner_isspace(*p))
		p++;
	return p;
}

void ReportSyntax(const char *type, const char *input) {
	ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
	                errmsg("invalid input syntax for type %s: \"%s\"", type, input)));
}

float ParseFloatElement(const char *type, const char *input, const char **cursor,
                        float overflow_at) {
	const char *start = SkipSpace(*cursor);
	char *end;
	errno = 0;
	float value = strtof(start, &end);
	if (end == start)
		ReportSyntax(type, input);
	// Like float4in: overflow, and underflow to zero, are out of range.
	bool out_of_range = errno == ERANGE && (value == 0 || std::isinf(value));
	if (out_of_range || (std::isfinite(value) && std::fabs(value) >= overflow_at))
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("\"%s\" is out of range for type %s",
		                       pnstrdup(start, end - start), type)));
	CheckFinite(type, value);
	*cursor = end;
	return value;
}

void AppendFloat(StringInfo buf, float value) {
	char digits[FLOAT_SHORTEST_DECIMAL_LEN];
	int length = float_to_shortest_decimal_bufn(value, digits);
	appendBinaryStringInfo(buf, digits, length);
}

}  // namespace vdb
