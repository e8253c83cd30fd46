# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests of the xs-state tool (docs/xs-state.1.md) on the golden images of
tests/golden/ and variants of them.

The tool is $XSS_TOOL or <repo>/xs-state/xs-state.  The golden generator
is $XSS_MKGOLDEN, else it is compiled here from tests/golden/mkgolden.c and
xs-state/libxsstate.a.  The --live tests against the real daemon need its
CONTROL dump-state (upstream's daemons have none); the other --live tests
use a fake daemon on a Unix socket.
"""

import json
import os
import shutil
import socket
import stat
import struct
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import REPO, sample, scaled

GOLDEN = os.path.join(REPO, "tests", "golden")
TOOL = os.environ.get("XSS_TOOL") or os.path.join(REPO, "xs-state", "xs-state")
NAMES = ("dump-le", "dump-be", "migration", "minimal", "live-update")
TIMEOUT = scaled(30)



@pytest.fixture(autouse=True, scope="module")
def _tool_built():
    if not os.access(TOOL, os.X_OK):
        pytest.fail("xs-state tool %s not found or not executable (run "
                    "`make` at the top, or set XSS_TOOL)" % TOOL)


def run(*args, input=None, env=None):
    """Run the tool (bytes in and out)."""
    return subprocess.run([TOOL] + list(args), input=input,
                          capture_output=True, timeout=TIMEOUT, env=env,
                          stdin=None if input is not None
                          else subprocess.DEVNULL)


def out(r):
    return r.stdout.decode()


def err(r):
    return r.stderr.decode()


def golden(name, ext=".xss"):
    return os.path.join(GOLDEN, name + ext)


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


@pytest.fixture(scope="session")
def mkgolden(tmp_path_factory):
    """Path of the golden generator."""
    exe = os.environ.get("XSS_MKGOLDEN")
    if exe:
        return exe
    lib = os.path.join(REPO, "xs-state", "libxsstate.a")
    if not os.path.exists(lib):
        pytest.fail("xs-state/libxsstate.a not built (run `make`)")
    exe = str(tmp_path_factory.mktemp("mkgolden") / "mkgolden")
    r = subprocess.run(
        ["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE",
         "-I" + os.path.join(REPO, "include"), "-o", exe,
         os.path.join(GOLDEN, "mkgolden.c"), lib, "-ltalloc"],
        capture_output=True, text=True, timeout=scaled(120))
    if r.returncode:
        pytest.fail("cannot build tests/golden/mkgolden.c: %s" % r.stderr)
    return exe


@pytest.fixture
def variant(mkgolden, tmp_path):
    """variant(name) -> path of that variant of dump-le.xss."""
    def make(name):
        path = str(tmp_path / (name + ".xss"))
        r = subprocess.run([mkgolden, "--variant", name, path],
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        return path
    return make


# ---------------------------------------------------------------------------
# Golden images
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_dump_matches_golden_text(name):
    r = run("dump", golden(name))
    assert err(r) == ""
    assert r.returncode == 0
    assert out(r) == read(golden(name, ".dump.txt"), "r")


@pytest.mark.parametrize("name", NAMES)
def test_stats_matches_golden_text(name):
    r = run("stats", golden(name))
    assert (r.returncode, err(r)) == (0, "")
    assert out(r) == read(golden(name, ".stats.txt"), "r")


@pytest.mark.parametrize("name,kind,records", [
    ("dump-le", "DUMP", 43), ("dump-be", "DUMP", 43),
    ("migration", "MIGRATION", 10), ("minimal", "LIVE_UPDATE", 3),
    ("live-update", "LIVE_UPDATE", 10)])
def test_verify_golden(name, kind, records):
    r = run("verify", golden(name))
    size = os.path.getsize(golden(name))
    assert (r.returncode, err(r)) == (0, "")
    assert out(r) == "OK: %s image, %d records, %d bytes\n" % (
        kind, records, size)


def test_generator_reproduces_goldens(mkgolden, variant, tmp_path):
    """Same generator, same bytes: a format change shows up here."""
    r = subprocess.run([mkgolden, str(tmp_path)], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    for name in NAMES:
        assert read(str(tmp_path / (name + ".xss"))) == \
            read(golden(name)), "%s.xss differs from the generator's" % name
    assert read(variant("base")) == read(golden("dump-le"))
    assert read(variant("be")) == read(golden("dump-be"))


def test_byte_orders_dump_to_the_same_text():
    le = read(golden("dump-le", ".dump.txt"), "r").splitlines()
    be = read(golden("dump-be", ".dump.txt"), "r").splitlines()
    assert len(le) == len(be)
    diff = [(a, b) for a, b in zip(le, be) if a != b]
    # The byte order itself, and the CRC (it covers different bytes).
    assert diff[0] == ("    byte-order little-endian",
                       "    byte-order big-endian")
    assert len(diff) == 2
    assert diff[1][0].startswith("#43 @0x9b0 END len 8: crc32c 0x")
    assert diff[1][1].startswith("#43 @0x9b0 END len 8: crc32c 0x")


def test_golden_text_shows_every_record_type():
    text = read(golden("dump-le", ".dump.txt"), "r")
    for t in ("GLOBAL_DATA", "QUOTA_DATA", "SPECIAL_PERMS", "NODE_DATA",
              "DOMAIN_START", "SOCKET_START", "WATCH_DATA",
              "TRANSACTION_DATA", "TRANSACTION_NODE_DATA",
              "TRANSACTION_EVENT", "CONN_INPUT", "GUEST_RING_DATA", "END"):
        assert " %s len " % t in text, t
    assert "skipped optional records" in text


def test_dump_text_format_details():
    lines = read(golden("dump-le", ".dump.txt"), "r").splitlines()
    assert lines[:6] == [
        "header @0x0 len 64:",
        "    version 1",
        "    byte-order little-endian",
        "    kind DUMP",
        "    domid none",
        '    producer "mkgolden 1"',
    ]
    assert lines[6] == ("#1 @0x40 GLOBAL_DATA len 32: generation 40 "
                        "next_conn_id 5 socket_fd 3 backend sim backend_fd 4")
    text = "\n".join(lines)
    # Binary value: printable as is, " and \ escaped, the rest \xNN.
    assert ('NODE_DATA len 76: path /local/domain/5/data/bin gen 8 '
            'perms "n5 r0" value "\\x00\\x01bin\\xff\\"\\\\ \\x0a\\x7f"'
            in text)
    assert 'perms "b0 r5 w7"' in text
    assert ("flags INTRODUCED|CONNECTION|FEATURES_SET features 0x5 "
            "gfn 0xfeffc" in text)
    assert "target none next_txid 3 evtchn_fd 9 page_fd 10" in text
    assert ('token "tok with space" depth 2 flags none' in text)
    assert "    unknown id 77 hard 5 soft 1" in text
    assert "    nodes id 1 hard 1000 soft 0" in text
    assert ("flags EXISTS|CHANGED|RECREATED base_gen 8 gen 15 "
            'perms "n5" value "again" children none' in text)
    assert "children [bin new]" in text
    assert ('    removed path /local/domain/5/old/x perms "n5 r0"' in text)
    assert ('    partial-message type READ req_id 9 tx_id 0 len 21 have 8 '
            'payload "/local/d"' in text)
    assert "    partial-header have 8 type READ req_id 5\n" in text
    assert "#17-#17 @0x440 skipped optional records: 24 bytes\n" in text
    assert ('    message type ERROR req_id 4 tx_id 0 len 7 '
            'payload "ENOENT\\x00"' in text)


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------
def dump_json(path, *extra):
    r = run("dump", "--json", *extra, path)
    return r, json.loads(out(r))


def test_json_structure():
    r, doc = dump_json(golden("dump-le"))
    assert (r.returncode, err(r)) == (0, "")
    assert doc["header"] == {"version": 1, "byte_order": "little-endian",
                             "kind": "DUMP", "kind_id": 3, "domid": None,
                             "producer": "mkgolden 1"}
    assert doc["complete"] is True and doc["error"] is None
    recs = doc["records"]
    real = [x for x in recs if x["type"] != "SKIPPED"]
    assert [x["index"] for x in real] == \
        [i for i in range(1, 44) if i != 17]
    skipped = [x for x in recs if x["type"] == "SKIPPED"]
    assert skipped == [{"type": "SKIPPED", "offset": 0x440, "bytes": 24,
                        "first_index": 17, "last_index": 17}]
    for x in real:
        assert set(("index", "offset", "type", "type_id", "len")) <= set(x)
        assert x["offset"] % 8 == 0
    assert real[0]["type"] == "GLOBAL_DATA" and real[0]["type_id"] == 8
    assert real[0]["backend"] == "sim" and real[0]["generation"] == 40
    assert real[-1]["type"] == "END" and isinstance(real[-1]["crc32c"], int)

    quota = real[1]
    assert quota["type"] == "QUOTA_DATA" and quota["domid"] is None
    assert quota["entries"][0] == {"name": "nodes", "id": 1, "hard": 1000,
                                   "soft": 0}
    assert quota["entries"][-1] == {"name": "unknown", "id": 77, "hard": 5,
                                    "soft": 1}

    nodes = {x["path"]: x for x in real if x["type"] == "NODE_DATA"}
    b = nodes["/local/domain/5/data/bin"]
    raw = bytes.fromhex(b["value_hex"])
    assert raw == b"\x00\x01bin\xff\"\\ \n\x7f"
    assert b["value"].encode("latin-1") == raw
    assert b["perms"] == [{"domid": 5, "access": "n"},
                          {"domid": 0, "access": "r"}]
    assert nodes["/local/domain/0/name"]["value"] == "Domain-0"

    dom5 = [x for x in real if x["type"] == "DOMAIN_START"
            and x["domid"] == 5][0]
    assert dom5["flags"] == ["INTRODUCED", "CONNECTION", "FEATURES_SET"]
    assert dom5["target"] is None and dom5["gfn"] == 0xfeffc

    watches = [x for x in real if x["type"] == "WATCH_DATA"]
    assert watches[0]["depth"] is None and watches[0]["flags"] == \
        ["RELATIVE"]
    assert watches[2]["token"] == "tok with space" and watches[2]["depth"] == 2

    tnodes = [x for x in real if x["type"] == "TRANSACTION_NODE_DATA"]
    assert tnodes[0]["children"] == ["bin", "new"]
    assert tnodes[1]["children"] is None
    assert tnodes[2]["perms"] == [] and tnodes[2]["flags"] == ["CHANGED"]

    ev = [x for x in real if x["type"] == "TRANSACTION_EVENT"]
    assert ev[1]["flags"] == ["REMOVAL"]
    assert [rm["path"] for rm in ev[1]["removed"]] == \
        ["/local/domain/5/old", "/local/domain/5/old/x"]

    out5 = [x for x in real if x["type"] == "GUEST_RING_DATA"][0]
    msgs = out5["messages"]
    assert [m["kind"] for m in msgs] == ["message", "partial-message"]
    assert msgs[0]["type"] == "WATCH_EVENT" and msgs[0]["type_id"] == 15
    assert msgs[0]["payload"] == "data\x00rel\x00"
    assert msgs[1]["have"] == 2 and msgs[1]["payload_hex"] == "6865"
    data = bytes.fromhex(out5["data_hex"])
    assert len(data) == out5["len"] == 16 + 9 + 16 + 2


def test_json_same_for_both_byte_orders_but_header_and_crc():
    _, le = dump_json(golden("dump-le"))
    _, be = dump_json(golden("dump-be"))
    assert be["header"]["byte_order"] == "big-endian"
    le["header"]["byte_order"] = "big-endian"
    assert le["records"][-1]["crc32c"] != be["records"][-1]["crc32c"]
    le["records"][-1]["crc32c"] = be["records"][-1]["crc32c"]
    # The wire messages are in the image's byte order: the raw bodies
    # differ, the decoded messages do not.
    n = 0
    for a, b in zip(le["records"], be["records"]):
        if a["type"] in ("CONN_INPUT", "GUEST_RING_DATA"):
            assert a.pop("data_hex") != b.pop("data_hex")
            n += 1
    assert n == 4
    assert le == be


def test_json_partial_header():
    _, doc = dump_json(golden("dump-le"))
    inputs = [x for x in doc["records"] if x["type"] == "CONN_INPUT"]
    assert inputs[1]["messages"] == [{
        "kind": "partial-header", "have": 8, "type": "READ", "type_id": 2,
        "req_id": 5, "rest": "", "rest_hex": ""}]
    assert inputs[0]["messages"][0]["payload"] == "/local/d"


def test_json_on_bad_image(tmp_path):
    data = read(golden("minimal"))
    bad = write(str(tmp_path / "bad.xss"), data[:-3])
    r, doc = dump_json(bad)
    assert r.returncode == 1
    assert doc["complete"] is False
    assert doc["header"]["kind"] == "LIVE_UPDATE"
    assert [x["type"] for x in doc["records"]] == ["GLOBAL_DATA",
                                                   "NODE_DATA"]
    assert err(r) == "xs-state: %s: %s\n" % (bad, doc["error"])

    hdr = write(str(tmp_path / "hdr.xss"), b"xs-stat")
    r, doc = dump_json(hdr)
    assert r.returncode == 1
    assert doc["header"] is None and doc["records"] == []
    assert doc["complete"] is False and doc["error"]
    assert err(r) == "xs-state: %s: %s\n" % (hdr, doc["error"])


# ---------------------------------------------------------------------------
# verify and errors on bad images
# ---------------------------------------------------------------------------
def verify_error(path):
    r = run("verify", path)
    assert r.returncode == 1
    assert out(r) == ""
    prefix = "xs-state: %s: " % path
    e = err(r)
    assert e.startswith(prefix) and e.endswith("\n") and e.count("\n") == 1
    return e[len(prefix):-1]


def test_verify_exact_errors(tmp_path):
    data = read(golden("minimal"))
    p = str(tmp_path / "x.xss")
    cases = [
        (b"", "header: empty image"),
        (data[:10], "header: truncated: 10 of 64 octets"),
        (b"XS-STATE" + data[8:],
         'header: bad ident "XS-STATE", not "xs-state"'),
        (data[:8] + b"\0\0\0\2" + data[12:],
         "header: unsupported version 2 (this reader accepts 1 to 1)"),
        (data[:16] + b"\x09\0\0\0" + data[20:], "header: unknown kind 9"),
        (data[:64], "record #1 at offset 0x40: image ends without END"),
        (data[:-16], "record #3 at offset 0x98: image ends without END"),
        (data[:-1], "record #3 (END) at offset 0x98: truncated: the body "
         "and padding need 8 more octets, the image has 7"),
        (data + b"\0" * 8,
         "record #3 (END) at offset 0x98: data after END, from offset 0xa8"),
        (data[:-1] + bytes([data[-1] ^ 1]),
         "record #3 (END) at offset 0x98: reserved field is 0x01000000, "
         "not 0"),
    ]
    for image, msg in cases:
        write(p, image)
        assert verify_error(p) == msg


def test_verify_corrupt_crc(tmp_path):
    data = bytearray(read(golden("dump-le")))
    i = data.index(b"Domain-0")
    data[i] = ord("d")       # still a valid value: only the CRC notices
    p = write(str(tmp_path / "crc.xss"), bytes(data))
    msg = verify_error(p)
    assert msg.startswith("record #43 (END) at offset 0x9b0: CRC mismatch: "
                          "END says 0x")
    # dump shows everything read, then the error
    r = run("dump", p)
    assert r.returncode == 1
    good = read(golden("dump-le", ".dump.txt"), "r").splitlines(True)
    assert out(r) == "".join(good[:-1]).replace('"Domain-0"', '"domain-0"')
    assert err(r) == "xs-state: %s: %s\n" % (p, msg)


def test_every_truncation_is_an_error(tmp_path):
    data = read(golden("migration"))
    p = str(tmp_path / "t.xss")
    full = read(golden("migration", ".dump.txt"), "r")
    for n in sample(range(len(data))):
        write(p, data[:n])
        r = run("verify", p)
        assert r.returncode == 1, n
        assert err(r).startswith("xs-state: %s: " % p), (n, err(r))
        d = run("dump", p)
        assert d.returncode == 1, n
        # what dump printed is a prefix of the full dump
        assert full.startswith(out(d)), n


def test_every_flipped_byte_is_detected(tmp_path):
    data = read(golden("minimal"))
    p = str(tmp_path / "f.xss")
    for i in sample(range(len(data))):
        write(p, data[:i] + bytes([data[i] ^ 0x10]) + data[i + 1:])
        r = run("verify", p)
        assert r.returncode == 1, (i, out(r))
        assert err(r).startswith("xs-state: %s: " % p), (i, err(r))


def test_missing_file():
    r = run("verify", "/nonexistent/x.xss")
    assert r.returncode == 1
    assert err(r) == "xs-state: /nonexistent/x.xss: No such file or directory\n"
    r = run("diff", "/nonexistent/x.xss", golden("minimal"))
    assert r.returncode == 2


# ---------------------------------------------------------------------------
# stdin
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_stdin(name):
    data = read(golden(name))
    r = run("dump", "-", input=data)
    assert (r.returncode, err(r)) == (0, "")
    assert out(r) == read(golden(name, ".dump.txt"), "r")
    r = run("stats", "-", input=data)
    assert out(r) == read(golden(name, ".stats.txt"), "r")
    r = run("verify", "-", input=data)
    assert out(r).startswith("OK: ")


def test_stdin_pipe_and_errors(tmp_path):
    data = read(golden("dump-le"))
    # a real pipe, written slowly in pieces
    p = subprocess.Popen([TOOL, "verify", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for i in range(0, len(data), 100):
        p.stdin.write(data[i:i + 100])
        p.stdin.flush()
    o, e = p.communicate(timeout=TIMEOUT)      # closes stdin
    assert (p.returncode, e) == (0, b"")
    assert o.decode() == "OK: DUMP image, 43 records, %d bytes\n" % len(data)

    r = run("verify", "-", input=data[:100])
    assert r.returncode == 1
    assert err(r).startswith("xs-state: (stdin): record #")

    r = run("diff", "-", golden("dump-le"), input=data)
    assert (r.returncode, out(r)) == (0, "")
    r = run("diff", "-", "-", input=data)
    assert r.returncode == 2


# ---------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------
def diff(*args):
    r = run("diff", *args)
    return r.returncode, out(r).splitlines(), err(r)


def test_diff_identical():
    for name in NAMES:
        assert diff(golden(name), golden(name)) == (0, [], "")


def test_diff_byte_orders_equal_but_noted():
    a, b = golden("dump-le"), golden("dump-be")
    note = ["header: byte-order little-endian -> big-endian"]
    assert diff(a, b) == (0, note, "")
    assert diff("--strict", a, b) == (1, note, "")
    assert diff(b, a)[0] == 0


def test_diff_producer_is_a_note(variant):
    v = variant("producer")
    note = ['header: producer "mkgolden 1" -> "mkgolden 2"']
    assert diff(golden("dump-le"), v) == (0, note, "")
    assert diff("--strict", golden("dump-le"), v) == (1, note, "")


CHANGED = [
    'quota defaults nodes: hard 1000 -> 2000',
    'special @introduceDomain: perms "n0" -> "n0 r5"',
    'node /local/domain/5/data: value "hello" -> "HELLO"',
    'node /local/domain/5/old/x: only in A',
    'node /tool/added: only in B',
    'node /tool/empty: perms "b0 r5 w7" -> "b0 r5"',
    'dom1: only in A',
    'dom5: features 0x5 -> 0x1',
    'quota dom5 watches: only in A',
    'watch dom5 /tool "tok with space": depth 2 -> unlimited',
    'txn dom5 1 node /local/domain/5/data: value "new value" -> "newer"',
    'txn dom5 1 node /local/domain/5/data: children [bin new] -> [bin]',
    'txn dom5 1 removal /local/domain/5/old removed /local/domain/5/old/x: '
    'perms "n5 r0" -> "n5"',
    'txn dom5 2: only in A',
    'output dom5: messages 2 -> 3, #2: READ req_id 8 tx_id 0 len 5 have 2 '
    '"he" -> WATCH_EVENT req_id 0 tx_id 0 len 9 "data\\x00rel\\x00"',
    'watch sock3 /local "sock": only in A',
    'watch sock3 /local "sock2": only in B',
    'sock4: only in A',
]


def test_diff_changed(variant):
    v = variant("changed")
    assert diff(golden("dump-le"), v) == (1, CHANGED, "")


def test_diff_changed_reversed(variant):
    v = variant("changed")
    code, lines, e = diff(v, golden("dump-le"))
    assert (code, e) == (1, "")
    expect = []
    for line in CHANGED:
        what, change = line.split(": ", 1)
        if change == "only in A":
            change = "only in B"
        elif change == "only in B":
            change = "only in A"
        elif what.startswith("output"):
            change = ('messages 3 -> 2, #2: WATCH_EVENT req_id 0 tx_id 0 '
                      'len 9 "data\\x00rel\\x00" -> READ req_id 8 tx_id 0 '
                      'len 5 have 2 "he"')
        else:
            old, new = change.split(" -> ")
            field, old = old.split(" ", 1)
            change = "%s %s -> %s" % (field, new, old)
        expect.append("%s: %s" % (what, change))
    assert lines == expect


def test_diff_generations(variant):
    v = variant("generations")
    a = golden("dump-le")
    assert diff(a, v) == (0, [], "")
    code, lines, e = diff("--generations", a, v)
    assert (code, e) == (1, "")
    assert lines[0] == "global: generation 40 -> 140"
    assert "node /: gen 1 -> 101" in lines
    assert "node /tool/empty: gen 12 -> 112" in lines
    assert "txn dom5 1 node /local/domain/5/data: base_gen 7 -> 107" in lines
    assert "txn dom5 1 node /local/domain/5/data: gen 13 -> 113" in lines
    assert "txn sock3 1 node /tool: gen 11 -> 111" in lines
    assert "txn dom5 1 node /local/domain/5/old: base_gen 9 -> 109" in lines
    assert not [x for x in lines if "missing" in x]     # base_gen 0 stays
    # every generation: global, 12 nodes, 8 of the transactions' nodes
    assert len(lines) == 1 + 12 + 8


def test_diff_fds(variant):
    v = variant("fds")
    a = golden("dump-le")
    assert diff(a, v) == (1, [
        "global: socket_fd 3 -> 103",
        "global: backend_fd 4 -> 104",
        "dom5: evtchn_fd 9 -> 109",
        "dom5: page_fd 10 -> 110",
        "sock3: fd 12 -> 112",
        "sock4: fd 13 -> 113",
    ], "")
    assert diff("--ignore-fds", a, v) == (0, [], "")


def test_diff_kinds():
    code, lines, e = diff(golden("dump-le"), golden("migration"))
    assert (code, e) == (1, "")
    assert lines[:3] == ["header: kind DUMP -> MIGRATION",
                         "header: domid none -> 5",
                         "global: only in A"]
    assert "node /: only in A" in lines
    assert "dom5: target none -> 3" in lines
    code, lines, e = diff(golden("minimal"), golden("minimal"))
    assert code == 0


def test_diff_bad_image(tmp_path):
    data = read(golden("dump-le"))
    bad = write(str(tmp_path / "bad.xss"), data[:200])
    r = run("verify", bad)
    code, lines, e = diff(golden("dump-le"), bad)
    assert (code, lines) == (2, [])
    assert e == err(r)
    code, lines, e = diff(bad, golden("dump-le"))
    assert (code, lines, e) == (2, [], err(r))


# ---------------------------------------------------------------------------
# stats
# ---------------------------------------------------------------------------
def stats_rows(text):
    rows = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) == 4 and f[0] != "type":
            rows[f[0]] = f[1:]
    return rows


def test_stats_numbers():
    r = run("stats", golden("dump-le"))
    assert (r.returncode, err(r)) == (0, "")
    text = out(r)
    rows = stats_rows(text)
    size = os.path.getsize(golden("dump-le"))
    assert rows["header"] == ["-", "64", "0"]
    assert rows["GLOBAL_DATA"] == ["1", "40", "0"]
    assert rows["END"] == ["1", "16", "0"]
    counts = {k: int(v[0]) for k, v in rows.items()
              if k not in ("header", "total", "optional")}
    assert counts == {
        "GLOBAL_DATA": 1, "QUOTA_DATA": 3, "SPECIAL_PERMS": 2,
        "NODE_DATA": 12, "DOMAIN_START": 2, "SOCKET_START": 2,
        "WATCH_DATA": 4, "TRANSACTION_DATA": 3, "TRANSACTION_NODE_DATA": 6,
        "TRANSACTION_EVENT": 2, "CONN_INPUT": 2, "GUEST_RING_DATA": 2,
        "PARTIAL_OUTPUT": 0, "LIVE_UPDATE": 0, "STORE_FD": 0, "END": 1}
    skipped = [line.split() for line in text.splitlines()
               if line.startswith("optional (skipped)")]
    assert skipped == [["optional", "(skipped)", "1", "24", "-"]]
    # the rows add up: records, bytes (header, padding and the skipped
    # optional record included), padding
    assert rows["total"] == [str(sum(counts.values()) + 1), str(size), str(
        sum(int(v[2]) for k, v in rows.items() if k != "total"))]
    assert sum(int(v[1]) for k, v in rows.items() if k != "total") + 24 \
        == size
    # each type's bytes are its records' 8-byte header, body and padding
    doc = json.loads(out(run("dump", "--json", golden("dump-le"))))
    for t in counts:
        recs = [x for x in doc["records"] if x["type"] == t]
        assert int(rows[t][1]) == sum((8 + x["len"] + 7) // 8 * 8
                                      for x in recs), t
        assert int(rows[t][2]) == sum(-x["len"] % 8 for x in recs), t
    assert text.startswith("kind        DUMP\nversion     1\n"
                           "byte order  little-endian\n"
                           'producer    "mkgolden 1"\n')
    assert "nodes                   12\n" in text
    n_bytes = int(rows["NODE_DATA"][1])
    assert "NODE_DATA bytes/node    %.2f\n" % (n_bytes / 12) in text
    assert "image bytes/node        %.2f\n" % (size / 12) in text


def test_stats_migration_has_domid():
    text = out(run("stats", golden("migration")))
    assert text.startswith("kind        MIGRATION\ndomid       5\n")


# ---------------------------------------------------------------------------
# usage
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    [], ["bogus"], ["dump"], ["dump", "a", "b"], ["verify"],
    ["stats", "a", "b"], ["diff", "a"], ["diff", "a", "b", "c"],
    ["dump", "--socket", "/x", "a"], ["dump", "--live", "a"],
    ["dump", "--bogus", "a"], ["diff", "--live", "a", "b"],
])
def test_usage_errors(args):
    r = run(*args)
    assert r.returncode == 2, args
    assert "Usage: xs-state" in err(r)
    assert out(r) == ""


def test_help():
    for args in (["--help"], ["help"], ["dump", "--help"]):
        r = run(*args)
        assert r.returncode == 0 and "Usage: xs-state" in out(r)


def test_version():
    """The release of the xenstored it comes with (debian/changelog)."""
    r = run("--version")
    assert (r.returncode, err(r)) == (0, "")
    assert out(r) == "xs-state (xenstored-xss) 1.0\n"


# ---------------------------------------------------------------------------
# --live
# ---------------------------------------------------------------------------
class FakeDaemon:
    """Answers one CONTROL request on a Unix socket: copies an image into
    the file it names and replies OK, or replies ERROR <name>."""

    def __init__(self, path, image=None, error=None):
        self.path, self.image, self.error = path, image, error
        self.request = None
        self.file_mode = None
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.sock.settimeout(TIMEOUT)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        c, _ = self.sock.accept()
        with c:
            buf = b""
            while len(buf) < 16 or len(buf) < 16 + struct.unpack(
                    "<IIII", buf[:16])[3]:
                chunk = c.recv(4096)
                if not chunk:
                    return
                buf += chunk
            t, req, tx, ln = struct.unpack("<IIII", buf[:16])
            self.request = (t, req, tx, buf[16:16 + ln])
            args = buf[16:16 + ln].split(b"\0")
            fname = args[1].decode()
            self.file_mode = os.stat(fname).st_mode
            if self.error:
                payload, rtype = self.error.encode() + b"\0", 16
            else:
                with open(fname, "wb") as f:
                    f.write(self.image)
                payload, rtype = b"OK\0", 0
            c.sendall(struct.pack("<IIII", rtype, req, 0, len(payload)) +
                      payload)

    def close(self):
        self.thread.join(TIMEOUT)
        self.sock.close()
        os.unlink(self.path)


@pytest.fixture
def livedir():
    d = tempfile.mkdtemp(prefix="xss-live-", dir="/tmp")
    os.mkdir(os.path.join(d, "tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def live_env(livedir, **extra):
    env = dict(os.environ)
    env.pop("XENSTORED_PATH", None)
    env.pop("XENSTORED_RUNDIR", None)
    env["TMPDIR"] = os.path.join(livedir, "tmp")
    env.update(extra)
    return env


def test_live_against_fake_daemon(livedir):
    sock = os.path.join(livedir, "socket")
    fake = FakeDaemon(sock, image=read(golden("dump-le")))
    r = run("dump", "--live", "--socket", sock, env=live_env(livedir))
    fake.close()
    assert (r.returncode, err(r)) == (0, "")
    assert out(r) == read(golden("dump-le", ".dump.txt"), "r")
    t, req, tx, payload = fake.request
    assert (t, tx) == (0, 0)
    cmd, fname, rest = payload.split(b"\0")
    assert (cmd, rest) == (b"dump-state", b"")
    fname = fname.decode()
    assert os.path.dirname(fname) == os.path.join(livedir, "tmp")
    assert stat.S_IMODE(fake.file_mode) == 0o600
    assert os.listdir(os.path.join(livedir, "tmp")) == []   # removed


def test_live_socket_from_environment(livedir):
    sock = os.path.join(livedir, "socket")
    fake = FakeDaemon(sock, image=read(golden("minimal")))
    r = run("verify", "--live", env=live_env(livedir, XENSTORED_RUNDIR=livedir))
    fake.close()
    assert (r.returncode, err(r)) == (0, "")
    assert out(r) == "OK: LIVE_UPDATE image, 3 records, %d bytes\n" % \
        os.path.getsize(golden("minimal"))

    fake = FakeDaemon(sock, image=read(golden("minimal")))
    r = run("stats", "--live", env=live_env(
        livedir, XENSTORED_PATH=sock, XENSTORED_RUNDIR="/nonexistent"))
    fake.close()
    assert (r.returncode, err(r)) == (0, "")
    assert out(r) == read(golden("minimal", ".stats.txt"), "r")


def test_live_error_reply(livedir):
    sock = os.path.join(livedir, "socket")
    fake = FakeDaemon(sock, error="EACCES")
    r = run("dump", "--live", "--socket", sock, env=live_env(livedir))
    fake.close()
    assert (r.returncode, out(r)) == (1, "")
    assert err(r) == "xs-state: dump-state: EACCES\n"
    assert os.listdir(os.path.join(livedir, "tmp")) == []


def test_live_bad_image_from_daemon(livedir):
    sock = os.path.join(livedir, "socket")
    fake = FakeDaemon(sock, image=read(golden("minimal"))[:70])
    r = run("verify", "--live", "--socket", sock, env=live_env(livedir))
    fake.close()
    assert (r.returncode, out(r)) == (1, "")
    assert err(r) == ("xs-state: live dump: record #1 at offset 0x40: "
                      "truncated record header: 6 of 8 octets\n")
    assert os.listdir(os.path.join(livedir, "tmp")) == []


def test_live_no_daemon(livedir):
    sock = os.path.join(livedir, "nosocket")
    r = run("dump", "--live", "--socket", sock, env=live_env(livedir))
    assert (r.returncode, out(r)) == (1, "")
    assert err(r) == (
        "xs-state: xenstored's socket %s: No such file or directory\n"
        "xs-state: no xenstored seems to be running there; give its "
        "socket with --socket PATH or XENSTORED_PATH=PATH, or its run "
        "directory with XENSTORED_RUNDIR=DIR\n" % sock)
    assert os.listdir(os.path.join(livedir, "tmp")) == []


def test_export_no_daemon(livedir):
    """Found from XENSTORED_RUNDIR: the message names that socket."""
    env = live_env(livedir)
    env.pop("XENSTORED_PATH", None)
    env["XENSTORED_RUNDIR"] = os.path.join(livedir, "none")
    r = run("export", "--domid", "5", "-o", os.path.join(livedir, "x"),
            env=env)
    assert (r.returncode, out(r)) == (1, "")
    sock = os.path.join(livedir, "none", "socket")
    assert err(r).startswith("xs-state: xenstored's socket %s: No such "
                             "file or directory\n" % sock)
    assert "no xenstored seems to be running there" in err(r)
    assert "XENSTORED_RUNDIR" in err(r)


@pytest.mark.ours_only("CONTROL dump-state is ours")
def test_live_against_the_daemon(xsd, xs, livedir):
    """dump --live of a running xenstored (needs CONTROL dump-state)."""
    xs.write("/xss-live", b"value\x01")
    xs.write("/xss-live/child", b"")
    env = live_env(livedir)
    r = run("dump", "--live", "--socket", xsd.socket, env=env)
    assert (r.returncode, err(r)) == (0, "")
    text = out(r)
    assert "    kind DUMP\n" in text
    assert ' NODE_DATA len ' in text
    assert 'path /xss-live gen ' in text and 'value "value\\x01"' in text
    assert 'path /xss-live/child gen ' in text
    assert " SOCKET_START len " in text     # our own connection at least
    assert os.listdir(os.path.join(livedir, "tmp")) == []

    r = run("verify", "--live", env=dict(env, XENSTORED_PATH=xsd.socket))
    assert (r.returncode, err(r)) == (0, "")
    assert out(r).startswith("OK: DUMP image, ")
    r = run("stats", "--live", "--socket", xsd.socket, env=env)
    assert r.returncode == 0 and "kind        DUMP" in out(r)
    r = run("dump", "--json", "--live", "--socket", xsd.socket, env=env)
    doc = json.loads(out(r))
    assert doc["complete"] and doc["header"]["kind"] == "DUMP"


@pytest.mark.ours_only("CONTROL dump-state is ours")
def test_diff_of_two_daemon_dumps(xsd, xs, livedir):
    """Two dumps of an unchanged daemon compare equal (the connection
    counter is a --generations matter); changes show as exact lines."""
    def dump_state(name):
        path = os.path.join(livedir, name)
        reply = xs.call(0, "dump-state", path)     # XS_CONTROL
        assert reply == b"OK\0"
        return path

    xs.write("/xss-diff", b"one")
    xs.write("/xss-diff/gone", b"")
    a = dump_state("a.xss")
    other = xsd.client()            # a new connection: next_conn_id moves
    other.write("/xss-diff", b"one")   # same value again
    other.close()
    xsd.clients.remove(other)
    # until the daemon has seen the close, the connection is in the dump
    deadline = time.monotonic() + 5
    while True:
        b = dump_state("b.xss")
        result = diff(a, b)
        if result[0] == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert result == (0, [], "")
    code, lines, _ = diff("--generations", a, b)
    assert code == 1 and "global: next_conn_id" in "\n".join(lines)

    xs.write("/xss-diff", b"two")
    xs.rm("/xss-diff/gone")
    xs.write("/xss-diff/new", b"\x00")
    c = dump_state("c.xss")
    assert diff(b, c) == (1, [
        'node /xss-diff: value "one" -> "two"',
        'node /xss-diff/gone: only in A',
        'node /xss-diff/new: only in B',
    ], "")
