// Text and binary input/output of sparsevec, and its typmod_in.
// Text: "{1:1.5,3:2}/5" with 1-based indices in any order, zeros dropped;
// binary (pgvector's): int32 dim, int32 nnz, int32 0, then nnz 0-based int32
// indices and nnz float4 values.
#include "pg/pg.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

extern "C" {
#include "libpq/pqformat.h"
}

#include "type/checks.h"
#include "type/float_text.h"
#include "type/sparse.h"

namespace {

const char *const kName = "sparsevec";

struct Entry {
	int64 index;  // 1-based as written
	float value;
};

// An integer of the text form at *cursor; 22P02 unless one starts there.
int64 ParseInteger(const char *input, const char **cursor) {
	const char *start = vdb::SkipSpace(*cursor);
	char *end;
	errno = 0;
	long long value = strtoll(start, &end, 10);
	if (end == start)
		vdb::ReportSyntax(kName, input);
	if (errno == ERANGE || value > PG_INT32_MAX || value < PG_INT32_MIN)
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("\"%s\" is out of range for type %s", pnstrdup(start, end - start),
		                       kName)));
	*cursor = end;
	return value;
}

// Parses "{i:v, ...}" and returns the entries; *count gets their number.
Entry *ParseEntries(const char *input, const char **cursor, int *count) {
	const char *p = vdb::SkipSpace(*cursor);
	if (*p != '{')
		vdb::ReportSyntax(kName, input);
	p = vdb::SkipSpace(p + 1);
	// Each entry takes at least four bytes ("1:1,").
	Entry *entries = (Entry *) palloc(sizeof(Entry) * (strlen(input) / 4 + 1));
	int n = 0;
	if (*p != '}') {
		for (;;) {
			entries[n].index = ParseInteger(input, &p);
			p = vdb::SkipSpace(p);
			if (*p != ':')
				vdb::ReportSyntax(kName, input);
			p++;
			entries[n].value = vdb::ParseFloatElement(kName, input, &p, INFINITY);
			n++;
			p = vdb::SkipSpace(p);
			if (*p == ',')
				p++;
			else if (*p == '}')
				break;
			else
				vdb::ReportSyntax(kName, input);
		}
	}
	*cursor = p + 1;
	*count = n;
	return entries;
}

SparseVector *ParseSparse(const char *input, int32 typmod) {
	const char *p = input;
	int count;
	Entry *entries = ParseEntries(input, &p, &count);
	p = vdb::SkipSpace(p);
	if (*p != '/')
		vdb::ReportSyntax(kName, input);
	p++;
	int64 dim = ParseInteger(input, &p);
	if (*vdb::SkipSpace(p) != '\0')
		vdb::ReportSyntax(kName, input);
	vdb::CheckDimCount(kName, dim, SPARSEVEC_MAX_DIM);
	vdb::CheckExpectedDim(kName, typmod, dim);

	std::sort(entries, entries + count,
	          [](const Entry &a, const Entry &b) { return a.index < b.index; });
	int nnz = 0;
	for (int i = 0; i < count; i++) {
		if (entries[i].index < 1 || entries[i].index > dim)
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
			                errmsg("sparsevec index %lld is out of range 1..%lld",
			                       (long long) entries[i].index, (long long) dim)));
		if (i > 0 && entries[i].index == entries[i - 1].index)
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
			                errmsg("sparsevec index %lld appears more than once",
			                       (long long) entries[i].index)));
		nnz += entries[i].value != 0;
	}
	CheckSparseNnz(nnz, dim);

	SparseVector *result = NewSparseVector(dim, nnz);
	float *values = SparseVectorValues(result);
	int k = 0;
	for (int i = 0; i < count; i++) {
		if (entries[i].value == 0)
			continue;
		result->indices[k] = entries[i].index - 1;
		values[k++] = entries[i].value;
	}
	pfree(entries);
	return result;
}

char *FormatSparse(SparseVector *v) {
	float *values = SparseVectorValues(v);
	StringInfoData buf;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < v->nnz; i++) {
		appendStringInfo(&buf, i > 0 ? ",%d:" : "%d:", v->indices[i] + 1);
		vdb::AppendFloat(&buf, values[i]);
	}
	appendStringInfo(&buf, "}/%d", v->dim);
	return buf.data;
}

SparseVector *ReceiveSparse(StringInfo buf, int32 typmod) {
	vdb::CheckBinaryLength(kName, buf, 12, false);
	int32 dim = pq_getmsgint(buf, sizeof(int32));
	int32 nnz = pq_getmsgint(buf, sizeof(int32));
	int32 unused = pq_getmsgint(buf, sizeof(int32));
	vdb::CheckDimCount(kName, dim, SPARSEVEC_MAX_DIM);
	vdb::CheckExpectedDim(kName, typmod, dim);
	CheckSparseNnz(nnz, dim);
	if (unused != 0)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("invalid binary data for type %s", kName),
		                errdetail("The reserved field is %d, not 0.", unused)));
	vdb::CheckBinaryLength(kName, buf, (int64) nnz * (sizeof(int32) + sizeof(float)), true);

	SparseVector *result = NewSparseVector(dim, nnz);
	float *values = SparseVectorValues(result);
	for (int i = 0; i < nnz; i++) {
		int32 index = pq_getmsgint(buf, sizeof(int32));
		if (index < 0 || index >= dim || (i > 0 && index <= result->indices[i - 1]))
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
			                errmsg("invalid binary data for type %s", kName),
			                errdetail("Indices must be strictly increasing and in 0..%d.",
			                          dim - 1)));
		result->indices[i] = index;
	}
	for (int i = 0; i < nnz; i++) {
		values[i] = pq_getmsgfloat4(buf);
		vdb::CheckFinite(kName, values[i]);
		if (values[i] == 0)
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
			                errmsg("invalid binary data for type %s", kName),
			                errdetail("Stored values must be non-zero.")));
	}
	return result;
}

bytea *SendSparse(SparseVector *v) {
	float *values = SparseVectorValues(v);
	StringInfoData buf;
	pq_begintypsend(&buf);
	pq_sendint32(&buf, v->dim);
	pq_sendint32(&buf, v->nnz);
	pq_sendint32(&buf, 0);
	for (int i = 0; i < v->nnz; i++)
		pq_sendint32(&buf, v->indices[i]);
	for (int i = 0; i < v->nnz; i++)
		pq_sendfloat4(&buf, values[i]);
	return pq_endtypsend(&buf);
}

}  // namespace

VDB_FUNCTION(sparsevec_in) {
	PG_RETURN_POINTER(ParseSparse(PG_GETARG_CSTRING(0), PG_GETARG_INT32(2)));
}
VDB_FUNCTION(sparsevec_out) { PG_RETURN_CSTRING(FormatSparse(PG_GETARG_SPARSEVEC_P(0))); }
VDB_FUNCTION(sparsevec_typmod_in) {
	PG_RETURN_INT32(vdb::TypmodFromArray(kName, PG_GETARG_ARRAYTYPE_P(0), SPARSEVEC_MAX_DIM));
}
VDB_FUNCTION(sparsevec_recv) {
	PG_RETURN_POINTER(ReceiveSparse((StringInfo) PG_GETARG_POINTER(0), PG_GETARG_INT32(2)));
}
VDB_FUNCTION(sparsevec_send) { PG_RETURN_BYTEA_P(SendSparse(PG_GETARG_SPARSEVEC_P(0))); }
