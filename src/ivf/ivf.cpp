// The ivfflat and ivf access methods: handlers (one callback table, two AM
// names), reloptions and the ivfflat.* / ivf.* settings. ivfflat keeps
// pgvector's names and meanings; ivf adds quantizer, pq_m, pq_bits and
// re-ranking.
#include "ivf/ivf.h"

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
#include "utils/lsyscache.h"
}

// Declared by the hnsw AM; the rules for our opclasses are the same (one
// ORDER BY operator at strategy 1, support 1 = distance, 2 = norm).
bool hnswvalidate(Oid opclass);

extern "C" Datum ivfflathandler(PG_FUNCTION_ARGS);
extern "C" Datum ivfhandler(PG_FUNCTION_ARGS);

IvfSettings ivfflat_settings = {1, IVF_ITERATIVE_OFF, 32768, 0};
IvfSettings ivf_settings = {8, IVF_ITERATIVE_OFF, 32768, -1};

namespace {

relopt_kind ivfflat_relopt_kind;
relopt_kind ivf_relopt_kind;

const VdbIntOption ivfflat_options[] = {
	{"lists", "Number of inverted lists", IVFFLAT_DEFAULT_LISTS, IVF_MIN_LISTS, IVF_MAX_LISTS,
	 offsetof(IvfOptions, lists)},
};

const VdbIntOption ivf_options[] = {
	{"lists", "Number of inverted lists (0: from the row count)", 0, 0, IVF_MAX_LISTS, offsetof(IvfOptions, lists)},
	{"pq_m", "Number of PQ sub-quantizers (0: dimensions / 4 or the nearest divisor below)", 0, 0, 16000,
	 offsetof(IvfOptions, pq_m)},
	{"pq_bits", "Bits per PQ sub-quantizer code", 8, 8, 8, offsetof(IvfOptions, pq_bits)},
};


const struct {
	const char *name;
	vdb::IvfQuantizer kind;
} quantizer_names[] = {
	{"flat", vdb::IvfQuantizer::kFlat},
	{"sq8", vdb::IvfQuantizer::kSq8},
	{"pq", vdb::IvfQuantizer::kPq},
	{"rabitq", vdb::IvfQuantizer::kRabitq},
};

bool QuantizerFromName(const char *name, vdb::IvfQuantizer *kind) {
	for (const auto &entry : quantizer_names)
		if (pg_strcasecmp(name, entry.name) == 0) {
			*kind = entry.kind;
			return true;
		}
	return false;
}

void ValidateQuantizer(const char *value) {
	vdb::IvfQuantizer kind;
	if (value != NULL && !QuantizerFromName(value, &kind))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid value for quantizer option of ivf index: \"%s\"", value),
		                errhint("Valid values are \"flat\", \"sq8\", \"pq\" and \"rabitq\".")));
}

const struct config_enum_entry iterative_scan_options[] = {
	{"off", IVF_ITERATIVE_OFF, false},
	{"relaxed_order", IVF_ITERATIVE_RELAXED, false},
	{NULL, 0, false},
};

// Both AMs take fastupdate and pending_list_limit (ivf_pending.cpp); ivf
// its quantizer too.
bytea *ivfflatoptions(Datum reloptions, bool validate) {
	relopt_parse_elt extra[2];
	VdbPendingParseElts(offsetof(IvfOptions, pending), extra);
	return VdbParseIntOptions(reloptions, validate, ivfflat_relopt_kind, ivfflat_options,
	                          lengthof(ivfflat_options), sizeof(IvfOptions), extra, lengthof(extra));
}

bytea *ivfoptions(Datum reloptions, bool validate) {
	relopt_parse_elt extra[3] = {{"quantizer", RELOPT_TYPE_STRING, offsetof(IvfOptions, quantizer_offset)}};
	VdbPendingParseElts(offsetof(IvfOptions, pending), &extra[1]);
	return VdbParseIntOptions(reloptions, validate, ivf_relopt_kind, ivf_options, lengthof(ivf_options),
	                          sizeof(IvfOptions), extra, lengthof(extra));
}

char *ivfbuildphasename(int64 phase) {
	switch (phase) {
	case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
		return (char *) "initializing";
	case IVF_PHASE_KMEANS:
		return (char *) "performing k-means";
	case IVF_PHASE_ASSIGN:
		return (char *) "assigning tuples";
	case IVF_PHASE_LOAD:
		return (char *) "loading tuples";
	default:
		return NULL;
	}
}

