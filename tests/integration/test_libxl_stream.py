# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests of xs-state on libxl migration streams (docs/libxl-stream.md,
docs/xs-state.1.md): embed, extract, dump and verify.

The streams are built here, after Xen's libxl-migration-stream and
libxc-migration-stream specs and xl's save file header; Debian's
verify-stream-v2 (xen-utils-4.17) checks that the builder makes streams
that upstream accepts, and that a stream stripped of its image is one
again.  The image is the golden tests/golden/migration.xss, and at the
end one that a daemon exports, which another imports out of the stream.
"""

import json
import os
import struct
import subprocess

import pytest

from conftest import sample
from test_xs_state_tool import TOOL, TIMEOUT, golden, read, write, run, out, err
# the migration tests' simulated guest and destination daemon
from test_migration import (XS_READ, XS_RELEASE,  # noqa: F401 (dest)
                            XS_TRANSACTION_END, busy_guest, collect, dest,
                            home, introduce, pack)

XEN_LIB = "/usr/lib/xen-4.17"
VERIFY_V2 = os.path.join(XEN_LIB, "bin", "verify-stream-v2")

IMAGE = read(golden("migration"))
IMAGE_DUMP = read(golden("migration", ".dump.txt"), "r")
XL_MAGIC = b"Xen saved domain, xl format\n \0 \r"


# ---------------------------------------------------------------------------
# building streams
# ---------------------------------------------------------------------------
def rec(rtype, body=b"", be=False):
    """A record (libxl and libxc frame them alike): type, length, body,
    zero padding to 8 octets."""
    return (struct.pack(">II" if be else "<II", rtype, len(body)) + body +
            b"\0" * (-len(body) % 8))


def libxc(pages=1, checkpoint=None, be=False):
    """A small x86 PV libxc stream: headers, PV info, STATIC_DATA_END,
    TSC info, PAGE_DATA, END.  With checkpoint (bytes of libxl records
    ending in CHECKPOINT_END), a CHECKPOINT before END, then those libxl
    records, then more libxc records."""
    e = ">" if be else "<"
    s = struct.pack(">QIIHHI", 0xffffffffffffffff, 0x58454E46, 3,
                    1 if be else 0, 0, 0)
    s += struct.pack(e + "IHHII", 1, 12, 0, 4, 17)
    s += rec(0x02, struct.pack(e + "BBHI", 8, 4, 0, 0), be)
    s += rec(0x10, b"", be)
    s += rec(0x08, struct.pack(e + "IIQII", 0, 1000000, 0, 0, 0), be)
    for pfn in range(pages):
        s += rec(0x01, struct.pack(e + "IIQ", 1, 0, pfn) +
                 bytes([pfn & 0xff]) * 4096, be)
    if checkpoint is not None:
        s += rec(0x0e, b"", be) + checkpoint
        s += rec(0x08, struct.pack(e + "IIQII", 0, 1000000, 1, 0, 0), be)
    return s + rec(0x00, b"", be)


# (No EMULATOR_XENSTORE_DATA in the streams checked by verify-stream-v2:
# Debian's Python 3 build of it compares a byte with a str and so refuses
# every non-empty one as "Data not NUL terminated".)
def emulator_context(be=False):
    return rec(3, struct.pack(">II" if be else "<II", 2, 0) +
               b"qemu upstream blob", be)


def libxl(xsd=None, pages=1, checkpoint=None, be=False, extra=b""):
    """Header, LIBXC_CONTEXT and its libxc stream, EMULATOR_CONTEXT,
    (extra records), (DOMAIN_XENSTORE_DATA), END."""
    s = struct.pack(">QII", 0x4c6962786c466d74, 2, 1 if be else 0)
    s += rec(1, b"", be) + libxc(pages, checkpoint, be)
    s += emulator_context(be) + extra
    if xsd is not None:
        s += rec(7, xsd, be)
    return s + rec(0, b"", be)


def xl(stream, config=b'{"c_info": {"name": "guest"}}', flags=3, optlen=None):
    """xl's save file header (tools/xl/xl.h): magic, byteorder,
    mandatory and optional flags, optional data length; then the optional
    data (u32 config length and the config) and the stream."""
    opt = struct.pack("<I", len(config)) + config
    return (XL_MAGIC + struct.pack("<IIII", 0x01020304, flags, 0,
                                   len(opt) if optlen is None else optlen) +
            opt + stream)


STREAMS = {
    "plain": lambda: libxl(),
    "xl": lambda: xl(libxl()),
    "xl-no-config": lambda: xl(libxl(), config=b"", flags=2),
    "no-pages": lambda: libxl(pages=0),
    # 1.2 MB: many refills of the tool's 64 KiB buffer
    "xl-many-pages": lambda: xl(libxl(pages=300)),
}


def verify_v2(data, fmt, tmp_path):
    """Debian's verify-stream-v2 on data: (returncode, output)."""
    p = write(str(tmp_path / "v2.in"), data)
    env = dict(os.environ, PYTHONPATH=os.path.join(XEN_LIB, "lib", "python"))
    r = subprocess.run([VERIFY_V2, "-v", "-f", fmt, "-i", p], env=env,
                       capture_output=True, timeout=TIMEOUT)
    return r.returncode, (r.stdout + r.stderr).decode()


