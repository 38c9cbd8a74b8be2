// Opclass → metric resolution and value → element conversion for every
// vector index.
#include "index/index_metric.h"

#include <cstring>

#include "core/element/sparse_element.h"
#include "pg/type_name.h"
#include "type/vector.h"

extern "C" {
#include "access/genam.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/varbit.h"
}

namespace {

constexpr int kMaxFloatDims = 16000;
constexpr int kMaxBits = 64000;

bool EndsWith(const char *text, const char *suffix) {
	size_t n = strlen(text), m = strlen(suffix);
	return n >= m && strcmp(text + n - m, suffix) == 0;
}

// The metric a distance function computes, by its pgvector name.
bool MetricFromProc(const char *name, vdb::MetricKind *kind) {
	static const struct {
		const char *suffix;
		vdb::MetricKind kind;
	} table[] = {
		{"l2_squared_distance", vdb::MetricKind::kL2}, {"l2_distance", vdb::MetricKind::kL2},
		{"negative_inner_product", vdb::MetricKind::kInnerProduct},
		{"cosine_distance", vdb::MetricKind::kCosine}, {"spherical_distance", vdb::MetricKind::kCosine},
		{"l1_distance", vdb::MetricKind::kL1}, {"hamming_distance", vdb::MetricKind::kHamming},
		{"jaccard_distance", vdb::MetricKind::kJaccard},
	};
	for (const auto &entry : table)
		if (EndsWith(name, entry.suffix)) {
			*kind = entry.kind;
			return true;
		}
	return false;
}

}  // namespace

VdbIndexMetric VdbResolveIndexMetric(Relation index, bool allow_sparse) {
	Form_pg_attribute attr = TupleDescAttr(RelationGetDescr(index), 0);
	const char *am = get_am_name(index->rd_rel->relam);
	char *type_name = format_type_be(attr->atttypid);
	char *bare_name = VdbBareTypeName(attr->atttypid);
	VdbIndexMetric metric;
	int max_dims;
	if (strcmp(bare_name, "vector") == 0) {
		metric.type = vdb::ElementType::kFloat32;
		max_dims = kMaxFloatDims;
	} else if (strcmp(bare_name, "halfvec") == 0) {
		metric.type = vdb::ElementType::kFloat16;
		max_dims = kMaxFloatDims;
	} else if (strcmp(bare_name, "bit") == 0) {
		metric.type = vdb::ElementType::kBit;
		max_dims = kMaxBits;
	} else if (allow_sparse && strcmp(bare_name, "sparsevec") == 0) {
		metric.type = vdb::ElementType::kSparse;
		max_dims = SPARSEVEC_MAX_DIM;
	} else {
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("type not supported for %s index", am)));
	}

	const char *proc = get_func_name(index_getprocid(index, 1, VDB_DISTANCE_PROC));
	vdb::MetricKind kind;
	if (proc == NULL || !MetricFromProc(proc, &kind))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("distance function %s is not supported by %s indexes", proc ? proc : "(none)", am)));
	if (kind == vdb::MetricKind::kInnerProduct && OidIsValid(index_getprocid(index, 1, VDB_NORM_PROC)))
		kind = vdb::MetricKind::kCosine;
	metric.kind = kind;

	metric.dims = attr->atttypmod;
	if (metric.dims < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("column does not have dimensions"),
		                errhint("Declare the column with a dimension, e.g. %s(3).", type_name)));
	if (metric.dims > max_dims)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
		                errmsg("column cannot have more than %d dimensions for %s index", max_dims, am)));
	return metric;
}

vdb::ElementMetric VdbElementMetric(const VdbIndexMetric &metric) {
	return vdb::MakeElementMetric(metric.type, metric.kind, size_t(metric.dims));
}

namespace {

void CheckDims(Relation index, int have, size_t want) {
	if (size_t(have) != want)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("expected %zu dimensions, not %d", want, have),
		                errdetail("Index \"%s\" was built for %zu dimensions.", RelationGetRelationName(index), want)));
}

}  // namespace

void VdbCheckQueryDims(const vdb::ElementMetric &metric, Datum query, bool index_first) {
	struct varlena *detoasted = PG_DETOAST_DATUM(query);
	int have = 0;
	const char *type = NULL;
	switch (metric.type) {
	case vdb::ElementType::kFloat32: have = ((Vector *) detoasted)->dim; type = "vector"; break;
	case vdb::ElementType::kFloat16: have = ((HalfVector *) detoasted)->dim; type = "halfvec"; break;
	case vdb::ElementType::kSparse: have = ((SparseVector *) detoasted)->dim; type = "sparsevec"; break;
	case vdb::ElementType::kBit: have = VARBITLEN((VarBit *) detoasted); break;
	case vdb::ElementType::kPerVectorSq8: return;  // never an indexed type's metric
	}
	int want = int(metric.dims);
	if (have == want)
		return;
	int a = index_first ? want : have, b = index_first ? have : want;
	if (type == NULL)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("different bit lengths %d and %d", a, b)));
	ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("different %s dimensions %d and %d", type, a, b)));
}

bool VdbDatumToElement(Relation index, const vdb::ElementMetric &metric, Datum value, void *element) {
	struct varlena *detoasted = PG_DETOAST_DATUM(value);
	switch (metric.type) {
	case vdb::ElementType::kFloat32: {
		Vector *v = (Vector *) detoasted;
		CheckDims(index, v->dim, metric.dims);
		memcpy(element, v->x, metric.bytes);
		break;
	}
	case vdb::ElementType::kFloat16: {
		HalfVector *v = (HalfVector *) detoasted;
		CheckDims(index, v->dim, metric.dims);
		memcpy(element, v->x, metric.bytes);
		break;
	}
	case vdb::ElementType::kBit: {
		VarBit *v = (VarBit *) detoasted;
		CheckDims(index, VARBITLEN(v), metric.dims);
		memcpy(element, VARBITS(v), metric.bytes);
		break;
	}
	case vdb::ElementType::kSparse: {
		SparseVector *v = (SparseVector *) detoasted;
		CheckDims(index, v->dim, metric.dims);
		if (v->nnz > vdb::kSparseElementMaxNnz)
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			                errmsg("sparsevec cannot have more than %d non-zero elements for %s index",
			                       vdb::kSparseElementMaxNnz, get_am_name(index->rd_rel->relam))));
		vdb::SparseElementWrite(element, vdb::SparseView{v->nnz, v->indices, SparseVectorValues(v)});
		break;
	}
	case vdb::ElementType::kPerVectorSq8:  // a stored form, never an indexed type's metric
		elog(ERROR, "sq8 is not an indexed type's element");
	}
	if (detoasted != (struct varlena *) DatumGetPointer(value))
		pfree(detoasted);
	return vdb::PrepareElement(metric, element);
}
