// Integer reloptions shared by the vector index AMs.
#include "index/index_options.h"

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
