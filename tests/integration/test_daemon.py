# SPDX-License-Identifier: GPL-2.0-or-later
"""The daemon process itself: shutdown on SIGTERM, trace file.

(The xsd fixture already checks a clean SIGTERM exit after every test; here
the daemon is stopped while clients are busy with it.)
"""

import os

from conftest import HDR, UPSTREAM, XS_WRITE, STOP_TIMEOUT


def test_sigterm_with_busy_clients_exits_cleanly(xsd):
    a = xsd.client()
    tx = a.tx_start()
    a.write("/busy/tx", "pending", tx=tx)
    w = xsd.client()
    w.watch("/busy", "t")
    w.drain_events()
    half = xsd.client()
    half.send_raw(HDR.pack(XS_WRITE, 1, 0, 100) + b"/busy/half\0")
    xsd.client()                     # idle
    status = xsd.stop(close_clients=False)
    if not UPSTREAM:
        assert status == 0, "exit status %s after SIGTERM (None: still " \
            "running after %.0fs)" % (status, STOP_TIMEOUT)
    assert not xsd.alive()


def test_trace_file_written(xsd, xs):
    xs.write("/traced", "value")
    xs.read("/traced")
    assert os.path.exists(xsd.trace)
    assert os.path.getsize(xsd.trace) > 0
