# SPDX-License-Identifier: GPL-2.0-or-later
"""CONTROL (via Xen's xenstore-control and raw) and GET/SET_QUOTA,
GET_FEATURE (raw).

xenstore-control exit codes: 0 ok (prints the reply if non-empty), 3 when
the daemon answered an error; on EINVAL it fetches "help" and prints
"Command not supported. Valid commands are:" + the help text on stderr.
"""

import os
import re

import pytest

from conftest import (XENSTORE_CONTROL, XS_CONTROL, XS_GET_FEATURE,
                      XS_GET_QUOTA, XS_SET_QUOTA, XS_ERROR, XS_WATCH, raises_xs)

REQUIRED_CMDS = {"check", "log", "memreport", "print", "quota", "help"}
# The spec's quota names are "nodes", "watches", "transactions", "node-size"
# and "permissions" (upstream master calls the last one "node-permissions";
# it is checked on its own in test_quota_name_permissions_per_spec).
QUOTA_NAMES = ("nodes", "watches", "transactions", "node-size")


@pytest.fixture
def ctl(xsd):
    if not XENSTORE_CONTROL:
        pytest.fail("xenstore-control not found (xen-utils-4.17 installed?)")

    def run(*args):
        return xsd.run([XENSTORE_CONTROL] + list(args))
    return run


def help_commands(text):
    """Command names: the first word of each line (the help format is
    implementation specific; upstream uses "<cmd>\\t<args>")."""
    return {m.group(1) for m in
            re.finditer(r"^([a-z][a-z-]*)(?:[ \t]|$)", text, re.M)}


def test_help_lists_commands(ctl):
    r = ctl("help")
    assert r.returncode == 0, r.stderr
    cmds = help_commands(r.stdout.decode())
    assert REQUIRED_CMDS <= cmds, "missing: %s" % (REQUIRED_CMDS - cmds)


def test_help_raw(xs):
    p = xs.call(XS_CONTROL, "help")
    assert p.endswith(b"\0") and p.count(b"\0") == 1
    assert REQUIRED_CMDS <= help_commands(p[:-1].decode())


def test_check(ctl, xs):
    xs.write("/some/data", "x")
    r = ctl("check")
    assert (r.returncode, r.stdout) == (0, b"OK\n"), r.stderr
    assert xs.call(XS_CONTROL, "check") == b"OK\0"


def test_print(ctl, xs):
    r = ctl("print", "hello from the test suite")
    assert (r.returncode, r.stdout) == (0, b"OK\n"), r.stderr
    assert xs.call(XS_CONTROL, "print", "raw hello") == b"OK\0"


def test_log_on_off(ctl):
    for arg in ("off", "on"):
        r = ctl("log", arg)
        assert (r.returncode, r.stdout) == (0, b"OK\n"), r.stderr


@pytest.mark.upstream_differs("4.17 answers EINVAL to 'log' without "
                              "parameters; the spec shows the log switches")
def test_log_without_parameters_shows_switches(ctl):
    r = ctl("log")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() != b""


def test_log_bad_parameter(ctl):
    r = ctl("log", "sideways")
    assert r.returncode == 3
    assert b"Command not supported" in r.stderr


def test_quota_shows_settings(ctl):
    r = ctl("quota")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    for name in QUOTA_NAMES + ("(node-)?permissions",):
        assert re.search(r"^%s(?![\w-])" % name, out, re.M), \
            "quota %r not shown in:\n%s" % (name, out)


def test_quota_set(ctl):
    r = ctl("quota", "set", "nodes", "2345")
    assert (r.returncode, r.stdout) == (0, b"OK\n"), r.stderr
    out = ctl("quota").stdout.decode()
    assert re.search(r"^nodes\b[^\n]*\b2345\b", out, re.M), out
    r = ctl("quota", "set", "no-such-quota", "5")
    assert r.returncode == 3


def test_quota_of_dom0(ctl):
    r = ctl("quota", "0")
    assert r.returncode == 0, r.stderr
    assert re.search(rb"\bnodes\b", r.stdout), r.stdout


def test_memreport_to_logfile(ctl, xsd):
    """Without a file name the statistics go to the log file (the daemon
    runs with -T <rundir>/trace); the reply is just OK."""
    r = ctl("memreport")
    assert (r.returncode, r.stdout) == (0, b"OK\n"), r.stderr


def test_memreport_to_file(ctl, xsd):
    path = os.path.join(xsd.rundir, "memreport.txt")
    r = ctl("memreport", path)
    assert (r.returncode, r.stdout) == (0, b"OK\n"), r.stderr
    assert os.path.getsize(path) > 0


def test_unknown_command_shows_help(ctl, xs):
    r = ctl("no-such-command")
    assert r.returncode == 3
    assert r.stderr.startswith(b"Command not supported. Valid commands are:\n")
    assert REQUIRED_CMDS <= help_commands(r.stderr.decode())
    with raises_xs("EINVAL"):
        xs.call(XS_CONTROL, "no-such-command")


