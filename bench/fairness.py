#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/fairness.py - dom0's read latency while guests flood the daemon.

Starts our xenstored (simulated backend) in a temporary run directory,
then for 0, 1, 2 and 10 guests that keep their request queues full
(`xs-guest ... flood`, each a READ of its own node, replies thrown
away), and for 1 and 4 guests that notify in a tight loop with nothing
in their rings (`xs-guest ... storm`, an event-channel storm), measures
the round trip of READs from one dom0 socket client.  Prints one table:
requests measured, median, p99 and maximum latency, the guests' total
request rate, and the daemon's CPU use meanwhile and, before dom0
starts reading, with the guests alone.  A measurement, not a test: exit 0
whatever the figures (non-zero only when something failed to run).

    bench/fairness.py                  (make bench runs it after run.sh)
    SECS=3 READS=3000 bench/fairness.py
"""

import os
import platform
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
XSD = os.environ.get("XSD_BINARY", os.path.join(REPO, "xenstored",
                                                "xenstored"))
GUEST = os.environ.get("XSD_GUEST", os.path.join(REPO, "tests", "xs-guest"))
SECS = float(os.environ.get("SECS", "4"))
READS = int(os.environ.get("READS", "2000"))
HDR = struct.Struct("<IIII")
XS_READ, XS_WRITE = 2, 11


def call(s, type_, payload, rid):
    s.sendall(HDR.pack(type_, rid, 0, len(payload)) + payload)
    buf = b""
    while len(buf) < HDR.size:
        buf += s.recv(4096)
    t, r, _, ln = HDR.unpack_from(buf)
    while len(buf) < HDR.size + ln:
        buf += s.recv(4096)
    if r != rid:
        sys.exit("fairness: reply %d to request %d" % (r, rid))
    return buf[HDR.size:]


def cpu_ticks(pid):
    """utime + stime of pid, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def start_guest(env, domid, seconds, storm=False):
    # A storm's guests spin: niced, as on a Xen host where guests run on
    # vCPUs of their own instead of the daemon's two cores.
    nice = ["nice", "-n", "19"] if storm else []
    p = subprocess.Popen(nice + [GUEST, "--domid", str(domid), "--stdin"],
                         env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    p.stdin.write("write name g%d\n" % domid)
    p.stdin.flush()
    if p.stdout.readline().strip() != "OK":
        sys.exit("fairness: guest %d did not start" % domid)
    if storm:
        p.stdin.write("storm %g\n" % seconds)
    else:
        msg = HDR.pack(XS_READ, 0x55, 0, 5) + b"name\0"
        p.stdin.write("flood %g %s\n" % (seconds, msg.hex()))
    p.stdin.flush()
    return p


def measure(sock_path, env, nguests, daemon, storm=False):
    flood = SECS + 1.0
    guests = [start_guest(env, 5 + i, flood, storm) for i in range(nguests)]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    call(s, XS_WRITE, b"/lat\0x", 1)
    time.sleep(0.5 if nguests else 0)
    # what the guests alone cost the daemon, dom0 idle
    c0, w0 = cpu_ticks(daemon), time.monotonic()
    time.sleep(0.5)
    idle_cpu = (cpu_ticks(daemon) - c0) / os.sysconf("SC_CLK_TCK") / \
        (time.monotonic() - w0)
    lat = []
    c0, w0 = cpu_ticks(daemon), time.monotonic()
    t_end = time.monotonic() + SECS
    rid = 2
    while len(lat) < READS and time.monotonic() < t_end:
        t0 = time.perf_counter()
        call(s, XS_READ, b"/lat\0", rid)
        lat.append(time.perf_counter() - t0)
        rid += 1
    cpu = (cpu_ticks(daemon) - c0) / os.sysconf("SC_CLK_TCK") / \
        (time.monotonic() - w0)
    s.close()
    total = 0
    for g in guests:
        out, _ = g.communicate(timeout=flood + 30)
        lines = out.split()
        if not lines or not lines[-1].isdigit():
            sys.exit("fairness: guest flood failed: %r" % out)
        total += int(lines[-1])
    lat.sort()
    return (len(lat), lat[len(lat) // 2], lat[int(len(lat) * 0.99)],
            lat[-1], total / flood, cpu, idle_cpu)


def main():
    for f in (XSD, GUEST):
        if not os.access(f, os.X_OK):
            sys.exit("fairness: %s missing: run make" % f)
    rundir = tempfile.mkdtemp(prefix="xsd-fair-")
    env = dict(os.environ, XENSTORED_RUNDIR=rundir,
               XENSTORED_PATH=os.path.join(rundir, "socket"))
    d = subprocess.Popen([XSD, "-N", "--backend", "sim"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(env["XENSTORED_PATH"]):
                break
            time.sleep(0.02)
        print("machine: %s, %d CPUs; dom0 READ round trip while guests "
              "keep their request queues full (flood) or notify in a "
              "tight loop with nothing in their rings (storm)" %
              (platform.node(), os.cpu_count()))
        print("%-10s %8s %10s %10s %10s %14s %12s %12s" % (
            "guests", "reads", "p50 ms", "p99 ms", "max ms",
            "guest req/s", "daemon CPU", "dom0 idle"))
        for n, storm in ((0, False), (1, False), (2, False), (10, False),
                         (1, True), (4, True)):
            cnt, p50, p99, mx, rate, cpu, idle = measure(
                env["XENSTORED_PATH"], env, n, d.pid, storm)
            print("%-10s %8d %10.3f %10.3f %10.3f %14s %11.0f%% %11.0f%%" %
                  ("%d %s" % (n, "storm" if storm else "flood") if n
                   else "0 (quiet)", cnt, p50 * 1e3, p99 * 1e3, mx * 1e3,
                   "-" if storm else "%.0f" % rate, cpu * 100, idle * 100))
            sys.stdout.flush()
        if d.poll() is not None:
            sys.exit("fairness: xenstored died")
    finally:
        d.terminate()
        d.wait(10)
        shutil.rmtree(rundir, ignore_errors=True)


if __name__ == "__main__":
    main()
