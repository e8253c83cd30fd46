# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures and helpers for the xenstored integration tests.

Every test gets its own freshly started daemon (fixture ``xsd``) listening on
``<rundir>/socket`` in a short temporary directory.  See README.md for the
XSD_* environment variables.

Helpers provided here:

* ``XsRaw``   - a tiny raw-protocol client (socket + struct), used for
                byte-exact checks and bad-input tests.
* ``XsError`` - raised by ``XsRaw.call`` when the daemon answers ERROR.
* ``raises_xs(name)`` - context manager asserting an ``XsError`` of that name.
"""

import contextlib
import glob
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

UNDER_TEST = os.environ.get("XSD_UNDER_TEST", "ours")
UPSTREAM = UNDER_TEST == "upstream"
WRAPPER = shlex.split(os.environ.get("XSD_WRAPPER", ""))
# XSD_UNDER_TEST=upstream: the script that starts upstream's xenstored
# without Xen (README.md); not part of this repository.
UPSTREAM_SCRIPT = os.environ.get("XSD_UPSTREAM_SCRIPT", "")

# Time limits.  They are there to end a hung test, not to measure speed:
# a slower build or a busier machine must not fail the suite.  Every
# limit is a base figure times TIME_SCALE: XSD_TIME_SCALE (make sets it
# for the sanitizer stage: an ASan build and hundreds of its processes
# are several times slower) times 4 under a wrapper such as valgrind.
TIME_SCALE = float(os.environ.get("XSD_TIME_SCALE", "1")) * (4 if WRAPPER else 1)
SANITIZED = os.environ.get("XSD_SANITIZED") == "1"
# ... and the same for the programs the tests run (xs-guest's timeouts).
os.environ["XSD_TIME_SCALE"] = "%g" % TIME_SCALE


def scaled(seconds):
    """A time limit of `seconds` on a quick machine, for this run."""
    return seconds * TIME_SCALE


def sample(offsets, keep=4):
    """All of `offsets`, or under sanitizers (each process of the tool
    several times slower to start) every keep-th of them plus the first
    and last 16: the unit tests and the fuzzers cover every offset of
    the readers under ASan, these tests the programs around them."""
    offsets = list(offsets)
    if not SANITIZED or len(offsets) <= 32:
        return offsets
    return [o for i, o in enumerate(offsets)
            if i < 16 or i >= len(offsets) - 16 or i % keep == keep - 1]


# Per-test wall clock limit (seconds).
TEST_TIMEOUT = int(os.environ.get("XSD_TEST_TIMEOUT") or scaled(60))
START_TIMEOUT = float(os.environ.get("XSD_START_TIMEOUT") or scaled(15))
STOP_TIMEOUT = float(os.environ.get("XSD_STOP_TIMEOUT") or scaled(5))
# Timeout for single replies / CLI invocations.
IO_TIMEOUT = scaled(5.0)

# ---------------------------------------------------------------------------
# Protocol constants (see /usr/include/xen/io/xs_wire.h and xenstore.txt)
# ---------------------------------------------------------------------------
XS_CONTROL = 0
XS_DIRECTORY = 1
XS_READ = 2
XS_GET_PERMS = 3
XS_WATCH = 4
XS_UNWATCH = 5
XS_TRANSACTION_START = 6
XS_TRANSACTION_END = 7
XS_INTRODUCE = 8
XS_RELEASE = 9
XS_GET_DOMAIN_PATH = 10
XS_WRITE = 11
XS_MKDIR = 12
XS_RM = 13
XS_SET_PERMS = 14
XS_WATCH_EVENT = 15
XS_ERROR = 16
XS_IS_DOMAIN_INTRODUCED = 17
XS_RESUME = 18
XS_SET_TARGET = 19
XS_RESTRICT = 20
XS_RESET_WATCHES = 21
XS_DIRECTORY_PART = 22
XS_GET_FEATURE = 23
XS_SET_FEATURE = 24
XS_GET_QUOTA = 25
XS_SET_QUOTA = 26
XS_INVALID = 0xFFFF

PAYLOAD_MAX = 4096
ABS_PATH_MAX = 3072
REL_PATH_MAX = 2048

# The xsd_errors[] table of xs_wire.h, in ABI order.
XS_ERRORS = ("EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM",
             "ENOSPC", "EIO", "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY",
             "EAGAIN", "EISCONN", "E2BIG", "EPERM")

HDR = struct.Struct("<IIII")


def _b(x):
    if isinstance(x, bytes):
        return x
    if isinstance(x, (bytearray, memoryview)):
        return bytes(x)
    if isinstance(x, int):
        return str(x).encode()
    return x.encode()


def pack(type_, payload=b"", req_id=0, tx_id=0, length=None):
    """Build one wire message; ``length`` overrides the header len field."""
    payload = _b(payload)
    return HDR.pack(type_, req_id, tx_id,
                    len(payload) if length is None else length) + payload


class XsError(Exception):
    """An ERROR reply; ``.name`` is the error string without the NUL."""

    def __init__(self, name, msg=None):
        super().__init__(name)
        self.name = name
        self.msg = msg


class ConnClosed(Exception):
    pass


@contextlib.contextmanager
def raises_xs(name):
    """Assert the block raises XsError with exactly this error name."""
    try:
        yield
    except XsError as e:
        assert e.name == name, "expected %s, got %s" % (name, e.name)
    else:
        raise AssertionError("expected error %s, got success" % name)


class Msg:
    __slots__ = ("type", "req_id", "tx_id", "payload")

    def __init__(self, type_, req_id, tx_id, payload):
        self.type = type_
        self.req_id = req_id
        self.tx_id = tx_id
        self.payload = payload

    def __repr__(self):
        return "Msg(type=%d, req_id=%#x, tx_id=%d, payload=%r)" % (
            self.type, self.req_id, self.tx_id, self.payload)


def connect_unix(path, timeout=IO_TIMEOUT):
    """Connect to a Unix socket, retrying while the listen backlog is full
    (a non-blocking AF_UNIX connect fails with EAGAIN then)."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        except BaseException:
            s.close()
            raise


