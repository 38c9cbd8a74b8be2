#!/usr/bin/env python3
"""Lint for the C++/Postgres boundary in the glue (src/ outside src/core).

ereport(ERROR) is a longjmp: it must never jump over a live C++ object with a
non-trivial destructor (the destructor never runs: undefined behaviour and a
leak outside every memory context). The compiler knows which objects those
are, so the check runs clang-query (AST matchers) over every glue file and
reports each call that can raise a Postgres ERROR made while such an object
is alive:

  * a local variable (not a parameter, not a reference) whose class has a
    user-provided destructor, directly, through a base, or through a field
    up to two levels deep (std::vector, std::string, std::unique_ptr,
    std::function, and structs holding them), declared earlier in a block
    that encloses the call;
  * a temporary of such a class in the same full expression as the call
    (e.g. errmsg("%s", name().c_str())).

"Can raise" means: a function declared in a PostgreSQL server header (that
covers errfinish behind ereport/elog, ProcessInterrupts behind
CHECK_FOR_INTERRUPTS, palloc, ReadBuffer, ...) or in a glue file or header
(ours: RunCpp, VdbNewBuffer, ...), unless it is in NEVER_RAISES below. Calls
into std::, libc and src/core are not Postgres calls.

The fix is to scope the C++ objects so that they end before the call: keep
them inside a RunCpp lambda (pg/cpp_boundary.h) or a BuildMemory-like struct
freed by a memory-context callback, copy results out into plain or palloc'd
memory, and raise after the scope.

  scripts/lint-boundary.py              every glue file; exit 1 on a finding
  scripts/lint-boundary.py FILE...      chosen files
  scripts/lint-boundary.py --self-test  the seeded samples in test/lint/
"""
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Postgres or glue functions that cannot raise an ERROR, checked by reading
# them (page arithmetic, copies): where each is declared, and its name.
NEVER_RAISES = [
    ("port.h", "strlcpy"),
    ("src/hnsw/hnsw_pages.h", "HnswPageRecord"),
    ("src/hnsw/hnsw_pages.h", "HnswPageUpper"),
    ("src/hnsw/hnsw_build.cpp", "WriteElement"),
    ("src/hnsw/hnsw.h", "HnswSparseFillPool"),
    ("src/ivf/ivf_build.cpp", "Take"),
]

# Where glue and core code live; the self-test's samples in test/lint/
# mirror that layout (test/lint/core/ is core, the rest glue).
GLUE = "(^|/)(src|test/lint)/"
CORE = "(^|/)(src|test/lint)/core/"

MATCHERS = r"""
set output diag
set bind-root false
let dtor cxxDestructorDecl(isUserProvided())
let nt0 cxxRecordDecl(anyOf(hasMethod(dtor), isDerivedFrom(cxxRecordDecl(hasMethod(dtor)))))
let nt1 cxxRecordDecl(anyOf(nt0, has(fieldDecl(hasType(hasUnqualifiedDesugaredType(recordType(hasDeclaration(nt0))))))))
let nt2 cxxRecordDecl(anyOf(nt1, has(fieldDecl(hasType(hasUnqualifiedDesugaredType(recordType(hasDeclaration(nt1))))))))
let ntlocal varDecl(hasLocalStorage(), unless(parmVarDecl()), hasType(hasUnqualifiedDesugaredType(recordType(hasDeclaration(nt2)))))
let raises functionDecl(anyOf(isExpansionInFileMatching("PGINCLUDE"), allOf(isExpansionInFileMatching("GLUE"), unless(isExpansionInFileMatching("CORE")))), unless(isImplicit()), unless(anyOf(NEVER)))
match varDecl(ntlocal, anyOf(isExpansionInMainFile(), isExpansionInFileMatching("CORE")), hasParent(declStmt(hasParent(compoundStmt(forEachDescendant(callExpr(anyOf(isExpansionInMainFile(), isExpansionInFileMatching("CORE")), callee(raises)).bind("call"))))))).bind("local")
match callExpr(isExpansionInMainFile(), callee(raises), forFunction(functionDecl().bind("fn")), hasAncestor(exprWithCleanups(forFunction(equalsBoundNode("fn")), hasDescendant(cxxBindTemporaryExpr(forFunction(equalsBoundNode("fn"))).bind("temporary"))))).bind("call")
"""

