// The hnsw access method: its handler (the callback table), reloptions and
// the hnsw.* settings, which keep pgvector's names and meanings.
#include "hnsw/hnsw.h"

#include "index/index_am.h"
#include "index/index_check.h"
#include "index/index_explain.h"
#include "index/index_maintain.h"
#include "index/index_options.h"
#include "index/ordered_array_quals.h"

extern "C" {
#include "access/reloptions.h"
#include "commands/progress.h"
#include "utils/guc.h"
}

int hnsw_ef_search = 40;
int hnsw_iterative_scan = HNSW_ITERATIVE_OFF;
int hnsw_max_scan_tuples = 20000;
bool hnsw_filter_directory = true;
double hnsw_scan_mem_multiplier = 1;

namespace {

relopt_kind hnsw_relopt_kind;

const VdbIntOption hnsw_options[] = {
	{"m", "Max number of connections per node on levels above 0 (2m on level 0)", HNSW_DEFAULT_M, HNSW_MIN_M,
	 HNSW_MAX_M, offsetof(HnswOptions, m)},
	{"ef_construction", "Size of the dynamic candidate list while building the graph",
	 HNSW_DEFAULT_EF_CONSTRUCTION, HNSW_MIN_EF_CONSTRUCTION, HNSW_MAX_EF_CONSTRUCTION,
	 offsetof(HnswOptions, ef_construction)},
};


const struct {
	const char *name;
	uint8 quantizer;
} quantizer_names[] = {
	{"flat", HNSW_QUANTIZER_FLAT},
	{"sq8", HNSW_QUANTIZER_SQ8},
};

bool QuantizerFromName(const char *name, uint8 *quantizer) {
	for (const auto &entry : quantizer_names)
		if (pg_strcasecmp(name, entry.name) == 0) {
			*quantizer = entry.quantizer;
			return true;
		}
	return false;
}

void ValidateQuantizer(const char *value) {
	uint8 quantizer;
	if (value != NULL && !QuantizerFromName(value, &quantizer))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid value for quantizer option of hnsw index: \"%s\"", value),
		                errhint("Valid values are \"flat\" and \"sq8\".")));
}

const struct config_enum_entry iterative_scan_options[] = {
	{"off", HNSW_ITERATIVE_OFF, false},
	{"relaxed_order", HNSW_ITERATIVE_RELAXED, false},
	{"strict_order", HNSW_ITERATIVE_STRICT, false},
	{NULL, 0, false},
};

bytea *hnswoptions(Datum reloptions, bool validate) {
	relopt_parse_elt extra[3] = {{"quantizer", RELOPT_TYPE_STRING, offsetof(HnswOptions, quantizer_offset)}};
	VdbPendingParseElts(offsetof(HnswOptions, pending), &extra[1]);
	return VdbParseIntOptions(reloptions, validate, hnsw_relopt_kind, hnsw_options, lengthof(hnsw_options),
	                          sizeof(HnswOptions), extra, lengthof(extra));
}

char *hnswbuildphasename(int64 phase) {
	switch (phase) {
	case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
		return (char *) "initializing";
	case HNSW_PHASE_LOAD:
		return (char *) "loading tuples";
	case HNSW_PHASE_LINK:
		return (char *) "linking graph";
	case HNSW_PHASE_WRITE:
		return (char *) "writing pages";
	default:
		return NULL;
	}
}

// What EXPLAIN prints after an hnsw index's name: the settings a scan
// started now would search with (max_scan_tuples matters only when iterative).
void HnswDescribeSearchSettings(StringInfo out) {
	appendStringInfo(out, "ef_search=%d, iterative_scan=%s", hnsw_ef_search,
	                 iterative_scan_options[hnsw_iterative_scan].name);
	if (hnsw_iterative_scan != HNSW_ITERATIVE_OFF)
		appendStringInfo(out, ", max_scan_tuples=%d", hnsw_max_scan_tuples);
	if (!hnsw_filter_directory)
		appendStringInfoString(out, ", filter_directory=off");
}

}  // namespace

HnswOptions HnswGetOptions(Relation index) {
	HnswOptions options{0, HNSW_DEFAULT_M, HNSW_DEFAULT_EF_CONSTRUCTION, 0,
	                    VdbGetPendingOptions(index, offsetof(HnswOptions, pending))};
	if (index->rd_options != NULL)
		options = *(HnswOptions *) index->rd_options;
	if (options.ef_construction < 2 * options.m)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("ef_construction must be greater than or equal to 2 * m")));
	return options;
}

