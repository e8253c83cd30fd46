# SPDX-License-Identifier: GPL-2.0-or-later
"""The Debian package on this machine: `make deb` built it (and lintian
found no errors) before these tests run (make check-package).  Install
it with dpkg -i, start the installed daemon as Debian's init script
would, use it with xenstore-utils and xs-state, stop it, dpkg -r it.

Installing and removing a package changes this machine: the test only
touches the package's own files (none clash with Debian's xen-utils).
"""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

PKG = "xenstored-xss"
DEB_DIR = os.environ.get("XSD_DEB_DIR", "build/deb")
DAEMON = "/usr/sbin/xenstored-xss"
UNIT = "/lib/systemd/system/xenstored-xss.service"
FILES = [DAEMON, "/usr/bin/xs-state", UNIT,
         "/usr/share/man/man8/xenstored-xss.8.gz",
         "/usr/share/man/man1/xs-state.1.gz"]


def dpkg(*args):
    """dpkg, waiting for its lock while someone else holds it."""
    deadline = time.monotonic() + 120
    while True:
        r = subprocess.run(["dpkg"] + list(args), capture_output=True,
                           text=True, timeout=120,
                           env=dict(os.environ,
                                    DEBIAN_FRONTEND="noninteractive"))
        if r.returncode == 0 or "lock" not in r.stderr or \
                time.monotonic() > deadline:
            return r
        time.sleep(1)


@pytest.fixture(scope="module")
def installed():
    debs = glob.glob(os.path.join(DEB_DIR, "%s_*.deb" % PKG))
    assert len(debs) == 1, "make deb first (found %s)" % debs
    r = dpkg("-i", debs[0])
    assert r.returncode == 0, r.stdout + r.stderr
    try:
        yield debs[0]
    finally:
        if subprocess.run(["dpkg-query", "-W", "-f=${Status}", PKG],
                          capture_output=True, text=True).stdout.startswith(
                              "install ok installed"):
            dpkg("-r", PKG)


def test_installed_files(installed):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PKG],
                       capture_output=True, text=True)
    assert r.stdout == "install ok installed"
    for f in FILES:
        assert os.path.exists(f), f
    r = subprocess.run(["dpkg", "-L", PKG], capture_output=True, text=True)
    for f in FILES:
        assert f in r.stdout.split("\n")
    # no clash with Debian's xenstored
    assert not any(p in r.stdout.split("\n")
                   for p in ("/usr/sbin/xenstored", "/usr/sbin/oxenstored"))
    r = subprocess.run([DAEMON, "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("xenstored ")


def test_docs_the_man_pages_name(installed):
    """xenstored-xss(8) and xs-state(1) send the reader to these."""
    doc = "/usr/share/doc/%s" % PKG
    for name in ("protocol", "xs-state-format", "live-update", "takeover",
                 "migration", "sim-backend", "libxl-stream"):
        path = os.path.join(doc, name + ".md")
        assert os.path.exists(path) or os.path.exists(path + ".gz"), path
    assert os.path.exists(os.path.join(doc, "copyright"))


@pytest.mark.skipif(not shutil.which("systemd-analyze"),
                    reason="systemd not installed")
def test_unit_verifies(installed):
    r = subprocess.run(["systemd-analyze", "verify", UNIT],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    # not enabled by the package: /etc/init.d/xen picks the xenstored
    assert not glob.glob("/etc/systemd/system/*/xenstored-xss.service")


def test_installed_daemon_serves(installed):
    rundir = tempfile.mkdtemp(prefix="xss-pkg-", dir="/tmp")
    pidfile = os.path.join(rundir, "xenstore.pid")
    env = dict(os.environ, XENSTORED_RUNDIR=rundir,
               XENSTORED_ROOTDIR=rundir, XENSTORED_PATH=rundir + "/socket")
    try:
        r = subprocess.run(["start-stop-daemon", "--start", "--quiet",
                            "--pidfile", pidfile, "--exec", DAEMON, "--",
                            "--pid-file", pidfile], env=env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        with open(pidfile) as f:
            pid = int(f.read())
        try:
            w = subprocess.Popen(["xenstore-watch", "-n", "2", "/pkg"],
                                 env=env, stdout=subprocess.PIPE, text=True)
            assert w.stdout.readline() == "/pkg\n"
            subprocess.run(["xenstore-write", "/pkg/a", "installed"],
                           env=env, check=True, timeout=30)
            r = subprocess.run(["xenstore-read", "/pkg/a"], env=env,
                               capture_output=True, text=True, timeout=30)
            assert r.stdout == "installed\n"
            assert w.stdout.readline() == "/pkg/a\n"
            assert w.wait(30) == 0
            r = subprocess.run(["xs-state", "dump", "--live", "--socket",
                                rundir + "/socket"], capture_output=True,
                               text=True, timeout=30)
            assert r.returncode == 0, r.stderr
            assert "/pkg/a" in r.stdout
        finally:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 30
            while os.path.exists("/proc/%d" % pid) and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
        assert not os.path.exists(pidfile)
    finally:
        shutil.rmtree(rundir, ignore_errors=True)


def test_remove_is_clean(installed):
    r = dpkg("-r", PKG)
    assert r.returncode == 0, r.stdout + r.stderr
    for f in FILES:
        assert not os.path.exists(f), f
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PKG],
                       capture_output=True, text=True)
    # its maintainer scripts stay for a purge (systemd's bookkeeping)
    assert r.stdout in ("deinstall ok config-files",
                        "unknown ok not-installed"), r.stdout
    r = dpkg("--purge", PKG)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PKG],
                       capture_output=True, text=True)
    assert r.returncode != 0 or r.stdout.endswith("not-installed"), r.stdout
