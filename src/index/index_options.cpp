// Integer reloptions shared by the vector index AMs.
#include "index/index_options.h"

extern "C" {
#include "utils/guc.h"
}

relopt_kind VdbRegisterIntOptions(const VdbIntOption *options, int count) {
	relopt_kind kind = add_reloption_kind();
	for (int i = 0; i < count; i++)
		add_int_reloption(kind, options[i].name, options[i].description, options[i].default_value,
		                  options[i].min_value, options[i].max_value, AccessExclusiveLock);
	return kind;
}

bytea *VdbParseIntOptions(Datum reloptions, bool validate, relopt_kind kind, const VdbIntOption *options,
                          int count, Size size, const relopt_parse_elt *extra, int extra_count) {
	relopt_parse_elt *table = (relopt_parse_elt *) palloc(sizeof(relopt_parse_elt) * (count + extra_count));
	for (int i = 0; i < count; i++)
		table[i] = relopt_parse_elt{options[i].name, RELOPT_TYPE_INT, options[i].offset};
	for (int i = 0; i < extra_count; i++)
		table[count + i] = extra[i];
	return (bytea *) build_reloptions(reloptions, validate, kind, size, table, count + extra_count);
}

void VdbRegisterPendingOptions(relopt_kind kind) {
	// As GIN: changing either needs no more than SHARE UPDATE EXCLUSIVE; an
	// insert reads them once, and entries already pending stay searchable.
	add_bool_reloption(kind, "fastupdate", "Enables fast update: inserts append to a pending area",
	                   VDB_DEFAULT_FASTUPDATE, ShareUpdateExclusiveLock);
	add_int_reloption(kind, "pending_list_limit", "Maximum size of the pending area in kilobytes",
	                  VDB_DEFAULT_PENDING_LIST_LIMIT, VDB_MIN_PENDING_LIST_LIMIT, MAX_KILOBYTES,
	                  ShareUpdateExclusiveLock);
}

void VdbPendingParseElts(int offset, relopt_parse_elt *out) {
	out[0] = relopt_parse_elt{"fastupdate", RELOPT_TYPE_BOOL, int(offset + offsetof(VdbPendingOptions, fastupdate))};
	out[1] = relopt_parse_elt{"pending_list_limit", RELOPT_TYPE_INT,
	                          int(offset + offsetof(VdbPendingOptions, pending_list_limit))};
}

VdbPendingOptions VdbGetPendingOptions(Relation index, int offset) {
	if (index->rd_options == NULL)
		return VdbPendingOptions{VDB_DEFAULT_PENDING_LIST_LIMIT, VDB_DEFAULT_FASTUPDATE};
	return *(const VdbPendingOptions *) ((const char *) index->rd_options + offset);
}
