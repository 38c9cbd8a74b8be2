// Text and binary input/output of vector and halfvec, and their typmod_in.
// Text is "[1,2,3]"; binary is pgvector's wire format (src/core/io/wire.h).
// Reading and checking is Postgres-free (src/core/io); this glue allocates
// the values and raises what the readers report.
#include "pg/pg.h"

#include "core/io/text_input.h"
#include "core/io/wire.h"
#include "type/dense.h"
#include "type/float_text.h"
#include "type/type_io.h"

namespace {

template <typename T>
T *ParseDense(const char *input, int32 typmod) {
	using Traits = DenseTraits<T>;
	size_t capacity = vdb::DenseTextCapacity(strlen(input), Traits::kKind);
	float *values = (float *) palloc(sizeof(float) * capacity);
	int dim = 0;
	vdb::CheckInput(Traits::kName, input,
	                vdb::ParseDenseText(input, Traits::kKind, typmod, values, capacity, &dim));
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

template <typename T>
T *ReceiveDense(StringInfo buf, int32 typmod) {
	using Traits = DenseTraits<T>;
	vdb::DenseWire wire;
	vdb::CheckInput(Traits::kName, nullptr,
	                vdb::ReadDenseWire((const uint8 *) buf->data + buf->cursor, buf->len - buf->cursor,
	                                   Traits::kKind, typmod, &wire));
	T *result = Traits::New(wire.dim);
	vdb::CheckInput(Traits::kName, nullptr, vdb::DecodeDenseElements(wire, result->x));
	buf->cursor = buf->len;
	return result;
}

template <typename T>
bytea *SendDense(const T *v) {
	bytea *result = vdb::NewSendBuffer(vdb::DenseWireBytes(v->dim, DenseTraits<T>::kKind));
	vdb::EncodeDenseWire(v->x, v->dim, (uint8 *) VARDATA(result));
	return result;
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
