# SPDX-License-Identifier: GPL-2.0-or-later
"""Watches: WATCH / UNWATCH / WATCH_EVENT / RESET_WATCHES.

pyxs monitors are used for the basic flows; the raw client checks the
exact event payloads ("<epath>\\0<token>\\0", req_id = tx_id = 0: see
conftest.parse_event) and the error names.
"""

import queue

import pytest
from pyxs._internal import Event
from pyxs.exceptions import PyXSError

from conftest import (IO_TIMEOUT, XS_RESET_WATCHES, XS_WATCH, XS_UNWATCH,
                      XS_WATCH_EVENT, raises_xs)
import errno


def next_event(m, timeout=IO_TIMEOUT):
    return m.events.get(timeout=timeout)


def no_event(m, timeout=0.2):
    with pytest.raises(queue.Empty):
        ev = m.events.get(timeout=timeout)
        print("unexpected event", ev)


# -- pyxs flows ------------------------------------------------------------
def test_initial_event_immediately(pyxs_client):
    m = pyxs_client.monitor()
    pyxs_client.write(b"/w", b"")
    m.watch(b"/w", b"tok")
    assert next_event(m) == Event(b"/w", b"tok")
    no_event(m)
    # also for a path that does not exist (yet)
    m.watch(b"/w/not/there", b"tok2")
    assert next_event(m) == Event(b"/w/not/there", b"tok2")
    no_event(m)


def test_events_on_node_and_children(pyxs_client, xsd):
    import pyxs
    m = pyxs_client.monitor()
    m.watch(b"/w", b"t")
    assert next_event(m) == Event(b"/w", b"t")
    with pyxs.Client(unix_socket_path=xsd.socket) as other:
        other.write(b"/w", b"v")
        assert next_event(m) == Event(b"/w", b"t")
        other.write(b"/w/child", b"c")
        assert next_event(m) == Event(b"/w/child", b"t")
        other.write(b"/w/child/grand", b"g")
        assert next_event(m) == Event(b"/w/child/grand", b"t")
        other.set_perms(b"/w/child", [b"n0", b"r1"])
        assert next_event(m) == Event(b"/w/child", b"t")
        other.mkdir(b"/w/dir")
        assert next_event(m) == Event(b"/w/dir", b"t")
        other.delete(b"/w/dir")
        assert next_event(m) == Event(b"/w/dir", b"t")
        # not children of /w: no events
        other.write(b"/wx", b"prefix but not a child")
        other.write(b"/other/w", b"")
        no_event(m)
    # changes made by the watching connection itself fire too
    pyxs_client.write(b"/w/self", b"")
    assert next_event(m) == Event(b"/w/self", b"t")


def test_event_on_parent_removal_is_wpath(pyxs_client):
    c = pyxs_client
    c.write(b"/a/b/c/d", b"")
    m = c.monitor()
    m.watch(b"/a/b/c", b"t")
    assert next_event(m) == Event(b"/a/b/c", b"t")
    c.delete(b"/a")
    assert next_event(m) == Event(b"/a/b/c", b"t")
    no_event(m)


def test_unwatch_stops_events(pyxs_client):
    c = pyxs_client
    m = c.monitor()
    m.watch(b"/u", b"t")
    assert next_event(m) == Event(b"/u", b"t")
    m.unwatch(b"/u", b"t")
    c.write(b"/u/x", b"")
    c.write(b"/u", b"1")
    no_event(m)


def test_unwatch_unknown_is_enoent(pyxs_client):
    m = pyxs_client.monitor()
    with pytest.raises(PyXSError) as ei:
        m.unwatch(b"/never", b"watched")
    assert ei.value.args[0] == errno.ENOENT


def test_duplicate_watch_is_eexist(pyxs_client):
    m = pyxs_client.monitor()
    m.watch(b"/dup", b"t")
    assert next_event(m) == Event(b"/dup", b"t")
    with pytest.raises(PyXSError) as ei:
        m.watch(b"/dup", b"t")
    assert ei.value.args[0] == errno.EEXIST
    no_event(m)


