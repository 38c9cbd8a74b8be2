// Reloption helpers for vector indexes: each AM declares its integer
// options in one table (name, description, default, bounds, offset into its
// options struct), registered once and parsed with build_reloptions.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "access/reloptions.h"
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