// Registers one AM's settings under its prefix.
void DefineSettings(const char *prefix, IvfSettings *settings, bool with_rerank) {
	char name[64];
	snprintf(name, sizeof name, "%s.probes", prefix);
	DefineCustomIntVariable(pstrdup(name), "Sets the number of lists to probe", "Valid range is 1..lists.",
	                        &settings->probes, settings->probes, 1, IVF_MAX_LISTS, PGC_USERSET, 0, NULL, NULL, NULL);
	snprintf(name, sizeof name, "%s.iterative_scan", prefix);
	DefineCustomEnumVariable(pstrdup(name), "Sets the mode for iterative scans", NULL, &settings->iterative_scan,
	                         IVF_ITERATIVE_OFF, iterative_scan_options, PGC_USERSET, 0, NULL, NULL, NULL);
	snprintf(name, sizeof name, "%s.max_probes", prefix);
	DefineCustomIntVariable(pstrdup(name), "Sets the max number of lists an iterative scan probes", NULL,
	                        &settings->max_probes, settings->max_probes, 1, IVF_MAX_LISTS, PGC_USERSET, 0, NULL, NULL,
	                        NULL);
	if (with_rerank) {
		snprintf(name, sizeof name, "%s.rerank", prefix);
		DefineCustomIntVariable(pstrdup(name),
		                        "Sets how many candidates of quantized lists are re-ranked with exact distances",
		                        "0 returns rows in estimated order; -1 uses the quantizer's default.",
		                        &settings->rerank, settings->rerank, -1, 1000000, PGC_USERSET, 0, NULL, NULL, NULL);
	}
	MarkGUCPrefixReserved(prefix);
}

// What EXPLAIN prints after an ivfflat or ivf index's name (with
// vector_db.explain_search_settings on): the settings a scan started now
// would probe with. max_probes matters only to an iterative scan; a
// filtered scan probes on past both as far as its rows need (docs/ivf.md).
void DescribeSettings(StringInfo out, const IvfSettings &settings, bool with_rerank) {
	appendStringInfo(out, "probes=%d, iterative_scan=%s", settings.probes,
	                 iterative_scan_options[settings.iterative_scan].name);
	if (settings.iterative_scan != IVF_ITERATIVE_OFF)
		appendStringInfo(out, ", max_probes=%d", settings.max_probes);
	if (with_rerank && settings.rerank >= 0)
		appendStringInfo(out, ", rerank=%d", settings.rerank);
	else if (with_rerank)
		appendStringInfoString(out, ", rerank=default");
}

void DescribeIvfflatSettings(StringInfo out) { DescribeSettings(out, ivfflat_settings, false); }
void DescribeIvfSettings(StringInfo out) { DescribeSettings(out, ivf_settings, true); }

// One callback table for both AMs; only the options differ.
IndexAmRoutine *MakeRoutine(amoptions_function options) {
	IndexAmRoutine *am = VdbNewIndexAmRoutine();
	am->ambuild = ivfbuild;
	am->ambuildempty = ivfbuildempty;
	am->aminsert = ivfinsert;
	am->ambulkdelete = ivfbulkdelete;
	am->amvacuumcleanup = ivfvacuumcleanup;
	am->amcostestimate = ivfcostestimate;
	am->amoptions = options;
	am->ambuildphasename = ivfbuildphasename;
	am->amvalidate = hnswvalidate;
	am->ambeginscan = ivfbeginscan;
	am->amrescan = ivfrescan;
	am->amgettuple = ivfgettuple;
	am->amendscan = ivfendscan;
	// Filter columns follow the vector column (index/index_filter.h).
	am->amcanmulticol = true;
	am->amsearcharray = true;
	return am;
}

}  // namespace

bool IvfIsFlatAm(Relation index) { return index->rd_indam->amoptions == ivfflatoptions; }

const IvfSettings &IvfSettingsOf(Relation index) { return IvfIsFlatAm(index) ? ivfflat_settings : ivf_settings; }

