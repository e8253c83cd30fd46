# SPDX-License-Identifier: GPL-2.0-or-later
"""Files and directories the daemon writes in, and who else may touch
them (security review, issue 19: "Files and local users").

The daemon runs as root.  Whatever it writes must be root's alone
(it traces every payload, dumps the whole store), whatever umask it was
started under, and a local user must not be able to steer its writes:

* the trace file (-T, CONTROL logfile) and the outputs of CONTROL
  memreport and dump-state are created 0600; a symbolic link, a FIFO, a
  file of another user's or a hard link planted at the path is refused
  and left as it was (defect 10);
* a run directory, or its sim/ directory, owned by someone else or
  writable by others is refused at start-up, and a live update into a
  run directory that has become so is refused by its pre-flight check
  (defect 11);
* under umask 000 the socket, pid file, trace file, sim/ and its files
  and the on-disk store are still private (defect 12).
"""

import os
import shlex
import signal
import stat
import subprocess
import tempfile
import time

import pytest

import conftest
from conftest import (START_TIMEOUT, STOP_TIMEOUT, WRAPPER, XS_CONTROL,
                      _binary, connect_unix, raises_xs)

pytestmark = pytest.mark.ours_only("the daemon's own files")

NOBODY = 65534
VICTIM = b"precious: not the daemon's\n"


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def victim(tmp_path, owner=0, perm=0o644):
    """A file that is not the daemon's to write."""
    v = tmp_path / "victim"
    v.write_bytes(VICTIM)
    os.chown(v, owner, owner)
    os.chmod(v, perm)
    return v


def untouched(path, owner=0, perm=0o644):
    st = os.lstat(path)
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (owner, perm)
    with open(path, "rb") as f:
        assert f.read() == VICTIM


# The CONTROL commands that write a file the requester names; dump-state
# wants an absolute path, so all get one.
WRITERS = ["logfile", "memreport", "dump-state"]


def refused(xsd, xs, cmd, path, why):
    with raises_xs("EACCES"):
        xs.call(XS_CONTROL, cmd, str(path))
    line = "%s %s: %s: refusing" % (cmd, path, why)
    wait_for(lambda: line in xsd.stderr_text(), line)


def wait_for(pred, what, timeout=conftest.IO_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.01)


# ---------------------------------------------------------------------------
# 10. The trace file and CONTROL's output files
# ---------------------------------------------------------------------------
def test_trace_file_is_private(xsd, xs, tmp_path):
    """-T's file (the fixture's <rundir>/trace) and a new logfile are
    0600 under the test's ordinary umask: they hold every payload."""
    xs.write("/secret", "dom0 only")
    assert mode(xsd.trace) == 0o600
    new = tmp_path / "trace2"
    xs.ack(XS_CONTROL, "logfile", str(new))
    xs.write("/secret", "again")
    assert mode(new) == 0o600
    assert b"again" in new.read_bytes()


@pytest.mark.parametrize("cmd", WRITERS)
def test_existing_file_of_ours_made_private(xsd, xs, tmp_path, cmd):
    """A file of ours already there (from before this fix, say) is used,
    but no longer readable by others; logfile appends to it, the others
    replace its contents."""
    path = tmp_path / "out"
    path.write_bytes(b"old line\n")
    os.chmod(path, 0o644)
    xs.ack(XS_CONTROL, cmd, str(path))
    assert mode(path) == 0o600
    assert path.read_bytes().startswith(b"old line\n") == (cmd == "logfile")


@pytest.mark.parametrize("cmd", WRITERS)
def test_symlink_refused(xsd, xs, tmp_path, cmd):
    v = victim(tmp_path)
    link = tmp_path / "out"
    os.symlink(v, link)
    refused(xsd, xs, cmd, link, "a symbolic link")
    xs.write("/traced", "x")            # a trace would go there now
    untouched(v)
    assert os.readlink(link) == str(v)


@pytest.mark.parametrize("cmd", WRITERS)
def test_dangling_symlink_refused(xsd, xs, tmp_path, cmd):
    """Not even created through the link."""
    link = tmp_path / "out"
    os.symlink(tmp_path / "would-be-created", link)
    refused(xsd, xs, cmd, link, "a symbolic link")
    assert not os.path.lexists(tmp_path / "would-be-created")


@pytest.mark.parametrize("cmd", WRITERS)
def test_file_of_another_user_refused(xsd, xs, tmp_path, cmd):
    v = victim(tmp_path, owner=NOBODY)
    refused(xsd, xs, cmd, v, "owned by uid %d, not 0" % NOBODY)
    xs.write("/traced", "x")
    untouched(v, owner=NOBODY)


