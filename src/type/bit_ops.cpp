// Distances between binary vectors stored in Postgres's own bit(n) type,
// through the popcount kernels. bit(n) keeps bits past the length zeroed,
// so whole bytes can be counted.
#include "pg/pg.h"

extern "C" {
#include "utils/varbit.h"
}

#include "core/distance/distance.h"

namespace {

struct BitPair {
	const uint8_t *a, *b;
	size_t bytes;
};

BitPair BitArgs(FunctionCallInfo fcinfo) {
	VarBit *a = PG_GETARG_VARBIT_P(0), *b = PG_GETARG_VARBIT_P(1);
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("different bit lengths %d and %d", VARBITLEN(a), VARBITLEN(b))));
	return BitPair{VARBITS(a), VARBITS(b), (size_t) VARBITBYTES(a)};
}

}  // namespace

VDB_FUNCTION(hamming_distance) {
	BitPair p = BitArgs(fcinfo);
	PG_RETURN_FLOAT8((double) vdb::Kernels().hamming(p.a, p.b, p.bytes));
}

// 1 - |a AND b| / |a OR b|; 1 when the sets do not intersect (also when
// both are empty), as pgvector.
VDB_FUNCTION(jaccard_distance) {
	BitPair p = BitArgs(fcinfo);
	uint64_t and_count, or_count;
	vdb::Kernels().and_or_popcount(p.a, p.b, p.bytes, &and_count, &or_count);
	PG_RETURN_FLOAT8(and_count == 0 ? 1.0 : 1.0 - (double) and_count / (double) or_count);
}
