# SPDX-License-Identifier: GPL-2.0-or-later
"""Daemon state round trip through an xs-state image (docs/xs-state-format.md).

A daemon is populated the way a host would be (socket clients and
simulated guests with watches, open transactions with local writes and
removals, unsent output, half-received input, per-domain settings), dumps
its state (CONTROL dump-state), a fresh daemon process starts from that
image (--restore), dumps again, and `xs-state diff` finds no difference.
Broken images are refused before the new daemon changes anything.
"""

import os
import shlex
import socket
import struct
import subprocess
import time

import pytest

import conftest
from conftest import (IO_TIMEOUT, REPO, XS_CONTROL, XS_WRITE, XsRaw, pack,
                      raises_xs)
from test_guest_smoke import Guest

pytestmark = pytest.mark.ours_only("the state image is ours")

XS_SET_FEATURE = 24
XS_SET_QUOTA = 26


def _tool():
    t = os.environ.get("XSS_TOOL") or os.path.join(REPO, "xs-state",
                                                  "xs-state")
    if not os.access(t, os.X_OK):
        pytest.fail("xs-state tool %s missing: run make" % t)
    return t


def dump(xs, path):
    xs.ack(XS_CONTROL, "dump-state", path)
    assert os.path.getsize(path) > 64
    return path


def tool(*args):
    return subprocess.run([_tool()] + list(args), capture_output=True,
                          text=True, timeout=IO_TIMEOUT * 4)


class Restored(conftest.Daemon):
    """A second daemon started from an image with --restore."""

    def __init__(self, image, tmp_path):
        super().__init__()
        wrapper = tmp_path / ("restore-%d" % id(self))
        wrapper.write_text("#!/bin/sh\nexec %s \"$@\" --restore %s\n" % (
            " ".join(shlex.quote(w) for w in conftest.WRAPPER +
                     [conftest._binary()]), shlex.quote(image)))
        wrapper.chmod(0o755)
        self.wrapper = str(wrapper)

    def start(self):
        old = os.environ.get("XSD_BINARY")
        os.environ["XSD_BINARY"] = self.wrapper
        saved, conftest.WRAPPER = conftest.WRAPPER, []
        try:
            self._start_ours()
        finally:
            conftest.WRAPPER = saved
            if old is None:
                del os.environ["XSD_BINARY"]
            else:
                os.environ["XSD_BINARY"] = old


@pytest.fixture
def restored(tmp_path):
    made = []

    def start(image):
        d = Restored(image, tmp_path)
        made.append(d)
        d.start()
        return d
    yield start
    for d in made:
        status = d.stop()
        d.cleanup()
        assert status == 0, "restored daemon exited with %s" % status


def populate(xsd, xs, tmp_path):
    """Everything an image must carry; returns what keeps it alive."""
    keep = []
    # nodes: binary values, empty values, permissions, depth
    xs.write("/vm/1/name", "guest one")
    xs.write("/vm/1/blob", b"\x00\x01\xffbinary\x00")
    xs.mkdir("/vm/1/empty")
    xs.set_perms("/vm/1", ["n0", "r5", "b6"])
    for i in range(50):
        xs.write("/many/%03d" % i, str(i))
    # settings of a domain not introduced yet
    xs.ack(XS_SET_FEATURE, "9", "1")
    xs.ack(XS_SET_QUOTA, "9", "nodes", "77")
    # a dom0 tool with watches and an open transaction
    a = xsd.client()
    a.watch("/vm", "tool-a")
    a.watch("/many", "depth1", depth=1)
    a.drain_events(2)
    tx = a.tx_start()
    a.read("/vm/1/name", tx=tx)
    a.write("/vm/1/name", "renamed", tx=tx)
    a.rm("/many/007", tx=tx)
    a.write("/vm/2/new", "in txn", tx=tx)
    a.directory("/vm", tx=tx)
    keep.append(a)
    # a dom0 tool that stopped reading: its events pile up unsent
    b = xsd.client()
    b.watch("/flood", "x" * 2000)
    b.sync()
    for i in range(400):
        xs.write("/flood/n", str(i))
    keep.append(b)
    # a dom0 tool that sent half a request
    c = conftest.connect_unix(xsd.socket)
    c.sendall(pack(XS_WRITE, b"/half\0value")[:21])
    keep.append(c)
    # guests: one with a watch and an open transaction, one idle
    g5 = Guest(xsd, 5)
    assert g5("write data five") == "OK"
    assert g5("watch /local/domain/5 g5") == "OK"
    assert g5("wait-event") == "EVENT /local/domain/5 g5"
    t5 = g5("tx-start")
    assert g5("tx %s write data changed" % t5) == "OK"
    assert g5("tx %s rm data" % t5) == "OK"
    g6 = Guest(xsd, 6)
    assert g6("write x 6") == "OK"
    keep += [g5, g6]
    time.sleep(0.2)     # let the flood fill b's socket
    return keep


