# aksnet - build, test, dry run.
#
#   make            build/libaksnet.a, build/aksnet
#   make test       checksrc; unit and end-to-end tests under ASan/UBSan, the fault campaign (make chaos),
#                   the threaded ones under TSan;
#                   valgrind; cppcheck; man pages and completion; an install into a temporary DESTDIR
#   make fuzz       libFuzzer on every parser of untrusted input (FUZZ_SECONDS each; FUZZ=name,... for some)
#   make fuzz-replay  the fuzz targets' seed corpora replayed once under ASan/UBSan (part of `make test`)
#   make bench      wrk against aksnet-mock; the seed by az, the JS SDK and aksnet side by side; ARM's latency
#   make conformance  the Azure CLI and the Azure SDK for JavaScript against aksnet-mock
#   make dry-run    the seed's example, offline
#   make install    PREFIX=/usr/local DESTDIR=
#
# Every target first runs scripts/install-deps.sh, which installs only the
# Debian packages that are missing.  Library flags come from pkg-config and
# are expanded when a recipe runs, i.e. after the packages are there.

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    := build
PKGS     := libcurl openssl libcjson libmicrohttpd
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla
OPT      ?= -O2 -g
CFLAGS   ?=
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) cmocka)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)
BASE_CFLAGS = $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) $(CFLAGS)

# Who may include whom.  Each folder is compiled with the include paths of
# the folders below it in the data flow and nothing else, so an include
# that crosses the layering fails to compile (scripts/checksrc.py says the
# same in words).  The CLI sees only the public headers; nothing under src/
# sees the mock.  docs/architecture.md draws the picture.
LAYERS.src/util      := util
LAYERS.src/http      := util http
LAYERS.src/auth      := util http auth
LAYERS.src/arm       := util http auth arm
LAYERS.src/plan      := util plan
LAYERS.src/provision := util plan http auth arm provision
LAYERS.src/cli       :=
INCS.mocks           := -Isrc/util -Imocks
INCS.tests           := $(addprefix -Isrc/,util http auth arm plan provision) -Imocks -Itests/support
folder_of = $(patsubst %/,%,$(dir $(1)))
layer_incs = $(if $(filter tests/%,$(1)),$(INCS.tests),$(if $(filter mocks/%,$(1)),$(INCS.mocks),$(addprefix -Isrc/,$(LAYERS.$(call folder_of,$(1))))))
incs = -Iinclude $(call layer_incs,$(1))
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
commit_flag = $(if $(filter %/version.c,$(1)),-DAKSNET_COMMIT='"$(GIT_COMMIT)"')
ALL_CFLAGS = $(BASE_CFLAGS) $(call incs,$<) $(call commit_flag,$<)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSANFLAGS := -fsanitize=thread -fno-omit-frame-pointer

