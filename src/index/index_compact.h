// vector_db_compact(regclass): one SQL entry point that returns the free
// space of any of our indexes to the file system. Each AM registers its
// compactor by AM name at load time (like the checkers of index_check.h).
//
// The dispatch (index_compact.cpp) checks the caller's rights as VACUUM
// does (the table's owner, the database's owner, a superuser; from
// PostgreSQL 17 pg_maintain), locks the table SHARE UPDATE EXCLUSIVE (no
// VACUUM meanwhile; inserts, updates, deletes and scans go on) and the index
// ROW EXCLUSIVE, and calls the compactor.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "utils/rel.h"
}

// Compacts an index whose table the caller locked SHARE UPDATE EXCLUSIVE
// (and the index ROW EXCLUSIVE); returns how many pages the index lost.
typedef int64 (*VdbIndexCompactor)(Relation index);

void VdbRegisterIndexCompactor(const char *am_name, VdbIndexCompactor compactor);

// The registered compactor of the index's AM, or NULL (not ours).
VdbIndexCompactor VdbFindIndexCompactor(Relation index);