# -- raw protocol ----------------------------------------------------------
def test_watch_event_bytes(xsd, xs):
    w = xsd.client()
    m = w.request(XS_WATCH, b"/wb\0my-token\0", req_id=0xabcdef)
    assert (m.type, m.req_id, m.tx_id, m.payload) == (XS_WATCH, 0xabcdef, 0, b"OK\0")
    ev = w.recv_msg()
    assert (ev.type, ev.req_id, ev.tx_id, ev.payload) == \
        (XS_WATCH_EVENT, 0, 0, b"/wb\0my-token\0")
    xs.write("/wb/x", "1")
    ev = w.recv_msg()
    assert (ev.type, ev.req_id, ev.tx_id, ev.payload) == \
        (XS_WATCH_EVENT, 0, 0, b"/wb/x\0my-token\0")
    w.no_event()


def test_watch_ack_precedes_initial_event(xsd):
    w = xsd.client()
    rid = w.send(XS_WATCH, b"/order\0t\0")
    first = w.recv_msg()
    assert first.type == XS_WATCH and first.req_id == rid
    second = w.recv_msg()
    assert second.type == XS_WATCH_EVENT and second.payload == b"/order\0t\0"


def test_same_path_two_tokens_both_fire(xsd, xs):
    w = xsd.client()
    w.watch("/two", "t1")
    w.watch("/two", "t2")
    assert sorted(w.drain_events()) == [(b"/two", b"t1"), (b"/two", b"t2")]
    xs.write("/two", "x")
    assert sorted(w.drain_events()) == [(b"/two", b"t1"), (b"/two", b"t2")]
    w.unwatch("/two", "t1")
    xs.write("/two", "y")
    assert w.drain_events() == [(b"/two", b"t2")]


def test_empty_token(xsd, xs):
    w = xsd.client()
    w.watch("/et", "")
    assert w.wait_event() == (b"/et", b"")
    xs.write("/et", "1")
    assert w.wait_event() == (b"/et", b"")


def test_unwatch_errors(xsd):
    w = xsd.client()
    w.watch("/ue", "tok")
    w.drain_events()
    with raises_xs("ENOENT"):
        w.unwatch("/ue", "other-token")
    with raises_xs("ENOENT"):
        w.unwatch("/ue/child", "tok")
    with raises_xs("ENOENT"):
        w.unwatch("/never", "tok")
    w.unwatch("/ue", "tok")
    with raises_xs("ENOENT"):
        w.unwatch("/ue", "tok")          # already removed


def test_watch_is_per_connection(xsd, xs):
    a = xsd.client()
    b = xsd.client()
    a.watch("/pc", "t")
    b.watch("/pc", "t")           # same path+token on another connection: fine
    assert a.drain_events() == [(b"/pc", b"t")]
    assert b.drain_events() == [(b"/pc", b"t")]
    with raises_xs("ENOENT"):
        xs.unwatch("/pc", "t")    # not this connection's watch
    b.unwatch("/pc", "t")
    xs.write("/pc", "1")
    assert a.drain_events() == [(b"/pc", b"t")]
    assert b.drain_events() == []


def test_watch_bad_requests(xsd):
    w = xsd.client()
    with raises_xs("EINVAL"):
        w.call(XS_WATCH, "/only-path")
    with raises_xs("EINVAL"):
        w.call(XS_WATCH, raw=b"")
    with raises_xs("EINVAL"):
        w.watch("/bad/", "t")
    with raises_xs("EINVAL"):
        w.watch("/bad//x", "t")
    with raises_xs("EINVAL"):
        w.watch("/bad path", "t")
    with raises_xs("EINVAL"):
        w.call(XS_UNWATCH, "/only-path")
    w.no_event()


def test_watch_ignores_tx_id(xsd, xs):
    """"The tx_id in a WATCH request is ignored": even an unknown one."""
    w = xsd.client()
    p = w.call(XS_WATCH, "/wtx", "t", tx_id=77)
    assert p == b"OK\0"
    assert w.wait_event() == (b"/wtx", b"t")
    xs.write("/wtx", "1")
    assert w.wait_event() == (b"/wtx", b"t")


