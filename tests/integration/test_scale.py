# SPDX-License-Identifier: GPL-2.0-or-later
"""Many guests and many connections at once (issue 12).

* 1,000 simulated guests from one process (tests/xs-many, speaking the
  sim backend of docs/sim-backend.md directly), each with a watch on its
  home and one on a node they all watch: every guest gets its events,
  then all are released (half by RELEASE, half by dying) and the
  daemon's descriptor count is back to its idle value.
* A guest's ring page is mapped, not kept open: the daemon holds its
  event channel only, and a state dump says page_fd -1.
* Running out of descriptors: the daemon raises its soft limit to the
  hard one and says so; past the limit it says once that it cannot serve
  more, turns new connections away, keeps serving the others, and
  accepts again once descriptors are free.

Timing is never asserted here (``make bench`` measures it).  Test names
contain "many": ``make check-valgrind`` leaves them out.
"""

import os
import re
import subprocess
import time

import pytest

import conftest
from conftest import (IO_TIMEOUT, REPO, XS_CONTROL, XS_IS_DOMAIN_INTRODUCED,
                      ConnClosed, XsRaw, find_test_program)
from test_guest_smoke import Guest

pytestmark = pytest.mark.ours_only("the sim backend is ours")


def _many_binary():
    return find_test_program("xs-many", "XSD_MANY")


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def wait_fds(pid, want, timeout=IO_TIMEOUT):
    deadline = time.monotonic() + timeout
    n = fd_count(pid)
    while n != want and time.monotonic() < deadline:
        time.sleep(0.02)
        n = fd_count(pid)
    return n


def test_many_guests_watch_and_release(xsd, xs):
    n = 1000
    xs.sync()
    idle = fd_count(xsd.pid)
    r = subprocess.run(
        [_many_binary(), "--rundir", xsd.rundir, "--pid", str(xsd.pid),
         "--first", "100", "--secs", "0", "--reps", "2", "--release",
         str(n)],
        capture_output=True, text=True, timeout=conftest.TEST_TIMEOUT)
    assert r.returncode == 0, "xs-many failed: %s %s" % (r.stdout, r.stderr)
    res = dict(kv.split("=", 1) for kv in r.stdout.split())
    assert res["guests"] == str(n)
    # One descriptor per guest (its event channel) while they were up.
    assert int(res["fds_guests"]) - int(res["fds_idle"]) == n
    assert res["fds_after"] == res["fds_idle"]
    # And once xs-many's own dom0 connection is gone, what it was before.
    assert wait_fds(xsd.pid, idle) == idle
    # Every guest is gone, with its home, from dom0's point of view too.
    homes = xs.directory("/local/domain")
    assert not [h for h in homes if int(h) >= 100], homes
    for domid in (100, 101, 599, 1099):
        assert xs.call(XS_IS_DOMAIN_INTRODUCED, str(domid)) == b"F\0"
    assert b"out of file descriptors" not in \
        open(xsd.stderr_path, "rb").read()


def _xss_tool():
    t = os.environ.get("XSS_TOOL") or os.path.join(REPO, "xs-state",
                                                  "xs-state")
    if not os.access(t, os.X_OK):
        pytest.fail("xs-state tool %s missing: run make" % t)
    return t


def test_guest_page_mapped_without_descriptor(xsd, xs, tmp_path):
    g = Guest(xsd, 7)
    try:
        assert g("write x 1") == "OK"
        ring = os.path.join(xsd.rundir, "sim", "dom7.ring")
        fds = [os.readlink("/proc/%d/fd/%s" % (xsd.pid, fd))
               for fd in os.listdir("/proc/%d/fd" % xsd.pid)]
        assert ring not in fds, fds
        maps = open("/proc/%d/maps" % xsd.pid).read()
        assert ring in maps
        # The image records the channel's descriptor but no page's.
        img = str(tmp_path / "img.xss")
        xs.ack(XS_CONTROL, "dump-state", img)
        r = subprocess.run([_xss_tool(), "dump", img], capture_output=True,
                           text=True, timeout=IO_TIMEOUT * 4)
        assert r.returncode == 0, r.stderr
        line = [ln for ln in r.stdout.splitlines()
                if "DOMAIN_START" in ln and "domid 7 " in ln]
        assert len(line) == 1, r.stdout
        m = re.search(r"evtchn_fd (-?\d+) page_fd (-?\d+)", line[0])
        assert m and int(m.group(1)) >= 0 and m.group(2) == "-1", line[0]
        # The guest goes on being served after the dump.
        assert g("read x") == "1"
    finally:
        g.kill()


@pytest.fixture
def xsd_few_fds(request, monkeypatch):
    """The daemon under a soft open-file limit of 24 and a hard one of 48."""
    monkeypatch.setattr(conftest, "WRAPPER",
                        ["prlimit", "--nofile=24:48", "--"] + conftest.WRAPPER)
    return request.getfixturevalue("xsd")


def served(c):
    """True if the connection answers, False if the daemon closed it."""
    try:
        c.sync()
        return True
    except (ConnClosed, ConnectionResetError, BrokenPipeError):
        return False


def test_many_connections_past_the_fd_limit(xsd_few_fds):
    d = xsd_few_fds
    log = open(d.stderr_path).read()
    assert "open file limit raised from 24 to 48" in log, log
    clients = [XsRaw(d.socket) for _ in range(60)]
    ok = [served(c) for c in clients]
    # The first ones up to the limit are served, the rest turned away.
    assert ok[:30] == [True] * 30, ok
    assert not ok[-1], ok
    assert ok == sorted(ok, reverse=True), ok
    assert fd_count(d.pid) <= 48
    log = open(d.stderr_path).read()
    assert log.count("out of file descriptors") == 1, log
    assert "cannot serve another dom0 connection" in log, log
    # The daemon goes on serving those it has.
    assert served(clients[0]) and served(clients[29])
    # Free some descriptors: new connections are served again.
    for c in clients:
        c.close()
    deadline = time.monotonic() + IO_TIMEOUT
    while True:
        c = XsRaw(d.socket)
        try:
            if served(c):
                break
        finally:
            c.close()
        assert time.monotonic() < deadline, "never served again"
        time.sleep(0.05)
    log = open(d.stderr_path).read()
    assert re.search(r"descriptors available again", log), log
