// Text and binary input/output of sparsevec, and its typmod_in.
// Text: "{1:1.5,3:2}/5" with 1-based indices in any order, zeros dropped;
// binary: pgvector's wire format (src/core/io/wire.h). Reading and checking
// is Postgres-free (src/core/io); this glue allocates the value and raises
// what the readers report.
#include "pg/pg.h"

#include "core/io/text_input.h"
#include "core/io/wire.h"
#include "type/checks.h"
#include "type/float_text.h"
#include "type/sparse.h"
#include "type/type_io.h"

namespace {

const char *const kName = "sparsevec";

SparseVector *ParseSparse(const char *input, int32 typmod) {
	size_t capacity = vdb::SparseTextCapacity(strlen(input));
	vdb::SparseEntry *entries = (vdb::SparseEntry *) palloc(sizeof(vdb::SparseEntry) * capacity);
	int nnz = 0, dim = 0;
	vdb::CheckInput(kName, input, vdb::ParseSparseText(input, typmod, entries, capacity, &nnz, &dim));
	SparseVector *result = NewSparseVector(dim, nnz);
	float *values = SparseVectorValues(result);
	for (int i = 0; i < nnz; i++) {
		result->indices[i] = int32(entries[i].index);
		values[i] = entries[i].value;
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
	vdb::SparseWire wire;
	vdb::CheckInput(kName, nullptr,
	                vdb::ReadSparseWire((const uint8 *) buf->data + buf->cursor, buf->len - buf->cursor,
	                                    typmod, &wire));
	SparseVector *result = NewSparseVector(wire.dim, wire.nnz);
	vdb::CheckInput(kName, nullptr,
	                vdb::DecodeSparseEntries(wire, result->indices, SparseVectorValues(result)));
	buf->cursor = buf->len;
	return result;
}

bytea *SendSparse(SparseVector *v) {
	bytea *result = vdb::NewSendBuffer(vdb::SparseWireBytes(v->nnz));
	vdb::EncodeSparseWire(v->dim, v->nnz, v->indices, SparseVectorValues(v), (uint8 *) VARDATA(result));
	return result;
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
