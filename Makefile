# dtree — build, test and tooling.  `make help` lists the targets; HACKING.md maps the modules.
#
#   libdtree (engine/*.c) = core + load + walk + author + record    (each group named below)
#   dtree    (cli/*.c)    = the command-line program, a client of engine/dtree.h
#   tests    (tests/unit/test_*.c cmocka programs, tests/e2e/*.sh suites, run by tests/run.sh)
#
# `make RECORD=no` builds libdtree without the recorder, so without SQLite and libpq (into
# build-norec/): the library, its pkg-config file (neither in it) and the unit tests that do not
# record.

CC      ?= cc
RECORD  ?= yes
ifeq ($(RECORD),no)
B       ?= build-norec
else
B       ?= build
endif
PREFIX  ?= /usr/local
WERROR  ?= -Werror
SAN_CFLAGS ?=
VERSION := 0.1.0

WARN = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wwrite-strings -Wformat=2 -Wvla -Wundef $(WERROR)

# ---- dependencies, found with pkg-config ----
ENGINE_PKGS := libxml-2.0 libpcre2-8 $(if $(filter no,$(RECORD)),,sqlite3 libpq)
BUILD_PKGS  := $(ENGINE_PKGS) jansson libmicrohttpd libsodium cmocka
XML_CFLAGS  := $(shell pkg-config --cflags $(ENGINE_PKGS) 2>/dev/null)
XML_LIBS    := $(shell pkg-config --libs $(ENGINE_PKGS) 2>/dev/null)
CLI_LIBS    := -lreadline $(shell pkg-config --libs jansson libmicrohttpd libsodium 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
# What is missing, so that a fresh machine gets a hint instead of "libxml/tree.h: No such file".
MISSING_PKGS := $(shell command -v pkg-config >/dev/null 2>&1 || echo pkg-config; \
    for p in $(BUILD_PKGS); do pkg-config --exists $$p 2>/dev/null || echo $$p; done; \
    [ -f /usr/include/readline/readline.h ] || echo readline)

CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) $(SAN_CFLAGS) \
             -fvisibility=hidden -fPIC -pthread -Iengine $(XML_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SAN_CFLAGS) -pthread

# ---- libdtree, by module (every engine/*.c is in exactly one group: core takes the rest) ----
RECORD_SRC := $(sort $(wildcard engine/record*.c))   # recordings (SQLite, PostgreSQL), queries, resume
LOAD_SRC   := $(sort $(wildcard engine/load*.c engine/xmlin*.c))  # file -> reader -> SAX -> model
WALK_SRC   := $(sort $(wildcard engine/session*.c))               # sessions: walk, undo, views
AUTHOR_SRC := $(sort $(wildcard engine/check*.c engine/graph.c engine/coverage.c \
                                engine/explore.c engine/scenario*.c))  # check, graph, test, explore
