// The one way glue code includes PostgreSQL: its headers are C, so they get C
// linkage here. Files in src/core/ must never include this.
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
// PostgreSQL 16 moved the varlena macros (VARSIZE, SET_VARSIZE, VARDATA...)
// out of postgres.h into their own header.
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif
}

// Declares a SQL-callable function with C linkage, like PG_FUNCTION_INFO_V1
// does for C code:  VDB_FUNCTION(vector_in) { ... }
#define VDB_FUNCTION(name)            \
	extern "C" {                      \
	PG_FUNCTION_INFO_V1(name);        \
	}                                 \
	extern "C" Datum name(PG_FUNCTION_ARGS)
