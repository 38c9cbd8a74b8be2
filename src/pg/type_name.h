// A type's catalog name, never schema-qualified: how glue code recognises
// vector, halfvec, bit and sparsevec whatever the search_path.
#pragma once

#include "pg/pg.h"

// format_type_be() qualifies a type whose schema is not on the search_path,
// and PostgreSQL 17 runs CREATE INDEX, REINDEX and VACUUM with search_path =
// pg_catalog, pg_temp; this name does not change with either.
char *VdbBareTypeName(Oid type);