@pytest.mark.parametrize("cmd", WRITERS)
def test_hard_link_refused(xsd, xs, tmp_path, cmd):
    """A second name for a file of root's: refused, not overwritten."""
    v = victim(tmp_path)
    link = tmp_path / "out"
    os.link(v, link)
    refused(xsd, xs, cmd, link, "2 hard links")
    xs.write("/traced", "x")
    untouched(v)


@pytest.mark.parametrize("cmd", WRITERS)
def test_fifo_refused(xsd, xs, tmp_path, cmd):
    """Opening a FIFO for writing would block the daemon until someone
    reads it: refused at once instead."""
    fifo = tmp_path / "out"
    os.mkfifo(fifo, 0o600)
    refused(xsd, xs, cmd, fifo, "not a regular file")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_refused_logfile_keeps_the_trace(xsd, xs, tmp_path):
    """A refused logfile changes nothing: tracing goes on where it was."""
    link = tmp_path / "out"
    os.symlink(victim(tmp_path), link)
    with raises_xs("EACCES"):
        xs.call(XS_CONTROL, "logfile", str(link))
    xs.write("/still-traced", "x")
    wait_for(lambda: "/still-traced" in xsd.trace_text(), "the trace")


def test_live_update_goes_on_without_a_refused_trace(xsd, xs, tmp_path):
    """The trace file replaced by a link since start-up: the live
    update's new process refuses it, says so and serves on without a
    trace, rather than die before it has taken the state over (its way
    back would meet the same link)."""
    control = conftest._find_xen_tool("xenstore-control")
    v = victim(tmp_path)
    os.unlink(xsd.trace)
    os.symlink(v, xsd.trace)
    pid = xsd.pid
    r = xsd.run([control, "live-update", os.path.realpath(_binary())],
                timeout=conftest.scaled(60))
    assert (r.returncode, r.stderr) == (0, b""), r
    assert xsd.pid == pid
    xs.write("/after", "x")
    assert xs.read("/after") == b"x"
    untouched(v)
    assert "xenstored: trace file %s: a symbolic link: refusing\n" % \
        xsd.trace in xsd.stderr_text()


# ---------------------------------------------------------------------------
# Start-up that must fail: the daemon is run directly (as test_startup.py)
# ---------------------------------------------------------------------------
@pytest.fixture
def rundir():
    d = tempfile.mkdtemp(prefix="xsf-", dir="/tmp")
    yield d
    subprocess.run(["rm", "-rf", d])


def _env(rundir):
    env = dict(os.environ)
    for v in ("XENSTORED_PATH", "XENSTORED_ROOTDIR", "NOTIFY_SOCKET"):
        env.pop(v, None)
    env["XENSTORED_RUNDIR"] = rundir
    return env