@pytest.fixture(scope="module", autouse=True)
def _verifier():
    if not os.access(VERIFY_V2, os.X_OK):
        pytest.fail("%s missing: install xen-utils-4.17 (make deps)" %
                    VERIFY_V2)


def fmt_of(name):
    return "xl" if name.startswith("xl") else "libxl"


# ---------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(STREAMS))
def test_built_streams_pass_upstream_verifier(name, tmp_path):
    data = STREAMS[name]()
    rc, text = verify_v2(data, fmt_of(name), tmp_path)
    assert rc == 0, text
    assert "Libxl Record: End, length 0" in text
    p = write(str(tmp_path / "s"), data)
    r = run("verify", p)
    assert (r.returncode, err(r)) == (0, "")
    assert out(r) == "OK: libxl stream%s, 3 records, %d bytes; no " \
        "DOMAIN_XENSTORE_DATA\n" % (
            " after an xl header" if name.startswith("xl") else "",
            len(data))


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_embed_extract_strip_round_trip(name, tmp_path):
    orig = STREAMS[name]()
    s = write(str(tmp_path / "orig"), orig)
    e = str(tmp_path / "embedded")
    r = run("embed", s, golden("migration"), "-o", e)
    assert (r.returncode, out(r), err(r)) == (0, "", "")
    emb = read(e)
    # exactly one record more, right before END, padded with zeros
    end = len(orig) - 8
    assert emb == orig[:end] + rec(7, IMAGE) + orig[end:]
    r = run("verify", e)
    assert (r.returncode, err(r)) == (0, "")
    assert out(r) == (
        "OK: libxl stream%s, 4 records, %d bytes; #3 DOMAIN_XENSTORE_DATA: "
        "MIGRATION image, domid 5, 10 records, %d bytes\n" %
        (" after an xl header" if name.startswith("xl") else "", len(emb),
         len(IMAGE)))
    # upstream does not know the record (yet): it refuses the stream
    rc, text = verify_v2(emb, fmt_of(name), tmp_path)
    assert rc == 1 and "Unrecognised record type 7" in text

    img, strip = str(tmp_path / "img.xss"), str(tmp_path / "stripped")
    r = run("extract", e, "-o", img, "--strip", strip)
    assert (r.returncode, out(r), err(r)) == (0, "", "")
    assert read(img) == IMAGE
    assert read(strip) == orig
    rc, text = verify_v2(read(strip), fmt_of(name), tmp_path)
    assert rc == 0, text


def test_pipes_in_and_out(tmp_path):
    orig = xl(libxl())
    s = write(str(tmp_path / "orig"), orig)
    r = run("embed", "-", golden("migration"), input=orig)
    assert (r.returncode, err(r)) == (0, "")
    emb = r.stdout
    r = run("embed", s, "-", input=IMAGE)
    assert (r.returncode, r.stdout) == (0, emb)
    r = run("extract", "-", input=emb)
    assert (r.returncode, r.stdout, err(r)) == (0, IMAGE, "")
    img = str(tmp_path / "img")
    r = run("extract", "-", "-o", img, "--strip", "-", input=emb)
    assert (r.returncode, r.stdout, read(img)) == (0, orig, IMAGE)
    r = run("verify", "-", input=emb)
    assert (r.returncode, err(r)) == (0, "")
    assert out(r).startswith("OK: libxl stream after an xl header, 4 records")
    # an image still comes through a pipe, first octets and all
    r = run("dump", "-", input=IMAGE)
    assert (r.returncode, out(r)) == (0, IMAGE_DUMP)


