# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile guests against the daemon's limits (issue 9).

Each test plays one attack of an unprivileged guest (or of a dom0 tool
that cannot keep up with one) and checks that the daemon keeps its
memory, keeps serving dom0 and charges the guest, not the others.  The
guests talk to the simulated backend directly (ringguest.py), since
the attacks need what a well-behaved guest never does: replies left
unread, a request queue kept full, a ring file truncated.

The memory figures come from the daemon's own accounting (CONTROL
quota <domid>: "memory <bytes>/<quota>") and from its resident set;
the resident set is only asserted without valgrind and ASan, whose
own bookkeeping dwarfs the daemon's.
"""

import os
import re
import socket
import threading
import time

import pytest

import conftest
from conftest import (IO_TIMEOUT, XS_CONTROL, XS_MKDIR, XS_SET_QUOTA,
                      XS_TRANSACTION_END, XS_TRANSACTION_START, XS_WATCH,
                      XS_WRITE, XsError, pack, raises_xs)
from ringguest import RingGuest, home
from test_guests import guests, xsd_args  # noqa: F401 (fixtures)


def instrumented():
    return bool(conftest.WRAPPER) or conftest.SANITIZED or \
        "asan" in conftest._binary()


def rss_kib(d):
    with open("/proc/%d/status" % d.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def domain_memory(xs, domid):
    text = xs.call(XS_CONTROL, "quota", str(domid)).decode()
    m = re.search(r"^memory (\d+)/(\d+)$", text, re.M)
    assert m, text
    return int(m.group(1)), int(m.group(2))


@pytest.fixture
def ring_guests(xsd):
    made = []

    def start(domid, **kw):
        g = RingGuest(xsd, domid, **kw)
        made.append(g)
        return g
    yield start
    for g in made:
        g.close()


def write_msg(path, value, req_id=0x99):
    return pack(XS_WRITE, path.encode() + b"\0" + value.encode(), req_id)


def push_for(g, data, seconds):
    """Keep putting data into the request queue, never reading replies;
    returns the number of bytes the daemon took."""
    sent = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        n = g.push(data[sent % len(data):] + data * 4)
        sent += n
        if not n:
            g.wait_notify(0.02)
    return sent


# ---------------------------------------------------------------------------
# 1. Memory: watches with long tokens, replies and events never read
# ---------------------------------------------------------------------------
def test_unread_replies_and_events_stay_bounded(xsd, xs, ring_guests):
    g = ring_guests(5)
    token = "t" * 3900
    for i in range(128):
        g.call(XS_WATCH, "%s/w" % home(5), "%03d%s" % (i, token))
        while not g.events:                 # the initial event
            g.pull()
            g.messages_to_events()
    g.events = []
    rss0 = rss_kib(xsd)

    # Every write fires 128 events of 4 KiB at the guest, which reads
    # nothing: before, its output grew to the 64 MiB cap.
    push_for(g, write_msg(home(5) + "/w", "x"), 3.0)
    mem, quota = domain_memory(xs, 5)
    # Its nodes and watches, plus at most the output limits.
    assert mem < quota + 512 * 1024, (mem, quota)
    if not instrumented():
        grown = rss_kib(xsd) - rss0
        assert grown < 8 * 1024, "daemon grew by %d KiB" % grown
    assert g.error() == 0
    xs.write("/dom0-still", "served")
    assert xs.read("/dom0-still") == b"served"

    # Reconnecting the ring frees the buffers and the watches.
    g._set(2068, 1)                         # connection: reconnect
    g.notify()
    deadline = time.monotonic() + IO_TIMEOUT
    while g._u32(2068) and time.monotonic() < deadline:
        g.wait_notify(0.05)
    mem2, _ = domain_memory(xs, 5)
    assert mem2 < 16 * 1024, mem2       # its few nodes only


def test_memory_quota_enforced(xsd, xs, ring_guests):
    """GET_QUOTA reports a memory quota: it now holds, for nodes,
    watches and transactions alike."""
    g = ring_guests(5)
    xs.ack(XS_SET_QUOTA, "5", "memory", str(64 * 1024))
    value = "v" * 2000
    with raises_xs("ENOMEM"):
        for i in range(100):
            g.call(XS_WRITE, raw=("%s/n%d\0%s" % (home(5), i, value))
                   .encode())
    mem, quota = domain_memory(xs, 5)
    assert quota == 64 * 1024 and mem <= quota, (mem, quota)
    with raises_xs("ENOMEM"):
        for i in range(100):
            g.call(XS_WATCH, "%s/w%d" % (home(5), i), "x" * 3000)
    tx = int(g.call(XS_TRANSACTION_START, "")[:-1])
    with raises_xs("ENOMEM"):
        for i in range(100):
            g.call(XS_WRITE, raw=("%s/t%d\0%s" % (home(5), i, value))
                   .encode(), tx_id=tx)
    # (the estimates before each request can be off by its bookkeeping)
    assert domain_memory(xs, 5)[0] <= quota + 4096
    g.call(XS_TRANSACTION_END, "F", tx_id=tx)
    # (its connection's buffers are charged but never refused)
    assert domain_memory(xs, 5)[0] <= quota + 4096
    # dom0 is not limited
    xs.write(home(5) + "/big", value * 2)


# ---------------------------------------------------------------------------
# 2. A guest's events at a slow dom0 watcher: the guest waits, dom0 stays
# ---------------------------------------------------------------------------
def test_slow_dom0_watcher_throttles_the_guest(xsd, xs, ring_guests):
    watcher = xsd.client()
    for i in range(16):
        watcher.watch("/local/domain", "%02d%s" % (i, "w" * 4000))
    for i in range(16):
        watcher.wait_event()                # the initial events
    g = ring_guests(5)
    writes = [0]
    stop = threading.Event()

    def flood():
        while not stop.is_set():
            try:
                g.call(XS_WRITE, raw=b"%s/a\0x" % home(5).encode(),
                       timeout=0.5)
                writes[0] += 1
            except TimeoutError:
                pass
    t = threading.Thread(target=flood)
    t.start()
    try:
        # Each write is 64 KiB of events at the watcher, which does not
        # read: before, the watcher was closed at 64 MiB (~1000 writes).
        time.sleep(4)
        stalled = writes[0]
        assert stalled < 1000, stalled
        time.sleep(1)
        assert writes[0] - stalled < 10     # throttled, not just slow
        # the watcher is still there; once it reads, the guest goes on
        n = 0
        while writes[0] < stalled + 20 and n < 100000:
            watcher.wait_event()
            n += 1
        assert writes[0] >= stalled + 20
    finally:
        stop.set()
        t.join()
    assert not watcher.is_closed(0.1)
    # others are served meanwhile
    xs.write("/dom0-still", "served")


# ---------------------------------------------------------------------------
# 3. Parallel transactions cannot add more nodes than the quota
# ---------------------------------------------------------------------------
def test_parallel_transactions_respect_node_quota(xsd, xs, ring_guests):
    g = ring_guests(5)
    for k in range(4):                      # no conflicts between them
        g.call(XS_MKDIR, "%s/t%d" % (home(5), k))
    xs.ack(XS_SET_QUOTA, "5", "nodes", "30")
    base = int(re.search(r"^nodes (\d+)/", xs.call(XS_CONTROL, "quota", "5")
                         .decode(), re.M).group(1))
    txs = [int(g.call(XS_TRANSACTION_START, "")[:-1]) for _ in range(4)]
    for k, tx in enumerate(txs):
        for i in range(20):
            g.call(XS_MKDIR, "%s/t%d/n%d" % (home(5), k, i), tx_id=tx)
    results = []
    for tx in txs:
        try:
            g.call(XS_TRANSACTION_END, "T", tx_id=tx)
            results.append("OK")
        except XsError as e:
            results.append(e.name)
    assert results[0] == "OK"
    assert results[1:] == ["ENOSPC"] * 3, results
    nodes = int(re.search(r"^nodes (\d+)/", xs.call(XS_CONTROL, "quota", "5")
                          .decode(), re.M).group(1))
    assert nodes == base + 20 and nodes <= 30, (base, nodes)


# ---------------------------------------------------------------------------
# 10. Out of descriptors: no spin; a connection limit
# ---------------------------------------------------------------------------
def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_emfile_does_not_spin(xsd_args):
    d = xsd_args()
    # Use up the daemon's descriptors with connections it accepts.
    soft, hard = 64, 64
    os.system("prlimit --pid %d --nofile=%d:%d" % (d.pid, soft, hard))
    held = []
    try:
        emfile_checks(d, soft, held)
    finally:
        for s in held:
            s.close()
    time.sleep(0.3)
    xs = d.client()
    xs.write("/after", "ok")
    assert xs.read("/after") == b"ok"


def emfile_checks(d, soft, held):
    for _ in range(soft + 8):
        try:
            held.append(conftest.connect_unix(d.socket, 0.5))
        except OSError:
            break
    # event channels of would-be guests, likewise, once it is full
    deadline = time.monotonic() + IO_TIMEOUT
    while len(os.listdir("/proc/%d/fd" % d.pid)) < soft and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    for _ in range(4):
        e = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        held.append(e)
        e.connect(os.path.join(d.rundir, "sim", "evtchn"))
    deadline = time.monotonic() + IO_TIMEOUT
    while time.monotonic() < deadline:
        with open(d.stderr_path) as f:
            if "refusing event channels" in f.read():
                break
        time.sleep(0.05)
    time.sleep(0.5)
    cpu0 = cpu_seconds(d.pid)
    time.sleep(2)
    used = cpu_seconds(d.pid) - cpu0
    assert used < 0.5, "daemon used %.2f s of CPU in 2 s" % used
    with open(d.stderr_path) as f:
        log = f.read().splitlines()
    refusals = [l for l in log if "refusing connections" in l]
    assert 1 <= len(refusals) <= 3, refusals
    assert 1 <= len([l for l in log if "refusing event channels" in l]) \
        <= 3, log


def test_connection_limit(xsd_args):
    d = xsd_args("--max-connections", "3")
    cs = [d.client() for _ in range(3)]
    for c in cs:
        c.write("/x", "1")
    extra = conftest.XsRaw(d.socket)
    assert extra.is_closed(IO_TIMEOUT)
    extra.close()
    cs[0].close()
    d.clients.remove(cs[0])
    assert served_again(d)              # once the daemon saw the close
    for c in cs[1:]:
        c.close()
        d.clients.remove(c)
    assert served_again(d)              # (for the teardown's check)


def served_again(d):
    deadline = time.monotonic() + IO_TIMEOUT
    while time.monotonic() < deadline:
        c = conftest.XsRaw(d.socket)
        try:
            return c.read("/x") == b"1"
        except (conftest.ConnClosed, OSError):
            time.sleep(0.05)
        finally:
            c.close()
    return False


# ---------------------------------------------------------------------------
# 11. A guest truncating its ring file
# ---------------------------------------------------------------------------
def test_truncated_ring_file(xsd, xs, ring_guests):
    g = ring_guests(5)
    g.call(XS_WRITE, raw=b"%s/a\0x" % home(5).encode())
    g.call(XS_WATCH, home(5) + "/a", "w")
    other = ring_guests(6)
    os.truncate(g.ring_path, 0)
    # No notification from the guest: the daemon touches the page on its
    # own, to deliver the event (before: SIGBUS).
    xs.write(home(5) + "/a", "changed")
    time.sleep(0.3)
    assert xsd.alive()
    g.notify()
    time.sleep(0.3)
    assert xsd.alive()
    assert other.call(XS_WRITE, raw=b"%s/b\0y" % home(6).encode()) == b"OK\0"
    xs.write("/dom0-still", "served")
    with open(xsd.stderr_path) as f:
        assert "truncated its ring file" in f.read()


# ---------------------------------------------------------------------------
# 9. Fairness: a guest keeping its queue full does not stall dom0
# ---------------------------------------------------------------------------
def read_latencies(xs, n, path="/dom0-lat"):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        xs.read(path)
        out.append(time.perf_counter() - t0)
    out.sort()
    return out


def test_flooding_guest_does_not_stall_dom0(xsd, xs, guests):
    xs.write("/dom0-lat", "x")
    quiet = read_latencies(xs, 300)
    flooders = [guests(xsd, 5 + i) for i in range(2)]
    msg = pack(conftest.XS_READ, b"name\0", 0x55).hex()
    results = []
    threads = [threading.Thread(
        target=lambda g=g: results.append(g("flood 4 " + msg)))
        for g in flooders]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        busy = read_latencies(xs, 1000)
    finally:
        for t in threads:
            t.join(IO_TIMEOUT * 2)
    assert len(results) == 2 and all(int(r) > 1000 for r in results), \
        results
    p99 = busy[int(len(busy) * 0.99)]
    mean = sum(busy) / len(busy)
    print("dom0 read latency quiet p50 %.3f ms; flooded by 2 guests "
          "(%s requests): mean %.3f ms p99 %.3f ms max %.3f ms" %
          (quiet[len(quiet) // 2] * 1e3, "+".join(results), mean * 1e3,
           p99 * 1e3, busy[-1] * 1e3))
    # A stall, not a figure: before, one guest had the daemon for its
    # whole flood (seconds).  Generous, since the machine is shared and
    # may be slow; the precise figures are make bench's.
    assert p99 < conftest.scaled(0.2 if instrumented() else 0.05), p99
    # Nobody had the daemon to itself: requests of one guest handled in
    # a row, with nothing of the other in between.  16 per turn, but a
    # turn may find the other's queue empty (its flooder descheduled on
    # a loaded machine), so the bound is loose: before, one guest kept
    # the daemon for 300000 requests (all of its flood) at a time.
    seq = []
    with open(xsd.trace, errors="replace") as f:
        for line in f:
            w = line.split(" ", 3)
            if len(w) >= 3 and w[1] == "IN" and w[2] in ("dom5", "dom6"):
                seq.append(w[2])
    # while both flood: from the later first request to the earlier last
    lo = max(seq.index(n) for n in ("dom5", "dom6"))
    hi = min(len(seq) - 1 - seq[::-1].index(n) for n in ("dom5", "dom6"))
    runs, run = [0], 1
    for a, b in zip(seq[lo:hi], seq[lo + 1:hi + 1]):
        if a == b:
            run += 1
        else:
            runs.append(run)
            run = 1
    print("longest run of one connection's requests: %d" % max(runs))
    assert max(runs) < 50000, max(runs)


# ---------------------------------------------------------------------------
# 8. Domid reuse: nothing of the old domain passes to the new one
# ---------------------------------------------------------------------------
def wait_released(xs, domid):
    deadline = time.monotonic() + IO_TIMEOUT
    while xs.call(conftest.XS_IS_DOMAIN_INTRODUCED, str(domid)) == b"T\0":
        assert time.monotonic() < deadline, "dom%d not released" % domid
        time.sleep(0.02)


def test_set_target_dies_with_the_target(xsd, xs, guests):
    a, b = guests(xsd, 5), guests(xsd, 6)
    xs.ack(conftest.XS_SET_TARGET, "5", "6")
    assert b("write data old") == "OK"
    assert a("read %s/data" % home(6)) == "old"
    b.kill()                                # dom6 dies
    wait_released(xs, 6)
    b2 = guests(xsd, 6)                     # a new domain, same domid
    assert b2("write private new") == "OK"
    assert a("read %s/private" % home(6)) == "ERROR EACCES"
    assert a("write %s/private x" % home(6)) == "ERROR EACCES"


def test_transaction_cannot_revive_stale_permissions(xsd, xs, guests):
    """A transaction gave dom7 rights on a node it creates; dom7 dies and
    its domid comes back before the commit.  Nothing the transaction
    touched changed, so it commits, but without the entry for the dead
    dom7 (the store lost its entries for dom7 at the release too)."""
    g = guests(xsd, 7)
    tx = xs.tx_start()
    xs.write("/fresh", "f", tx=tx)
    xs.set_perms("/fresh", ["n0", "r7"], tx=tx)
    g.kill()
    wait_released(xs, 7)
    g2 = guests(xsd, 7)
    xs.tx_end(tx)
    assert xs.get_perms("/fresh") == [b"n0"]
    assert g2("read /fresh") == "ERROR EACCES"


# ---------------------------------------------------------------------------
# 12. Created and hidden in one transaction: never visible, no event
# ---------------------------------------------------------------------------
def test_no_event_for_node_created_hidden_in_transaction(xsd, xs, guests):
    g = guests(xsd, 5)
    assert g("watch %s w" % home(5)) == "OK"
    assert g("wait-event") == "EVENT %s w" % home(5)
    tx = xs.tx_start()
    xs.write(home(5) + "/secret", "s", tx=tx)      # inherits n5
    xs.set_perms(home(5) + "/secret", ["n0"], tx=tx)
    xs.write(home(5) + "/open", "o", tx=tx)
    xs.tx_end(tx)
    # the event for the node it may see comes; none for the hidden one
    assert g("wait-event") == "EVENT %s/open w" % home(5)
    assert g("wait-event 0.3") == "TIMEOUT"
    assert g("read secret") == "ERROR EACCES"


# ---------------------------------------------------------------------------
# The worst an unprivileged guest can do with default quotas, at once
# ---------------------------------------------------------------------------
def worst_guest(g, seconds):
    """Every way to make the daemon hold memory, one after the other,
    each until the daemon refuses; then unread replies and events."""
    h = home(g.domid)
    long_dir = h + "/" + "/".join(["d" * 60] * 30)     # ~1.8 KiB path
    value = "v" * 2048
    token = "t" * 3900
    for i in range(128):                               # watches
        try:
            g.call(XS_WATCH, h, "%03d%s" % (i, token))
        except XsError:
            break
        while not g.events:
            g.pull()
            g.messages_to_events()
        g.events = []
    txs = []
    for _ in range(10):                                # transactions
        try:
            txs.append(int(g.call(XS_TRANSACTION_START, "")[:-1]))
        except XsError:
            break
    for k, tx in enumerate(txs):
        for i in range(1024):
            try:
                g.call(XS_WRITE, raw=("%s/t%d-%d\0%s" % (long_dir, k, i,
                                                         value)).encode(),
                       tx_id=tx)
            except XsError:
                break
    for i in range(1000):                              # nodes
        try:
            g.call(XS_WRITE, raw=("%s/n%d\0%s" % (long_dir, i, value))
                   .encode())
        except XsError:
            break
    g.inbuf, g.events = b"", []
    # replies and events never read: every write fires all its watches
    push_for(g, write_msg(h + "/x", "y"), seconds)


def _attack_child(g, seconds, conn):
    try:
        worst_guest(g, seconds)
        conn.send(None)
    except Exception as e:                  # reported by the parent
        conn.send(repr(e))


def run_worst(xsd, xs, ring_guests, n, seconds):
    """n guests attack at once, each in its own process (the rings are
    set up here and inherited); dom0 reads meanwhile."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    gs = [ring_guests(5 + i) for i in range(n)]
    rss0 = rss_kib(xsd)
    pipes, ps = [], []
    for g in gs:
        a, b = ctx.Pipe()
        p = ctx.Process(target=_attack_child, args=(g, seconds, b))
        p.start()
        pipes.append(a)
        ps.append(p)
    ts = ps
    lat, peak = [], rss0
    xs.write("/dom0-lat", "x")
    while any(t.is_alive() for t in ts):
        lat += read_latencies(xs, 20)
        peak = max(peak, rss_kib(xsd))
        time.sleep(0.01)
    errors = [a.recv() for a in pipes if a.poll()]
    for p in ps:
        p.join(IO_TIMEOUT)
    assert len(errors) == n and not any(errors), errors
    lat.sort()
    p99 = lat[int(len(lat) * 0.99)]
    mems = [domain_memory(xs, g.domid)[0] for g in gs]
    print("worst case, %d guest(s): daemon RSS %d KiB before, peak %d KiB; "
          "charged per guest up to %d KiB; dom0 reads %d, p99 %.3f ms, "
          "max %.3f ms" % (n, rss0, peak, max(mems) // 1024, len(lat),
                           p99 * 1e3, lat[-1] * 1e3))
    for m in mems:                          # quota + output limits
        assert m < 2560 * 1024 + 512 * 1024, m
    xs.write("/dom0-still", "served")
    return peak, p99