def test_write_creating_parents_reports_the_written_path(xsd, xs):
    w = xsd.client()
    w.watch("/wp", "t")
    w.drain_events()
    xs.write("/wp/a/b/c", "1")
    assert w.drain_events() == [(b"/wp/a/b/c", b"t")]


def test_no_event_for_mkdir_of_existing_node_or_rm_of_missing(xsd, xs):
    xs.write("/nm/exists", "v")
    w = xsd.client()
    w.watch("/nm", "t")
    w.drain_events()
    xs.mkdir("/nm/exists")
    xs.rm("/nm/missing")
    w.no_event()


def test_rm_subtree_events(xsd, xs):
    """Removing /rs/a (with children) tells a watch on /rs about /rs/a,
    a watch on a removed descendant about its own path."""
    xs.write("/rs/a/b/c", "1")
    top = xsd.client()
    top.watch("/rs", "top")
    mid = xsd.client()
    mid.watch("/rs/a/b", "mid")
    leaf = xsd.client()
    leaf.watch("/rs/a/b/c", "leaf")
    for w in (top, mid, leaf):
        w.drain_events()
    xs.rm("/rs/a")
    assert top.drain_events() == [(b"/rs/a", b"top")]
    assert mid.drain_events() == [(b"/rs/a/b", b"mid")]
    assert leaf.drain_events() == [(b"/rs/a/b/c", b"leaf")]


def test_rm_of_watched_node_itself(xsd, xs):
    xs.write("/rself/x", "")
    w = xsd.client()
    w.watch("/rself", "t")
    w.drain_events()
    xs.rm("/rself")
    assert w.drain_events() == [(b"/rself", b"t")]


def test_watch_root(xsd, xs):
    w = xsd.client()
    w.watch("/", "root")
    assert w.drain_events() == [(b"/", b"root")]
    xs.write("/anything/below", "")
    assert w.drain_events() == [(b"/anything/below", b"root")]


def test_relative_watch_gives_relative_epath(xsd, xs):
    """Upstream accepts relative watch paths on a socket (as dom0, relative
    to /local/domain/0) and reports relative event paths for them, as the
    spec says for domains."""
    w = xsd.client()
    w.watch("relw", "rt")
    assert w.drain_events() == [(b"relw", b"rt")]
    xs.write("relw/k", "1")
    assert w.drain_events() == [(b"relw/k", b"rt")]
    xs.write("/local/domain/0/relw/k2", "2")
    assert w.drain_events() == [(b"relw/k2", b"rt")]
    # an absolute watch on the same node reports absolute paths
    w.watch("/local/domain/0/relw", "abs")
    assert w.drain_events() == [(b"/local/domain/0/relw", b"abs")]
    xs.write("relw/k3", "3")
    assert sorted(w.drain_events()) == [(b"/local/domain/0/relw/k3", b"abs"),
                                        (b"relw/k3", b"rt")]
    w.unwatch("relw", "rt")
    xs.write("relw/k4", "4")
    assert w.drain_events() == [(b"/local/domain/0/relw/k4", b"abs")]


def test_special_watch_paths(xsd):
    w = xsd.client()
    w.watch("@introduceDomain", "intro")
    w.watch("@releaseDomain", "rel")
    assert sorted(w.drain_events()) == [(b"@introduceDomain", b"intro"),
                                        (b"@releaseDomain", b"rel")]
    w.unwatch("@introduceDomain", "intro")
    w.unwatch("@releaseDomain", "rel")


def test_reset_watches(xsd, xs):
    w = xsd.client()
    w.watch("/rw1", "a")
    w.watch("/rw2", "b")
    w.drain_events()
    m = w.request(XS_RESET_WATCHES, b"", req_id=0x777)
    assert (m.type, m.req_id, m.payload) == (XS_RESET_WATCHES, 0x777, b"OK\0")
    xs.write("/rw1", "x")
    xs.write("/rw2", "y")
    w.no_event()
    with raises_xs("ENOENT"):
        w.unwatch("/rw1", "a")
    w.watch("/rw1", "a")                  # no EEXIST: it is gone
    assert w.drain_events() == [(b"/rw1", b"a")]


