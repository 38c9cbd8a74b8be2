# Upgrades. (1) CREATE EXTENSION vector_db VERSION '0.1.0' followed by ALTER
# EXTENSION vector_db UPDATE gives the same catalog objects, definitions and
# privileges as a fresh install of the current version: a change to the
# install script's parts that the upgrade script does not repeat fails here.
# Indexes built under 0.1.0 keep working after the update. (2) An index whose
# metapage carries an older on-disk format version is refused, by every
# access method, with a HINT to REINDEX, and works again after REINDEX.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
init_for_page_edits($node);
$node->start;

my $default_version = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'vector_db'});
isnt($default_version, '0.1.0', 'the current version is newer than the first release');
is($node->safe_psql('postgres', q{
SELECT string_agg(v.version, ' ') FROM pg_available_extension_versions v
JOIN pg_available_extensions e ON e.name = v.name
WHERE v.name = 'vector_db' AND v.version <> e.default_version
  AND NOT EXISTS (SELECT FROM pg_extension_update_paths('vector_db') p
                  WHERE p.source = v.version AND p.target = e.default_version AND p.path IS NOT NULL)}),
	'', 'every released version has an update path to the current one');

# Everything the extension owns, one line per fact, with no OIDs (they differ
# between databases): its member objects (with comments), function
# definitions and privileges, aggregates, operators, types, casts, operator
# classes and their families' members.
my $catalog = q{
WITH ext AS (
	SELECT classid, objid FROM pg_depend
	WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
	  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vector_db')),
member(class, oid) AS (SELECT classid::regclass::text, objid FROM ext)
SELECT line FROM (
SELECT 'object ' || pg_describe_object(classid, objid, 0)
	|| coalesce(' comment ' || obj_description(objid, classid::regclass::text), '') FROM ext
UNION ALL
SELECT 'function ' || p.oid::regprocedure || ' acl ' || coalesce(p.proacl::text, 'default') || ' '
	|| CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE replace(pg_get_functiondef(p.oid), E'\n', ' ') END
FROM pg_proc p JOIN member m ON m.class = 'pg_proc' AND m.oid = p.oid
UNION ALL
SELECT 'aggregate ' || a.aggfnoid::regprocedure || ' ' || concat_ws(' ', a.aggtransfn, a.aggfinalfn,
	a.aggcombinefn, a.aggtranstype::regtype, a.agginitval, p.proparallel)
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN member m ON m.class = 'pg_proc' AND m.oid = p.oid
UNION ALL
SELECT 'operator ' || o.oid::regoperator || ' ' || concat_ws(' ', o.oprcode, o.oprrest, o.oprjoin,
	o.oprcom::regoperator, o.oprnegate::regoperator, o.oprcanmerge, o.oprcanhash)
FROM pg_operator o JOIN member m ON m.class = 'pg_operator' AND m.oid = o.oid
UNION ALL
SELECT 'type ' || t.oid::regtype || ' ' || concat_ws(' ', t.typinput, t.typoutput, t.typreceive, t.typsend,
	t.typmodin, t.typmodout, t.typlen, t.typstorage, t.typalign, coalesce(t.typacl::text, 'default'))
FROM pg_type t JOIN member m ON m.class = 'pg_type' AND m.oid = t.oid
UNION ALL
SELECT 'cast ' || concat_ws(' ', c.castsource::regtype, c.casttarget::regtype, c.castfunc::regprocedure,
	c.castcontext, c.castmethod)
FROM pg_cast c JOIN member m ON m.class = 'pg_cast' AND m.oid = c.oid
UNION ALL
SELECT 'opclass ' || pg_describe_object('pg_opclass'::regclass, c.oid, 0) || ' '
	|| concat_ws(' ', c.opcdefault, c.opckeytype::regtype)
FROM pg_opclass c JOIN member m ON m.class = 'pg_opclass' AND m.oid = c.oid
UNION ALL
SELECT 'member ' || pg_describe_object('pg_amop'::regclass, o.oid, 0) || ' '
	|| concat_ws(' ', o.amoppurpose, pg_describe_object('pg_opfamily'::regclass, o.amopsortfamily, 0))
FROM pg_amop o JOIN member m ON m.class = 'pg_opfamily' AND m.oid = o.amopfamily
UNION ALL
SELECT 'member ' || pg_describe_object('pg_amproc'::regclass, p.oid, 0)
FROM pg_amproc p JOIN member m ON m.class = 'pg_opfamily' AND m.oid = p.amprocfamily
UNION ALL
SELECT 'access method ' || concat_ws(' ', a.amname, a.amhandler, a.amtype)
FROM pg_am a JOIN member m ON m.class = 'pg_am' AND m.oid = a.oid
) facts(line) ORDER BY line COLLATE "C"};

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('postgres', 'CREATE DATABASE updated');
$node->safe_psql('fresh', 'CREATE EXTENSION vector_db');
$node->safe_psql('updated', q{CREATE EXTENSION vector_db VERSION '0.1.0'});

# Indexes built under 0.1.0, and what they answer before the update.
$node->safe_psql('updated', 'CREATE TABLE items (id int, v vector(8))');
fill_random($node, 'updated', 'items (id, v)', 'vector', 8, 1, 1000);
$node->safe_psql('updated', q{
CREATE INDEX items_hnsw ON items USING hnsw (v vector_l2_ops);
CREATE INDEX items_flat ON items USING ivfflat (v vector_cosine_ops) WITH (lists = 4);
CREATE INDEX items_ivf ON items USING ivf (v vector_ip_ops) WITH (lists = 4, quantizer = 'sq8');
});
my %queries = (
	hnsw    => q{SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY v <-> '[0,0,0,0,0,0,0,0.1]' LIMIT 5) s},
	ivfflat => q{SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY v <=> '[1,0,0,0,0,0,0,0]' LIMIT 5) s},
	ivf     => q{SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY v <#> '[0,1,0,0,0,0,0,0]' LIMIT 5) s},
);
my $by_index = 'SET enable_seqscan = off; SET ivfflat.probes = 4; SET ivf.probes = 4; ';
my %before = map { $_ => $node->safe_psql('updated', $by_index . $queries{$_}) } keys %queries;

