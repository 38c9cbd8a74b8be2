// The one way glue code includes PostgreSQL: its headers are C, so they get C
// linkage here. Files in src/core/ must never include this.
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
}

// Declares a SQL-callable function with C linkage, like PG_FUNCTION_INFO_V1
// does for C code:  VDB_FUNCTION(vector_in) { ... }
#define VDB_FUNCTION(name)            \
	extern "C" {                      \
	PG_FUNCTION_INFO_V1(name);        \
	}                                 \
	extern "C" Datum name(PG_FUNCTION_ARGS)