class XsRaw:
    """Minimal raw xenstore protocol client over the Unix socket.

    ``call()`` sends one request and returns the reply payload (bytes,
    exactly as received, trailing NULs included) or raises XsError.  It
    checks that the reply echoes req_id and tx_id and has the request's
    type.  Watch events arriving meanwhile are queued in ``self.events``.
    """

    def __init__(self, path, timeout=IO_TIMEOUT):
        self.path = path
        self.timeout = timeout
        self.sock = connect_unix(path, timeout)
        self.buf = b""
        self.events = []
        self.next_req = 0x4000

    # -- low level ---------------------------------------------------------
    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, type_, payload=b"", req_id=None, tx_id=0):
        if req_id is None:
            req_id = self.next_req
            self.next_req += 1
        self.send_raw(pack(type_, payload, req_id, tx_id))
        return req_id

    def _fill(self, n, timeout):
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out waiting for reply "
                                     "(%d of %d bytes)" % (len(self.buf), n))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise ConnClosed("connection closed by xenstored "
                                 "(%d bytes buffered)" % len(self.buf))
            self.buf += chunk

    def recv_msg(self, timeout=None):
        """Next message from the daemon, watch events included."""
        timeout = self.timeout if timeout is None else timeout
        self._fill(HDR.size, timeout)
        type_, req_id, tx_id, length = HDR.unpack(self.buf[:HDR.size])
        assert length <= PAYLOAD_MAX, "reply payload %d > 4096" % length
        self._fill(HDR.size + length, timeout)
        payload = self.buf[HDR.size:HDR.size + length]
        self.buf = self.buf[HDR.size + length:]
        return Msg(type_, req_id, tx_id, payload)

    def recv_reply(self, timeout=None):
        """Next non-WATCH_EVENT message; events are queued."""
        while True:
            m = self.recv_msg(timeout)
            if m.type == XS_WATCH_EVENT:
                self.events.append(parse_event(m))
                continue
            return m

    def request(self, type_, payload=b"", tx_id=0, req_id=None):
        """Send and return the reply Msg, checking req_id/tx_id echo."""
        rid = self.send(type_, payload, req_id, tx_id)
        m = self.recv_reply()
        assert m.req_id == rid, "reply req_id %#x != %#x" % (m.req_id, rid)
        assert m.tx_id == tx_id, "reply tx_id %d != %d" % (m.tx_id, tx_id)
        assert m.type in (type_, XS_ERROR), \
            "reply type %d for request type %d" % (m.type, type_)
        return m

    def call(self, type_, *args, tx_id=0, raw=None):
        """Request with NUL-terminated string args; returns raw payload."""
        payload = raw if raw is not None else b"".join(_b(a) + b"\0" for a in args)
        m = self.request(type_, payload, tx_id)
        if m.type == XS_ERROR:
            assert m.payload.endswith(b"\0") and m.payload.count(b"\0") == 1, \
                "malformed ERROR payload %r" % m.payload
            name = m.payload[:-1].decode("ascii", "replace")
            assert name in XS_ERRORS, "error %r not in xs_wire.h table" % name
            raise XsError(name)
        return m.payload

    def ack(self, type_, *args, tx_id=0, raw=None):
        p = self.call(type_, *args, tx_id=tx_id, raw=raw)
        assert p == b"OK\0", "expected OK ack, got %r" % p
        return p

    # -- convenience ------------------------------------------------------
    def read(self, path, tx=0):
        return self.call(XS_READ, path, tx_id=tx)

    def write(self, path, value=b"", tx=0):
        return self.ack(XS_WRITE, tx_id=tx, raw=_b(path) + b"\0" + _b(value))

    def mkdir(self, path, tx=0):
        return self.ack(XS_MKDIR, path, tx_id=tx)

    def rm(self, path, tx=0):
        return self.ack(XS_RM, path, tx_id=tx)

    def directory(self, path, tx=0):
        p = self.call(XS_DIRECTORY, path, tx_id=tx)
        if p == b"":
            return []
        assert p.endswith(b"\0"), "DIRECTORY reply not NUL-terminated: %r" % p
        return p[:-1].split(b"\0")

    def get_perms(self, path, tx=0):
        p = self.call(XS_GET_PERMS, path, tx_id=tx)
        assert p.endswith(b"\0")
        return p[:-1].split(b"\0")

    def set_perms(self, path, perms, tx=0):
        return self.ack(XS_SET_PERMS, path, *perms, tx_id=tx)

    def exists(self, path):
        try:
            self.read(path)
            return True
        except XsError as e:
            if e.name == "ENOENT":
                return False
            raise

    def watch(self, path, token, depth=None):
        args = [path, token] + ([] if depth is None else [depth])
        return self.ack(XS_WATCH, *args)

    def unwatch(self, path, token):
        return self.ack(XS_UNWATCH, path, token)

    def tx_start(self):
        p = self.call(XS_TRANSACTION_START, b"")
        assert p.endswith(b"\0") and p[:-1].isdigit(), "bad txid %r" % p
        tx = int(p[:-1])
        assert tx != 0
        return tx

    def tx_end(self, tx, commit=True):
        return self.ack(XS_TRANSACTION_END, b"T" if commit else b"F", tx_id=tx)

    # -- watch events -----------------------------------------------------
    def wait_event(self, timeout=None):
        """Next watch event as (path, token) bytes tuple."""
        if self.events:
            return self.events.pop(0)
        timeout = self.timeout if timeout is None else timeout
        while True:
            m = self.recv_msg(timeout)
            assert m.type == XS_WATCH_EVENT, "unexpected message %r" % m
            return parse_event(m)

    def sync(self):
        """Round trip a harmless request; watch events the daemon queued for
        this connection before answering it are collected in self.events."""
        p = self.call(XS_GET_DOMAIN_PATH, "0")
        assert p == b"/local/domain/0\0", p

    def no_event(self, timeout=0.05):
        """Assert that no watch event is pending (sync, then a short wait)."""
        self.sync()
        assert not self.events, "unexpected events %r" % self.events
        try:
            m = self.recv_msg(timeout)
        except socket.timeout:
            return
        raise AssertionError("unexpected message %r" % m)

    def drain_events(self, n=0, timeout=None):
        """Wait for at least n events, sync, and return all pending events.

        Relies on the daemon queueing the watch events of a change before
        it answers the request that made the change (as upstream does)."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while len(self.events) < n:
            m = self.recv_msg(max(0.01, deadline - time.monotonic()))
            assert m.type == XS_WATCH_EVENT, "unexpected message %r" % m
            self.events.append(parse_event(m))
        self.sync()
        out, self.events = self.events, []
        return out

    def is_closed(self, timeout=None):
        """True when the daemon has closed this connection (EOF/RST)."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
            self.buf += chunk
        return False


