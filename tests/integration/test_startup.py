# SPDX-License-Identifier: GPL-2.0-or-later
"""Start-up as the system starts the daemon: Debian's init script
(start-stop-daemon, pid file, XENSTORED_ROOTDIR), systemd (Type=notify),
SIGHUP, --help and --version.

The start-stop-daemon command line is the one of Debian bookworm's
/etc/init.d/xen (xen-utils-common 4.17), function xenstored_start:

    start-stop-daemon --start --quiet --pidfile "$XENSTORED_PIDFILE" \\
        --exec /usr/bin/choom -- -n -1000 "$try_xenstored" -- \\
        $XENSTORED_ARGS --pid-file "$XENSTORED_PIDFILE"

with XENSTORED_ROOTDIR exported.  Only the paths differ here (a temporary
run directory instead of /run).  The init script itself is never run: it
needs a hypervisor.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import (scaled, UPSTREAM, WRAPPER, START_TIMEOUT, STOP_TIMEOUT,
                      _binary, _pid_alive, connect_unix)

pytestmark = [pytest.mark.ours_only("start-up options of this daemon"),
              pytest.mark.skipif(bool(WRAPPER),
                                 reason="the daemon forks: no wrapper")]


def _oom_adj():
    """-1000 as the init script, where this machine lets us lower the
    OOM score (CAP_SYS_RESOURCE); else 0, the only other difference."""
    r = subprocess.run(["choom", "-n", "-1000", "--", "true"],
                       capture_output=True)
    return "-1000" if r.returncode == 0 else "0"


@pytest.fixture
def rundir():
    d = tempfile.mkdtemp(prefix="xss-", dir="/tmp")
    yield d
    subprocess.run(["rm", "-rf", d])


def _env(rundir, **extra):
    env = dict(os.environ)
    env.pop("XENSTORED_PATH", None)
    env.pop("NOTIFY_SOCKET", None)
    env["XENSTORED_RUNDIR"] = rundir
    env.update(extra)
    return env


def _read_pid(path):
    with open(path) as f:
        text = f.read()
    assert text.endswith("\n") and text[:-1].isdigit(), repr(text)
    return int(text)


def _wait_listening(p, rundir):
    """Until the foreground daemon p accepts connections."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            connect_unix(os.path.join(rundir, "socket"), 1.0).close()
            return
        except OSError:
            assert p.poll() is None, "daemon exited: %s" % p.stderr.read()
            assert time.monotonic() < deadline, "socket not listening"
            time.sleep(0.02)


def _wait_gone(pid, timeout=STOP_TIMEOUT):
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not _pid_alive(pid)


