# SPDX-License-Identifier: GPL-2.0-or-later
"""Debian's xenstore-utils command line clients against the daemon.

The CLIs are linked with libxenstore and find the daemon through
XENSTORED_PATH (set in ``xsd.env``).  Output formats are those of the
4.17 clients; values reach them through the daemon, so they check the
daemon's replies end to end.
"""

import subprocess

from conftest import IO_TIMEOUT, raises_xs


def cli(xsd, *argv, **kw):
    return xsd.run(list(argv), **kw)


def ok(xsd, *argv):
    r = xsd.run(list(argv))
    assert r.returncode == 0, "%s: rc=%d stderr=%r" % (argv, r.returncode, r.stderr)
    return r.stdout


def test_write_read_roundtrip(xsd, xs):
    assert ok(xsd, "xenstore-write", "/cli/a", "hello world") == b""
    assert ok(xsd, "xenstore-read", "/cli/a") == b"hello world\n"
    assert xs.read("/cli/a") == b"hello world"


def test_write_read_several_pairs(xsd):
    # Several pairs: the client wraps them into one transaction.
    ok(xsd, "xenstore-write", "/cli/k1", "v1", "/cli/k2", "v2", "/cli/k3", "")
    assert ok(xsd, "xenstore-read", "/cli/k1", "/cli/k2", "/cli/k3") == b"v1\nv2\n\n"
    assert ok(xsd, "xenstore-read", "-p", "/cli/k1") == b"/cli/k1: v1\n"


def test_write_creates_missing_parents_with_empty_values(xsd, xs):
    ok(xsd, "xenstore-write", "/cli/p/q/r", "leaf")
    assert ok(xsd, "xenstore-read", "/cli/p") == b"\n"
    assert ok(xsd, "xenstore-read", "/cli/p/q") == b"\n"
    assert xs.read("/cli/p") == b""
    assert xs.read("/cli/p/q") == b""
    assert xs.read("/cli/p/q/r") == b"leaf"
    assert xs.directory("/cli/p") == [b"q"]


def test_read_missing_node_fails(xsd):
    r = cli(xsd, "xenstore-read", "/cli/nope")
    assert r.returncode == 1
    assert r.stdout == b""
    assert b"couldn't read path /cli/nope" in r.stderr


def _tree(xs):
    xs.write("/t/a", "1")
    xs.write("/t/b/c", "x y")
    xs.write("/t/b/d", "")
    xs.write("/t/long", "v" * 100)


def test_ls_format(xsd, xs):
    _tree(xs)
    out = ok(xsd, "xenstore-ls", "/t")
    assert out == (b'a = "1"\n'
                   b'b = ""\n'
                   b' c = "x y"\n'
                   b' d = ""\n'
                   # 80 columns when stdout is not a terminal
                   b'long = "' + b"v" * 68 + b'\\..."\n')


def test_ls_flat_format(xsd, xs):
    _tree(xs)
    out = ok(xsd, "xenstore-ls", "-f", "/t")
    assert out == (b'/t/a = "1"\n'
                   b'/t/b = ""\n'
                   b'/t/b/c = "x y"\n'
                   b'/t/b/d = ""\n'
                   b'/t/long = "' + b"v" * 100 + b'"\n')


def test_ls_missing_node_fails(xsd):
    r = cli(xsd, "xenstore-ls", "/cli/nope")
    assert r.returncode == 1
    assert b"xs_directory (/cli/nope): No such file or directory" in r.stderr


def test_ls_leaf_prints_nothing(xsd, xs):
    xs.write("/cli/leaf", "v")
    assert ok(xsd, "xenstore-ls", "/cli/leaf") == b""


