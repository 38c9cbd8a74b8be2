# vector_db: the PGXS build (make, make install, make installcheck) and the
# entry points a new user runs on a fresh Debian 12 machine: `make demo` and
# `make test`. Both install their own dependencies first, so this file must
# parse before pg_config exists: the PGXS part is included only when it does.

EXTENSION  = vector_db
EXTVERSION = 0.2.0
PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

# The current version's install script is assembled from the SQL each module
# owns, in dependency order (types before the casts and opclasses that use
# them). Released versions' install scripts are frozen in sql/ as shipped,
# beside the upgrade scripts between released versions (sql/vector_db--A--B.sql).
# The upgrade from the last release is assembled too: a hand-written head
# (src/upgrade/) with the changes to the parts that release had, then the
# parts added since, whole. test/t/035_extension_upgrade.pl checks that an
# updated install equals a fresh one. When a version ships, its two scripts
# are frozen into sql/ and its new parts join the released ones.
SQL_PARTS_0_1_0 = \
	src/vector_db.sql \
	src/type/vector.sql \
	src/type/halfvec.sql \
	src/type/sparsevec.sql \
	src/type/bit.sql \
	src/type/casts.sql \
	src/index/index.sql \
	src/hnsw/hnsw.sql \
	src/ivf/ivf.sql
SQL_PARTS_NEW = \
	src/index/range.sql \
	src/index/filter.sql \
	src/worker/worker.sql \
	src/consistency/consistency.sql \
	src/history/history.sql \
	src/scaleout/scaleout.sql \
	src/hybrid/bm25.sql \
	src/hybrid/hybrid_search.sql \
	src/hybrid/group_search.sql
SQL_PARTS = $(SQL_PARTS_0_1_0) $(SQL_PARTS_NEW)
UPGRADE_HEAD = src/upgrade/0.1.0--$(EXTVERSION).sql

# pg_regress suites in sql/ + expected/; the install script is not one of them.
REGRESS = extension vector halfvec sparsevec bit casts errors hnsw hnsw_sparsevec ivfflat ivf index_search_path security index_check index_stats ttl ivf_compact ivf_rebalance hnsw_compact hnsw_pending ivf_pending parity range_search ivf_dims lazy_blas filter_hnsw filter_hnsw_plans filter_ivf filter_ivf_plans distance_cost hybrid group_search

# Debian's OpenBLAS "pthread" flavour starts its thread pool when the library
# is loaded, which would make a postmaster that preloads us multithreaded
# before it forks. The OpenMP flavour starts threads only inside a parallel
# region, i.e. only while FAISS trains inside a backend.
OPENBLAS_DIR = /usr/lib/x86_64-linux-gnu/openblas-openmp

PG_CPPFLAGS = -Isrc -DVDB_OPENBLAS_PATH='"$(OPENBLAS_DIR)/libopenblas.so.0"'
PG_CXXFLAGS = -std=c++17 -O3 -fno-math-errno -fopenmp -Wno-register
# The test build: fault points (src/pg/fault.h) and their vector_db.fault_*
# settings. scripts/run-tests.sh sets VDB_FAULT_INJECTION=1 for the copy it
# installs; a plain make / make install never has them.
ifeq ($(VDB_FAULT_INJECTION),1)
PG_CPPFLAGS += -DVDB_FAULT_INJECTION
endif

ifneq ($(PGXS),)
MODULE_big = $(EXTENSION)
SRCS       = $(sort $(shell find src -name '*.cpp'))
OBJS       = $(SRCS:.cpp=.o)
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql sql/$(EXTENSION)--0.1.0--$(EXTVERSION).sql
DATA       = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))
EXTRA_CLEAN = $(DATA_built)
# FAISS is linked statically and kept private (--exclude-libs): its symbols
# are not exported, so another library in the same backend that brings its
# own FAISS cannot interpose on ours, nor ours on it.
# OpenBLAS is not linked: src/core/threads/lazy_blas.cpp opens it the first
# time FAISS trains, so a backend that only searches never loads it.
SHLIB_LINK = /usr/lib/x86_64-linux-gnu/libfaiss.a -Wl,--exclude-libs,libfaiss.a -lgomp -lstdc++ -lm

