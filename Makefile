# xenstored with a state serializer: top-level build.
#
#   make            build xenstored/xenstored (and the test programs)
#   make check      install what is missing, build, run every test
#   make demo       start the daemon on a temporary socket and use it
#   make bench      throughput table against upstream xenstored
#   make check-asan the tests again with ASan/UBSan
#
# O=DIR puts objects and binaries below DIR (used by check-asan).

O ?= .
CC ?= gcc
CFLAGS ?= -O2 -g
# The flags every build needs; CFLAGS (optimisation, debug) may be set on
# the command line without losing them.
XCFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -D_GNU_SOURCE -Iinclude -Ixenstored
LDLIBS = -ltalloc -ltdb -lxenevtchn -lxengnttab -lxenctrl
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
GUEST_OBJS := $(GUEST_SRCS:%.c=$(O)/%.o) $(O)/xenstored/ring.o
ifneq ($(wildcard tests/guest/xs-guest.c),)
GUEST_BIN := $(O)/tests/xs-guest
endif

ifneq ($(wildcard tests/golden/mkgolden.c),)
MKGOLDEN := $(O)/tests/golden/mkgolden
endif

all: $(XSD_BIN) $(UNIT_BINS) $(GUEST_BIN) $(XSS_TOOL) $(MKGOLDEN)

$(O)/%.o: %.c $(wildcard xenstored/*.h include/*.h tests/guest/*.h xs-state/*.h) | deps-build
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

$(O)/tests/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(XSD_OBJS) \
		$(XSS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(XSD_OBJS) $(XSS_LIB) $(LDLIBS) \
		-lcmocka

# libFuzzer harnesses (clang), FUZZ_SECONDS each: the image reader, the
# wire parser and the ring consumer (the last two on the daemon's code).
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
		build/fuzz/corpus-ring
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_reader tests/fuzz/fuzz_reader.c \
		build/fuzz/xs-state/libxsstate.a -ltalloc
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_wire tests/fuzz/fuzz_wire.c \
		$(FUZZ_XSD_OBJS) build/fuzz/xs-state/libxsstate.a $(LDLIBS)
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_ring tests/fuzz/fuzz_ring.c \
		$(FUZZ_XSD_OBJS) build/fuzz/xs-state/libxsstate.a $(LDLIBS)
	build/fuzz/fuzz_reader -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/ \
		-max_len=65536 build/fuzz/corpus tests/fuzz/corpus
	build/fuzz/fuzz_wire -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/ \
		-max_len=16384 build/fuzz/corpus-wire tests/fuzz/corpus-wire
	build/fuzz/fuzz_ring -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/ \
		-max_len=16384 build/fuzz/corpus-ring tests/fuzz/corpus-ring

# Debian packages: build needs the first line, tests and demo the rest.
BUILD_PKGS := gcc make libtalloc-dev libtdb-dev libcmocka-dev libxen-dev
RUN_PKGS := xenstore-utils python3-pyxs python3-pytest xen-utils-4.17 \
	    valgrind
deps-build:
	@scripts/ensure-packages $(BUILD_PKGS)
deps: deps-build
	@scripts/ensure-packages $(RUN_PKGS)

unit: $(UNIT_BINS)
	@scripts/run-unit $(UNIT_BINS)

integration: $(XSD_BIN) $(GUEST_BIN) $(XSS_TOOL) $(MKGOLDEN) deps
	XSD_BINARY=$(abspath $(XSD_BIN)) XSD_GUEST=$(abspath $(GUEST_BIN)) \
	XSS_TOOL=$(abspath $(XSS_TOOL)) XSS_MKGOLDEN=$(abspath $(MKGOLDEN)) \
		$(PY) -m pytest -q tests/integration

# Everything: unit and integration tests, the integration tests again
# with the daemon under valgrind, all of it built with ASan/UBSan, and a
# short run of the image reader's fuzzer.
check: deps all
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) check-valgrind
	$(MAKE) check-asan
	$(MAKE) fuzz FUZZ_SECONDS=20
	@echo "check: 5 passed, 0 failed (unit, integration, valgrind, asan, fuzz)"

check-valgrind: deps all
	XSD_BINARY=$(abspath $(XSD_BIN)) \
	XSD_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	$(PY) -m pytest -q tests/integration -k "not random and not many"

check-asan: deps
	$(MAKE) O=build/asan SANITIZE=1 all
	$(MAKE) O=build/asan SANITIZE=1 unit
	$(MAKE) O=build/asan SANITIZE=1 integration

demo: deps $(XSD_BIN) $(GUEST_BIN) $(XSS_TOOL)
	@scripts/demo $(abspath $(XSD_BIN)) $(abspath $(GUEST_BIN)) \
		$(abspath $(XSS_TOOL))

bench: deps $(XSD_BIN) $(GUEST_BIN)
	@bench/run.sh
	@bench/fairness.py

clean:
	rm -rf build xenstored/*.o xenstored/xenstored tests/unit/*.o \
		xs-state/*.o xs-state/*.a xs-state/xs-state \
		tests/guest/*.o tests/xs-guest $(UNIT_SRCS:%.c=%)

.PHONY: all check unit integration check-valgrind check-asan demo bench \
	clean deps deps-build fuzz
