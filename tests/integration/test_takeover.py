# SPDX-License-Identifier: GPL-2.0-or-later
"""Taking over from a running upstream xenstored by its own live update,
and handing back (docs/takeover.md).

Debian's real upstream binaries run under the fake hypervisor of
tests/fakexen (LD_PRELOAD), serving dom0's ring, guests (tests/xs-guest)
and socket clients (pyxs, xenstore-utils, the raw client); Debian's real
xenstore-control drives every update.  The daemon keeps its pid across
every exec: /proc/PID/exe tells which binary serves.
"""
import json
import os
import queue
import re
import signal
import struct
import subprocess
import time

import pytest

import conftest
from conftest import scaled, IO_TIMEOUT, XS_WRITE, FakeXen, XsRaw, connect_unix, pack
from test_guest_smoke import Guest

pytestmark = [
    pytest.mark.ours_only("takeover of upstream by ours"),
    # upstream execs our binary itself: no wrapper (valgrind) around it
    pytest.mark.skipif(bool(conftest.WRAPPER),
                       reason="upstream execs our binary unwrapped"),
]


@pytest.fixture(autouse=True)
def _longer_timeout(_test_timeout):
    """10,000 nodes through three updates: more than the usual limit
    under ASan on a busy machine."""
    signal.alarm(max(conftest.TEST_TIMEOUT, 240))

UPSTREAM_C = "/usr/lib/xen-4.17/bin/xenstored"
OXENSTORED = "/usr/lib/xen-4.17/bin/oxenstored"
with open(os.path.join(conftest.REPO, "tests", "fakexen",
                       "oxenstored.conf.in")) as _f:
    OX_CONFIG = _f.read()       # {d}: the run's own directory
CONTROL = conftest.XENSTORE_CONTROL
XSS_TOOL = os.environ.get("XSS_TOOL", os.path.join(conftest.REPO, "xs-state",
                                                   "xs-state"))
NGUESTS = 10
# 10,000 nodes; make check-asan takes fewer (the same paths, faster)
NNODES = int(os.environ.get("XSD_TAKEOVER_NODES", "10000"))
FILL = "/tool/fill"

needs_upstream = pytest.mark.skipif(
    not os.access(UPSTREAM_C, os.X_OK) or not CONTROL or
    not os.access(OXENSTORED, os.X_OK), reason="xen-utils-4.17 not installed")


def ours():
    return os.path.realpath(conftest._binary())


class Host:
    """A fake Xen host in rundir running upstream's C xenstored, or
    oxenstored (whose compiled-in /var/run/xenstored, socket and dump,
    the fake puts in $FAKEXEN_DIR/run)."""

    def __init__(self, rundir, binary=UPSTREAM_C, extra_env=None):
        self.rundir = rundir
        self.fx = FakeXen(os.path.join(rundir, "fx"))
        if binary == OXENSTORED:
            conf = os.path.join(rundir, "oxenstored.conf")
            with open(conf, "w") as f:
                f.write(OX_CONFIG.format(d=rundir))
            argv = [binary, "--no-fork", "--config-file", conf]
            self.sock = os.path.join(self.fx.dir, "run", "socket")
        else:
            argv = [binary, "-N"]
            self.sock = os.path.join(rundir, "socket")
        # what clients (and xs-guest) use
        self.env = dict(os.environ, FAKEXEN_DIR=self.fx.dir,
                        XENSTORED_PATH=self.sock)
        self.env.pop("LD_PRELOAD", None)
        # what the daemon runs with, whichever binary it is
        denv = dict(self.env, LD_PRELOAD=self.fx.lib,
                    XENSTORED_RUNDIR=rundir)
        denv.pop("XENSTORED_PATH")
        # an ASan build of ours, exec'd with the fake preloaded
        denv["ASAN_OPTIONS"] = ":".join(
            o for o in (os.environ.get("ASAN_OPTIONS"),
                        "verify_asan_link_order=0") if o)
        denv.update(extra_env or {})
        self.log = os.path.join(rundir, "daemon.log")
        with open(self.log, "wb") as logf:
            self.proc = subprocess.Popen(argv, env=denv,
                                         stdin=subprocess.DEVNULL,
                                         stdout=logf,
                                         stderr=subprocess.STDOUT,
                                         start_new_session=True)
        # A guardian that steps in serves from its own pid, in the
        # same process group.
        self.pid = self.pgid = self.proc.pid
        deadline = time.monotonic() + IO_TIMEOUT
        while True:
            try:
                connect_unix(self.sock, 1.0).close()
                break
            except OSError:
                assert self.proc.poll() is None, self.log_text()
                assert time.monotonic() < deadline, "no socket"
                time.sleep(0.02)

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def exe(self):
        return os.path.realpath(os.readlink("/proc/%d/exe" % self.pid))

    def alive(self):
        self.proc.poll()                # reap it if it is gone
        return conftest._pid_alive(self.pid)

    def run(self, argv, timeout=IO_TIMEOUT * 4, input=None):
        return subprocess.run(argv, env=self.env, capture_output=True,
                              timeout=timeout, input=input)

    def live_update(self, binary, *opts):
        return self.run([CONTROL, "live-update"] + list(opts) + [binary],
                        timeout=scaled(120))

    def stop(self):
        if self.alive() or self.proc.poll() is None:
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except OSError:
                pass
        self.proc.wait(10)
        self.fx.stop()


