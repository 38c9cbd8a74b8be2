// EXPLAIN can show the search settings our index scans run under. Off by
// default, so that every format names the index by its real name (tools look
// the index up by "Index Name"); with vector_db.explain_search_settings on,
// the name carries the settings, in every format:
//   Index Scan using "items_embedding_idx (hnsw: ef_search=40, iterative_scan=off)" on items
// Each access method registers, once from _PG_init, its handler and a
// function that describes its current settings; the first registration
// defines the setting and installs the EXPLAIN hook. Indexes of other access
// methods always keep their plain names.
//
// A scan that chooses its path at run time notes the path it took
// (VdbExplainNoteScanPath); under EXPLAIN ANALYZE the name then ends with
// the paths the explained query's scans of the index took:
//   "items_embedding_idx (hnsw: ef_search=40, iterative_scan=off; ran: 1 exact)"
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

// Notes that a scan of this index took the path named (a string that
// outlives the statement, e.g. "exact" or "walk"), for EXPLAIN ANALYZE.
void VdbExplainNoteScanPath(Oid index_oid, const char *path);
