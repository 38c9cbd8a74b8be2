// Included first by every source file in src/core/. The core is pure C++: it
// is unit-tested without a server, and no ereport() may longjmp through its
// destructors. Including a PostgreSQL header first makes this fail to build.
#pragma once

#if defined(POSTGRES_H) || defined(PG_VERSION_NUM)
#error "src/core must not include PostgreSQL headers: keep Postgres glue outside src/core"
#endif
