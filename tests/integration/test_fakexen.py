# SPDX-License-Identifier: GPL-2.0-or-later
"""The Xen backend (xenstored/backend_xen.c) under the fake hypervisor
of tests/fakexen: domains destroyed and shut down through VIRQ_DOM_EXC,
an event channel handle reopened from an inherited descriptor (what
live update needs), and Debian's upstream xenstored under the same fake.

The whole guest suite also runs over this backend once (make check:
XSD_BACKEND=fakexen); these tests run it whatever XSD_BACKEND says.
"""

import ctypes
import os
import socket
import struct
import subprocess
import sys
import time

import pytest

import conftest
from conftest import IO_TIMEOUT, FakeXen, connect_unix, raises_xs
from test_guest_smoke import Guest, _guest_binary
from test_guests import drain, introduced, wait_for

pytestmark = [pytest.mark.ours_only("the fake hypervisor is ours"),
              pytest.mark.skipif(bool(conftest.WRAPPER),
                                 reason="LD_PRELOAD under a wrapper")]

UPSTREAM_XENSTORED = "/usr/lib/xen-4.17/bin/xenstored"


@pytest.fixture
def fxd(request, monkeypatch):
    """Our daemon with --backend xen under the fake (conftest's xsd with
    XSD_BACKEND=fakexen)."""
    monkeypatch.setattr(conftest, "FAKEXEN", True)
    return request.getfixturevalue("xsd")


def test_destroyed_domain_is_released_through_virq(fxd):
    xs = fxd.client()
    g = Guest(fxd, 5)
    assert g("write data x") == "OK"
    xs.watch("@releaseDomain", "r")
    assert xs.wait_event() == (b"@releaseDomain", b"r")
    # the guest process lives on; the hypervisor destroys the domain
    fxd.fakexen.ctl(["destroy", "5"])
    assert xs.wait_event() == (b"@releaseDomain", b"r")
    assert not introduced(xs, 5)
    with raises_xs("ENOENT"):
        xs.read("/local/domain/5")
    # the domain's ports closed with it: the guest's channel is dead
    assert g("read data") == "ERROR EIO"
    # the daemon's port is gone from the fake's records
    recs = os.listdir(os.path.join(fxd.fakexen.dir, "evtchn"))
    assert "5.1" not in recs


def test_shutdown_domain_reported_not_released(fxd):
    xs = fxd.client()
    g = Guest(fxd, 6)
    xs.watch("@releaseDomain", "r")
    assert xs.wait_event() == (b"@releaseDomain", b"r")
    fxd.fakexen.ctl(["shutdown", "6"])
    assert xs.wait_event() == (b"@releaseDomain", b"r")
    assert introduced(xs, 6)
    assert g("read name") == "ERROR ENOENT"      # still served


def test_reconnect_and_reintroduce(fxd):
    xs = fxd.client()
    g = Guest(fxd, 7)
    assert g("watch /local/domain/7 w") == "OK"
    assert drain(g) == [("/local/domain/7", "w")]
    assert g("reconnect") == "OK"
    xs.write("/local/domain/7/x", "1")
    assert drain(g) == []                        # watches dropped
    assert g("read x") == "1"


def _fx_lib(dir, monkeypatch):
    monkeypatch.setenv("FAKEXEN_DIR", dir)     # read by the library
    lib = ctypes.CDLL(os.path.join(conftest.fakexen_dir(), "libfakexen.so"))
    lib.xenevtchn_open.restype = ctypes.c_void_p
    lib.xenevtchn_open.argtypes = [ctypes.c_void_p, ctypes.c_uint]
    for f in ("xenevtchn_bind_interdomain", "xenevtchn_fd",
              "xenevtchn_notify", "xenevtchn_close"):
        getattr(lib, f).argtypes = [ctypes.c_void_p] + \
            [ctypes.c_uint] * {"xenevtchn_bind_interdomain": 2,
                               "xenevtchn_notify": 1}.get(f, 0)
    return lib


CHILD = r"""
import ctypes, os, select, sys
lib = ctypes.CDLL(sys.argv[1])
lib.xenevtchn_fdopen.restype = ctypes.c_void_p
lib.xenevtchn_fdopen.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint]
for f in ("xenevtchn_notify", "xenevtchn_pending"):
    getattr(lib, f).argtypes = [ctypes.c_void_p] + \
        ([ctypes.c_uint] if f == "xenevtchn_notify" else [])
fd, port = int(sys.argv[2]), int(sys.argv[3])
h = lib.xenevtchn_fdopen(None, fd, 0)
assert h, "fdopen failed"
assert lib.xenevtchn_notify(h, port) == 0
print("notified", flush=True)
sys.stdin.readline()
select.select([fd], [], [], 10)
print("pending", lib.xenevtchn_pending(h), flush=True)
"""


