# SPDX-License-Identifier: GPL-2.0-or-later
"""Debian's oxenstored 4.17 under the fake hypervisor of tests/fakexen:
it serves dom0's ring, guests and socket clients, and live-updates into
itself, leaving the dump that a take-over from it reads
(tests/fakexen/OXENSTORED-LU.md, tests/golden/oxenstored-lu.db).

XSD_OX_SAVE_DUMP=FILE: copy the dump of the live update test there (how
the fixture was made).
"""

import os
import shutil
import subprocess
import time

import pytest

import conftest
from conftest import (IO_TIMEOUT, XENSTORE_CONTROL, FakeXen, XsRaw,
                      connect_unix, pack)
from test_guest_smoke import Guest
from test_guests import drain, wait_for

OXENSTORED = "/usr/lib/xen-4.17/bin/oxenstored"
XS_CONTROL = 0
XS_WRITE = 11

pytestmark = [pytest.mark.ours_only("the fake hypervisor is ours"),
              pytest.mark.skipif(bool(conftest.WRAPPER),
                                 reason="LD_PRELOAD under a wrapper"),
              pytest.mark.skipif(not os.access(OXENSTORED, os.X_OK),
                                 reason="xen-utils-4.17 not installed")]

with open(os.path.join(conftest.REPO, "tests", "fakexen",
                       "oxenstored.conf.in")) as _f:
    CONFIG = _f.read()          # {d}: the run's own directory


class Ox:
    """oxenstored --no-fork under the fake; its run directory (socket,
    dump) is $FAKEXEN_DIR/run (fakexen.c remaps /var/run/xenstored)."""

    def __init__(self, tmp):
        self.tmp = str(tmp)
        self.fakexen = FakeXen(os.path.join(self.tmp, "fx"))
        self.run_dir = os.path.join(self.fakexen.dir, "run")
        self.sock = os.path.join(self.run_dir, "socket")
        self.db = os.path.join(self.run_dir, "db")
        conf = os.path.join(self.tmp, "oxenstored.conf")
        with open(conf, "w") as f:
            f.write(CONFIG.format(d=self.tmp))
        self.env = dict(os.environ, FAKEXEN_DIR=self.fakexen.dir,
                        XENSTORED_PATH=self.sock)
        env = dict(self.env, LD_PRELOAD=self.fakexen.lib)
        self.out = open(os.path.join(self.tmp, "oxenstored.out"), "w+")
        self.proc = subprocess.Popen(
            [OXENSTORED, "--no-fork", "--config-file", conf], env=env,
            stdin=subprocess.DEVNULL, stdout=self.out,
            stderr=subprocess.STDOUT)

        def listening():
            try:
                connect_unix(self.sock, 1.0).close()
                return True
            except OSError:
                return self.proc.poll() is not None
        wait_for(listening, "oxenstored's socket")
        assert self.proc.poll() is None, self.log()

    def client(self):
        return XsRaw(self.sock, IO_TIMEOUT)

    def log(self):
        text = ""
        for name in ("oxenstored.out", "oxenstored.log"):
            try:
                with open(os.path.join(self.tmp, name)) as f:
                    text += "--- %s\n%s" % (name, f.read()[-8000:])
            except OSError:
                pass
        return text

    def stop(self):
        # SIGTERM waits for connections that hold a live update back
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.fakexen.stop()
        self.out.close()


@pytest.fixture
def ox(tmp_path):
    o = Ox(tmp_path)
    try:
        yield o
    except BaseException:
        print(o.log())
        raise
    finally:
        o.stop()


def test_oxenstored_serves_dom0_and_a_guest_under_the_fake(ox):
    g0 = Guest(ox, 0)
    assert g0("write /local/domain/0/name Domain-0") == "OK"
    assert g0("read /local/domain/0/name") == "Domain-0"
    r = subprocess.run(["xenstore-read", "/local/domain/0/name"],
                       env=ox.env, capture_output=True, timeout=IO_TIMEOUT)
    assert r.stdout == b"Domain-0\n", r.stderr
    xs = ox.client()
    xs.watch("@releaseDomain", "r")
    assert xs.wait_event() == (b"@releaseDomain", b"r")
    # oxenstored neither notifies nor sets features at INTRODUCE
    g = Guest(ox, 5, "--port", "2", "--no-wait")
    assert g("write name five") == "OK"
    assert g("read name") == "five"
    assert g("getperms name") == "n5"
    assert xs.read("/local/domain/5/name") == b"five"
    # a destroyed domain is released through VIRQ_DOM_EXC
    ox.fakexen.ctl(["destroy", "5"])
    assert xs.wait_event() == (b"@releaseDomain", b"r")
    wait_for(lambda: b"5" not in xs.directory("/local/domain"),
             "oxenstored to release domain 5")
    g.kill()
    g0.quit()
    xs.close()


def _live_update(ox, *opts):
    return subprocess.run([XENSTORE_CONTROL, "live-update"] + list(opts) +
                          [OXENSTORED], env=ox.env, capture_output=True,
                          text=True, timeout=IO_TIMEOUT * 6)


