# Sourced by the install tests (test/install/*.sh): TAP output ("ok N - ...",
# "not ok N - ...") that scripts/run-tests.sh counts.
tap_n=0

# ok DESCRIPTION COMMAND...: passes when the command succeeds.
ok() {
	local description=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@"; then echo "ok $tap_n - $description"; else echo "not ok $tap_n - $description"; fi
}

# is GOT WANT DESCRIPTION: passes when the strings are equal.
is() {
	tap_n=$((tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $tap_n - $3"
	else
		echo "not ok $tap_n - $3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}

# The SQL both install tests run against an extension installed under the
# name given: an hnsw index over 200 vectors must be used, and must return
# the exact nearest neighbours. Needs PGHOST, PGPORT, PGUSER and the psql to
# run as $psql.
check_hnsw_search() {
	local ext=$1 sql
	is "$($psql -X -At -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS $ext" \
		-c "SELECT extversion FROM pg_extension WHERE extname = '$ext'" 2>&1)" "CREATE EXTENSION
0.2.0" "CREATE EXTENSION IF NOT EXISTS $ext installs version 0.2.0"
	$psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<-'SQL'
		CREATE TABLE items (id int PRIMARY KEY, embedding vector(3));
		INSERT INTO items SELECT i, ARRAY[sin(i), cos(i * 7), sin(i * 13)]::vector(3) FROM generate_series(1, 200) i;
		CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_l2_ops);
	SQL
	sql="SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding <-> '[0.5,0.5,0]' LIMIT 5) s"
	ok "$ext: the search uses the hnsw index" \
		bash -c "$psql -X -At -c \"SET enable_seqscan = off; EXPLAIN $sql\" | grep -q 'Index Scan using items_embedding_idx on items'"
	is "$($psql -X -At -c "SET enable_seqscan = off; $sql" 2>&1)" \
		"$($psql -X -At -c "SET enable_indexscan = off; $sql" 2>&1)" \
		"$ext: the index returns the exact 5 nearest neighbours"
}
