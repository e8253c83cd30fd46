# SPDX-License-Identifier: GPL-2.0-or-later
"""Live update into a binary whose store record layout differs
(docs/live-update.md, "When the store's layout changes"): its pre-flight
check refuses our store's descriptor, so the store is walked into
NODE_DATA records in the image instead, checked again, and loaded by the
new binary.  The binary with the other layout is this daemon built with
make STORE_FORMAT_TEST=1 (Makefile: STORE2_BIN).
"""

import os

import pytest

import conftest
from conftest import XS_WRITE, XsRaw, pack
from test_live_update import binary, live_update, ok
from test_live_update_failures import World
from test_guests import xsd_args  # noqa: F401 (fixture)

pytestmark = pytest.mark.ours_only("live update into our own binary")

# The plain stage: 100,000 nodes; make check-asan asks for fewer.
MANY = int(os.environ.get("XSD_WALK_NODES", "100000"))


def store2():
    """The daemon built with another store record layout."""
    p = os.environ.get("XSD_STORE2_BINARY") or os.path.join(
        conftest.REPO, "build", "store2", "xenstored", "xenstored")
    if not os.access(p, os.X_OK):
        pytest.fail("no daemon with another store layout at %s "
                    "(make builds it: STORE2_BIN)" % p)
    return os.path.realpath(p)


def fill(xsd, n):
    """n nodes below /big, 100 to a directory, written pipelined."""
    xs = XsRaw(xsd.socket, conftest.IO_TIMEOUT * 4)
    batch = []
    for i in range(n):
        batch.append(pack(XS_WRITE, b"/big/%d/%d\0v%d" % (i // 100, i % 100,
                                                          i), i + 1))
        if len(batch) == 500 or i == n - 1:
            xs.send_raw(b"".join(batch))
            for _ in batch:
                assert xs.recv_reply().payload == b"OK\0"
            batch = []
    xs.close()


def spot_check(xs, n):
    for i in list(range(0, n, max(1, n // 97))) + [n - 1]:
        assert xs.read("/big/%d/%d" % (i // 100, i % 100)) == b"v%d" % i


@pytest.mark.parametrize("nodes", [1000, MANY], ids=["few", "many"])
def test_update_across_store_layouts(xsd, xs, tmp_path, nodes):
    """Into the other layout and back: every node, client, guest, watch
    and open transaction carries on, in the same process."""
    fill(xsd, nodes)
    world = World(xsd, xs, tmp_path)
    pid = xsd.pid
    try:
        for target in (store2(), binary()):
            ok(live_update(xsd, target))
            assert xsd.pid == pid and xsd.alive()
            assert os.path.realpath("/proc/%d/exe" % pid) == target
            with open(xsd.stderr_path) as f:
                log = f.read()
            assert log.count("the store walked into NODE_DATA records") \
                == (1 if target != binary() else 2), log
            spot_check(xs, nodes)
        # The same state as before both (the dump holds every node).
        world.check()
        spot_check(xs, nodes)
    finally:
        world.close()


def test_update_across_layouts_keeps_the_file(xsd_args, tmp_path,
                                              monkeypatch):
    """-I off: the new binary writes the walked nodes into the store's
    file (the old layout's file must not be left stale)."""
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv("XENSTORED_ROOTDIR", str(root))
    xsd = xsd_args("-I", "off")
    xs = xsd.client()
    fill(xsd, 500)
    ok(live_update(xsd, store2()))
    xs.write("/after-walk", "written-by-the-other-layout")
    with open(str(root / "tdb"), "rb") as f:
        assert b"written-by-the-other-layout" in f.read()
    spot_check(xs, 500)
    ok(live_update(xsd, binary()))
    spot_check(xs, 500)
    assert xs.read("/after-walk") == b"written-by-the-other-layout"
