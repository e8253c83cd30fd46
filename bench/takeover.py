#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Takeover benchmark: downtime of our xenstored taking over from a
running upstream daemon by that daemon's own live update
(`xenstore-control live-update OURS`), next to the upstream daemon
updating into itself, in the same run.

    bench/takeover.py               sizes 10000 100000, median of 3
    SIZES="10000" REPS=5 bench/takeover.py
    QUICK=1 bench/takeover.py       10000 only, 1 repetition

Both upstream daemons are Debian's xen-utils-4.17 binaries: C xenstored
(/usr/lib/xen-4.17/bin/xenstored -N) and oxenstored (--no-fork), run as
tests/integration/test_takeover.py runs them, under the fake hypervisor
of tests/fakexen (LD_PRELOAD), each measurement on a fresh fake host.
Per measurement: N nodes, 100 per directory
(/local/domain/0/bench/d<i/100>/<i%100>, pipelined writes over the
socket: `xsload fill`), then a probe client reading one node in a tight
loop on its own connection (`xsload probe`, one request outstanding),
then `xenstore-control live-update TARGET` with TARGET:

  self      the same upstream binary: upstream updating into itself,
            the baseline
  ours      our daemon: the takeover (C xenstored execs it with -U,
            oxenstored with --live --restart)
  back      (C xenstored only) right after the takeover, on the same
            host: ours updating back into C xenstored

