# SPDX-License-Identifier: GPL-2.0-or-later
"""Migration of one domain's xenstore state between two daemons
(docs/migration.md): quiesce and export at the source, import at the
destination, the guest's ring page and event channel moved there as
docs/sim-backend.md says (a copy of its page file, a new connection
announcing the same {domid, port}), INTRODUCE: the guest carries on
with its watches, its open transaction, its half-sent request, the
requests it queued and the replies and events it had not received.

The guest here is SimGuest, a few lines of Python speaking the sim
backend directly, so that the test controls every byte in the ring.
"""

import array
import os
import re
import socket
import subprocess
import time

import pytest

import conftest
from conftest import (scaled, IO_TIMEOUT, XS_CONTROL, XS_ERROR, XS_INTRODUCE,
                      XS_READ, XS_RELEASE, XS_RM, XS_TRANSACTION_END,
                      XS_TRANSACTION_START, XS_WATCH, XS_WATCH_EVENT,
                      XS_WRITE, pack, raises_xs)

from sim_guest import SimGuest

pytestmark = pytest.mark.ours_only("migration is ours")
XSS_TOOL = os.environ.get("XSS_TOOL", os.path.join(conftest.REPO, "xs-state",
                                                   "xs-state"))


def home(domid):
    return "/local/domain/%d" % domid


def introduce(xs, domid, port):
    """INTRODUCE, once the daemon has taken the guest's event channel
    (its hello on sim/evtchn is read in the daemon's own time; until
    then the port is unknown: EINVAL)."""
    deadline = time.monotonic() + IO_TIMEOUT
    while True:
        try:
            xs.ack(XS_INTRODUCE, str(domid), "0", str(port))
            return
        except conftest.XsError as e:
            if e.name != "EINVAL" or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def set_up(d, xs, domid, port):
    g = SimGuest(d.rundir, domid, port)
    xs.mkdir(home(domid))
    xs.set_perms(home(domid), ["n%d" % domid])
    introduce(xs, domid, port)
    return g


def tool(d, *args, **kw):
    return subprocess.run([XSS_TOOL] + list(args), env=d.env,
                          capture_output=True, timeout=IO_TIMEOUT * 4, **kw)


@pytest.fixture
def dest():
    d = conftest.Daemon()
    d.start()
    yield d
    status = d.stop()
    d.freeze_logs()
    d.cleanup()
    assert status == 0, "destination exited with %s" % status


def busy_guest(xsd, xs, tmp_path, rel=False):
    """Domain 5 at the source with everything a migration must carry.
    rel: the guest's requests name paths relative to its home (so that
    they mean the same for the domain it becomes); its watch stays
    absolute."""
    g = set_up(xsd, xs, 5, 7)
    h = home(5)
    p = "" if rel else h + "/"
    xs.write(h + "/data", "0")
    xs.write(h + "/tx", "")
    xs.write(h + "/big", "b" * 60)
    m = g.call(XS_WATCH, (h + "/data\0tok\0").encode(), 1)
    assert m[3] == b"OK\0"
    ev = g.msg()
    assert ev[0] == XS_WATCH_EVENT
    m = g.call(XS_TRANSACTION_START, b"\0", 2)
    tx = int(m[3].rstrip(b"\0"))
    m = g.call(XS_WRITE, (p + "tx/in\0v").encode(), 3, tx)
    assert m[3] == b"OK\0"
    # 20 reads the guest does not collect: the response ring fills up
    # (1024 bytes) and the daemon keeps the rest queued
    for i in range(20):
        g.put(pack(XS_READ, (p + "big\0").encode(), 100 + i, 0))
        time.sleep(0.01)
    xs.write(h + "/data", "1")          # an event behind the replies
    # half a request: the daemon takes it into its input buffer
    half = pack(XS_WRITE, (p + "half\0hv").encode(), 200, 0)
    g.put(half[:20])
    time.sleep(0.1)
    return g, tx, half


def collect(g, n, timeout=IO_TIMEOUT):
    out = []
    for _ in range(n):
        out.append(g.msg(timeout))
    return out


