// The registry behind index_explain.h, the setting that turns the
// annotation on, and the explain_get_index_name_hook that reads both. An
// index is ours when its access method's handler function is one registered
// here: a pointer comparison, so an access method of the same name from
// another extension is never annotated.
//
// Why a setting and not always: the hook's result is EXPLAIN's index name in
// every format ("Index Name" in JSON, XML, YAML) and the hook cannot tell the
// format, nor EXPLAIN from another caller. Plan visualisers, monitoring and
// ORM tests look the index up by that name, so by default it stays the real
// one; a person reading plans turns the settings on for the session.
//
// The paths scans took are forgotten as an EXPLAIN starts its query
// (ExecutorStart with instrumentation, or EXPLAIN_ONLY without ANALYZE), so
// EXPLAIN ANALYZE, which prints the plan after running it, shows its own
// query's scans (those of functions it calls included), and a plain EXPLAIN
// none. auto_explain's log_analyze starts the same way. A few indexes and
// paths suffice for what a person reads; the notes past them are dropped.
#include "index/index_explain.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

struct RegisteredExplainer {
	const char *am_name;
	PGFunction handler;
	VdbDescribeSearchSettings describe;
};

RegisteredExplainer explainers[4];
int explainer_count = 0;
explain_get_index_name_hook_type previous_hook = NULL;
bool explain_search_settings = false;

struct ScanPathNote {
	Oid index_oid;
	const char *path;
	uint32 scans;
};

ScanPathNote scan_paths[16];
int scan_path_count = 0;
ExecutorStart_hook_type previous_executor_start = NULL;

void ForgetScanPathsAtExplain(QueryDesc *query, int eflags) {
	if (query->instrument_options != 0 || (eflags & EXEC_FLAG_EXPLAIN_ONLY))
		scan_path_count = 0;
	if (previous_executor_start != NULL)
		previous_executor_start(query, eflags);
	else
		standard_ExecutorStart(query, eflags);
}

// "; ran: 1 exact, 3 walk" for the paths this index's scans took.
void DescribeScanPaths(Oid index_oid, StringInfo out) {
	const char *separator = "; ran: ";
	for (int i = 0; i < scan_path_count; i++)
		if (scan_paths[i].index_oid == index_oid) {
			appendStringInfo(out, "%s%u %s", separator, scan_paths[i].scans, scan_paths[i].path);
			separator = ", ";
		}
}

// The handler function of an index's access method; InvalidOid when the
// relation is gone or is not an index.
Oid IndexAmHandler(Oid index_oid) {
	HeapTuple rel = SearchSysCache1(RELOID, ObjectIdGetDatum(index_oid));
	if (!HeapTupleIsValid(rel))
		return InvalidOid;
	Form_pg_class rel_form = (Form_pg_class) GETSTRUCT(rel);
	Oid am_oid = rel_form->relkind == RELKIND_INDEX ? rel_form->relam : InvalidOid;
	ReleaseSysCache(rel);
	if (!OidIsValid(am_oid))
		return InvalidOid;
	HeapTuple am = SearchSysCache1(AMOID, ObjectIdGetDatum(am_oid));
	if (!HeapTupleIsValid(am))
		return InvalidOid;
	Oid handler = ((Form_pg_am) GETSTRUCT(am))->amhandler;
	ReleaseSysCache(am);
	return handler;
}

// The registered access method serving this index, or NULL. fmgr_info
// resolves the handler's C address (from the already loaded library).
const RegisteredExplainer *FindExplainer(Oid index_oid) {
	Oid handler_oid = IndexAmHandler(index_oid);
	if (!OidIsValid(handler_oid))
		return NULL;
	FmgrInfo handler;
	fmgr_info(handler_oid, &handler);
	for (int i = 0; i < explainer_count; i++)
		if (explainers[i].handler == handler.fn_addr)
			return &explainers[i];
	return NULL;
}

// EXPLAIN's index name: with the setting on, ours get "(am: settings)" after
// the name. EXPLAIN
// passes whatever this returns through quote_identifier, so the whole string
// prints in double quotes (the name is not quoted again here). NULL leaves
// other indexes to the previous hook or to EXPLAIN's default.
const char *ExplainIndexName(Oid index_oid) {
	const RegisteredExplainer *explainer = explain_search_settings ? FindExplainer(index_oid) : NULL;
	const char *name = explainer != NULL ? get_rel_name(index_oid) : NULL;
	if (name == NULL)
		return previous_hook != NULL ? previous_hook(index_oid) : NULL;
	StringInfoData out;
	initStringInfo(&out);
	appendStringInfo(&out, "%s (%s: ", name, explainer->am_name);
	explainer->describe(&out);
	DescribeScanPaths(index_oid, &out);
	appendStringInfoChar(&out, ')');
	return out.data;
}

}  // namespace

void VdbRegisterExplainSettings(const char *am_name, PGFunction handler, VdbDescribeSearchSettings describe) {
	if (explainer_count == lengthof(explainers))
		elog(ERROR, "too many index explainers");
	explainers[explainer_count++] = RegisteredExplainer{am_name, handler, describe};
	if (explainer_count == 1) {
		DefineCustomBoolVariable("vector_db.explain_search_settings",
		                         "Shows the search settings after the names of vector_db indexes in EXPLAIN.",
		                         "In every format, so tools that look the index up by name should leave it off.",
		                         &explain_search_settings, false, PGC_USERSET, 0, NULL, NULL, NULL);
		previous_hook = explain_get_index_name_hook;
		explain_get_index_name_hook = ExplainIndexName;
		previous_executor_start = ExecutorStart_hook;
		ExecutorStart_hook = ForgetScanPathsAtExplain;
	}
}

void VdbExplainNoteScanPath(Oid index_oid, const char *path) {
	for (int i = 0; i < scan_path_count; i++)
		if (scan_paths[i].index_oid == index_oid && strcmp(scan_paths[i].path, path) == 0) {
			scan_paths[i].scans++;
			return;
		}
	if (scan_path_count < (int) lengthof(scan_paths))
		scan_paths[scan_path_count++] = ScanPathNote{index_oid, path, 1};
}