Figures:

  downtime  the longest gap between two replies the probe saw (ms)
  total     wall time of xenstore-control live-update (ms)
  restore   ours, takeover: "takeover: ... state restored ... in X ms"
            from its log (reading upstream's dump, building the store)
  written   ours, way back: "upstream's state written in X ms" (its log)

Medians over REPS (default 3).  An update that takes longer than
UPDATE_TIMEOUT seconds (120) is killed and shown as "timeout".  A
measurement, not a test: it exits 0 whatever the figures, non-zero only
when something failed to run (a daemon did not start, a fill or the
probe failed, an update failed or left the wrong daemon serving).
Progress goes to stderr, the table to stdout.
"""
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
OURS = os.path.realpath(os.environ.get(
    "XSD_BINARY", os.path.join(TOP, "xenstored", "xenstored")))
FAKEXEN = os.environ.get("XSD_FAKEXEN", os.path.join(TOP, "tests",
                                                     "fakexen"))
CTRL = "/usr/lib/xen-4.17/bin/xenstore-control"
UPSTREAM_C = "/usr/lib/xen-4.17/bin/xenstored"
OXENSTORED = "/usr/lib/xen-4.17/bin/oxenstored"
QUICK = os.environ.get("QUICK") == "1"
SIZES = [int(x) for x in os.environ.get(
    "SIZES", "10000" if QUICK else "10000 100000").split()]
REPS = int(os.environ.get("REPS", "1" if QUICK else "3"))
UPDATE_TIMEOUT = float(os.environ.get("UPDATE_TIMEOUT", "120"))
FANOUT = 100
PREFIX = "/local/domain/0/bench"

# oxenstored's configuration under the fake ({d}: the run's directory)
with open(os.path.join(TOP, "tests", "fakexen", "oxenstored.conf.in")) as _f:
    OX_CONFIG = _f.read()

SOURCES = (("C xenstored", UPSTREAM_C), ("oxenstored", OXENSTORED))
TAKEOVER_RE = re.compile(r"takeover: .*state restored \((\d+) nodes, "
                         r"(\d+) connections\) in ([\d.]+) ms")
WRITTEN_RE = re.compile(r"upstream's state written in ([\d.]+) ms")


class Failed(Exception):
    """Something did not run: reported, and the exit status is 1."""


def progress(*a):
    print(*a, file=sys.stderr, flush=True)


def die(msg):
    progress("takeover.py: " + msg)
    sys.exit(1)


def build_xsload(work):
    exe = os.path.join(work, "xsload")
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-Wall", "-o", exe,
                    os.path.join(HERE, "xsload.c")], check=True)
    return exe


def killpg(p):
    """SIGKILL the process group of Popen p (started in a session of
    its own) and reap it."""
    if p is None:
        return
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        pass


def tail(path, n=15):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode(errors="replace").splitlines()
    except OSError as e:
        return "<%s>" % e
    return "\n".join("    " + x for x in lines[-n:])


class Host:
    """A fake Xen host below rundir (fakexen-ctl boot, its lifeline
    server) running one upstream daemon, as test_takeover.py's Host."""

    def __init__(self, rundir, binary):
        self.rundir, self.binary = rundir, binary
        self.hv = self.proc = None
        self.fx = os.path.join(rundir, "fx")
        ctl = os.path.join(FAKEXEN, "fakexen-ctl")
        r = subprocess.run([ctl, self.fx, "boot"], capture_output=True,
                           timeout=30)
        if r.returncode:
            raise Failed("fakexen-ctl boot: %s" % r.stderr.decode())
        self.hv = subprocess.Popen([ctl, self.fx, "hv"],
                                   stdout=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        if self.hv.stdout.readline() != b"ready\n":
            self.stop()
            raise Failed("fakexen-ctl hv did not start")
        if binary == OXENSTORED:
            conf = os.path.join(rundir, "oxenstored.conf")
            with open(conf, "w") as f:
                f.write(OX_CONFIG.format(d=rundir))
            argv = [binary, "--no-fork", "--config-file", conf]
            # the fake remaps oxenstored's /var/run/xenstored here
            self.sock = os.path.join(self.fx, "run", "socket")
        else:
            argv = [binary, "-N"]
            self.sock = os.path.join(rundir, "socket")
        self.env = dict(os.environ, FAKEXEN_DIR=self.fx,
                        XENSTORED_PATH=self.sock)
        self.env.pop("LD_PRELOAD", None)
        denv = dict(self.env, LD_PRELOAD=os.path.join(FAKEXEN,
                                                      "libfakexen.so"),
                    XENSTORED_RUNDIR=rundir, XENSTORED_ROOTDIR=rundir)
        denv.pop("XENSTORED_PATH")
        self.log = os.path.join(rundir, "daemon.log")
        with open(self.log, "wb") as logf:
            self.proc = subprocess.Popen(argv, env=denv,
                                         stdin=subprocess.DEVNULL,
                                         stdout=logf,
                                         stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.sock)
                break
            except OSError:
                if self.proc.poll() is not None or \
                        time.monotonic() > deadline:
                    self.stop()
                    raise Failed("%s did not start:\n%s" % (
                        binary, tail(self.log)))
                time.sleep(0.02)
            finally:
                s.close()

    def exe(self):
        try:
            return os.path.realpath(os.readlink("/proc/%d/exe"
                                                % self.proc.pid))
        except OSError:
            return None

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def run(self, argv, timeout=60):
        return subprocess.run(argv, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def stop(self):
        killpg(self.proc)
        killpg(self.hv)
        if self.hv is not None:
            self.hv.stdout.close()


def fill(host, n, xsload):
    t0 = time.monotonic()
    r = host.run([xsload, "fill", str(n), "10000", "256", PREFIX,
                  str(FANOUT)], timeout=1800)
    if r.returncode:
        raise Failed("fill of %d nodes: %s" % (n, r.stderr.strip()))
    r = host.run(["xenstore-write", "/probe", "x"])
    if r.returncode:
        raise Failed("xenstore-write /probe: %s" % r.stderr.strip())
    return time.monotonic() - t0


def update(host, target, n, xsload):
    """One `xenstore-control live-update target` with the probe running:
    {"downtime", "total"} in ms, or {"timeout": True}."""
    probe = subprocess.Popen([xsload, "probe", "/probe"], env=host.env,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    res = {}
    try:
        time.sleep(0.3)
        if probe.poll() is not None:
            raise Failed("probe did not start: %s" % probe.stderr.read())
        t0 = time.monotonic()
        try:
            r = host.run([CTRL, "live-update", target],
                         timeout=UPDATE_TIMEOUT)
        except subprocess.TimeoutExpired:
            return {"timeout": True}
        res["total"] = (time.monotonic() - t0) * 1000
        time.sleep(0.3)
        probe.send_signal(signal.SIGTERM)
        out, err = probe.communicate(timeout=30)
        if r.returncode:
            raise Failed("live-update %s: exit %d: %s %s\n%s" % (
                target, r.returncode, r.stdout.strip(), r.stderr.strip(),
                tail(host.log)))
        m = re.search(r"maxgap_us=(\d+)", out)
        if probe.returncode or not m:
            raise Failed("probe failed (exit %s): %s %s\n%s" % (
                probe.returncode, out.strip(), err.strip(),
                tail(host.log)))
        res["downtime"] = int(m.group(1)) / 1000.0
    finally:
        killpg(probe)
    if host.proc.poll() is not None:
        raise Failed("daemon gone after live-update %s:\n%s" % (
            target, tail(host.log)))
    if host.exe() != os.path.realpath(target):
        raise Failed("after live-update %s, %s serves:\n%s" % (
            target, host.exe(), tail(host.log)))
    # the store came across: the last node filled reads back
    last = n - 1
    r = host.run(["xenstore-read", "%s/d%d/%d" % (PREFIX, last // FANOUT,
                                                  last % FANOUT)])
    if r.returncode or r.stdout.strip() != "v%d" % last:
        raise Failed("after live-update %s: last node reads %r %r" % (
            target, r.stdout, r.stderr))
    return res


def one(work, source, target, n, xsload):
    """A fresh host running source, n nodes, one update into target
    ("self" or "ours"); for C xenstored into ours, then back into it.
    Returns {target name: figures}."""
    rundir = tempfile.mkdtemp(prefix="to-", dir=work)
    out = {}
    host = None
    try:
        host = Host(rundir, source)
        secs = fill(host, n, xsload)
        progress("  filled %d nodes in %.1f s" % (n, secs))
        if target == "self":
            out["self"] = update(host, source, n, xsload)
            return out
        res = update(host, OURS, n, xsload)
        out["ours"] = res
        if "timeout" in res:
            return out
        m = TAKEOVER_RE.findall(host.log_text())
        if not m:
            raise Failed("no 'takeover: ... state restored' in the log:\n"
                         + tail(host.log))
        res["restore"] = float(m[-1][2])
        if int(m[-1][0]) < n:
            raise Failed("takeover restored %s nodes, filled %d" % (
                m[-1][0], n))
        if source == UPSTREAM_C:
            res = update(host, UPSTREAM_C, n, xsload)
            out["back"] = res
            m = WRITTEN_RE.findall(host.log_text())
            if "timeout" not in res and m:
                res["written"] = float(m[-1])
        return out
    finally:
        if host is not None:
            host.stop()
        shutil.rmtree(rundir, ignore_errors=True)


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, f="%.1f"):
    return "-" if v is None else f % v


def main():
    if not os.access(OURS, os.X_OK):
        die("no daemon at %s: run make" % OURS)
    for f in (CTRL, UPSTREAM_C, OXENSTORED):
        if not os.access(f, os.X_OK):
            die("%s missing (apt-get install xen-utils-4.17)" % f)
    for f in ("fakexen-ctl", "libfakexen.so"):
        if not os.path.exists(os.path.join(FAKEXEN, f)):
            die("%s/%s missing: run make" % (FAKEXEN, f))
    work = tempfile.mkdtemp(prefix="xsd-takeover-bench-")
    failures = []
    runs = {}           # (source name, n, target) -> [figures]
    t_start = time.monotonic()
    try:
        xsload = build_xsload(work)
        for n in SIZES:
            for i in range(REPS):
                for name, binary in SOURCES:
                    for target in ("self", "ours"):
                        progress("%s, %d nodes, into %s, run %d/%d" % (
                            name, n, target, i + 1, REPS))
                        try:
                            got = one(work, binary, target, n, xsload)
                        except (Failed, OSError,
                                subprocess.SubprocessError) as e:
                            progress("  FAILED: %s" % e)
                            lines = str(e).splitlines() or ["?"]
                            failures.append("%s, %d nodes, into %s: %s" % (
                                name, n, target, " / ".join(
                                    x.strip() for x in
                                    lines[:1] + lines[1:][-1:])))
                            continue
                        for t, res in got.items():
                            runs.setdefault((name, n, t), []).append(res)
                            progress("  %s: %s" % (t, " ".join(
                                "%s=%s" % (k, fmt(v) if k != "timeout"
                                           else "yes")
                                for k, v in sorted(res.items()))))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - t_start

    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print("Takeover: upstream 4.17 live-updating into ours, next to "
          "upstream into itself; %d nodes per directory, one probe client"
          % FANOUT)
    print("machine: %s, %d CPUs, kernel %s; medians of %d run(s); "
          "%.0f s in all" % (cpu, os.cpu_count(), os.uname().release, REPS,
                             elapsed))
    print()
    row = "%-12s %7s %-24s %6s %12s %10s %11s"
    print(row % ("source", "N", "target", "runs", "downtime ms", "total ms",
                 "ours ms"))
    labels = {"self": "itself (baseline)", "ours": "ours (takeover)",
              "back": "ours -> back to C"}
    for n in SIZES:
        for name, _ in SOURCES:
            for t in ("self", "ours", "back"):
                rs = runs.get((name, n, t))
                if rs is None:
                    if t == "back" and name != "C xenstored":
                        continue
                    print(row % (name, n, labels[t], 0, "FAIL", "FAIL",
                                 "-"))
                    continue
                ok = [r for r in rs if "timeout" not in r]
                nto = len(rs) - len(ok)
                down = med([r.get("downtime") for r in ok])
                total = med([r.get("total") for r in ok])
                own = med([r.get("restore", r.get("written")) for r in ok])
                kind = {"ours": " restore", "back": " written"}.get(t, "")
                cells = (fmt(down), fmt(total),
                         fmt(own) + kind if own is not None else "-")
                if not ok:
                    cells = ("timeout", "timeout", "-")
                elif nto:
                    cells = (cells[0] + " (%d timeout)" % nto,) + cells[1:]
                print(row % ((name, n, labels[t], len(rs)) + cells))
    print()
    print("downtime: longest gap between two replies seen by a client "
          "reading in a tight loop; total: wall time of xenstore-control "
          "live-update; ours ms: our daemon's own time to restore "
          "upstream's state (takeover) or to write it for upstream (back), "
          "from its log.")
    print("oxenstored: xenstore-control asks `live-update -s` once a second "
          "until the answer is not BUSY; the update runs at the end of a "
          "turn of oxenstored's main loop, and the answer OK comes from the "
          "new daemon to the next -s, so total includes up to a second of "
          "polling that the downtime does not.")
    print("back: on the host of the takeover just before it, a fresh probe; "
          "C xenstored reads the state_dump ours wrote.  Timeout: %.0f s "
          "per update." % UPDATE_TIMEOUT)
    if failures:
        print()
        print("FAILED (%d):" % len(failures))
        for f in failures:
            print("  " + f)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
