// The periods extension's history tables (docs/timetravel.md), as the TTL
// pass sees them. periods makes a history table read-only for every role,
// its owner included, and writes it only from its own SECURITY DEFINER
// trigger, that is as the role that installed periods. Retention deletes
// expired history as that same role.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "utils/relcache.h"
}

// The role periods writes history as when relid is the history table of a
// system-versioned table; InvalidOid otherwise (or without periods). Needs a
// transaction.
Oid VdbHistoryWriter(Oid relid);

// Refuses (ERROR, 55000) a history table with triggers or rules: a delete
// as the history's writer, a superuser, must run no code of the table's
// owner. The caller holds a lock that keeps both from being added.
void VdbCheckHistoryDeletable(Relation rel);
