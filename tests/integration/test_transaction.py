# SPDX-License-Identifier: GPL-2.0-or-later
"""Transactions: TRANSACTION_START / TRANSACTION_END and tx_id handling."""

import copy

import pytest
import pyxs

from conftest import (XS_DIRECTORY, XS_GET_DOMAIN_PATH, XS_READ,
                      XS_TRANSACTION_END, XS_TRANSACTION_START, XS_WRITE,
                      raises_xs)


@pytest.fixture
def other(xsd):
    """A second pyxs client (separate connection)."""
    c = pyxs.Client(unix_socket_path=xsd.socket)
    c.connect()
    yield c
    c.tx_id = 0
    c.close()


# -- through pyxs ------------------------------------------------------------
def test_commit(pyxs_client, other):
    c = pyxs_client
    c.write(b"/tx/a", b"old")
    c.transaction()
    c.write(b"/tx/a", b"new")
    c.write(b"/tx/b/c", b"created")
    assert c.commit() is True
    assert other.read(b"/tx/a") == b"new"
    assert other.read(b"/tx/b/c") == b"created"
    assert other.read(b"/tx/b") == b""


def test_abort(pyxs_client, other):
    c = pyxs_client
    c.write(b"/tx/a", b"old")
    c.transaction()
    c.write(b"/tx/a", b"new")
    c.write(b"/tx/fresh", b"x")
    c.delete(b"/tx/a")
    c.rollback()
    assert other.read(b"/tx/a") == b"old"
    assert not other.exists(b"/tx/fresh")


def test_read_your_writes_and_isolation(pyxs_client, other):
    c = pyxs_client
    c.write(b"/tx/a", b"old")
    c.write(b"/tx/gone", b"here")
    c.transaction()
    c.write(b"/tx/a", b"new")
    c.write(b"/tx/n/m", b"1")
    c.delete(b"/tx/gone")
    # inside: sees its own changes
    assert c.read(b"/tx/a") == b"new"
    assert c.read(b"/tx/n/m") == b"1"
    assert c.list(b"/tx/n") == [b"m"]
    assert not c.exists(b"/tx/gone")
    # outside: sees the old state
    assert other.read(b"/tx/a") == b"old"
    assert not other.exists(b"/tx/n")
    assert other.read(b"/tx/gone") == b"here"
    assert c.commit() is True
    assert other.read(b"/tx/a") == b"new"
    assert not other.exists(b"/tx/gone")


def test_conflict_eagain(pyxs_client, other):
    c = pyxs_client
    c.write(b"/tx/a", b"0")
    c.write(b"/tx/b", b"0")
    c.transaction()
    assert c.read(b"/tx/a") == b"0"
    c.write(b"/tx/b", b"from-tx")
    other.write(b"/tx/a", b"changed outside")   # node read in the txn
    assert c.commit() is False                   # EAGAIN
    assert other.read(b"/tx/b") == b"0"          # nothing of it applied
    assert other.read(b"/tx/a") == b"changed outside"


def test_no_conflict_for_unrelated_paths(pyxs_client, other):
    c = pyxs_client
    c.write(b"/tx/a", b"0")
    other.write(b"/unrelated/x", b"0")
    c.transaction()
    assert c.read(b"/tx/a") == b"0"
    c.write(b"/tx/b", b"1")
    other.write(b"/unrelated/x", b"1")
    other.write(b"/unrelated/y", b"new")
    assert c.commit() is True
    assert other.read(b"/tx/b") == b"1"


def test_pyxs_transaction_via_shared_router(pyxs_client):
    """pyxs multiplexes a transaction and non-transactional requests over
    one connection (copy of the client): tx_id tells them apart."""
    c = pyxs_client
    c.write(b"/tx/s", b"old")
    t = copy.copy(c)
    t.transaction()
    t.write(b"/tx/s", b"new")
    assert c.read(b"/tx/s") == b"old"
    assert t.read(b"/tx/s") == b"new"
    assert t.commit() is True
    assert c.read(b"/tx/s") == b"new"


# -- raw protocol ------------------------------------------------------------
def test_txid_echoed_in_replies(xs):
    tx = xs.tx_start()
    for type_, payload in ((XS_WRITE, b"/tx/e\0v"), (XS_READ, b"/tx/e\0"),
                           (XS_DIRECTORY, b"/tx\0"), (XS_READ, b"/tx/none\0")):
        m = xs.request(type_, payload, tx_id=tx, req_id=0xdeadbeef)
        assert m.tx_id == tx and m.req_id == 0xdeadbeef
    m = xs.request(XS_TRANSACTION_END, b"T\0", tx_id=tx, req_id=0xfeedf00d)
    assert (m.type, m.req_id, m.tx_id, m.payload) == \
        (XS_TRANSACTION_END, 0xfeedf00d, tx, b"OK\0")


