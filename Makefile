# huixin: one GNU Makefile. `make` builds ./huixin; `make test` runs every suite; `make check` builds
# apart with ASan+UBSan and runs the tests; `make demo` runs a campaign against the fixture sites.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
PKGS := libwebsockets jansson libcurl openssl sqlite3 zlib

# Debian package that provides each pkg-config module, for the message when one is missing.
pkg_deb_libwebsockets := libwebsockets-dev
pkg_deb_jansson := libjansson-dev
pkg_deb_libcurl := libcurl4-openssl-dev
pkg_deb_openssl := libssl-dev
pkg_deb_sqlite3 := libsqlite3-dev
pkg_deb_zlib := zlib1g-dev

# demo, test and check first run the install script, then call make again for the real work.
ifeq ($(filter clean help deps demo test check,$(MAKECMDGOALS)),)
  ifeq ($(shell command -v pkg-config 2>/dev/null),)
    $(error pkg-config is missing: run 'scripts/install-deps.sh' as root (Debian package pkg-config))
  endif
  $(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(p) && echo y),,$(error $(p) is missing: run 'scripts/install-deps.sh' as root (Debian package $(pkg_deb_$(p))))))
  PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
  PKG_LIBS := $(shell pkg-config --libs $(PKGS))
endif

# Required flags, kept apart from the user's CFLAGS.
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla
REQ_CFLAGS := -std=c11 -D_GNU_SOURCE -I. $(WARN) $(PKG_CFLAGS) -MMD -MP -DHUIXIN_DATADIR=\"$(PREFIX)/share/huixin\"
ifeq ($(CI),true)
  REQ_CFLAGS += -Werror
endif
REQ_LIBS := $(PKG_LIBS) -lm -lpthread

