# SPDX-License-Identifier: GPL-2.0-or-later
"""Live update when the new binary fails after its pre-flight check
(docs/live-update.md, "The guardian"): it dies of any signal, exits, or
hangs; /bin/true "passes" the check; the file is swapped after the
check; a package upgrade replaced our own file.  Whatever happens, the
previous binary ends up serving the same socket, every client and
guest, the whole store, watches and open transactions, and the
requester (Debian's real xenstore-control) gets a precise failure.
"""

import os
import re
import shutil
import socket
import subprocess
import time

import pytest

import conftest
from conftest import XS_WRITE, pack, scaled
from test_guest_smoke import Guest
from test_live_update import (binary, conftest_wait, exe, live_dump,
                              live_update, ok, same_as, script)
from test_guests import xsd_args  # noqa: F401 (fixture)

pytestmark = pytest.mark.ours_only("live update into our own binary")

XSS_TOOL = os.environ.get("XSS_TOOL", os.path.join(conftest.REPO, "xs-state",
                                                   "xs-state"))
NGUESTS = 10
NODES = 300


class World:
    """Everything that must survive: nodes, a pyxs client with a watch,
    a raw socket client inside a transaction and another half-way
    through a request, NGUESTS simulated guests each with a watch and an
    open transaction."""

    def __init__(self, xsd, xs, tmp_path):
        import pyxs
        self.xsd, self.xs, self.tmp = xsd, xs, tmp_path
        for i in range(NODES):
            xs.write("/w/n%d" % i, "v%d" % i)
        self.py = pyxs.Client(unix_socket_path=xsd.socket)
        self.py.connect()
        self.pw = self.py.monitor()
        self.pw.watch(b"/w/watched", b"pytok")
        assert next(self.pw.wait()) == (b"/w/watched", b"pytok")
        self.txc = xsd.client()
        self.tx = self.txc.tx_start()
        self.txc.write("/w/tx-a", "1", tx=self.tx)
        self.half = xsd.client()
        self.half.send_raw(pack(XS_WRITE, b"/w/half\0done", 0x77)[:20])
        self.guests = []
        for i in range(NGUESTS):
            g = Guest(xsd, 10 + i)
            self.guests.append(g)
            assert g("watch w tok") == "OK"
            assert g("wait-event") == "EVENT w tok"
            g.tx = g("tx-start")
            assert g("tx %s write in-tx v%d" % (g.tx, i)) == "OK"
        self.before = live_dump(xs, tmp_path, "before.xss")

    def check(self):
        """All of it is still there and works."""
        xs = self.xs
        for i in range(NODES):
            assert xs.read("/w/n%d" % i) == b"v%d" % i
        # The same state as before (once xenstore-control's connection
        # is gone): nodes, watches, transactions, guests, buffers.
        same_as(self.xsd, xs, self.tmp, self.before)
        self.txc.tx_end(self.tx, commit=True)
        assert xs.read("/w/tx-a") == b"1"
        self.half.send_raw(pack(XS_WRITE, b"/w/half\0done", 0x77)[20:])
        m = self.half.recv_reply()
        assert (m.type, m.req_id, m.payload) == (XS_WRITE, 0x77, b"OK\0")
        xs.write("/w/watched", "1")
        assert next(self.pw.wait()) == (b"/w/watched", b"pytok")
        for i, g in enumerate(self.guests):
            assert g("tx-end %s commit" % g.tx) == "OK"
            assert g("read in-tx") == "v%d" % i
            assert g("write w x") == "OK"
            assert g("wait-event") == "EVENT w tok"

    def close(self):
        self.py.close()
        for g in self.guests:
            g.kill()


def dies_after_check(tmp_path, name, action, real=None):
    """A new binary that passes the check (it is the real one then) and
    does `action` when asked to restore."""
    return script(tmp_path, name, (
        "for a; do [ \"$a\" = --live-check ] && exec %s \"$@\"; done\n"
        "%s\n") % (real or binary(), action))


