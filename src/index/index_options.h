// Reloption helpers for vector indexes: each AM declares its integer
// options in one table (name, description, default, bounds, offset into its
// options struct), registered once and parsed with build_reloptions.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "access/reloptions.h"
#include "utils/rel.h"
}

struct VdbIntOption {
	const char *name;
	const char *description;
	int default_value;
	int min_value;
	int max_value;
	int offset;  // offsetof the int in the AM's options struct
};

// Registers the options under a new reloption kind and returns it.
relopt_kind VdbRegisterIntOptions(const VdbIntOption *options, int count);

// Parses reloptions into a palloc'd struct of `size` bytes (NULL when empty
// and !validate), as amoptions must. `extra` lists options of other types
// the AM registered itself on the same kind (e.g. a string).
bytea *VdbParseIntOptions(Datum reloptions, bool validate, relopt_kind kind, const VdbIntOption *options,
                          int count, Size size, const relopt_parse_elt *extra = NULL, int extra_count = 0);

// fastupdate and pending_list_limit, as GIN's: whether inserts append to
// the index's pending area instead of placing each element at once, and
// the area's size (kB) past which an insert merges it. Off by default: see
// docs/hnsw.md ("Fast ingest"). Each AM's options struct holds a
// VdbPendingOptions at some offset.
struct VdbPendingOptions {
	int pending_list_limit;  // kB
	bool fastupdate;
};
#define VDB_DEFAULT_FASTUPDATE false
#define VDB_DEFAULT_PENDING_LIST_LIMIT 4096
#define VDB_MIN_PENDING_LIST_LIMIT 64

// Registers both options on an AM's reloption kind.
void VdbRegisterPendingOptions(relopt_kind kind);
// Their parse entries, for a VdbPendingOptions at `offset` of the AM's
// options struct (two entries written to out).
void VdbPendingParseElts(int offset, relopt_parse_elt *out);
// The options of an index whose rd_options hold a VdbPendingOptions at
// `offset` (defaults when none were given).
VdbPendingOptions VdbGetPendingOptions(Relation index, int offset);
