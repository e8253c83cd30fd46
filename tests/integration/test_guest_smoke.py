# SPDX-License-Identifier: GPL-2.0-or-later
"""Smoke test of the simulated guest (tests/xs-guest, docs/xs-guest.1.md)
against the daemon's sim backend (docs/sim-backend.md): a domain brought
up over a ring page talks to xenstored, and dom0 sees what it does.
"""

import os
import queue
import re
import subprocess
import threading
import time

import pytest

from conftest import (IO_TIMEOUT, XS_IS_DOMAIN_INTRODUCED, find_test_program,
                      raises_xs)

pytestmark = pytest.mark.ours_only("the sim backend is ours")


def _guest_binary():
    return find_test_program("xs-guest", "XSD_GUEST")


class Guest:
    """xs-guest --stdin: one command line in, one result line out."""

    def __init__(self, xsd, domid, *opts):
        self.domid = domid
        self.env = xsd.env
        self.kept = "--keep" in opts    # a child outlives the process
        self.proc = subprocess.Popen(
            [_guest_binary(), "--domid", str(domid)] + list(opts) +
            ["--stdin"],
            env=xsd.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._pump, args=(self.proc.stdout,
                                                  self.lines.put),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr,
                                                  self.stderr.append),
                         daemon=True).start()
        # The first answer comes once the set-up (INTRODUCE) is done.
        assert self("error") == "0"

    @staticmethod
    def _pump(f, put):
        for line in f:
            put(line.rstrip("\n"))
        put(None)

    def __call__(self, line, timeout=IO_TIMEOUT * 3):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        try:
            out = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("xs-guest: no answer to %r within %ss; "
                                 "stderr: %s" % (line, timeout,
                                                 "".join(self.stderr)))
        assert out is not None, "xs-guest exited (%s) on %r; stderr: %s" % (
            self.proc.poll(), line, "\n".join(self.stderr))
        return out

    def quit(self):
        assert self("quit") == "OK"
        assert self.proc.wait(IO_TIMEOUT) == 0
        self.proc.stdin.close()
        self._gone()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(IO_TIMEOUT)
            self._gone()

    def _gone(self):
        """Under the fake hypervisor, the lifeline server destroys the
        domain once its process has ended, asynchronously: wait for it,
        so that a new guest of the same domid is not destroyed in its
        place."""
        fx = self.env.get("FAKEXEN_DIR")
        if not fx or self.domid == 0 or self.kept:
            return
        state = os.path.join(fx, "domains", str(self.domid))
        hv = os.path.join(fx, "hv")     # gone once the server stopped
        deadline = time.monotonic() + IO_TIMEOUT
        while os.path.exists(state) and os.path.exists(hv) and \
                time.monotonic() < deadline:
            time.sleep(0.005)


@pytest.fixture
def guest(xsd):
    g = Guest(xsd, 5)
    yield g
    g.kill()


def test_guest_smoke(xsd, xs, guest):
    g = guest
    home = "/local/domain/5"
    # dom0 side of the set-up: the domain is introduced, its home is its own
    assert xs.call(XS_IS_DOMAIN_INTRODUCED, "5") == b"T\0"

    # write / read / dir, relative and absolute paths
    assert g("write data hello  world") == "OK"
    assert g("read data") == "hello  world"
    assert g("read %s/data" % home) == "hello  world"
    assert g("mkdir sub") == "OK"
    assert g("write sub/leaf 1") == "OK"
    assert g("dir %s" % home) == "data sub"
    assert g("dir sub/leaf") == ""
    assert g("getperms data") == "n5"
    assert g("read /nonexistent") in ("ERROR ENOENT", "ERROR EACCES")
    assert g("rm sub") == "OK"
    assert g("read sub/leaf") == "ERROR ENOENT"

    # dom0 sees the guest's write, owned by the guest
    r = xsd.run(["xenstore-read", home + "/data"], check=True)
    assert r.stdout == b"hello  world\n"
    assert xs.get_perms(home + "/data") == [b"n5"]

    # a watch: the initial event, then one for dom0's write
    assert g("watch %s/w tok" % home) == "OK"
    assert g("wait-event") == "EVENT %s/w tok" % home
    assert g("wait-event 0.1") == "TIMEOUT"
    xs.write(home + "/w/x", "y")
    assert g("wait-event") == "EVENT %s/w/x tok" % home
    assert g("unwatch %s/w tok" % home) == "OK"

    # a transaction: invisible to dom0 until committed
    tx = g("tx-start")
    assert re.fullmatch(r"[1-9][0-9]*", tx), tx
    assert g("tx %s write t1 v1" % tx) == "OK"
    assert g("tx %s read t1" % tx) == "v1"
    with raises_xs("ENOENT"):
        xs.read(home + "/t1")
    assert g("tx-end %s commit" % tx) == "OK"
    assert xs.read(home + "/t1") == b"v1"

    # a conflicting one fails with EAGAIN
    tx = g("tx-start")
    assert g("tx %s read data" % tx) == "hello  world"
    xs.write(home + "/data", "changed by dom0")
    assert g("tx %s write t2 v2" % tx) == "OK"
    assert g("tx-end %s commit" % tx) == "ERROR EAGAIN"
    assert g("read data") == "changed by dom0"
    with raises_xs("ENOENT"):
        xs.read(home + "/t2")

    assert g("error") == "0"
    g.quit()


def test_guest_exit_releases_domain(xsd, xs):
    """Closing the event channel is the domain's death (sim-backend.md)."""
    g = Guest(xsd, 5)
    try:
        assert g("write data x") == "OK"
        w = xsd.client()
        w.watch("@releaseDomain", "rel")
        assert w.wait_event() == (b"@releaseDomain", b"rel")
        g.quit()
        assert w.wait_event() == (b"@releaseDomain", b"rel")
        deadline = time.monotonic() + IO_TIMEOUT
        while xs.call(XS_IS_DOMAIN_INTRODUCED, "5") != b"F\0":
            assert time.monotonic() < deadline, "domain 5 still introduced"
            time.sleep(0.02)
        assert not xs.exists("/local/domain/5/data")
    finally:
        g.kill()


def test_guest_oneshot(xsd, xs):
    xs.mkdir("/local/domain/6")
    xs.set_perms("/local/domain/6", ["n6"])
    xs.write("/local/domain/6/v", "from dom0")
    r = xsd.run([_guest_binary(), "--domid", "6", "read", "v"], check=True)
    assert r.stdout == b"from dom0\n"
    r = xsd.run([_guest_binary(), "--domid", "7", "read", "missing"])
    assert (r.returncode, r.stdout) == (1, b"ERROR ENOENT\n")
    r = xsd.run([_guest_binary(), "--domid", "8", "frobnicate"])
    assert r.returncode == 2