def test_control_malformed(xs):
    with raises_xs("EINVAL"):
        xs.call(XS_CONTROL, raw=b"")
    with raises_xs("EINVAL"):
        xs.call(XS_CONTROL, raw=b"help")        # not NUL-terminated
    m = xs.request(XS_CONTROL, b"check\0", req_id=0xC0FFEE)
    assert (m.type, m.req_id, m.payload) == (XS_CONTROL, 0xC0FFEE, b"OK\0")


# -- GET_QUOTA / SET_QUOTA (types 25/26, Xen 4.18+) -----------------------------
def _decimal(p):
    assert p.endswith(b"\0") and p.count(b"\0") == 1, p
    assert p[:-1].isdigit(), p
    return int(p[:-1])


@pytest.mark.ours_only("GET_QUOTA is Xen 4.18+ (4.17: ENOSYS)")
def test_get_quota_list(xs):
    p = xs.call(XS_GET_QUOTA, raw=b"")
    assert p.endswith(b"\0") and p.count(b"\0") == 1, p
    names = p[:-1].decode().split(" ")
    assert "" not in names and len(names) == len(set(names)), p
    for n in QUOTA_NAMES:
        assert n in names, p


@pytest.mark.ours_only("GET_QUOTA is Xen 4.18+")
def test_quota_name_permissions_per_spec(xs):
    """xenstore.txt names the quota "permissions" (upstream master:
    "node-permissions")."""
    names = xs.call(XS_GET_QUOTA, raw=b"")[:-1].decode().split(" ")
    assert "permissions" in names, names
    _decimal(xs.call(XS_GET_QUOTA, "permissions"))
    assert xs.call(XS_SET_QUOTA, "permissions", "7") == b"OK\0"
    assert _decimal(xs.call(XS_GET_QUOTA, "permissions")) == 7


@pytest.mark.ours_only("GET_QUOTA/SET_QUOTA are Xen 4.18+")
def test_get_set_global_quota(xs):
    for n in QUOTA_NAMES:
        _decimal(xs.call(XS_GET_QUOTA, n))
    assert xs.call(XS_SET_QUOTA, "nodes", "1234") == b"OK\0"
    assert _decimal(xs.call(XS_GET_QUOTA, "nodes")) == 1234
    assert xs.call(XS_SET_QUOTA, "watches", "77") == b"OK\0"
    assert _decimal(xs.call(XS_GET_QUOTA, "watches")) == 77
    assert _decimal(xs.call(XS_GET_QUOTA, "nodes")) == 1234


@pytest.mark.ours_only("GET_QUOTA/SET_QUOTA are Xen 4.18+")
def test_get_set_domain_quota(xs):
    glob = _decimal(xs.call(XS_GET_QUOTA, "transactions"))
    _decimal(xs.call(XS_GET_QUOTA, "0", "transactions"))
    assert xs.call(XS_SET_QUOTA, "0", "transactions", "42") == b"OK\0"
    assert _decimal(xs.call(XS_GET_QUOTA, "0", "transactions")) == 42
    assert _decimal(xs.call(XS_GET_QUOTA, "transactions")) == glob


@pytest.mark.ours_only("GET_QUOTA/SET_QUOTA are Xen 4.18+")
def test_quota_errors(xs):
    with raises_xs("EINVAL"):
        xs.call(XS_GET_QUOTA, "no-such-quota")
    with raises_xs("EINVAL"):
        xs.call(XS_SET_QUOTA, "no-such-quota", "5")
    with raises_xs("EINVAL"):
        xs.call(XS_SET_QUOTA, "nodes")                 # value missing
    with raises_xs("EINVAL"):
        xs.call(XS_SET_QUOTA, raw=b"")
    with raises_xs("EINVAL"):
        xs.call(XS_GET_QUOTA, "0", "nodes", "extra")


def test_optional_types_enosys_or_supported(xs):
    """Types 23..26 are optional: either ENOSYS or a well-formed answer."""
    for type_ in (XS_GET_FEATURE, XS_GET_QUOTA):
        m = xs.request(type_, b"")
        assert m.type in (type_, XS_ERROR)
        if m.type == XS_ERROR:
            assert m.payload == b"ENOSYS\0"
        else:
            assert m.payload.endswith(b"\0")


@pytest.mark.ours_only("GET_FEATURE is Xen 4.18+")
def test_get_feature(xsd, xs):
    p = xs.call(XS_GET_FEATURE, raw=b"")
    features = _decimal(p)
    w = xsd.client()
    m = w.request(XS_WATCH, b"/feat\0t\0" + b"1\0")
    if m.type == XS_WATCH:                           # depth supported ...
        assert features & 4, "WATCHDEPTH used but not advertised"