def test_list_format(xsd, xs):
    for name in ("zeta", "alpha", "mid"):
        xs.write("/cli/l/" + name, name)
    xs.write("/cli/l/alpha/deep", "")
    assert ok(xsd, "xenstore-list", "/cli/l") == b"zeta\nalpha\nmid\n"
    assert ok(xsd, "xenstore-list", "-p", "/cli/l") == \
        b"/cli/l/zeta\n/cli/l/alpha\n/cli/l/mid\n"
    assert ok(xsd, "xenstore-list", "/cli/l/zeta") == b""
    r = cli(xsd, "xenstore-list", "/cli/nope")
    assert r.returncode == 1
    assert b"could not list path /cli/nope" in r.stderr


def test_exists_exit_codes(xsd, xs):
    xs.write("/cli/e/x", "")
    assert cli(xsd, "xenstore-exists", "/cli/e").returncode == 0
    assert cli(xsd, "xenstore-exists", "/cli/e/x").returncode == 0
    assert cli(xsd, "xenstore-exists", "/cli/e/y").returncode == 1
    assert cli(xsd, "xenstore-exists", "/cli/nope/deeper").returncode == 1
    assert cli(xsd, "xenstore-exists", "/").returncode == 0


def test_rm_recursive(xsd, xs):
    xs.write("/cli/r/a/b/c", "1")
    xs.write("/cli/r/a/d", "2")
    xs.write("/cli/r/keep", "3")
    assert ok(xsd, "xenstore-rm", "/cli/r/a") == b""
    for p in ("/cli/r/a", "/cli/r/a/b", "/cli/r/a/b/c", "/cli/r/a/d"):
        with raises_xs("ENOENT"):
            xs.read(p)
    assert xs.directory("/cli/r") == [b"keep"]
    assert xs.read("/cli/r/keep") == b"3"


def test_rm_missing_node_with_existing_parent_succeeds(xsd, xs):
    xs.write("/cli/parent", "")
    assert ok(xsd, "xenstore-rm", "/cli/parent/missing") == b""
    assert xs.directory("/cli/parent") == []


def test_rm_missing_parent_fails(xsd, xs):
    r = cli(xsd, "xenstore-rm", "/cli/nope/missing")
    assert r.returncode == 1
    assert b"could not remove path /cli/nope/missing" in r.stderr
    with raises_xs("ENOENT"):
        xs.rm("/cli/nope/missing")


def test_rm_tidy(xsd, xs):
    xs.write("/cli/tidy/a/b", "x")
    xs.write("/cli/tidy/v", "")
    xs.write("/cli/tidy", "")
    ok(xsd, "xenstore-rm", "-t", "/cli/tidy/a/b")
    # /cli/tidy/a became empty and valueless: removed; /cli/tidy still has v
    assert xs.directory("/cli/tidy") == [b"v"]


def test_chmod_then_ls_perms(xsd, xs):
    _tree(xs)
    ok(xsd, "xenstore-chmod", "/t/b", "n0", "r5", "b1", "w2")
    assert xs.get_perms("/t/b") == [b"n0", b"r5", b"b1", b"w2"]
    out = ok(xsd, "xenstore-ls", "-p", "/t")
    assert out.splitlines() == [
        b'a = "1"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)',
        b'b = "" . . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r5,b1,w2)',
        b' c = "x y" . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)',
        b' d = ""  . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)',
        b'long = "' + b"v" * 68 + b'\\..."  (n0)',
    ]
    out = ok(xsd, "xenstore-ls", "-f", "-p", "/t/b")
    assert out == b'/t/b/c = "x y"   (n0)\n/t/b/d = ""   (n0)\n'


def test_chmod_recursive_and_upto(xsd, xs):
    xs.write("/cm/a/b/c", "")
    ok(xsd, "xenstore-chmod", "-r", "/cm/a", "b0", "r3")
    for p in ("/cm/a", "/cm/a/b", "/cm/a/b/c"):
        assert xs.get_perms(p) == [b"b0", b"r3"], p
    assert xs.get_perms("/cm") == [b"n0"]
    ok(xsd, "xenstore-chmod", "-u", "/cm/a/b", "n0", "w7")
    for p in ("/cm", "/cm/a", "/cm/a/b"):
        assert xs.get_perms(p) == [b"n0", b"w7"], p
    assert xs.get_perms("/cm/a/b/c") == [b"b0", b"r3"]


