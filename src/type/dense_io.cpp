// Text and binary input/output of vector and halfvec, and their typmod_in.
// Text is "[1,2,3]"; binary is pgvector's wire format: uint16 dim, uint16 0,
// then dim elements (float4 for vector, the raw float16 bits for halfvec),
// all big-endian.
#include "pg/pg.h"

extern "C" {
#include "libpq/pqformat.h"
}

#include "type/dense.h"
#include "type/float_text.h"

namespace {

// Parses "[x, y, ...]" into a new value; dimensions are checked against the
// type's limit while parsing, so a huge literal fails before it is stored.
template <typename T>
T *ParseDense(const char *input, int32 typmod) {
	using Traits = DenseTraits<T>;
	const char *p = vdb::SkipSpace(input);
	if (*p != '[')
		vdb::ReportSyntax(Traits::kName, input);
	p = vdb::SkipSpace(p + 1);
	if (*p == ']')
		vdb::CheckDimCount(Traits::kName, 0, Traits::kMaxDim);

	// A literal of n bytes holds at most n / 2 + 1 elements.
	int capacity = Min((int) (strlen(input) / 2 + 1), Traits::kMaxDim + 1);
	float *values = (float *) palloc(sizeof(float) * capacity);
	int dim = 0;
	for (;;) {
		if (dim == Traits::kMaxDim)
			vdb::CheckDimCount(Traits::kName, dim + 1, Traits::kMaxDim);
		values[dim++] = vdb::ParseFloatElement(Traits::kName, input, &p, Traits::kOverflowAt);
		p = vdb::SkipSpace(p);
		if (*p == ',')
			p++;
		else if (*p == ']')
			break;
		else
			vdb::ReportSyntax(Traits::kName, input);
	}
	if (*vdb::SkipSpace(p + 1) != '\0')
		vdb::ReportSyntax(Traits::kName, input);

	vdb::CheckExpectedDim(Traits::kName, typmod, dim);
	T *result = Traits::New(dim);
	for (int i = 0; i < dim; i++)
		Traits::Set(result, i, values[i]);
	pfree(values);
	return result;
}

template <typename T>
char *FormatDense(const T *v) {
	StringInfoData buf;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < v->dim; i++) {
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		vdb::AppendFloat(&buf, DenseTraits<T>::Get(v, i));
	}
	appendStringInfoChar(&buf, ']');
	return buf.data;
}

float ReceiveElement(StringInfo buf, const Vector *) { return pq_getmsgfloat4(buf); }
float ReceiveElement(StringInfo buf, const HalfVector *) {
	return vdb::HalfToFloat((vdb::Half) pq_getmsgint(buf, sizeof(vdb::Half)));
}
void SendElement(StringInfo buf, const Vector *v, int i) { pq_sendfloat4(buf, v->x[i]); }
void SendElement(StringInfo buf, const HalfVector *v, int i) { pq_sendint16(buf, v->x[i]); }

template <typename T>
T *ReceiveDense(StringInfo buf, int32 typmod) {
	using Traits = DenseTraits<T>;
	vdb::CheckBinaryLength(Traits::kName, buf, 4, false);
	int dim = (uint16) pq_getmsgint(buf, sizeof(uint16));
	int unused = (uint16) pq_getmsgint(buf, sizeof(uint16));
	vdb::CheckDimCount(Traits::kName, dim, Traits::kMaxDim);
	vdb::CheckExpectedDim(Traits::kName, typmod, dim);
	if (unused != 0)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("invalid binary data for type %s", Traits::kName),
		                errdetail("The reserved field is %d, not 0.", unused)));
	vdb::CheckBinaryLength(Traits::kName, buf, (int64) dim * sizeof(typename Traits::Element), true);
	T *result = Traits::New(dim);
	for (int i = 0; i < dim; i++) {
		float value = ReceiveElement(buf, result);
		vdb::CheckFinite(Traits::kName, value);
		Traits::Set(result, i, value);
	}
	return result;
}

template <typename T>
bytea *SendDense(const T *v) {
	StringInfoData buf;
	pq_begintypsend(&buf);
	pq_sendint16(&buf, v->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < v->dim; i++)
		SendElement(&buf, v, i);
	return pq_endtypsend(&buf);
}

}  // namespace

VDB_FUNCTION(vector_in) { PG_RETURN_POINTER(ParseDense<Vector>(PG_GETARG_CSTRING(0), PG_GETARG_INT32(2))); }
VDB_FUNCTION(halfvec_in) {
	PG_RETURN_POINTER(ParseDense<HalfVector>(PG_GETARG_CSTRING(0), PG_GETARG_INT32(2)));
}
VDB_FUNCTION(vector_out) { PG_RETURN_CSTRING(FormatDense(PG_GETARG_VECTOR_P(0))); }
VDB_FUNCTION(halfvec_out) { PG_RETURN_CSTRING(FormatDense(PG_GETARG_HALFVEC_P(0))); }

VDB_FUNCTION(vector_typmod_in) {
	PG_RETURN_INT32(vdb::TypmodFromArray("vector", PG_GETARG_ARRAYTYPE_P(0), VECTOR_MAX_DIM));
}
VDB_FUNCTION(halfvec_typmod_in) {
	PG_RETURN_INT32(vdb::TypmodFromArray("halfvec", PG_GETARG_ARRAYTYPE_P(0), HALFVEC_MAX_DIM));
}

VDB_FUNCTION(vector_recv) {
	PG_RETURN_POINTER(ReceiveDense<Vector>((StringInfo) PG_GETARG_POINTER(0), PG_GETARG_INT32(2)));
}
VDB_FUNCTION(halfvec_recv) {
	PG_RETURN_POINTER(
	    ReceiveDense<HalfVector>((StringInfo) PG_GETARG_POINTER(0), PG_GETARG_INT32(2)));
}
VDB_FUNCTION(vector_send) { PG_RETURN_BYTEA_P(SendDense(PG_GETARG_VECTOR_P(0))); }
VDB_FUNCTION(halfvec_send) { PG_RETURN_BYTEA_P(SendDense(PG_GETARG_HALFVEC_P(0))); }
