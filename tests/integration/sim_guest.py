# SPDX-License-Identifier: GPL-2.0-or-later
"""SimGuest: a guest speaking the sim backend (docs/sim-backend.md)
directly, a few lines of Python, so that a test or a benchmark controls
every byte in the ring: the page file mapped shared, the event channel
a SOCK_SEQPACKET connection announcing {domid, port}.
"""

import mmap
import os
import shutil
import socket
import struct
import time

RING = 1024
HDR = struct.Struct("<IIII")
XS_WATCH_EVENT = 15


def pack(type_, payload, req_id, tx_id=0):
    return HDR.pack(type_, req_id, tx_id, len(payload)) + payload


class SimGuest:
    """A guest over the sim backend: its page file, its event channel."""

    def __init__(self, rundir, domid, port):
        self.domid, self.port = domid, port
        self.path = os.path.join(rundir, "sim", "dom%d.ring" % domid)
        with open(self.path, "wb") as f:
            f.write(b"\0" * 4096)
        self._map()
        self._connect(rundir)
        self.buf = b""

    def _map(self):
        self.f = open(self.path, "r+b")
        self.page = mmap.mmap(self.f.fileno(), 4096)

    def _connect(self, rundir):
        self.ch = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.ch.connect(os.path.join(rundir, "sim", "evtchn"))
        self.ch.send(struct.pack("<II", self.domid, self.port))

    def close(self):
        self.ch.close()
        self.page.close()
        self.f.close()

    def idx(self, off):
        return struct.unpack_from("<I", self.page, 2048 + off)[0]

    def set_idx(self, off, v):
        struct.pack_into("<I", self.page, 2048 + off, v & 0xffffffff)

    def kick(self):
        self.ch.send(b"\1")

    def put(self, data):
        """Into the request ring (must fit), then notify."""
        cons, prod = self.idx(0), self.idx(4)
        assert len(data) <= RING - (prod - cons), "request ring full"
        for i, b in enumerate(data):
            self.page[(prod + i) % RING] = b
        self.set_idx(4, prod + len(data))
        self.kick()

    def take(self):
        """Whatever the response ring holds; notify the room."""
        cons, prod = self.idx(8), self.idx(12)
        out = bytes(self.page[RING + (cons + i) % RING]
                    for i in range(prod - cons))
        self.set_idx(8, prod)
        if out:
            self.kick()
        return out

    def msg(self, timeout=5.0):
        """The next whole message from the response ring."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 16:
                t, r, x, ln = HDR.unpack(self.buf[:16])
                if len(self.buf) >= 16 + ln:
                    m = (t, r, x, self.buf[16:16 + ln])
                    self.buf = self.buf[16 + ln:]
                    return m
            got = self.take()
            if not got:
                assert time.monotonic() < deadline, "no message"
                time.sleep(0.005)
            self.buf += got

    def call(self, type_, payload, req_id, tx_id=0):
        self.put(pack(type_, payload, req_id, tx_id))
        while True:
            m = self.msg()
            if m[0] != XS_WATCH_EVENT:
                assert m[1] == req_id, m
                return m

    def move(self, rundir, domid=None):
        """The guest's memory goes to the destination, its event channel
        is a new connection there (as domain domid, when given)."""
        self.domid = domid or self.domid
        dst = os.path.join(rundir, "sim", "dom%d.ring" % self.domid)
        shutil.copyfile(self.path, dst)
        self.close()
        self.path = dst
        self._map()
        self._connect(rundir)