def test_migrate_between_daemons(xsd, xs, dest, tmp_path):
    g, tx, half = busy_guest(xsd, xs, tmp_path)
    h = home(5)
    img = str(tmp_path / "dom5.xss")
    r = tool(xsd, "export", "--domid", "5", "-o", img)
    assert (r.returncode, r.stderr) == (0, b""), r
    # quiesced: the rest of the half request and a whole one stay in the
    # ring, untouched by the source
    g.put(half[20:])
    g.put(pack(XS_READ, (h + "/data\0").encode(), 300, 0))
    time.sleep(0.1)
    assert g.idx(4) - g.idx(0) == len(half) - 20 + 16 + len(h) + 6
    v = tool(xsd, "verify", img)
    assert v.returncode == 0 and b"MIGRATION image" in v.stdout, v

    r = tool(dest, "import", "--domid", "5", img)
    assert (r.returncode, r.stderr) == (0, b""), r
    # the source lets go (the toolstack's RELEASE after a migration)
    xs.ack(XS_RELEASE, "5")
    with raises_xs("ENOENT"):
        xs.read(h)
    text = tool(xsd, "dump", "--live").stdout.decode()
    assert "domid 5" not in text and h not in text
    g.move(dest.rundir)
    dx = dest.client()
    introduce(dx, 5, 7)

    # What the guest had not received, in order, then the answers to
    # what it had queued: 20 READs, the event, the half-sent WRITE, the
    # READ left in the ring.
    got = collect(g, 23)
    reads = [m for m in got if m[0] == XS_READ and 100 <= m[1] < 120]
    assert [m[1] for m in reads] == list(range(100, 120))
    assert all(m[3] == b"b" * 60 for m in reads)
    assert (XS_WATCH_EVENT, 0, 0, (h + "/data\0tok\0").encode()) in got
    assert got[-2][:2] == (XS_WRITE, 200) and got[-2][3] == b"OK\0"
    assert got[-1][:2] == (XS_READ, 300) and got[-1][3] == b"1"
    assert dx.read(h + "/half") == b"hv"
    # the watch fires on a change made at the destination
    dx.write(h + "/data", "2")
    ev = g.msg()
    assert ev[0] == XS_WATCH_EVENT and ev[3] == (h + "/data\0tok\0").encode()
    # the transaction commits
    m = g.call(XS_TRANSACTION_END, b"T\0", 400, tx)
    assert m[3] == b"OK\0", m
    assert dx.read(h + "/tx/in") == b"v"
    g.close()


def test_migrate_relocated(xsd, xs, dest, tmp_path):
    """Domain 5's image imported as domain 9: its home, permissions,
    watch and queued event move with it."""
    g, tx, half = busy_guest(xsd, xs, tmp_path, rel=True)
    h5, h9 = home(5), home(9)
    img = str(tmp_path / "dom5.xss")
    assert tool(xsd, "export", "--domid", "5", "-o", img).returncode == 0
    g.put(half[20:])
    g.put(pack(XS_READ, b"data\0", 300, 0))
    r = tool(dest, "import", "--domid", "5", "--as-domid", "9", img)
    assert (r.returncode, r.stderr) == (0, b""), r
    xs.ack(XS_RELEASE, "5")
    g.move(dest.rundir, 9)
    dx = dest.client()
    introduce(dx, 9, 7)
    got = collect(g, 23)
    assert (XS_WATCH_EVENT, 0, 0, (h9 + "/data\0tok\0").encode()) in got
    assert got[-2][:2] == (XS_WRITE, 200) and got[-2][3] == b"OK\0"
    assert got[-1][:2] == (XS_READ, 300) and got[-1][3] == b"1"
    assert dx.get_perms(h9) == [b"n9"]
    assert dx.read(h9 + "/half") == b"hv"
    with raises_xs("ENOENT"):
        dx.read(h5)
    dx.write(h9 + "/data", "2")
    ev = g.msg()
    assert ev[3] == (h9 + "/data\0tok\0").encode()
    m = g.call(XS_TRANSACTION_END, b"T\0", 400, tx)
    assert m[3] == b"OK\0", m
    assert dx.read(h9 + "/tx/in") == b"v"
    g.close()