def walk(host):
    """Every node, its value and permissions, as xenstore-ls shows them."""
    r = host.run(["xenstore-ls", "-f", "-p", "/"])
    assert r.returncode == 0, r.stderr
    nodes = {}
    for line in r.stdout.decode().splitlines():
        m = re.fullmatch(r'(\S*) = "(.*)"\s+[ .]*\((.*)\)', line)
        assert m, line
        nodes[m.group(1)] = (m.group(2), m.group(3))
    return nodes


def live_dump(host):
    """Our daemon's state, as xs-state reads it live (JSON)."""
    r = host.run([XSS_TOOL, "dump", "--json", "--live", "--socket",
                  host.sock])
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["records"]


def dump_nodes(recs):
    out = {}
    for r in recs:
        if r["type"] == "NODE_DATA":
            perms = ",".join("%s%d" % (p["access"], p["domid"])
                             for p in r["perms"])
            out[r["path"] if r["path"] != "/" else ""] = (r["value"], perms)
    return out


def dump_specials(recs):
    """SPECIAL_PERMS: oxenstored lists these as nodes below "/"."""
    return {"/" + r["path"]: ("", ",".join("%s%d" % (p["access"], p["domid"])
                                          for p in r["perms"]))
            for r in recs if r["type"] == "SPECIAL_PERMS"}


def dump_watches(recs):
    """(owner, path, token, relative): owner a domid, or "socket"."""
    out = set()
    owner = None
    for r in recs:
        if r["type"] == "DOMAIN_START":
            owner = r["domid"]
        elif r["type"] == "SOCKET_START":
            owner = "socket"
        elif r["type"] == "WATCH_DATA":
            out.add((owner, r["path"], r["token"],
                     "RELATIVE" in r["flags"]))
    return out


def ls_perms(p):
    """xenstore-ls -p shows "n0, r1"; ours as "n0,r1"."""
    return p.replace(", ", ",")


def same_tree(walked, dumped):
    w = {k: (v, ls_perms(p)) for k, (v, p) in walked.items()}
    d = {("/" + k.lstrip("/") if k else "/"): v for k, v in dumped.items()}
    w = {("/" + k.lstrip("/") if k else "/"): v for k, v in w.items()}
    d.pop("/", None)
    w.pop("/", None)
    missing = sorted(set(w) - set(d))[:5]
    extra = sorted(set(d) - set(w))[:5]
    diff = sorted(k for k in w if k in d and w[k] != d[k])[:5]
    assert not missing and not extra and not diff, (
        missing, extra, [(k, w[k], d[k]) for k in diff])


