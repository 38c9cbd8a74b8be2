"""A minimal libpq client through ctypes, for the timed query loop.

psycopg2 sends parameters as text inside a simple query, so every vector
would be printed by Python and parsed by the server again: that is client
overhead, not index speed. Here a statement is prepared once and executed
with PQexecPrepared, the vector parameter in the type's binary format
(its recv function) when it has one, and the ids come back as text.
"""
import ctypes
import ctypes.util

_lib = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
_lib.PQconnectdb.restype = ctypes.c_void_p
_lib.PQconnectdb.argtypes = [ctypes.c_char_p]
_lib.PQstatus.argtypes = [ctypes.c_void_p]
_lib.PQerrorMessage.restype = ctypes.c_char_p
_lib.PQerrorMessage.argtypes = [ctypes.c_void_p]
_lib.PQfinish.argtypes = [ctypes.c_void_p]
_lib.PQexec.restype = ctypes.c_void_p
_lib.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_lib.PQprepare.restype = ctypes.c_void_p
_lib.PQprepare.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
_lib.PQexecPrepared.restype = ctypes.c_void_p
_lib.PQexecPrepared.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p,
                                ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
_lib.PQresultStatus.argtypes = [ctypes.c_void_p]
_lib.PQresultErrorMessage.restype = ctypes.c_char_p
_lib.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
_lib.PQntuples.argtypes = [ctypes.c_void_p]
_lib.PQnfields.argtypes = [ctypes.c_void_p]
_lib.PQgetvalue.restype = ctypes.c_char_p
_lib.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_lib.PQclear.argtypes = [ctypes.c_void_p]

_CONNECTION_OK = 0
_PGRES_COMMAND_OK = 1
_PGRES_TUPLES_OK = 2


class PgError(RuntimeError):
    pass


class Connection:
    """One libpq connection; statements return their rows as lists of str."""

    def __init__(self, dsn):
        self._conn = _lib.PQconnectdb(dsn.encode())
        if _lib.PQstatus(self._conn) != _CONNECTION_OK:
            msg = _lib.PQerrorMessage(self._conn).decode(errors="replace")
            _lib.PQfinish(self._conn)
            self._conn = None
            raise PgError(f"connect failed: {msg.strip()}")

    def close(self):
        if self._conn:
            _lib.PQfinish(self._conn)
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # Turns a PGresult into rows (freeing it), or raises with the server's message.
    def _rows(self, res, what):
        try:
            status = _lib.PQresultStatus(res)
            if status not in (_PGRES_COMMAND_OK, _PGRES_TUPLES_OK):
                msg = (_lib.PQresultErrorMessage(res) or _lib.PQerrorMessage(self._conn)).decode(errors="replace")
                raise PgError(f"{what}: {msg.strip()}")
            nf = _lib.PQnfields(res)
            return [[_lib.PQgetvalue(res, r, c).decode() for c in range(nf)] for r in range(_lib.PQntuples(res))]
        finally:
            _lib.PQclear(res)

    def execute(self, sql):
        """Runs a parameterless statement (simple query protocol)."""
        return self._rows(_lib.PQexec(self._conn, sql.encode()), sql[:60])

    def prepare(self, name, sql):
        """Prepares `sql` ($1, $2... parameters, types inferred by the server)."""
        self._rows(_lib.PQprepare(self._conn, name.encode(), sql.encode(), 0, None), f"prepare {name}")

    def first_column(self, name, params, binary):
        """Executes prepared statement `name` with `params` (a tuple of bytes;
        binary[i] tells whether params[i] is in binary format) and returns
        the first column of every row (none for a command), as bytes."""
        n = len(params)
        values = (ctypes.c_char_p * n)(*params)
        lengths = (ctypes.c_int * n)(*(len(p) for p in params))
        formats = (ctypes.c_int * n)(*(1 if b else 0 for b in binary))
        res = _lib.PQexecPrepared(self._conn, name.encode(), n, values, lengths, formats, 0)
        try:
            if _lib.PQresultStatus(res) not in (_PGRES_TUPLES_OK, _PGRES_COMMAND_OK):
                raise PgError(f"execute {name}: {(_lib.PQresultErrorMessage(res) or b'').decode().strip()}")
            return [_lib.PQgetvalue(res, r, 0) for r in range(_lib.PQntuples(res))]
        finally:
            _lib.PQclear(res)
