// TTL (ttl.h): the SQL functions vector_db_set_ttl, vector_db_unset_ttl,
// vector_db_expire, the sql_drop event trigger that forgets dropped tables,
// and the expiry pass shared by the workers and vector_db_expire.
//
// Expiry deletes the rows whose column is older than the cutoff
// (now - ttl, fixed when the pass starts), leaf table by leaf table, in
// batches of at most vector_db.ttl_batch_size rows:
//     DELETE FROM ONLY leaf WHERE ctid = ANY (ARRAY(SELECT ctid FROM ONLY leaf
//         WHERE col < cutoff LIMIT n FOR UPDATE SKIP LOCKED))
// A batch finds its rows by the column (an index on it helps), deletes them
// by TID, and never waits for a row another transaction has locked: that row
// is left for the next pass. A worker runs each batch in a transaction of its
// own, as the table's owner in a security-restricted operation with a safe
// search_path (the table's triggers must not run as the superuser); the SQL
// function runs them in the caller's transaction, with the caller's rights.
// A periods history table (docs/timetravel.md) is read-only to every role but
// the one periods writes it as: its batches run as that role, in a
// security-restricted operation, worker or not, and only while the history
// has no trigger or rule that would run the owner's code as that role.
//
// With drop_partitions, a table partitioned by RANGE on the column first
// loses every partition whose upper bound is <= cutoff (DETACH, then DROP),
// each in its own transaction; a worker takes the locks that needs without
// waiting and otherwise leaves the partition for the next pass. The rows
// left (the partition that straddles the cutoff, the default partition) are
// then deleted as above.
#include "worker/ttl.h"

#include "history/history.h"
#include "worker/extension_schema.h"
#include "worker/worker.h"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace {

int ttl_batch_size = 10000;

struct TtlSetting {
	Oid relid;
	NameData column;
	Interval ttl;
	bool drop_partitions;
};

// Whether the pass runs as a worker (a transaction per batch, stopping on
// SIGTERM) or inside the caller's transaction.
enum class Mode { kWorker, kCaller };

void Connect(void) {
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

// The extension's settings table; InvalidOid while the extension is being
// dropped.
Oid SettingsOid(void) {
	Oid nsp = VdbExtensionSchema();
	return OidIsValid(nsp) ? get_relname_relid("vector_db_ttl", nsp) : InvalidOid;
}

// A relation's owner; InvalidOid when it is gone.
Oid RelOwner(Oid relid) {
	HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return InvalidOid;
	Oid owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

char *QualifiedName(Oid relid) {
	char *rel = get_rel_name(relid);
	if (rel == NULL)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", relid)));
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), rel);
}

bool OwnsRelation(Oid relid, Oid user) {
#if PG_VERSION_NUM >= 160000
	return object_ownercheck(RelationRelationId, relid, user);
#else
	return pg_class_ownercheck(relid, user);
#endif
}

// Ordinary and partitioned tables only, and only their owner (or a
// superuser) may set, unset or run their TTL.
void CheckTable(Relation rel) {
	char kind = rel->rd_rel->relkind;
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
		                errmsg("\"%s\" is not a table", RelationGetRelationName(rel)),
		                errdetail("A TTL applies to ordinary and partitioned tables only.")));
	if (!OwnsRelation(RelationGetRelid(rel), GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(kind), RelationGetRelationName(rel));
}

// Runs a statement on the settings table as its owner: the caller has been
// checked to own the table the setting is about, and may not write the
// extension's table directly.
// sql has one %s, for the table's name.
uint64 ExecuteOnSettings(const char *sql, int nargs, Oid *types, Datum *values) {
	Oid settings = SettingsOid();
	if (!OidIsValid(settings))
		return 0;
	Oid saved_user;
	int saved_context;
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(RelOwner(settings), saved_context | SECURITY_LOCAL_USERID_CHANGE);
	Connect();
	int rc = SPI_execute_with_args(psprintf(sql, QualifiedName(settings)), nargs, types, values, NULL, false, 0);
	if (rc < 0)
		elog(ERROR, "writing the TTL settings failed: %s", SPI_result_code_string(rc));
	uint64 processed = SPI_processed;
	SPI_finish();
	SetUserIdAndSecContext(saved_user, saved_context);
	return processed;
}

