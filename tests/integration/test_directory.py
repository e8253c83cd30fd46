# SPDX-License-Identifier: GPL-2.0-or-later
"""DIRECTORY and DIRECTORY_PART.

DIRECTORY_PART request: "<path>\\0<offset>\\0"; reply:
"<gencnt>\\0<child>\\0<child>\\0...": the chunk that reaches the end of the
list carries one more "\\0" (an empty name), which libxenstore's
xs_directory_part() uses to stop (it loops until the reply ends "\\0\\0").
"""

import pytest

from conftest import PAYLOAD_MAX, XS_DIRECTORY, XS_DIRECTORY_PART, raises_xs


def dir_part(xs, path, off, tx=0):
    p = xs.call(XS_DIRECTORY_PART, path, str(off), tx_id=tx)
    assert len(p) <= PAYLOAD_MAX
    gen, _, rest = p.partition(b"\0")
    assert gen.isdigit(), "gencnt must be decimal: %r" % p[:40]
    return gen, rest


def read_all_parts(xs, path):
    """Collect a whole children list chunk by chunk, as libxenstore does."""
    off = 0
    names = b""
    gens = set()
    chunks = 0
    while True:
        gen, rest = dir_part(xs, path, off)
        gens.add(gen)
        chunks += 1
        assert chunks < 100
        if rest.endswith(b"\0\0") or rest == b"\0":
            names += rest[:-1]
            break
        assert rest.endswith(b"\0") and rest != b"", \
            "chunk must end after a complete name: %r" % rest[-40:]
        names += rest
        off += len(rest)
    assert len(gens) == 1, "gencnt changed between chunks: %r" % gens
    return [n for n in names.split(b"\0")[:-1]], chunks


def test_directory_order_is_creation_order(xs):
    for n in ("c", "a", "b", "aa", "0"):
        xs.write("/d/" + n, "")
    assert xs.directory("/d") == [b"c", b"a", b"b", b"aa", b"0"]
    xs.rm("/d/a")
    xs.write("/d/a", "again")
    assert xs.directory("/d") == [b"c", b"b", b"aa", b"0", b"a"]
    xs.write("/d/c", "value change keeps the place")
    assert xs.directory("/d") == [b"c", b"b", b"aa", b"0", b"a"]


def test_directory_exact_bytes(xs):
    xs.write("/d/x", "")
    xs.write("/d/yy", "")
    assert xs.call(XS_DIRECTORY, "/d") == b"x\0yy\0"
    assert xs.call(XS_DIRECTORY, "/d/x") == b""          # no children
    with raises_xs("ENOENT"):
        xs.directory("/d/nope")


def test_directory_part_small(xs):
    xs.write("/dp/a", "")
    xs.write("/dp/bb", "")
    gen, rest = dir_part(xs, "/dp", 0)
    assert rest == b"a\0bb\0\0"
    gen2, rest = dir_part(xs, "/dp", 2)                 # "a\0" skipped
    assert (gen2, rest) == (gen, b"bb\0\0")
    gen3, rest = dir_part(xs, "/dp", 5)                 # at the end
    assert (gen3, rest) == (gen, b"\0")
    gen4, rest = dir_part(xs, "/dp", 1000)              # beyond the end
    assert (gen4, rest) == (gen, b"\0")


def test_directory_part_leaf(xs):
    xs.write("/dp/leaf", "v")
    gen, rest = dir_part(xs, "/dp/leaf", 0)
    assert rest == b"\0"


def test_directory_part_gencnt(xs):
    xs.write("/dg/a", "")
    g1, _ = dir_part(xs, "/dg", 0)
    g2, _ = dir_part(xs, "/dg", 0)
    assert g1 == g2                                     # unchanged node
    xs.write("/dg/b", "")
    g3, rest = dir_part(xs, "/dg", 0)
    assert g3 != g1 and rest == b"a\0b\0\0"
    xs.rm("/dg/a")
    g4, rest = dir_part(xs, "/dg", 0)
    assert g4 not in (g1, g3) and rest == b"b\0\0"


