# SPDX-License-Identifier: GPL-2.0-or-later
"""Basic operations through python3-pyxs (and the raw client where the
exact bytes matter: pyxs strips trailing NULs from replies and refuses
bytes above 0x7f)."""

import errno

import pytest
from pyxs.exceptions import PyXSError

from conftest import (XS_GET_DOMAIN_PATH, XS_GET_PERMS, XS_IS_DOMAIN_INTRODUCED,
                      XS_MKDIR, XS_READ, XS_RM, XS_SET_PERMS, XS_WRITE,
                      XS_DIRECTORY, raises_xs)


def pyxs_errno(fn, *args):
    with pytest.raises(PyXSError) as ei:
        fn(*args)
    return ei.value.args[0]


# -- READ / WRITE ----------------------------------------------------------
def test_write_read_roundtrip(pyxs_client):
    c = pyxs_client
    c.write(b"/py/a", b"value")
    assert c.read(b"/py/a") == b"value"
    c.write(b"/py/a", b"other")
    assert c.read(b"/py/a") == b"other"
    c.write(b"/py/a", b"")
    assert c.read(b"/py/a") == b""


def test_binary_value_with_nul_bytes(pyxs_client, xs):
    value = b"\x00a\x00\x00b \x7fc"  # pyxs allows NUL and 0x20..0x7f only
    pyxs_client.write(b"/py/bin", value)
    assert pyxs_client.read(b"/py/bin") == value
    # byte-exact on the wire, trailing NULs included
    assert xs.read("/py/bin") == value
    xs.write("/py/bin2", b"abc\x00\x00")
    assert xs.read("/py/bin2") == b"abc\x00\x00"
    xs.write("/py/nul", b"\x00")
    assert xs.read("/py/nul") == b"\x00"


def test_all_byte_values(xs):
    value = bytes(range(256)) * 3
    xs.write("/py/bytes", value)
    assert xs.read("/py/bytes") == value


def test_value_filling_the_whole_payload(xs):
    # WRITE payload = "/py/big\0" + value = exactly 4096 bytes
    value = bytes((0x41 + i % 26 for i in range(4096 - len(b"/py/big\0"))))
    xs.write("/py/big", value)
    assert xs.read("/py/big") == value


def test_write_creates_parents_with_empty_values(pyxs_client):
    c = pyxs_client
    c.write(b"/py/x/y/z", b"leaf")
    assert c.read(b"/py/x") == b""
    assert c.read(b"/py/x/y") == b""
    assert c.list(b"/py/x") == [b"y"]
    assert c.list(b"/py/x/y") == [b"z"]


def test_read_missing_is_enoent(pyxs_client, xs):
    assert pyxs_errno(pyxs_client.read, b"/py/missing") == errno.ENOENT
    assert pyxs_client.read(b"/py/missing", b"dflt") == b"dflt"
    with raises_xs("ENOENT"):
        xs.read("/py/missing/deeper")


def test_write_reply_is_ok_nul(xs):
    m = xs.request(XS_WRITE, b"/py/ok\0v")
    assert m.type == XS_WRITE and m.payload == b"OK\0"


def test_root_value(xs):
    assert xs.read("/") == b""
    assert xs.exists("/")


# -- MKDIR -----------------------------------------------------------------
def test_mkdir_creates_parents(pyxs_client):
    c = pyxs_client
    c.mkdir(b"/py/m/n/o")
    assert c.read(b"/py/m/n/o") == b""
    assert c.list(b"/py/m/n") == [b"o"]
    assert c.list(b"/py/m/n/o") == []


def test_mkdir_keeps_existing_value(pyxs_client):
    c = pyxs_client
    c.write(b"/py/keep", b"precious")
    c.write(b"/py/keep/child", b"kid")
    c.mkdir(b"/py/keep")
    assert c.read(b"/py/keep") == b"precious"
    c.mkdir(b"/py/keep/child")
    assert c.read(b"/py/keep/child") == b"kid"
    c.mkdir(b"/py/keep/child/new")
    assert c.read(b"/py/keep") == b"precious"
    assert c.read(b"/py/keep/child") == b"kid"
    assert c.list(b"/py/keep/child") == [b"new"]


def test_mkdir_reply_is_ok_nul(xs):
    m = xs.request(XS_MKDIR, b"/py/mk\0")
    assert m.type == XS_MKDIR and m.payload == b"OK\0"


# -- RM ------------------------------------------------------------------
def test_rm_recursive(pyxs_client):
    c = pyxs_client
    c.write(b"/py/r/a/b", b"1")
    c.write(b"/py/r/c", b"2")
    c.delete(b"/py/r")
    assert not c.exists(b"/py/r")
    assert not c.exists(b"/py/r/a/b")
    assert pyxs_errno(c.read, b"/py/r/c") == errno.ENOENT


def test_rm_missing_node_ok_missing_parent_enoent(pyxs_client, xs):
    c = pyxs_client
    c.write(b"/py/p", b"")
    c.delete(b"/py/p/missing")                     # parent exists: fine
    assert pyxs_errno(c.delete, b"/py/nope/missing") == errno.ENOENT
    with raises_xs("ENOENT"):
        xs.rm("/py/nope/missing")
    m = xs.request(XS_RM, b"/py/p/missing\0")
    assert m.type == XS_RM and m.payload == b"OK\0"