def test_big_endian_stream(tmp_path):
    """A stream whose endianness bit says big-endian: records go in with
    big-endian headers (verify-stream-v2 only checks native streams)."""
    orig = libxl(be=True)
    s = write(str(tmp_path / "be"), orig)
    e = str(tmp_path / "e")
    assert run("embed", s, golden("migration"), "-o", e).returncode == 0
    assert read(e) == orig[:-8] + rec(7, IMAGE, be=True) + orig[-8:]
    r = run("dump", e)
    assert "libxl header @0x0 len 16: version 2 byte-order big-endian " \
        "options none\n" in out(r)
    strip = str(tmp_path / "s")
    assert run("extract", e, "-o", "/dev/null", "--strip",
               strip).returncode == 0
    assert read(strip) == orig


def test_checkpointed_stream(tmp_path):
    """libxc hands over to libxl at CHECKPOINT and takes the stream back
    after CHECKPOINT_END (the libxc spec's CHECKPOINT)."""
    orig = libxl(checkpoint=emulator_context() + rec(4), pages=0)
    s = write(str(tmp_path / "c"), orig)
    e = str(tmp_path / "e")
    assert run("embed", s, golden("migration"), "-o", e).returncode == 0
    r = run("dump", e)
    lines = out(r).splitlines()
    assert lines[:7] == [
        "libxl header @0x0 len 16: version 2 byte-order little-endian "
        "options none",
        "#1 @0x10 LIBXC_CONTEXT len 0:",
        "libxc @0x18 len 104: version 3 byte-order little-endian "
        "domain_type 1 page_shift 12 xen 4.17 records 4 last CHECKPOINT",
        "#2 @0x80 EMULATOR_CONTEXT len 26:",
        "#3 @0xa8 CHECKPOINT_END len 0:",
        "libxc @0xb0 len 40: continued after-checkpoint records 2 last END",
        "#4 @0xd8 EMULATOR_CONTEXT len 26:",
    ]
    strip = str(tmp_path / "s")
    assert run("extract", e, "-o", "/dev/null", "--strip",
               strip).returncode == 0
    assert read(strip) == orig


def test_extract_is_opaque_and_takes_large_bodies(tmp_path):
    """extract copies the body as it is, whatever it holds, and a body
    larger than the steps in which the tool grows its copy comes out
    whole; verify then says what is wrong with it."""
    body = bytes(range(256)) * (3 * 4096 + 7)       # 3 MiB and a bit
    orig = libxl()
    p = write(str(tmp_path / "s"), orig[:-8] + rec(7, body) + orig[-8:])
    img, strip = str(tmp_path / "img"), str(tmp_path / "strip")
    r = run("extract", p, "-o", img, "--strip", strip)
    assert (r.returncode, err(r)) == (0, "")
    assert read(img) == body and read(strip) == orig
    r = run("verify", p)
    assert r.returncode == 1
    assert err(r) == ("xs-state: %s #3 (DOMAIN_XENSTORE_DATA): header: bad "
                      "ident \"\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07\", "
                      "not \"xs-state\"\n" % p)


def test_other_records_pass(tmp_path):
    """An optional record and an emulator's xenstore keys go through
    untouched."""
    keys = rec(2, struct.pack("<II", 2, 0) + b"k\0v\0")
    orig = libxl(extra=keys + rec(0x80000001, b"optional!"))
    s = write(str(tmp_path / "o"), orig)
    r = run("dump", s)
    assert "#3 @0x10c0 EMULATOR_XENSTORE_DATA len 12:\n" \
        "#4 @0x10d8 OPTIONAL len 9: type_id 0x80000001\n" in out(r)
    e = str(tmp_path / "e")
    assert run("embed", s, golden("migration"), "-o", e).returncode == 0
    assert read(e) == orig[:-8] + rec(7, IMAGE) + orig[-8:]
    strip = str(tmp_path / "s")
    assert run("extract", e, "-o", "/dev/null", "--strip",
               strip).returncode == 0
    assert read(strip) == orig