WHY = {
    "local": "while the C++ local declared",
    "temporary": "while the C++ temporary made",
}
NOTE = re.compile(r'^(.*?):(\d+):(\d+): note: "(call|local|temporary|fn)" binds here')


def pg_include():
    return subprocess.run(["pg_config", "--includedir-server"], capture_output=True, text=True,
                          check=True).stdout.strip()


def glue_files():
    out = []
    for top, dirs, files in os.walk(os.path.join(ROOT, "src")):
        dirs[:] = sorted(d for d in dirs if os.path.join(top, d) != os.path.join(ROOT, "src", "core"))
        out += [os.path.join(top, f) for f in sorted(files) if f.endswith(".cpp")]
    return out


def findings(path, include):
    """(file, line, text) of every call that can raise while a C++ object is alive:
    in the glue file, or in a core template it instantiates (an accessor that
    reads pages, called from graph search)."""
    script = MATCHERS.replace("CORE", CORE).replace("GLUE", GLUE).replace(
        "PGINCLUDE", re.escape(include.rstrip("/") + "/")).replace(
        "NEVER", ", ".join('functionDecl(hasName("%s"), isExpansionInFileMatching("(^|/)%s$"))' % (
            name, re.escape(where)) for where, name in NEVER_RAISES))
    with tempfile.NamedTemporaryFile("w", suffix=".query") as query:
        query.write(script)
        query.flush()
        run = subprocess.run(
            ["clang-query", "-f", query.name, path, "--", "-xc++", "-std=c++17", "-D_GNU_SOURCE",
             "-I" + os.path.join(ROOT, "src"), "-I" + include, "-Wno-register", "-Wno-ignored-attributes"],
            capture_output=True, text=True)
    errors = [l for l in (run.stdout + run.stderr).splitlines() if ": error:" in l]
    if errors or run.returncode != 0:
        raise RuntimeError("clang-query could not parse %s:\n%s" % (path, "\n".join(errors[:10])))
    # Each match prints its bindings, the call first; pair them up.
    found, call = set(), None
    for line in run.stdout.splitlines():
        m = NOTE.match(line)
        if not m:
            continue
        where, kind = (m.group(1), int(m.group(2))), m.group(4)
        if kind == "fn":
            continue
        if kind == "call":
            call = where
        elif call is not None and where[0] == call[0] and (kind != "local" or where[1] < call[1]):
            found.add((call[0], call[1], kind, where[1]))
            call = None
    sources = {f: open(f).read().splitlines() for f in {f for f, _, _, _ in found}}
    return sorted((f, line, "%s on line %d: %s" % (WHY[kind], at, sources[f][line - 1].strip()))
                  for f, line, kind, at in found)


def lint(paths, include):
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda p: findings(p, include), paths))
    bad = 0
    for path, found in zip(paths, results):
        name = os.path.relpath(path, ROOT)
        for where, line, text in found:
            print("%s:%d: call that can raise an ERROR %s%s" % (
                os.path.relpath(where, ROOT), line, text,
                "" if where == path else " (instantiated from %s)" % name))
        if found:
            bad += 1
    print("lint-boundary: %d files checked, %d with findings" % (len(paths), bad))
    return bad


def self_test(include):
    """Each sample marks the lines it expects reported with `// expect: lint`,
    and so do the core headers it includes (test/lint/core/)."""
    failed = 0
    samples = os.path.join(ROOT, "test", "lint")
    for name in sorted(f for f in os.listdir(samples) if f.endswith(".cpp")):
        path = os.path.join(samples, name)
        text = open(path).read()
        files = [path] + [os.path.join(samples, h) for h in re.findall(r'#include "(core/[^"]+)"', text)]
        expected = {(os.path.relpath(f, samples), i + 1)
                    for f in files for i, l in enumerate(open(f)) if "// expect: lint" in l}
        got = {(os.path.relpath(where, samples), line) for where, line, _ in findings(path, include)}
        ok = got == expected
        failed += not ok
        print("%s self-test %s: expected %s, reported %s" % (
            "ok" if ok else "FAILED", name, show(expected), show(got)))
    return failed


def show(places):
    return "[" + ", ".join("%s:%d" % p for p in sorted(places)) + "]"


def main():
    include = pg_include()
    if sys.argv[1:] == ["--self-test"]:
        return 1 if self_test(include) else 0
    paths = [os.path.abspath(p) for p in sys.argv[1:]] or glue_files()
    return 1 if lint(paths, include) else 0


if __name__ == "__main__":
    sys.exit(main())