def test_chmod_missing_node_fails(xsd):
    r = cli(xsd, "xenstore-chmod", "/cli/nope", "n0")
    assert r.returncode == 1
    assert b"Error occurred setting permissions on '/cli/nope'" in r.stderr


def _watch_cli(xsd, argv, actions, nlines):
    """Start xenstore-watch, wait for its initial events, run actions."""
    p = subprocess.Popen(argv, env=xsd.env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        lines = []
        for _ in range(nlines):
            line = p.stdout.readline()   # guarded by the test's alarm
            lines.append(line)
        actions()
        out, err = p.communicate(timeout=IO_TIMEOUT * 2)
        return p.returncode, lines, out, err
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_watch_cli_initial_then_changes(xsd, xs):
    xs.write("/cli/w", "")

    def actions():
        xs.write("/cli/w/x", "1")
        xs.write("/cli/other", "not watched")
        xs.write("/cli/w", "2")
    rc, first, rest, err = _watch_cli(
        xsd, ["timeout", str(int(IO_TIMEOUT * 2)), "xenstore-watch", "-n", "3", "/cli/w"],
        actions, 1)
    assert first == [b"/cli/w\n"]        # fired once straight away
    assert rest == b"/cli/w/x\n/cli/w\n"
    assert rc == 0, err


def test_watch_cli_two_paths_and_removal(xsd, xs):
    xs.write("/cli/w1/c", "")
    xs.write("/cli/w2", "")

    def actions():
        xs.rm("/cli/w1")
        xs.write("/cli/w2/n", "")
    rc, first, rest, err = _watch_cli(
        xsd, ["timeout", str(int(IO_TIMEOUT * 2)), "xenstore-watch", "-n", "4", "/cli/w1/c", "/cli/w2"],
        actions, 2)
    assert sorted(first) == [b"/cli/w1/c\n", b"/cli/w2\n"]
    # removing a parent of the watched node reports the watched path
    assert rest == b"/cli/w1/c\n/cli/w2/n\n"
    assert rc == 0, err


# Bytes outside 0x20..0x7e are escaped by the CLIs (sanitise_value):
# \t \n \r \\ by name, bytes < 010 as 3-digit octal, others as \xNN.
SPECIAL = b'tab\there\nnl\rcr \\ back "quote" \x01\x07\x08\x1f\x7f\x80\xff\x00end'
SPECIAL_ESCAPED = (b'tab\\there\\nnl\\rcr \\\\ back "quote" '
                   b'\\001\\007\\x08\\x1f\\x7f\\x80\\xff\\000end')


def test_special_bytes_read_escaped_and_raw(xsd, xs):
    xs.write("/cli/special", SPECIAL)
    assert ok(xsd, "xenstore-read", "/cli/special") == SPECIAL_ESCAPED + b"\n"
    # -R prints the raw value, all of it
    assert ok(xsd, "xenstore-read", "-R", "/cli/special") == SPECIAL
    out = ok(xsd, "xenstore-ls", "-f", "/cli")
    assert out == b'/cli/special = "' + SPECIAL_ESCAPED + b'"\n'


def test_special_bytes_written_via_escapes(xsd, xs):
    ok(xsd, "xenstore-write", "/cli/esc", "a\\tb\\x41\\101\\000z\\\\")
    assert xs.read("/cli/esc") == b"a\tbAA\x00z\\"
    ok(xsd, "xenstore-write", "-R", "/cli/raw", "a\\tb \"q\" $x")
    assert xs.read("/cli/raw") == b"a\\tb \"q\" $x"


def test_write_long_value(xsd, xs):
    value = "".join(chr(0x21 + i % 90) for i in range(2000)).replace("\\", "/")
    ok(xsd, "xenstore-write", "/cli/long", value)
    assert xs.read("/cli/long") == value.encode()
    assert ok(xsd, "xenstore-read", "/cli/long") == value.encode() + b"\n"