// sq8 elements are 8-bit codes of float32 or float16 vectors, with bounds
// that let the executor re-rank for l2, inner product, cosine and l1. It is
// the default for vector columns; halfvec and l1 indexes ask for it (their
// default stayed flat when sq8 came to them, so an index keeps the form it
// was created with on REINDEX of a dump).
uint8 HnswChooseQuantizer(Relation index, const VdbIndexMetric &metric) {
	bool sq8_applies = metric.type == vdb::ElementType::kFloat32 || metric.type == vdb::ElementType::kFloat16;
	bool sq8_default = metric.type == vdb::ElementType::kFloat32 && metric.kind != vdb::MetricKind::kL1;
	uint8 quantizer = sq8_default ? HNSW_QUANTIZER_SQ8 : HNSW_QUANTIZER_FLAT;
	const HnswOptions *options = (const HnswOptions *) index->rd_options;
	if (options == NULL || options->quantizer_offset == 0)
		return quantizer;
	QuantizerFromName((const char *) options + options->quantizer_offset, &quantizer);
	if (quantizer == HNSW_QUANTIZER_SQ8 && !sq8_applies)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("hnsw quantizer sq8 is not supported for index \"%s\"", RelationGetRelationName(index)),
		                errdetail("sq8 applies to vector and halfvec columns."),
		                errhint("Use quantizer = 'flat'.")));
	return quantizer;
}

// Called from _PG_init.
void HnswInit(void) {
	hnsw_relopt_kind = VdbRegisterIntOptions(hnsw_options, lengthof(hnsw_options));
	add_string_reloption(hnsw_relopt_kind, "quantizer",
	                     "How the graph stores vectors: sq8 (8-bit codes, the default where it applies) or flat",
	                     NULL, ValidateQuantizer, AccessExclusiveLock);
	VdbRegisterPendingOptions(hnsw_relopt_kind);
	DefineCustomIntVariable("hnsw.ef_search", "Sets the size of the dynamic candidate list for search",
	                        "Valid range is 1..1000.", &hnsw_ef_search, 40, 1, 1000, PGC_USERSET, 0, NULL, NULL,
	                        NULL);
	DefineCustomEnumVariable("hnsw.iterative_scan", "Sets the mode for iterative scans", NULL,
	                         &hnsw_iterative_scan, HNSW_ITERATIVE_OFF, iterative_scan_options, PGC_USERSET, 0,
	                         NULL, NULL, NULL);
	DefineCustomIntVariable("hnsw.max_scan_tuples", "Sets the max number of tuples to visit for iterative scans",
	                        NULL, &hnsw_max_scan_tuples, 20000, 1, INT_MAX, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("hnsw.scan_mem_multiplier",
	                         "Sets the multiple of work_mem to use for iterative scans", NULL,
	                         &hnsw_scan_mem_multiplier, 1, 1, 1000, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("hnsw.filter_directory",
	                         "Lets a filtered scan measure every passing row when few pass",
	                         "Off: filtered scans always walk the graph.", &hnsw_filter_directory, true,
	                         PGC_USERSET, 0, NULL, NULL, NULL);
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("hnsw");
#endif
	VdbRegisterIndexChecker("hnsw", HnswCheckIndex);
	VdbRegisterIndexStats("hnsw", HnswGatherStats);
	static const VdbCompaction compaction{HnswCompact, HnswCompactionDue,
	                                      [](Relation index) { return HnswMergePending(index, INT64_MAX, true); },
	                                      HnswPendingMergeDue};
	VdbRegisterIndexCompaction("hnsw", &compaction);
	VdbRegisterExplainSettings("hnsw", hnswhandler, HnswDescribeSearchSettings);
	VdbOrderedScansTakeArrayQuals(hnswcostestimate);
}

VDB_FUNCTION(hnswhandler) {
	IndexAmRoutine *am = VdbNewIndexAmRoutine();
	am->ambuild = hnswbuild;
	am->ambuildempty = hnswbuildempty;
	am->aminsert = hnswinsert;
	am->ambulkdelete = hnswbulkdelete;
	am->amvacuumcleanup = hnswvacuumcleanup;
	am->amcostestimate = hnswcostestimate;
	am->amoptions = hnswoptions;
	am->ambuildphasename = hnswbuildphasename;
	am->amvalidate = hnswvalidate;
	am->ambeginscan = hnswbeginscan;
	am->amrescan = hnswrescan;
	am->amgettuple = hnswgettuple;
	am->amendscan = hnswendscan;
	// Filter columns follow the vector column (index/index_filter.h).
	am->amcanmulticol = true;
	am->amsearcharray = true;
	PG_RETURN_POINTER(am);
}