def test_migration_aborted_resumes(xsd, xs, tmp_path):
    g, tx, half = busy_guest(xsd, xs, tmp_path)
    h = home(5)
    r = tool(xsd, "export", "--domid", "5", "-o", str(tmp_path / "x.xss"))
    assert r.returncode == 0, r
    g.put(half[20:])
    g.put(pack(XS_READ, (h + "/data\0").encode(), 300, 0))
    r = tool(xsd, "resume", "--domid", "5")
    assert (r.returncode, r.stderr) == (0, b""), r
    got = collect(g, 23)
    assert got[-1][:2] == (XS_READ, 300) and got[-1][3] == b"1"
    m = g.call(XS_TRANSACTION_END, b"T\0", 400, tx)
    assert m[3] == b"OK\0", m
    assert xs.read(h + "/half") == b"hv"
    g.close()


def test_export_to_a_pipe(xsd, xs, dest, tmp_path):
    """10,000 nodes through pipes, both ways: the image does not travel
    in a reply."""
    g = set_up(xsd, xs, 6, 3)
    for i in range(10000):
        xs.write(home(6) + "/n/%d" % i, "x" * 100)
    r = subprocess.run(
        "%s export --domid 6 | tee %s | %s verify -" % (
            XSS_TOOL, tmp_path / "dom6.xss", XSS_TOOL),
        shell=True, env=xsd.env, capture_output=True, timeout=scaled(60))
    assert r.returncode == 0, r
    assert re.match(rb"OK: MIGRATION image, \d+ records, (\d+) bytes",
                    r.stdout)
    assert int(r.stdout.split()[-2]) > 1000000
    # inherited from the home, the nodes are domain 6's: the quota here
    # must allow them (it is checked)
    dest.client().call(0, "quota", "set", "nodes", "20000")
    r = subprocess.run("cat %s | %s import --domid 6 -" % (
        tmp_path / "dom6.xss", XSS_TOOL), shell=True, env=dest.env,
        capture_output=True, timeout=scaled(60))
    assert (r.returncode, r.stderr) == (0, b""), r
    dx = dest.client()
    assert dx.read(home(6) + "/n/9999") == b"x" * 100
    # quiesced now: the guest's requests wait; resume lets them through
    g.put(pack(XS_READ, (home(6) + "/n/1\0").encode(), 9, 0))
    time.sleep(0.1)
    assert g.take() == b""
    assert tool(xsd, "resume", "--domid", "6").returncode == 0
    assert g.msg()[3] == b"x" * 100
    g.close()


@pytest.mark.parametrize("case", [
    "outside", "too-big", "truncated", "dom0-owner", "wrong-domid",
    "too-many", "unknown-domain"])
def test_import_refuses_bad_images(xsd, xs, dest, tmp_path, case):
    """Each refused whole, with a reason, and nothing applied: a dump of
    the destination before and after is the same."""
    g = set_up(xsd, xs, 5, 7)
    h = home(5)
    xs.write(h + "/a", "1")
    xs.write(h + "/b", "v" * 100)
    if case == "unknown-domain":
        xs.set_perms(h + "/a", ["n5", "r9"])
    img = str(tmp_path / "good.xss")
    assert tool(xsd, "export", "--domid", "5", "-o", img).returncode == 0
    domid, extra = "5", []
    if case == "wrong-domid":
        domid = "6"
    bad = str(tmp_path / "bad.xss")
    data = open(img, "rb").read()
    if case == "truncated":
        data = data[:len(data) - 20]
    elif case in ("outside", "dom0-owner"):
        # rebuild the image through the tool's JSON? simpler: patch bytes
        # of a copy made with the library's own generator below
        data = craft(tmp_path, case)
    open(bad, "wb").write(data)
    dx = dest.client()
    if case == "too-big":
        dx.call(0, "quota", "set", "node-size", "50")
    if case == "too-many":
        dx.call(0, "quota", "set", "nodes", "2")
    before = str(tmp_path / "before.xss")
    dx.call(0, "dump-state", before)
    r = tool(dest, "import", "--domid", domid, bad, *extra)
    assert r.returncode == 1, r
    why = r.stderr.decode()
    want = {
        "outside": "not below the domain's home",
        "too-big": "a value of 100 bytes, the quota here is 50",
        "truncated": "truncated",
        "dom0-owner": "is owned by domain 0, not by domain 5",
        "wrong-domid": "the image is of domain 5, not 6",
        "too-many": "more than 2 nodes",
        "unknown-domain": "permission for domain 9, which does not exist",
    }[case]
    assert want in why, why
    after = str(tmp_path / "after.xss")
    deadline = time.monotonic() + IO_TIMEOUT
    while True:     # once the daemon has seen the tool's connection close
        dx.call(0, "dump-state", after)
        d = tool(dest, "diff", before, after)
        if (d.returncode, d.stdout) == (0, b"") or \
                time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert (d.returncode, d.stdout) == (0, b""), d
    g.close()


