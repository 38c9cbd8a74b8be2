// Search settings reach the shards of a sharded table (docs/scale-out.md).
//
// postgres_fdw opens its own sessions on the shards and forwards none of the
// coordinator's settings but a few formatting ones, so a session's
// `SET hnsw.ef_search = 200` would leave every shard searching at its own
// default. This ExecutorStart hook closes that gap per query: once a plan
// with foreign scans of a vector_db shard server has started, and before
// any of them has sent its query, it sends
//
//     SET LOCAL hnsw.ef_search = '200'; SET LOCAL ivf.probes = '8'; ...
//
// over the very connection postgres_fdw will run the scan on, inside the
// remote transaction postgres_fdw has opened for this coordinator
// transaction. SET LOCAL ends with that remote transaction, so nothing
// outlives the coordinator's transaction.
//
// A shard server is a server of the postgres_fdw wrapper whose `extensions`
// option names vector_db (or vector, the name make install-as-vector gives
// it): the option the layout needs anyway so that our operators are shipped.
// The settings sent are the user-settable ones under the hnsw., ivfflat. and
// ivf. prefixes that the coordinator has set (any source but the built-in
// default: postgresql.conf, ALTER ROLE/DATABASE, SET). Settings it has not set
// stay at each shard's own value, and a query that forwards nothing costs
// nothing. Once something was forwarded in a transaction, later queries of
// that transaction also send `SET LOCAL name TO DEFAULT` for settings the
// session has RESET since.
//
// postgres_fdw has no API for this, so its connection functions are looked
// up by name (GetConnection, do_sql_command; stable since PostgreSQL 14).
// From PostgreSQL 16 contrib libraries export only their SQL-callable
// symbols, so the lookup fails there: the shards then search with their own
// settings (set them with ALTER DATABASE on each shard), and the first query
// of a session that would have sent some says so in a WARNING.
// All of this is Postgres-side C; no C++ object is alive when it raises.
#include "pg/pg.h"

extern "C" {
#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_proc.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "nodes/nodeFuncs.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/varlena.h"
}

#include "scaleout/scaleout.h"