// Whether the table is partitioned by RANGE on that column alone.
bool RangePartitionedOn(Relation rel, AttrNumber attnum) {
	if (rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		return false;
	PartitionKey key = RelationGetPartitionKey(rel);
	return key->strategy == PARTITION_STRATEGY_RANGE && key->partnatts == 1 && key->partattrs[0] == attnum;
}

TimestampTz Cutoff(const Interval *ttl) {
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval, TimestampTzGetDatum(GetCurrentTimestamp()),
	                                               IntervalPGetDatum(ttl)));
}

// Whether a range bound of the key's type is <= the cutoff.
bool BoundExpired(Oid type, Datum bound, TimestampTz cutoff) {
	Datum c = TimestampTzGetDatum(cutoff);
	switch (type) {
		case DATEOID:
			return DatumGetBool(DirectFunctionCall2(date_le_timestamptz, bound, c));
		case TIMESTAMPOID:
			return DatumGetBool(DirectFunctionCall2(timestamp_le_timestamptz, bound, c));
		default:  // TIMESTAMPTZOID, checked by vector_db_set_ttl
			return DatumGetBool(DirectFunctionCall2(timestamp_le, bound, c));
	}
}

// The partitions of a table partitioned by RANGE on the column whose upper
// bound is <= cutoff, in cxt; none when the table is no longer partitioned
// that way.
List *ExpiredPartitions(Oid relid, const char *column, TimestampTz cutoff, MemoryContext cxt) {
	List *result = NIL;
	Relation rel = table_open(relid, AccessShareLock);
	AttrNumber attnum = get_attnum(relid, column);
	if (RangePartitionedOn(rel, attnum)) {
		PartitionKey key = RelationGetPartitionKey(rel);
		PartitionDesc desc = RelationGetPartitionDesc(rel, false);
		PartitionBoundInfo bounds = desc->boundinfo;
		for (int i = 0; bounds != NULL && i < bounds->ndatums; i++) {
			int part = bounds->indexes[i];  // the partition datums[i] is the upper bound of
			if (part < 0 || bounds->kind[i][0] != PARTITION_RANGE_DATUM_VALUE)
				continue;
			if (!BoundExpired(key->parttypid[0], bounds->datums[i][0], cutoff))
				break;  // bounds are sorted
			MemoryContext old = MemoryContextSwitchTo(cxt);
			result = lappend_oid(result, desc->oids[part]);
			MemoryContextSwitchTo(old);
		}
	}
	table_close(rel, AccessShareLock);
	return result;
}

// In a worker (and for a history table, in any mode), the statements of a
// batch run as the table's owner (or the history's writer), with only the
// system schemas in search_path, in a security-restricted operation;
// restored by the caller's transaction end either way.
struct RunAs {
	bool on;
	Oid saved_user;
	int saved_context;
	int guc_level;
};

void BeginRunAs(RunAs *as, bool on, Oid user) {
	as->on = on;
	if (!on)
		return;
	GetUserIdAndSecContext(&as->saved_user, &as->saved_context);
	SetUserIdAndSecContext(user, as->saved_context | SECURITY_RESTRICTED_OPERATION);
	as->guc_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
	                         true, 0, false);
}

void EndRunAs(RunAs *as) {
	if (!as->on)
		return;
	AtEOXact_GUC(false, as->guc_level);
	SetUserIdAndSecContext(as->saved_user, as->saved_context);
}

// A worker's batch starts and commits its own transaction.
void BeginBatch(Mode mode) {
	if (mode == Mode::kWorker) {
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
	}
	Connect();
}

