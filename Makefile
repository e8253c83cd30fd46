# SPDX-License-Identifier: GPL-2.0-or-later
# xenstored with a state serializer: top-level build.
#
#   make            build xenstored/xenstored (and the test programs)
#   make check      install what is missing, build, run every test
#   make demo       start the daemon on a temporary socket and use it
#   make bench      throughput, live update and takeover tables against upstream
#   make check-asan the tests again with ASan/UBSan
#
# O=DIR puts objects and binaries below DIR (used by check-asan).

O ?= .
CC ?= gcc
CFLAGS ?= -O2 -g
# The flags every build needs; CFLAGS (optimisation, debug) may be set on
# the command line without losing them.
XCFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -D_GNU_SOURCE -Iinclude -Ixenstored \
	  -Itests/fakexen
LDLIBS = -ltalloc -ltdb -lxenevtchn -lxengnttab -lxenctrl
ifdef STORE_FORMAT_TEST
XCFLAGS += -DSTORE_FORMAT_TEST
endif
ifdef SANITIZE
XCFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = $(CFLAGS) $(XCFLAGS) $(EXTRA_CFLAGS)

PY := /usr/bin/python3

XSD_SRCS := $(filter-out xenstored/main.c,$(wildcard xenstored/*.c))
XSD_OBJS := $(XSD_SRCS:%.c=$(O)/%.o)
XSD_MAIN := $(O)/xenstored/main.o
XSD_BIN := $(O)/xenstored/xenstored

# The xs-state library (everything in xs-state/ but the tool) and tool.
XSS_TOOL_SRCS := xs-state/xs-state.c $(wildcard xs-state/tool_*.c)
XSS_SRCS := $(filter-out $(XSS_TOOL_SRCS),$(wildcard xs-state/*.c))
XSS_OBJS := $(XSS_SRCS:%.c=$(O)/%.o)
XSS_LIB := $(O)/xs-state/libxsstate.a
ifneq ($(wildcard xs-state/xs-state.c),)
XSS_TOOL := $(O)/xs-state/xs-state
endif

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)

GUEST_SRCS := $(wildcard tests/guest/*.c)
GUEST_OBJS := $(GUEST_SRCS:%.c=$(O)/%.o) $(O)/xenstored/ring.o \
	      $(O)/tests/fakexen/fx.o

# The fake hypervisor (tests/fakexen/README.md): a preload library and
# its control tool.  Built without sanitizers: it is preloaded into
# programs that have none (Debian's upstream xenstored).
FAKEXEN_LIB := $(O)/tests/fakexen/libfakexen.so
FAKEXEN_CTL := $(O)/tests/fakexen/fakexen-ctl
ifneq ($(wildcard tests/guest/xs-guest.c),)
GUEST_BIN := $(O)/tests/xs-guest
endif

# The daemon with another store record layout (make STORE_FORMAT_TEST=1,
# in its own directory): a live update into it and back walks the store.
STORE2_DIR := $(if $(filter .,$(O)),build,$(O))/store2
STORE2_BIN := $(STORE2_DIR)/xenstored/xenstored
ifndef STORE_FORMAT_TEST
$(STORE2_BIN): $(wildcard xenstored/*.c xenstored/*.h include/*.h xs-state/*.c)
	$(MAKE) O=$(STORE2_DIR) STORE_FORMAT_TEST=1 $@
endif

# Thousands of simulated guests from one process (tests/many).
MANY_BIN := $(O)/tests/xs-many

ifneq ($(wildcard tests/golden/mkgolden.c),)
MKGOLDEN := $(O)/tests/golden/mkgolden
endif

all: $(XSD_BIN) $(UNIT_BINS) $(GUEST_BIN) $(MANY_BIN) $(XSS_TOOL) $(MKGOLDEN) \
	$(FAKEXEN_LIB) $(FAKEXEN_CTL)

$(O)/%.o: %.c $(wildcard xenstored/*.h include/*.h tests/guest/*.h xs-state/*.h \
		tests/fakexen/*.h) | deps-build
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(XSS_LIB): $(XSS_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(XSD_BIN): $(XSD_OBJS) $(XSD_MAIN) $(XSS_LIB)
	$(CC) $(LDFLAGS) -o $@ $(XSD_OBJS) $(XSD_MAIN) $(XSS_LIB) $(LDLIBS)

$(XSS_TOOL): $(XSS_TOOL_SRCS:%.c=$(O)/%.o) $(XSS_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -ltalloc

# Writes the golden images of tests/golden (and variants for the tests).
$(MKGOLDEN): tests/golden/mkgolden.c $(XSS_LIB) $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(XSS_LIB) -ltalloc

$(GUEST_BIN): $(GUEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -ltalloc

$(MANY_BIN): $(O)/tests/many/xs-many.o $(O)/xenstored/ring.o
	$(CC) $(LDFLAGS) -o $@ $^

$(FAKEXEN_LIB): tests/fakexen/fakexen.c tests/fakexen/fx.c tests/fakexen/fx.h \
		| deps-build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(filter-out -fsanitize%,$(XCFLAGS)) -Itests/fakexen \
		-fPIC -shared -fvisibility=hidden -o $@ tests/fakexen/fakexen.c \
		tests/fakexen/fx.c -ldl

$(FAKEXEN_CTL): $(O)/tests/fakexen/fakexen-ctl.o $(O)/tests/fakexen/fx.o
	$(CC) $(LDFLAGS) -o $@ $^

$(O)/tests/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(XSD_OBJS) \
		$(XSS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(XSD_OBJS) $(XSS_LIB) $(LDLIBS) \
		-lcmocka

# libFuzzer harnesses (clang), FUZZ_SECONDS each: the image reader, the
# wire parser and the ring consumer (these two on the daemon's code), and
# the readers of oxenstored's dump and of C xenstored's state file.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -std=gnu11 \
	-D_GNU_SOURCE -Iinclude -Ixs-state -Ixenstored -Itests/unit
FUZZ_XSD_OBJS := $(XSD_SRCS:%.c=build/fuzz/%.o)
fuzz: deps-build
	scripts/ensure-packages clang libclang-rt-14-dev
	$(MAKE) O=build/fuzz CC=clang CFLAGS="-O1 -g" \
		EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
		build/fuzz/xs-state/libxsstate.a $(FUZZ_XSD_OBJS)
	@mkdir -p build/fuzz/corpus build/fuzz/corpus-wire \
		build/fuzz/corpus-ring build/fuzz/corpus-ox build/fuzz/corpus-c
	cp tests/golden/oxenstored-lu.db build/fuzz/corpus-ox/
	cp tests/golden/xenstored-lu.state build/fuzz/corpus-c/
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_reader tests/fuzz/fuzz_reader.c \
		build/fuzz/xs-state/libxsstate.a -ltalloc
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_wire tests/fuzz/fuzz_wire.c \
		$(FUZZ_XSD_OBJS) build/fuzz/xs-state/libxsstate.a $(LDLIBS)
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_ring tests/fuzz/fuzz_ring.c \
		$(FUZZ_XSD_OBJS) build/fuzz/xs-state/libxsstate.a $(LDLIBS)
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_ox tests/fuzz/fuzz_ox.c \
		build/fuzz/xs-state/libxsstate.a -ltalloc
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_c_state \
		tests/fuzz/fuzz_c_state.c build/fuzz/xs-state/libxsstate.a \
		-ltalloc
	build/fuzz/fuzz_reader -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/ \
		-max_len=65536 build/fuzz/corpus tests/fuzz/corpus
	build/fuzz/fuzz_wire -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/ \
		-max_len=16384 build/fuzz/corpus-wire tests/fuzz/corpus-wire
	build/fuzz/fuzz_ring -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/ \
		-max_len=16384 build/fuzz/corpus-ring tests/fuzz/corpus-ring
	build/fuzz/fuzz_ox -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/ -max_len=16384 build/fuzz/corpus-ox
	build/fuzz/fuzz_c_state -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/ -max_len=16384 build/fuzz/corpus-c

# -- install and package -------------------------------------------
# Installed names do not clash with Debian's xen-utils files: the
# daemon is xenstored-xss (select it with XENSTORED= in /etc/default/xen).
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/xenstored-xss
UNITDIR ?= $(PREFIX)/lib/systemd/system
MAN_PAGES := $(O)/man/xenstored-xss.8 $(O)/man/xs-state.1
# The documents the man pages name.
INSTALL_DOCS := docs/xs-state-format.md docs/protocol.md \
	docs/live-update.md docs/takeover.md docs/migration.md \
	docs/sim-backend.md docs/libxl-stream.md

# Man pages from docs/*.md: the "# NAME(S)" title line becomes pandoc's
# title metadata; the daemon's page is renamed for its installed name.
$(O)/man/xenstored-xss.8: docs/xenstored.8.md | deps-man
	@mkdir -p $(dir $@)
	sed -e 1d -e 's/^xenstored - /xenstored-xss - /' \
		-e 's/^\*\*xenstored\*\* \[/**xenstored-xss** [/' $< | \
		pandoc -s -f markdown-smart -t man -M title=XENSTORED-XSS -M section=8 \
		-M header="System Administration" -M footer=xenstored-xss -o $@

$(O)/man/xs-state.1: docs/xs-state.1.md | deps-man
	@mkdir -p $(dir $@)
	sed -e 1d $< | pandoc -s -f markdown-smart -t man -M title=XS-STATE \
		-M section=1 -M header="User Commands" -M footer=xenstored-xss \
		-o $@

man: $(MAN_PAGES)

programs: $(XSD_BIN) $(XSS_TOOL)

install: programs man
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(XSD_BIN) $(DESTDIR)$(SBINDIR)/xenstored-xss
	install -m 0755 $(XSS_TOOL) $(DESTDIR)$(BINDIR)/xs-state
	install -m 0644 $(O)/man/xenstored-xss.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(O)/man/xs-state.1 $(DESTDIR)$(MANDIR)/man1/
	sed 's|/usr/sbin/xenstored-xss|$(SBINDIR)/xenstored-xss|' \
		systemd/xenstored-xss.service > \
		$(DESTDIR)$(UNITDIR)/xenstored-xss.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/xenstored-xss.service
	install -m 0644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/xenstored-xss $(DESTDIR)$(BINDIR)/xs-state \
		$(DESTDIR)$(MANDIR)/man8/xenstored-xss.8 \
		$(DESTDIR)$(MANDIR)/man1/xs-state.1 \
		$(DESTDIR)$(UNITDIR)/xenstored-xss.service
	rm -rf $(DESTDIR)$(DOCDIR)

# The Debian package (debian/), built from a copy of the working tree in
# build/deb so that dpkg-buildpackage's outputs (written to the parent
# directory) stay below build/.
DEB_DIR := build/deb
deb: deps-deb
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src
	git ls-files -co --exclude-standard -z | \
		xargs -0 tar cf - | tar xf - -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b -j2
	lintian --fail-on error $(DEB_DIR)/*.deb

# make deb, then install the package on this machine, run the installed
# daemon, remove the package (tests/package).
check-package: deb
	XSD_DEB_DIR=$(abspath $(DEB_DIR)) $(PY) -m pytest -q tests/package

# Debian packages: build needs the first line, tests and demo the rest.
BUILD_PKGS := gcc make libtalloc-dev libtdb-dev libcmocka-dev libxen-dev
RUN_PKGS := xenstore-utils python3-pyxs python3-pytest xen-utils-4.17 \
	    valgrind
MAN_PKGS := pandoc
DEB_PKGS := debhelper dpkg-dev fakeroot lintian $(MAN_PKGS) \
	    xenstore-utils python3-pytest
# XSD_NO_ENSURE=1 (the package build): Build-Depends took care of it.
deps-build:
	@[ -n "$(XSD_NO_ENSURE)" ] || scripts/ensure-packages $(BUILD_PKGS)
deps-man:
	@[ -n "$(XSD_NO_ENSURE)" ] || scripts/ensure-packages $(MAN_PKGS)
deps-deb: deps-build
	@scripts/ensure-packages $(DEB_PKGS)
deps: deps-build
	@scripts/ensure-packages $(RUN_PKGS)

unit: $(UNIT_BINS)
	@scripts/run-unit $(UNIT_BINS)

integration: $(XSD_BIN) $(GUEST_BIN) $(MANY_BIN) $(XSS_TOOL) $(MKGOLDEN) \
		$(FAKEXEN_LIB) $(FAKEXEN_CTL) $(STORE2_BIN) deps
	XSD_BINARY=$(abspath $(XSD_BIN)) XSD_GUEST=$(abspath $(GUEST_BIN)) \
	XSD_STORE2_BINARY=$(abspath $(STORE2_BIN)) \
	XSD_MANY=$(abspath $(MANY_BIN)) \
	XSS_TOOL=$(abspath $(XSS_TOOL)) XSS_MKGOLDEN=$(abspath $(MKGOLDEN)) \
	XSD_FAKEXEN=$(abspath $(dir $(FAKEXEN_LIB))) \
		$(PY) -m pytest -q tests/integration

# The guest suites again with the daemon's Xen backend under the fake
# hypervisor of tests/fakexen.
integration-fakexen: $(XSD_BIN) $(GUEST_BIN) $(XSS_TOOL) $(FAKEXEN_LIB) \
		$(FAKEXEN_CTL) deps
	XSD_BACKEND=fakexen XSD_BINARY=$(abspath $(XSD_BIN)) \
	XSD_GUEST=$(abspath $(GUEST_BIN)) XSS_TOOL=$(abspath $(XSS_TOOL)) \
	XSD_FAKEXEN=$(abspath $(dir $(FAKEXEN_LIB))) \
		$(PY) -m pytest -q tests/integration/test_guest_smoke.py \
		tests/integration/test_guests.py tests/integration/test_dom0_ring.py \
		tests/integration/test_live_update.py \
		tests/integration/test_live_update_failures.py

# Everything: unit and integration tests, the integration tests again
# with the daemon under valgrind, all of it built with ASan/UBSan, and a
# short run of the image reader's fuzzer.
# Every stage runs even when one before it failed; the last line counts
# them and the exit status says whether all passed (scripts/run-stages).
CHECK_STAGES := unit integration integration-fakexen check-valgrind \
	check-asan "fuzz FUZZ_SECONDS=15" check-package
check: deps all
	@MAKE="$(MAKE)" scripts/run-stages $(CHECK_STAGES)

check-valgrind: deps all $(STORE2_BIN)
	XSD_BINARY=$(abspath $(XSD_BIN)) \
	XSD_STORE2_BINARY=$(abspath $(STORE2_BIN)) \
	XSD_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	$(PY) -m pytest -q tests/integration -k "not random and not many"

check-asan: deps
	$(MAKE) O=build/asan SANITIZE=1 all
	$(MAKE) O=build/asan SANITIZE=1 unit
	XSD_TAKEOVER_NODES=2000 XSD_WALK_NODES=20000 XSD_SANITIZED=1 \
		XSD_TIME_SCALE=4 \
		$(MAKE) O=build/asan SANITIZE=1 integration

demo: deps $(XSD_BIN) $(GUEST_BIN) $(XSS_TOOL) $(FAKEXEN_LIB) $(FAKEXEN_CTL)
	@scripts/demo $(abspath $(XSD_BIN)) $(abspath $(GUEST_BIN)) \
		$(abspath $(XSS_TOOL))

bench: deps $(XSD_BIN) $(GUEST_BIN) $(MANY_BIN) $(FAKEXEN_LIB) $(FAKEXEN_CTL) \
		$(STORE2_BIN)
	@bench/run.sh
	@bench/fairness.py
	@$(PY) bench/lu.py
	@$(PY) bench/migrate.py
	@XSD_BINARY=$(abspath $(XSD_BIN)) \
	XSD_FAKEXEN=$(abspath $(dir $(FAKEXEN_LIB))) $(PY) bench/takeover.py

clean:
	rm -rf build xenstored/*.o xenstored/xenstored tests/unit/*.o \
		xs-state/*.o xs-state/*.a xs-state/xs-state \
		tests/guest/*.o tests/xs-guest tests/many/*.o tests/xs-many \
		$(UNIT_SRCS:%.c=%) \
		tests/fakexen/*.o tests/fakexen/*.so tests/fakexen/fakexen-ctl \
		man

.PHONY: all check unit integration integration-fakexen check-valgrind \
	check-asan demo bench man programs install uninstall deb \
	check-package deps-man deps-deb \
	clean deps deps-build fuzz