def test_init_script_command_line(rundir):
    pidfile = os.path.join(rundir, "xenstore.pid")
    root = os.path.join(rundir, "lib")
    os.mkdir(root)
    env = _env(rundir, XENSTORED_ROOTDIR=root)
    xenstored_args = ["-I", "off"]          # $XENSTORED_ARGS: a tdb file
    cmd = ["start-stop-daemon", "--start", "--quiet", "--pidfile", pidfile,
           "--exec", "/usr/bin/choom", "--", "-n", _oom_adj(), _binary(),
           "--"] + xenstored_args + ["--pid-file", pidfile]
    r = subprocess.run(cmd, env=env, capture_output=True, timeout=START_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    # start-stop-daemon returned: the pid file is complete and names the
    # serving daemon, which is already answering (no polling needed).
    pid = _read_pid(pidfile)
    try:
        assert os.readlink("/proc/%d/exe" % pid) == os.path.realpath(_binary())
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        assert int(fields[3]) == pid, "not a session leader"   # session id
        r = subprocess.run(["xenstore-read", "-s", "/"],
                           env=dict(env, XENSTORED_PATH=rundir + "/socket"),
                           capture_output=True, timeout=scaled(10))
        assert r.returncode == 0, r.stderr
        # standard streams detached, working directory /
        for fd in (0, 1, 2):
            assert os.readlink("/proc/%d/fd/%d" % (pid, fd)) == "/dev/null"
        assert os.readlink("/proc/%d/cwd" % pid) == "/"
        # the on-disk database lives in XENSTORED_ROOTDIR, not the run dir
        assert os.path.exists(os.path.join(root, "tdb"))
        assert not os.path.exists(os.path.join(rundir, "tdb"))
        # the init script's "already running?" probe: status 1 is "found
        # a matching live process" (pid file names a process of this exe)
        r = subprocess.run(["start-stop-daemon", "--start", "--quiet",
                            "--pidfile", pidfile, "--exec", _binary(),
                            "--test"], env=env, capture_output=True,
                           timeout=scaled(10))
        assert r.returncode == 1, r
    finally:
        os.kill(pid, signal.SIGTERM)
    assert _wait_gone(pid), "still running after SIGTERM"
    assert not os.path.exists(pidfile), "pid file left behind"
    assert not os.path.exists(os.path.join(rundir, "socket"))


def test_rootdir_unset_uses_rundir(rundir):
    p = subprocess.Popen([_binary(), "-N", "-I", "off"], env=_env(rundir),
                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_listening(p, rundir)
        assert os.path.exists(os.path.join(rundir, "tdb"))
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(STOP_TIMEOUT) == 0


def test_failed_start_fails_start_stop_daemon(rundir):
    """A daemon that cannot start makes the waiting parent exit non-zero."""
    pidfile = os.path.join(rundir, "no-such-dir", "xenstore.pid")
    r = subprocess.run([_binary(), "--pid-file", pidfile], env=_env(rundir),
                       capture_output=True, timeout=START_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert b"xenstore.pid" in r.stderr
    time.sleep(0.2)
    assert not os.path.exists(os.path.join(rundir, "socket"))


def _notify_socket(rundir, abstract):
    """A datagram socket bound as systemd binds its notify socket, and
    the NOTIFY_SOCKET value naming it: a file, or an abstract name
    ("@name" for the name after a NUL byte)."""
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if abstract:
        name = "xsd-notify-%s" % os.path.basename(rundir)
        ns.bind("\0" + name)
        addr = "@" + name
    else:
        addr = os.path.join(rundir, "notify")
        ns.bind(addr)
    ns.settimeout(START_TIMEOUT)
    return ns, addr


@pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
def test_sd_notify(rundir, abstract):
    """Type=notify: exactly sd_notify's datagram, READY=1 with the
    daemon's pid once the socket serves; STOPPING=1 at SIGTERM."""
    ns, addr = _notify_socket(rundir, abstract)
    p = subprocess.Popen([_binary(), "-N"],
                         env=_env(rundir, NOTIFY_SOCKET=addr),
                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert ns.recv(4096) == \
            b"READY=1\nMAINPID=%d\nSTATUS=serving" % p.pid
        connect_unix(os.path.join(rundir, "socket"), 1.0).close()
        p.send_signal(signal.SIGTERM)
        assert ns.recv(4096) == b"STOPPING=1"
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        assert p.wait(STOP_TIMEOUT) == 0
        ns.close()


@pytest.mark.parametrize("addr,error", [
    ("notify", "Invalid argument"),                 # not absolute
    ("vsock:2:1234", "Address family not supported"),
    ("/no/such/dir/notify", "No such file or directory"),
])
def test_sd_notify_unusable(rundir, addr, error):
    """A NOTIFY_SOCKET that cannot be told fails the start at once, with
    the reason, rather than leave systemd waiting for READY=1."""
    r = subprocess.run([_binary(), "-N"],
                       env=_env(rundir, NOTIFY_SOCKET=addr),
                       capture_output=True, timeout=START_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert ("NOTIFY_SOCKET: " + error).encode() in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(rundir, "socket"))


def test_sighup_reopens_trace_file(rundir):
    trace = os.path.join(rundir, "trace")
    env = _env(rundir)
    p = subprocess.Popen([_binary(), "-N", "-T", trace], env=env,
                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    client_env = dict(env, XENSTORED_PATH=rundir + "/socket")
    try:
        _wait_listening(p, rundir)
        subprocess.run(["xenstore-write", "/before", "1"], env=client_env,
                       check=True, timeout=scaled(10))
        os.rename(trace, trace + ".1")            # logrotate
        p.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(trace):
            assert p.poll() is None, "SIGHUP stopped the daemon"
            assert time.monotonic() < deadline, "trace file not reopened"
            time.sleep(0.02)
        subprocess.run(["xenstore-write", "/after", "2"], env=client_env,
                       check=True, timeout=scaled(10))
        with open(trace) as f:
            new = f.read()
        with open(trace + ".1") as f:
            old = f.read()
        assert "/after" in new and "/before" not in new
        assert "/before" in old and "/after" not in old
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(STOP_TIMEOUT) == 0


def test_help_and_version():
    r = subprocess.run([_binary(), "--help"], capture_output=True, timeout=scaled(10))
    assert r.returncode == 0 and b"--pid-file" in r.stdout
    r = subprocess.run([_binary(), "--version"], capture_output=True,
                       timeout=scaled(10))
    assert r.returncode == 0
    assert r.stdout.startswith(b"xenstored (xenstored-xss) ")


def test_bad_options_exit_2(rundir):
    """xenstored(8), EXIT STATUS: 2 for bad options, with the usage (or
    the reason) on standard error."""
    for args in (["--no-such-option"], ["-E", "many"], ["-I", "maybe"],
                 ["-Q", "nosuchquota=1"], ["-e", "3"], ["stray"]):
        r = subprocess.run([_binary()] + args, env=_env(rundir),
                           capture_output=True, timeout=scaled(10),
                           stdin=subprocess.DEVNULL)
        assert r.returncode == 2, (args, r)
        assert r.stderr and not r.stdout, (args, r)


def test_help_names_the_invoked_program(rundir):
    """Installed as xenstored-xss, its usage line says so."""
    link = os.path.join(rundir, "xenstored-xss")
    os.symlink(os.path.abspath(_binary()), link)
    r = subprocess.run([link, "--help"], capture_output=True,
                       timeout=scaled(10))
    assert r.returncode == 0
    assert r.stdout.startswith(b"Usage: xenstored-xss [options]\n")
    r = subprocess.run([link, "--bad"], capture_output=True,
                       timeout=scaled(10))
    assert r.returncode == 2
    assert b"Usage: xenstored-xss [options]\n" in r.stderr
