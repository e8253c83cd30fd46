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
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -D_GNU_SOURCE -Iinclude -Ixenstored
LDLIBS = -ltalloc -ltdb -lxenevtchn -lxengnttab -lxenctrl
ifdef SANITIZE
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

PY := /usr/bin/python3

XSD_SRCS := $(filter-out xenstored/main.c,$(wildcard xenstored/*.c))
XSD_OBJS := $(XSD_SRCS:%.c=$(O)/%.o)
XSD_MAIN := $(O)/xenstored/main.o
XSD_BIN := $(O)/xenstored/xenstored

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)

GUEST_SRCS := $(wildcard tests/guest/*.c)
GUEST_OBJS := $(GUEST_SRCS:%.c=$(O)/%.o) $(O)/xenstored/ring.o
ifneq ($(wildcard tests/guest/xs-guest.c),)
GUEST_BIN := $(O)/tests/xs-guest
endif

all: $(XSD_BIN) $(UNIT_BINS) $(GUEST_BIN)

$(O)/%.o: %.c $(wildcard xenstored/*.h include/*.h tests/guest/*.h) | deps-build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(XSD_BIN): $(XSD_OBJS) $(XSD_MAIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(GUEST_BIN): $(GUEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -ltalloc

$(O)/tests/unit/%: tests/unit/%.c $(XSD_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(XSD_OBJS) $(LDLIBS) -lcmocka

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

integration: $(XSD_BIN) $(GUEST_BIN) deps
	XSD_BINARY=$(abspath $(XSD_BIN)) XSD_GUEST=$(abspath $(GUEST_BIN)) \
		$(PY) -m pytest -q tests/integration

# Everything: unit and integration tests, the integration tests again
# with the daemon under valgrind, and all of it built with ASan/UBSan.
check: deps all
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) check-valgrind
	$(MAKE) check-asan

check-valgrind: deps all
	XSD_BINARY=$(abspath $(XSD_BIN)) \
	XSD_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	$(PY) -m pytest -q tests/integration -k "not random and not many"

check-asan: deps
	$(MAKE) O=build/asan SANITIZE=1 all
	$(MAKE) O=build/asan SANITIZE=1 unit
	$(MAKE) O=build/asan SANITIZE=1 integration

demo: deps $(XSD_BIN) $(GUEST_BIN)
	@scripts/demo $(abspath $(XSD_BIN)) $(abspath $(GUEST_BIN))

bench: deps $(XSD_BIN)
	@bench/run.sh

clean:
	rm -rf build xenstored/*.o xenstored/xenstored tests/unit/*.o \
		tests/guest/*.o tests/xs-guest $(UNIT_SRCS:%.c=%)

.PHONY: all check unit integration check-valgrind check-asan demo bench \
	clean deps deps-build