void EndBatch(Mode mode) {
	SPI_finish();
	if (mode == Mode::kWorker) {
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
}

// Detaches and drops one expired partition; a worker skips it when a lock
// it needs is not free at once.
void DropPartition(Oid parent, Oid part, Oid owner, Mode mode) {
	BeginBatch(mode);
	bool locked = mode != Mode::kWorker || (ConditionalLockRelationOid(parent, AccessExclusiveLock) &&
	                                        ConditionalLockRelationOid(part, AccessExclusiveLock));
	char *part_name = locked ? get_rel_name(part) : NULL;  // NULL: gone meanwhile
	if (part_name != NULL) {
		char *qparent = QualifiedName(parent), *qpart = QualifiedName(part);
		RunAs as;
		BeginRunAs(&as, mode == Mode::kWorker, owner);
		const char *sql[] = {psprintf("ALTER TABLE %s DETACH PARTITION %s", qparent, qpart),
		                     psprintf("DROP TABLE %s", qpart)};
		for (const char *s : sql) {
			int rc = SPI_execute(s, false, 0);
			if (rc != SPI_OK_UTILITY)
				elog(ERROR, "%s failed: %s", s, SPI_result_code_string(rc));
		}
		EndRunAs(&as);
		ereport(LOG, (errmsg("vector_db TTL dropped partition %s of %s", qpart, qparent)));
	}
	EndBatch(mode);
}

// Deletes the expired rows of one leaf table, batch by batch, adding them to
// *total (the pass's count and progress). writer: see VdbHistoryWriter.
void ExpireLeaf(Oid leaf, const char *column, TimestampTz cutoff, Oid owner, Oid writer, Mode mode,
                int64 *total) {
	for (;;) {
		if (mode == Mode::kWorker && VdbWorkerStopRequested())
			return;
		BeginBatch(mode);
		char *name = get_rel_name(leaf) ? QualifiedName(leaf) : NULL;  // NULL: dropped meanwhile
		uint64 deleted = 0;
		if (name != NULL) {
			const char *col = quote_identifier(column);
			char *sql = psprintf(
			    "DELETE FROM ONLY %s WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM ONLY %s"
			    " WHERE %s OPERATOR(pg_catalog.<) $1 LIMIT %d FOR UPDATE SKIP LOCKED))",
			    name, name, col, ttl_batch_size);
			Oid type = TIMESTAMPTZOID;
			Datum value = TimestampTzGetDatum(cutoff);
			if (OidIsValid(writer)) {
				// The lock the DELETE takes, which CREATE TRIGGER and CREATE
				// RULE wait for.
				Relation rel = table_open(leaf, RowExclusiveLock);
				VdbCheckHistoryDeletable(rel);
				table_close(rel, NoLock);
			}
			RunAs as;
			BeginRunAs(&as, mode == Mode::kWorker || OidIsValid(writer), OidIsValid(writer) ? writer : owner);
			int rc = SPI_execute_with_args(sql, 1, &type, &value, NULL, false, 0);
			if (rc != SPI_OK_DELETE)
				elog(ERROR, "TTL delete on %s failed: %s", name, SPI_result_code_string(rc));
			deleted = SPI_processed;
			EndRunAs(&as);
		}
		EndBatch(mode);
		*total += deleted;
		VdbWorkerReportProgress(*total);
		if (deleted < (uint64) ttl_batch_size)
			return;
		CHECK_FOR_INTERRUPTS();
	}
}

// Expires one table: drops its expired partitions when set to, then deletes
// the expired rows of every leaf (partitions and inheritance children
// included). Returns the rows deleted, dropped partitions not counted.
int64 ExpireTable(const TtlSetting *setting, Mode mode, MemoryContext cxt) {
	TimestampTz cutoff = Cutoff(&setting->ttl);
	const char *column = NameStr(setting->column);
	int64 total = 0;
	// The table itself, its owner and leaves, read in a short transaction
	// of their own in a worker.
	if (mode == Mode::kWorker) {
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
	}
	Oid owner = RelOwner(setting->relid);
	bool exists = OidIsValid(owner);
	Oid writer = exists ? VdbHistoryWriter(setting->relid) : InvalidOid;
	List *parts = exists && setting->drop_partitions ? ExpiredPartitions(setting->relid, column, cutoff, cxt) : NIL;
	List *leaves = NIL;
	if (exists) {
		List *all = find_all_inheritors(setting->relid, NoLock, NULL);
		ListCell *lc;
		foreach (lc, all) {
			if (get_rel_relkind(lfirst_oid(lc)) != RELKIND_RELATION)
				continue;
			MemoryContext old = MemoryContextSwitchTo(cxt);
			leaves = lappend_oid(leaves, lfirst_oid(lc));
			MemoryContextSwitchTo(old);
		}
	}
	if (mode == Mode::kWorker) {
		PopActiveSnapshot();
		CommitTransactionCommand();
	}

	ListCell *lc;
	foreach (lc, parts) {
		if (mode == Mode::kWorker && VdbWorkerStopRequested())
			return total;
		DropPartition(setting->relid, lfirst_oid(lc), owner, mode);
		leaves = list_delete_oid(leaves, lfirst_oid(lc));
	}
	foreach (lc, leaves) {
		ExpireLeaf(lfirst_oid(lc), column, cutoff, owner, writer, mode, &total);
	}
	return total;
}

// The settings of one table (relid valid) or of all, in cxt.
List *ReadSettings(Oid relid, MemoryContext cxt) {
	List *result = NIL;
	Connect();
	char *sql = psprintf("SELECT relid, column_name, ttl, drop_partitions FROM %s%s", QualifiedName(SettingsOid()),
	                     OidIsValid(relid) ? " WHERE relid OPERATOR(pg_catalog.=) $1" : " ORDER BY relid");
	Oid type = REGCLASSOID;
	Datum value = ObjectIdGetDatum(relid);
	int rc = SPI_execute_with_args(sql, OidIsValid(relid) ? 1 : 0, &type, &value, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the TTL settings failed: %s", SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++) {
		HeapTuple row = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool isnull;
		TtlSetting *s = (TtlSetting *) MemoryContextAllocZero(cxt, sizeof(TtlSetting));
		s->relid = DatumGetObjectId(SPI_getbinval(row, desc, 1, &isnull));
		namestrcpy(&s->column, NameStr(*DatumGetName(SPI_getbinval(row, desc, 2, &isnull))));
		s->ttl = *DatumGetIntervalP(SPI_getbinval(row, desc, 3, &isnull));
		s->drop_partitions = DatumGetBool(SPI_getbinval(row, desc, 4, &isnull));
		MemoryContext old = MemoryContextSwitchTo(cxt);
		result = lappend(result, s);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

struct WorkerTable {
	const TtlSetting *setting;
	MemoryContext cxt;
};

void ExpireForWorker(void *arg) {
	const WorkerTable *wt = (const WorkerTable *) arg;
	StartTransactionCommand();
	VdbWorkerReportTask("ttl", wt->setting->relid);
	CommitTransactionCommand();
	ExpireTable(wt->setting, Mode::kWorker, wt->cxt);
	VdbWorkerReportTask(NULL, InvalidOid);
}

}  // namespace

void VdbTtlInit(void) {
	// PGC_USERSET, not PGC_SIGHUP: vector_db_expire() runs in a session.
	DefineCustomIntVariable("vector_db.ttl_batch_size", "Maximum number of expired rows deleted in one transaction.",
	                        NULL, &ttl_batch_size, 10000, 1, INT_MAX, PGC_USERSET, 0, NULL, NULL, NULL);
}

void VdbTtlExpireAll(MemoryContext cxt) {
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	List *settings = ReadSettings(InvalidOid, cxt);
	PopActiveSnapshot();
	CommitTransactionCommand();
	ListCell *lc;
	foreach (lc, settings) {
		if (VdbWorkerStopRequested())
			return;
		WorkerTable wt = {(const TtlSetting *) lfirst(lc), cxt};
		VdbWorkerRunGuarded(ExpireForWorker, &wt);
	}
}

// vector_db_set_ttl(table regclass, column name, ttl interval,
//                   drop_partitions boolean DEFAULT false) RETURNS void
VDB_FUNCTION(vector_db_set_ttl) {
	Oid relid = PG_GETARG_OID(0);
	Name column = PG_GETARG_NAME(1);
	Interval *ttl = PG_GETARG_INTERVAL_P(2);
	bool drop_partitions = PG_GETARG_BOOL(3);

	Relation rel = table_open(relid, AccessShareLock);
	CheckTable(rel);
	AttrNumber attnum = get_attnum(relid, NameStr(*column));
	if (attnum <= 0)  // InvalidAttrNumber, or a system column
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
		                errmsg("column \"%s\" of relation \"%s\" does not exist", NameStr(*column),
		                       RelationGetRelationName(rel))));
	Oid type = getBaseType(get_atttype(relid, attnum));
	if (type != DATEOID && type != TIMESTAMPOID && type != TIMESTAMPTZOID)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
		                errmsg("column \"%s\" has type %s, but a TTL column must be timestamptz, timestamp or date",
		                       NameStr(*column), format_type_be(get_atttype(relid, attnum)))));
	Interval zero = {};
	if (!DatumGetBool(DirectFunctionCall2(interval_gt, IntervalPGetDatum(ttl), IntervalPGetDatum(&zero))))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("ttl must be a positive interval")));
	if (drop_partitions && !RangePartitionedOn(rel, attnum))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("drop_partitions needs a table partitioned by RANGE on column \"%s\"",
		                       NameStr(*column)),
		                errdetail("\"%s\" is not partitioned by RANGE (%s).", RelationGetRelationName(rel),
		                          NameStr(*column))));
	table_close(rel, NoLock);

	const char *sql =
	    "INSERT INTO %s (relid, column_name, ttl, drop_partitions) VALUES ($1, $2, $3, $4)"
	    " ON CONFLICT (relid) DO UPDATE SET column_name = EXCLUDED.column_name, ttl = EXCLUDED.ttl,"
	    " drop_partitions = EXCLUDED.drop_partitions";
	Oid types[] = {REGCLASSOID, NAMEOID, INTERVALOID, BOOLOID};
	Datum values[] = {ObjectIdGetDatum(relid), NameGetDatum(column), IntervalPGetDatum(ttl),
	                  BoolGetDatum(drop_partitions)};
	ExecuteOnSettings(sql, 4, types, values);
	PG_RETURN_VOID();
}

