# SPDX-License-Identifier: GPL-2.0-or-later
"""The live-update session's edges (docs/live-update.md), spoken as
CONTROL requests on a raw connection so that each step is ours to time:
a failed pre-flight asked again, a binary changed while its check runs,
a guest the daemon stopped serving, a reply half-sent at the moment of
the exec, generations that go on."""

import os
import re
import time

import pytest

import conftest
from conftest import XS_CONTROL, XS_READ, XS_WRITE, pack, raises_xs, scaled
from test_guests import guests, home, trace_lines, wait_for  # noqa: F401
from test_guests import ATTACKS, no_event, QUIET
from test_live_update import binary, conftest_wait, live_update, ok, script

pytestmark = pytest.mark.ours_only("live update into our own binary")

XSS_TOOL = os.environ.get("XSS_TOOL", os.path.join(conftest.REPO, "xs-state",
                                                   "xs-state"))


def lu(c, *args, timeout=None):
    """CONTROL live-update ARGS: the answer's text."""
    payload = b"".join(a.encode() + b"\0" for a in ("live-update",) + args)
    c.send(XS_CONTROL, payload)
    m = c.recv_reply(timeout=timeout)
    return m.payload.rstrip(b"\0").decode()


def until_not_busy(c, *args):
    deadline = time.monotonic() + scaled(30)
    while True:
        text = lu(c, *args)
        if text != "BUSY" or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


def test_failed_check_asked_again_fails_again(xsd, xs, tmp_path):
    """-s after a failed pre-flight checks again and fails again (it
    neither hangs nor passes on the old verdict)."""
    bad = script(tmp_path, "bad", "exit 3\n")
    c = xsd.client()
    assert lu(c, "-f", bad) == "OK"
    first = until_not_busy(c, "-s")
    assert "failed the pre-flight check" in first and "exit status 3" \
        in first, first
    again = until_not_busy(c, "-s")
    assert again == first, again
    assert lu(c, "-a") == "OK"
    xs.write("/still", "served")


def test_binary_changed_during_its_check(xsd, xs, tmp_path):
    """-f GOOD, -s (BUSY while its slow check runs), -f BAD, -s: the
    answer is BAD's failure, never GOOD's verdict."""
    good = script(tmp_path, "good", (
        "for a; do [ \"$a\" = --live-check ] && sleep 1.5; done\n"
        "exec %s \"$@\"\n") % binary())
    bad = script(tmp_path, "bad", "exit 4\n")
    pid = xsd.pid
    c = xsd.client()
    assert lu(c, "-f", good) == "OK"
    assert lu(c, "-s") == "BUSY"
    assert lu(c, "-f", bad) == "OK"
    text = until_not_busy(c, "-s")
    assert "%s failed the pre-flight check" % bad in text, text
    assert "exit status 4" in text, text
    assert xsd.pid == pid and xsd.alive()
    assert lu(c, "-a") == "OK"
    # nothing left behind: no check process of GOOD's running
    time.sleep(2)
    xs.write("/still", "served")
    ok(live_update(xsd))


def test_ignored_ring_stays_ignored(xsd, xs, guests):
    """A guest whose ring the daemon stopped serving (it wrote garbage)
    is still not served after a live update; its neighbour is."""
    bad, good = guests(xsd, 5), guests(xsd, 6)
    assert bad("watch w tok") == "OK"
    assert bad("wait-event") == "EVENT w tok"
    cmd, error = ATTACKS["oversize"]
    assert bad(cmd) == "OK"
    assert bad("error 5") == str(error)
    wait_for(lambda: any(ln.startswith("dom5 FAIL %d " % error)
                         for ln in trace_lines(xsd)), "FAIL in the trace")
    ok(live_update(xsd))
    xs.write(home(5) + "/w/x", "1")
    no_event(bad)
    req = pack(XS_WRITE, b"after\0x", 0x78)
    assert bad("raw " + req.hex()) == "OK"
    time.sleep(QUIET)
    assert not xs.exists(home(5) + "/after")
    assert good("write data ok") == "OK"
    assert bad("reconnect") == "OK"             # served again after that
    assert bad("write data ok") == "OK"


def test_half_sent_reply_at_the_exec(xsd, xs):
    """A reply the daemon had half-sent when it exec'd (the client read
    nothing and its socket buffer is full): the rest arrives once, in
    order, after the update."""
    xs.write("/big", "x" * 4000)
    c = xsd.client()
    c.sock.setsockopt(conftest.socket.SOL_SOCKET,
                      conftest.socket.SO_RCVBUF, 4096)
    n = 200
    for i in range(n):
        c.send(XS_READ, b"/big\0", req_id=0x1000 + i)
    # the daemon has sent what the socket takes, a reply cut somewhere
    time.sleep(0.3)
    ok(live_update(xsd))
    for i in range(n):
        m = c.recv_reply(timeout=conftest.IO_TIMEOUT)
        assert (m.type, m.req_id) == (XS_READ, 0x1000 + i), (i, m)
        assert m.payload == b"x" * 4000, i
    c.sock.settimeout(0.2)
    with pytest.raises(conftest.socket.timeout):
        c.sock.recv(1)


def generations(xsd, xs, tmp_path):
    """Each node's generation, as a debug dump (dump-state) says."""
    dump = str(tmp_path / "d.xss")
    assert xs.call(XS_CONTROL, "dump-state", dump) == b"OK\0"
    out = xsd.run([XSS_TOOL, "dump", dump])
    assert out.returncode == 0, out
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r"NODE_DATA len \d+: path (\S+) gen (\d+) ", out.stdout.decode())}


def test_generations_go_on(xsd, xs, tmp_path):
    """Generations continue across an update: a node written after it is
    newer than every node written before (a counter restarted at 0 would
    make it older), and a transaction started before it conflicts with a
    change made after it."""
    for i in range(20):
        xs.write("/g/before%d" % i, "1")
    t = xsd.client()
    tx = t.tx_start()
    assert t.read("/g/before0", tx=tx) == b"1"
    before = generations(xsd, xs, tmp_path)
    ok(live_update(xsd))
    xs.write("/g/after", "new")
    after = generations(xsd, xs, tmp_path)
    old = {p: g for p, g in before.items() if p.startswith("/g/before")}
    assert {p: after[p] for p in old} == old
    assert after["/g/after"] > max(before.values()), (after, before)
    xs.write("/g/before0", "2")
    t.write("/g/c", "x", tx=tx)
    with raises_xs("EAGAIN"):
        t.tx_end(tx, commit=True)