def test_dump_restore_dump_is_identical(xsd, xs, tmp_path, restored):
    keep = populate(xsd, xs, tmp_path)
    d1 = dump(xs, str(tmp_path / "d1.xss"))
    r = tool("verify", d1)
    assert r.returncode == 0, r.stderr
    stats = tool("stats", d1).stdout
    for rec in ("TRANSACTION_NODE_DATA", "TRANSACTION_EVENT",
                "GUEST_RING_DATA", "CONN_INPUT", "WATCH_DATA",
                "DOMAIN_START", "SOCKET_START", "QUOTA_DATA"):
        assert rec in stats, "no %s in the image:\n%s" % (rec, stats)

    r2 = restored(d1)
    xs2 = r2.client()
    assert xs2.read("/vm/1/blob") == b"\x00\x01\xffbinary\x00"
    assert xs2.get_perms("/vm/1") == [b"n0", b"r5", b"b6"]
    d2 = dump(xs2, str(tmp_path / "d2.xss"))
    r = tool("diff", "--ignore-fds", d1, d2)
    assert (r.returncode, r.stdout) == (0, ""), r.stdout + r.stderr
    for k in keep:
        if isinstance(k, Guest):
            k.kill()


def test_restored_transaction_still_detects_conflicts(xsd, xs, tmp_path,
                                                      restored):
    """The access set survives: after restore, committing a transaction
    whose node changed meanwhile fails; the image says which node."""
    a = xsd.client()
    xs.write("/t/x", "1")
    tx = a.tx_start()
    a.read("/t/x", tx=tx)
    a.write("/t/y", "2", tx=tx)
    d1 = dump(xs, str(tmp_path / "d1.xss"))
    out = tool("dump", d1).stdout
    assert "TRANSACTION_NODE_DATA" in out and "/t/x" in out
    r2 = restored(d1)
    xs2 = r2.client()
    assert xs2.read("/t/x") == b"1"
    with raises_xs("ENOENT"):
        xs2.read("/t/y")    # not committed


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage"])
def test_restore_refuses_broken_images(xsd, xs, tmp_path, damage):
    xs.write("/some/node", "value")
    d1 = dump(xs, str(tmp_path / "d1.xss"))
    data = bytearray(open(d1, "rb").read())
    if damage == "truncate":
        data = data[:len(data) - 20]
    elif damage == "flip":
        data[100] ^= 0x10
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(os.urandom(512))
    bad = tmp_path / "bad.xss"
    bad.write_bytes(bytes(data))
    env = dict(os.environ)
    env.pop("XENSTORED_PATH", None)
    env["XENSTORED_RUNDIR"] = str(tmp_path / "run")
    r = subprocess.run([conftest._binary(), "-N", "--restore", str(bad)],
                       env=env, capture_output=True, text=True,
                       timeout=IO_TIMEOUT * 2)
    assert r.returncode == 1
    assert "xenstored: restore: %s: " % bad in r.stderr
    assert not os.path.exists(tmp_path / "run" / "socket")


def test_dump_state_errors(xsd, xs, tmp_path):
    with raises_xs("EINVAL"):
        xs.call(XS_CONTROL, "dump-state", "relative/path")
    with raises_xs("ENOENT"):
        xs.call(XS_CONTROL, "dump-state", str(tmp_path / "no/such/dir"))
    with raises_xs("EINVAL"):
        xs.call(XS_CONTROL, "dump-state")


# ---------------------------------------------------------------------------
# A daemon restored from a dump is consistent with one that built the
# state itself (issue 9, items 4, 5 and 7)
# ---------------------------------------------------------------------------
def test_restored_domain_introduced_again(xsd, xs, tmp_path, restored):
    """dom7 was introduced when the dump was taken; the restored daemon
    has no ring for it (a debug dump), and the toolstack introducing dom7
    again must get a working domain, not a crash."""
    g = Guest(xsd, 7)
    try:
        assert g("write name seven") == "OK"
        img = dump(xs, str(tmp_path / "with7.xss"))
    finally:
        g.kill()
    r = restored(img)
    g2 = Guest(r, 7)        # introduces dom7 again, at the restored daemon
    try:
        assert g2("write name again") == "OK"
        assert g2("read name") == "again"
        c = r.client()
        assert c.read("/local/domain/7/name") == b"again"
    finally:
        g2.kill()


def test_release_of_restored_domain_spares_other_ports(xsd, xs, tmp_path,
                                                       restored):
    """The restored dom7 keeps its saved local port number, which a new
    guest gets at the restored daemon; releasing dom7 must not unbind
    the new guest's channel."""
    g = Guest(xsd, 7)
    try:
        img = dump(xs, str(tmp_path / "with7.xss"))
    finally:
        g.kill()
    r = restored(img)
    g8 = Guest(r, 8)        # gets local port 1, as dom7 had
    try:
        c = r.client()
        c.call(9, "7")          # RELEASE dom7
        assert g8("write still alive") == "OK"
        assert g8("read still") == "alive"
        assert g8("error") == "0"
    finally:
        g8.kill()


def test_restored_generations_go_on(xsd, xs, tmp_path, restored):
    """The generation counter goes on from the image's, never back: it
    counts generations open transactions used too, which no committed
    node shows."""
    import re
    xs.write("/gen/a", "1")
    t = xsd.client()
    tx = t.tx_start()
    for i in range(30):
        t.write("/gen/t%d" % i, "x", tx=tx)
    img = dump(xs, str(tmp_path / "gen.xss"))

    def global_gen(path):
        m = re.search(r"GLOBAL_DATA len \d+: generation (\d+)",
                      tool("dump", path).stdout)
        assert m, tool("dump", path)
        return int(m.group(1))

    saved = global_gen(img)
    r = restored(img)
    c = r.client()
    assert global_gen(dump(c, str(tmp_path / "gen2.xss"))) >= saved
    c.write("/gen/a", "2")
    text = tool("dump", dump(c, str(tmp_path / "gen3.xss"))).stdout
    m = re.search(r"path /gen/a gen (\d+)", text)
    assert m and int(m.group(1)) > saved
