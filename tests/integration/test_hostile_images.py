# SPDX-License-Identifier: GPL-2.0-or-later
"""Crafted state images with valid CRCs (issue 9, item 6 and the reader
gaps): the real tool (`xs-state verify`) and the real daemon
(`--restore`) refuse every value the daemon could not hold, and accept
the largest ones it can.

Images start as genuine dumps of a running daemon; records are then
edited, the image re-assembled and its END CRC computed again, so only
the edited value is wrong (docs/xs-state-format.md).
"""

import os
import struct
import subprocess

import pytest

import conftest
from conftest import IO_TIMEOUT, XS_CONTROL
from test_state_roundtrip import dump, restored, tool  # noqa: F401

pytestmark = pytest.mark.ours_only("the state image is ours")

HEADER = 64
T_END, T_NODE, T_SPECIAL = 0, 1, 0x0b


def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff


assert crc32c(b"123456789") == 0xe3069283


def records(data):
    """[(type, body)] of a little-endian image, END excluded."""
    out, off = [], HEADER
    while True:
        t, ln = struct.unpack_from("<II", data, off)
        body = data[off + 8:off + 8 + ln]
        off += 8 + ln + (-ln % 8)
        if t == T_END:
            return out
        out.append((t, body))


def assemble(header, recs, crc=None, pad=b"\0"):
    img = bytearray(header)
    for t, body in recs:
        img += struct.pack("<II", t, len(body)) + body
        img += pad * (-len(body) % 8)
    c = crc32c(img) if crc is None else crc
    img += struct.pack("<IIII", T_END, 8, c, 0)
    return bytes(img)


def node(path, perms, value=b"", gen=1):
    p = path.encode() + b"\0"
    return (T_NODE, struct.pack("<QIIII", gen, len(p), len(perms),
                                len(value), 0) +
            b"".join(struct.pack("<II", d, a) for d, a in perms) + p + value)


def special(path, perms):
    p = path.encode() + b"\0"
    return (T_SPECIAL, struct.pack("<II", len(p), len(perms)) +
            b"".join(struct.pack("<II", d, a) for d, a in perms) + p)


@pytest.fixture
def genuine(xsd, xs, tmp_path):
    xs.write("/crafted", "v")
    data = open(dump(xs, str(tmp_path / "genuine.xss")), "rb").read()
    assert data[12:16] == b"\0\0\0\0", "expected a little-endian image"
    return data


def restore_fails(tmp_path, image):
    env = dict(os.environ)
    env.pop("XENSTORED_PATH", None)
    env["XENSTORED_RUNDIR"] = str(tmp_path / "run")
    r = subprocess.run(conftest.WRAPPER + [conftest._binary(), "-N",
                                           "--restore", image],
                       env=env, capture_output=True, text=True,
                       timeout=IO_TIMEOUT * 4)
    return r


def check_refused(tmp_path, data, why):
    bad = tmp_path / "crafted.xss"
    bad.write_bytes(data)
    v = tool("verify", str(bad))
    assert v.returncode != 0, v.stdout
    assert why in v.stderr + v.stdout, v.stderr
    r = restore_fails(tmp_path, str(bad))
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert why in r.stderr, r.stderr


def test_crafted_round_trip_is_valid(genuine, tmp_path):
    """The crafting itself changes nothing: re-assembled, it verifies."""
    img = tmp_path / "same.xss"
    img.write_bytes(assemble(genuine[:HEADER], records(genuine)))
    v = tool("verify", str(img))
    assert v.returncode == 0, v.stderr


def test_huge_domids_in_node_perms(genuine, tmp_path):
    recs = [r if r[0] != T_NODE or b"/crafted\0" not in r[1] else
            node("/crafted", [(0, 3)] + [(4000000000 + i, 1)
                                         for i in range(200)], b"v",
                 struct.unpack_from("<Q", r[1])[0])
            for r in records(genuine)]
    check_refused(tmp_path, assemble(genuine[:HEADER], recs),
                  "domain 4000000000 is over 65535")


def test_huge_domids_in_special_perms(genuine, tmp_path):
    recs = [r if r[0] != T_SPECIAL else
            special("@releaseDomain", [(0, 0)] + [(4294967295, 1)] * 100)
            for r in records(genuine)]
    assert any(r[0] == T_SPECIAL for r in recs)
    check_refused(tmp_path, assemble(genuine[:HEADER], recs),
                  "domain 4294967295 is over 65535")


def test_largest_domid_restores(genuine, tmp_path, restored):
    """65535 is a domid permission strings can name: accepted, and
    GET_PERMS of the restored node answers it byte for byte."""
    recs = [r if r[0] != T_NODE or b"/crafted\0" not in r[1] else
            node("/crafted", [(0, 3)] + [(65535, 1)] * 200, b"v",
                 struct.unpack_from("<Q", r[1])[0])
            for r in records(genuine)]
    img = tmp_path / "big.xss"
    img.write_bytes(assemble(genuine[:HEADER], recs))
    assert tool("verify", str(img)).returncode == 0
    d = restored(str(img))
    c = d.client()
    assert c.call(conftest.XS_GET_PERMS, "/crafted") == \
        b"b0\0" + b"r65535\0" * 200


def test_zero_crc_is_checked(genuine, tmp_path):
    data = assemble(genuine[:HEADER], records(genuine), crc=0)
    check_refused(tmp_path, data, "CRC mismatch: END says 0x00000000")


def test_padding_must_be_zero(genuine, tmp_path):
    """The reader skips padding only when it is zero."""
    recs = records(genuine)
    assert any(len(b) % 8 for _, b in recs)
    check_refused(tmp_path, assemble(genuine[:HEADER], recs, pad=b"\1"),
                  "padding")


def test_record_length_bound(genuine, tmp_path):
    """A length beyond the largest record is refused before anything is
    read into memory for it."""
    data = bytearray(genuine[:HEADER])
    data += struct.pack("<II", T_NODE, 64 * 1024 * 1024 + 65)
    data += b"\0" * 64
    check_refused(tmp_path, bytes(data), "maximum record length")
