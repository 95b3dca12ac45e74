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
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wvla
REQ_CFLAGS := -std=c11 -D_GNU_SOURCE -I. $(WARN) $(PKG_CFLAGS) -MMD -MP
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
.PHONY: all test check unit integration demo install clean deps help bench run-tests run-check
all: huixin

huixin: $(BUILD)/huixin
	cp $< $@

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

# Prints the one command that installs what is missing (or installs it, as root).
deps:
	@scripts/install-deps.sh

test: deps
	@$(MAKE) --no-print-directory run-tests

run-tests: huixin $(UNIT_BIN) $(INTEG_BIN)
	@BUILD=$(BUILD) tests/run.sh

unit: $(UNIT_BIN)
	@BUILD=$(BUILD) SUITES=unit tests/run.sh

integration: huixin $(INTEG_BIN)
	@BUILD=$(BUILD) SUITES=integration tests/run.sh

# A separate build with AddressSanitizer and UndefinedBehaviorSanitizer, then every suite on it.
check: deps
	@$(MAKE) --no-print-directory run-check

run-check:
	$(MAKE) BUILD=build-san CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" build-san/huixin $(patsubst $(BUILD)/%,build-san/%,$(UNIT_BIN) $(INTEG_BIN))
	@BUILD=build-san HUIXIN_BIN=build-san/huixin ASAN_OPTIONS=detect_leaks=1 tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory huixin
	@scripts/demo.sh

install: huixin
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/huixin
	install -m 0755 huixin $(DESTDIR)$(PREFIX)/bin/huixin
	install -m 0644 huixin.1 $(DESTDIR)$(PREFIX)/share/man/man1/huixin.1
	cp -R scenarios/library $(DESTDIR)$(PREFIX)/share/huixin/ 2>/dev/null || true
	cp -R scenarios/templates $(DESTDIR)$(PREFIX)/share/huixin/ 2>/dev/null || true

clean:
	rm -rf build build-san huixin

help:
	@echo "make          build ./huixin"
	@echo "make demo     install what is missing, build, run a campaign against the fixture sites"
	@echo "make test     run every test suite (last line: N passed, N failed)"
	@echo "make check    the same under AddressSanitizer and UndefinedBehaviorSanitizer"
	@echo "make install  PREFIX=/usr/local DESTDIR= : binary, man page, scenario library"
	@echo "make deps     install missing Debian packages (as root) or print the command"
	@echo "make clean    remove build output"

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_SRC:%.c=$(BUILD)/%.d) $(INTEG_SRC:%.c=$(BUILD)/%.d)