def test_evtchn_handle_survives_exec(tmp_path, monkeypatch):
    """A handle's descriptor inherited across exec (live update) gives
    back the same handle with xenevtchn_fdopen: its ports stay bound,
    notifications go both ways."""
    fx = FakeXen(str(tmp_path / "fx"))
    try:
        fx.ctl(["create", "9"])
        guest = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        guest.bind(os.path.join(fx.dir, "evtchn", "9.3.sock"))
        with open(os.path.join(fx.dir, "evtchn", "9.3"), "w") as f:
            f.write("9.3.sock unbound\n")
        lib = _fx_lib(fx.dir, monkeypatch)
        h = lib.xenevtchn_open(None, 0)
        assert h
        local = lib.xenevtchn_bind_interdomain(h, 9, 3)
        assert local > 0
        fd = lib.xenevtchn_fd(h)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD,
             os.path.join(conftest.fakexen_dir(), "libfakexen.so"),
             str(fd), str(local)],
            pass_fds=[fd], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env=dict(os.environ, FAKEXEN_DIR=fx.dir))
        assert child.stdout.readline() == "notified\n"
        guest.settimeout(IO_TIMEOUT)
        assert struct.unpack("I", guest.recv(4))[0] == 3
        # the guest notifies the daemon's port (fx.h: pending byte, wake)
        with open(os.path.join(fx.dir, "evtchn", "0.%d" % local)) as f:
            sock = f.read().split()[0]
        with open(os.path.join(fx.dir, "evtchn", sock + ".pend"),
                  "r+b") as f:
            f.seek(local)
            f.write(b"\1")
        guest.sendto(struct.pack("I", local),
                     os.path.join(fx.dir, "evtchn", sock))
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline() == "pending %d\n" % local
        assert child.wait(IO_TIMEOUT) == 0
        lib.xenevtchn_close(h)
        assert not os.path.exists(os.path.join(fx.dir, "evtchn",
                                               "0.%d" % local))
    finally:
        fx.stop()


@pytest.mark.skipif(not os.access(UPSTREAM_XENSTORED, os.X_OK),
                    reason="xen-utils-4.17 not installed")
def test_upstream_xenstored_serves_dom0_under_the_fake(tmp_path):
    """Debian's upstream 4.17 xenstored starts under the same fake,
    serves dom0's ring and a guest, and releases the guest when the fake
    destroys it (the take-over of a later issue starts here)."""
    rundir = str(tmp_path)
    fx = FakeXen(os.path.join(rundir, "fx"))
    env = dict(os.environ, FAKEXEN_DIR=fx.dir, XENSTORED_RUNDIR=rundir,
               LD_PRELOAD=fx.lib)
    env.pop("XENSTORED_PATH", None)
    p = subprocess.Popen([UPSTREAM_XENSTORED, "-N"], env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        sock = os.path.join(rundir, "socket")
        def listening():
            try:
                connect_unix(sock, 1.0).close()
                return True
            except OSError:
                return p.poll() is not None
        wait_for(listening, "upstream's socket")
        assert p.poll() is None, p.stdout.read()
        genv = dict(env, XENSTORED_PATH=sock)
        genv.pop("LD_PRELOAD")
        r = subprocess.run([_guest_binary(), "--domid", "0", "--stdin"],
                           input="write /local/domain/0/name Domain-0\n"
                           "read /local/domain/0/name\nquit\n",
                           env=genv, capture_output=True, text=True,
                           timeout=IO_TIMEOUT * 2)
        assert r.stdout == "OK\nDomain-0\nOK\n", r.stderr
        r = subprocess.run(["xenstore-read", "/local/domain/0/name"],
                           env=genv, capture_output=True, timeout=IO_TIMEOUT)
        assert r.stdout == b"Domain-0\n", r.stderr
        # a guest too (upstream neither notifies nor sets features at
        # INTRODUCE: --no-wait); its end destroys the domain through the
        # fake's lifeline and VIRQ_DOM_EXC, and upstream releases it
        xs = conftest.XsRaw(sock, IO_TIMEOUT)
        xs.watch("@releaseDomain", "r")
        assert xs.wait_event() == (b"@releaseDomain", b"r")
        r = subprocess.run([_guest_binary(), "--domid", "5", "--port", "2",
                            "--no-wait", "--stdin"],
                           input="write name five\nread name\nquit\n",
                           env=genv, capture_output=True, text=True,
                           timeout=IO_TIMEOUT * 2)
        assert r.stdout == "OK\nfive\nOK\n", r.stderr
        assert xs.wait_event() == (b"@releaseDomain", b"r")
        wait_for(lambda: b"5" not in xs.directory("/local/domain"),
                 "upstream to release domain 5")
        xs.close()
    except BaseException:
        if p.poll() is not None:
            print("upstream xenstored exited %s:\n%s" % (
                p.returncode, p.stdout.read().decode(errors="replace")))
        raise
    finally:
        if p.poll() is None:
            p.terminate()
        p.wait(10)
        fx.stop()