# ---------------------------------------------------------------------------
# dump
# ---------------------------------------------------------------------------
def test_dump_text(tmp_path):
    cfg = b'{"c_info": {"name": "guest"}}'
    p = write(str(tmp_path / "s"), xl(libxl(xsd=IMAGE), config=cfg))
    hl = 48 + 4 + len(cfg)          # 0x51: the libxl header is unaligned
    r = run("dump", p)
    assert (r.returncode, err(r)) == (0, "")
    expect = (
        "xl header @0x0 len %d: byte-order little-endian mandatory_flags "
        "JSON|STREAMv2 optional_flags none optional_data_len %d "
        "config_len %d\n" % (hl, 4 + len(cfg), len(cfg)) +
        "libxl header @0x%x len 16: version 2 byte-order little-endian "
        "options none\n" % hl +
        "#1 @0x%x LIBXC_CONTEXT len 0:\n" % (hl + 16) +
        "libxc @0x%x len 4224: version 3 byte-order little-endian "
        "domain_type 1 page_shift 12 xen 4.17 records 5 last END\n" %
        (hl + 24) +
        "#2 @0x%x EMULATOR_CONTEXT len 26:\n" % (hl + 24 + 4224) +
        "#3 @0x%x DOMAIN_XENSTORE_DATA len %d:\n" % (hl + 4248 + 40,
                                                     len(IMAGE)) +
        "#4 @0x%x END len 0:\n" % (hl + 4288 + 8 + len(IMAGE)) +
        "image of #3 (DOMAIN_XENSTORE_DATA) @0x%x len %d:\n" %
        (hl + 4288 + 8, len(IMAGE)))
    # the image as dump shows it alone, offsets in the image
    assert out(r) == expect + IMAGE_DUMP


def test_dump_json(tmp_path):
    p = write(str(tmp_path / "s"), libxl(xsd=IMAGE))
    r = run("dump", "--json", p)
    assert (r.returncode, err(r)) == (0, "")
    doc = json.loads(out(r))
    st = doc["stream"]
    assert st["xl_header"] is None
    assert st["header"] == {"offset": 0, "version": 2,
                            "byte_order": "little-endian", "options": []}
    assert [x.get("type") for x in st["records"]] == [
        "LIBXC_CONTEXT", "libxc", "EMULATOR_CONTEXT",
        "DOMAIN_XENSTORE_DATA", "END"]
    assert st["records"][3] == {"index": 3, "offset": 0x10c0,
                                "type": "DOMAIN_XENSTORE_DATA",
                                "type_id": 7, "len": len(IMAGE)}
    assert (st["complete"], st["error"]) == (True, None)
    alone = json.loads(out(run("dump", "--json", golden("migration"))))
    assert doc["image"] == alone

    # a bad stream is still one document
    p = write(str(tmp_path / "t"), libxl(xsd=IMAGE)[:0x10c0 + 18])
    r = run("dump", "--json", p)
    assert r.returncode == 1
    doc = json.loads(out(r))
    assert doc["image"] is None and doc["stream"]["complete"] is False
    assert err(r) == "xs-state: %s: %s\n" % (p, doc["stream"]["error"])
    assert doc["stream"]["error"].startswith(
        "libxl record #3 (DOMAIN_XENSTORE_DATA) at offset 0x10c0: "
        "truncated: the body and padding need 592 more octets, the stream "
        "has 10")


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------
def stream_error(cmd, data, tmp_path):
    """The one line of error of cmd on data; nothing on stdout."""
    p = write(str(tmp_path / "bad"), data)
    args = {"verify": ["verify", p],
            "extract": ["extract", p, "-o", str(tmp_path / "x.img")],
            "embed": ["embed", p, golden("migration"), "-o",
                      str(tmp_path / "x.out")]}[cmd]
    r = run(*args)
    assert r.returncode == 1, out(r)
    assert out(r) == ""
    e = err(r)
    prefix = "xs-state: %s: " % p
    assert e.startswith(prefix) and e.count("\n") == 1, e
    # a failed command leaves no output file behind
    assert sorted(os.listdir(str(tmp_path))) == ["bad"]
    return e[len(prefix):-1]


def hdr(version=2, options=0):
    return struct.pack(">QII", 0x4c6962786c466d74, version, options)


