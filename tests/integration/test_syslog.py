# SPDX-License-Identifier: GPL-2.0-or-later
"""Started as Debian's init script starts it (no -N: it forks into the
background, its standard streams /dev/null), the daemon logs to syslog,
and so does every process that continues it: a live update's new
process from its first line (its "state restored" used to be lost),
the guardian and the previous binary when the new one dies.

syslog(3) writes datagrams to /dev/log: the test listens there, on
/dev/log itself when no syslog daemon has it, else on a socket mounted
over it in a mount namespace of the daemon's own.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

import conftest
from conftest import scaled
from test_live_update import CONTROL, binary
from test_live_update_failures import dies_after_check

pytestmark = pytest.mark.ours_only("our daemon's logging")


class Syslog:
    def __init__(self, tmp):
        self.owned = not os.path.exists("/dev/log")
        self.path = "/dev/log" if self.owned else os.path.join(tmp, "log")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.lines = []

    def argv(self, argv):
        """argv, run so that its /dev/log is ours."""
        if self.owned:
            return argv
        return ["unshare", "-m", "--propagation", "private", "sh", "-c",
                'mount --bind "$0" /dev/log && exec "$@"', self.path] + argv

    def wait_for(self, text, count=1, timeout=None):
        deadline = time.monotonic() + (timeout or conftest.IO_TIMEOUT)
        while time.monotonic() < deadline:
            if sum(text in ln for ln in self.lines) >= count:
                return
            try:
                self.lines.append(self.sock.recv(65536).decode(
                    "utf-8", "replace"))
            except socket.timeout:
                pass
        raise AssertionError("%r never logged; syslog had:\n%s" % (
            text, "\n".join(self.lines)))

    def close(self):
        if self.owned:
            os.unlink("/dev/log")
        self.sock.close()


@pytest.fixture
def detached(tmp_path):
    """Our daemon started without -N, its syslog captured."""
    run = tempfile.mkdtemp(prefix="xsd-", dir="/tmp")
    log = Syslog(str(tmp_path))
    pidfile = os.path.join(run, "xenstored.pid")
    env = dict(os.environ, XENSTORED_RUNDIR=run)
    env.pop("XENSTORED_PATH", None)
    r = subprocess.run(log.argv([binary(), "-F", pidfile]), env=env,
                       capture_output=True, timeout=scaled(30))
    d = type("Detached", (), {})()
    d.log, d.run, d.pidfile = log, run, pidfile
    d.env = dict(os.environ, XENSTORED_PATH=os.path.join(run, "socket"))
    try:
        assert r.returncode == 0, r
        d.pid = lambda: int(open(pidfile).read())
        log.wait_for("serving on")
        yield d
    finally:
        try:
            os.kill(int(open(pidfile).read()), signal.SIGTERM)
        except (OSError, ValueError):
            pass
        log.close()
        subprocess.run(["rm", "-rf", run])


def test_live_update_logs_to_syslog_from_the_first_line(detached):
    pid = detached.pid()
    r = subprocess.run([CONTROL, "live-update", binary()], env=detached.env,
                       capture_output=True, timeout=scaled(60))
    assert (r.returncode, r.stderr) == (0, b""), r
    detached.log.wait_for("state written in")
    detached.log.wait_for("state restored in")
    detached.log.wait_for("serving on", 2)
    assert detached.pid() == pid


def test_guardian_logs_to_syslog(detached, tmp_path):
    new = dies_after_check(tmp_path, "segv", "kill -SEGV $$", binary())
    r = subprocess.run([CONTROL, "live-update", new], env=detached.env,
                       capture_output=True, timeout=scaled(60))
    assert r.returncode != 0, r
    detached.log.wait_for("before it served")
    detached.log.wait_for("live-update: rolled back in")
