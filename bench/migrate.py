#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Migration benchmark: one domain's state out of one daemon and into
another (docs/migration.md), the way tests/integration/test_migration.py
does it, timed.

    bench/migrate.py                 median of 5 runs
    REPS=1 NODES=1000 bench/migrate.py

The domain: NODES (10,000) nodes below its home, 100 watches and 10
open transactions with a write each, held by a simulated guest
(tests/integration/sim_guest.py).  Per run, on two fresh daemons:

  export        the source daemon's time to quiesce and write the image
                (its log), and xs-state export's wall time
  image         its size
  import        the destination daemon's time to check and apply it (its
                log), and xs-state import's wall time
  quiesced      what the guest sees: from the export request until the
                answer, at the destination, to a READ it queued meanwhile
                (export, import, the copy of its page, INTRODUCE)

A measurement, not a test: exit 0 whatever the figures, non-zero only
when something failed to run.
"""
import os
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
from sim_guest import SimGuest, pack  # noqa: E402

OURS = os.environ.get("XSD_BINARY", os.path.join(TOP, "xenstored",
                                                 "xenstored"))
TOOL = os.environ.get("XSS_TOOL", os.path.join(TOP, "xs-state", "xs-state"))
REPS = int(os.environ.get("REPS", "5"))
NODES = int(os.environ.get("NODES", "10000"))
WATCHES, TXNS = 100, 10
HDR = struct.Struct("<IIII")


def die(msg):
    print("migrate.py: " + msg, file=sys.stderr)
    sys.exit(1)


class Daemon:
    def __init__(self, work, name):
        self.rundir = os.path.join(work, name)
        os.makedirs(self.rundir)
        self.sock = os.path.join(self.rundir, "socket")
        self.env = dict(os.environ, XENSTORED_PATH=self.sock)
        env = dict(os.environ, XENSTORED_RUNDIR=self.rundir)
        env.pop("XENSTORED_PATH", None)
        self.log = os.path.join(self.rundir, "log")
        with open(self.log, "wb") as err:
            self.p = subprocess.Popen([OURS, "-N"], env=env,
                                      stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=err)
        for _ in range(500):
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(self.sock)
                break
            except OSError:
                self.s.close()
                time.sleep(0.01)
        else:
            die("daemon did not start")

    def introduce(self, domid, port):
        """INTRODUCE, once the guest's channel hello has arrived."""
        for _ in range(200):
            if self.call(8, str(domid), "0", str(port), ok_err=True):
                return
            time.sleep(0.005)
        die("INTRODUCE %d failed" % domid)

    def call(self, type_, *args, ok_err=False):
        payload = b"".join(a.encode() + b"\0" for a in args)
        self.s.sendall(pack(type_, payload, 1))
        while True:
            hdr = b""
            while len(hdr) < 16:
                hdr += self.s.recv(16 - len(hdr))
            t, _, _, ln = HDR.unpack(hdr)
            body = b""
            while len(body) < ln:
                body += self.s.recv(ln - len(body))
            if t != 15:
                if t == 16:
                    if ok_err:
                        return None
                    die("error %r for %r" % (body, args))
                return body

    def logged_ms(self, what):
        with open(self.log) as f:
            m = re.findall(what + r".* in ([\d.]+) ms", f.read())
        return float(m[-1]) if m else None

    def stop(self):
        self.s.close()
        self.p.terminate()
        self.p.wait(10)


def tool(d, *args):
    t0 = time.monotonic()
    r = subprocess.run([TOOL] + list(args), env=d.env, capture_output=True,
                       timeout=120)
    if r.returncode:
        die("xs-state %s: %s" % (args[0], r.stderr.decode()))
    return (time.monotonic() - t0) * 1000


def one(work):
    src, dst = Daemon(work, "src"), Daemon(work, "dst")
    try:
        h = "/local/domain/5"
        g = SimGuest(src.rundir, 5, 7)
        src.call(12, h)                          # MKDIR
        src.call(14, h, "n5")                    # SET_PERMS
        src.introduce(5, 7)
        fill = subprocess.Popen([os.path.join(work, "xsload"), "fill",
                                 str(NODES), "10000", "256", h + "/n",
                                 "100"], env=src.env,
                                stdout=subprocess.DEVNULL)
        if fill.wait(300):
            die("fill failed")
        dst.call(0, "quota", "set", "nodes", str(NODES * 2))
        for i in range(WATCHES):
            g.call(4, ("%s/n/d%d\0w%d\0" % (h, i, i)).encode(), 1000 + i)
        for i in range(TXNS):
            m = g.call(6, b"\0", 2000 + i)
            tx = int(m[3].rstrip(b"\0"))
            g.call(11, ("tx/%d\0v" % i).encode(), 3000 + i, tx)
        time.sleep(0.2)
        while g.take():                          # the initial events
            time.sleep(0.05)
        img = os.path.join(work, "dom5.xss")
        t0 = time.monotonic()
        export_wall = tool(src, "export", "--domid", "5", "-o", img)
        g.put(pack(2, (h + "/n/d0/0\0").encode(), 4242))
        import_wall = tool(dst, "import", "--domid", "5", img)
        g.move(dst.rundir)
        dst.introduce(5, 7)
        g.buf = b""
        while True:
            m = g.msg(30)
            if m[1] == 4242:
                break
        quiesced = (time.monotonic() - t0) * 1000
        src.call(9, "5", ok_err=True)     # RELEASE (or it saw it die)
        g.close()
        return {
            "export": src.logged_ms("exported"),
            "export_wall": export_wall,
            "image": os.path.getsize(img),
            "import": dst.logged_ms("imported"),
            "import_wall": import_wall,
            "quiesced": quiesced,
        }
    finally:
        src.stop()
        dst.stop()


def main():
    for f in (OURS, TOOL):
        if not os.access(f, os.X_OK):
            die("%s missing: run make" % f)
    runs = []
    for i in range(REPS):
        work = tempfile.mkdtemp(prefix="xsd-migrate-")
        try:
            subprocess.run(["cc", "-O2", "-o", os.path.join(work, "xsload"),
                            os.path.join(HERE, "xsload.c")], check=True)
            print("run %d/%d" % (i + 1, REPS), file=sys.stderr, flush=True)
            runs.append(one(work))
            print("  " + " ".join("%s=%.1f" % kv for kv in
                                  sorted(runs[-1].items())),
                  file=sys.stderr, flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print("Migration of one domain: %d nodes, %d watches, %d open "
          "transactions" % (NODES, WATCHES, TXNS))
    print("machine: %d CPUs, kernel %s; medians of %d runs" % (
        os.cpu_count(), os.uname().release, REPS))
    print()
    row = "%-46s %12s"
    print(row % ("figure", "ours"))
    print(row % ("export, daemon's time, ms", "%.1f" % med["export"]))
    print(row % ("export, xs-state export wall time, ms",
                 "%.1f" % med["export_wall"]))
    print(row % ("image, bytes", "%d" % med["image"]))
    print(row % ("import, daemon's time, ms", "%.1f" % med["import"]))
    print(row % ("import, xs-state import wall time, ms",
                 "%.1f" % med["import_wall"]))
    print(row % ("guest quiesced (export to first answer), ms",
                 "%.1f" % med["quiesced"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