CORE_SRC   := $(sort $(filter-out $(RECORD_SRC) $(LOAD_SRC) $(WALK_SRC) $(AUTHOR_SRC), \
                                  $(wildcard engine/*.c)))         # model, strings, values, conditions
ENGINE_SRC := $(CORE_SRC) $(LOAD_SRC) $(WALK_SRC) $(AUTHOR_SRC) \
              $(if $(filter no,$(RECORD)),,$(RECORD_SRC))

CLI_SRC      := $(sort $(wildcard cli/*.c))
TEST_SRC     := $(sort $(wildcard tests/unit/test_*.c))
ifeq ($(RECORD),no)
TEST_SRC     := $(filter-out $(shell grep -l 'dt_rec_\|dt_recorder_' $(TEST_SRC)),$(TEST_SRC))
endif
TEST_SUPPORT := $(sort $(wildcard tests/unit/support_*.c))

ENGINE_OBJ  := $(ENGINE_SRC:%.c=$(B)/%.o)
CLI_OBJ     := $(CLI_SRC:%.c=$(B)/%.o)
TEST_BIN    := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(B)/%.o)
PROGRAMS    := $(if $(filter no,$(RECORD)),,$(B)/dtree)

.PHONY: all deps need-deps check test examples sanitize valgrind coverage demo bench lint \
        format format-check install uninstall clean help fuzz
all: $(B)/libdtree.a $(B)/libdtree.so $(B)/libdtree.pc $(PROGRAMS) $(TEST_BIN)

help:
	@echo "Build and test (the first three install missing Debian packages first):"
	@echo "  make deps         install the Debian packages needed to build and test (scripts/deps.sh)"
	@echo "  make check        build, run every test (unit + end-to-end) and build examples/"
	@echo "  make demo         build and run the bundled front-door tree, recording into"
	@echo "                    a throw-away database ($(B)/demo.db)"
	@echo "  make, make all    build libdtree (static, shared, .pc), the dtree CLI and the tests"
	@echo "  make test         run every test without installing packages first"
	@echo "  make examples     build examples/ against this build"
	@echo "  make RECORD=no    libdtree without the recorder and SQLite, in build-norec/"
	@echo "                    (make RECORD=no test: its unit tests)"
	@echo "Quality gates (run in .ci/run):"
	@echo "  make sanitize     the tests under AddressSanitizer + UBSan (build-san/)"
	@echo "  make valgrind     the tests under valgrind memcheck (build-vg/)"
	@echo "  make lint         clang-tidy (analyzer, warnings as errors) and cppcheck"
	@echo "  make format-check lines changed since .clang-format was set must follow it;"
	@echo "                    make format lays out every file by it"
	@echo "  make coverage     line coverage of the unit + e2e tests, one figure (build-cov/)"
	@echo "  make fuzz         libFuzzer harnesses, FUZZ_SECONDS each (build-fuzz/)"
	@echo "  make bench        benchmarks, as ratios against xmllint in the same run"
	@echo "Install:"
	@echo "  make install      PREFIX=$(PREFIX) DESTDIR= : program, library, header, .pc, man page,"
	@echo "                    trees, the web pages (share/dtree/web)"
	@echo "  make uninstall    remove everything install put there"
	@echo "  make clean        remove every build directory"
	@echo "  make help         this list"

deps:
	@./scripts/deps.sh

# Stop with a hint, before the compiler's "No such file", when a build dependency is missing.
need-deps:
	@if [ -n "$(strip $(MISSING_PKGS))" ]; then \
	    echo "dtree: missing build dependencies: $(strip $(MISSING_PKGS))" >&2; \
	    echo "dtree: run \`make deps\` (or \`make check\`, which installs them)" >&2; exit 1; fi

$(B)/%.o: %.c | need-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libdtree.a: $(ENGINE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libdtree.so: $(ENGINE_OBJ)
	$(CC) -shared -Wl,-soname,libdtree.so.0 $(ALL_LDFLAGS) -o $@ $^ $(XML_LIBS)

# The pkg-config file; PREFIX is filled in at install.  Requires sqlite3 and libpq only when
# recording is in.
$(B)/libdtree.pc: engine/libdtree.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES@|$(strip $(ENGINE_PKGS))|' \
	    engine/libdtree.pc.in > $@

$(B)/dtree: $(CLI_OBJ) $(B)/libdtree.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(B)/libdtree.a $(CLI_LIBS) $(XML_LIBS) -lm

# The support objects are only reached through this pattern rule: keep them (not intermediate).
.SECONDARY: $(SUPPORT_OBJ)
# -MF: a test that includes a cli/*.c or engine header is rebuilt when that file changes.
$(B)/tests/%: tests/unit/%.c $(SUPPORT_OBJ) $(B)/libdtree.a | need-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -MF $@.d -MT $@ -o $@ $< $(SUPPORT_OBJ) $(B)/libdtree.a $(CMOCKA_LIBS) \
	    $(XML_LIBS) -lm $(ALL_LDFLAGS)

# ---- tests ----
# RECORD=no has no CLI: only the unit tests run.
RUN_TESTS = B=$(B) $(if $(filter no,$(RECORD)),DT_E2E=no) ./tests/run.sh

check: deps
	@$(MAKE) --no-print-directory all
	@$(RUN_TESTS)
	@$(MAKE) --no-print-directory examples

test: all
	@$(RUN_TESTS)

# The examples build against this build's libdtree.a, as examples/Makefile documents.
examples: $(B)/libdtree.a
	@$(MAKE) --no-print-directory -C examples DTREE_SRC=.. B=$(B) O=../$(B)/examples \
	    $(if $(filter no,$(RECORD)),RECORD=no) all
	@echo "examples: built in $(B)/examples"

# Each variant's settings are given to the tests too (as environment), so that a suite which runs
# make itself (tests/e2e/build.sh: demo, install) rebuilds nothing with other flags.
SAN_VARS = B=build-san CC=clang \
    SAN_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
VG_VARS  = B=build-vg CFLAGS="-O1 -g"
COV_VARS = B=build-cov CFLAGS="-O0 -g --coverage" LDFLAGS=--coverage
sanitize: deps
	@$(MAKE) --no-print-directory $(SAN_VARS) all
	@$(SAN_VARS) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ./tests/run.sh

valgrind: deps
	@$(MAKE) --no-print-directory $(VG_VARS) all
	@$(VG_VARS) DT_VALGRIND=1 ./tests/run.sh

# Line coverage of engine/ and cli/ by the unit and e2e tests, printed as one figure; the HTML-free
# details stay in build-cov/coverage.info (`lcov --list build-cov/coverage.info`).
coverage: deps
	@rm -rf build-cov
	@$(MAKE) --no-print-directory $(COV_VARS) all
	@$(COV_VARS) ./tests/run.sh > build-cov/tests.log 2>&1; grep -E '^FAILED: |^[0-9]+ passed, [0-9]+ failed$$' build-cov/tests.log | tail -n 6
	@lcov --quiet --capture --directory build-cov --output-file build-cov/all.info >/dev/null 2>&1
	@lcov --quiet --extract build-cov/all.info '$(CURDIR)/engine/*' '$(CURDIR)/cli/*' \
	    --output-file build-cov/coverage.info >/dev/null 2>&1
	@lcov --summary build-cov/coverage.info 2>&1 | \
	    sed -n 's/^ *lines\.*: \([0-9.]*%\) (\(.*\))$$/line coverage: \1 of engine\/ and cli\/ (\2) by unit + e2e tests/p'

# A normal quit (exit 5: the call was left unfinished) is a normal end of a demo.
DEMO_DB = $(B)/demo.db
demo: deps
	@$(MAKE) --no-print-directory all
	@echo "demo: recording into the throw-away database $(DEMO_DB) (delete it any time)"
	@./$(B)/dtree run --db $(DEMO_DB) --trees trees front-door; rc=$$?; \
	    [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc

bench: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) ./bench/run.sh

# ---- gates ----
# lint: clang-tidy with .clang-tidy (the analyzer, findings are errors) and cppcheck (false positives
# carry an inline suppression with the reason), over engine/ and cli/, two files at a time.
LINT_SRC = $(sort $(wildcard engine/*.c cli/*.c))
LINT_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Iengine $(XML_CFLAGS) \
              $(shell pkg-config --cflags jansson libmicrohttpd 2>/dev/null)
lint: need-deps
	@echo "clang-tidy: $(words $(LINT_SRC)) files"
	@mkdir -p $(B)
	@printf '%s\n' $(LINT_SRC) | \
	    xargs -P 2 -n 4 sh -c 'clang-tidy --quiet "$$@" -- $(LINT_CFLAGS) 2>&1 | \
	        grep -v "warnings\? generated\.$$"; exit 0' clang-tidy > $(B)/lint.log; \
	    cat $(B)/lint.log; [ -f $(B)/lint.log ] && ! grep -q "error:" $(B)/lint.log
	@echo "cppcheck"
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
	    --suppress=missingIncludeSystem -D__GNUC__ -Iengine engine cli
	@echo "lint: clean"

# format: lay out engine/ and cli/ by .clang-format.  format-check: every line changed since the
# layout was fixed (FORMAT_BASE, the commit that last changed .clang-format) follows it; code
# older than that keeps its hand layout until a commit of its own runs `make format`.
FORMAT_SRC = $(sort $(wildcard engine/*.c engine/*.h cli/*.c cli/*.h))
FORMAT_BASE ?= $(shell git log -n 1 --format=%H -- .clang-format 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@[ -n "$(FORMAT_BASE)" ] || { echo "format-check: needs a git checkout with .clang-format committed" >&2; exit 1; }
	@out=$$(git clang-format --diff --extensions c,h $(FORMAT_BASE) -- engine cli 2>&1); \
	    case "$$out" in ""|"no modified files to format"|*"did not modify any files"*) \
	        echo "format-check: every line changed since $$(echo $(FORMAT_BASE) | cut -c1-10) is formatted";; \
	    *) echo "$$out"; echo "format-check: run \`git clang-format $(FORMAT_BASE)\` (the lines above)" >&2; exit 1;; esac

# ---- install ----
DOCS = $(wildcard README.md docs/*.md)
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/dtree/trees $(DESTDIR)$(PREFIX)/share/doc/dtree
	[ "$(RECORD)" = no ] || install -m 755 $(B)/dtree $(DESTDIR)$(PREFIX)/bin/dtree
	install -m 644 $(B)/libdtree.a $(DESTDIR)$(PREFIX)/lib/libdtree.a
	install -m 755 $(B)/libdtree.so $(DESTDIR)$(PREFIX)/lib/libdtree.so.0
	ln -sf libdtree.so.0 $(DESTDIR)$(PREFIX)/lib/libdtree.so
	install -m 644 engine/dtree.h $(DESTDIR)$(PREFIX)/include/dtree.h
	install -m 644 trees/*.xml trees/*.rng $(DESTDIR)$(PREFIX)/share/dtree/trees/
	install -m 644 docs/openapi.yaml $(DESTDIR)$(PREFIX)/share/dtree/openapi.yaml
	cd web && find . -type d -exec install -d $(abspath $(DESTDIR)$(PREFIX))/share/dtree/web/{} \; && \
	    find . -type f ! -name '.*' -exec install -m 644 {} $(abspath $(DESTDIR)$(PREFIX))/share/dtree/web/{} \;
	install -m 644 $(DOCS) $(DESTDIR)$(PREFIX)/share/doc/dtree/
	[ ! -f docs/dtree.1 ] || install -m 644 docs/dtree.1 $(DESTDIR)$(PREFIX)/share/man/man1/dtree.1
	sed -e 's|^prefix=.*|prefix=$(PREFIX)|' $(B)/libdtree.pc > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libdtree.pc

# Everything install put, and the directories it made for dtree alone.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/dtree $(DESTDIR)$(PREFIX)/lib/libdtree.a \
	    $(DESTDIR)$(PREFIX)/lib/libdtree.so $(DESTDIR)$(PREFIX)/lib/libdtree.so.0 \
	    $(DESTDIR)$(PREFIX)/include/dtree.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/libdtree.pc \
	    $(DESTDIR)$(PREFIX)/share/man/man1/dtree.1
	rm -rf $(DESTDIR)$(PREFIX)/share/dtree $(DESTDIR)$(PREFIX)/share/doc/dtree

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) in build-fuzz/: the engine and the CLI (as an archive
# without main.o, so each harness pulls in only what it calls) built with coverage, ASan and UBSan.
# Then a run of each for FUZZ_SECONDS (CI: a short one); FUZZ_SECONDS=0 only builds.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CLI := $(filter-out build-fuzz/cli/main.o,$(CLI_SRC:%.c=build-fuzz/%.o))
FUZZ_SECONDS ?= 60
build-fuzz/libcli.a: $(FUZZ_CLI)
	@rm -f $@
	ar rcs $@ $^
fuzz:
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang CFLAGS="-O1 -g" SAN_CFLAGS="$(FUZZ_SAN)" \
	    build-fuzz/libdtree.a build-fuzz/libcli.a
	@for src in $(FUZZ_SRC); do n=$$(basename $$src .c); \
	    echo "clang -o build-fuzz/$$n $$src"; \
	    clang -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
	        -fno-sanitize-recover=all -fno-omit-frame-pointer -Iengine -Icli -Itests/fuzz $(XML_CFLAGS) \
	        -DDT_FUZZ_TREES='"$(CURDIR)/trees"' -o build-fuzz/$$n $$src build-fuzz/libcli.a \
	        build-fuzz/libdtree.a $(CLI_LIBS) $(XML_LIBS) -lm -pthread || exit 1; done
	@[ "$(FUZZ_SECONDS)" = 0 ] || B=build-fuzz ./tests/fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf build build-norec build-san build-vg build-cov build-fuzz build-clang

-include $(ENGINE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SUPPORT_OBJ:.o=.d) $(TEST_BIN:=.d)