def test_exact_errors(tmp_path):
    good = libxl(xsd=IMAGE)
    end = len(good) - 8
    body = hdr() + rec(1) + libxc(pages=0)      # up to the libxc END
    n = len(body)
    cases = [
        ("embed", b"", "libxl header at offset 0x0: truncated: 0 of 16 "
         "octets"),
        ("extract", b"LibxlFm", "libxl header at offset 0x0: truncated: 7 "
         "of 16 octets"),
        ("embed", b"NotLibxl" + good[8:], 'libxl header at offset 0x0: bad '
         'ident "NotLibxl", not "LibxlFmt"'),
        ("verify", hdr(version=3) + rec(0), "libxl header at offset 0x0: "
         "unsupported version 3 (this reader accepts 2)"),
        ("verify", hdr(options=4) + rec(0), "libxl header at offset 0x0: "
         "reserved option bits 0x4 set"),
        ("verify", hdr(), "libxl record #1 at offset 0x10: stream ends "
         "without END"),
        ("verify", hdr() + b"\0\0\0", "libxl record #1 at offset 0x10: "
         "truncated: 3 of 8 octets of the record header"),
        ("verify", good[:-1], "libxl record #4 at offset 0x%x: truncated: "
         "7 of 8 octets of the record header" % end),
        ("verify", good + b"\0", "libxl record #4 (END) at offset 0x%x: "
         "data after END, from offset 0x%x" % (end, len(good))),
        ("verify", good + rec(0), "libxl record #4 (END) at offset 0x%x: "
         "data after END, from offset 0x%x" % (end, len(good))),
        ("verify", body + rec(0, b"x"), "libxl record #2 (END) at offset "
         "0x%x: length 1, not 0" % n),
        ("verify", body + rec(6, b"") + rec(0), "libxl record #2 (type 0x6) "
         "at offset 0x%x: unknown mandatory record type" % n),
        ("verify", body + rec(3, b"1234") + rec(0), "libxl record #2 "
         "(EMULATOR_CONTEXT) at offset 0x%x: length 4, less than the 8 of "
         "the emulator header" % n),
        ("verify", body + rec(4) + rec(0), "libxl record #2 (CHECKPOINT_END) "
         "at offset 0x%x: CHECKPOINT_END outside a checkpoint" % n),
        ("verify", body + rec(7, b"tiny") + rec(0), "libxl record #2 "
         "(DOMAIN_XENSTORE_DATA) at offset 0x%x: length 4, less than the "
         "64 of an xs-state image header" % n),
        ("verify", body + rec(3, b"12345678x")[:-7] + b"\0\0\0\0\0\0\1" +
         rec(0), "libxl record #2 (EMULATOR_CONTEXT) at offset 0x%x: "
         "padding octet at offset 0x%x is 0x01, not 0" % (n, n + 8 + 15)),
        ("verify", body + rec(3, b"12345678x")[:-3], "libxl record #2 "
         "(EMULATOR_CONTEXT) at offset 0x%x: truncated: the padding needs "
         "3 more octets, the stream has 4" % n),
        ("verify", body + struct.pack("<II", 3, 0xffffffff) + b"x" * 100,
         "libxl record #2 (EMULATOR_CONTEXT) at offset 0x%x: truncated: the "
         "body and padding need 4294967296 more octets, the stream has 100"
         % n),
        ("verify", body + struct.pack("<II", 7, 0xfffffff0) + IMAGE,
         "libxl record #2 (DOMAIN_XENSTORE_DATA) at offset 0x%x: truncated: "
         "the body and padding need 4294967280 more octets, the stream has "
         "%d" % (n, len(IMAGE))),
        ("verify", body + rec(7, IMAGE) + rec(7, IMAGE) + rec(0),
         "libxl record #3 (DOMAIN_XENSTORE_DATA) at offset 0x%x: a second "
         "DOMAIN_XENSTORE_DATA (the first is record #2 at offset 0x%x)" %
         (n + 8 + len(IMAGE), n)),
        ("embed", good, "libxl record #3 (DOMAIN_XENSTORE_DATA) at offset "
         "0x10c0: the stream carries an image already"),
        ("extract", libxl(), "no DOMAIN_XENSTORE_DATA record (3 records up "
         "to END)"),
        # the libxc stream inside
        ("verify", hdr() + rec(1) + b"\xff" * 7 + b"\0" + b"\0" * 16,
         'libxc image header at offset 0x18: bad marker '
         '"\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00" (a legacy libxc '
         'stream?)'),
        ("verify", hdr() + rec(1) + libxc()[:20], "libxc image header at "
         "offset 0x18: truncated: 20 of 24 octets"),
        ("verify", hdr() + rec(1) + libxc(pages=0)[:-8], "libxc record #4 at "
         "offset 0x%x: stream ends inside the libxc stream" % (n - 8)),
        ("verify", hdr() + rec(1) + libxc(pages=0)[:-8] +
         struct.pack("<II", 1, 0x1000) + b"\0" * 16, "libxc record #4 (type "
         "0x1) at offset 0x%x: truncated: the body and padding need 4096 "
         "more octets, the stream has 16" % (n - 8)),
        ("verify", hdr() + rec(1) + libxc(pages=0)[:-8] + rec(0, b"x"),
         "libxc record #4 (type 0x0) at offset 0x%x: length 1, not 0" %
         (n - 8)),
        # xl's header
        ("verify", XL_MAGIC[:20], "xl header: truncated: 20 of 48 octets"),
        ("verify", XL_MAGIC + struct.pack("<IIII", 0x04030201 + 1, 2, 0, 0)
         + good, "xl header: bad byteorder field 0x04030202, not "
         "0x01020304"),
        ("verify", xl(good, flags=1), "xl header: mandatory flags 0x1 lack "
         "STREAMv2 (0x2): a legacy stream, not a libxl one"),
        ("verify", xl(good, flags=7), "xl header: unknown mandatory flags "
         "0x4"),
        ("verify", xl(good, config=b"abc", optlen=6), "xl header: config "
         "length 3 exceeds the optional data (2 octets after it)"),
        ("verify", xl(b"", config=b"abc", optlen=100), "xl header: "
         "truncated: optional data of 100 octets ends at offset 0x37"),
        ("verify", xl(b"Libxl"), "libxl header at offset 0x51: truncated: 5 "
         "of 16 octets"),
    ]
    for cmd, data, msg in cases:
        assert stream_error(cmd, data, tmp_path) == msg, msg