def test_memory_worst_case_one_guest(xsd, xs, ring_guests):
    peak, p99 = run_worst(xsd, xs, ring_guests, 1, 2.0)
    if not instrumented():
        assert peak < 25 * 1024, peak
        assert p99 < 0.05, p99              # loaded machine: generous


def test_memory_worst_case_many_guests(xsd, xs, ring_guests):
    import signal
    signal.alarm(conftest.TEST_TIMEOUT * 6)     # ten guests take a while
    peak, p99 = run_worst(xsd, xs, ring_guests, 10, 2.0)
    if not instrumented():
        assert peak < 100 * 1024, peak
        assert p99 < 0.1, p99


def test_ended_transactions_give_their_memory_back(xsd, xs, guests):
    """50 transactions of a guest, each with writes, ended (committed or
    aborted): the domain's memory charge is back where it started."""
    g = guests(xsd, 5)
    assert g("write base x") == "OK"
    mem0, _ = domain_memory(xs, 5)
    for i in range(50):
        tx = g("tx-start")
        assert g("tx %s write t/%d %s" % (tx, i % 5, "v" * 100)) == "OK"
        assert g("tx %s read base" % tx) == "x"
        assert g("tx-end %s %s" % (tx, "abort" if i % 2 else "commit")) \
            == "OK"
        assert g("rm t") in ("OK", "ERROR ENOENT")
    mem, _ = domain_memory(xs, 5)
    assert mem == mem0, (mem0, mem)


def test_event_channel_storm_is_set_aside(xsd, xs, guests):
    """A guest notifying in a tight loop with nothing in its ring: its
    channel is set aside for a while at a time (logged once), everybody
    else is served meanwhile, and it is served again afterwards."""
    storm, good = guests(xsd, 5), guests(xsd, 6)
    out = []
    t = threading.Thread(target=lambda: out.append(storm("storm 1.5")))
    t.start()
    try:
        for i in range(50):
            assert good("write data%d %d" % (i % 5, i)) == "OK"
            xs.write("/dom0-still", str(i))
    finally:
        t.join(IO_TIMEOUT * 2)
    assert out and int(out[0]) > 1000, out
    assert storm("write after storm") == "OK"
    assert storm("read after") == "storm"
    with open(xsd.stderr_path) as f:
        assert f.read().count("dom5 notifies with nothing in its ring") \
            == 1