# Every module folder's .c files go into one static library; cli/ makes the binary.
LIB_SRC := $(wildcard common/*.c driver/*.c scenarios/*.c verify/*.c reports/*.c)
CLI_SRC := $(wildcard cli/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libhuixin.a

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_BIN := $(INTEG_SRC:tests/integration/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/*.c)

.SECONDARY:
.PHONY: all test check check-all layers hdr-check unit integration demo install clean deps help bench run-tests run-check golden valgrind valgrind-all truth
all: huixin

# Through a rename: a running ./huixin (a test, a daemon) does not stop the copy.
huixin: $(BUILD)/huixin
	cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/huixin: $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(REQ_LIBS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(REQ_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(REQ_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/integration/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(REQ_LIBS)

# Under valgrind's memcheck (tests/valgrind.sh): the unit suites, test_driver and a capture (CI);
# valgrind-all: every C suite and the campaign flow too.
valgrind: huixin $(UNIT_BIN) $(INTEG_BIN)
	@BUILD=$(BUILD) VALGRIND_SET=ci tests/valgrind.sh

valgrind-all: huixin $(UNIT_BIN) $(INTEG_BIN)
	@BUILD=$(BUILD) VALGRIND_SET=all tests/valgrind.sh

# The house rules a machine can check (run by CI): arrows point down, private headers stay home,
# libraries stay behind their files (scripts/check-layers.sh); every header compiles alone, twice
# in a row (it includes what it uses; its guard works).
HEADERS := $(wildcard common/*.h driver/*.h scenarios/*.h verify/*.h reports/*.h cli/*.h)
layers:
	@scripts/check-layers.sh

hdr-check:
	@mkdir -p $(BUILD); bad=0; for h in $(HEADERS); do \
		printf '#include "%s"\n#include "%s"\n' $$h $$h | \
		$(CC) $(filter-out -MMD -MP,$(REQ_CFLAGS)) -Werror -fsyntax-only -x c - 2>$(BUILD)/hdr-check.err || \
		{ bad=$$((bad + 1)); echo "$$h does not compile alone:"; cat $(BUILD)/hdr-check.err; }; \
	done; \
	if [ $$bad -ne 0 ]; then echo "hdr-check: $$bad header(s) FAILED"; exit 1; fi; \
	echo "hdr-check: ok ($(words $(HEADERS)) headers compile alone)"

# Rewrites the report goldens from the current code: review the diff like code before committing.
golden: huixin $(BUILD)/tests/test_report
	@BUILD=$(BUILD) tests/golden/regen.sh

# The install prefix is compiled in (where the letter templates are found): rebuild what uses it when
# PREFIX changes, so `make install PREFIX=...` never installs a binary that looks elsewhere.
$(BUILD)/prefix.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@
$(BUILD)/scenarios/letter.o: $(BUILD)/prefix.stamp
.PHONY: FORCE
FORCE:

# The randomised truth test at length (tests/integration/truth.py): simulated fortnights over every fixture
# family with random operator actions and faults, every verdict compared with the sites' ground truth;
# about 2.5 minutes a seed. `make test` runs one seed (tests/integration/test_truth.py).
TRUTH_SEEDS ?= 10
TRUTH_FIRST_SEED ?= 1
truth: huixin
	@python3 tests/integration/truth.py --seeds $(TRUTH_SEEDS) --first-seed $(TRUTH_FIRST_SEED)

# Prints the one command that installs what is missing (or installs it, as root).
deps:
	@scripts/install-deps.sh

# Suites at once (tests/run.sh: most of a suite's time is waiting, so two share two cores well).
TEST_JOBS ?= 2
export TEST_JOBS

test: deps
	@$(MAKE) --no-print-directory run-tests

run-tests: huixin $(UNIT_BIN) $(INTEG_BIN)
	@BUILD=$(BUILD) tests/run.sh

unit: $(UNIT_BIN)
	@BUILD=$(BUILD) SUITES=unit tests/run.sh

integration: huixin $(INTEG_BIN)
	@BUILD=$(BUILD) SUITES=integration tests/run.sh

# A separate build with AddressSanitizer and UndefinedBehaviorSanitizer, then the suites on it.
# `make check` (run by CI) leaves out the browser-heavy suites below: each spends its minutes waiting on
# Chromium and the fixture sites, and the C paths it drives (submit, check, list search, workers, import)
# are run under the sanitizers by test_campaign, test_faults, test_recover, test_thirdparty,
# test_scenario_run and the C suites that stay (test_actionability and test_windows drive the same driver
# code as the steps suites left out). `make check-all` runs every suite under the sanitizers (about twice as long).
CHECK_SKIP = test_guestbook test_jobs test_library test_truth test_kill_resume test_recover_families \
	test_ajax_outcomes test_alert_flow test_pacing test_visit_locks test_campaign_letter \
	test_actionable_steps test_windows_steps test_windows_sites test_campaign_race
check: deps
	@$(MAKE) --no-print-directory run-check SKIP_SUITES="$(CHECK_SKIP)"

check-all: deps
	@$(MAKE) --no-print-directory run-check SKIP_SUITES=

run-check:
	$(MAKE) BUILD=build-san CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" build-san/huixin $(patsubst $(BUILD)/%,build-san/%,$(UNIT_BIN) $(INTEG_BIN))
	@BUILD=build-san HUIXIN_BIN=build-san/huixin ASAN_OPTIONS=detect_leaks=1 SKIP_SUITES="$(SKIP_SUITES)" tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory huixin
	@scripts/demo.sh

install: huixin
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/huixin
	install -m 0755 huixin $(DESTDIR)$(PREFIX)/bin/huixin
	install -m 0644 huixin.1 $(DESTDIR)$(PREFIX)/share/man/man1/huixin.1
	cp -R scenarios/library $(DESTDIR)$(PREFIX)/share/huixin/ 2>/dev/null || true
	cp -R scenarios/templates $(DESTDIR)$(PREFIX)/share/huixin/ 2>/dev/null || true
	cp -R scenarios/templates-real $(DESTDIR)$(PREFIX)/share/huixin/ 2>/dev/null || true

clean:
	rm -rf build build-san huixin

help:
	@echo "make          build ./huixin"
	@echo "make demo     install what is missing, build, run a campaign against the fixture sites"
	@echo "make test     run every test suite (last line: N passed, N failed)"
	@echo "make check    the same under AddressSanitizer and UndefinedBehaviorSanitizer"
	@echo "make install  PREFIX=/usr/local DESTDIR= : binary, man page, scenario library"
	@echo "make deps     install missing Debian packages (as root) or print the command"
	@echo "make golden   rewrite the report golden files (review the diff)"
	@echo "make valgrind the unit suites, test_driver and a capture under valgrind memcheck"
	@echo "make valgrind-all every C suite and the campaign flow under valgrind memcheck"
	@echo "make truth    the randomised verdict-truth test, TRUTH_SEEDS seeds (default 10)"
	@echo "make clean    remove build output"

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_SRC:%.c=$(BUILD)/%.d) $(INTEG_SRC:%.c=$(BUILD)/%.d)

# fuzzing (fuzz/)
# `make fuzz FUZZ_SECONDS=60` builds each libFuzzer target fuzz/fuzz_NAME.c with clang and
# -fsanitize=fuzzer,address,undefined into build-fuzz/ (the library too, instrumented, in its own
# object folder), then runs each for FUZZ_SECONDS. Its corpus grows in build-fuzz/corpus/NAME (not
# committed), seeded from fuzz/seeds/NAME and the saved crashers in fuzz/regressions/NAME; a crash is
# written to build-fuzz/artifacts/NAME/. Optional: it needs clang (Debian package clang) and says so.
# A finding, once fixed, goes into fuzz/regressions/NAME/: tests/unit/test_fuzz_regressions.c replays it.
# Git keeps no empty folder, so a fresh clone lacks fuzz/regressions/NAME for a target without a saved
# crasher: every folder given to libFuzzer is made first (libFuzzer exits on a missing one). A finding
# is a crash-, leak-, timeout- or oom- file that libFuzzer says in its log ("Test unit written to") it
# wrote into build-fuzz/artifacts/NAME/ during this run, and that is there (files of earlier runs are
# not counted again); a target that fails without writing one did not run properly, which is said as
# such and fails too, but is no finding. tests/integration/test_fuzz_make.sh runs this with stand-ins.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_BUILD := build-fuzz
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SAN := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
.PHONY: fuzz fuzz-build fuzz-bins

fuzz: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/artifacts
	@found=""; broken=""; for t in $(FUZZ_TARGETS); do \
		art=$(FUZZ_BUILD)/artifacts/$$t; \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $$art fuzz/seeds/$$t fuzz/regressions/$$t || exit 2; \
		dict=""; case $$t in cdp|scenario|calendar|date) dict="-dict=fuzz/json.dict";; esac; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 $$dict -artifact_prefix=$$art/ \
			$(FUZZ_BUILD)/corpus/$$t fuzz/seeds/$$t fuzz/regressions/$$t \
			>$(FUZZ_BUILD)/fuzz_$$t.log 2>&1; rc=$$?; \
		grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)' $(FUZZ_BUILD)/fuzz_$$t.log; \
		new=$$(sed -n "s|.*Test unit written to $$art/||p" $(FUZZ_BUILD)/fuzz_$$t.log | grep -E '^(crash|leak|timeout|oom)-' | \
			while read -r f; do [ -f "$$art/$$f" ] && echo "$$f"; done); \
		if [ -n "$$new" ]; then \
			found="$$found $$t"; \
			for f in $$new; do echo "fuzz: $$t: finding $$art/$$f"; done; \
		elif [ $$rc -ne 0 ]; then \
			broken="$$broken $$t"; \
			echo "fuzz: $$t exited with status $$rc without a crash file, so no finding; it did not run properly:"; \
			tail -n 3 $(FUZZ_BUILD)/fuzz_$$t.log | sed 's/^/    /'; \
		fi; \
	done; \
	if [ -n "$$found" ]; then echo "fuzz: findings in:$$found (logs: $(FUZZ_BUILD)/fuzz_NAME.log, inputs: $(FUZZ_BUILD)/artifacts/)"; exit 1; fi; \
	if [ -n "$$broken" ]; then echo "fuzz: no findings, but$$broken did not run properly (logs: $(FUZZ_BUILD)/fuzz_NAME.log)"; exit 2; fi; \
	echo "fuzz: no findings in $(FUZZ_TARGETS)"

fuzz-build:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { echo "fuzz: $(FUZZ_CC) is missing: fuzzing is optional; install it with 'apt-get install clang' (Debian package clang)"; exit 1; }
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-bins

fuzz-bins: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/entries.h $(LIB)
	$(CC) $(REQ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(LIB) $(REQ_LIBS)

# benchmark (bench/)
# `make bench` runs the same flows in huixin and in a Playwright script (bench/pw_flows.js) against the
# fixture sites, alternating: one Hanweb submission, a sweep of BENCH_LETTERS letters (default 100)
# with 1, 2 and 4 pages at once, a cold start to the first screenshot; then huixin's peak RSS on a
# 30,000 px page. It prints wall time, client and browser CPU and the client's peak RSS as median
# [min-max] and the ratio huixin / Playwright (about 10 minutes on 2 cores). playwright-core is
# installed into bench/node/node_modules from the committed lock file when npm is there; it uses the
# system Chromium and never downloads a browser. Without it only huixin is measured, and it says so.
BENCH_LETTERS ?= 100
BENCH_RUNS ?= 3
BENCH_SWEEP_RUNS ?= 1
bench: huixin
	@if [ ! -d bench/node/node_modules/playwright-core ] && command -v npm >/dev/null 2>&1; then \
		(cd bench/node && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) || \
		echo "bench: npm could not install playwright-core: measuring huixin alone"; fi
	@BENCH_LETTERS=$(BENCH_LETTERS) BENCH_RUNS=$(BENCH_RUNS) BENCH_SWEEP_RUNS=$(BENCH_SWEEP_RUNS) python3 bench/bench.py
