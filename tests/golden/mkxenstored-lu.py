#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Makes xenstored-lu.state: the file Debian's C xenstored 4.17 writes at
a live update into itself, under the fake hypervisor (tests/fakexen).

    tests/golden/mkxenstored-lu.py RUNDIR

needs `make` first (fakexen, xs-guest) and xen-utils-4.17.  The file is
RUNDIR/saved.state, copied by a wrapper that the live update execs.
"""
import os
import sys
import time
import unittest.mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
# The test modules' helpers without pytest itself.
sys.modules.setdefault("pytest", unittest.mock.MagicMock())
from test_takeover import Host                         # noqa: E402
from test_guest_smoke import Guest                     # noqa: E402
from conftest import XsRaw, XS_SET_TARGET, XS_WRITE, XS_WATCH, pack  # noqa

WRAPPER = """#!/bin/sh
cp "$XENSTORED_ROOTDIR/state_dump" "$XENSTORED_ROOTDIR/saved.state"
exec /usr/lib/xen-4.17/bin/xenstored "$@"
"""


def main(rundir):
    os.makedirs(rundir, exist_ok=True)
    wrapper = os.path.join(rundir, "copy-then-exec.sh")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    os.chmod(wrapper, 0o755)
    h = Host(rundir)
    guests = []
    try:
        dom0 = Guest(h, 0)
        guests.append(dom0)
        assert dom0("watch /tool/dom0 d0tok") == "OK"
        assert dom0("wait-event") == "EVENT /tool/dom0 d0tok"
        g5 = Guest(h, 5, "--port", "2", "--no-wait")
        guests.append(g5)
        assert g5("write name guest5") == "OK"
        assert g5("watch device g5") == "OK"
        assert g5("wait-event") == "EVENT device g5"
        assert g5("watch /local/domain/5/abs a5") == "OK"
        assert g5("wait-event") == "EVENT /local/domain/5/abs a5"
        g7 = Guest(h, 7, "--port", "2", "--no-wait")
        guests.append(g7)
        assert g7("write name guest7") == "OK"
        adm = XsRaw(h.sock)
        assert adm.call(XS_SET_TARGET, "7", "5") == b"OK\0"
        # domain 9 goes away: its permissions become stale (IGNORE)
        g9 = Guest(h, 9, "--port", "2", "--no-wait")
        adm.write("/tool/gone", b"g")
        adm.set_perms("/tool/gone", ["n0", "r9", "b5"])
        adm.write("/tool/acl", b"acl")
        adm.set_perms("/tool/acl", ["w5", "r0", "b7", "n9"])
        adm.write("/tool/bin", b"\x00\x01\xfe\xff\nbin\x00")
        adm.write("/tool/empty", b"")
        adm.write("/vm/1/name", b"guest\nwith newline")
        adm.set_perms("@releaseDomain", ["n0", "r5"])
        adm.set_perms("@introduceDomain", ["n0", "r7"])
        g9.kill()
        time.sleep(1)
        adm.get_perms("/tool/gone")
        sw = XsRaw(h.sock)
        sw.watch("/tool/sock", "stok")
        sw.watch("@introduceDomain", "intro")
        # a watcher that never reads: its events pile up (upstream
        # drops those past its limit, one stays queued)
        lazy = XsRaw(h.sock)
        lazy.send(XS_WATCH, b"/tool/flood\0f\0")
        time.sleep(0.2)
        n = 3000
        adm.send_raw(b"".join(pack(XS_WRITE, b"/tool/flood\0%d" % i,
                                   req_id=i + 1) for i in range(n)))
        for i in range(n):
            adm.recv_reply()
        # 20 octets of a WRITE: the update comes in the middle of it
        half = XsRaw(h.sock)
        half.send_raw(pack(XS_WRITE, b"/tool/raw\0half", req_id=77)[:20])
        time.sleep(0.5)
        r = h.live_update(wrapper)
        assert r.returncode == 0, r.stderr
        time.sleep(0.5)
        assert h.alive(), h.log_text()
    finally:
        for g in guests:
            g.kill()
        h.stop()


if __name__ == "__main__":
    main(sys.argv[1])
