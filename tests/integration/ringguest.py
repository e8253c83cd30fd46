# SPDX-License-Identifier: GPL-2.0-or-later
"""A guest that talks to the daemon's simulated backend directly from
Python, for the hostile-guest tests: unlike tests/xs-guest it can leave
replies unread, keep its request queue full, or truncate its ring file.

The layout is struct xenstore_domain_interface of <xen/io/xs_wire.h>
(docs/sim-backend.md, docs/misc/xenstore-ring.txt): two 1024-byte
queues, then the four free-running 32-bit offsets, server_features,
connection and error.
"""

import mmap
import os
import select
import socket
import struct
import time

from conftest import (HDR, IO_TIMEOUT, XS_ERROR, XS_INTRODUCE,
                      XS_WATCH_EVENT, XsError, pack)

RING = 1024
OFF_REQ, OFF_RSP = 0, 1024
OFF_REQ_CONS, OFF_REQ_PROD = 2048, 2052
OFF_RSP_CONS, OFF_RSP_PROD = 2056, 2060
OFF_ERROR = 2072
PAGE = 4096


def home(domid):
    return "/local/domain/%d" % domid


class RingGuest:
    def __init__(self, d, domid, port=1):
        self.domid = domid
        sim = os.path.join(d.rundir, "sim")
        self.ring_path = os.path.join(sim, "dom%d.ring" % domid)
        fd = os.open(self.ring_path, os.O_RDWR | os.O_CREAT, 0o600)
        os.ftruncate(fd, PAGE)
        self.fd = fd
        self.mm = mmap.mmap(fd, PAGE, mmap.MAP_SHARED)
        self.mm[:] = bytes(PAGE)
        self.words = memoryview(self.mm).cast("I")
        self.ev = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.ev.connect(os.path.join(sim, "evtchn"))
        self.ev.send(struct.pack("=II", domid, port))
        xs = d.client()
        xs.mkdir(home(domid))
        xs.set_perms(home(domid), ["n%d" % domid])
        xs.ack(XS_INTRODUCE, str(domid), "0", str(port))
        xs.close()
        self.wait_notify(IO_TIMEOUT)
        self.inbuf = b""
        self.events = []
        self.req_id = 1

    def close(self):
        self.words.release()
        for f in (self.ev.close, self.mm.close, lambda: os.close(self.fd)):
            try:
                f()
            except (OSError, ValueError, BufferError):
                pass

    # -- the page ---------------------------------------------------------
    # The offsets are read and written as whole 32-bit words (the daemon
    # may look at them at any moment: a torn offset is inconsistent).
    def _u32(self, off):
        return self.words[off // 4]

    def _set(self, off, v):
        self.words[off // 4] = v & 0xffffffff

    def error(self):
        return self._u32(OFF_ERROR)

    def notify(self):
        try:
            self.ev.send(b"\1")
        except OSError:
            pass

    def wait_notify(self, timeout):
        r, _, _ = select.select([self.ev], [], [], timeout)
        if r:
            try:
                self.ev.recv(4096)
            except OSError:
                pass
        return bool(r)

    def push(self, data):
        """Put as much of data into the request queue as fits; notify.
        Returns the number of bytes put."""
        cons, prod = self._u32(OFF_REQ_CONS), self._u32(OFF_REQ_PROD)
        room = RING - ((prod - cons) & 0xffffffff)
        n = min(room, len(data))
        start = prod % RING
        first = min(n, RING - start)
        self.mm[OFF_REQ + start:OFF_REQ + start + first] = data[:first]
        self.mm[OFF_REQ:OFF_REQ + n - first] = data[first:n]
        if n:
            self._set(OFF_REQ_PROD, prod + n)
            self.notify()
        return n

    def pull(self):
        """Take whatever the daemon has put into the response queue."""
        cons, prod = self._u32(OFF_RSP_CONS), self._u32(OFF_RSP_PROD)
        n = min((prod - cons) & 0xffffffff, RING)
        start = cons % RING
        first = min(n, RING - start)
        out = self.mm[OFF_RSP + start:OFF_RSP + start + first] + \
            self.mm[OFF_RSP:OFF_RSP + n - first]
        if n:
            self._set(OFF_RSP_CONS, cons + n)
            self.notify()
        self.inbuf += out
        return n

    # -- messages ---------------------------------------------------------
    def send(self, type_, payload=b"", tx_id=0, timeout=IO_TIMEOUT):
        """Queue a whole request (waiting for room, reading replies
        meanwhile so that the daemon can go on)."""
        data = pack(type_, payload, self.req_id, tx_id)
        self.req_id += 1
        deadline = time.monotonic() + timeout
        while data:
            n = self.push(data)
            data = data[n:]
            if data:
                self.pull()
                if time.monotonic() > deadline:
                    raise TimeoutError("no room in the request queue")
                self.wait_notify(0.01)
        return self.req_id - 1

    def messages(self):
        out = []
        while len(self.inbuf) >= HDR.size:
            t, rid, tx, ln = HDR.unpack_from(self.inbuf)
            if len(self.inbuf) < HDR.size + ln:
                break
            out.append((t, rid, tx, self.inbuf[HDR.size:HDR.size + ln]))
            self.inbuf = self.inbuf[HDR.size + ln:]
        return out

    def messages_to_events(self):
        for t, _, _, p in self.messages():
            if t == XS_WATCH_EVENT:
                self.events.append(p)
        if not self.events:
            self.wait_notify(0.01)

    def call(self, type_, *args, tx_id=0, raw=None, timeout=IO_TIMEOUT):
        payload = raw if raw is not None else \
            b"".join((a if isinstance(a, bytes) else str(a).encode()) + b"\0"
                     for a in args)
        rid = self.send(type_, payload, tx_id)
        deadline = time.monotonic() + timeout
        while True:
            self.pull()
            for t, r, tx, p in self.messages():
                if t == XS_WATCH_EVENT:
                    self.events.append(p)
                elif r == rid:
                    if t == XS_ERROR:
                        raise XsError(p[:-1].decode())
                    return p
            if time.monotonic() > deadline:
                raise TimeoutError("no reply to request %d" % rid)
            self.wait_notify(0.05)
