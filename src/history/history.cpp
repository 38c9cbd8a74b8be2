// See history.h.
#include "history/history.h"

extern "C" {
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "utils/rel.h"
}

Oid VdbHistoryWriter(Oid relid) {
	if (!OidIsValid(get_extension_oid("periods", true)))
		return InvalidOid;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	Oid type = REGCLASSOID;
	Datum value = ObjectIdGetDatum(relid);
	int rc = SPI_execute_with_args(
	    "SELECT e.extowner FROM pg_catalog.pg_extension e, periods.system_versioning s"
	    " WHERE e.extname OPERATOR(pg_catalog.=) 'periods' AND s.history_table_name OPERATOR(pg_catalog.=) $1",
	    1, &type, &value, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading periods.system_versioning failed: %s", SPI_result_code_string(rc));
	bool isnull = true;
	Oid writer = SPI_processed == 0
	                 ? InvalidOid
	                 : DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return writer;
}

void VdbCheckHistoryDeletable(Relation rel) {
	if (rel->trigdesc != NULL || rel->rd_rules != NULL)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("cannot expire the history in \"%s\", which has triggers or rules",
		                       RelationGetRelationName(rel)),
		                errdetail("Retention deletes history as the role that installed periods, and runs no code of "
		                          "the table's owner."),
		                errhint("Drop the history table's triggers and rules.")));
}
