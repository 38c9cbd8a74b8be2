// EXPLAIN names our index scans with the search settings they run under:
//   Index Scan using items_embedding_idx (hnsw: ef_search=40, iterative_scan=off) on items
// Each access method registers, once from _PG_init, its handler and a
// function that describes its current settings; the first registration
// installs the EXPLAIN hook. Indexes of other access methods keep their
// plain names.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "lib/stringinfo.h"
}

// Appends the settings a scan would use now, e.g. "ef_search=40, iterative_scan=off".
typedef void (*VdbDescribeSearchSettings)(StringInfo out);

// am_name is the label printed before the settings ("hnsw"); handler is the
// access method's handler function, which identifies its indexes.
void VdbRegisterExplainSettings(const char *am_name, PGFunction handler, VdbDescribeSearchSettings describe);
