#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Live update benchmark: downtime and cost of `xenstore-control
live-update` for our xenstored, next to Debian's upstream C xenstored
4.17 in the same run (when ../shared/anchors can start it here).

    bench/lu.py                     sizes 10000 100000 1000000
    SIZES="10000" REPS=5 bench/lu.py
    QUICK=1 bench/lu.py             10000 only, 1 repetition

For each size N and repetition, on a fresh daemon: N nodes, 100 per
directory (/local/domain/0/bench/d<i/100>/<i%100>), 100 socket
connections holding 10 watches each (1,000 watches), a probe client
reading in a tight loop; then `xenstore-control live-update` into the
same binary.  Figures:

  downtime      the longest gap between two replies the probe saw (ms)
  exec to serving  from the old process's last log line before exec to
                the new one's "serving on" (ms): the new binary's start
                (exec, dynamic linking, main() up to the restore) plus
                the restore; lines are timed as they come off the
                daemon's standard error pipe
  total         wall time of xenstore-control live-update (ms)
  dump/restore  our daemon's own phase times (its log)
  image         bytes of the state image per node (a debug dump of the
                same state; the LIVE_UPDATE image differs by ~100 bytes)
  rss/node      daemon RSS growth during the fill, per node (bytes)

Medians over REPS (default 3; 1 for a million nodes).  A measurement,
not a test: it exits 0 whatever the figures, non-zero only when
something failed to run.  Progress goes to stderr, the table to stdout.
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
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
OURS = os.environ.get("XSD_BINARY", os.path.join(TOP, "xenstored",
                                                 "xenstored"))
# The daemon with another store record layout (make STORE_FORMAT_TEST=1):
# an update into it walks the store into the image (the "walk" column).
STORE2 = os.environ.get("XSD_STORE2_BINARY", os.path.join(
    TOP, "build", "store2", "xenstored", "xenstored"))
CTRL = "/usr/lib/xen-4.17/bin/xenstore-control"
UPSTREAM_BIN = "/usr/lib/xen-4.17/bin/xenstored"
ANCHORS = os.path.join(TOP, "..", "shared", "anchors")
UPSTREAM_START = os.path.join(ANCHORS, "run-upstream.sh")
QUICK = os.environ.get("QUICK") == "1"
SIZES = [int(x) for x in os.environ.get(
    "SIZES", "10000" if QUICK else "10000 100000 1000000").split()]
REPS = int(os.environ.get("REPS", "1" if QUICK else "3"))
UPSTREAM_SIZES = [int(x) for x in os.environ.get(
    "UPSTREAM_SIZES", "10000").split()]
FANOUT = 100
NCONN = 100
WATCHES_PER_CONN = 10

XS_WATCH, XS_CONTROL = 4, 0
HDR = struct.Struct("<IIII")


def progress(*a):
    print(*a, file=sys.stderr, flush=True)


def die(msg):
    progress("lu.py: " + msg)
    sys.exit(1)


def build_xsload(work):
    exe = os.path.join(work, "xsload")
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-Wall", "-o", exe,
                    os.path.join(HERE, "xsload.c")], check=True)
    return exe


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def call(sock, type_, payload):
    sock.sendall(HDR.pack(type_, 1, 0, len(payload)) + payload)
    while True:
        hdr = b""
        while len(hdr) < HDR.size:
            c = sock.recv(HDR.size - len(hdr))
            if not c:
                raise EOFError("daemon closed the connection")
            hdr += c
        t, _, _, ln = HDR.unpack(hdr)
        body = b""
        while len(body) < ln:
            body += sock.recv(ln - len(body))
        if t != 15:             # not a watch event
            return t, body


class StderrLog(threading.Thread):
    """Our daemon's standard error, copied to a file, each line with the
    time.monotonic() at which it came off the pipe.  This thread does
    nothing but wait on the pipe, so a line is timed within about a
    scheduler wake-up of its write."""

    def __init__(self, fd, path):
        super().__init__(daemon=True)
        self.fd, self.path, self.lines = fd, path, []

    def run(self):
        rest = b""
        with open(self.path, "wb") as f:
            while True:
                chunk = os.read(self.fd, 65536)
                t = time.monotonic()
                if not chunk:
                    break
                f.write(chunk)
                f.flush()
                *done, rest = (rest + chunk).split(b"\n")
                self.lines += [(t, ln.decode("utf-8", "replace"))
                               for ln in done]
        os.close(self.fd)

    def exec_to_serving(self):
        """ms from the last "; exec " line to the "serving on" after it."""
        t_exec = None
        for t, ln in list(self.lines):
            if "live-update: state written" in ln and "; exec " in ln:
                t_exec, t_serve = t, None
            elif t_exec is not None and "serving on " in ln:
                t_serve = t
        if t_exec is None or t_serve is None:
            return None
        return (t_serve - t_exec) * 1000


class Daemon:
    def __init__(self, kind, rundir):
        self.kind, self.rundir = kind, rundir
        self.sock = os.path.join(rundir, "socket")
        self.env = dict(os.environ, XENSTORED_PATH=self.sock)
        env = dict(os.environ, XENSTORED_RUNDIR=rundir)
        env.pop("XENSTORED_PATH", None)
        self.stderr = None
        if kind in ("ours", "walk"):
            self.log = os.path.join(rundir, "log")
            r, w = os.pipe()
            p = subprocess.Popen([OURS, "-N"], env=env,
                                 stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=w,
                                 start_new_session=True)
            os.close(w)
            self.stderr = StderrLog(r, self.log)
            self.stderr.start()
            self.pid = p.pid
            self.binary = os.path.realpath(OURS)
            for _ in range(500):
                if os.path.exists(self.sock):
                    break
                time.sleep(0.01)
            else:
                die("our daemon did not start")
        else:
            r = subprocess.run([UPSTREAM_START, rundir], env=env,
                               capture_output=True, text=True, timeout=60)
            if r.returncode:
                die("run-upstream.sh failed: " + r.stderr)
            self.pid = int(r.stdout.strip())
            self.binary = UPSTREAM_BIN
            self.log = os.path.join(rundir, "xenstored.log")

    def stop(self):
        try:
            os.kill(self.pid, 15)
        except OSError:
            pass
        for _ in range(200):
            if not os.path.exists("/proc/%d" % self.pid):
                break
            time.sleep(0.01)
        if self.stderr:
            self.stderr.join(10)


def one(kind, n, xsload, work):
    rundir = tempfile.mkdtemp(prefix="lu-%s-%d-" % (kind, n), dir=work)
    d = Daemon(kind, rundir)
    res = {}
    conns = []
    try:
        rss0 = rss_kb(d.pid)
        subprocess.run([xsload, "fill", str(n), "10000", "256",
                        "/local/domain/0/bench", str(FANOUT)], env=d.env,
                       check=True, stdout=subprocess.DEVNULL, timeout=600)
        res["rss_node"] = (rss_kb(d.pid) - rss0) * 1024.0 / n
        for c in range(NCONN):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(d.sock)
            for w in range(WATCHES_PER_CONN):
                k = (c * WATCHES_PER_CONN + w) % max(1, n // FANOUT)
                t, body = call(s, XS_WATCH, b"/local/domain/0/bench/d%d\0"
                               b"t%d\0" % (k, w))
                if t != XS_WATCH:
                    die("%s: WATCH failed: %r" % (kind, body))
            conns.append(s)
        if kind in ("ours", "walk"):
            img = os.path.join(rundir, "image.xss")
            subprocess.run([CTRL, "dump-state", img], env=d.env, check=True,
                           stdout=subprocess.DEVNULL)
            res["image_node"] = os.path.getsize(img) / float(n)
            os.unlink(img)
        subprocess.run(["xenstore-write", "/probe", "x"], env=d.env,
                       check=True)
        probe = subprocess.Popen([xsload, "probe", "/probe"], env=d.env,
                                 stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)
        t0 = time.monotonic()
        target = os.path.realpath(STORE2) if kind == "walk" else d.binary
        r = subprocess.run([CTRL, "live-update", target], env=d.env,
                           capture_output=True, text=True, timeout=600)
        res["total"] = (time.monotonic() - t0) * 1000
        time.sleep(0.3)
        probe.terminate()
        out = probe.communicate(timeout=30)[0]
        if r.returncode:
            die("%s: live update failed: %s" % (kind, r.stderr))
        m = re.search(r"maxgap_us=(\d+)", out)
        if not m or probe.returncode:
            die("%s: probe failed: %r" % (kind, out))
        res["downtime"] = int(m.group(1)) / 1000.0
        if not os.path.exists("/proc/%d" % d.pid):
            die("%s: daemon gone after the update" % kind)
        # every connection still served
        for s in conns:
            t, body = call(s, 2, b"/probe\0")
            if body != b"x":
                die("%s: a connection lost its way: %r" % (kind, body))
        if kind in ("ours", "walk"):
            res["exec_serving"] = d.stderr.exec_to_serving()
            with open(d.log) as f:
                log = f.read()
            w = re.findall(r"state written in ([\d.]+) ms", log)
            rs = re.findall(r"state restored in ([\d.]+) ms", log)
            g = re.findall(r"guardian \(pid \d+\) armed with \d+ "
                           r"descriptors in ([\d.]+) ms", log)
            res["guardian"] = float(g[-1]) if g else None
            g = re.findall(r"the guardian released in ([\d.]+) ms", log)
            res["released"] = float(g[-1]) if g else None
            res["dump"] = float(w[-1]) if w else None
            res["restore"] = float(rs[-1]) if rs else None
    finally:
        for s in conns:
            s.close()
        d.stop()
        shutil.rmtree(rundir, ignore_errors=True)
    return res


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, f="%.2f"):
    return "-" if v is None else f % v


def main():
    if not os.access(OURS, os.X_OK):
        die("no daemon at %s: run make" % OURS)
    if not os.access(CTRL, os.X_OK):
        die("%s missing (xen-utils-4.17)" % CTRL)
    have_up = os.access(UPSTREAM_START, os.X_OK)
    work = tempfile.mkdtemp(prefix="xsd-lu-bench-")
    try:
        xsload = build_xsload(work)
        results = {}
        for n in SIZES:
            reps = 1 if n >= 1000000 else REPS
            for kind in ("ours", "walk", "upstream"):
                if kind == "upstream" and (not have_up or
                                           n not in UPSTREAM_SIZES):
                    continue
                if kind == "walk" and not os.access(STORE2, os.X_OK):
                    continue
                runs = []
                for i in range(reps):
                    progress("%s, %d nodes, run %d/%d" % (kind, n, i + 1,
                                                          reps))
                    runs.append(one(kind, n, xsload, work))
                    progress("  " + " ".join("%s=%s" % (k, fmt(v))
                                             for k, v in
                                             sorted(runs[-1].items())))
                results[(kind, n)] = {k: med([r.get(k) for r in runs])
                                      for k in runs[0]}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print("Live update: %d connections, %d watches, %d nodes per directory"
          % (NCONN, NCONN * WATCHES_PER_CONN, FANOUT))
    print("machine: %s, %d CPUs, kernel %s; medians of %d run(s) "
          "(1 for 1,000,000 nodes)" % (cpu, os.cpu_count(),
                                       os.uname().release, REPS))
    print()
    print("walk: the update into the same daemon built with another "
          "store record layout,")
    print("which walks the store into the image (docs/live-update.md)")
    print()
    row = "%-40s %10s %10s %10s %8s %8s"
    print(row % ("figure", "ours", "walk", "upstream", "ours/up",
                 "walk/up"))

    def ratio(a, b):
        return "-" if a is None or not b else "%.3f" % (a / b)

    for n in SIZES:
        o = results.get(("ours", n), {})
        w = results.get(("walk", n), {})
        u = results.get(("upstream", n), {})
        for key, label in (("downtime", "downtime, ms"),
                           ("exec_serving", "  exec to serving, ms"),
                           ("total", "xenstore-control total, ms"),
                           ("dump", "  state written, ms"),
                           ("guardian", "  guardian armed, ms"),
                           ("released", "  guardian released, ms"),
                           ("restore", "  state restored, ms"),
                           ("image_node", "image bytes per node"),
                           ("rss_node", "RSS bytes per node (fill)")):
            ov, wv, uv = o.get(key), w.get(key), u.get(key)
            print(row % ("%s @ %d nodes" % (label, n), fmt(ov), fmt(wv),
                         fmt(uv), ratio(ov, uv), ratio(wv, uv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