def craft(tmp_path, case):
    """A MIGRATION image made with mkgolden's writer, broken one way."""
    src = tmp_path / "craft.c"
    src.write_text(CRAFT_C)
    exe = str(tmp_path / "craft")
    cmd = ["cc", "-o", exe, "-I", os.path.join(conftest.REPO, "include"),
           str(src), os.path.join(os.path.dirname(XSS_TOOL), "libxsstate.a"),
           "-ltalloc"]
    # The library of an ASan/UBSan build links only with those runtimes.
    if subprocess.run(cmd, capture_output=True).returncode:
        subprocess.run(cmd + ["-fsanitize=address,undefined"], check=True)
    out = str(tmp_path / ("crafted-%s.xss" % case))
    # The crafted image is the point, not the helper's own hygiene.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    subprocess.run([exe, case, out], check=True, env=env)
    return open(out, "rb").read()


CRAFT_C = r'''
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <talloc.h>
#include "xs_state.h"
int main(int argc, char **argv)
{
	int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct xss_sink *s = xss_sink_fd(NULL, fd);
	struct xss_writer *w = xss_writer_new(NULL, s, XSS_KIND_MIGRATION, 5,
					      "craft", 0);
	struct xss_perm p5 = { 5, 0 }, p0 = { 0, 0 };
	struct xss_node n = { "/local/domain/5", 1, { 1, &p5 },
			      (const uint8_t *)"", 0 };
	struct xss_domain d = { .domid = 5, .flags = 1, .target = 0xffffffffu,
				.evtchn_fd = -1, .page_fd = -1 };
	if (!strcmp(argv[1], "dom0-owner"))
		n.perms.p = &p0;
	xss_write_node(w, &n);
	if (!strcmp(argv[1], "outside")) {
		n.path = "/local/domain/6";
		n.perms.p = &p5;
		xss_write_node(w, &n);
	}
	xss_write_domain(w, &d);
	xss_write_end(w);
	talloc_free(w);
	talloc_free(s);
	close(fd);
	return 0;
}
'''


def test_migrate_xs_guest(xsd, xs, dest, tmp_path):
    """The same with tests/xs-guest taking part (suspend, move, resume;
    docs/xs-guest.1.md)."""
    from test_guest_smoke import Guest
    g = Guest(xsd, 5)
    try:
        h = home(5)
        xs.write(h + "/data", "0")
        assert g("watch data tok") == "OK"
        assert g("wait-event") == "EVENT data tok"
        tx = g("tx-start")
        assert g("tx %s write t v" % tx) == "OK"
        assert g("suspend") == "OK"
        img = str(tmp_path / "dom5.xss")
        r = tool(xsd, "export", "--domid", "5", "-o", img)
        assert r.returncode == 0, r
        r = tool(dest, "import", "--domid", "5", img)
        assert r.returncode == 0, r
        xs.ack(XS_RELEASE, "5")
        assert g("move %s" % dest.rundir) == "OK"
        dx = dest.client()
        introduce(dx, 5, 1)
        assert g("resume") == "OK"
        dx.write(h + "/data", "2")
        assert g("wait-event") == "EVENT data tok"
        assert g("tx-end %s commit" % tx) == "OK"
        assert dx.read(h + "/t") == b"v"
        assert g("read data") == "2"
    finally:
        g.kill()