def test_directory_part_errors(xs):
    with raises_xs("ENOENT"):
        xs.call(XS_DIRECTORY_PART, "/nope", "0")
    with raises_xs("EINVAL"):
        xs.call(XS_DIRECTORY_PART, "/")                 # offset missing
    with raises_xs("EINVAL"):
        xs.call(XS_DIRECTORY_PART, "/bad//path", "0")


# 120 names of 45 bytes: 5520 bytes of children list > 4096
BIG_NAMES = ["child-%03d-%s" % (i, "x" * 35) for i in range(120)]


@pytest.fixture
def big_dir(xs):
    for n in BIG_NAMES:
        xs.write("/big/" + n, n[:9])
    assert sum(len(n) + 1 for n in BIG_NAMES) > PAYLOAD_MAX
    return "/big"


def test_big_directory_e2big(xs, big_dir):
    with raises_xs("E2BIG"):
        xs.directory(big_dir)


def test_big_directory_parts(xs, big_dir):
    names, chunks = read_all_parts(xs, big_dir)
    assert names == [n.encode() for n in BIG_NAMES]
    assert chunks >= 2


def test_big_directory_part_in_transaction(xs, big_dir):
    tx = xs.tx_start()
    xs.write("/big/zz-added-in-tx", "", tx=tx)
    gen, rest = dir_part(xs, big_dir, 0, tx=tx)
    assert rest.startswith(BIG_NAMES[0].encode() + b"\0")
    xs.tx_end(tx, commit=False)


def test_big_directory_xenstore_ls_and_list(xsd, xs, big_dir):
    r = xsd.run(["xenstore-list", big_dir], check=True)
    assert r.stdout == b"".join(n.encode() + b"\n" for n in BIG_NAMES)
    r = xsd.run(["xenstore-ls", big_dir], check=True)
    assert r.stdout == b"".join(b'%s = "%s"\n' % (n.encode(), n[:9].encode())
                                for n in BIG_NAMES)


def test_pyxs_list_of_big_directory_is_e2big(pyxs_client, big_dir):
    import errno
    from pyxs.exceptions import PyXSError
    with pytest.raises(PyXSError) as ei:
        pyxs_client.list(big_dir.encode())
    assert ei.value.args[0] == errno.E2BIG


def _exact_list(xs, path, total):
    """Children of path whose names (with NULs) add up to total octets;
    returns the list as the daemon joins it."""
    xs.mkdir(path)
    names = []
    left = total
    i = 0
    while left > 200:
        n = ("c%03d-" % i).ljust(99, "x")       # 100 octets with the NUL
        names.append(n)
        left -= 100
        i += 1
    names.append(("c%03d-" % i).ljust(left - 1, "y"))
    for n in names:
        xs.mkdir("%s/%s" % (path, n))
    joined = b"".join(n.encode() + b"\0" for n in names)
    assert len(joined) == total
    return joined


@pytest.mark.parametrize("extra", [0, 1])
def test_directory_part_exact_boundary(xs, extra):
    """A list that fits a reply to the last octet comes in one chunk
    (gencnt, the names, the final empty name: exactly 4096 octets); one
    octet more and the last name goes to a second chunk."""
    path = "/boundary"
    # The gencnt of /boundary is fixed once its children exist; size the
    # list for its width and check it did not change.
    for _ in range(3):
        if xs.exists(path):
            xs.rm(path)
        gen, _ = dir_part(xs, "/", 0)
        width = len(gen) + 1
        joined = _exact_list(xs, path, PAYLOAD_MAX - width - 1 + extra)
        gen, rest = dir_part(xs, path, 0)
        if len(gen) + 1 == width:
            break
    else:
        pytest.skip("gencnt width kept changing")
    p = xs.call(XS_DIRECTORY_PART, path, "0")
    if extra == 0:
        assert len(p) == PAYLOAD_MAX
        assert p == gen + b"\0" + joined + b"\0"
        return
    last = joined[:-1].rsplit(b"\0", 1)[1] + b"\0"
    assert p == gen + b"\0" + joined[:-len(last)]
    assert len(p) == PAYLOAD_MAX - len(last)
    p2 = xs.call(XS_DIRECTORY_PART, path, str(len(joined) - len(last)))
    assert p2 == gen + b"\0" + last + b"\0"