def test_reset_watches_also_ends_transactions(xsd, xs):
    c = xsd.client()
    tx = c.tx_start()
    c.write("/rwt/x", "1", tx=tx)
    c.ack(XS_RESET_WATCHES, b"")
    with raises_xs("ENOENT"):
        c.read("/rwt/x", tx=tx)
    with raises_xs("ENOENT"):
        xs.read("/rwt/x")


def test_many_watches_on_one_connection(xsd, xs):
    """dom0 (every socket client) is not limited by the watch quota."""
    w = xsd.client()
    for i in range(200):
        w.watch("/many/%d" % i, "t")
    evs = w.drain_events()
    assert sorted(evs) == sorted((b"/many/%d" % i, b"t") for i in range(200))
    xs.write("/many/150/x", "")
    assert w.drain_events() == [(b"/many/150/x", b"t")]


# -- watch depth (WATCH "path\0token\0depth\0") ------------------------------
@pytest.mark.ours_only("WATCH depth (XENSTORE_SERVER_FEATURE_WATCHDEPTH) is "
                       "Xen 4.18+; 4.17 answers EINVAL to a third argument")
def test_watch_depth_0(xsd, xs):
    w = xsd.client()
    w.watch("/dp", "t", "0")
    assert w.drain_events() == [(b"/dp", b"t")]
    xs.write("/dp/child", "")
    xs.write("/dp/child/grand", "")
    w.no_event()
    xs.write("/dp", "v")
    assert w.drain_events() == [(b"/dp", b"t")]


@pytest.mark.ours_only("WATCH depth is Xen 4.18+")
def test_watch_depth_1(xsd, xs):
    w = xsd.client()
    w.watch("/dp", "t", "1")
    assert w.drain_events() == [(b"/dp", b"t")]
    xs.write("/dp/child", "")
    assert w.drain_events() == [(b"/dp/child", b"t")]
    xs.write("/dp/child/grand", "")
    w.no_event()
    xs.write("/dp", "v")
    assert w.drain_events() == [(b"/dp", b"t")]
    # a depth watch is the same watch for UNWATCH purposes
    w.unwatch("/dp", "t")
    xs.write("/dp/child2", "")
    w.no_event()


@pytest.mark.ours_only("WATCH depth is Xen 4.18+")
def test_watch_depth_2_and_parent_removal(xsd, xs):
    xs.write("/dq/a/b/c", "")
    w = xsd.client()
    w.watch("/dq/a", "t", "2")
    assert w.drain_events() == [(b"/dq/a", b"t")]
    xs.write("/dq/a/b/c", "1")       # depth 2: matches
    assert w.drain_events() == [(b"/dq/a/b/c", b"t")]
    xs.write("/dq/a/b/c/d", "1")     # depth 3: no
    w.no_event()
    xs.rm("/dq")                     # parent removal still reports wpath
    assert w.drain_events() == [(b"/dq/a", b"t")]


@pytest.mark.ours_only("WATCH depth is Xen 4.18+")
def test_watch_depth_bad_values(xsd):
    w = xsd.client()
    with raises_xs("EINVAL"):
        w.watch("/dz", "t", "-1")
    w.no_event()


def test_write_to_ancestor_does_not_fire_watch_below(xsd, xs):
    """A change fires watches on its path and above, never below it
    (only a removal reaches the watches below the removed node)."""
    w = xsd.client()
    xs.write("/anc/b/c", "1")
    w.watch("/anc/b/c", "below")
    assert w.wait_event() == (b"/anc/b/c", b"below")
    xs.write("/anc", "changed")
    xs.write("/anc/b", "changed")
    xs.set_perms("/anc", ["n0", "r3"])
    w.no_event()
    xs.write("/anc/b/c/d", "1")                 # below the watch: fires
    assert w.drain_events(1) == [(b"/anc/b/c/d", b"below")]
    xs.rm("/anc")                               # removal reaches it
    assert w.drain_events(1) == [(b"/anc/b/c", b"below")]
    xsd.health_check()
