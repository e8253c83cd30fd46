# SPDX-License-Identifier: GPL-2.0-or-later
"""Live update (docs/live-update.md), driven by Debian's real
xenstore-control: the daemon execs a new binary in place and every
client carries on -- sockets inside transactions, half-sent requests,
queued replies and events, simulated guests with watches and open
transactions -- or, when the new binary is bad, nothing changes at all.
"""

import os
import re
import socket
import threading
import time

import pytest

import conftest
from conftest import (scaled, IO_TIMEOUT, XS_READ, XS_WRITE, XS_WATCH_EVENT,
                      XsRaw, pack, raises_xs)
from test_guest_smoke import Guest
from test_guests import home, traced_reply, xsd_args  # noqa: F401

pytestmark = pytest.mark.ours_only("live update into our own binary")

CONTROL = conftest._find_xen_tool("xenstore-control")
XSS_TOOL = os.environ.get("XSS_TOOL", os.path.join(conftest.REPO, "xs-state",
                                                   "xs-state"))


def binary():
    return os.path.realpath(conftest._binary())


def live_update(d, new=None, *opts, timeout=scaled(60)):
    """xenstore-control live-update [opts] NEW: the CompletedProcess."""
    return d.run([CONTROL, "live-update"] + list(opts) + [new or binary()],
                 timeout=timeout)


def ok(r):
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b""), r
    return r


def fds(d):
    """The daemon's descriptors (under valgrind, not valgrind's own: they
    sit at the top of the range and stay behind with it at exec)."""
    v = sorted((int(f) for f in os.listdir("/proc/%d/fd" % d.pid)))
    return [f for f in v if not conftest.WRAPPER or f < 1000]


def exe(d):
    return os.readlink("/proc/%d/exe" % d.pid)