# Debian's server is built --with-llvm, so PGXS would also compile every .cpp
# to bitcode with clang and none of our C++ flags. JIT inlining of our code
# is not worth that second toolchain.
override with_llvm = no
# Track header dependencies (-MMD): a changed page layout or struct in a
# header must rebuild every object that includes it.
override autodepend = yes
ifneq ($(words $(notdir $(SRCS))),$(words $(sort $(notdir $(SRCS)))))
$(error two sources under src/ share a file name, but PGXS keeps dependencies in .deps/NAME.Po)
endif

include $(PGXS)

# The compile flags of the objects in the tree, rewritten only when they
# change (e.g. between make test's fault-injection build and a plain make),
# so that a change rebuilds every object and nothing else does.
FLAGS_STAMP = .build/pgxs-flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CPPFLAGS) $(CXXFLAGS)' | cmp -s - $@ || echo '$(CPPFLAGS) $(CXXFLAGS)' > $@
$(OBJS): $(FLAGS_STAMP)
.PHONY: FORCE

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@
sql/$(EXTENSION)--0.1.0--$(EXTVERSION).sql: $(UPGRADE_HEAD) $(SQL_PARTS_NEW)
	cat $^ > $@

# make install, then vector_db once more under pgvector's extension name, so
# that CREATE EXTENSION vector works unchanged (docs/install.md): a control
# file vector.control for the same library and the install and upgrade
# scripts under the names it asks for. Refuses to overwrite a vector.control
# that is not ours (pgvector's): the two cannot share a server.
AS_VECTOR_MARK = installed by make install-as-vector of vector_db
AS_VECTOR_CONTROL = $(DESTDIR)$(datadir)/extension/vector.control
install-as-vector: all
	@! test -f '$(AS_VECTOR_CONTROL)' || grep -qF '$(AS_VECTOR_MARK)' '$(AS_VECTOR_CONTROL)' || \
		{ echo "$(AS_VECTOR_CONTROL) belongs to another extension (pgvector?): vector_db cannot be installed as vector beside it" >&2; exit 1; }
	$(MAKE) install
	sed '1s/.*/# vector_db, $(AS_VECTOR_MARK)/' $(EXTENSION).control > '$(AS_VECTOR_CONTROL)'
	for f in $(DATA_built) $(DATA); do \
		sed '/^.echo Use/s/ EXTENSION $(EXTENSION)\b/ EXTENSION vector/' $$f \
			> '$(DESTDIR)$(datadir)/extension/'$$(basename $$f | sed 's/^$(EXTENSION)--/vector--/'); \
	done
.PHONY: install-as-vector
else
all install installcheck install-as-vector:
	@echo "pg_config not found: run 'make deps' as root first (make test and make demo do it themselves)" >&2
	@exit 1
endif

.PHONY: deps test test-package unit demo demo-stop bench check-headers check-headers-tree deb

# The Debian package postgresql-15-vector-db (debian/: debhelper with
# pg_buildext, as Debian's own PostgreSQL extensions), built from a copy of
# the tree's source files under DEB_DIR, so that this tree's objects (and
# make test's fault-injection build) stay as they are. The package builds
# without fault points and runs no tests (nocheck: make test has them).
# Leaves DEB_DIR/postgresql-15-vector-db_$(EXTVERSION)_amd64.deb; docs/install.md.
DEB_DIR ?= .build/deb
deb: deps
	rm -rf '$(DEB_DIR)/src'
	mkdir -p '$(DEB_DIR)/src'
	git ls-files -z --cached --others --exclude-standard | \
		tar --null -T - --ignore-failed-read -cf - | tar -xf - -C '$(DEB_DIR)/src'
	cd '$(DEB_DIR)/src' && DEB_BUILD_OPTIONS="nocheck noddebs parallel=$$(nproc)" \
		dpkg-buildpackage --build=binary --no-sign
	@echo "deb: $(DEB_DIR)/postgresql-15-vector-db_$(EXTVERSION)_amd64.deb"