def parse_event(m):
    assert m.req_id == 0 and m.tx_id == 0, \
        "WATCH_EVENT must have req_id=tx_id=0: %r" % m
    parts = m.payload.split(b"\0")
    assert len(parts) == 3 and parts[2] == b"", \
        "WATCH_EVENT payload must be <epath>|<token>|: %r" % m.payload
    return (parts[0], parts[1])


# ---------------------------------------------------------------------------
# External client binaries
# ---------------------------------------------------------------------------
def _find_xen_tool(name):
    cands = sorted(glob.glob("/usr/lib/xen-*/bin/" + name))
    return cands[-1] if cands else None


# /usr/bin/xenstore-control is Debian's xen-utils-wrapper, which needs a
# running hypervisor; call the versioned binary directly.
XENSTORE_CONTROL = os.environ.get("XSD_XENSTORE_CONTROL") or \
    _find_xen_tool("xenstore-control")
TEST_XENSTORE = os.environ.get("XSD_TEST_XENSTORE") or \
    _find_xen_tool("test-xenstore")


# ---------------------------------------------------------------------------
# The daemon under test
# ---------------------------------------------------------------------------
def _binary():
    return os.environ.get("XSD_BINARY") or \
        os.path.join(REPO, "xenstored", "xenstored")


# XSD_BACKEND=fakexen: our daemon runs its Xen backend (--backend xen)
# under the fake hypervisor of tests/fakexen (LD_PRELOAD), and guests
# (tests/xs-guest, which reads FAKEXEN_DIR) reach it through the fake.
BACKEND = os.environ.get("XSD_BACKEND", "sim")
FAKEXEN = BACKEND == "fakexen"