$node->safe_psql('updated', 'ALTER EXTENSION vector_db UPDATE');
is($node->safe_psql('updated', q{SELECT extversion FROM pg_extension WHERE extname = 'vector_db'}),
	$default_version, 'ALTER EXTENSION vector_db UPDATE reaches the current version');

my @fresh = split /\n/, $node->safe_psql('fresh', $catalog);
my @updated = split /\n/, $node->safe_psql('updated', $catalog);
ok(scalar(grep { $_ eq 'object access method hnsw comment hnsw index access method' } @fresh),
	'the catalog listing sees the extension\'s objects');
ok(scalar(grep { /^function vector_db_index_check\(regclass,boolean\) acl / } @fresh),
	'the catalog listing sees function privileges');
my %in_fresh = map { $_ => 1 } @fresh;
my %in_updated = map { $_ => 1 } @updated;
is_deeply([ grep { !$in_updated{$_} } @fresh ], [], 'an updated install lacks nothing a fresh install has');
is_deeply([ grep { !$in_fresh{$_} } @updated ], [], 'an updated install has nothing a fresh install lacks');
is(scalar(@updated), scalar(@fresh), 'both installs list as many facts');

for my $am (sort keys %queries) {
	is($node->safe_psql('updated', $by_index . $queries{$am}), $before{$am},
		"$am index built under 0.1.0 answers as before the update");
}
is($node->safe_psql('updated', 'SELECT count(vector_db_index_check(indexrelid, true)) FROM pg_index '
	  . q{WHERE indrelid = 'items'::regclass}), '3', 'indexes built under 0.1.0 pass the index check');

my %magic = (hnsw => 0x56444248, ivfflat => 0x56494631, ivf => 0x56494631);
my %file = map { $_ => $node->data_dir . '/'
	  . $node->safe_psql('updated', "SELECT pg_relation_filepath('items_" . ($_ eq 'ivfflat' ? 'flat' : $_) . "')") }
  keys %queries;

