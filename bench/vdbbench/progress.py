"""Watching a CREATE INDEX from the side.

While one connection builds an index, a thread with a second connection
polls pg_stat_progress_create_index for that backend and prints a progress
line, and samples the building backend's memory from /proc (the server runs
on this machine): the building backend's peak resident set (VmHWM, which
includes the shared buffers and shared memory it touches) and the peak of
the build's working memory: the private memory (RssAnon) of that backend
and its parallel workers plus the dynamic shared memory segments they map
(a parallel build keeps its shared state, e.g. pgvector's graph, there),
counted by the pages actually allocated. It also takes the building
backend's CPU time over the build, which load stretches far less than wall
time (a parallel build's workers not counted).
"""
import os
import threading

import psycopg2

from .load import progress


def read_proc_memory(pid):
    """(VmHWM, RssAnon) of a process in bytes, or (None, None) if unreadable."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "RssAnon"):
                    fields[key] = int(rest.split()[0]) * 1024
    except OSError:
        return None, None
    return fields.get("VmHWM"), fields.get("RssAnon")


def cpu_seconds(pid):
    """User + system CPU seconds of a local process, None if unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def read_dsm_bytes(pid):
    """Bytes allocated in the POSIX dynamic shared memory segments that
    process `pid` maps (/dev/shm/PostgreSQL.*), 0 if none or unreadable."""
    segments = set()
    try:
        with open(f"/proc/{pid}/maps") as f:
            for line in f:
                path = line.rstrip("\n").split(maxsplit=5)[-1]
                if path.startswith("/dev/shm/PostgreSQL."):
                    segments.add(path)
    except OSError:
        return 0
    total = 0
    for path in segments:
        try:
            total += os.stat(path).st_blocks * 512
        except OSError:
            pass
    return total


class BuildWatcher:
    """Context manager: `with BuildWatcher(dsn, pid, "hnsw") as w: build()`,
    then w.peak_hwm (the backend's VmHWM) and w.peak_work (the build's
    working memory, see above) hold the memory peaks, w.cpu_seconds the
    backend's CPU time in between (None when its /proc is unreadable)."""

    def __init__(self, dsn, pid, what, interval=0.5):
        self.dsn, self.pid, self.what, self.interval = dsn, pid, what, interval
        self.peak_hwm = self.peak_work = self.cpu_seconds = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._cpu_start = cpu_seconds(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample_memory()
        cpu = cpu_seconds(self.pid)
        if cpu is not None and self._cpu_start is not None:
            self.cpu_seconds = cpu - self._cpu_start
        progress(f"building {self.what}: done", end=True)

    def _sample_memory(self, workers=()):
        hwm, anon = read_proc_memory(self.pid)
        if hwm is not None:
            self.peak_hwm = max(self.peak_hwm or 0, hwm)
        if anon is not None:
            anon += sum(read_proc_memory(w)[1] or 0 for w in workers) + read_dsm_bytes(self.pid)
            self.peak_work = max(self.peak_work or 0, anon)

    def _run(self):
        conn = psycopg2.connect(self.dsn)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                while not self._stop.wait(self.interval):
                    cur.execute("SELECT pid FROM pg_stat_activity WHERE leader_pid = %s", (self.pid,))
                    self._sample_memory([r[0] for r in cur.fetchall()])
                    cur.execute("SELECT phase, tuples_done, tuples_total, blocks_done, blocks_total "
                                "FROM pg_stat_progress_create_index WHERE pid = %s", (self.pid,))
                    row = cur.fetchone()
                    if row:
                        progress(f"building {self.what}: {format_build_progress(*row)}")
        finally:
            conn.close()


def format_build_progress(phase, tuples_done, tuples_total, blocks_done, blocks_total):
    """One line from a pg_stat_progress_create_index row."""
    parts = [phase]
    if tuples_total:
        parts.append(f"tuples {tuples_done}/{tuples_total}")
    if blocks_total:
        parts.append(f"blocks {blocks_done}/{blocks_total}")
    return ", ".join(parts)