def find_test_program(name, env):
    """tests/<name>, one of our test programs: $env, else next to an
    O=DIR build's xenstored (XSD_BINARY), else the source tree."""
    cands = []
    if os.environ.get(env):
        cands.append(os.environ[env])
    if os.environ.get("XSD_BINARY"):
        top = os.path.dirname(os.path.dirname(os.environ["XSD_BINARY"]))
        cands.append(os.path.join(top, "tests", name))
    cands.append(os.path.join(REPO, "tests", name))
    for c in cands:
        if os.access(c, os.X_OK):
            return c
    pytest.fail("%s not found (tried %s): run `make` at the top, "
                "or set %s" % (name, ", ".join(cands), env))


def fakexen_dir():
    """Where libfakexen.so and fakexen-ctl are (XSD_FAKEXEN, else next
    to an O=DIR build's xenstored, else the source tree)."""
    cands = []
    if os.environ.get("XSD_FAKEXEN"):
        cands.append(os.environ["XSD_FAKEXEN"])
    cands.append(os.path.join(REPO, "tests", "fakexen"))
    for c in cands:
        if os.access(os.path.join(c, "fakexen-ctl"), os.X_OK):
            return c
    pytest.fail("fakexen-ctl not found (tried %s): run `make`"
                % ", ".join(cands))


