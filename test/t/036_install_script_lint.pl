# The installed extension scripts (install and upgrade) are search_path-safe:
# nothing is SECURITY DEFINER, nothing is CREATE OR REPLACE or IF NOT EXISTS
# (PostgreSQL's advice for extension scripts), and the body of every SQL or PL/pgSQL
# function names what it calls, the operators it applies and the types it
# casts to with a schema (pg_catalog. or @extschema@.), because such a body
# runs under the caller's search_path, where another role's objects may
# shadow them. (C functions and the CREATE statements themselves are safe:
# CREATE EXTENSION runs the script with pg_catalog first and resolves every
# name once.) The lint is first shown to catch each kind of mistake.
use strict;
use warnings;
use Test::More;

# SQL words that are followed by "(" but are syntax, not function calls.
my %syntax = map { $_ => 1 } qw(
  all and any array as between by case cast coalesce distinct else end exists filter from greatest
  if in into is join lateral least like not nullif on or over return returning row select some then
  using values when where while with within);

# Findings for one script: "SECURITY DEFINER", and "NAME: unqualified ..."
# for each unqualified reference in a SQL or PL/pgSQL function body.
sub lint_script {
	my ($text) = @_;
	# Bodies aside first (dollar-quoted, or BEGIN ATOMIC up to the END that
	# ends the statement), so that their semicolons do not end it.
	my @quoted;
	$text =~ s/(\$(\w*)\$.*?\$\2\$|\bBEGIN\s+ATOMIC\b.*?\bEND\s*(?=;|\z))/push(@quoted, $1); "\0$#quoted\0"/gsei;
	$text =~ s/--[^\n]*//g;
	my @findings;
	push @findings, 'SECURITY DEFINER' if $text =~ /\bSECURITY\s+DEFINER\b/i;
	# Either would adopt an object another role created first, in a schema
	# it can write to, instead of failing.
	push @findings, 'CREATE OR REPLACE' if $text =~ /\bCREATE\s+OR\s+REPLACE\b/i;
	push @findings, 'IF NOT EXISTS' if $text =~ /\bIF\s+NOT\s+EXISTS\b/i;
	for my $statement (split /;/, $text) {
		next unless $statement =~ /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+([\w.\@"]+)/i;
		my $name = $1;
		next unless $statement =~ /\bLANGUAGE\s+'?(sql|plpgsql)\b/i;
		my $body;
		if ($statement =~ /\0(\d+)\0/) {
			$body = $quoted[$1] =~ s/^\$(\w*)\$(.*)\$\1\$$/$2/sr =~ s/^BEGIN\s+ATOMIC\b(.*)\bEND\s*$/$1/sir;
		} elsif ($statement =~ /\bAS\s+'((?:[^']|'')*)'/i) {
			$body = $1 =~ s/''/'/gr;
		} else {
			next;
		}
		push @findings, map { "$name: $_" } lint_body($body);
	}
	return @findings;
}

sub lint_body {
	my ($body) = @_;
	my @findings;
	$body =~ s/'(?:[^']|'')*'/''/g;                                  # string literals
	$body =~ s/"[^"]*"/x/g;                                           # quoted identifiers
	$body =~ s/\bOPERATOR\s*\(\s*(?:pg_catalog|\@extschema\@)\s*\.\s*[^)\s]+\s*\)/ /gi;
	$body =~ s/\@extschema\@\s*\./x./g;
	$body =~ s/:=/ /g;                                                # PL/pgSQL assignment
	$body =~ s/(\bselect|[(,.])\s*\*/$1/gi;                            # SELECT *, count(*)
	while ($body =~ /::\s*([A-Za-z_]\w*)\b(?!\s*\.)/g) {
		push @findings, "unqualified type $1";
	}
	$body =~ s/::\s*\w+\s*\.\s*\w+/ /g;
	while ($body =~ /(?<![\w.])([A-Za-z_]\w*)\s*\(/g) {
		push @findings, "unqualified call $1" unless $syntax{ lc $1 };
	}
	while ($body =~ m{([-+*/<>=~!\@#%^&|`?]+)}g) {
		push @findings, "unqualified operator $1";
	}
	return @findings;
}

# The lint itself: a safe body passes, each mistake is found.
my $safe = q{CREATE FUNCTION f(a vector, b vector) RETURNS float8 LANGUAGE sql IMMUTABLE
	AS $$ SELECT pg_catalog.sqrt(@extschema@.l2_distance(a, b) OPERATOR(pg_catalog.*) 2::pg_catalog.float8)
	WHERE a OPERATOR(@extschema@.<>) b $$;};
is_deeply([ lint_script($safe) ], [], 'the lint accepts a fully qualified body');
my %unsafe = (
	q{CREATE FUNCTION f() RETURNS int LANGUAGE c SECURITY DEFINER AS 'MODULE_PATHNAME'}
	  => 'SECURITY DEFINER',
	q{CREATE FUNCTION f(a vector) RETURNS int LANGUAGE sql AS $$ SELECT pg_catalog.abs(vector_dims(a)) $$}
	  => 'f: unqualified call vector_dims',
	q{CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT pg_catalog.abs(a) + 1'}
	  => 'f: unqualified operator +',
	q{CREATE FUNCTION s.f(a text) RETURNS vector LANGUAGE sql BEGIN ATOMIC SELECT a::vector; END}
	  => 's.f: unqualified type vector',
	q{CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE c AS 'MODULE_PATHNAME'}
	  => 'CREATE OR REPLACE',
	q{CREATE SCHEMA IF NOT EXISTS s}
	  => 'IF NOT EXISTS',
	q{CREATE FUNCTION f(a int) RETURNS int LANGUAGE plpgsql AS $x$ BEGIN RETURN pg_catalog.abs(a) % 2; END $x$}
	  => 'f: unqualified operator %',
);
for my $script (sort keys %unsafe) {
	ok(scalar(grep { $_ eq $unsafe{$script} } lint_script("$script;")), "the lint finds: $unsafe{$script}");
}

# The scripts PostgreSQL installs for CREATE and ALTER EXTENSION.
my $dir = `pg_config --sharedir`;
chomp $dir;
my @scripts = glob("$dir/extension/vector_db--*.sql");
open(my $control, '<', "$dir/extension/vector_db.control") or die "vector_db.control: $!";
my ($default_version) = do { local $/; <$control> } =~ /default_version\s*=\s*'([^']+)'/;
ok(scalar(grep { m{/vector_db--\Q$default_version\E\.sql$} } @scripts), "the install script of $default_version is there");
ok(scalar(grep { m{/vector_db--[^/]*--[^/]*\.sql$} } @scripts), 'upgrade scripts are there');
for my $script (@scripts) {
	open(my $fh, '<', $script) or die "$script: $!";
	my $text = do { local $/; <$fh> };
	close($fh);
	like($text, qr/\bCREATE\b|\bREVOKE\b|\bALTER\b/, "$script has statements");
	is_deeply([ lint_script($text) ], [], "$script is search_path-safe");
}

done_testing();
