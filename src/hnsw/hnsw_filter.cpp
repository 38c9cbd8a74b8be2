// Filter columns of an hnsw index: which columns an index may have.
#include "hnsw/hnsw_filter.h"

#include "index/index_metric.h"

extern "C" {
#include "access/genam.h"
}

int HnswFilterColumns(Relation index) {
	int columns = IndexRelationGetNumberOfKeyAttributes(index);
	if (columns == 1)
		return 0;  // VdbResolveIndexMetric reports a column that is no vector
	const char *name = RelationGetRelationName(index);
	if (!OidIsValid(index_getprocid(index, 1, VDB_DISTANCE_PROC)))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("first column of hnsw index \"%s\" must be its vector column", name),
		                errhint("List the filter columns after the vector column.")));
	for (int attno = 2; attno <= columns; attno++)
		if (OidIsValid(index_getprocid(index, attno, VDB_DISTANCE_PROC)))
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			                errmsg("hnsw index \"%s\" can have only one vector column", name),
			                errdetail("Column %d has a vector operator class.", attno)));
	if (VdbResolveIndexMetric(index, true).type == vdb::ElementType::kSparse)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("hnsw index \"%s\" on sparsevec cannot have filter columns", name)));
	return columns - 1;
}