def test_transaction_start_reply_format(xs):
    m = xs.request(XS_TRANSACTION_START, b"\0", req_id=0x42)
    assert m.type == XS_TRANSACTION_START and m.req_id == 0x42 and m.tx_id == 0
    assert m.payload.endswith(b"\0") and m.payload.count(b"\0") == 1
    txt = m.payload[:-1]
    assert txt.isdigit() and txt == str(int(txt)).encode()   # plain decimal
    tx = int(txt)
    assert 0 < tx < 2 ** 32
    xs.tx_end(tx, commit=False)


def test_transaction_ids_distinct(xs):
    ids = [xs.tx_start() for _ in range(5)]
    assert len(set(ids)) == 5
    for t in ids:
        xs.tx_end(t, commit=False)


def test_transaction_start_with_nonzero_txid(xs):
    tx = xs.tx_start()
    # inside an existing transaction: no nesting
    with raises_xs("EBUSY"):
        xs.call(XS_TRANSACTION_START, b"", tx_id=tx)
    # unknown transaction id
    with raises_xs("ENOENT"):
        xs.call(XS_TRANSACTION_START, b"", tx_id=tx + 1000)
    xs.tx_end(tx)


def test_unknown_txid_enoent(xs):
    for type_, payload in ((XS_READ, b"/\0"), (XS_WRITE, b"/tx/u\0v"),
                           (XS_DIRECTORY, b"/\0"),
                           (XS_GET_DOMAIN_PATH, b"0\0")):
        with raises_xs("ENOENT"):
            xs.call(type_, raw=payload, tx_id=31337)
    with raises_xs("ENOENT"):
        xs.call(XS_TRANSACTION_END, "T", tx_id=31337)
    with raises_xs("ENOENT"):
        xs.call(XS_TRANSACTION_END, "T", tx_id=0)     # no transaction
    assert not xs.exists("/tx/u")


def test_txid_belongs_to_its_connection(xsd, xs):
    tx = xs.tx_start()
    xs.write("/tx/own", "1", tx=tx)
    o = xsd.client()
    with raises_xs("ENOENT"):
        o.read("/tx/own", tx=tx)
    with raises_xs("ENOENT"):
        o.tx_end(tx)
    xs.tx_end(tx)
    assert o.read("/tx/own") == b"1"


def test_ended_transaction_is_gone(xs):
    tx = xs.tx_start()
    xs.tx_end(tx)
    with raises_xs("ENOENT"):
        xs.read("/", tx=tx)
    with raises_xs("ENOENT"):
        xs.tx_end(tx)
    tx = xs.tx_start()
    xs.tx_end(tx, commit=False)
    with raises_xs("ENOENT"):
        xs.tx_end(tx, commit=False)


def test_transaction_end_bad_argument(xs):
    tx = xs.tx_start()
    with raises_xs("EINVAL"):
        xs.call(XS_TRANSACTION_END, "X", tx_id=tx)
    with raises_xs("EINVAL"):
        xs.call(XS_TRANSACTION_END, raw=b"T", tx_id=tx)   # no NUL
    with raises_xs("EINVAL"):
        xs.call(XS_TRANSACTION_END, raw=b"", tx_id=tx)
    xs.tx_end(tx)        # still usable after the rejected attempts


def test_conflict_on_node_read_missing_then_created(xsd, xs):
    o = xsd.client()
    tx = xs.tx_start()
    with raises_xs("ENOENT"):
        xs.read("/tx/later", tx=tx)
    xs.write("/tx/other", "1", tx=tx)
    o.write("/tx/later", "created outside")
    with raises_xs("EAGAIN"):
        xs.tx_end(tx)
    with raises_xs("ENOENT"):
        o.read("/tx/other")
    with raises_xs("ENOENT"):
        xs.tx_end(tx)                   # gone after the failed commit


def test_conflict_on_sibling_creation(xsd, xs):
    """Creating a child changes the parent's list of children: two
    transactions adding children to the same node conflict."""
    xs.write("/tx/par", "")
    t1 = xs.tx_start()
    t2 = xs.tx_start()
    xs.write("/tx/par/one", "1", tx=t1)
    xs.write("/tx/par/two", "2", tx=t2)
    xs.tx_end(t1)
    with raises_xs("EAGAIN"):
        xs.tx_end(t2)
    assert xs.directory("/tx/par") == [b"one"]


def test_conflict_on_write_write(xsd, xs):
    o = xsd.client()
    tx = xs.tx_start()
    xs.write("/tx/ww", "tx", tx=tx)
    o.write("/tx/ww", "outside")
    with raises_xs("EAGAIN"):
        xs.tx_end(tx)
    assert o.read("/tx/ww") == b"outside"