@pytest.mark.parametrize("changed", [False, True])
def test_transaction_reads_survive_migration(xsd, xs, dest, tmp_path,
                                             changed):
    """A transaction that read migrated nodes commits at the destination
    when they are as it read them, and gets EAGAIN when a dom0 client
    there changed one (the generations it saw are translated on import,
    docs/migration.md)."""
    from test_guest_smoke import Guest
    g = Guest(xsd, 5)
    try:
        h = home(5)
        xs.write(h + "/a", "1")
        xs.write(h + "/b", "2")
        tx = g("tx-start")
        assert g("tx %s read a" % tx) == "1"
        assert g("tx %s read b" % tx) == "2"
        assert g("tx %s write c 3" % tx) == "OK"
        assert g("suspend") == "OK"
        img = str(tmp_path / "dom5.xss")
        assert tool(xsd, "export", "--domid", "5", "-o", img).returncode == 0
        assert tool(dest, "import", "--domid", "5", img).returncode == 0
        xs.ack(XS_RELEASE, "5")
        assert g("move %s" % dest.rundir) == "OK"
        dx = dest.client()
        introduce(dx, 5, 1)
        if changed:
            dx.write(h + "/b", "two")
        assert g("resume") == "OK"
        want = "ERROR EAGAIN" if changed else "OK"
        assert g("tx-end %s commit" % tx) == want
        if changed:
            with raises_xs("ENOENT"):
                dx.read(h + "/c")
        else:
            assert dx.read(h + "/c") == b"3"
    finally:
        g.kill()


def test_transaction_conflict_at_the_source_survives(xsd, xs, dest,
                                                     tmp_path):
    """A guest's transaction read a; dom0 changed a at the source before
    the export: the commit at the destination fails with EAGAIN, as it
    would have at the source, and changes nothing."""
    g = set_up(xsd, xs, 5, 7)
    h = home(5)
    xs.write(h + "/a", "1")
    m = g.call(XS_TRANSACTION_START, b"\0", 1)
    tx = int(m[3].rstrip(b"\0"))
    assert g.call(XS_READ, (h + "/a\0").encode(), 2, tx)[3] == b"1"
    assert g.call(XS_WRITE, (h + "/b\0new").encode(), 3, tx)[3] == b"OK\0"
    xs.write(h + "/a", "2")
    img = str(tmp_path / "dom5.xss")
    assert tool(xsd, "export", "--domid", "5", "-o", img).returncode == 0
    r = tool(dest, "import", "--domid", "5", img)
    assert (r.returncode, r.stderr) == (0, b""), r
    xs.ack(XS_RELEASE, "5")
    g.move(dest.rundir)
    dx = dest.client()
    introduce(dx, 5, 7)
    m = g.call(XS_TRANSACTION_END, b"T\0", 4, tx)
    assert m[:2] == (XS_ERROR, 4) and m[3] == b"EAGAIN\0", m
    assert dx.read(h + "/a") == b"2"
    with raises_xs("ENOENT"):
        dx.read(h + "/b")
    g.close()


def test_relocation_keeps_other_homes(xsd, xs, dest, tmp_path):
    """Domain 5 imported as 9: its watch on its home moves, its watch on
    /local/domain/51/x does not (51 only starts like 5)."""
    g = set_up(xsd, xs, 5, 7)
    for path, tok in (("/local/domain/51/x", b"w51"),
                      (home(5) + "/x", b"w5")):
        m = g.call(XS_WATCH, path.encode() + b"\0" + tok + b"\0", 1)
        assert m[3] == b"OK\0"
        assert g.msg()[0] == XS_WATCH_EVENT
    img = str(tmp_path / "dom5.xss")
    assert tool(xsd, "export", "--domid", "5", "-o", img).returncode == 0
    dx = dest.client()
    for path in ("/local/domain/51/x", "/local/domain/91/x"):
        dx.write(path, "v")
        dx.set_perms(path, ["n0", "r9"])
    r = tool(dest, "import", "--domid", "5", "--as-domid", "9", img)
    assert (r.returncode, r.stderr) == (0, b""), r
    xs.ack(XS_RELEASE, "5")
    g.move(dest.rundir, 9)
    introduce(dx, 9, 7)
    dx.write("/local/domain/91/x", "w")
    dx.write("/local/domain/51/x", "w")
    dx.write(home(9) + "/x", "v")
    assert g.msg()[3] == b"/local/domain/51/x\0w51\0"
    assert g.msg()[3] == (home(9) + "/x\0w5\0").encode()
    time.sleep(0.05)
    assert g.take() == b""
    g.close()


