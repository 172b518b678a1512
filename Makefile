# dtree — build, test and tooling.  `make help` lists the targets.
# Sources are found by wildcard: engine/*.c is libdtree, cli/*.c is the dtree program,
# tests/unit/test_*.c are cmocka programs (one per engine module).

CC      ?= cc
B       ?= build
PREFIX  ?= /usr/local
WERROR  ?= -Werror
SAN_CFLAGS ?=

WARN = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wwrite-strings -Wformat=2 -Wvla -Wundef $(WERROR)
XML_CFLAGS  := $(shell pkg-config --cflags libxml-2.0 sqlite3 2>/dev/null)
XML_LIBS    := $(shell pkg-config --libs libxml-2.0 sqlite3 2>/dev/null)
CLI_LIBS    := -lreadline $(shell pkg-config --libs jansson 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) $(SAN_CFLAGS) \
             -fvisibility=hidden -fPIC -pthread -Iengine $(XML_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SAN_CFLAGS) -pthread

ENGINE_SRC := $(sort $(wildcard engine/*.c))
CLI_SRC    := $(sort $(wildcard cli/*.c))
TEST_SRC   := $(sort $(wildcard tests/unit/test_*.c))
TEST_SUPPORT := $(sort $(wildcard tests/unit/support_*.c))
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(B)/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(B)/%.o)
TEST_BIN   := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(B)/%.o)

.PHONY: all deps check test sanitize valgrind demo bench lint format install uninstall clean help fuzz coverage
all: $(B)/libdtree.a $(B)/libdtree.so $(B)/dtree $(TEST_BIN)

help:
	@echo "make            build libdtree (static + shared), the dtree CLI and the tests"
	@echo "make demo       install missing packages, build, run the bundled front-door tree"
	@echo "make check      install missing packages, build, run every test"
	@echo "make sanitize   the tests again under AddressSanitizer + UBSan"
	@echo "make valgrind   the tests again under valgrind memcheck"
	@echo "make bench      benchmarks, as ratios against xmllint in the same run"
	@echo "make lint       clang-tidy and cppcheck      make install PREFIX=... DESTDIR=..."

deps:
	@./scripts/deps.sh

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libdtree.a: $(ENGINE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libdtree.so: $(ENGINE_OBJ)
	$(CC) -shared -Wl,-soname,libdtree.so.0 $(ALL_LDFLAGS) -o $@ $^ $(XML_LIBS)

$(B)/dtree: $(CLI_OBJ) $(B)/libdtree.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(B)/libdtree.a $(CLI_LIBS) $(XML_LIBS) -lm

$(B)/tests/%: tests/unit/%.c $(SUPPORT_OBJ) $(B)/libdtree.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(SUPPORT_OBJ) $(B)/libdtree.a $(CMOCKA_LIBS) \
	    $(XML_LIBS) -lm $(ALL_LDFLAGS)

check: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) ./tests/run.sh

test: all
	@B=$(B) ./tests/run.sh

sanitize: deps
	@$(MAKE) --no-print-directory B=build-san CC=clang \
	    SAN_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    B=build-san ./tests/run.sh

valgrind: deps
	@$(MAKE) --no-print-directory B=build-vg CFLAGS="-O1 -g" all
	@B=build-vg DT_VALGRIND=1 ./tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	./$(B)/dtree run --trees trees front-door

bench: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) ./bench/run.sh

lint:
	clang-tidy $(ENGINE_SRC) $(CLI_SRC) -- -std=c11 -D_POSIX_C_SOURCE=200809L -Iengine $(XML_CFLAGS)
	cppcheck --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
	    --suppress=missingIncludeSystem -Iengine engine cli

format:
	clang-format -i engine/*.c engine/*.h cli/*.c cli/*.h

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/dtree/trees
	install -m 755 $(B)/dtree $(DESTDIR)$(PREFIX)/bin/dtree
	install -m 644 $(B)/libdtree.a $(DESTDIR)$(PREFIX)/lib/libdtree.a
	install -m 755 $(B)/libdtree.so $(DESTDIR)$(PREFIX)/lib/libdtree.so.0
	ln -sf libdtree.so.0 $(DESTDIR)$(PREFIX)/lib/libdtree.so
	install -m 644 engine/dtree.h $(DESTDIR)$(PREFIX)/include/dtree.h
	install -m 644 trees/*.xml trees/*.rng $(DESTDIR)$(PREFIX)/share/dtree/trees/
	[ ! -f docs/dtree.1 ] || install -m 644 docs/dtree.1 $(DESTDIR)$(PREFIX)/share/man/man1/dtree.1
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|0.1.0|' engine/libdtree.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libdtree.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/dtree $(DESTDIR)$(PREFIX)/lib/libdtree.* \
	    $(DESTDIR)$(PREFIX)/include/dtree.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/libdtree.pc

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) in build-fuzz/: the engine (and the CLI sanitiser for
# fuzz_render) built with coverage, ASan and UBSan.  Then a short run of each; FUZZ_SECONDS=0 only builds.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
fuzz:
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang CFLAGS="-O1 -g" SAN_CFLAGS="$(FUZZ_SAN)" \
	    build-fuzz/libdtree.a build-fuzz/cli/render.o build-fuzz/cli/utf8.o
	@for src in $(FUZZ_SRC); do n=$$(basename $$src .c); extra=; \
	    [ $$n != fuzz_render ] || extra="-Icli build-fuzz/cli/render.o build-fuzz/cli/utf8.o"; \
	    echo "clang -o build-fuzz/$$n $$src"; \
	    clang -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
	        -fno-sanitize-recover=all -fno-omit-frame-pointer -Iengine $(XML_CFLAGS) \
	        -DDT_FUZZ_TREES='"$(CURDIR)/trees"' -o build-fuzz/$$n $$src $$extra build-fuzz/libdtree.a \
	        $(XML_LIBS) -lm -pthread || exit 1; done
	@[ "$(FUZZ_SECONDS)" = 0 ] || B=build-fuzz ./tests/fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf build build-san build-vg build-cov build-fuzz

-include $(ENGINE_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