def follow(xsd, pidfile, old_pid):
    """The daemon now serves from the guardian's process: the fixture
    follows it there (the pid file says where)."""
    conftest_wait(lambda: os.path.exists(pidfile) and
                  open(pidfile).read().strip().isdigit() and
                  int(open(pidfile).read()) != old_pid)
    pid = int(open(pidfile).read())
    assert conftest._pid_alive(pid)
    xsd.proc, xsd.pid = None, pid
    return pid


CASES = {
    # name: (what the new binary does at --live-restore, what the
    #        requester is told)
    "segv": ("kill -SEGV $$", "killed by signal 11"),
    "kill": ("kill -KILL $$", "killed by signal 9"),
    "exit0": ("exit 0", "exited with status 0"),
    "abort-late": ("exec -a xenstored %s --no-such-option \"$@\"",
                   "exited with status 2"),
    "hang": ("exec sleep 1000", "did not serve within 3 s (-t)"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_new_binary_dies_after_check(xsd_args, tmp_path, case):
    real = binary()     # (xsd_args puts a script of its own in its place)
    pidfile = str(tmp_path / "xenstored.pid")
    xsd = xsd_args("-F", pidfile)
    xs = xsd.client()
    conftest_wait(lambda: os.path.exists(pidfile))
    pid = xsd.pid
    action, why = CASES[case]
    if "%s" in action:
        action = action % real
    new = dies_after_check(tmp_path, case, action, real)
    world = World(xsd, xs, tmp_path)
    try:
        t0 = time.monotonic()
        r = live_update(xsd, new, "-t", "3")
        err = r.stderr.decode()
        assert r.returncode != 0, r
        assert "still running the previous binary" in err, err
        if case == "hang":
            assert why in err, err
        else:
            # How it ended, when its zombie could still be read.
            assert why in err or "ended before it served" in err, err
        assert time.monotonic() - t0 < scaled(30)
        new_pid = follow(xsd, pidfile, pid)
        assert new_pid != pid
        # Our binary (under valgrind the daemon was valgrind's before).
        assert exe(xsd) == real
        world.check()
        # A good update from the guardian's process afterwards.
        ok(live_update(xsd, real))
        assert xsd.pid == new_pid
        xs.write("/w/after", "ok")
        assert xs.read("/w/after") == b"ok"
    finally:
        world.close()


def test_systemd_follows_the_guardian(request, monkeypatch, tmp_path):
    """Type=notify: the guardian is the main process from the exec on;
    when the new binary dies, the previous binary serves in it and says
    READY=1 with that pid; a later update hands over as usual."""
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(str(tmp_path / "notify"))
    ns.settimeout(conftest.START_TIMEOUT)
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    pidfile = str(tmp_path / "xenstored.pid")
    real = binary()
    d = request.getfixturevalue("xsd_args")("-F", pidfile)
    try:
        assert ns.recv(4096) == \
            b"READY=1\nMAINPID=%d\nSTATUS=serving" % d.pid
        xs = d.client()
        xs.write("/n", "1")
        pid = d.pid
        new = dies_after_check(tmp_path, "segv", "kill -SEGV $$", real)
        assert live_update(d, new).returncode != 0
        m = re.fullmatch(rb"MAINPID=(\d+)", ns.recv(4096))
        assert m, m
        guardian = int(m.group(1))
        assert ns.recv(4096) == \
            b"READY=1\nMAINPID=%d\nSTATUS=serving" % guardian
        assert follow(d, pidfile, pid) == guardian
        assert xs.read("/n") == b"1"
        ok(live_update(d, real))
        m = re.fullmatch(rb"MAINPID=(\d+)", ns.recv(4096))
        assert m and int(m.group(1)) != guardian, m
        assert ns.recv(4096) == b"MAINPID=%d" % guardian
        assert ns.recv(4096) == \
            b"READY=1\nMAINPID=%d\nSTATUS=serving" % guardian
    finally:
        ns.close()


def test_bin_true_fails_the_check(xsd, xs, tmp_path):
    """/bin/true exits 0 without reading the image: no verdict, no
    exec; nothing changes."""
    xs.write("/t/keep", "me")
    pid, old_exe = xsd.pid, exe(xsd)
    r = live_update(xsd, "/bin/true")
    assert r.returncode != 0, r
    assert "failed the pre-flight check" in r.stderr.decode(), r
    assert "no verdict on the image" in r.stderr.decode(), r
    assert (xsd.pid, exe(xsd)) == (pid, old_exe) and xsd.alive()
    assert xs.read("/t/keep") == b"me"


def slow_check(tmp_path, name):
    """The real binary, its pre-flight check a second and a half slow
    (xenstore-control is answered BUSY and asks again)."""
    return script(tmp_path, name, (
        "for a; do [ \"$a\" = --live-check ] && sleep 1.5; done\n"
        "exec %s \"$@\"\n") % binary())


@pytest.mark.skipif(bool(conftest.WRAPPER), reason="valgrind executes a "
                    "descriptor by the path it names, which was renamed over")
def test_file_swapped_after_check_is_not_run(xsd, xs, tmp_path):
    """The file at the path is replaced (renamed over) while the check
    runs: the checked file is the one executed."""
    new = slow_check(tmp_path, "new")
    bad = dies_after_check(tmp_path, "bad", "kill -KILL $$")
    w = xsd.client()
    w.watch("/s/w", "t")
    assert w.wait_event() == (b"/s/w", b"t")
    pid = xsd.pid
    p = subprocess.Popen([conftest._find_xen_tool("xenstore-control"),
                          "live-update", new], env=xsd.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)                 # the check is running
    os.rename(bad, new)
    out, err = p.communicate(timeout=scaled(60))
    assert (p.returncode, out, err) == (0, b"", b""), (out, err)
    assert xsd.pid == pid and xsd.alive()
    xs.write("/s/w", "1")
    assert w.wait_event() == (b"/s/w", b"t")


def test_file_changed_in_place_is_refused(xsd, xs, tmp_path):
    """The file is modified in place while the check runs: the update
    is refused, the daemon goes on."""
    new = slow_check(tmp_path, "new")
    pid = xsd.pid
    p = subprocess.Popen([conftest._find_xen_tool("xenstore-control"),
                          "live-update", new], env=xsd.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    with open(new, "a") as f:
        f.write("# changed\n")
    out, err = p.communicate(timeout=scaled(60))
    assert p.returncode != 0, (out, err)
    assert b"changed since the pre-flight check" in err, err
    assert xsd.pid == pid and xsd.alive()
    xs.write("/c/still", "served")


def test_package_upgrade_rolls_back_into_the_running_code(
        request, monkeypatch, tmp_path):
    """As dpkg does it: the daemon's own file is replaced by rename with
    a new version (here one that refuses the state), and the update is
    asked for at the same path.  The way back runs the code that wrote
    the image, not the file now at the path."""
    real = binary()
    sbin = tmp_path / "sbin"
    sbin.mkdir()
    path = str(sbin / "xenstored-xss")
    shutil.copy2(real, path)
    keep = str(tmp_path / "the-running-one")
    os.link(path, keep)             # to know its inode afterwards
    monkeypatch.setenv("XSD_BINARY", path)
    monkeypatch.setattr(conftest, "WRAPPER", [])
    xsd = request.getfixturevalue("xsd")
    xs = xsd.client()
    xs.write("/p/keep", "me")
    w = xsd.client()
    w.watch("/p/w", "t")
    assert w.wait_event() == (b"/p/w", b"t")
    pid = xsd.pid
    upgrade = script(tmp_path, "xenstored-xss.dpkg-new", (
        "for a; do [ \"$a\" = --live-restore ] && "
        "export XENSTORED_LU_FAIL=1; done\n"
        "exec %s \"$@\"\n") % real)
    os.rename(upgrade, path)
    r = live_update(xsd, path)
    assert r.returncode == 3, r
    assert b"still running the previous binary" in r.stderr, r
    assert xsd.pid == pid and xsd.alive()
    st = os.stat("/proc/%d/exe" % pid)
    assert st.st_ino == os.stat(keep).st_ino, \
        "the way back ran %s" % exe(xsd)
    assert xs.read("/p/keep") == b"me"
    xs.write("/p/w", "1")
    assert w.wait_event() == (b"/p/w", b"t")
