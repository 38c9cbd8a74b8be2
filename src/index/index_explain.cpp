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
#include "index/index_explain.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "commands/explain.h"
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
	}
}