// vector_db_unset_ttl(table regclass) RETURNS boolean: whether it had one.
VDB_FUNCTION(vector_db_unset_ttl) {
	Oid relid = PG_GETARG_OID(0);
	Relation rel = table_open(relid, AccessShareLock);
	CheckTable(rel);
	table_close(rel, NoLock);
	const char *sql = "DELETE FROM %s WHERE relid OPERATOR(pg_catalog.=) $1";
	Oid type = REGCLASSOID;
	Datum value = ObjectIdGetDatum(relid);
	PG_RETURN_BOOL(ExecuteOnSettings(sql, 1, &type, &value) > 0);
}

// vector_db_expire(table regclass) RETURNS bigint: expires the table now,
// in the caller's transaction; returns the rows deleted.
VDB_FUNCTION(vector_db_expire) {
	Oid relid = PG_GETARG_OID(0);
	Relation rel = table_open(relid, AccessShareLock);
	CheckTable(rel);
	table_close(rel, NoLock);
	List *settings = ReadSettings(relid, CurrentMemoryContext);
	if (settings == NIL)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
		                errmsg("table \"%s\" has no TTL", get_rel_name(relid)),
		                errhint("Set one with vector_db_set_ttl().")));
	PG_RETURN_INT64(ExpireTable((const TtlSetting *) linitial(settings), Mode::kCaller, CurrentMemoryContext));
}

// vector_db_ttl_forget() RETURNS event_trigger, on sql_drop: a dropped
// table's TTL goes with it, so that a later table that gets its OID does
// not inherit it.
VDB_FUNCTION(vector_db_ttl_forget) {
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("vector_db_ttl_forget() must be called as an event trigger")));
	const char *sql =
	    "DELETE FROM %s WHERE relid OPERATOR(pg_catalog.=) ANY (SELECT objid FROM"
	    " pg_catalog.pg_event_trigger_dropped_objects() WHERE classid OPERATOR(pg_catalog.=)"
	    " 'pg_catalog.pg_class'::pg_catalog.regclass)";
	ExecuteOnSettings(sql, 0, NULL, NULL);
	PG_RETURN_NULL();
}