def test_rm_root_is_einval(xs):
    xs.write("/py/survivor", "x")
    with raises_xs("EINVAL"):
        xs.rm("/")
    assert xs.read("/py/survivor") == b"x"


# -- permissions -----------------------------------------------------------
def test_default_perms_of_new_node(pyxs_client, xs):
    pyxs_client.write(b"/py/perm", b"")
    assert pyxs_client.get_perms(b"/py/perm") == [b"n0"]
    assert xs.call(XS_GET_PERMS, "/py/perm") == b"n0\0"


def test_set_get_perms_roundtrip(pyxs_client, xs):
    c = pyxs_client
    c.write(b"/py/perm", b"v")
    c.set_perms(b"/py/perm", [b"n0", b"r5", b"b1", b"w2"])
    assert c.get_perms(b"/py/perm") == [b"n0", b"r5", b"b1", b"w2"]
    assert xs.call(XS_GET_PERMS, "/py/perm") == b"n0\0r5\0b1\0w2\0"
    c.set_perms(b"/py/perm", [b"b0"])
    assert c.get_perms(b"/py/perm") == [b"b0"]
    c.set_perms(b"/py/perm", [b"r0", b"n65535"])
    assert xs.call(XS_GET_PERMS, "/py/perm") == b"r0\0n65535\0"
    assert c.read(b"/py/perm") == b"v"          # value untouched


def test_new_child_inherits_parent_perms(pyxs_client):
    c = pyxs_client
    c.write(b"/py/inh", b"")
    c.set_perms(b"/py/inh", [b"n0", b"r3", b"w4"])
    c.write(b"/py/inh/kid/grandkid", b"")
    assert c.get_perms(b"/py/inh/kid") == [b"n0", b"r3", b"w4"]
    assert c.get_perms(b"/py/inh/kid/grandkid") == [b"n0", b"r3", b"w4"]


def test_perms_errors(xs):
    xs.write("/py/perm", "")
    with raises_xs("ENOENT"):
        xs.get_perms("/py/missing")
    with raises_xs("ENOENT"):
        xs.set_perms("/py/missing", ["n0"])
    with raises_xs("EINVAL"):
        xs.set_perms("/py/perm", ["x5"])              # unknown letter
    with raises_xs("EINVAL"):
        xs.set_perms("/py/perm", ["r"])               # no domid
    with raises_xs("EINVAL"):
        xs.set_perms("/py/perm", ["rabc"])            # not a number
    with raises_xs("EINVAL"):
        xs.call(XS_SET_PERMS, "/py/perm")             # no perms at all
    with raises_xs("EINVAL"):
        xs.call(XS_SET_PERMS, raw=b"/py/perm\0\0")    # empty perm string
    assert xs.get_perms("/py/perm") == [b"n0"]


# -- misc ------------------------------------------------------------------
def test_get_domain_path(pyxs_client, xs):
    assert pyxs_client.get_domain_path(0) == b"/local/domain/0"
    assert xs.call(XS_GET_DOMAIN_PATH, "0") == b"/local/domain/0\0"
    assert xs.call(XS_GET_DOMAIN_PATH, "7") == b"/local/domain/7\0"
    assert xs.call(XS_GET_DOMAIN_PATH, "65535") == b"/local/domain/65535\0"


def test_is_domain_introduced_dom0(xs):
    assert xs.call(XS_IS_DOMAIN_INTRODUCED, "0") == b"T\0"


def test_relative_paths_resolve_to_local_domain_0(xs):
    """Socket clients are dom0: relative paths are under /local/domain/0
    (upstream behaviour; test-xenstore relies on it)."""
    xs.write("relnode/x", "rel")
    assert xs.read("/local/domain/0/relnode/x") == b"rel"
    assert xs.read("relnode/x") == b"rel"
    assert xs.directory("relnode") == [b"x"]
    assert b"relnode" in xs.directory("/local/domain/0")
    xs.rm("relnode")
    with raises_xs("ENOENT"):
        xs.read("/local/domain/0/relnode")


def test_exists_and_list(pyxs_client):
    c = pyxs_client
    c.write(b"/py/e/a", b"")
    assert c.exists(b"/py/e")
    assert c.exists(b"/py/e/a")
    assert not c.exists(b"/py/e/b")
    assert c.list(b"/py/e") == [b"a"]
    assert c.list(b"/py/e/a") == []


def test_walk(pyxs_client):
    c = pyxs_client
    c.write(b"/py/w/a", b"1")
    c.write(b"/py/w/b/c", b"2")
    assert list(c.walk(b"/py/w")) == [
        (b"/py/w", b"", [b"a", b"b"]),
        (b"/py/w/a", b"1", []),
        (b"/py/w/b", b"", [b"c"]),
        (b"/py/w/b/c", b"2", []),
    ]


def test_error_replies_are_exact_abi_names(xs):
    """ERROR replies carry exactly "<NAME>\\0" from the xs_wire.h table,
    with req_id and tx_id echoed (XsRaw.call checks all of that)."""
    cases = [
        (XS_READ, b"/py/nope\0", "ENOENT"),
        (XS_READ, b"/py/bad path\0", "EINVAL"),
        (XS_DIRECTORY, b"/py/nope\0", "ENOENT"),
        (999, b"", "ENOSYS"),
    ]
    for type_, payload, name in cases:
        m = xs.request(type_, payload, req_id=0x12345678)
        assert (m.type, m.req_id, m.tx_id, m.payload) == \
            (16, 0x12345678, 0, name.encode() + b"\0")