@pytest.mark.parametrize("as_domid", [5, 9])
def test_relocated_removal_fires_under_the_new_home(xsd, xs, dest,
                                                     tmp_path, as_domid):
    """Domain 5's open transaction removed a directory with children;
    imported as 9, its commit fires the watch on a removed child at the
    child's path under the new home (not the old one, not nowhere)."""
    g = set_up(xsd, xs, 5, 7)
    h5, h9 = home(5), home(as_domid)
    xs.write(h5 + "/dir/a", "1")
    xs.write(h5 + "/dir/b", "2")
    m = g.call(XS_WATCH, (h5 + "/dir/a\0ta\0").encode(), 1)
    assert m[3] == b"OK\0"
    assert g.msg()[0] == XS_WATCH_EVENT
    m = g.call(XS_TRANSACTION_START, b"\0", 2)
    tx = int(m[3].rstrip(b"\0"))
    m = g.call(XS_RM, (h5 + "/dir\0").encode(), 3, tx)
    assert m[3] == b"OK\0"
    img = str(tmp_path / "dom5.xss")
    assert tool(xsd, "export", "--domid", "5", "-o", img).returncode == 0
    r = tool(dest, "import", "--domid", "5", "--as-domid", str(as_domid),
             img)
    assert (r.returncode, r.stderr) == (0, b""), r
    xs.ack(XS_RELEASE, "5")
    g.move(dest.rundir, as_domid)
    dx = dest.client()
    introduce(dx, as_domid, 7)
    assert dx.read(h9 + "/dir/a") == b"1"
    # (call() would drop the event, which may come before the reply)
    g.put(pack(XS_TRANSACTION_END, b"T\0", 4, tx))
    got = collect(g, 2)
    assert (XS_TRANSACTION_END, 4, tx, b"OK\0") in got, got
    assert (XS_WATCH_EVENT, 0, 0, (h9 + "/dir/a\0ta\0").encode()) in got, \
        got
    with raises_xs("ENOENT"):
        dx.read(h9 + "/dir")
    time.sleep(0.05)
    assert g.take() == b""
    g.close()


def control_with_fd(c, fd, *args):
    """CONTROL with a descriptor passed alongside (SCM_RIGHTS)."""
    payload = b"".join(a.encode() + b"\0" for a in args)
    msg = pack(XS_CONTROL, payload, 77, 0)
    c.sock.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                            array.array("i", [fd]))])
    m = c.recv_reply()
    return m.payload if m.type != XS_ERROR else \
        "error " + m.payload.rstrip(b"\0").decode()


@pytest.mark.parametrize("domid", [32751, 32752])
def test_migration_domid_bound(xsd, xs, dest, tmp_path, domid):
    """Guests' domids end at 32751 (0x7fef; DOMID_FIRST_RESERVED is
    0x7ff0): export, import and resume take it, and refuse 32752, both
    from the tool and from a client speaking CONTROL itself."""
    c = xsd.client()
    img = str(tmp_path / "dom.xss")
    with open(img, "wb") as f:
        for cmd in ("migrate-export", "migrate-import"):
            got = control_with_fd(c, f.fileno(), cmd, str(domid))
            if domid == 32752:
                assert got == "error EINVAL", got
            else:
                assert got.startswith(b"%s %d: " % (cmd.encode(), domid)), got
        got = control_with_fd(c, f.fileno(), "migrate-import", "5",
                              str(domid))
        assert (got == "error EINVAL") == (domid == 32752), got
    got = c.call(XS_CONTROL, "migrate-resume", str(domid)) \
        if domid == 32751 else None
    if domid == 32752:
        with raises_xs("EINVAL"):
            c.call(XS_CONTROL, "migrate-resume", str(domid))
        for args in (["export", "--domid", str(domid), "-o", img],
                     ["import", "--domid", str(domid), img],
                     ["import", "--domid", "5", "--as-domid", str(domid),
                      img],
                     ["resume", "--domid", str(domid)]):
            r = tool(xsd, *args)
            assert r.returncode != 0 and b"1..32751" in r.stderr, r
        return
    assert got == b"migrate-resume 32751: not quiesced\0", got
    # the whole way, with the tool
    g = set_up(xsd, xs, domid, 7)
    r = tool(xsd, "export", "--domid", str(domid), "-o", img)
    assert (r.returncode, r.stderr) == (0, b""), r
    assert tool(xsd, "resume", "--domid", str(domid)).returncode == 0
    r = tool(dest, "import", "--domid", str(domid), img)
    assert (r.returncode, r.stderr) == (0, b""), r
    dx = dest.client()
    assert dx.get_perms(home(domid)) == [b"n32751"]
    g.close()