def test_bad_image_inside(tmp_path):
    """The image is checked as an image: errors name the record."""
    bad = IMAGE[:-1] + bytes([IMAGE[-1] ^ 1])
    p = write(str(tmp_path / "s"), libxl(xsd=bad))
    r = run("verify", p)
    assert r.returncode == 1 and out(r) == ""
    assert err(r) == ("xs-state: %s #3 (DOMAIN_XENSTORE_DATA): record #10 "
                      "(END) at offset 0x240: reserved field is 0x01000000, "
                      "not 0\n" % p)
    # extract takes it out as it is (verify says what is wrong with it)
    r = run("extract", p)
    assert (r.returncode, r.stdout) == (0, bad)

    p = write(str(tmp_path / "t"), libxl(xsd=IMAGE + b"\0" * 8))
    r = run("verify", p)
    # (the reader notices it first, in the words it has for images)
    assert err(r) == ("xs-state: %s #3 (DOMAIN_XENSTORE_DATA): record #10 "
                      "(END) at offset 0x240: data after END, from offset "
                      "0x250\n" % p)

    p = write(str(tmp_path / "u"), libxl(xsd=read(golden("dump-le"))))
    r = run("verify", p)
    assert err(r) == ("xs-state: %s #3 (DOMAIN_XENSTORE_DATA): a DUMP "
                      "image, not a MIGRATION one\n" % p)


def test_embed_refuses_bad_images(tmp_path):
    s = write(str(tmp_path / "s"), libxl())
    o = str(tmp_path / "out")
    for image, msg in [
            (golden("dump-le"), "a DUMP image, not a MIGRATION one"),
            (write(str(tmp_path / "trunc.xss"), IMAGE[:-8]),
             "record #10 (END) at offset 0x240: truncated: the body and "
             "padding need 8 more octets, the image has 0"),
            (write(str(tmp_path / "tail.xss"), IMAGE + b"\0" * 8),
             "record #10 (END) at offset 0x240: data after END, from "
             "offset 0x250")]:
        r = run("embed", s, image, "-o", o)
        assert r.returncode == 1
        assert err(r) == "xs-state: %s: %s\n" % (image, msg)
        assert not os.path.exists(o)


