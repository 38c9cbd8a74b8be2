#!/usr/bin/env bash
# make install-as-vector (docs/install.md), in private copies of the
# PostgreSQL installation under WORKDIR, never over the system's files:
#   test/install/as_vector.sh WORKDIR
# - it refuses to overwrite a vector.control of another extension;
# - in a copy without pgvector, CREATE EXTENSION IF NOT EXISTS vector
#   installs vector_db, whose hnsw index searches, and whose TTL functions
#   find their settings table under that name, and whose grouping search
#   finds its operators;
# - DROP EXTENSION vector removes it.
# Prints TAP lines; scripts/run-tests.sh runs it as the suite as_vector.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/pg-cluster.sh
source test/install/tap.sh
work=$1
sharedir=$(pg_config --sharedir)
pkglibdir=$(pg_config --pkglibdir)
bindir=""
trap '[ -z "$bindir" ] || cluster_stop "$bindir" "$work/data"' EXIT

foreign=$work/foreign$sharedir/extension/vector.control
mkdir -p "$(dirname "$foreign")"
echo "comment = 'another extension named vector'" >"$foreign"
ok "install-as-vector refuses to overwrite another extension's vector.control" \
	bash -c "! make -s install-as-vector DESTDIR='$work/foreign' >/dev/null 2>&1"
is "$(cat "$foreign")" "comment = 'another extension named vector'" "and leaves it as it was"
ok "and installs nothing" test ! -e "$work/foreign$pkglibdir/vector_db.so"

# The copy stands for a server without pgvector: a system pgvector copied
# with it is removed from the copy.
bindir=$(tmp_install "$work/install") || { echo "not ok $((tap_n + 1)) - private installation"; exit 1; }
rm -f "$work/install$sharedir/extension/vector.control" "$work/install$sharedir"/extension/vector--*.sql \
	"$work/install$pkglibdir/vector.so"
ok "make install-as-vector into the private copy" make -s install-as-vector DESTDIR="$work/install"
ok "vector.control is installed" test -f "$work/install$sharedir/extension/vector.control"

export PGHOST=127.0.0.1 PGPORT=$(free_port) PGUSER=postgres PGDATABASE=postgres
cluster_start "$bindir" "$work/data" "$PGPORT" "jit = off" || exit 1
psql=$bindir/psql
check_hnsw_search vector

ttl=$($psql -X -At -v ON_ERROR_STOP=1 2>&1 <<-'SQL'
	CREATE TABLE events (id int, at timestamptz);
	INSERT INTO events VALUES (1, now() - interval '3 days'), (2, now() - interval '2 days'), (3, now());
	SELECT vector_db_set_ttl('events', 'at', interval '1 day');
	SELECT vector_db_expire('events');
	SELECT count(*) FROM events;
SQL
)
is "$(echo "$ttl" | tail -2 | paste -sd ' ')" "2 1" "TTL: vector_db_expire finds its settings under the name vector and deletes the 2 old rows"

# Grouping search looks up the extension's operators in its schema, whatever
# the extension is called. Groups id % 10: each group's nearest row, exactly.
grouped=$($psql -X -At -v ON_ERROR_STOP=1 2>&1 <<-'SQL'
	SELECT string_agg(group_value, ',' ORDER BY group_rank)
	FROM vector_db_group_search('items', 'embedding', '[0.5,0.5,0]'::vector, 'id', 3, 1, '<->', 'id');
SQL
)
exact=$($psql -X -At -v ON_ERROR_STOP=1 -c \
	"SELECT string_agg(id::text, ',' ORDER BY d) FROM (SELECT id, embedding <-> '[0.5,0.5,0]' d FROM items ORDER BY d LIMIT 3) s" 2>&1)
is "$grouped" "$exact" "vector_db_group_search finds the extension's distance operator under the name vector"

is "$($psql -X -At -c 'DROP EXTENSION vector CASCADE' -c "SELECT count(*) FROM pg_extension WHERE extname = 'vector'" 2>&1 | tail -1)" \
	"0" "DROP EXTENSION vector removes it"
echo "1..$tap_n"