def rss_kb(d):
    with open("/proc/%d/status" % d.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def live_dump(xs, tmp_path, name):
    """A debug dump of the running daemon (CONTROL dump-state)."""
    path = str(tmp_path / name)
    assert xs.call(0, "dump-state", path) == b"OK\0"
    return path


def script(tmp_path, name, body):
    p = tmp_path / name
    p.write_text("#!/bin/bash\n" + body)
    p.chmod(0o755)
    return str(p)


# ---------------------------------------------------------------------------
# Everything survives
# ---------------------------------------------------------------------------
NGUESTS = 20


def test_live_update_keeps_everything(xsd, xs, tmp_path):
    pid, old_fds = xsd.pid, fds(xsd)
    xs.write("/lu/watched", "0")
    xs.write("/lu/big", "x" * 4000)

    # A pyxs client with a watch.
    import pyxs
    py = pyxs.Client(unix_socket_path=xsd.socket)
    py.connect()
    pw = py.monitor()
    pw.watch(b"/lu/watched", b"pytok")
    assert next(pw.wait()) == (b"/lu/watched", b"pytok")

    # A socket client inside a transaction with writes.
    xs.write("/lutx", "")
    txc = xsd.client()
    tx = txc.tx_start()
    txc.write("/lutx/a", "1", tx=tx)
    txc.write("/lutx/b", "2", tx=tx)

    # A socket client that stops half-way through a request.
    half = xsd.client()
    msg = pack(XS_WRITE, b"/lu/half\0done", 0x77, 0)
    half.send_raw(msg[:20])

    # A client with many unread replies and events: more than the
    # kernel's socket buffer holds, so the daemon keeps some queued.
    greedy = xsd.client()
    greedy.watch(b"/lu/watched", b"g")
    assert greedy.wait_event() == (b"/lu/watched", b"g")
    first = 0x100
    for i in range(150):
        greedy.send(XS_READ, b"/lu/big\0", req_id=first + i)
    xs.write("/lu/watched", "1")

    # Guests: a watch and an open transaction each; one half-way through
    # sending a request.
    guests = []
    try:
        for i in range(NGUESTS):
            g = Guest(xsd, 10 + i)
            guests.append(g)
            assert g("watch w tok") == "OK"
            assert g("wait-event") == "EVENT w tok"
            assert g("mkdir sub") == "OK"
            gtx = g("tx-start")
            assert g("tx %s write in-tx v%d" % (gtx, i)) == "OK"
            g.tx = gtx
        gmsg = pack(XS_WRITE, b"sub/half\0gv", 0x55, 0)
        assert guests[0]("raw " + gmsg[:18].hex()) == "OK"

        # The daemon has taken the half message off the guest's ring.
        conftest_wait(lambda: b"partial-message type WRITE req_id 85 " in
                      xsd.run([XSS_TOOL, "dump", live_dump(
                          xs, tmp_path, "before.xss")]).stdout)
        before = str(tmp_path / "before.xss")
        # Each sim guest holds one: its event channel (the page is
        # mapped); under the Xen backend, ports share one handle.
        old_fds = fds(xsd)
        usage = [charges(xs, 10 + i) for i in (0, 1)]
        assert conftest.FAKEXEN or len(old_fds) > NGUESTS

        # A pyxs client with requests in flight through the update.
        busy = pyxs.Client(unix_socket_path=xsd.socket)
        busy.connect()
        stop, seen, errs = threading.Event(), [0], []

        def reader():
            try:
                while not stop.is_set():
                    assert busy[b"/lu/big"] == b"x" * 4000
                    seen[0] += 1
            except Exception as e:      # noqa: BLE001 - reported below
                errs.append(e)
        th = threading.Thread(target=reader)
        th.start()
        time.sleep(0.05)
        ok(live_update(xsd))
        before_stop = seen[0]
        time.sleep(0.05)
        stop.set()
        th.join(IO_TIMEOUT)
        busy.close()
        assert not errs, errs
        assert seen[0] > before_stop > 0

        # Same process, new binary image, the same descriptors (those of
        # the update's own clients come and go).
        assert xsd.pid == pid and xsd.alive()
        assert exe(xsd) == binary()
        # What each domain is charged with goes on (nodes, watches,
        # transactions, memory: the transactions' copies are measured
        # by their allocations, which a restore makes a few bytes apart).
        for i, (counts, mem) in enumerate(usage):
            counts2, mem2 = charges(xs, 10 + i)
            assert counts2 == counts and abs(mem2 - mem) < 64, \
                (counts, mem, counts2, mem2)
        conftest_wait(lambda: len(fds(xsd)) == len(old_fds),
                      lambda: "fds %s -> %s" % (old_fds, fds(xsd)))
        # A dump after the update equals the one before (once the
        # daemon has seen xenstore-control's connection close).
        same_as(xsd, xs, tmp_path, before)

        # The queued output arrives intact and in order, exactly once.
        for i in range(150):
            m = greedy.recv_reply(timeout=IO_TIMEOUT)
            assert (m.type, m.req_id) == (XS_READ, first + i)
            assert m.payload == b"x" * 4000
        assert greedy.drain_events(1) == [(b"/lu/watched", b"g")]

        # The half-sent request completes and is answered once.
        half.send_raw(msg[20:])
        m = half.recv_reply()
        assert (m.req_id, m.payload) == (0x77, b"OK\0")
        assert xs.read("/lu/half") == b"done"
        half.no_event()

        # The transaction commits, its writes appear.
        txc.tx_end(tx, commit=True)
        assert xs.read("/lutx/a") == b"1"
        assert xs.read("/lutx/b") == b"2"

        # Watches fire on the next change.
        xs.write("/lu/watched", "2")
        assert next(pw.wait()) == (b"/lu/watched", b"pytok")
        assert greedy.wait_event() == (b"/lu/watched", b"g")

        # Guests: the half-sent request, transactions, watches.
        assert guests[0]("raw " + gmsg[18:].hex()) == "OK"
        conftest_wait(lambda: xs.exists(home(10) + "/sub/half"))
        assert xs.read(home(10) + "/sub/half") == b"gv"
        for i, g in enumerate(guests):
            assert g("tx-end %s commit" % g.tx) == "OK"
            assert xs.read(home(g.domid) + "/in-tx") == b"v%d" % i
            xs.write(home(g.domid) + "/w", "changed")
            assert g("wait-event") == "EVENT w tok"
            assert g("error") == "0"
    finally:
        for g in guests:
            g.kill()
        pw.close()
        py.close()


def charges(xs, domid):
    """CONTROL quota <domid>: the counts, and the memory charged."""
    text = xs.call(0, "quota", str(domid)).decode()
    mem = int(re.search(r"memory (\d+)/", text).group(1))
    return re.sub(r"memory \d+/", "memory ?/", text), mem


def conftest_wait(pred, what="condition", timeout=IO_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "%s not met in time" % (
            what() if callable(what) else what)
        time.sleep(0.02)


def same_as(xsd, xs, tmp_path, before):
    """A debug dump of the daemon equals the one in before (xs-state
    diff), once the update's own connections are gone."""
    def same():
        after = live_dump(xs, tmp_path, "after.xss")
        d = xsd.run([XSS_TOOL, "diff", before, after], timeout=scaled(30))
        same.last = d
        return (d.returncode, d.stdout, d.stderr) == (0, b"", b"")
    try:
        conftest_wait(same)
    except AssertionError:
        raise AssertionError("dumps differ: %r" % (same.last,))


def test_live_update_keeps_generations(xsd, xs):
    """A transaction that read a node before the update conflicts with a
    change made after it: generations go on, never back."""
    xs.write("/g/n", "1")
    a = xsd.client()
    tx = a.tx_start()
    assert a.read("/g/n", tx=tx) == b"1"
    ok(live_update(xsd))
    xs.write("/g/n", "2")
    a.write("/g/other", "x", tx=tx)
    with raises_xs("EAGAIN"):
        a.tx_end(tx, commit=True)
    # and one that did not conflict commits
    tx = a.tx_start()
    assert a.read("/g/n", tx=tx) == b"2"
    ok(live_update(xsd))
    a.write("/g/other", "y", tx=tx)
    a.tx_end(tx, commit=True)
    assert xs.read("/g/other") == b"y"


def test_live_update_notifies_ready(request, monkeypatch, tmp_path):
    """Type=notify: NOTIFY_SOCKET crosses the exec, and the process that
    serves afterwards says READY=1 again with the same MAINPID, once:
    the new binary, or the previous one after a rollback.  For the
    update itself, the main process is the guardian (MAINPID= its pid
    before the exec), and the process that takes over says MAINPID=
    its own before it lets the guardian go.  A pre-flight check (which
    never serves) says nothing.  Nobody listening any more is logged,
    not fatal: systemd had READY=1 before the update."""
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(str(tmp_path / "notify"))
    ns.settimeout(conftest.START_TIMEOUT)
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    d = request.getfixturevalue("xsd")
    ready = b"READY=1\nMAINPID=%d\nSTATUS=serving" % d.pid

    def handed_over():
        g = re.fullmatch(rb"MAINPID=(\d+)", ns.recv(4096))
        assert g and int(g.group(1)) != d.pid, g
        assert ns.recv(4096) == b"MAINPID=%d" % d.pid

    def nothing_more():
        ns.setblocking(False)
        try:
            extra = ns.recv(4096)
        except BlockingIOError:
            extra = None
        ns.settimeout(conftest.START_TIMEOUT)
        assert extra is None, extra

    try:
        assert ns.recv(4096) == ready
        xs = d.client()
        xs.write("/n", "1")
        ok(live_update(d))
        handed_over()
        assert ns.recv(4096) == ready
        assert xs.read("/n") == b"1"
        nothing_more()

        new, _ = failure_cases(tmp_path)["exits"]
        assert live_update(d, new, "-t", "20").returncode == 3
        nothing_more()

        real = binary()
        late = script(tmp_path, "breaks-late", (
            "for a; do [ \"$a\" = --live-restore ] && "
            "export XENSTORED_LU_FAIL=1; done\n"
            "exec -a %s %s \"$@\"\n") % (real, real))
        assert live_update(d, late).returncode == 3
        handed_over()
        assert ns.recv(4096) == ready
        assert xs.read("/n") == b"1"
        nothing_more()

        ns.close()
        os.unlink(str(tmp_path / "notify"))
        ok(live_update(d))
        assert d.alive() and xs.read("/n") == b"1"
        assert "NOTIFY_SOCKET: No such file or directory" in d.stderr_text()
    finally:
        ns.close()


def test_live_update_with_cmdline(xsd, xs, tmp_path):
    """-c gives the new binary its arguments: here another trace file.
    (Quotas come from the image: what SET_QUOTA changed stays.)"""
    trace = str(tmp_path / "new-trace")
    xs.write("/c", "x")
    ok(live_update(xsd, None, "-c", "-N -T " + trace))
    assert xs.read("/c") == b"x"
    with open(trace) as f:
        assert 'IN sock' in f.read()


def test_live_update_needs_privilege(xsd):
    """CONTROL is dom0's: a guest asking gets EACCES."""
    g = Guest(xsd, 7)
    try:
        req = pack(0, b"live-update\0-f\0" + binary().encode() + b"\0",
                   0x31, 0)
        assert g("raw " + req.hex()) == "OK"
        conftest_wait(lambda: traced_reply(xsd, "dom7", 0x31) is not None)
        assert traced_reply(xsd, "dom7", 0x31) == (16, "EACCES|")
        assert g("error") == "0"
    finally:
        g.kill()


def test_live_update_session_rules(xsd, xs):
    a, b = xsd.client(), xsd.client()
    assert a.call(0, "live-update", "-s") == \
        b"live-update: no session: start with -f BINARY\0"
    assert a.call(0, "live-update", "-f", binary()) == b"OK\0"
    assert b.call(0, "live-update", "-f", binary()) == \
        b"live-update: a session of another connection is active\0"
    assert a.call(0, "live-update", "-a") == b"OK\0"
    assert b.call(0, "live-update", "-f", "relative/path") == \
        b"live-update: relative/path: not an absolute path\0"
    assert b.call(0, "live-update", "-a") == b"OK\0"
    # A session dies with its connection.
    a.call(0, "live-update", "-f", binary())
    a.close()
    conftest_wait(lambda: b.call(0, "live-update", "-f", binary()) ==
                  b"OK\0")


# ---------------------------------------------------------------------------
# A bad new binary changes nothing
# ---------------------------------------------------------------------------
def attached(xsd, xs):
    """A watcher and a client in a transaction, to check afterwards."""
    xs.write("/f/w", "0")
    xs.write("/ft", "")
    w = xsd.client()
    w.watch("/f/w", "t")
    assert w.wait_event() == (b"/f/w", b"t")
    t = xsd.client()
    tx = t.tx_start()
    t.write("/ft/in-tx", "1", tx=tx)
    return w, t, tx


def still_fine(xsd, xs, w, t, tx):
    xs.write("/f/w", "again")
    assert w.wait_event() == (b"/f/w", b"t")
    t.tx_end(tx, commit=True)
    assert xs.read("/ft/in-tx") == b"1"
    xs.rm("/ft/in-tx")


def failure_cases(tmp_path):
    real = binary()
    return {
        "missing": (str(tmp_path / "no-such-xenstored"),
                    "No such file or directory"),
        "not-executable": (script(tmp_path, "noexec", "exit 0\n"),
                           "Permission denied"),
        "exits": (script(tmp_path, "exits", "exit 3\n"), "exit status 3"),
        "crashes": (script(tmp_path, "crashes", "kill -SEGV $$\n"),
                    "killed by signal 11"),
        # An "older" xenstored: it cannot read the image it is given.
        "unreadable": (script(tmp_path, "older", (
            "args=()\n"
            "while [ $# -gt 0 ]; do\n"
            "  if [ \"$1\" = --live-check ]; then\n"
            "    head -c 100 /proc/self/fd/$2 > %s; exec 9<%s\n"
            "    args+=(--live-check 9); shift 2\n"
            "  else args+=(\"$1\"); shift; fi\n"
            "done\n"
            "exec %s \"${args[@]}\"\n") % (
                tmp_path / "cut.xss", tmp_path / "cut.xss", real)),
            "reading the image"),
    }


@pytest.mark.parametrize("case", ["missing", "not-executable", "exits",
                                  "crashes", "unreadable"])
def test_bad_binary_changes_nothing(xsd, xs, tmp_path, case):
    new, why = failure_cases(tmp_path)[case]
    if case == "not-executable":
        os.chmod(new, 0o644)
    xs.write("/f/keep", "me")
    w, t, tx = attached(xsd, xs)
    pid, old_fds, old_exe = xsd.pid, fds(xsd), exe(xsd)
    r = live_update(xsd, new, "-t", "20")
    assert r.returncode == 3, r
    assert why in r.stderr.decode(), r.stderr
    assert xsd.pid == pid and xsd.alive()
    assert exe(xsd) == old_exe
    conftest_wait(lambda: fds(xsd) == old_fds)
    assert xs.read("/f/keep") == b"me"
    still_fine(xsd, xs, w, t, tx)
    # A good update afterwards.
    w, t, tx = attached(xsd, xs)
    ok(live_update(xsd))
    still_fine(xsd, xs, w, t, tx)


def test_failed_restore_rolls_back(xsd, xs, tmp_path):
    """A new binary that passes the check but fails to take the state
    over hands it back to the previous binary: same process, same
    state, and the requester hears why."""
    real = binary()
    new = script(tmp_path, "breaks-late", (
        "for a; do [ \"$a\" = --live-restore ] && "
        "export XENSTORED_LU_FAIL=1; done\n"
        "exec -a %s %s \"$@\"\n") % (real, real))
    xs.write("/r/keep", "me")
    w, t, tx = attached(xsd, xs)
    pid = xsd.pid
    r = live_update(xsd, new)
    assert r.returncode == 3, r
    assert "rolled back" in r.stderr.decode() or \
        "still running the previous binary" in r.stderr.decode(), r.stderr
    assert xsd.pid == pid and xsd.alive()
    assert xs.read("/r/keep") == b"me"
    still_fine(xsd, xs, w, t, tx)


# ---------------------------------------------------------------------------
# 100 in a row under load
# ---------------------------------------------------------------------------
def test_many_live_updates_under_load(xsd, xs):
    stop = threading.Event()
    errors = []
    counts = [0, 0, 0]

    def load(n):
        c = XsRaw(xsd.socket, IO_TIMEOUT * 4)
        try:
            i = 0
            while not stop.is_set():
                path = "/load/%d" % n
                c.write(path, str(i))
                assert c.read(path) == str(i).encode()
                i += 1
                counts[n] = i
        except Exception as e:       # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=load, args=(n,)) for n in range(3)]
    for th in threads:
        th.start()
    def settled():
        # xenstore-control's connection closes a moment after it exits
        conftest_wait(lambda: len(fds(xsd)) == base,
                      lambda: "fds %d -> %s" % (base, fds(xsd)))
        return len(fds(xsd)), rss_kb(xsd)

    try:
        pid = xsd.pid
        conftest_wait(lambda: all(counts))
        base = len(fds(xsd))
        for i in range(100):
            ok(live_update(xsd))
            if i == 9:
                fds10, rss10 = settled()
        fds100, rss100 = settled()
    finally:
        stop.set()
        for th in threads:
            th.join(30)
    assert not errors, errors
    assert all(c > 0 for c in counts)
    assert xsd.pid == pid
    assert fds100 == fds10
    assert rss100 < rss10 + 2048, (rss10, rss100)


# ---------------------------------------------------------------------------
# The store travels as a file; the image is one xs-state reads
# ---------------------------------------------------------------------------
def test_live_update_image_is_readable(xsd, xs, tmp_path):
    """The LIVE_UPDATE image a real update passes (captured by a new
    binary that saves its input first) verifies and dumps with xs-state:
    the store as a descriptor, the requester, a half-sent reply."""
    real = binary()
    saved = tmp_path / "lu.xss"
    new = script(tmp_path, "saves-image", (
        "prev=\n"
        "for a; do [ \"$prev\" = --live-restore ] && "
        "cat /proc/self/fd/$a > %s; prev=$a; done\n"
        "exec %s \"$@\"\n") % (saved, real))
    xs.write("/img/a", "1")
    w = xsd.client()
    w.watch("/img/a", "t")
    ok(live_update(xsd, new))
    r = xsd.run([XSS_TOOL, "verify", str(saved)])
    assert r.returncode == 0, r
    assert r.stdout.startswith(b"OK: LIVE_UPDATE image, "), r.stdout
    text = xsd.run([XSS_TOOL, "dump", str(saved)]).stdout.decode()
    assert re.search(r"STORE_FD len \d+: fd \d+ format 1 nodes \d+", text)
    assert re.search(r"LIVE_UPDATE len \d+: conn_id \d+ req_id \d+", text)
    assert 'path /img/a token "t"' in text
    assert "NODE_DATA" not in text
    # and the daemon carries on
    xs.write("/img/a", "2")
    assert w.wait_event() == (b"/img/a", b"t")
    assert w.wait_event() == (b"/img/a", b"t")


def test_live_update_on_disk_store(request, monkeypatch, tmp_path):
    """-I off: the store is the run directory's tdb file, handed over as
    it is; the new process goes on writing to the same file."""
    real = binary()
    d = request.getfixturevalue("xsd_args")("-I", "off")
    xs = d.client()
    for i in range(200):
        xs.write("/disk/%d" % i, "v%d" % i)
    db = os.path.join(d.rundir, "tdb")
    inode = os.stat(db).st_ino
    ok(live_update(d, real))
    assert os.stat(db).st_ino == inode
    assert xs.read("/disk/199") == b"v199"
    assert xs.call(0, "check") == b"OK\0"
    for i in range(200, 400):
        xs.write("/disk/%d" % i, "v%d" % i)
    assert len(xs.directory("/disk")) == 400