LIB_DIRS := util http auth arm plan provision
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c))
CLI_SRC  := $(wildcard src/cli/*.c)
MOCK_SRC := $(filter-out mocks/main.c,$(wildcard mocks/*.c))
# Unit tests (one module each, no process started) and end-to-end tests
# (the real binaries against aksnet-mock on loopback); tests/support is
# what both share: the mock in-process, fake transports, keys, processes.
TEST_SRC := $(wildcard tests/unit/test_*.c) $(wildcard tests/e2e/test_*.c)
TEST_SUPPORT := $(wildcard tests/support/*.c)

obj      = $(patsubst %.c,$(BUILD)/$(1)/%.o,$(2))
LIB_OBJ  := $(call obj,obj,$(LIB_SRC))
CLI_OBJ  := $(call obj,obj,$(CLI_SRC))
SLIB_OBJ := $(call obj,san,$(LIB_SRC))
SCLI_OBJ := $(call obj,san,$(CLI_SRC))
MOCK_OBJ := $(call obj,obj,$(MOCK_SRC))
SMOCK_OBJ := $(call obj,san,$(MOCK_SRC))
STEST_SUPPORT := $(call obj,san,$(TEST_SUPPORT))
TESTS    := $(foreach t,$(TEST_SRC),$(BUILD)/san/bin/$(basename $(notdir $(t))))
# The tests whose code runs threads: the engine's graph, the mock's server,
# the pipeline and the CLI against the mock.  ThreadSanitizer runs these.
TSAN_TESTS := $(patsubst %,$(BUILD)/tsan/bin/%,test_provision test_arm test_auth test_http test_pace test_fleet test_mock_core test_cancel \
                test_e2e)
TLIB_OBJ := $(call obj,tsan,$(LIB_SRC) $(MOCK_SRC))
TTEST_SUPPORT := $(call obj,tsan,$(TEST_SUPPORT))

.PHONY: all deps test unit-tests chaos chaos-doc tsan memcheck lint dry-run install install-test checksrc check-docs clean fuzz bench \
        conformance fuzz-replay
.DEFAULT_GOAL := all
# Keep test objects between runs (make would delete them as intermediates).
.SECONDARY:

all: $(BUILD)/libaksnet.a $(BUILD)/aksnet $(BUILD)/libarmmock.a $(BUILD)/aksnet-mock

deps:
	@scripts/install-deps.sh

# V=1 shows the whole command lines.
Q := $(if $(V),,@)

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: %.c | deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC san  $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(SANFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tsan/%.o: %.c | deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC tsan $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(TSANFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libaksnet.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

$(BUILD)/san/libaksnet.a: $(SLIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

$(BUILD)/libarmmock.a: $(MOCK_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

$(BUILD)/san/libarmmock.a: $(SMOCK_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

$(BUILD)/aksnet-mock: $(BUILD)/obj/mocks/main.o $(BUILD)/libarmmock.a $(BUILD)/libaksnet.a
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) -o $@ $< $(BUILD)/libarmmock.a $(BUILD)/libaksnet.a $(PKG_LIBS) -lpthread -lm

$(BUILD)/san/aksnet-mock: $(BUILD)/san/mocks/main.o $(BUILD)/san/libarmmock.a $(BUILD)/san/libaksnet.a
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) $(SANFLAGS) -o $@ $< $(BUILD)/san/libarmmock.a $(BUILD)/san/libaksnet.a $(PKG_LIBS) -lpthread -lm

# The tool links the library only; --dry-run starts the aksnet-mock program beside it.
$(BUILD)/aksnet: $(CLI_OBJ) $(BUILD)/libaksnet.a
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) -o $@ $(CLI_OBJ) $(BUILD)/libaksnet.a $(PKG_LIBS) -lpthread -lm

$(BUILD)/san/aksnet: $(SCLI_OBJ) $(BUILD)/san/libaksnet.a
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) $(SANFLAGS) -o $@ $(SCLI_OBJ) $(BUILD)/san/libaksnet.a $(PKG_LIBS) -lpthread -lm

# The commit in `aksnet --version` follows HEAD: version.o is rebuilt when
# build/commit changes, and build/commit is rewritten only when HEAD moved.
$(BUILD)/commit: .FORCE
	@mkdir -p $(@D)
	@echo '$(GIT_COMMIT)' | cmp -s - $@ || echo '$(GIT_COMMIT)' >$@
$(BUILD)/obj/src/util/version.o $(BUILD)/san/src/util/version.o $(BUILD)/tsan/src/util/version.o: $(BUILD)/commit
.PHONY: .FORCE
.FORCE:

test_obj = $(firstword $(foreach d,unit e2e chaos,$(if $(wildcard tests/$(d)/$(1).c),$(BUILD)/$(2)/tests/$(d)/$(1).o)))
.SECONDEXPANSION:
$(BUILD)/san/bin/%: $$(call test_obj,$$*,san) $(STEST_SUPPORT) $(BUILD)/san/libarmmock.a $(BUILD)/san/libaksnet.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) $(SANFLAGS) -o $@ $< $(STEST_SUPPORT) $(BUILD)/san/libarmmock.a $(BUILD)/san/libaksnet.a \
	    $(PKG_LIBS) $(CMOCKA_LIBS) -lpthread -lm

$(BUILD)/tsan/libtsan-all.a: $(TLIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

$(BUILD)/tsan/bin/%: $$(call test_obj,$$*,tsan) $(TTEST_SUPPORT) $(BUILD)/tsan/libtsan-all.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) $(TSANFLAGS) -o $@ $< $(TTEST_SUPPORT) $(BUILD)/tsan/libtsan-all.a \
	    $(PKG_LIBS) $(CMOCKA_LIBS) -lpthread -lm

# ---- tests -------------------------------------------------------------------

# Unit and CLI tests, every one under AddressSanitizer and UBSan.  The CLI
# tests run build/san/aksnet; AKSNET_BIN and AKSNET_SRCDIR tell them where.
unit-tests: $(TESTS) $(BUILD)/san/aksnet $(BUILD)/san/aksnet-mock
	@fail=0; for t in $(TESTS); do \
	    echo "== $$t"; \
	    AKSNET_BIN=$(BUILD)/san/aksnet AKSNET_MOCK_BIN=$(BUILD)/san/aksnet-mock AKSNET_SRCDIR=. \
	        ASAN_OPTIONS=detect_leaks=1 $$t || fail=1; \
	done; exit $$fail

# The threaded tests again under ThreadSanitizer: any data race fails them.
tsan: $(TSAN_TESTS) $(BUILD)/san/aksnet $(BUILD)/san/aksnet-mock
	@fail=0; for t in $(TSAN_TESTS); do \
	    echo "== $$t (TSan)"; \
	    AKSNET_BIN=$(BUILD)/san/aksnet AKSNET_MOCK_BIN=$(BUILD)/san/aksnet-mock AKSNET_SRCDIR=. \
	        TSAN_OPTIONS="halt_on_error=1 exitcode=66" $$t || fail=1; \
	done; exit $$fail

# The fault campaign of issue #12 (tests/chaos/test_chaos.c): every request kind
# x every fault x once/always, SIGKILL after every progress event, the deadlines,
# malformed answers from an adversarial server; the ASan build against in-process
# mocks, cells in CHAOS_JOBS threads.  Its tables go to build/chaos.md
# (`make chaos-doc` writes docs/reliability.md from them).
chaos: $(BUILD)/san/bin/test_chaos $(BUILD)/san/aksnet
	@echo "== $(BUILD)/san/bin/test_chaos"
	@AKSNET_BIN=$(BUILD)/san/aksnet AKSNET_SRCDIR=. CHAOS_REPORT=$(BUILD)/chaos.md ASAN_OPTIONS=detect_leaks=1 \
	    $(BUILD)/san/bin/test_chaos

# docs/reliability.md anew from scripts/reliability.md.in, README's exit codes
# and the tables of the chaos run just made.
chaos-doc: chaos
	@python3 scripts/chaos-doc.py scripts/reliability.md.in

# No leak and no memory error in the release binary, on every example and on bad input.
memcheck: $(BUILD)/aksnet
	@scripts/memcheck.sh $(BUILD)/aksnet

lint: | deps
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --std=c11 --inline-suppr -Iinclude $(addprefix -Isrc/,$(LIB_DIRS) cli) -Imocks -Itests/support \
	    src mocks tests/unit tests/e2e tests/chaos tests/support tests/fuzz 2>&1
	@echo "cppcheck: clean"

# The house style and the layering: line width, braces, comments, opening
# comments, who includes whom (scripts/checksrc.py, with its self-test), and
# files within a folder calling one way (scripts/callgraph.py).
checksrc: | deps
	@tests/checksrc/run.sh
	@python3 scripts/checksrc.py
	@python3 scripts/callgraph.py

# Man pages render, every flag is documented and completed (scripts/check-docs.sh).
check-docs: all
	@scripts/check-docs.sh $(BUILD)

test: all checksrc unit-tests fuzz-replay chaos tsan memcheck lint check-docs install-test
	@echo "make test: all passed"

# ---- fuzzing (clang's libFuzzer; `make fuzz` is not part of `make test`) -------

# One target per parser of untrusted input, tests/fuzz/fuzz_<name>.c, each
# with its seed corpus in tests/fuzz/corpus-<name>/ (the plan target's are
# the examples and the validator's plans).  Each file says what an input is
# and which invariants it checks.
FUZZ_SECONDS ?= 60
comma := ,
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(filter-out tests/fuzz/fuzz_support.c,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_NAMES))
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_LIB_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -g -O1
# The library and the mock instrumented for the fuzzer, in one archive so
# that each target links only what it uses.
FMOCK_OBJ := $(call obj,fuzz/obj,$(MOCK_SRC) $(LIB_SRC))
fuzz_corpus = $(if $(filter plan,$(1)),$(BUILD)/fuzz/corpus-plan-seed,tests/fuzz/corpus-$(1))

$(BUILD)/fuzz/obj/%.o: %.c | deps
	@scripts/install-deps.sh fuzz
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC fuzz $<")
	$(Q)clang $(CSTD) $(WARN) $(call incs,$<) $(PKG_CFLAGS) $(FUZZ_LIB_FLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/libfuzzmock.a: $(FMOCK_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

$(FUZZ_BINS): $(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o $(BUILD)/fuzz/obj/tests/fuzz/fuzz_support.o \
              $(BUILD)/fuzz/libfuzzmock.a
	@echo "  LD      $@"
	$(Q)clang $(FUZZ_FLAGS) -o $@ $^ $(PKG_LIBS) -lpthread -lm

# The plan target's seeds: every example plan and every plan of the validator's corpus.
$(BUILD)/fuzz/corpus-plan-seed: examples tests/data/plans
	@mkdir -p $@
	@cp examples/*.json tests/data/plans/*.json $@/

# Runs each target for FUZZ_SECONDS (FUZZ=name,name runs only those).  Corpora
# grow under build/fuzz/corpus-<name>, seeded from the repository's; a crash
# leaves build/fuzz/crash-* (replay: the binary + the file; keep it in
# tests/fuzz/corpus-<name>/ once fixed).  Executions per target are printed
# at the end and kept in build/fuzz/summary.txt.
FUZZ ?= $(FUZZ_NAMES)
fuzz: $(FUZZ_BINS) $(BUILD)/fuzz/corpus-plan-seed
	@status=0; : >$(BUILD)/fuzz/summary.txt; \
	for t in $(subst $(comma), ,$(FUZZ)); do \
	    seed=$(BUILD)/fuzz/corpus-plan-seed; [ $$t = plan ] || seed=tests/fuzz/corpus-$$t; \
	    mkdir -p $(BUILD)/fuzz/corpus-$$t; cp $$seed/* $(BUILD)/fuzz/corpus-$$t/; \
	    echo "== fuzz_$$t, $(FUZZ_SECONDS)s"; \
	    $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -print_final_stats=1 \
	        -artifact_prefix=$(BUILD)/fuzz/ $(BUILD)/fuzz/corpus-$$t 2>$(BUILD)/fuzz/fuzz_$$t.log; rc=$$?; \
	    grep -a -E '^(Done |SUMMARY|==[0-9]+==ERROR)|invariant broken|runtime error|Test unit written' \
	        $(BUILD)/fuzz/fuzz_$$t.log; \
	    runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(BUILD)/fuzz/fuzz_$$t.log); \
	    rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $(BUILD)/fuzz/fuzz_$$t.log); \
	    echo "fuzz_$$t: $${runs:-?} executions, $${rate:-?}/s, exit $$rc" >>$(BUILD)/fuzz/summary.txt; \
	    [ $$rc -eq 0 ] || status=1; \
	done; cat $(BUILD)/fuzz/summary.txt; exit $$status

# The same targets built with gcc under ASan/UBSan around tests/fuzz/replay.c
# instead of libFuzzer, each given its seed corpus once: a regression test of
# every input kept there (part of `make test`; no clang needed).
REPLAY_BINS := $(addprefix $(BUILD)/san/fuzz/fuzz_,$(FUZZ_NAMES))

$(REPLAY_BINS): $(BUILD)/san/fuzz/fuzz_%: $(BUILD)/san/tests/fuzz/fuzz_%.o $(BUILD)/san/tests/fuzz/fuzz_support.o \
                $(BUILD)/san/tests/fuzz/replay.o $(BUILD)/san/libarmmock.a $(BUILD)/san/libaksnet.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) $(SANFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread -lm

fuzz-replay: $(REPLAY_BINS) $(BUILD)/fuzz/corpus-plan-seed
	@fail=0; for t in $(FUZZ_NAMES); do \
	    seed=$(BUILD)/fuzz/corpus-plan-seed; [ $$t = plan ] || seed=tests/fuzz/corpus-$$t; \
	    ASAN_OPTIONS=detect_leaks=1 $(BUILD)/san/fuzz/fuzz_$$t $$seed || fail=1; \
	done; exit $$fail

# ---- benchmark (wrk over loopback; not part of `make test`) ---------------------

# GETs and token requests against the release build (build/bench/mock.md),
# the mock under a flood of idle and slow connections (build/bench/flood.md),
# the dry run (build/bench/provision.md), the seed's procedure by the
# Azure CLI, the JS SDK and aksnet against the same mock binary
# (build/bench/clients.md), then aksnet against a mock that answers 100 ms
# late for reads and 300 ms for writes (build/bench/latency.md), and fleets
# of 1, 10 and 100 plans against it throttling as ARM does
# (build/bench/fleet.md); the last three make docs/benchmarks.md.  A few
# minutes.
bench: $(BUILD)/aksnet-mock $(BUILD)/aksnet
	@BENCH_SKIP_BUILD=1 scripts/bench-mock.sh $(BUILD)/aksnet-mock
	@mkdir -p build/bench && scripts/bench-flood.py --mock $(BUILD)/aksnet-mock | tee build/bench/flood.md
	@scripts/bench-provision.sh $(BUILD)/aksnet
	@scripts/bench-clients.sh
	@scripts/bench-latency.py --aksnet $(BUILD)/aksnet --mock $(BUILD)/aksnet-mock --latency 100,300
	@scripts/bench-fleet.py --aksnet $(BUILD)/aksnet --mock $(BUILD)/aksnet-mock --sizes 1,10,100 --parallel 20 \
	    --latency 100,300 --lro-seconds 1
	@{ cat build/bench/clients.md; echo; cat build/bench/latency.md; echo; cat build/bench/fleet.md; } \
	    >docs/benchmarks.md

# ---- conformance (real Azure clients against aksnet-mock; after `make test` in CI) ----

# The seed's procedure by Debian's azure-cli and by the official Azure SDK for
# JavaScript, each followed by aksnet's cross-check.  Installs both clients.
conformance: all
	@scripts/conformance-az.sh
	@scripts/conformance-js.sh

# ---- dry run ------------------------------------------------------------------

dry-run: all
	@scripts/dry-run.sh $(BUILD)/aksnet

# ---- install --------------------------------------------------------------------

# Man pages from scdoc sources, and the pkg-config file with this prefix and version.
VERSION = $(shell sed -n 's/^\#define AKSNET_VERSION "\(.*\)"/\1/p' include/aksnet/version.h)
MAN_PAGES := $(BUILD)/man/aksnet.1 $(BUILD)/man/aksnet-mock.1

$(BUILD)/man/%.1: docs/man/%.1.scd | deps
	@mkdir -p $(@D)
	@echo "  SCDOC   $@"
	$(Q)scdoc <$< >$@

$(BUILD)/libaksnet.pc: scripts/pkgconfig/libaksnet.pc.in include/aksnet/version.h
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< >$@

# The tool and the mock program, the library with only its public headers,
# pkg-config, man pages, bash and zsh completion.
install: all $(MAN_PAGES) $(BUILD)/libaksnet.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/aksnet \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	    $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
	install -m 0755 $(BUILD)/aksnet $(BUILD)/aksnet-mock $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(BUILD)/libaksnet.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 $(BUILD)/libaksnet.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 0644 include/aksnet/*.h $(DESTDIR)$(PREFIX)/include/aksnet/
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 scripts/completion/aksnet.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/aksnet
	install -m 0644 scripts/completion/aksnet-mock.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/aksnet-mock
	install -m 0644 scripts/completion/_aksnet $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_aksnet

# A temporary DESTDIR: a program built with pkg-config against the installed
# headers runs a dry run; man pages, completion, --version (tests/install/run.sh).
install-test: all
	@tests/install/run.sh

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SLIB_OBJ:.o=.d) $(SCLI_OBJ:.o=.d) $(MOCK_OBJ:.o=.d) $(SMOCK_OBJ:.o=.d)
-include $(wildcard $(BUILD)/fuzz/obj/*/*.d $(BUILD)/fuzz/obj/*/*/*.d $(BUILD)/fuzz/obj/tests/fuzz/*.d)
-include $(wildcard $(BUILD)/san/tests/*/*.d)
-include $(wildcard $(BUILD)/tsan/*/*.d $(BUILD)/tsan/*/*/*.d $(BUILD)/tsan/tests/*/*.d)
