# SPDX-License-Identifier: GPL-2.0-or-later
"""A live update while a migration is under way (docs/live-update.md,
docs/migration.md): a domain exported and quiesced stays quiesced, a
domain imported and not yet introduced keeps everything the import
brought, and an image still on the move to a slow reader is waited for
(bounded by -t) instead of being cut by the exec.
"""

import os
import subprocess
import time

import pytest

from conftest import XS_READ, XS_TRANSACTION_END, XS_WATCH_EVENT, XS_WRITE, \
    XS_RELEASE, pack, scaled
from test_live_update import CONTROL, binary, live_update, ok
from test_migration import (XSS_TOOL, busy_guest, collect, dest,  # noqa
                            home, introduce, set_up, tool)

pytestmark = pytest.mark.ours_only("live update and migration are ours")


def test_update_keeps_a_quiesced_domain(xsd, xs, tmp_path):
    """Exported (quiesced) then live-updated: its ring is still left
    alone, not a byte taken or given; migrate-resume serves it as
    before."""
    g, tx, half = busy_guest(xsd, xs, tmp_path)
    h = home(5)
    r = tool(xsd, "export", "--domid", "5", "-o", str(tmp_path / "x.xss"))
    assert r.returncode == 0, r
    g.put(half[20:])
    g.put(pack(XS_READ, (h + "/data\0").encode(), 300, 0))
    time.sleep(0.1)
    before = [g.idx(i) for i in range(4)]
    ok(live_update(xsd))
    time.sleep(0.2)
    assert [g.idx(i) for i in range(4)] == before
    r = tool(xsd, "resume", "--domid", "5")
    assert (r.returncode, r.stderr) == (0, b""), r
    got = collect(g, 23)
    assert got[-2][:2] == (XS_WRITE, 200) and got[-2][3] == b"OK\0"
    assert got[-1][:2] == (XS_READ, 300) and got[-1][3] == b"1"
    m = g.call(XS_TRANSACTION_END, b"T\0", 400, tx)
    assert m[3] == b"OK\0", m
    g.close()


def test_update_keeps_an_imported_domain(xsd, xs, dest, tmp_path):
    """Imported at the destination, which is live-updated before the
    INTRODUCE: the guest still gets its watch, its queued replies and
    event, its half-sent request and its transaction there."""
    g, tx, half = busy_guest(xsd, xs, tmp_path)
    h = home(5)
    img = str(tmp_path / "dom5.xss")
    r = tool(xsd, "export", "--domid", "5", "-o", img)
    assert (r.returncode, r.stderr) == (0, b""), r
    g.put(half[20:])
    g.put(pack(XS_READ, (h + "/data\0").encode(), 300, 0))
    r = tool(dest, "import", "--domid", "5", img)
    assert (r.returncode, r.stderr) == (0, b""), r
    xs.ack(XS_RELEASE, "5")
    ok(live_update(dest))
    g.move(dest.rundir)
    dx = dest.client()
    introduce(dx, 5, 7)
    got = collect(g, 23)
    reads = [m for m in got if m[0] == XS_READ and 100 <= m[1] < 120]
    assert [m[1] for m in reads] == list(range(100, 120))
    assert (XS_WATCH_EVENT, 0, 0, (h + "/data\0tok\0").encode()) in got
    assert got[-2][:2] == (XS_WRITE, 200) and got[-2][3] == b"OK\0"
    assert got[-1][:2] == (XS_READ, 300) and got[-1][3] == b"1"
    dx.write(h + "/data", "2")
    ev = g.msg()
    assert ev[0] == XS_WATCH_EVENT and ev[3] == (h + "/data\0tok\0").encode()
    m = g.call(XS_TRANSACTION_END, b"T\0", 400, tx)
    assert m[3] == b"OK\0", m
    assert dx.read(h + "/tx/in") == b"v"
    g.close()


def slow_export(xsd, xs, tmp_path):
    """Domain 6 with about 1 MB of nodes, exported into a pipe nobody
    reads yet: the transfer stalls with the pipe full."""
    g = set_up(xsd, xs, 6, 3)
    for i in range(10000):
        xs.write(home(6) + "/n/%d" % i, "x" * 100)
    r, w = os.pipe()
    p = subprocess.Popen([XSS_TOOL, "export", "--domid", "6"], env=xsd.env,
                         stdout=w, stderr=subprocess.PIPE)
    os.close(w)
    time.sleep(0.3)
    return g, p, r


def drain(p, r, path):
    with open(path, "wb") as f:
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            f.write(chunk)
    os.close(r)
    assert p.wait(scaled(30)) == 0, p.stderr.read()


def test_update_waits_for_an_export(xsd, xs, tmp_path):
    """The reader comes back within -t: the update waits for the whole
    image to leave, then happens; the image is complete."""
    g, p, r = slow_export(xsd, xs, tmp_path)
    pid = xsd.pid
    upd = subprocess.Popen([CONTROL, "live-update", "-t", "20", binary()],
                           env=xsd.env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    time.sleep(1.5)
    assert upd.poll() is None           # waiting for the transfer
    img = str(tmp_path / "dom6.xss")
    drain(p, r, img)
    out, err = upd.communicate(timeout=scaled(30))
    assert (upd.returncode, out, err) == (0, b"", b"")
    assert xsd.pid == pid and xsd.alive()
    v = tool(xsd, "verify", img)
    assert v.returncode == 0 and b"MIGRATION image" in v.stdout, v
    assert tool(xsd, "resume", "--domid", "6").returncode == 0
    g.close()


def test_update_refused_while_an_export_stalls(xsd, xs, tmp_path):
    """The reader does not come back within -t: the update is refused
    with the reason, and the export goes on to the end."""
    g, p, r = slow_export(xsd, xs, tmp_path)
    res = live_update(xsd, None, "-t", "2")
    assert res.returncode != 0, res
    assert b"migration transfer(s)" in res.stderr, res.stderr
    assert b"still in progress after 2 s (-t)" in res.stderr, res.stderr
    img = str(tmp_path / "dom6.xss")
    drain(p, r, img)
    v = tool(xsd, "verify", img)
    assert v.returncode == 0 and b"MIGRATION image" in v.stdout, v
    assert tool(xsd, "resume", "--domid", "6").returncode == 0
    ok(live_update(xsd))
    xs.write("/after", "1")
    g.close()