# Compiles every glue .cpp (src/ outside src/core) with -fsyntax-only against
# another PostgreSQL's server headers, to prove the PG_VERSION_NUM guards hold
# for versions not installed here. Nothing is linked or written.
#   make -k check-headers PG_INCLUDE=/tmp/pg17src/src/include
# PG_INCLUDE is an installed server include dir or a configured source tree's
# src/include after `make -C src/backend generated-headers`; it defaults to
# the installed server's. See docs/development.md.
PG_INCLUDE ?= $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)
GLUE_SRCS = $(sort $(shell find src -name '*.cpp' -not -path 'src/core/*'))
CHECK_HEADERS_TARGETS = $(addprefix check-headers/,$(GLUE_SRCS))
# The flags the real build uses (PGXS's CXXFLAGS include ours), minus its -I
# options so that no header of the installed server can be picked up.
CHECK_HEADERS_FLAGS = $(if $(PGXS),$(CXXFLAGS) $(filter-out -I%,$(CPPFLAGS)),$(PG_CXXFLAGS) -D_GNU_SOURCE) \
	$(PG_CPPFLAGS) -I$(PG_INCLUDE) -fsyntax-only
PG_INCLUDE_VERSION = $(shell sed -n 's/^\#define PG_VERSION_NUM //p' $(PG_INCLUDE)/pg_config.h 2>/dev/null)

check-headers: $(CHECK_HEADERS_TARGETS)
	@echo "check-headers: $(words $(GLUE_SRCS)) glue files compile against PG_VERSION_NUM $(PG_INCLUDE_VERSION) ($(PG_INCLUDE))"

$(CHECK_HEADERS_TARGETS): check-headers/%: check-headers-tree
	$(CXX) $(CHECK_HEADERS_FLAGS) $*

# A source tree without its generated headers fails on every file with the
# same missing include; say once what to run instead.
check-headers-tree:
	@test -f "$(PG_INCLUDE)/pg_config.h" || \
		{ echo "PG_INCLUDE=$(PG_INCLUDE) has no pg_config.h: give a server include dir or a configured source tree's src/include" >&2; exit 1; }
	@test -f "$(PG_INCLUDE)/utils/errcodes.h" -a -f "$(PG_INCLUDE)/utils/fmgroids.h" || \
		{ echo "PG_INCLUDE=$(PG_INCLUDE) lacks generated headers: run 'make -C src/backend generated-headers' in that source tree" >&2; exit 1; }

# Installs what is missing (Debian packages); a no-op when all are present.
deps:
	scripts/install-deps.sh

# Every suite (unit, regression, isolation, TAP, end-to-end) against a private
# copy of PostgreSQL; ends with one line "N passed, N failed, N skipped".
test: deps
	scripts/run-tests.sh

# The Debian package: built, installed into the system, searched, removed.
test-package: deps
	scripts/run-tests.sh package

# Unit tests and micro-benchmarks of the Postgres-free core, through CMake.
unit: deps
	scripts/run-tests.sh unit

demo: deps
	$(MAKE) all
	$(MAKE) install
	scripts/demo.sh start

demo-stop:
	scripts/demo.sh stop

# BENCH_ARGS: options of bench/bench.py, e.g. BENCH_ARGS=--build-spread.
# SCALE=1m: only the scaling section (100k, 300k and 1M generated rows,
# about 20 minutes with pgvector on 2 cores) instead of the default sweep.
bench: deps
	$(MAKE) all
	$(MAKE) install
	scripts/bench.sh $(if $(SCALE),--scale) $(BENCH_ARGS)

# Lists for scripts/run-tests.sh, which drives pg_regress itself.
print-%:
	@echo $($*)