def fill(host, n=NNODES):
    """n nodes below FILL, 100 to a directory, written pipelined; every
    hundredth readable by a guest."""
    xs = XsRaw(host.sock, IO_TIMEOUT * 4)
    batch = []
    for i in range(n):
        path = "%s/%d/%d" % (FILL, i // 100, i % 100)
        batch.append(pack(XS_WRITE, path.encode() + b"\0" +
                          b"v%d" % i, req_id=i + 1))
        if len(batch) == 500 or i == n - 1:
            xs.send_raw(b"".join(batch))
            for _ in batch:
                assert xs.recv_reply().payload == b"OK\0"
            batch = []
    for i in range(0, n, 100):
        dom = 1 + (i // 100) % NGUESTS
        xs.set_perms("%s/%d/%d" % (FILL, i // 100, i % 100),
                     ["n0", "r%d" % dom])
    xs.close()


class Clients:
    """Everyone who must not notice: dom0's ring, NGUESTS guests, a pyxs
    monitor, xenstore-watch, and a raw client with half a request sent."""

    def __init__(self, host):
        import pyxs
        self.host = host
        self.dom0 = Guest(host, 0)
        assert self.dom0("watch /tool/dom0 d0tok") == "OK"
        assert self.dom0("wait-event") == "EVENT /tool/dom0 d0tok"
        self.guests = []
        for d in range(1, NGUESTS + 1):
            g = Guest(host, d, "--port", "2", "--no-wait")
            assert g("write name guest%d" % d) == "OK"
            assert g("watch device g%d" % d) == "OK"
            assert g("wait-event") == "EVENT device g%d" % d
            assert g("watch /local/domain/%d/abs a%d" % (d, d)) == "OK"
            assert g("wait-event") == "EVENT /local/domain/%d/abs a%d" % (
                d, d)
            self.guests.append(g)
        self.py = pyxs.Client(unix_socket_path=host.sock)
        self.py.connect()
        self.mon = self.py.monitor()
        self.mon.watch(b"/tool/py", b"pytok")
        assert self.mon.events.get(timeout=IO_TIMEOUT).path == b"/tool/py"
        self.xw = subprocess.Popen(["xenstore-watch", "/tool/xw"],
                                   env=host.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        assert self.xw.stdout.readline().split()[0] == b"/tool/xw"
        self.raw = XsRaw(host.sock, IO_TIMEOUT * 4)
        self.round = 0

    def expected_watches(self):
        w = {(0, "/tool/dom0", "d0tok", False),
             ("socket", "/tool/py", "pytok", False),
             ("socket", "/tool/xw", "/tool/xw", False)}
        for d in range(1, NGUESTS + 1):
            w.add((d, "/local/domain/%d/device" % d, "g%d" % d, True))
            w.add((d, "/local/domain/%d/abs" % d, "a%d" % d, False))
        return w

    def half_request(self):
        """Half of a WRITE on the raw connection: the update comes in
        the middle of it."""
        self.round += 1
        msg = pack(XS_WRITE, b"/tool/raw\0r%d" % self.round, req_id=77)
        self.raw.send_raw(msg[:20])
        return msg[20:]

    def check(self, rest):
        """Everyone carries on: the half request completes, every
        watch fires, every guest reads and writes."""
        if rest is not None:
            self.raw.send_raw(rest)
            assert self.raw.recv_reply().payload == b"OK\0"
            assert self.raw.read("/tool/raw") == b"r%d" % self.round
        else:
            self.round += 1
        r = self.host.run(["xenstore-write", "/tool/dom0", "x%d" %
                           self.round, "/tool/py", "p", "/tool/xw", "w"])
        assert r.returncode == 0, r.stderr
        assert self.dom0("wait-event") == "EVENT /tool/dom0 d0tok"
        assert self.dom0("read /tool/dom0") == "x%d" % self.round
        ev = self.mon.events.get(timeout=IO_TIMEOUT)
        assert (ev.path, ev.token) == (b"/tool/py", b"pytok")
        assert self.xw.stdout.readline().split()[0] == b"/tool/xw"
        for d, g in enumerate(self.guests, 1):
            r = self.host.run(["xenstore-write", "/local/domain/%d/device/"
                               "r%d" % (d, self.round), "1"])
            assert r.returncode == 0, r.stderr
            assert g("wait-event") == "EVENT device/r%d g%d" % (
                self.round, d)
            assert g("read name") == "guest%d" % d
            assert g("write data%d %d" % (self.round, d)) == "OK"
            # the fill node this guest may read (fill())
            assert g("read %s/%d/0" % (FILL, d - 1)) == "v%d" % (
                (d - 1) * 100)

    def close(self):
        for g in [self.dom0] + self.guests:
            g.kill()
        self.xw.kill()
        self.xw.wait()
        self.mon.close()
        self.py.close()
        self.raw.close()


@pytest.fixture
def host(tmp_path):
    h = Host(str(tmp_path))
    yield h
    h.stop()


@pytest.fixture
def oxhost(tmp_path):
    h = Host(str(tmp_path), OXENSTORED)
    yield h
    h.stop()


def assert_serving(host, binary):
    assert host.alive(), host.log_text()
    assert host.exe() == os.path.realpath(binary), host.log_text()


def updates(host, clients, targets):
    """Live-update host into each target in turn; after each, everyone
    carries on, and the state is what it was: a walk of the tree (and
    for ours, its live dump: nodes, permissions, watches)."""
    for target in targets:
        before = walk(host)
        assert len(before) > NNODES
        # oxenstored holds its update back while a request is half-sent
        rest = clients.half_request() if host.exe() != \
            os.path.realpath(OXENSTORED) else None
        r = host.live_update(target)
        assert (r.returncode, r.stderr) == (0, b""), (r, host.log_text())
        assert_serving(host, target)
        if target == ours():
            recs = live_dump(host)
            nodes = dump_nodes(recs)
            if "/@releaseDomain" in before:     # oxenstored's
                nodes.update(dump_specials(recs))
            same_tree(before, nodes)
            assert dump_watches(recs) == clients.expected_watches()
        else:
            assert walk(host) == before
        clients.check(rest)


@needs_upstream
def test_takeover_from_oxenstored(oxhost):
    """The same from oxenstored (Debian's default): into ours, on to
    upstream's C xenstored, into ours again."""
    clients = Clients(oxhost)
    try:
        fill(oxhost)
        updates(oxhost, clients, (ours(), UPSTREAM_C, ours()))
    finally:
        clients.close()


@needs_upstream
def test_takeover_from_c_xenstored_and_back(host):
    """Upstream C xenstored with dom0's ring, 10 guests with watches,
    pyxs and xenstore-utils watchers, a half-sent request and 10,000
    nodes: into ours, back into upstream, into ours again.  Every client
    carries on; ours shows every node, permission and watch upstream
    had."""
    clients = Clients(host)
    try:
        fill(host)
        # ours into ours on the way: the way back must find VIRQ_DOM_EXC
        # released by our own update too (the fake refuses a second bind)
        updates(host, clients, (ours(), ours(), UPSTREAM_C, ours()))
    finally:
        clients.close()


# ---------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------
def script(tmp_path, name, body):
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(0o755)
    return str(p)


def goes_back(host, tmp_path, new_binary, check_log):
    """Update the host's upstream daemon into new_binary (a script of
    ours), which does not take the state over; check_log(log) checks
    why in the log.  Upstream serves again on its untouched file and
    everybody carries on."""
    clients = Clients(host)
    try:
        fill(host, 1000)
        before = walk(host)
        new = script(tmp_path, "new.sh", new_binary)
        rest = clients.half_request()
        r = host.live_update(new)
        assert (r.returncode, r.stderr) == (0, b""), (r, host.log_text())
        check_log(host.log_text())
        assert_serving(host, UPSTREAM_C)
        assert walk(host) == before
        clients.check(rest)
    finally:
        clients.close()


@needs_upstream
def test_crash_during_takeover_goes_back_to_upstream(host, tmp_path):
    """Ours is killed (SIGKILL: nothing of its own can react) half-way
    through taking upstream's state over: the guardian it forked first
    runs upstream again on its untouched file, and everything carries
    on under upstream, in the guardian's process."""
    pid = host.pid

    def check_log(log):
        # (How it ended, when its zombie could still be read.)
        died = r"the new binary (was killed by signal 9 \(Killed\)|ended) " \
            r"before it served"
        m = re.search(r"guardian \(pid (\d+)\): " + died, log)
        assert m, log
        assert re.search(r"takeover: " + died + "; back to " +
                         re.escape(UPSTREAM_C), log), log
        host.pid = int(m.group(1))
        assert host.pid != pid

    goes_back(host, tmp_path,
              "XENSTORED_TAKEOVER_DIE=1 exec %s \"$@\"\n" % ours(),
              check_log)


@needs_upstream
def test_failed_restore_goes_back_to_upstream(host, tmp_path):
    """The file is read and its state adopted, then the restore fails:
    upstream runs again on its untouched file with the sockets as it
    left them (blocking), and its socket clients are still connected."""
    def check_log(log):
        assert re.search(r"takeover: restoring xenstored 4.17's state: "
                         r"refused after the restore .*; back to " +
                         re.escape(UPSTREAM_C), log)

    goes_back(host, tmp_path,
              "XENSTORED_TAKEOVER_FAIL=1 exec %s \"$@\"\n" % ours(),
              check_log)


@needs_upstream
def test_refused_file_goes_back_to_upstream(host, tmp_path):
    """A file ours refuses but upstream takes (here: a record of a type
    upstream skips, inserted before END by the "new binary" on its way
    to ours): ours runs upstream again on its untouched file, and
    everything carries on under upstream, as before the update."""
    def check_log(log):
        assert re.search(r"takeover: xenstored 4.17's state "
                         r"/\S+/state_dump refused: record \d+ at offset "
                         r"\d+: unknown record type 119; back to "
                         + re.escape(UPSTREAM_C), log), log

    goes_back(host, tmp_path, """\
f="$XENSTORED_RUNDIR/state_dump"
size=$(stat -c %%s "$f")
head -c $((size - 8)) "$f" > "$f.new"
printf '\\167\\0\\0\\0\\10\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0' >> "$f.new"
tail -c 8 "$f" >> "$f.new"
mv "$f.new" "$f"
exec %s "$@"
""" % ours(), check_log)


def c_file(records, flags=0):
    """An upstream C xenstored state file: (type, body) records, each
    padded to 8 with its length counting the padding (as upstream's
    code writes it)."""
    out = b"xenstore" + struct.pack(">I", 1) + struct.pack("<I", flags)
    for t, body in records:
        body += b"\0" * (-len(body) % 8)
        out += struct.pack("<II", t, len(body)) + body
    return out


def c_node(path, perms=b"n\0\0\0", data=b"", nperms=None):
    p = path.encode() + b"\0"
    n = len(perms) // 4 if nperms is None else nperms
    return (5, struct.pack("<IIHHHH", 0, 0, len(p), len(data), 0, n) +
            perms + p + data)


GLOBAL = (1, struct.pack("<ii", 3, 4))
END = (0, b"")
GOOD = [GLOBAL, c_node("/"), c_node("/local"), END]

HOSTILE = {
    "truncated before END": (c_file(GOOD)[:-8],
                             "the file ends without an END record"),
    "truncated in a record": (c_file(GOOD)[:-12],
                              "record 3 at offset 64: length 32 runs past "
                              "the end of the file (28 octets left)"),
    "bad length": (c_file(GOOD).replace(struct.pack("<II", 1, 8),
                                        struct.pack("<II", 1, 0x1000)),
                   "record 1 at offset 16: length 4096 runs past the end"),
    "path outside the rules": (
        c_file([GLOBAL, c_node("/"), c_node("/a//b"), END]),
        'node path "/a//b" has "//"'),
    "permission count past the end": (
        c_file([GLOBAL, c_node("/"), c_node("/x", nperms=40), END]),
        "record 3 at offset 64: length 24, but the fields take 179 "
        "octets"),
    "node before its parent": (
        c_file([GLOBAL, c_node("/"), c_node("/a/b"), END]),
        'node "/a/b" comes before its parent'),
}


OX_GOOD = open(os.path.join(conftest.REPO, "tests", "golden",
                           "oxenstored-lu.db"), "rb").read()
HOSTILE_OX = {
    "oxenstored: truncated": (OX_GOOD[:-20], "line 32: no end of line: "
                              "the file is cut short"),
    "oxenstored: bad hex": (OX_GOOD.replace(b"store,2f,6e30,",
                                            b"store,2f,6e3g,"),
                            'line 17: permissions: bad hex digit "g" at 3'),
    "oxenstored: path outside the rules": (
        OX_GOOD.replace(b"watch,0,2f746f6f6c,", b"watch,0,2f2f746f6f6c,"),
        'line 8: watch path "//tool" has "//" (at 0)'),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_OX))
def test_hostile_oxenstored_dump_refused(tmp_path, case):
    """The same for oxenstored's dump (ours as its new binary)."""
    data, why = HOSTILE_OX[case]
    f = tmp_path / "db"
    f.write_bytes(data)
    env = dict(os.environ, XENSTORED_TAKEOVER_FILE=str(f),
               XENSTORED_TAKEOVER_FALLBACK=str(tmp_path / "none"))
    r = subprocess.run([ours(), "--live", "--restart", "--no-fork"],
                       env=env, capture_output=True, timeout=IO_TIMEOUT)
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert "oxenstored 4.17's state %s refused: %s" % (f, why) in err, err
    assert f.read_bytes() == data


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_upstream_file_refused(tmp_path, case):
    """Ours started as C xenstored's new binary (-U) on a hostile state
    file refuses it with the reason, touches nothing, and (with no
    upstream binary to go back to) exits."""
    data, why = HOSTILE[case]
    f = tmp_path / "state_dump"
    f.write_bytes(data)
    env = dict(os.environ,
               XENSTORED_RUNDIR=str(tmp_path),
               XENSTORED_TAKEOVER_FALLBACK=str(tmp_path / "none"))
    r = subprocess.run([ours(), "-N", "-U"], env=env, capture_output=True,
                       timeout=IO_TIMEOUT)
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert "xenstored 4.17's state %s refused: " % f in err, err
    assert why in err, err
    assert "no upstream binary to go back to" in err, err
    assert f.read_bytes() == data       # left for upstream


# ---------------------------------------------------------------------------
# The way back and transactions
# ---------------------------------------------------------------------------
@needs_upstream
def test_handback_waits_for_transactions(host):
    """Upstream restores no transactions: going back waits for them,
    refuses after the timeout saying what would be lost, and with -F
    drops them (their client gets ENOENT, as after upstream's own)."""
    r = host.live_update(ours())
    assert r.returncode == 0, (r, host.log_text())
    assert_serving(host, ours())
    xs = XsRaw(host.sock, IO_TIMEOUT)
    tx = xs.tx_start()
    xs.write("/tool/t", "in-tx", tx=tx)
    r = host.live_update(UPSTREAM_C, "-t", "2")
    assert r.returncode != 0
    out = (r.stdout + r.stderr).decode()
    assert "1 open transaction would be lost" in out, out
    assert re.search(r"socket connection \d+ \(fd \d+\): transaction %d"
                     % tx, out), out
    assert_serving(host, ours())
    assert xs.read("/tool/t", tx=tx) == b"in-tx"
    r = host.live_update(UPSTREAM_C, "-F", "-t", "1")
    assert (r.returncode, r.stderr) == (0, b""), (r, host.log_text())
    assert_serving(host, UPSTREAM_C)
    with conftest.raises_xs("ENOENT"):
        xs.read("/tool/t", tx=tx)
    assert xs.read("/tool/xenstored") is not None
    xs.close()
    # upstream gets its signals (ours had them blocked for its signalfd)
    os.kill(host.pid, signal.SIGTERM)
    host.proc.wait(IO_TIMEOUT)
    assert host.proc.returncode == -signal.SIGTERM, host.log_text()
