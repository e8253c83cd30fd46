# SPDX-License-Identifier: GPL-2.0-or-later
"""Path validation: characters, slashes, empty path, length limit."""

import pytest

from conftest import (ABS_PATH_MAX, XS_DIRECTORY, XS_GET_PERMS, XS_MKDIR,
                      XS_READ, XS_RM, XS_SET_PERMS, XS_WRITE, raises_xs)

BAD_PATHS = [
    "",                 # empty
    "/a b",             # space
    "/a.b",
    "/a!b",
    "/a~b",
    "/a:b",
    "/a*",
    "/a\tb",
    "/a\x7fb",
    "/a\xe9b",          # UTF-8 bytes
    "/a\\b",
    "//",
    "//a",
    "/a//b",
    "/a/",
    "/a/b/",
]


def _ops(path):
    p = path.encode() if isinstance(path, str) else path
    return [
        (XS_READ, p + b"\0"),
        (XS_WRITE, p + b"\0value"),
        (XS_MKDIR, p + b"\0"),
        (XS_RM, p + b"\0"),
        (XS_DIRECTORY, p + b"\0"),
        (XS_GET_PERMS, p + b"\0"),
        (XS_SET_PERMS, p + b"\0n0\0"),
    ]


@pytest.mark.parametrize("path", BAD_PATHS, ids=lambda p: repr(p))
def test_invalid_path_einval(xs, path):
    for type_, payload in _ops(path):
        with raises_xs("EINVAL"):
            xs.call(type_, raw=payload)


def test_invalid_paths_create_nothing(xs):
    before = xs.directory("/")
    for path in ("/a b", "/a/", "/x//y"):
        with raises_xs("EINVAL"):
            xs.write(path, "v")
    assert xs.directory("/") == before


def test_all_allowed_characters(xs):
    name = "/ABCXYZabcxyz0189-_@"
    xs.write(name + "/" + "-", "1")
    xs.write("/@/_", "2")
    assert xs.read(name + "/-") == b"1"
    assert xs.read("/@/_") == b"2"
    assert xs.directory(name) == [b"-"]


def _path_of_len(n, prefix="/long/"):
    """An absolute path of exactly n bytes, made of 100-byte components."""
    out = prefix
    i = 0
    while len(out) < n:
        comp = ("c%d-" % i) + "x" * 100
        room = n - len(out)
        if room <= len(comp) + 1:
            out += "y" * room
            break
        out += comp[:99] + "/"
        i += 1
    assert len(out) == n and "//" not in out and not out.endswith("/")
    return out


def test_path_over_limit_einval(xs):
    for n in (ABS_PATH_MAX + 1, ABS_PATH_MAX + 2, 4000):
        p = _path_of_len(n)
        with raises_xs("EINVAL"):
            xs.write(p, "v")
        with raises_xs("EINVAL"):
            xs.read(p)
        with raises_xs("EINVAL"):
            xs.mkdir(p)
    p = "/" + "z" * ABS_PATH_MAX             # one component, 3073 bytes
    with raises_xs("EINVAL"):
        xs.write(p, "v")
    with raises_xs("ENOENT"):
        xs.read("/long")                     # nothing was created


@pytest.mark.upstream_differs(
    "4.17 limits paths to its path-max quota (2048 bytes; under "
    "/local/domain/<id>/ 2048 after that prefix), not to 3072")
def test_path_at_limit_works(xs):
    p = _path_of_len(ABS_PATH_MAX)
    xs.write(p, "at-limit")
    assert xs.read(p) == b"at-limit"
    parent, leaf = p.rsplit("/", 1)
    assert xs.directory(parent) == [leaf.encode()]
    xs.rm(p)
    with raises_xs("ENOENT"):
        xs.read(p)
    xs.mkdir(p)
    assert xs.read(p) == b""
    q = "/" + "z" * (ABS_PATH_MAX - 1)       # one component
    xs.write(q, "single")
    assert xs.read(q) == b"single"


@pytest.mark.upstream_differs("4.17 rejects absolute paths above 2048 bytes")
def test_path_between_2048_and_3072_works(xs):
    for n in (2049, 2500, 3071):
        p = _path_of_len(n)
        xs.write(p, str(n))
        assert xs.read(p) == str(n).encode()


def test_path_of_2048_works(xs):
    p = _path_of_len(2048)
    xs.write(p, "ok")
    assert xs.read(p) == b"ok"
