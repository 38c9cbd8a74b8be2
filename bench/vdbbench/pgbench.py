"""Running pgbench against an engine's database and reading its per-
transaction logs (`-l`): the insert-side measurements (vacuum_inserts.py,
ingest.py) share these."""
import glob
import os
import subprocess

import numpy as np


def libpq_args(dsn):
    """pgbench's -h/-p/-U/dbname from a key=value libpq string."""
    kv = dict(part.split("=", 1) for part in dsn.split())
    out = []
    for key, flag in (("host", "-h"), ("port", "-p"), ("user", "-U")):
        if key in kv:
            out += [flag, kv[key]]
    return out + [kv["dbname"]]


def run(dsn, script, clients, seconds, prefix, work):
    """`clients` pgbench clients running `script` for `seconds`, every
    transaction logged under `prefix` (files prefix.PID[.N]) in `work`."""
    subprocess.run(["pgbench", "-n", "-c", str(clients), "-j", str(clients), "-T", str(seconds),
                    "-f", script, "-l", "--log-prefix", prefix] + libpq_args(dsn),
                   cwd=work, check=True, capture_output=True)


def read_logs(prefix, since=0.0, until=float("inf")):
    """Latencies (ms) of the logged transactions that ended in [since, until]."""
    out = []
    for path in glob.glob(prefix + ".*"):
        with open(path) as f:
            for line in f:
                fields = line.split()
                # client_id transaction_no time script_no time_epoch time_us
                ended = int(fields[4]) + int(fields[5]) / 1e6
                if since <= ended <= until:
                    out.append(int(fields[2]) / 1000.0)
    return np.array(out)


def load_average():
    """The machine's 1-minute load average: the harness notes it beside
    measurements taken on a shared machine."""
    return os.getloadavg()[0]