class FakeXen:
    """A fake hypervisor below dir: dom0 booted (its ring's page and
    port), the lifeline server running (guest processes that end take
    their domain with them, as the sim backend's closed channel does)."""

    def __init__(self, dir):
        self.dir = dir
        self.bin = fakexen_dir()
        self.lib = os.path.join(self.bin, "libfakexen.so")
        self.ctl(["boot"])
        self.hv = subprocess.Popen([os.path.join(self.bin, "fakexen-ctl"),
                                    dir, "hv"], stdout=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL)
        assert self.hv.stdout.readline() == b"ready\n"

    def ctl(self, args):
        r = subprocess.run([os.path.join(self.bin, "fakexen-ctl"),
                            self.dir] + list(args), capture_output=True,
                           timeout=IO_TIMEOUT)
        assert r.returncode == 0, r.stderr
        return r.stdout.decode()

    def stop(self):
        if self.hv.poll() is None:
            self.hv.terminate()
            self.hv.wait(10)


def _tail(path, lines=80, maxbytes=64 * 1024):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - maxbytes))
            data = f.read()
    except OSError as e:
        return "<%s: %s>" % (path, e)
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


def _pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


class Daemon:
    def __init__(self):
        self.rundir = tempfile.mkdtemp(prefix="xsd-", dir="/tmp")
        self.socket = os.path.join(self.rundir, "socket")
        self.trace = os.path.join(self.rundir, "trace")
        self.stdout_path = os.path.join(self.rundir, "xenstored.log")
        self.stderr_path = os.path.join(self.rundir, "xenstored.err")
        self.proc = None
        self.pid = None
        self.clients = []
        self.stopped = False
        self.stop_status = None
        self.env = dict(os.environ)
        self.env["XENSTORED_PATH"] = self.socket
        self.env["XENSTORED_RUNDIR"] = self.rundir
        self.fakexen = None
        if FAKEXEN and not UPSTREAM:
            self.env["FAKEXEN_DIR"] = os.path.join(self.rundir, "fx")

    # -- lifecycle --------------------------------------------------------
    def start(self):
        if UPSTREAM:
            self._start_upstream()
        else:
            self._start_ours()

    def _start_upstream(self):
        if not os.access(UPSTREAM_SCRIPT, os.X_OK):
            pytest.fail("XSD_UPSTREAM_SCRIPT=%s: not an executable"
                        % UPSTREAM_SCRIPT)
        env = dict(os.environ)
        env.pop("XENSTORED_PATH", None)
        r = subprocess.run([UPSTREAM_SCRIPT, self.rundir, "-T", self.trace],
                           env=env, capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0 or not r.stdout.strip().isdigit():
            pytest.fail("run-upstream.sh failed (%d): %s %s" %
                        (r.returncode, r.stdout, r.stderr))
        self.pid = int(r.stdout.strip())
        self.stderr_path = self.stdout_path  # script merges both
        self._wait_ready()

    def _start_ours(self):
        binary = _binary()
        if not os.access(binary, os.X_OK):
            pytest.fail("xenstored binary %s not found or not executable "
                        "(run `make` at the top, or set XSD_BINARY)" % binary)
        env = dict(os.environ)
        env.pop("XENSTORED_PATH", None)
        env["XENSTORED_RUNDIR"] = self.rundir
        cmd = WRAPPER + [binary, "-N", "-T", self.trace]
        if FAKEXEN:
            self.fakexen = FakeXen(self.env["FAKEXEN_DIR"])
            env["FAKEXEN_DIR"] = self.fakexen.dir
            env["LD_PRELOAD"] = self.fakexen.lib
            # an ASan build: the preloaded fake comes before its runtime
            env["ASAN_OPTIONS"] = ":".join(
                o for o in (env.get("ASAN_OPTIONS"),
                            "verify_asan_link_order=0") if o)
            cmd += ["--backend", "xen"]
        with open(self.stdout_path, "wb") as out, \
                open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err,
                                         start_new_session=True)
        self.pid = self.proc.pid
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                pytest.fail("xenstored died during startup (status %s); "
                            "stderr:\n%s" % (self.exit_status(),
                                             self.stderr_text()))
            try:
                connect_unix(self.socket, 1.0).close()
                return
            except OSError as e:
                last = e
            time.sleep(0.02)
        self.kill()
        pytest.fail("xenstored socket %s not ready after %.0fs (%s); "
                    "stderr:\n%s" % (self.socket, START_TIMEOUT, last,
                                     self.stderr_text()))

    def alive(self):
        if self.proc is not None:
            return self.proc.poll() is None
        return self.pid is not None and _pid_alive(self.pid)

    def exit_status(self):
        return None if self.proc is None else self.proc.poll()

    def _killpg(self):
        # the daemon runs in its own session: take its children along
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait(10)

    def kill(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self._killpg()
        elif self.pid is not None and _pid_alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)

    def stop(self, close_clients=True):
        """SIGTERM the daemon (once); for our daemon return the exit
        status, None if it did not exit in time (it is killed then)."""
        if self.stopped:
            return self.stop_status
        if close_clients:
            for c in self.clients:
                c.close()
            self.clients = []
        status = self._stop()
        self.stopped, self.stop_status = True, status
        for c in self.clients:
            c.close()
        self.clients = []
        return status

    def _stop(self):
        if self.proc is not None:
            if self.proc.poll() is not None:
                return self.proc.returncode
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._killpg()
                return None
        if self.pid is not None and _pid_alive(self.pid):
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while _pid_alive(self.pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if _pid_alive(self.pid):
                os.kill(self.pid, signal.SIGKILL)
        return 0

    def cleanup(self):
        if self.fakexen is not None:
            self.fakexen.stop()
        if not os.environ.get("XSD_KEEP_RUNDIR"):
            shutil.rmtree(self.rundir, ignore_errors=True)

    # -- diagnostics ------------------------------------------------------
    def freeze_logs(self):
        """Keep the log tails in memory (the rundir is about to go away)."""
        self._frozen = (self.stderr_text(), self.trace_text())

    def stderr_text(self):
        if getattr(self, "_frozen", None):
            return self._frozen[0]
        out = _tail(self.stderr_path)
        if self.stdout_path != self.stderr_path:
            out += "\n--- stdout ---\n" + _tail(self.stdout_path)
        return out

    def trace_text(self, lines=80):
        if getattr(self, "_frozen", None):
            return self._frozen[1]
        return _tail(self.trace, lines)

    # -- clients ----------------------------------------------------------
    def client(self, timeout=IO_TIMEOUT):
        """A new raw-protocol connection, closed at teardown."""
        c = XsRaw(self.socket, timeout)
        self.clients.append(c)
        return c

    def run(self, argv, timeout=IO_TIMEOUT * 2, input=None, check=False):
        """Run an external client with XENSTORED_PATH set."""
        r = subprocess.run(argv, env=self.env, capture_output=True,
                           timeout=timeout, input=input,
                           stdin=None if input is not None else subprocess.DEVNULL)
        if check:
            assert r.returncode == 0, "%s failed (%d): stdout=%r stderr=%r" % (
                argv, r.returncode, r.stdout, r.stderr)
        return r

    def health_check(self):
        """The daemon is alive and serves a brand new client."""
        assert self.alive(), "xenstored died (status %s); stderr:\n%s" % (
            self.exit_status(), self.stderr_text())
        c = XsRaw(self.socket, IO_TIMEOUT)
        try:
            c.directory("/")
            c.write("/xsd-health-check", b"alive")
            assert c.read("/xsd-health-check") == b"alive"
            c.rm("/xsd-health-check")
            with raises_xs("ENOENT"):
                c.read("/xsd-health-check")
        finally:
            c.close()


# ---------------------------------------------------------------------------
# pytest plumbing
# ---------------------------------------------------------------------------
def pytest_configure(config):
    if UPSTREAM and not UPSTREAM_SCRIPT:
        raise pytest.UsageError(
            "XSD_UNDER_TEST=upstream needs XSD_UPSTREAM_SCRIPT, the script "
            "that starts upstream's xenstored (tests/integration/README.md)")
    config.addinivalue_line(
        "markers", "ours_only(reason): needs a feature upstream 4.17 lacks; "
        "skipped when XSD_UNDER_TEST=upstream")
    config.addinivalue_line(
        "markers", "upstream_differs(reason): upstream 4.17 deviates from the "
        "spec here; expected to fail (strict xfail) under XSD_UNDER_TEST=upstream")


def pytest_report_header(config):
    if UPSTREAM:
        what = "upstream 4.17 xenstored via %s" % UPSTREAM_SCRIPT
    else:
        what = " ".join(WRAPPER + [_binary()])
    if FAKEXEN:
        what += " --backend xen under tests/fakexen"
    return ["xenstored under test: %s" % what]


def pytest_collection_modifyitems(config, items):
    if not UPSTREAM:
        return
    for item in items:
        m = item.get_closest_marker("ours_only")
        if m is not None:
            reason = m.args[0] if m.args else "not in upstream 4.17"
            item.add_marker(pytest.mark.skip(reason="ours_only: " + reason))
        m = item.get_closest_marker("upstream_differs")
        if m is not None:
            reason = m.args[0] if m.args else "upstream deviates"
            item.add_marker(pytest.mark.xfail(
                strict=True, reason="upstream 4.17 differs: " + reason))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and not getattr(rep, "wasxfail", None):
        d = getattr(item, "_xsd_daemon", None)
        if d is not None:
            rep.sections.append(("xenstored trace (tail)", d.trace_text()))
            rep.sections.append(("xenstored stderr (tail)", d.stderr_text()))


class XsdTestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _test_timeout():
    """Hard per-test wall clock limit, so a hung daemon fails the test."""
    def handler(signum, frame):
        raise XsdTestTimeout("test exceeded %ds (XSD_TEST_TIMEOUT)" % TEST_TIMEOUT)
    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def xsd(request, _test_timeout):
    """A freshly started daemon for this test.

    At teardown: the daemon must still be alive and serve a new client;
    then it gets SIGTERM and (our daemon) must exit 0 within the limit.
    """
    d = Daemon()
    request.node._xsd_daemon = d
    try:
        d.start()
        yield d
        if not d.stopped:           # a test may stop the daemon itself
            d.health_check()
    finally:
        signal.alarm(0)             # stopping has its own time limit
        status = d.stop()
        failed_stop = None
        if not UPSTREAM:
            if status is None:
                failed_stop = "xenstored did not exit within %.0fs of SIGTERM" \
                    % STOP_TIMEOUT
            elif status != 0:
                failed_stop = "xenstored exited with status %s after SIGTERM%s" % (
                    status, " (valgrind errors?)" if WRAPPER else "")
        d.freeze_logs()
        d.cleanup()
        if failed_stop:
            pytest.fail(failed_stop + "; stderr:\n" + d.stderr_text())


@pytest.fixture
def xs(xsd):
    """A raw-protocol client connected to the test's daemon."""
    return xsd.client()


@pytest.fixture
def pyxs_client(xsd):
    import pyxs
    c = pyxs.Client(unix_socket_path=xsd.socket)
    c.connect()
    yield c
    c.tx_id = 0
    c.close()