def test_abort_never_conflicts(xsd, xs):
    o = xsd.client()
    xs.write("/tx/ab", "0")
    tx = xs.tx_start()
    xs.read("/tx/ab", tx=tx)
    o.write("/tx/ab", "1")
    xs.tx_end(tx, commit=False)          # OK, not EAGAIN


def test_read_only_transaction_commits(xsd, xs):
    xs.write("/tx/ro", "0")
    tx = xs.tx_start()
    assert xs.read("/tx/ro", tx=tx) == b"0"
    xs.tx_end(tx)


def test_parallel_transactions_on_one_connection(xsd, xs):
    xs.write("/tx/p/one", "")
    xs.write("/tx/p/two", "")
    t1 = xs.tx_start()
    t2 = xs.tx_start()
    xs.write("/tx/p/one", "1", tx=t1)
    xs.write("/tx/p/two", "2", tx=t2)
    assert xs.read("/tx/p/one", tx=t1) == b"1"
    assert xs.read("/tx/p/two", tx=t2) == b"2"
    xs.tx_end(t1)
    xs.tx_end(t2)
    assert xs.read("/tx/p/one") == b"1"
    assert xs.read("/tx/p/two") == b"2"


def test_many_transactions_on_one_connection(xs):
    """Every socket client is dom0, which upstream exempts from the
    "transactions" quota (10): it only applies to unprivileged domains
    (ENOSPC then).  64 open transactions must therefore all work."""
    for i in range(64):
        xs.write("/tx/many/%d" % i, "")
    ids = [xs.tx_start() for _ in range(64)]
    assert len(set(ids)) == 64
    for i, t in enumerate(ids):
        xs.write("/tx/many/%d" % i, str(i), tx=t)
    for t in ids:
        xs.tx_end(t)
    assert len(xs.directory("/tx/many")) == 64


def test_events_only_on_commit(xsd, xs):
    w = xsd.client()
    w.watch("/txw", "t")
    assert w.drain_events() == [(b"/txw", b"t")]
    tx = xs.tx_start()
    xs.write("/txw/a", "1", tx=tx)
    xs.write("/txw/b", "1", tx=tx)
    xs.write("/txw/b", "2", tx=tx)
    w.no_event()
    xs.tx_end(tx)
    assert sorted(w.drain_events(2)) == [(b"/txw/a", b"t"), (b"/txw/b", b"t")]
    tx = xs.tx_start()
    xs.write("/txw/c", "1", tx=tx)
    xs.tx_end(tx, commit=False)
    w.no_event()
    # a failed (EAGAIN) commit fires nothing either
    tx = xs.tx_start()
    xs.read("/txw/a", tx=tx)
    xs.write("/txw/d", "1", tx=tx)
    xs.write("/txw/a", "outside")
    assert w.drain_events(1) == [(b"/txw/a", b"t")]
    with raises_xs("EAGAIN"):
        xs.tx_end(tx)
    w.no_event()


def test_rm_in_transaction_events_and_result(xsd, xs):
    xs.write("/txr/a/b/c", "")
    w = xsd.client()
    w.watch("/txr", "t")
    w.drain_events()
    tx = xs.tx_start()
    xs.rm("/txr/a", tx=tx)
    assert xs.directory("/txr", tx=tx) == []
    assert xs.directory("/txr") == [b"a"]
    xs.tx_end(tx)
    assert w.drain_events(1) == [(b"/txr/a", b"t")]
    assert xs.directory("/txr") == []


def test_get_domain_path_in_transaction(xs):
    tx = xs.tx_start()
    assert xs.call(XS_GET_DOMAIN_PATH, "0", tx_id=tx) == b"/local/domain/0\0"
    xs.tx_end(tx)


def test_read_missing_then_created_conflicts(xs, xsd):
    """A transaction that found a node missing must not commit once
    somebody else created it (its decision rested on the absence)."""
    other = xsd.client()
    tx = xs.tx_start()
    with raises_xs("ENOENT"):
        xs.read("/appears", tx=tx)
    xs.write("/elsewhere", "x", tx=tx)
    other.write("/appears", "now")
    with raises_xs("EAGAIN"):
        xs.tx_end(tx)
    assert not xs.exists("/elsewhere")
    # without the other's write it commits
    tx = xs.tx_start()
    with raises_xs("ENOENT"):
        xs.read("/still-missing", tx=tx)
    xs.write("/elsewhere", "x", tx=tx)
    xs.tx_end(tx)
    assert xs.read("/elsewhere") == b"x"