# hnsw reads its format 3 too: the metapage as it was before the geometry
# gained the filter directory's two words (at contents offset 52, after
# the header, the index's parameters and the geometry's first 8 words; 0
# without filter columns). With the server stopped, the hnsw metapage is
# rewritten in that layout; the index answers as before, passes the check,
# and its next metapage write (an insert) stores format 5.
sub hnsw_format {
	open(my $fh, '<', $file{hnsw}) or die "open $file{hnsw}: $!";
	binmode $fh;
	seek($fh, 28, 0) and read($fh, my $word, 4) == 4 or die "read $file{hnsw}: $!";
	close($fh);
	return unpack('V', $word);
}
$node->stop;
is(hnsw_format(), 5, 'hnsw indexes are made in format 5');
{
	open(my $fh, '+<', $file{hnsw}) or die "open $file{hnsw}: $!";
	binmode $fh;
	seek($fh, 24, 0) and read($fh, my $contents, 104) == 104 or die "read $file{hnsw}: $!";
	is(unpack('H*', substr($contents, 52, 8)), '00' x 8, 'an index without filter columns has no directory');
	my $v3 = substr($contents, 0, 52) . substr($contents, 60) . ("\0" x 8);
	substr($v3, 4, 4) = pack('V', 3);
	seek($fh, 24, 0) and print $fh $v3 or die "write $file{hnsw}: $!";
	close($fh) or die "close $file{hnsw}: $!";
}
$node->start;
is($node->safe_psql('updated', $by_index . $queries{hnsw}), $before{hnsw}, 'an hnsw index of format 3 answers as before');
is($node->safe_psql('updated', q{SELECT vector_db_index_check('items_hnsw', true)}), '',
	'an hnsw index of format 3 passes the index check');
$node->safe_psql('updated', q{INSERT INTO items VALUES (1001, '[9,9,9,9,9,9,9,9]')});
is($node->safe_psql('updated', q{SELECT id FROM items ORDER BY v <-> '[9,9,9,9,9,9,9,9]' LIMIT 1}), '1001',
	'an insert into it is found');
$node->safe_psql('updated', 'DELETE FROM items WHERE id = 1001; CHECKPOINT');

# An older on-disk format: with the server stopped, each index's metapage
# gets the version before the oldest it reads (the header is magic,
# version, at the start of block 0's contents, after the 24-byte page
# header).
$node->stop;
is(hnsw_format(), 5, 'the insert wrote the hnsw metapage in format 5');
my %oldest = (hnsw => 3);
my %version;
for my $am (sort keys %file) {
	open(my $fh, '+<', $file{$am}) or die "open $file{$am}: $!";
	binmode $fh;
	seek($fh, 24, 0) and read($fh, my $header, 8) == 8 or die "read $file{$am}: $!";
	my ($magic, $version) = unpack('VV', $header);
	is($magic, $magic{$am}, "$am metapage header found");
	$version{$am} = $version;
	seek($fh, 28, 0) and print $fh pack('V', ($oldest{$am} // $version) - 1) or die "write $file{$am}: $!";
	close($fh) or die "close $file{$am}: $!";
}
$node->start;

for my $am (sort keys %queries) {
	my ($ret, $out, $err) = $node->psql('updated', $by_index . $queries{$am});
	isnt($ret, 0, "$am index of an older format is refused");
	my $refused = ($oldest{$am} // $version{$am}) - 1;
	like($err, qr/has format version \Q$refused\E, expected \Q$version{$am}\E/,
		"$am: the error names both format versions");
	like($err, qr/HINT:\s+REINDEX the index\./, "$am: the error hints to REINDEX");
}
my ($ret, $out, $err) = $node->psql('updated', q{INSERT INTO items VALUES (0, '[1,1,1,1,1,1,1,1]')});
like($err, qr/HINT:\s+REINDEX the index\./, 'an insert into an index of an older format is refused with the hint');

$node->safe_psql('updated', 'REINDEX TABLE items');
for my $am (sort keys %queries) {
	is($node->safe_psql('updated', $by_index . $queries{$am}), $before{$am}, "$am index answers after REINDEX");
}
$node->safe_psql('updated', q{INSERT INTO items VALUES (0, '[1,1,1,1,1,1,1,1]')});
is($node->safe_psql('updated', 'SELECT count(vector_db_index_check(indexrelid, true)) FROM pg_index '
	  . q{WHERE indrelid = 'items'::regclass}), '3', 'reindexed indexes pass the index check');

$node->stop;
done_testing();
