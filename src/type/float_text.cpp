// Float element printing for the text formats (see float_text.h).
#include "type/float_text.h"

extern "C" {
#include "common/shortest_dec.h"
}

namespace vdb {

void AppendFloat(StringInfo buf, float value) {
	char digits[FLOAT_SHORTEST_DECIMAL_LEN];
	int length = float_to_shortest_decimal_bufn(value, digits);
	appendBinaryStringInfo(buf, digits, length);
}

}  // namespace vdb
