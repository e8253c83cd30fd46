# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest domains against the simulated backend (docs/sim-backend.md):
many guests at once and their permissions, quotas, hostile rings,
release and re-introduction, the special watches, ring reconnection,
SET_TARGET, and guests that die.

Guests are tests/xs-guest processes (docs/xs-guest.1.md) driven line by
line through ``Guest`` from test_guest_smoke.py; dom0 is the raw socket
client of conftest.py.  Guest results are the xs-guest result lines
("OK", a value, "ERROR <name>", "EVENT <path> <token>", "TIMEOUT").

The tests near the end pin down where upstream Xen's behaviour was
chosen over a simpler one (ownership for SET_PERMS, events for watchers
who may read a node only after a change, removal events for readable
children of unreadable nodes, atomic RM in transactions, XSA-322
revocation of a released domain's rights).
"""

import collections
import concurrent.futures
import os
import random
import re
import shlex
import signal
import struct
import subprocess
import threading
import time

import pytest

import conftest
from conftest import (IO_TIMEOUT, XS_CONTROL, XS_GET_FEATURE, XS_GET_QUOTA,
                      XS_INTRODUCE, XS_IS_DOMAIN_INTRODUCED, XS_READ,
                      XS_RELEASE, XS_RESUME, XS_SET_QUOTA, XS_SET_TARGET,
                      XS_WRITE, XsError, pack, raises_xs)
from test_guest_smoke import Guest

pytestmark = pytest.mark.ours_only("the sim backend is ours")

# How long a guest waits for an event that must not come.
QUIET = 0.3


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def home(domid):
    return "/local/domain/%d" % domid


def wait_for(pred, what, timeout=IO_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.01)


def parallel(fn, items):
    """fn(item) for every item, each in its own thread; the results in
    order.  The first exception is re-raised."""
    items = list(items)
    with concurrent.futures.ThreadPoolExecutor(len(items)) as ex:
        futs = [ex.submit(fn, it) for it in items]
        return [f.result(timeout=IO_TIMEOUT * 6) for f in futs]


def introduced(xs, domid):
    r = xs.call(XS_IS_DOMAIN_INTRODUCED, str(domid))
    assert r in (b"T\0", b"F\0"), r
    return r == b"T\0"


def set_quota(xs, domid, name, value):
    xs.ack(XS_SET_QUOTA, str(domid), name, str(value))


def get_quota(xs, name, domid=None):
    args = (name,) if domid is None else (str(domid), name)
    p = xs.call(XS_GET_QUOTA, *args)
    assert p.endswith(b"\0") and p[:-1].isdigit(), p
    return int(p[:-1])


EVENT_RE = re.compile(r"EVENT (\S+) (\S+)")


def drain(g, quiet=QUIET):
    """The guest's pending events as (path, token) until none comes for
    ``quiet`` seconds."""
    out = []
    while True:
        r = g("wait-event %s" % quiet)
        if r == "TIMEOUT":
            return out
        m = EVENT_RE.fullmatch(r)
        assert m, "not an event: %r" % r
        out.append((m.group(1), m.group(2)))


def no_event(g):
    assert g("wait-event %s" % QUIET) == "TIMEOUT"


def trace_lines(d):
    with open(d.trace, "rb") as f:
        return f.read().decode("utf-8", "replace").splitlines()


def traced_reply(d, conn, req_id):
    """Payload (as traced, NULs shown as |) of the reply or error the
    daemon sent on conn for req_id: (type, payload) or None."""
    pat = re.compile(r'\S+ OUT %s type=(\d+) req=%d tx=\d+ len=\d+ "(.*)"$'
                     % (re.escape(conn), req_id))
    for line in trace_lines(d):
        m = pat.match(line)
        if m:
            return int(m.group(1)), m.group(2)
    return None


def still_serving(xs, *guests):
    """Every guest given still gets answers, dom0 too."""
    for g in guests:
        assert g("error") == "0"
        assert g("write still-here yes") == "OK"
        assert g("read still-here") == "yes"
        assert introduced(xs, g.domid)
    xs.write("/dom0-check", "ok")
    assert xs.read("/dom0-check") == b"ok"
    xs.rm("/dom0-check")


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------
@pytest.fixture
def guests():
    """guests(daemon, domid, *xs-guest options) starts a Guest; every guest
    started is killed at teardown."""
    made = []
    lock = threading.Lock()

    def start(d, domid, *opts):
        g = Guest(d, domid, *opts)
        with lock:
            made.append(g)
        return g
    yield start
    for g in made:
        g.kill()


@pytest.fixture
def xsd_args(request, monkeypatch, tmp_path):
    """xsd_args(*options): the test's daemon (conftest's ``xsd`` fixture,
    with all its checks at teardown), started with extra options.  A test
    using this must not ask for ``xsd`` or ``xs`` itself."""
    def start(*args):
        script = tmp_path / "xenstored-with-options"
        script.write_text("#!/bin/sh\nexec %s \"$@\" %s\n" % (
            " ".join(shlex.quote(w) for w in conftest.WRAPPER +
                     [conftest._binary()]),
            " ".join(shlex.quote(a) for a in args)))
        script.chmod(0o755)
        monkeypatch.setenv("XSD_BINARY", str(script))
        monkeypatch.setattr(conftest, "WRAPPER", [])
        return request.getfixturevalue("xsd")
    return start


# ---------------------------------------------------------------------------
# 1. Many guests at once: each sees what its permissions allow, no more
# ---------------------------------------------------------------------------
NGUESTS = 52


def test_many_guests_permissions_and_watches(xsd, xs, guests):
    ids = list(range(1, NGUESTS + 1))
    nxt = {i: ids[(n + 1) % len(ids)] for n, i in enumerate(ids)}
    prv = {i: ids[n - 1] for n, i in enumerate(ids)}

    # dom0: one node per guest that only that guest may read
    xs.mkdir("/shared")
    for i in ids:
        xs.write("/shared/to%d" % i, "secret%d" % i)
        xs.set_perms("/shared/to%d" % i, ["n0", "r%d" % i])

    G = dict(zip(ids, parallel(lambda i: guests(xsd, i), ids)))
    assert all(introduced(xs, i) for i in ids)
    # dom0's home is there from the start (its ring, -D not given)
    assert sorted(xs.directory("/local/domain")) == \
        sorted(str(i).encode() for i in [0] + ids)
    xs.watch("/local/domain", "dom0")
    assert xs.wait_event() == (b"/local/domain", b"dom0")

    def grant(i):
        # each guest lets its predecessor read its "pub" node
        g = G[i]
        assert g("write pub P%d" % i) == "OK"
        assert g("setperms pub n%d r%d" % (i, prv[i])) == "OK"
        assert g("getperms pub") == "n%d r%d" % (i, prv[i])
    parallel(grant, ids)

    def watch(i):
        g = G[i]
        for path, tok in (("/local/domain", "all"), ("data", "mine"),
                          ("/shared", "sh"),
                          # allowed to set, but must not hear of j's data
                          ("%s/data" % home(nxt[i]), "spy")):
            assert g("watch %s %s" % (path, tok)) == "OK"
            assert g("wait-event") == "EVENT %s %s" % (path, tok)
    parallel(watch, ids)

    def work(i):
        g, j, k = G[i], nxt[i], prv[i]
        assert g("write data v%d" % i) == "OK"
        assert g("mkdir sub") == "OK"
        assert g("write sub/leaf L%d" % i) == "OK"
        assert g("write pub Q%d" % i) == "OK"
        assert g("read data") == "v%d" % i
        assert g("read %s/sub/leaf" % home(i)) == "L%d" % i
        assert g("dir %s" % home(i)) == "pub data sub"
        assert g("getperms data") == "n%d" % i
        assert g("read nonexistent") == "ERROR ENOENT"
        # the next guest's home: whatever it has done yet, all EACCES
        # (a missing node below it too: existence does not leak)
        for cmd in ("read %s/data", "read %s/nonexistent", "dir %s",
                    "getperms %s", "read %s", "write %s/data hacked",
                    "mkdir %s/new", "rm %s/data", "rm %s",
                    "write %s/pub hacked"):
            assert g(cmd % home(j)) == "ERROR EACCES", cmd
        assert g("setperms %s/data n%d" % (home(j), i)) == "ERROR EACCES"
        # j let i read its pub node (value: before or after j's rewrite)
        assert g("read %s/pub" % home(j)) in ("P%d" % j, "Q%d" % j)
        assert g("getperms %s/pub" % home(j)) == "n%d r%d" % (j, i)
        if k != j:
            assert g("read %s/pub" % home(k)) == "ERROR EACCES"
        # dom0's nodes: its own one readable, not writable; others hidden
        assert g("read /shared/to%d" % i) == "secret%d" % i
        assert g("getperms /shared/to%d" % i) == "n0 r%d" % i
        assert g("write /shared/to%d mine" % i) == "ERROR EACCES"
        assert g("read /shared/to%d" % j) == "ERROR EACCES"
        assert g("dir /shared") == "ERROR EACCES"
        assert g("read /local/domain") == "ERROR EACCES"
    parallel(work, ids)

    # dom0 changes what each guest may read, and something nobody may
    for i in ids:
        xs.write("/shared/to%d" % i, "again%d" % i)
        xs.write(home(i) + "/fromdom0", "D")
    xs.write("/shared/nobody", "x")

    def check(i):
        g, j = G[i], nxt[i]
        want = collections.Counter([
            (home(i) + "/data", "all"), ("data", "mine"),
            (home(i) + "/sub", "all"), (home(i) + "/sub/leaf", "all"),
            (home(i) + "/pub", "all"),      # its own rewrite
            (home(j) + "/pub", "all"),      # j's rewrite, readable by i
            (home(i) + "/fromdom0", "all"),
            ("/shared/to%d" % i, "sh")])
        assert collections.Counter(drain(g)) == want
        assert g("read fromdom0") == "D"
        assert g("read /shared/to%d" % i) == "again%d" % i
        assert g("read %s/pub" % home(j)) == "Q%d" % j
        assert g("error") == "0"
    parallel(check, ids)

    # dom0 heard of everything
    seen = set(xs.drain_events())
    for i in ids:
        for leaf in ("data", "sub", "sub/leaf", "pub", "fromdom0"):
            assert (("%s/%s" % (home(i), leaf)).encode(), b"dom0") in seen

    # all of them go away: every domain released, its nodes removed
    parallel(lambda i: G[i].quit(), ids)
    wait_for(lambda: not any(introduced(xs, i) for i in ids),
             "all domains released")
    assert xs.directory("/local/domain") == [b"0"]
    assert sorted(xs.directory("/shared")) == sorted(
        [b"nobody"] + [("to%d" % i).encode() for i in ids])


# ---------------------------------------------------------------------------
# 2. Quotas: one test per quota, set by SET_QUOTA for the domain or by the
#    daemon's options (then every guest has the limit, each on its own)
# ---------------------------------------------------------------------------
QUOTA_OPTION = {
    "nodes": ["-E"], "node-size": ["-S"], "watches": ["-W"],
    "transactions": ["-t"], "permissions": ["-A"], "path-max": ["-M"],
    "transaction-nodes": None,      # only -Q name=value
}


@pytest.fixture(params=["SET_QUOTA", "option"])
def quota(request, xsd_args, guests):
    """quota(name, value) -> (daemon, dom0, guest 5, guest 6, limited6):
    guest 5 has the limit; guest 6 too when limited6 (daemon option)."""
    def setup(name, value):
        by_option = request.param == "option"
        if by_option:
            opt = QUOTA_OPTION[name]
            args = opt + [str(value)] if opt else \
                ["-Q", "%s=%d" % (name, value)]
            d = xsd_args(*args)
        else:
            d = request.getfixturevalue("xsd")
        xs = d.client()
        default = get_quota(xs, name)
        g5, g6 = guests(d, 5), guests(d, 6)
        if not by_option:
            set_quota(xs, 5, name, value)
        assert get_quota(xs, name, 5) == value
        assert get_quota(xs, name, 6) == (value if by_option else default)
        assert get_quota(xs, name) == default
        return d, xs, g5, g6, by_option
    return setup


def test_quota_nodes(quota):
    d, xs, g5, g6, limited6 = quota("nodes", 4)
    # the home node counts: it is the guest's own
    assert g5("write a 1") == "OK"
    assert g5("write b 1") == "OK"
    assert g5("write c/d 1") == "ERROR ENOSPC"      # needs two more
    assert g5("read c") == "ERROR ENOENT"           # nothing half made
    assert g5("write c 1") == "OK"                  # 4 of 4
    assert g5("write d 1") == "ERROR ENOSPC"
    assert g5("mkdir d") == "ERROR ENOSPC"
    tx = g5("tx-start")
    assert g5("tx %s write d 1" % tx) == "ERROR ENOSPC"
    assert g5("tx-end %s commit" % tx) == "OK"
    assert g5("read d") == "ERROR ENOENT"
    assert g5("write a 2") == "OK"                  # no new node
    assert g5("rm a") == "OK"
    assert g5("write d 1") == "OK"
    assert g5("write e 1") == "ERROR ENOSPC"
    # dom0 is not limited, even creating nodes the guest then owns
    xs.write(home(5) + "/fromdom0", "x")
    assert xs.get_perms(home(5) + "/fromdom0") == [b"n5"]
    assert g5("write e 1") == "ERROR ENOSPC"
    assert g5("read fromdom0") == "x"
    # guest 6 counts its own nodes
    for n in "abc":
        assert g6("write %s 1" % n) == "OK"
    assert g6("write d 1") == ("ERROR ENOSPC" if limited6 else "OK")
    assert g5("read d") == "1"
    assert g5("error") == "0"
    assert g6("read a") == "1"
    xs.write("/dom0-check", "ok")
    assert introduced(xs, 5) and introduced(xs, 6)


def test_quota_node_size(quota):
    d, xs, g5, g6, limited6 = quota("node-size", 8)
    assert g5("write a 12345678") == "OK"
    assert g5("write a 123456789") == "ERROR ENOSPC"
    assert g5("read a") == "12345678"
    assert g5("write b 123456789") == "ERROR ENOSPC"
    assert g5("read b") == "ERROR ENOENT"
    tx = g5("tx-start")
    assert g5("tx %s write c 123456789" % tx) == "ERROR ENOSPC"
    assert g5("tx %s write c 12345678" % tx) == "OK"
    assert g5("tx-end %s commit" % tx) == "OK"
    assert g5("read c") == "12345678"
    # dom0 may write more; the guest may read it
    xs.write(home(5) + "/big", "x" * 100)
    assert g5("read big") == "x" * 100
    assert g5("write big y") == "OK"
    assert g6("write a 123456789") == \
        ("ERROR ENOSPC" if limited6 else "OK")
    still_serving(xs, g5, g6)


def test_quota_watches(quota):
    d, xs, g5, g6, limited6 = quota("watches", 2)
    for path, tok in (("a", "t1"), ("b", "t2")):
        assert g5("watch %s %s" % (path, tok)) == "OK"
        assert g5("wait-event") == "EVENT %s %s" % (path, tok)
    assert g5("watch c t3") == "ERROR E2BIG"
    assert g5("watch a t1") == "ERROR EEXIST"
    assert g5("unwatch a t1") == "OK"
    assert g5("watch c t3") == "OK"
    assert g5("wait-event") == "EVENT c t3"
    assert g5("watch d t4") == "ERROR E2BIG"
    # the watches it has still work, the refused ones do not exist
    for leaf in "abcd":
        xs.write(home(5) + "/" + leaf, "x")
    assert drain(g5) == [("b", "t2"), ("c", "t3")]
    for n in range(3):
        r = g6("watch w%d t" % n)
        if limited6 and n == 2:
            assert r == "ERROR E2BIG"
        else:
            assert r == "OK"
            assert g6("wait-event") == "EVENT w%d t" % n
    # dom0 is not limited
    w = d.client()
    for n in range(5):
        w.watch("/w%d" % n, "t")
    still_serving(xs, g5, g6)


def test_quota_transactions(quota):
    d, xs, g5, g6, limited6 = quota("transactions", 2)
    txid = re.compile(r"[1-9][0-9]*")
    t1, t2 = g5("tx-start"), g5("tx-start")
    assert txid.fullmatch(t1) and txid.fullmatch(t2) and t1 != t2
    assert g5("tx-start") == "ERROR ENOSPC"
    assert g5("tx %s write x 1" % t1) == "OK"
    assert g5("tx-end %s commit" % t1) == "OK"
    t3 = g5("tx-start")
    assert txid.fullmatch(t3) and t3 != t2
    assert g5("tx-start") == "ERROR ENOSPC"
    assert g5("tx %s write y 2" % t3) == "OK"
    assert g5("tx-end %s commit" % t3) == "OK"
    assert g5("tx-end %s abort" % t2) == "OK"
    assert g5("read x") == "1" and g5("read y") == "2"
    txs = [g6("tx-start") for _ in range(3)]
    assert all(txid.fullmatch(t) for t in txs[:2])
    if limited6:
        assert txs[2] == "ERROR ENOSPC"
    else:
        assert txid.fullmatch(txs[2])
    # dom0 is not limited
    dom0_txs = [xs.tx_start() for _ in range(5)]
    for t in dom0_txs:
        xs.tx_end(t, commit=False)
    still_serving(xs, g5, g6)


def test_quota_node_permissions(quota):
    d, xs, g5, g6, limited6 = quota("permissions", 2)
    assert g5("write ok 1") == "OK"
    assert g5("setperms ok n5 r6") == "OK"
    assert g5("getperms ok") == "n5 r6"
    assert g5("setperms ok n5 r6 r7") == "ERROR ENOSPC"
    assert g5("getperms ok") == "n5 r6"
    # dom0 is not limited; the guest cannot create below such a node (the
    # new node would inherit three entries) nor change it, except to
    # bring its permissions back within the quota
    xs.write(home(5) + "/wide", "w")
    xs.set_perms(home(5) + "/wide", ["n5", "r6", "r7"])
    assert g5("write wide/child 1") == "ERROR ENOSPC"
    assert g5("write wide 2") == "ERROR ENOSPC"
    assert g5("read wide") == "w"
    assert g5("setperms wide n5 r6") == "OK"
    assert g5("write wide/child 1") == "OK"
    assert g5("getperms wide/child") == "n5 r6"
    assert g6("write p 1") == "OK"
    assert g6("setperms p n6 r5 r7") == \
        ("ERROR ENOSPC" if limited6 else "OK")
    still_serving(xs, g5, g6)


def test_quota_path_max(quota):
    d, xs, g5, g6, limited6 = quota("path-max", 10)
    a10, a11 = "a" * 10, "a" * 11
    assert g5("write %s 1" % a10) == "OK"
    assert g5("read %s/%s" % (home(5), a10)) == "1"
    # the length below /local/domain/<id>/ counts, whatever the domain,
    # and it is checked before permissions
    for cmd in ("write %s 1" % a11, "write %s/%s 1" % (home(5), a11),
                "read %s" % a11, "mkdir %s" % a11, "rm %s" % a11,
                "read %s/%s" % (home(6), "b" * 11), "read /%s" % a10):
        assert g5(cmd) == "ERROR EINVAL", cmd
    assert g5("read %s/b" % home(6)) == "ERROR EACCES"
    assert g5("read /abc") == "ERROR EACCES"
    # elsewhere the whole path counts: even the home node itself
    assert g5("read %s" % home(5)) == "ERROR EINVAL"
    # dom0 is not limited; the guest cannot reach what dom0 made there
    xs.write("%s/%s" % (home(5), "c" * 50), "long")
    assert g5("read %s" % ("c" * 50)) == "ERROR EINVAL"
    assert g6("write %s 1" % ("b" * 11)) == \
        ("ERROR EINVAL" if limited6 else "OK")
    still_serving(xs, g6)
    assert g5("read %s" % a10) == "1"
    assert g5("error") == "0"


def test_quota_transaction_nodes(quota):
    d, xs, g5, g6, limited6 = quota("transaction-nodes", 3)
    tx = g5("tx-start")
    assert g5("tx %s write a 1" % tx) == "OK"       # a, and its parent
    assert g5("tx %s write b 1" % tx) == "OK"       # b
    assert g5("tx %s write c 1" % tx) == "ERROR ENOSPC"
    assert g5("tx %s read a" % tx) == "1"           # touched already
    assert g5("tx %s write a 2" % tx) == "OK"
    assert g5("tx-end %s commit" % tx) == "OK"
    assert g5("read a") == "2" and g5("read b") == "1"
    assert g5("read c") == "ERROR ENOENT"
    assert g5("write c 1") == "OK"                  # outside: no limit
    # every node looked at counts, found or not
    tx = g5("tx-start")
    assert g5("tx %s read a" % tx) == "2"
    assert g5("tx %s read nothing" % tx) == "ERROR ENOENT"   # + parent
    assert g5("tx %s read b" % tx) == "ERROR ENOSPC"
    assert g5("tx-end %s abort" % tx) == "OK"
    tx = g6("tx-start")
    for n in range(4):
        r = g6("tx %s write n%d 1" % (tx, n))
        assert r == ("ERROR ENOSPC" if limited6 and n >= 2 else "OK")
    assert g6("tx-end %s commit" % tx) == "OK"
    tx = xs.tx_start()
    for n in range(10):
        xs.write("/dom0tx/n%d" % n, "1", tx=tx)
    xs.tx_end(tx)
    still_serving(xs, g5, g6)


# ---------------------------------------------------------------------------
# 3. Hostile guests
# ---------------------------------------------------------------------------
def _write_msg(path, value, req_id=0x77):
    return pack(XS_WRITE, path.encode() + b"\0" + value.encode(), req_id)


def _random_oversize():
    rng = random.Random(0x5eed)
    data = rng.randbytes(200)
    assert struct.unpack_from("<I", data, 12)[0] > 4096
    return data


ATTACKS = {
    # name: (xs-guest command, error field value)
    "ring-garbage": ("ring-garbage", 2),
    "oversize": ("raw " + pack(XS_READ, b"", 0x55, length=5000).hex(), 3),
    "random": ("raw " + _random_oversize().hex(), 3),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hostile_guest(xsd, xs, guests, attack):
    bad, good = guests(xsd, 5), guests(xsd, 6)
    assert bad("write data before") == "OK"
    assert bad("watch w tok") == "OK"
    assert bad("wait-event") == "EVENT w tok"
    assert good("watch w tok") == "OK"
    assert good("wait-event") == "EVENT w tok"

    cmd, error = ATTACKS[attack]
    assert bad(cmd) == "OK"
    assert bad("error 5") == str(error)
    wait_for(lambda: any(l.startswith("dom5 FAIL %d " % error)
                         for l in trace_lines(xsd)), "FAIL in the trace")

    # no longer served: no events, requests stay unread
    xs.write(home(5) + "/w/x", "1")
    no_event(bad)
    if attack == "ring-garbage":
        # the guest's own ring code refuses the bad offsets
        assert bad("raw " + _write_msg("after", "x").hex()) == "ERROR EIO"
    else:
        assert bad("raw " + _write_msg("after", "x").hex()) == "OK"
    time.sleep(QUIET)
    assert not xs.exists(home(5) + "/after")
    assert bad("error") == str(error)

    # everybody else is served
    xs.write(home(6) + "/w/x", "1")
    assert good("wait-event") == "EVENT w/x tok"     # relative watch
    still_serving(xs, good)
    assert introduced(xs, 5)
    assert xs.read(home(5) + "/data") == b"before"

    # reconnection: served again, from a clean slate
    assert bad("reconnect") == "OK"
    assert bad("error") == "0"
    assert bad("read data") == "before"
    assert not xs.exists(home(5) + "/after")
    xs.write(home(5) + "/w/y", "1")
    no_event(bad)                                   # the watch is gone
    still_serving(xs, bad, good)


def test_hostile_framed_garbage_is_answered(xsd, xs, guests):
    """Random bytes in well-formed messages are just bad requests: the
    guest gets error replies and stays connected."""
    g = guests(xsd, 5)
    rng = random.Random(7)
    msgs = [(rng.randrange(27, 0xffff), 0x100, rng.randbytes(40)),
            (XS_WRITE, 0x101, rng.randbytes(40).replace(b"\0", b"\1")),
            (XS_READ, 0x102, rng.randbytes(4000))]
    raw = b"".join(pack(t, p, rid) for t, rid, p in msgs)
    for off in range(0, len(raw), 1500):   # messages span raw commands
        assert g("raw " + raw[off:off + 1500].hex()) == "OK"
    assert g("write data ok") == "OK"               # in order: after them
    assert traced_reply(xsd, "dom5", 0x100) == (16, "ENOSYS|")
    assert traced_reply(xsd, "dom5", 0x101) == (16, "EINVAL|")
    assert traced_reply(xsd, "dom5", 0x102) == (16, "EINVAL|")
    assert g("error") == "0"
    still_serving(xs, g)


def test_hostile_guests_at_once(xsd, xs, guests):
    """All attacks at the same time while a well-behaved guest works."""
    bad = {a: guests(xsd, 5 + n) for n, a in enumerate(sorted(ATTACKS))}
    good = guests(xsd, 9)
    stop = threading.Event()
    results = []

    def worker():
        n = 0
        while not stop.is_set():
            results.append(good("write n%d %d" % (n % 10, n)) == "OK" and
                           good("read n%d" % (n % 10)) == str(n))
            n += 1
    t = threading.Thread(target=worker)
    t.start()
    try:
        parallel(lambda a: bad[a](ATTACKS[a][0]), sorted(bad))
        for a, g in bad.items():
            assert g("error 5") == str(ATTACKS[a][1])
        time.sleep(0.2)
    finally:
        stop.set()
        t.join(IO_TIMEOUT * 4)
    assert results and all(results)
    still_serving(xs, good)
    for g in bad.values():
        assert g("reconnect") == "OK"
    still_serving(xs, good, *bad.values())


# ---------------------------------------------------------------------------
# 4. Release and re-introduction, @releaseDomain / @introduceDomain
# ---------------------------------------------------------------------------
SPECIAL_WATCHES = (("@releaseDomain", "all", None),
                   ("@releaseDomain", "d1", "1"),
                   ("@releaseDomain/5", "only5", None),
                   ("@releaseDomain/6", "only6", None),
                   ("@introduceDomain", "intro", None),
                   ("@introduceDomain", "intro1", "1"),
                   ("@introduceDomain/5", "intro5", None))


def special_watcher(d):
    w = d.client()
    for path, tok, depth in SPECIAL_WATCHES:
        w.watch(path, tok, depth)
        assert w.wait_event() == (path.encode(), tok.encode())
    return w


def released_events(domid):
    return sorted([(b"@releaseDomain", b"all"),
                   (b"@releaseDomain/%d" % domid, b"d1")] +
                  ([(b"@releaseDomain/%d" % domid, b"only%d" % domid)]
                   if domid in (5, 6) else []))


def introduced_events(domid):
    return sorted([(b"@introduceDomain", b"intro"),
                   (b"@introduceDomain/%d" % domid, b"intro1")] +
                  ([(b"@introduceDomain/5", b"intro5")] if domid == 5
                   else []))


def test_release_and_reintroduce(xsd, xs, guests):
    w = special_watcher(xsd)
    g5 = guests(xsd, 5)
    assert sorted(w.drain_events(3)) == introduced_events(5)
    g6 = guests(xsd, 6)
    assert sorted(w.drain_events(2)) == introduced_events(6)

    assert g5("write data five") == "OK"
    assert g5("write sub/x 1") == "OK"
    xs.write(home(5) + "/fromdom0", "owned by 5 as well")
    xs.write("/other/owned5", "x")
    xs.set_perms("/other/owned5", ["n5"])
    xs.write("/keep/for5", "k")
    xs.set_perms("/keep/for5", ["n0", "r5"])
    assert g6("write data six") == "OK"
    assert introduced(xs, 5)

    xs.ack(XS_RELEASE, "5")
    assert sorted(w.drain_events(3)) == released_events(5)
    assert not introduced(xs, 5)
    assert introduced(xs, 6)
    # its nodes are gone, dom0's are not
    for p in (home(5), "/other/owned5"):
        with raises_xs("ENOENT"):
            xs.read(p)
    assert xs.directory("/other") == []
    assert xs.read("/keep/for5") == b"k"
    assert xs.directory("/local/domain") == [b"0", b"6"]
    # the daemon closed its event channel
    assert g5("read data") == "ERROR EIO"
    assert g6("read data") == "six"
    assert g6("error") == "0"
    for bad, err in (("5", "ENOENT"), ("0", "EINVAL"), ("x", "EINVAL"),
                     ("70000", "EINVAL")):
        with raises_xs(err):
            xs.call(XS_RELEASE, bad)
    w.no_event()

    # the same domid again, introduced by a new xs-guest
    g5.kill()
    g5 = guests(xsd, 5)
    assert sorted(w.drain_events(3)) == introduced_events(5)
    assert introduced(xs, 5)
    assert g5("read data") == "ERROR ENOENT"
    assert g5("write data again") == "OK"
    assert xs.read(home(5) + "/data") == b"again"
    still_serving(xs, g5, g6)

    # and once more, the toolstack's way: the guest waits for INTRODUCE
    xs.ack(XS_RELEASE, "5")
    assert sorted(w.drain_events(3)) == released_events(5)
    g5.kill()
    started = []
    t = threading.Thread(target=lambda: started.append(
        guests(xsd, 5, "--no-introduce", "--port", "9")))
    t.start()
    try:
        xs.mkdir(home(5))
        xs.set_perms(home(5), ["n5"])
        deadline = time.monotonic() + IO_TIMEOUT
        while True:
            # EINVAL until the guest has offered its unbound port 9
            with raises_xs("EINVAL"):
                xs.call(XS_INTRODUCE, "5", "0", "8")
            try:
                xs.ack(XS_INTRODUCE, "5", "0", "9")
                break
            except XsError as e:
                assert e.name == "EINVAL"
                assert time.monotonic() < deadline, "no port 9 offered"
                time.sleep(0.01)
    finally:
        t.join(IO_TIMEOUT * 4)
    g5 = started[0]
    assert sorted(w.drain_events(3)) == introduced_events(5)
    assert g5("write data third") == "OK"
    assert g5("getperms data") == "n5"
    still_serving(xs, g5, g6)
    assert g6("read data") == "six"
    # nothing about domain 6 was ever reported
    w.no_event()


def test_release_keep_orphans(xsd_args, guests):
    d = xsd_args("-K")
    xs = d.client()
    w = special_watcher(d)
    g5, g6 = guests(d, 5), guests(d, 6)
    w.drain_events(5)
    assert g5("write data kept") == "OK"
    xs.write("/other/owned5", "x")
    xs.set_perms("/other/owned5", ["n5"])
    xs.ack(XS_RELEASE, "5")
    assert sorted(w.drain_events(3)) == released_events(5)
    assert not introduced(xs, 5)
    assert xs.read(home(5) + "/data") == b"kept"
    assert xs.read("/other/owned5") == b"x"
    assert sorted(xs.directory("/local/domain")) == [b"0", b"5", b"6"]
    g5.kill()
    g5 = guests(d, 5)
    assert sorted(w.drain_events(3)) == introduced_events(5)
    assert g5("write more 1") == "OK"
    still_serving(xs, g5, g6)


def test_release_with_xenstore_watch(xsd, xs, guests):
    """A stock dom0 client sees @releaseDomain too."""
    g = guests(xsd, 7)
    p = subprocess.Popen(
        ["timeout", str(int(IO_TIMEOUT * 2)), "xenstore-watch", "-n", "2",
         "@releaseDomain"], env=xsd.env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        assert p.stdout.readline() == b"@releaseDomain\n"   # initial
        xs.ack(XS_RELEASE, "7")
        out, err = p.communicate(timeout=IO_TIMEOUT * 2)
        assert (p.returncode, out) == (0, b"@releaseDomain\n"), err
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert g("read data") == "ERROR EIO"


# ---------------------------------------------------------------------------
# 5. Special watches for guests allowed to see them
# ---------------------------------------------------------------------------
def test_special_watch_permissions(xsd, xs, guests):
    g5, g6 = guests(xsd, 5), guests(xsd, 6)
    assert xs.get_perms("@releaseDomain") == [b"n0"]
    xs.set_perms("@releaseDomain", ["n0", "r5"])
    assert xs.get_perms("@releaseDomain") == [b"n0", b"r5"]
    xs.set_perms("@introduceDomain", ["n0", "r6"])
    assert xs.get_perms("@introduceDomain") == [b"n0", b"r6"]
    assert g5("getperms @releaseDomain") == "n0 r5"
    # only dom0 may change them
    assert g5("setperms @releaseDomain n0 r5 r6") == "ERROR EACCES"
    assert g6("setperms @introduceDomain n6") == "ERROR EACCES"
    assert xs.get_perms("@releaseDomain") == [b"n0", b"r5"]

    for g in (g5, g6):
        for path, tok, depth in (("@releaseDomain", "rel", ""),
                                 ("@releaseDomain", "rel1", " 1"),
                                 ("@releaseDomain/7", "only7", ""),
                                 ("@releaseDomain/8", "only8", ""),
                                 ("@introduceDomain", "intro", "")):
            assert g("watch %s %s%s" % (path, tok, depth)) == "OK"
            assert g("wait-event") == "EVENT %s %s" % (path, tok)

    g7 = guests(xsd, 7)
    assert drain(g6) == [("@introduceDomain", "intro")]
    no_event(g5)
    xs.ack(XS_RELEASE, "7")
    assert sorted(drain(g5)) == [("@releaseDomain", "rel"),
                                 ("@releaseDomain/7", "only7"),
                                 ("@releaseDomain/7", "rel1")]
    no_event(g6)
    assert g7("read data") == "ERROR EIO"

    # permission taken away again: nothing more
    xs.set_perms("@releaseDomain", ["n0"])
    g8 = guests(xsd, 8)
    assert drain(g6) == [("@introduceDomain", "intro")]
    xs.ack(XS_RELEASE, "8")
    no_event(g5)
    no_event(g6)
    assert g8("read data") == "ERROR EIO"
    still_serving(xs, g5, g6)


# ---------------------------------------------------------------------------
# 6. Ring reconnection
# ---------------------------------------------------------------------------
def test_ring_reconnection_drops_watches_and_transactions(xsd, xs, guests):
    g, other = guests(xsd, 5), guests(xsd, 6)
    # quotas of one: the dropped watch and transaction must stop counting
    set_quota(xs, 5, "watches", 1)
    set_quota(xs, 5, "transactions", 1)
    w = special_watcher(xsd)

    assert g("write data d") == "OK"
    assert g("watch data w") == "OK"
    assert g("wait-event") == "EVENT data w"
    assert other("watch data w") == "OK"
    assert other("wait-event") == "EVENT data w"
    tx = g("tx-start")
    assert g("tx %s write t1 v" % tx) == "OK"
    assert g("watch other w2") == "ERROR E2BIG"
    assert g("tx-start") == "ERROR ENOSPC"
    xs.write(home(5) + "/data", "queued")     # an event left in the ring

    assert g("reconnect") == "OK"
    assert g("error") == "0"
    assert g("tx %s read data" % tx) == "ERROR ENOENT"
    assert g("tx-end %s commit" % tx) == "ERROR ENOENT"
    with raises_xs("ENOENT"):
        xs.read(home(5) + "/t1")
    no_event(g)
    xs.write(home(5) + "/data", "changed")
    no_event(g)
    assert g("read data") == "changed"

    assert g("watch data w") == "OK"
    assert g("wait-event") == "EVENT data w"
    tx = g("tx-start")
    assert g("tx %s write t2 v2" % tx) == "OK"
    assert g("tx-end %s commit" % tx) == "OK"
    assert xs.read(home(5) + "/t2") == b"v2"

    # a reconnection is not a release; the other guest saw nothing of it
    assert introduced(xs, 5)
    w.no_event()
    xs.write(home(6) + "/data", "x")
    assert other("wait-event") == "EVENT data w"
    no_event(other)
    still_serving(xs, g, other)


# ---------------------------------------------------------------------------
# 7. SET_TARGET, RESUME, and privileged requests from guests
# ---------------------------------------------------------------------------
def test_set_target(xsd, xs, guests):
    a, b, c = guests(xsd, 5), guests(xsd, 6), guests(xsd, 7)
    assert b("write data bee") == "OK"
    assert a("read %s/data" % home(6)) == "ERROR EACCES"
    assert a("write %s/data x" % home(6)) == "ERROR EACCES"

    xs.ack(XS_SET_TARGET, "5", "6")
    assert a("read %s/data" % home(6)) == "bee"
    assert a("dir %s" % home(6)) == "data"
    assert a("write %s/data from-a" % home(6)) == "OK"
    assert b("read data") == "from-a"
    assert xs.get_perms(home(6) + "/data") == [b"n6"]    # still B's
    # what A creates there is A's own (as upstream: the creator owns)
    assert a("write %s/new 1" % home(6)) == "OK"
    assert a("getperms %s/new" % home(6)) == "n5"
    # A may set B's permissions, but not hand the node to another owner
    assert a("setperms %s/data n6 r7" % home(6)) == "OK"
    assert a("setperms %s/data n5" % home(6)) == "ERROR EPERM"
    assert c("read %s/data" % home(6)) == "from-a"       # r7 now
    # A hears of B's changes
    assert a("watch %s tw" % home(6)) == "OK"
    assert a("wait-event") == "EVENT %s tw" % home(6)
    assert b("write other 1") == "OK"
    assert a("wait-event") == "EVENT %s/other tw" % home(6)

    # the others gained nothing
    assert c("read %s/other" % home(6)) == "ERROR EACCES"
    assert c("write %s/data x" % home(6)) == "ERROR EACCES"
    assert a("write mine 1") == "OK"
    assert b("read %s/mine" % home(5)) == "ERROR EACCES"

    for args, err in ((("5", "99"), "ENOENT"), (("99", "6"), "ENOENT"),
                      (("5",), "EINVAL"), (("0", "6"), "EINVAL"),
                      (("5", "0"), "EINVAL"), (("5", "x"), "EINVAL")):
        with raises_xs(err):
            xs.call(XS_SET_TARGET, *args)

    # RESUME: introduced domains only
    assert xs.call(XS_RESUME, "5") == b"OK\0"
    for arg, err in (("99", "ENOENT"), ("0", "EINVAL"), ("x", "EINVAL")):
        with raises_xs(err):
            xs.call(XS_RESUME, arg)
    still_serving(xs, a, b, c)


def test_privileged_requests_from_guest(xsd, xs, guests):
    g, other = guests(xsd, 5), guests(xsd, 6)
    reqs = {0x501: (XS_INTRODUCE, b"9\x000\x001\x00"),
            0x502: (XS_RELEASE, b"6\x00"),
            0x503: (XS_SET_TARGET, b"5\x006\x00"),
            0x504: (XS_RESUME, b"6\x00"),
            0x505: (XS_IS_DOMAIN_INTRODUCED, b"6\x00"),
            0x506: (XS_SET_QUOTA, b"5\x00nodes\x00100000\x00"),
            0x507: (XS_GET_QUOTA, b"nodes\x00"),
            0x508: (XS_CONTROL, b"check\x00"),
            0x509: (XS_GET_FEATURE, b"6\x00")}
    raw = b"".join(pack(t, p, rid) for rid, (t, p) in sorted(reqs.items()))
    assert g("raw " + raw.hex()) == "OK"
    assert g("write data after") == "OK"      # answered after all of them
    for rid in reqs:
        assert traced_reply(xsd, "dom5", rid) == (16, "EACCES|"), hex(rid)
    # none of them had any effect
    assert introduced(xs, 6)
    assert get_quota(xs, "nodes", 5) == get_quota(xs, "nodes")
    assert g("read %s/data" % home(6)) == "ERROR EACCES"   # no target
    assert g("error") == "0"
    assert other("error") == "0"
    still_serving(xs, g, other)


def test_introduce_errors(xsd, xs, guests):
    g = guests(xsd, 5)
    for args in (("0", "0", "1"), ("5", "0"), ("70000", "0", "1"),
                 ("32752", "0", "1"),     # a DOMID_* value
                 ("40", "0", "1"),        # no ring page, no port
                 ("5", "0", "0"), ("5", "x", "1"), ("6", "0", "x")):
        with raises_xs("EINVAL"):
            xs.call(XS_INTRODUCE, *args)
    assert not introduced(xs, 40)
    still_serving(xs, g)


# ---------------------------------------------------------------------------
# 8. Guests that die
# ---------------------------------------------------------------------------
def test_guest_killed(xsd, xs, guests):
    g5, g6 = guests(xsd, 5), guests(xsd, 6)
    w = special_watcher(xsd)
    assert g5("write data x") == "OK"
    assert g5("write sub/y 1") == "OK"
    assert g6("watch %s w" % home(5)) == "OK"      # cannot hear of it
    assert g6("wait-event") == "EVENT %s w" % home(5)

    os.kill(g5.proc.pid, signal.SIGKILL)
    g5.proc.wait(IO_TIMEOUT)
    assert sorted(w.drain_events(3)) == released_events(5)
    assert not introduced(xs, 5)
    with raises_xs("ENOENT"):
        xs.read(home(5))
    assert xs.directory("/local/domain") == [b"0", b"6"]
    no_event(g6)
    still_serving(xs, g6)

    # killed while a request is half-written into its ring
    g7 = guests(xsd, 7)
    assert w.drain_events(2)
    msg = _write_msg("half", "x")
    assert g7("raw " + msg[:10].hex()) == "OK"
    os.kill(g7.proc.pid, signal.SIGKILL)
    g7.proc.wait(IO_TIMEOUT)
    assert sorted(w.drain_events(2)) == released_events(7)
    assert not introduced(xs, 7)
    still_serving(xs, g6)


def test_kept_domain_dies_with_its_holder(xsd, xs, guests):
    """--keep: the guest process exits, a child holds the event channel;
    the domain lives until that child is gone."""
    w = special_watcher(xsd)
    g = guests(xsd, 5, "--keep")
    w.drain_events(3)
    assert g("write data kept") == "OK"
    g.quit()
    pat = re.compile(r"xs-guest: dom5 kept alive by pid (\d+)")
    wait_for(lambda: any(pat.search(l) for l in g.stderr), "holder pid")
    pid = int(next(pat.search(l) for l in g.stderr if pat.search(l)).group(1))
    try:
        time.sleep(0.1)
        assert introduced(xs, 5)
        w.no_event()
        assert xs.read(home(5) + "/data") == b"kept"
        os.kill(pid, signal.SIGKILL)
        assert sorted(w.drain_events(3)) == released_events(5)
        assert not introduced(xs, 5)
        assert not xs.exists(home(5))
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ---------------------------------------------------------------------------
# Known deviations: upstream behaviour this daemon does not have (yet)
# ---------------------------------------------------------------------------
def test_set_perms_needs_ownership(xsd, xs, guests):
    g = guests(xsd, 5)
    xs.write("/shared", "s")
    xs.set_perms("/shared", ["n0", "b5"])
    assert g("write /shared t") == "OK"                 # may write...
    assert g("setperms /shared n0 b5 r6") == "ERROR EACCES"   # ...not own
    assert xs.get_perms("/shared") == [b"n0", b"b5"]


def test_event_when_node_becomes_readable(xsd, xs, guests):
    g = guests(xsd, 5)
    xs.write("/pub", "x")
    assert g("watch /pub t") == "OK"
    assert g("wait-event") == "EVENT /pub t"
    xs.set_perms("/pub", ["n0", "r5"])
    assert g("wait-event %s" % QUIET) == "EVENT /pub t"


def test_event_when_transaction_makes_node_readable(xsd, xs, guests):
    g = guests(xsd, 5)
    xs.write("/pub", "x")
    assert g("watch /pub t") == "OK"
    assert g("wait-event") == "EVENT /pub t"
    tx = xs.tx_start()
    xs.write("/pub", "y", tx=tx)
    xs.set_perms("/pub", ["n0", "r5"], tx=tx)
    xs.tx_end(tx)
    assert g("read /pub") == "y"
    assert g("wait-event %s" % QUIET) == "EVENT /pub t"


def test_removal_notifies_watch_on_readable_child(xsd, xs, guests):
    g = guests(xsd, 5)
    xs.write("/backend/vif/5/state", "4")
    xs.set_perms("/backend/vif/5/state", ["n0", "r5"])
    assert g("watch /backend/vif/5/state w") == "OK"
    assert g("wait-event") == "EVENT /backend/vif/5/state w"
    xs.rm("/backend/vif/5")
    assert g("wait-event %s" % QUIET) == "EVENT /backend/vif/5/state w"


def test_failed_rm_in_transaction_changes_nothing(xsd, xs, guests):
    g = guests(xsd, 5)
    for leaf in "abc":
        assert g("write sub/%s 1" % leaf) == "OK"
    set_quota(xs, 5, "transaction-nodes", 4)
    tx = g("tx-start")
    assert g("tx %s rm sub" % tx) == "ERROR ENOSPC"
    assert g("tx %s dir sub" % tx) == "a b c"
    g("tx-end %s commit" % tx)
    assert sorted(xs.directory(home(5) + "/sub")) == [b"a", b"b", b"c"]


def test_keep_orphans_pass_to_dom0(xsd_args, guests):
    d = xsd_args("-K")
    xs = d.client()
    g = guests(d, 5)
    assert g("write data old") == "OK"
    xs.ack(XS_RELEASE, "5")
    assert xs.get_perms(home(5) + "/data")[0] == b"n0"


def test_released_domid_loses_permissions(xsd, xs, guests):
    g = guests(xsd, 6)
    xs.write("/keep/for6", "k")
    xs.set_perms("/keep/for6", ["n0", "r6"])
    assert g("read /keep/for6") == "k"
    xs.ack(XS_RELEASE, "6")
    g.kill()
    g = guests(xsd, 6)
    assert g("read /keep/for6") == "ERROR EACCES"


# ---------------------------------------------------------------------------
# Gaps mutation testing found (issue 9)
# ---------------------------------------------------------------------------
def test_rm_needs_write_permission(xsd, xs, guests):
    """Read access is not enough to remove a node (nor a subtree)."""
    g = guests(xsd, 5)
    xs.write("/ro/leaf", "v")
    xs.set_perms("/ro", ["n0", "r5"])
    xs.set_perms("/ro/leaf", ["n0", "r5"])
    assert g("read /ro/leaf") == "v"
    assert g("rm /ro/leaf") == "ERROR EACCES"
    assert g("rm /ro") == "ERROR EACCES"
    tx = g("tx-start")
    assert g("tx %s rm /ro/leaf" % tx) == "ERROR EACCES"
    assert g("tx-end %s commit" % tx) == "OK"
    assert xs.read("/ro/leaf") == b"v"
    xs.set_perms("/ro/leaf", ["n0", "b5"])        # "b": now it may
    assert g("rm /ro/leaf") == "OK"
    assert not xs.exists("/ro/leaf")


def test_quota_nodes_counts_open_transaction(quota):
    """Nodes a transaction adds count against the quota inside it, before
    it commits (and at commit, against what others added meanwhile)."""
    d, xs, g5, g6, limited6 = quota("nodes", 5)
    tx = g5("tx-start")
    assert g5("tx %s write a 1" % tx) == "OK"       # home + a
    assert g5("tx %s write b 1" % tx) == "OK"
    assert g5("tx %s write c 1" % tx) == "OK"
    assert g5("tx %s write d 1" % tx) == "OK"       # 5 of 5
    assert g5("tx %s write e 1" % tx) == "ERROR ENOSPC"
    assert g5("tx %s mkdir f/g" % tx) == "ERROR ENOSPC"
    assert g5("tx-end %s commit" % tx) == "OK"
    assert g5("read d") == "1"
    assert g5("read e") == "ERROR ENOENT"