@pytest.mark.skipif(not XENSTORE_CONTROL, reason="no xenstore-control")
def test_oxenstored_live_updates_into_itself(ox):
    """dom0's ring, two guests and socket clients with watches, one
    client with half a request: oxenstored dumps them, execs itself with
    --live --restart on the same pid, and every connection goes on."""
    pid = ox.proc.pid
    g0 = Guest(ox, 0)
    assert g0("write /local/domain/0/name Domain-0") == "OK"
    assert g0("watch /tool w0") == "OK"
    assert drain(g0) == [("/tool", "w0")]
    g5 = Guest(ox, 5, "--port", "2", "--no-wait")
    g7 = Guest(ox, 7, "--port", "3", "--no-wait")
    assert g5("write data five") == "OK"
    assert g5("watch data rel5") == "OK"            # relative
    assert g7("watch /local/domain/7 abs7") == "OK"
    assert g7("watch @releaseDomain rel7") == "OK"
    assert g7("setperms /local/domain/7 b7 r5") == "OK"
    for g in (g5, g7):
        drain(g)
    a = ox.client()
    a.watch("/vm", "tok a")
    a.watch("@introduceDomain", "intro")
    a.write("/vm/1/name", "guest\nwith newline")
    a.set_perms("/vm/1", [b"n0", b"r5"])
    a.drain_events()
    b = ox.client()
    b.watch("/local/domain/5", "b5")
    b.drain_events()
    # 1. xenstore-control's live update: -f, then -s until done
    r = _live_update(ox)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ox.proc.poll() is None and ox.proc.pid == pid
    assert g5("read data") == "five"

    # 2. half a WRITE (header and a part of its payload) holds the update
    # back, even forced (-F) past its timeout: oxenstored dumps its state
    # again and again but does not exec while the connection has it
    half = pack(XS_WRITE, b"/vm/half\0value", req_id=77)
    c = ox.client()
    c.send_raw(half[:20])
    assert a.call(XS_CONTROL, "live-update", "-f", OXENSTORED) == b"OK\0"
    # (oxenstored's results have no NUL)
    assert a.call(XS_CONTROL, "live-update", "-s", "-t", "1", "-F") == \
        b"BUSY"
    def forced():       # (its main loop looks when woken up)
        time.sleep(0.2)
        assert a.call(XS_CONTROL, "live-update", "-s") == b"BUSY"
        return "Live update forced" in ox.log()
    wait_for(forced, "the forced update", IO_TIMEOUT * 3)
    assert a.call(XS_CONTROL, "live-update", "-s") == b"BUSY"
    assert ox.log().count("Live reload: database loaded") == 1
    c.send_raw(half[20:])
    m = c.recv_reply()
    assert (m.type, m.req_id, m.payload) == (XS_WRITE, 77, b"OK\0")
    assert a.wait_event() == (b"/vm/half", b"tok a")
    deadline = time.monotonic() + IO_TIMEOUT * 3
    while True:
        res = a.call(XS_CONTROL, "live-update", "-s")
        if res != b"BUSY":
            break
        assert time.monotonic() < deadline, "live update never happened"
        time.sleep(0.2)
    assert res == b"OK", res
    assert ox.proc.poll() is None and ox.proc.pid == pid
    log = ox.log()
    assert log.count("Live reload: database loaded") == 2, log
    assert "--live --restart" in log
    with open(ox.db, "rb") as f:
        dump = f.read()
    if os.environ.get("XSD_OX_SAVE_DUMP"):
        shutil.copyfile(ox.db, os.environ["XSD_OX_SAVE_DUMP"])
    lines = dump.decode().splitlines()
    assert lines[0] == "$xenstored-dump-format"
    kinds = [l.split(",")[0] for l in lines[1:]]
    assert kinds[:2] == ["global", "evtchn-dev"]
    assert kinds.count("dom") == 3 and kinds.count("socket") >= 3
    assert "watch,5,%s,%s" % (b"data".hex(), b"rel5".hex()) in lines
    assert "store,%s,%s,%s" % (b"/vm/1".hex(), b"n0\0r5".hex(), "") \
        in lines

    # everybody goes on: rings, watches, sockets
    assert g5("read data") == "five"
    assert a.read("/local/domain/5/data") == b"five"
    a.write("/local/domain/5/data", "again")
    assert drain(g5) == [("data", "rel5")]
    assert b.wait_event() == (b"/local/domain/5/data", b"b5")
    g7("write /local/domain/7/x 1")
    assert drain(g7) == [("/local/domain/7/x", "abs7")]
    assert a.read("/vm/1/name") == b"guest\nwith newline"
    a.write("/vm/2", "x")
    assert a.wait_event() == (b"/vm/2", b"tok a")
    g0("write /tool/y 1")
    assert drain(g0) == [("/tool/y", "w0")]
    # a destroyed domain is still released through the kept VIRQ port
    ox.fakexen.ctl(["destroy", "7"])
    wait_for(lambda: b"7" not in a.directory("/local/domain"),
             "oxenstored to release domain 7")
    for g in (g5, g7):
        g.kill()
    g0.quit()
    assert c.read("/vm/half") == b"value"
    for x in (a, b, c):
        x.close()
