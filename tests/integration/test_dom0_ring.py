# SPDX-License-Identifier: GPL-2.0-or-later
"""dom0's own ring: the daemon serves dom0's kernel over the page and
port dom0 set up before it started (sim backend: sim/dom0.ring and
sim/xsd_port, docs/sim-backend.md; Xen backend: /proc/xen/xsd_kva and
/proc/xen/xsd_port, here faked by tests/fakexen when XSD_BACKEND=fakexen).
tests/xs-guest --domid 0 is dom0's kernel.
"""

import os
import subprocess

import pytest

from conftest import scaled, FAKEXEN, raises_xs
from test_guest_smoke import Guest
from test_guests import drain, introduced, no_event, xsd_args  # noqa: F401

pytestmark = pytest.mark.ours_only("dom0's ring served by our backends")


def test_dom0_home_exists(xsd, xs):
    assert xs.directory("/local/domain") == [b"0"]
    assert xs.get_perms("/local/domain/0") == [b"n0"]


def test_dom0_reads_writes_watches(xsd, xs):
    d0 = Guest(xsd, 0)
    assert d0("write /local/domain/0/name Domain-0") == "OK"
    assert xs.read("/local/domain/0/name") == b"Domain-0"
    # relative paths are below dom0's home
    assert d0("read name") == "Domain-0"
    # privileged: anywhere, whoever owns it
    xs.write("/tool/x", "1")
    xs.set_perms("/tool/x", ["n5"])
    assert d0("read /tool/x") == "1"
    assert d0("write /tool/x 2") == "OK"
    assert d0("watch /tool t") == "OK"
    assert drain(d0) == [("/tool", "t")]
    xs.write("/tool/y", "3")
    assert drain(d0) == [("/tool/y", "t")]
    # the socket sees the ring's writes as events too
    xs.watch("/local/domain/0", "s")
    assert xs.wait_event() == (b"/local/domain/0", b"s")
    assert d0("write data z") == "OK"
    assert xs.wait_event() == (b"/local/domain/0/data", b"s")
    d0.quit()


def test_dom0_transactions(xsd, xs):
    d0 = Guest(xsd, 0)
    tx = d0("tx-start")
    assert tx.isdigit()
    assert d0("tx %s write /t/a 1" % tx) == "OK"
    with raises_xs("ENOENT"):
        xs.read("/t/a")
    assert d0("tx-end %s commit" % tx) == "OK"
    assert xs.read("/t/a") == b"1"
    tx = d0("tx-start")
    assert d0("tx %s read /t/a" % tx) == "1"
    xs.write("/t/a", "2")
    assert d0("tx %s write /t/a 3" % tx) == "OK"
    assert d0("tx-end %s commit" % tx) == "ERROR EAGAIN"
    assert xs.read("/t/a") == b"2"
    d0.quit()


def test_dom0_introduces_a_guest_over_its_ring(xsd, xs):
    d0 = Guest(xsd, 0)
    assert d0("mkdir /local/domain/5") == "OK"
    assert d0("setperms /local/domain/5 n5") == "OK"
    assert d0("watch @introduceDomain i") == "OK"
    assert drain(d0) == [("@introduceDomain", "i")]
    g5 = GuestNoIntro(xsd, 5, 4)
    g5.wait_port()
    assert d0("introduce 5 0 4") == "OK"
    g5.ready()
    assert drain(d0) == [("@introduceDomain", "i")]
    assert introduced(xs, 5)
    assert g5("write name five") == "OK"
    assert d0("read /local/domain/5/name") == "five"
    assert d0("watch @releaseDomain r") == "OK"
    assert drain(d0) == [("@releaseDomain", "r")]
    assert d0("release 5") == "OK"
    assert drain(d0) == [("@releaseDomain", "r")]
    assert not introduced(xs, 5)
    d0.quit()


class GuestNoIntro(Guest):
    """xs-guest --no-introduce: its first answer comes once someone else
    introduced it."""

    def __init__(self, xsd, domid, port):
        self._ready = False
        super().__init__(xsd, domid, "--port", str(port), "--no-introduce")

    def __call__(self, line, timeout=None):
        if not self._ready:
            self._ready = True      # Guest.__init__'s "error": sent now,
            self.proc.stdin.write(line + "\n")  # answered once ready
            self.proc.stdin.flush()
            return "0"
        return super().__call__(line) if timeout is None else \
            super().__call__(line, timeout)

    def wait_port(self):
        """Until the guest's unbound port exists."""
        import time
        deadline = time.monotonic() + 30
        while not any("waiting for INTRODUCE" in line
                      for line in self.stderr if line):
            assert time.monotonic() < deadline, self.stderr
            time.sleep(0.01)

    def ready(self):
        out = self.lines.get(timeout=scaled(30))
        assert out == "0", (out, self.stderr)


def test_next_dom0_process_starts_afresh(xsd, xs):
    """A new dom0 kernel end (another xs-guest --domid 0) reconnects the
    ring: the earlier one's watches are gone, the nodes stay."""
    d0 = Guest(xsd, 0)
    assert d0("watch /w a") == "OK"
    assert d0("write /w/n 1") == "OK"
    d0.kill()
    d0 = Guest(xsd, 0)
    assert d0("read /w/n") == "1"
    xs.write("/w/n", "2")
    no_event(d0)
    d0.quit()


def test_state_image_has_dom0_ring(xsd, xs, tmp_path):
    import conftest
    d0 = Guest(xsd, 0)
    assert d0("watch /img tok") == "OK"
    img = str(tmp_path / "a.xss")
    r = xsd.run([conftest.XENSTORE_CONTROL, "dump-state", img])
    assert r.returncode == 0, r.stderr
    tool = os.environ.get("XSS_TOOL") or os.path.join(
        conftest.REPO, "xs-state", "xs-state")
    out = subprocess.run([tool, "dump", img], capture_output=True,
                         text=True, timeout=scaled(30))
    assert out.returncode == 0, out.stderr
    assert "DOMAIN_START" in out.stdout
    text = out.stdout
    i = text.index("DOMAIN_START")
    assert "domid 0" in text[i:i + 400], text[i:i + 400]
    assert "/img" in text
    r = subprocess.run([tool, "verify", img], capture_output=True,
                       timeout=scaled(30))
    assert r.returncode == 0, r.stderr
    d0.quit()


@pytest.mark.skipif(FAKEXEN, reason="sim backend files")
def test_no_domain_init(xsd_args):
    d = xsd_args("-D")
    c = d.client()
    assert b"local" not in c.directory("/")      # no /local/domain/0
    assert not os.path.exists(os.path.join(d.rundir, "sim", "dom0.ring"))
    assert not os.path.exists(os.path.join(d.rundir, "sim", "xsd_port"))
