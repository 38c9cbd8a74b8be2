// Where vector_db is installed in the current database. Its catalog name is
// "vector_db", or "vector" where `make install-as-vector` registered it under
// pgvector's name (docs/install.md). A "vector" extension is taken for ours
// only when its schema holds vector_db_ttl, a table pgvector never creates,
// so a database with pgvector installed is left alone.
#pragma once

#include "pg/pg.h"

// The extension's schema; InvalidOid when vector_db is not installed (or is
// being dropped). Needs a transaction.
Oid VdbExtensionSchema(void);