def test_failed_embed_keeps_the_old_output(tmp_path):
    o = write(str(tmp_path / "out"), b"precious")
    s = write(str(tmp_path / "s"), libxl()[:-8])
    r = run("embed", s, golden("migration"), "-o", o)
    assert r.returncode == 1
    assert read(o) == b"precious"
    assert sorted(os.listdir(str(tmp_path))) == ["out", "s"]


def test_every_truncation_is_an_error(tmp_path):
    """Cut anywhere, the stream is refused; dump prints a prefix of what
    it prints for the whole stream.  Every cut in the stream's own octets
    is tried; inside the image's octets (where the error is always the
    record's "truncated"), every 8th, so the test stays quick under ASan."""
    data = libxl(xsd=IMAGE, pages=0)
    start = data.index(IMAGE)
    p = str(tmp_path / "t")
    full = out(run("dump", write(p, data)))
    cuts = [n for n in range(len(data))
            if not start + 8 <= n < start + len(IMAGE) - 8 or n % 8 == 3]
    assert len(cuts) > 250
    for n in sample(cuts):
        write(p, data[:n])
        r = run("verify", p)
        assert r.returncode == 1, n
        assert err(r).startswith("xs-state: %s" % p), (n, err(r))
        if n >= 8:      # shorter is not a stream: the image reader says so
            d = run("dump", p)
            assert d.returncode == 1 and full.startswith(out(d)), n
            assert err(d) == err(r), n


@pytest.mark.parametrize("args", [
    ["embed"], ["embed", "s"], ["embed", "s", "i", "x"], ["embed", "-", "-"],
    ["extract"], ["extract", "a", "b"], ["extract", "s", "--strip", "-"],
    ["extract", "s", "-o", "-", "--strip", "-"], ["embed", "--bogus", "s", "i"],
])
def test_usage_errors(args):
    r = run(*args)
    assert r.returncode == 2, args
    assert "Usage: xs-state" in err(r)
    assert out(r) == ""


# ---------------------------------------------------------------------------
# with the daemons: a real domain's image through a stream
# ---------------------------------------------------------------------------


@pytest.mark.ours_only("migration is ours")
def test_migration_through_a_libxl_stream(xsd, xs, dest, tmp_path):
    """The source exports domain 5 straight into an xl save file (export |
    embed), the destination imports it straight out of it (extract |
    import): the guest carries on there, and the stream stripped of the
    image is the one xl wrote, which upstream's verifier accepts."""
    g, tx, half = busy_guest(xsd, xs, tmp_path)
    h = home(5)
    orig = xl(libxl())
    s = write(str(tmp_path / "guest.save"), orig)
    e = str(tmp_path / "guest+xs.save")
    exp = subprocess.Popen([TOOL, "export", "--domid", "5"], env=xsd.env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    emb = subprocess.run([TOOL, "embed", s, "-", "-o", e], env=xsd.env,
                         stdin=exp.stdout, capture_output=True,
                         timeout=TIMEOUT)
    exp.stdout.close()
    assert exp.wait(TIMEOUT) == 0, exp.stderr.read()
    assert (emb.returncode, emb.stderr) == (0, b"")
    r = run("verify", e)
    assert (r.returncode, err(r)) == (0, "")
    assert "DOMAIN_XENSTORE_DATA: MIGRATION image, domid 5," in out(r)
    g.put(half[20:])
    g.put(pack(XS_READ, (h + "/data\0").encode(), 300, 0))

    strip = str(tmp_path / "stripped.save")
    ext = subprocess.Popen([TOOL, "extract", e, "--strip", strip],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    imp = subprocess.run([TOOL, "import", "--domid", "5", "-"], env=dest.env,
                         stdin=ext.stdout, capture_output=True,
                         timeout=TIMEOUT)
    ext.stdout.close()
    assert ext.wait(TIMEOUT) == 0, ext.stderr.read()
    assert (imp.returncode, imp.stderr) == (0, b"")
    assert read(strip) == orig
    rc, text = verify_v2(read(strip), "xl", tmp_path)
    assert rc == 0, text

    xs.ack(XS_RELEASE, "5")
    g.move(dest.rundir)
    dx = dest.client()
    introduce(dx, 5, 7)
    got = collect(g, 23)
    assert got[-1][:2] == (XS_READ, 300) and got[-1][3] == b"1"
    m = g.call(XS_TRANSACTION_END, b"T\0", 400, tx)
    assert m[3] == b"OK\0", m
    assert dx.read(h + "/half") == b"hv"
    g.close()