def start_fails(rundir, *args):
    """Run the daemon in the foreground; it must exit 1 without serving.
    Its standard error."""
    sock = os.path.join(rundir, "socket")
    p = subprocess.Popen(WRAPPER + [_binary(), "-N", "--backend", "sim"] +
                         list(args), env=_env(rundir),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    deadline = time.monotonic() + START_TIMEOUT
    served = False
    while p.poll() is None and time.monotonic() < deadline:
        try:
            connect_unix(sock, 0.2).close()
            served = True
            break
        except OSError:
            time.sleep(0.02)
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        p.wait(STOP_TIMEOUT)
    err = p.stderr.read().decode()
    p.stderr.close()
    assert not served, "the daemon served; stderr:\n" + err
    assert p.returncode == 1, (p.returncode, err)
    assert not os.path.lexists(sock)
    return err


def test_trace_symlink_at_start_refused(rundir, tmp_path):
    v = victim(tmp_path)
    link = tmp_path / "trace"
    os.symlink(v, link)
    err = start_fails(rundir, "-T", str(link))
    assert "xenstored: trace file %s: a symbolic link: refusing\n" % link \
        in err
    untouched(v)


def test_trace_of_another_user_at_start_refused(rundir, tmp_path):
    v = victim(tmp_path, owner=NOBODY)
    err = start_fails(rundir, "-T", str(v))
    assert "xenstored: trace file %s: owned by uid %d, not 0: refusing\n" % (
        v, NOBODY) in err
    untouched(v, owner=NOBODY)


# ---------------------------------------------------------------------------
# 11. The run directory and sim/
# ---------------------------------------------------------------------------
def test_rundir_of_another_user_refused(rundir):
    os.chown(rundir, NOBODY, NOBODY)
    err = start_fails(rundir)
    assert "xenstored: run directory %s: owned by uid %d, not 0: " \
        "refusing\n" % (rundir, NOBODY) in err
    assert os.listdir(rundir) == []


@pytest.mark.parametrize("perm", [0o777, 0o775, 0o757, 0o1777],
                         ids=["0777", "0775", "0757", "1777"])
def test_rundir_writable_by_others_refused(rundir, perm):
    os.chmod(rundir, perm)
    err = start_fails(rundir)
    assert "xenstored: run directory %s: writable by others (mode %04o): " \
        "refusing\n" % (rundir, perm) in err
    assert os.listdir(rundir) == []


def test_rundir_not_a_directory_refused(rundir):
    f = os.path.join(rundir, "file")
    open(f, "w").close()
    err = start_fails(f)
    assert "xenstored: run directory %s: not a directory: refusing\n" % f \
        in err


def test_sim_dir_of_another_user_refused(rundir):
    sim = os.path.join(rundir, "sim")
    os.mkdir(sim, 0o700)
    os.chown(sim, NOBODY, NOBODY)
    err = start_fails(rundir)
    assert "xenstored: sim directory %s: owned by uid %d, not 0: " \
        "refusing\n" % (sim, NOBODY) in err
    assert os.listdir(sim) == []


def test_sim_dir_writable_by_others_refused(rundir):
    sim = os.path.join(rundir, "sim")
    os.mkdir(sim)
    os.chmod(sim, 0o777)
    err = start_fails(rundir)
    assert "xenstored: sim directory %s: writable by others (mode 0777): " \
        "refusing\n" % sim in err
    assert os.listdir(sim) == []


def test_live_update_refused_into_unsafe_rundir(xsd, xs):
    """A run directory that became writable by others since start-up: the
    new binary's pre-flight check refuses it, before anything changed;
    the daemon serves on as it was."""
    control = conftest._find_xen_tool("xenstore-control")
    xs.write("/keep", "me")
    pid = xsd.pid
    os.chmod(xsd.rundir, 0o777)
    try:
        r = xsd.run([control, "live-update", os.path.realpath(_binary())],
                    timeout=conftest.scaled(60))
    finally:
        os.chmod(xsd.rundir, 0o700)
    assert r.returncode == 3, r
    assert "run directory %s: writable by others (mode 0777): refusing" % \
        xsd.rundir in r.stderr.decode(), r.stderr
    assert xsd.pid == pid and xsd.alive()
    assert xs.read("/keep") == b"me"


# ---------------------------------------------------------------------------
# 12. umask 000
# ---------------------------------------------------------------------------
@pytest.fixture
def xsd_umask0(request, monkeypatch, tmp_path):
    """The test's daemon (conftest's ``xsd``) started under umask 000
    with a pid file and the store on disk, both in its run directory."""
    script = tmp_path / "xenstored-umask0"
    script.write_text(
        "#!/bin/sh\numask 000\nexec %s \"$@\" -F \"$XENSTORED_RUNDIR/pid\" "
        "-I off\n" % " ".join(shlex.quote(w) for w in
                               conftest.WRAPPER + [_binary()]))
    script.chmod(0o755)
    monkeypatch.setenv("XSD_BINARY", str(script))
    monkeypatch.setattr(conftest, "WRAPPER", [])
    return request.getfixturevalue("xsd")


@pytest.mark.skipif(conftest.FAKEXEN, reason="sim/ is the sim backend's")
def test_modes_under_umask_000(xsd_umask0, tmp_path):
    d = xsd_umask0
    xs = d.client()
    xs.write("/secret", "dom0 only")
    files = {
        "socket": 0o600, "pid": 0o600, "trace": 0o600, "tdb": 0o600,
        "sim": 0o700, "sim/evtchn": 0o600, "sim/dom0.ring": 0o600,
        "sim/xsd_port": 0o600,
    }
    got = {f: mode(os.path.join(d.rundir, f)) for f in files}
    assert got == files
    for cmd in WRITERS:
        xs.ack(XS_CONTROL, cmd, str(tmp_path / cmd))
        assert mode(tmp_path / cmd) == 0o600, cmd


def test_rundir_created_private_under_umask_000(rundir):
    """A run directory the daemon creates is 0700 whatever the umask."""
    run = os.path.join(rundir, "run")
    p = subprocess.Popen(WRAPPER + [_binary(), "-N", "--backend", "sim"],
                         env=_env(run), stdin=subprocess.DEVNULL,
                         stderr=subprocess.PIPE,
                         preexec_fn=lambda: os.umask(0))
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                connect_unix(os.path.join(run, "socket"), 0.2).close()
                break
            except OSError:
                assert p.poll() is None, p.stderr.read()
                assert time.monotonic() < deadline, "not serving"
                time.sleep(0.02)
        assert mode(run) == 0o700
        assert mode(os.path.join(run, "socket")) == 0o600
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(STOP_TIMEOUT) == 0
        p.stderr.close()