IvfBuildOptions IvfGetOptions(Relation index) {
	IvfBuildOptions out{IvfIsFlatAm(index) ? IVFFLAT_DEFAULT_LISTS : 0, vdb::IvfQuantizer::kFlat, 0};
	IvfOptions *options = (IvfOptions *) index->rd_options;
	if (options == NULL)
		return out;
	out.lists = options->lists;
	if (!IvfIsFlatAm(index)) {
		out.pq_m = options->pq_m;
		if (options->quantizer_offset != 0)
			QuantizerFromName((const char *) options + options->quantizer_offset, &out.quantizer);
	}
	return out;
}

// Called from _PG_init.
void IvfInit(void) {
	ivfflat_relopt_kind = VdbRegisterIntOptions(ivfflat_options, lengthof(ivfflat_options));
	ivf_relopt_kind = VdbRegisterIntOptions(ivf_options, lengthof(ivf_options));
	add_string_reloption(ivf_relopt_kind, "quantizer", "Codes kept in the lists: flat, sq8, pq or rabitq", "flat",
	                     ValidateQuantizer, AccessExclusiveLock);
	VdbRegisterPendingOptions(ivfflat_relopt_kind);
	VdbRegisterPendingOptions(ivf_relopt_kind);
	DefineSettings("ivfflat", &ivfflat_settings, false);
	DefineSettings("ivf", &ivf_settings, true);
	DefineCustomRealVariable("ivf.compaction_threshold",
	                         "Compaction of an ivfflat or ivf index is due when its rows, packed, would fill less "
	                         "than this fraction of its data pages",
	                         NULL, &ivf_compaction_threshold, ivf_compaction_threshold, 0.0, 1.0, PGC_SIGHUP, 0,
	                         NULL, NULL, NULL);
	DefineCustomRealVariable("vector_db.rebalance_imbalance",
	                         "A rebalance of an ivfflat or ivf index is due when its largest list holds more than "
	                         "this many times the mean rows per list",
	                         "0 turns this rule off. It applies once a tenth of the rows were added since the "
	                         "lists were trained.",
	                         &ivf_rebalance_imbalance, ivf_rebalance_imbalance, 0.0, 1e6, PGC_SIGHUP, 0, NULL, NULL,
	                         NULL);
	DefineCustomRealVariable("vector_db.rebalance_fraction",
	                         "A rebalance of an ivfflat or ivf index is due when the rows added since its lists "
	                         "were trained reach this fraction of its rows",
	                         "0 turns this rule off.", &ivf_rebalance_fraction, ivf_rebalance_fraction, 0.0, 1e6,
	                         PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("vector_db.rebalance_out_of_range",
	                         "A rebalance of an ivf index with quantizer sq8 is due when the rows added outside "
	                         "its quantizer's trained range reach this fraction of its rows",
	                         "0 turns this rule off. A row is outside when one of its values lies beyond the "
	                         "range by more than a tenth of the range's width.",
	                         &ivf_rebalance_out_of_range, ivf_rebalance_out_of_range, 0.0, 1e6, PGC_SIGHUP, 0,
	                         NULL, NULL, NULL);
	VdbRegisterIndexChecker("ivfflat", IvfCheckIndex);
	VdbRegisterIndexChecker("ivf", IvfCheckIndex);
	VdbRegisterIndexStats("ivfflat", IvfGatherStats);
	VdbRegisterIndexStats("ivf", IvfGatherStats);
	static const VdbCompaction compaction{IvfCompact,
	                                      IvfCompactionDue,
	                                      [](Relation index) { return IvfMergePending(index, true); },
	                                      IvfPendingMergeDue,
	                                      IvfRebalance,
	                                      IvfRebalanceDue};
	VdbRegisterIndexCompaction("ivfflat", &compaction);
	VdbRegisterIndexCompaction("ivf", &compaction);
	VdbRegisterExplainSettings("ivfflat", ivfflathandler, DescribeIvfflatSettings);
	VdbRegisterExplainSettings("ivf", ivfhandler, DescribeIvfSettings);
	VdbOrderedScansTakeArrayQuals(ivfcostestimate);
}

VDB_FUNCTION(ivfflathandler) { PG_RETURN_POINTER(MakeRoutine(ivfflatoptions)); }

VDB_FUNCTION(ivfhandler) { PG_RETURN_POINTER(MakeRoutine(ivfoptions)); }
