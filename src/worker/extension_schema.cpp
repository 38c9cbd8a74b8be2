// See extension_schema.h.
#include "worker/extension_schema.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace {

// The schema of the extension named name; InvalidOid when there is none.
// PostgreSQL 15 does not export get_extension_schema().
Oid NamedExtensionSchema(const char *name) {
	Relation rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum(name));
	SysScanDesc scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	HeapTuple tuple = systable_getnext(scan);
	Oid nsp = HeapTupleIsValid(tuple) ? ((Form_pg_extension) GETSTRUCT(tuple))->extnamespace : InvalidOid;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nsp;
}

}  // namespace

Oid VdbExtensionSchema(void) {
	Oid nsp = NamedExtensionSchema("vector_db");
	if (OidIsValid(nsp))
		return nsp;
	nsp = NamedExtensionSchema("vector");
	return OidIsValid(nsp) && OidIsValid(get_relname_relid("vector_db_ttl", nsp)) ? nsp : InvalidOid;
}