namespace {

// postgres_fdw's connection.c, as its postgres_fdw.h declares them.
struct PgFdwConnStateHead {
	void *pendingAreq;  // an async request in flight on the connection
};
typedef void *(*GetConnectionFn)(UserMapping *user, bool will_prep_stmt, PgFdwConnStateHead **state);
typedef void (*DoSqlCommandFn)(void *conn, const char *sql);

const char *const forwarded_prefixes[] = {"hnsw.", "ivfflat.", "ivf."};

ExecutorStart_hook_type previous_executor_start = NULL;
bool forwarded_in_xact = false;

bool IsForwarded(const struct config_generic *var) {
	if (var->context != PGC_USERSET || (var->flags & GUC_CUSTOM_PLACEHOLDER))
		return false;
	for (const char *prefix : forwarded_prefixes)
		if (strncmp(var->name, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

// The SET LOCAL commands for this query, or NULL when there is nothing to
// send (nothing set, and nothing sent earlier in this transaction).
char *SettingsCommand(void) {
#if PG_VERSION_NUM >= 160000
	int count;
	struct config_generic **vars = get_guc_variables(&count);
#else
	struct config_generic **vars = get_guc_variables();
	int count = GetNumConfigOptions();
#endif
	StringInfoData sql;
	bool any_set = false;
	initStringInfo(&sql);
	for (int i = 0; i < count; i++) {
		if (!IsForwarded(vars[i]))
			continue;
		if (vars[i]->source == PGC_S_DEFAULT) {
			appendStringInfo(&sql, "SET LOCAL %s TO DEFAULT;", vars[i]->name);
			continue;
		}
		any_set = true;
		appendStringInfo(&sql, "SET LOCAL %s = %s;", vars[i]->name,
		                 quote_literal_cstr(GetConfigOption(vars[i]->name, false, false)));
	}
	if (!any_set && !forwarded_in_xact)
		return NULL;
	return sql.data;
}

// Whether a foreign server is a vector_db shard: a postgres_fdw server
// whose extensions option lists vector_db or vector.
bool IsShardServer(ForeignServer *server) {
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	if (!OidIsValid(fdw->fdwhandler) || strcmp(get_func_name(fdw->fdwhandler), "postgres_fdw_handler") != 0)
		return false;
	ListCell *cell;
	foreach (cell, server->options) {
		DefElem *option = (DefElem *) lfirst(cell);
		if (strcmp(option->defname, "extensions") != 0)
			continue;
		List *names = NIL;
		char *list = pstrdup(defGetString(option));
		if (!SplitIdentifierString(list, ',', &names))
			return false;
		ListCell *name;
		foreach (name, names) {
			const char *extension = (const char *) lfirst(name);
			if (strcmp(extension, "vector_db") == 0 || strcmp(extension, "vector") == 0)
				return true;
		}
	}
	return false;
}

// The user whose mapping postgres_fdw connects with for a foreign scan, as
// postgresBeginForeignScan picks it.
Oid ScanUser(ForeignScan *plan, EState *estate) {
#if PG_VERSION_NUM >= 160000
	(void) estate;
	return OidIsValid(plan->checkAsUser) ? plan->checkAsUser : GetUserId();
#else
	// A join pushed down has no scanrelid: its first base relation's.
	Index rti = plan->scan.scanrelid > 0 ? plan->scan.scanrelid : bms_next_member(plan->fs_relids, -1);
	RangeTblEntry *rte = exec_rt_fetch(rti, estate);
	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}

struct Forwarding {
	EState *estate;
	char *command;       // the SET LOCAL commands, once built
	bool nothing_to_send;
	List *done;          // user mapping OIDs already sent to
};

// postgres_fdw's two functions, looked up once per backend.
struct FdwFunctions {
	bool looked_up;
	bool warned;
	GetConnectionFn get_connection;
	DoSqlCommandFn do_sql_command;
};
FdwFunctions fdw;

// Whether postgres_fdw's functions are there to send settings with; warns
// once per backend when they are not.
bool HaveFdwFunctions() {
	if (!fdw.looked_up) {
		fdw.get_connection = (GetConnectionFn) load_external_function("$libdir/postgres_fdw", "GetConnection", false, NULL);
		fdw.do_sql_command =
		    (DoSqlCommandFn) load_external_function("$libdir/postgres_fdw", "do_sql_command", false, NULL);
		fdw.looked_up = true;
	}
	if (fdw.get_connection != NULL && fdw.do_sql_command != NULL)
		return true;
	if (!fdw.warned) {
		fdw.warned = true;
		ereport(WARNING, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                  errmsg("search settings are not sent to the shards"),
		                  errdetail("This server's postgres_fdw does not export GetConnection and do_sql_command "
		                            "(PostgreSQL 16 and later); each shard searches with its own settings."),
		                  errhint("Set the hnsw., ivfflat. and ivf. settings on the shards, e.g. with "
		                          "ALTER DATABASE ... SET on each shard.")));
	}
	return false;
}

void ForwardToScan(ForeignScan *plan, Forwarding *f) {
	ForeignServer *server = GetForeignServer(plan->fs_server);
	if (f->nothing_to_send || !IsShardServer(server))
		return;
	if (f->command == NULL && (f->command = SettingsCommand()) == NULL) {
		f->nothing_to_send = true;
		return;
	}
	if (!HaveFdwFunctions()) {
		f->nothing_to_send = true;
		return;
	}
	UserMapping *mapping = GetUserMapping(ScanUser(plan, f->estate), server->serverid);
	if (list_member_oid(f->done, mapping->umid))
		return;
	f->done = lappend_oid(f->done, mapping->umid);
	// postgresBeginForeignScan has opened this connection and its remote
	// transaction, and sends nothing before the scan's first fetch.
	PgFdwConnStateHead *state = NULL;
	void *conn = fdw.get_connection(mapping, false, &state);
	// A nested query while an async fetch of the outer one is in flight on
	// this connection: a command now would take that fetch's reply. The
	// outer query's settings are already there.
	if (state != NULL && state->pendingAreq != NULL)
		return;
	fdw.do_sql_command(conn, f->command);
	forwarded_in_xact = true;
}

bool ForwardWalker(PlanState *node, void *arg) {
	if (node == NULL)
		return false;
	if (IsA(node, ForeignScanState))
		ForwardToScan((ForeignScan *) node->plan, (Forwarding *) arg);
#if PG_VERSION_NUM >= 160000
	return planstate_tree_walker(node, ForwardWalker, arg);
#else
	// (through void (*)(void), the cast GCC knows to mean any function type)
	return planstate_tree_walker(node, (bool (*)()) (void (*)(void)) ForwardWalker, arg);
#endif
}

// After the executor has started: the foreign scans that initial pruning
// kept have their PlanState (a pruned shard is not contacted), and none has
// sent its query yet.
void ShardSettingsExecutorStart(QueryDesc *query, int eflags) {
	if (previous_executor_start != NULL)
		previous_executor_start(query, eflags);
	else
		standard_ExecutorStart(query, eflags);
	if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0 || IsParallelWorker())
		return;
	Forwarding f = {query->estate, NULL, false, NIL};
	ForwardWalker(query->planstate, &f);
}

void ResetForwarded(XactEvent event, void *) {
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
	    event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
		forwarded_in_xact = false;
}

}  // namespace

void VdbShardSettingsInit(void) {
	previous_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = ShardSettingsExecutorStart;
	RegisterXactCallback(ResetForwarded, NULL);
}
