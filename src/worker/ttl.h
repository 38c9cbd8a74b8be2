// Time to live for table rows (docs/workers.md#ttl): settings in the
// extension's table vector_db_ttl, set by vector_db_set_ttl, and the pass
// that deletes expired rows, run by the workers or by vector_db_expire.
#pragma once

#include "pg/pg.h"

// Registers vector_db.ttl_batch_size. From _PG_init.
void VdbTtlInit(void);

// The worker's pass: expires every table of the database that has a TTL,
// each batch in a transaction of its own, stopping between batches when the
// worker is asked to stop. Lists live in cxt.
void VdbTtlExpireAll(MemoryContext cxt);
