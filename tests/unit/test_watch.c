// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_watch.c - watches: registration, matching, depth, relative paths,
 * permissions, quota and the bytes of the events queued.
 *
 * The fixture (xsd_fixture.h) is a daemon without transports: a struct
 * xsd with an in-memory store, the domain table and connections with
 * fd -1 whose queued output (conn->out) the tests decode.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "path.h"
#include "xsd_fixture.h"

/* ---- fixture (xsd_fixture.h) -------------------------------------------- */

/* With the special paths (@introduceDomain, @releaseDomain). */
static int
setup(void **state)
{
	return fix_setup(state, FIX_SPECIALS);
}

/* ---- helpers ------------------------------------------------------------ */

static void
watch(struct conn *c, const char *path, const char *token, int depth)
{
	assert_int_equal(watch_add(c, path, false, token, depth), 0);
}

static void
set_perms(struct fix *f, const char *path, const struct perm *p,
	  unsigned int n)
{
	assert_int_equal(tree_set_perms(f->c0, NULL, path, p, n), 0);
}

/* /local/domain/<domid>, owned by the domain. */
static void
make_home(struct fix *f, unsigned int domid)
{
	struct perm p = { domid, PERM_NONE };
	char *path = path_domain(f->tmp, domid);

	wr(f->c0, NULL, path, "");
	set_perms(f, path, &p, 1);
}

/* ---- tests -------------------------------------------------------------- */

static void
test_event_bytes(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	static const uint8_t payload[] = "/a\0token";	/* 9 bytes */
	struct xsd_sockmsg h;

	watch(c, "/a", "token", WATCH_NO_DEPTH);
	assert_int_equal(c->out_len, 0);
	watch_fire_initial(c, "/a", "token");
	assert_int_equal(c->out_off, 0);
	assert_int_equal(c->out_len, sizeof(h) + sizeof(payload));
	memcpy(&h, c->out, sizeof(h));
	assert_int_equal(h.type, XS_WATCH_EVENT);
	assert_int_equal(h.req_id, 0);
	assert_int_equal(h.tx_id, 0);
	assert_int_equal(h.len, sizeof(payload));
	assert_memory_equal(c->out + sizeof(h), payload, sizeof(payload));
	/* It is on the flush list for the main loop to send. */
	assert_false(list_empty(&c->flush_link));

	/* The same through the decoder, and nothing more. */
	expect_event(c, "/a", "token");
	expect_none(c);

	/* No initial event for a watch that does not exist. */
	watch_fire_initial(c, "/a", "other");
	watch_fire_initial(c, "/b", "token");
	expect_none(c);
}

static void
test_initial_event(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);

	/* Fires whether or not the node exists, with the watch's path. */
	watch(c, "/not/there", "t1", WATCH_NO_DEPTH);
	watch(c, "/", "t2", 1);
	watch(c, "@releaseDomain", "t3", WATCH_NO_DEPTH);
	watch_fire_initial(c, "/not/there", "t1");
	watch_fire_initial(c, "/", "t2");
	watch_fire_initial(c, "@releaseDomain", "t3");
	expect_event(c, "/not/there", "t1");
	expect_event(c, "/", "t2");
	expect_event(c, "@releaseDomain", "t3");
	expect_none(c);
}

static void
test_node_and_children(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);

	watch(c, "/a", "a", WATCH_NO_DEPTH);
	wr(f->c0, NULL, "/a", "1");
	expect_event(c, "/a", "a");
	wr(f->c0, NULL, "/a/b/c", "deep");	/* creates /a/b as well */
	expect_event(c, "/a/b/c", "a");
	expect_none(c);
	wr(f->c0, NULL, "/a/b", "value");
	expect_event(c, "/a/b", "a");
	assert_int_equal(tree_mkdir(f->c0, NULL, "/a/m"), 0);
	expect_event(c, "/a/m", "a");

	/* Not below /a: nothing. */
	wr(f->c0, NULL, "/ab", "");
	wr(f->c0, NULL, "/b", "");
	wr(f->c0, NULL, "/a-b/c", "");
	expect_none(c);

	rm(f->c0, NULL, "/a/b/c");
	expect_event(c, "/a/b/c", "a");
	rm(f->c0, NULL, "/a");
	expect_event(c, "/a", "a");
	expect_none(c);
}

static void
test_no_event_above(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);

	watch(c, "/a/b", "ab", WATCH_NO_DEPTH);
	wr(f->c0, NULL, "/a", "");
	wr(f->c0, NULL, "/a/x", "");
	rm(f->c0, NULL, "/a/x");
	expect_none(c);
	wr(f->c0, NULL, "/a/b/c", "");
	expect_event(c, "/a/b/c", "ab");
	expect_none(c);
}

static void
test_no_event_on_failure(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct conn *c5 = new_conn(f, 5, false);

	watch(c, "/", "all", WATCH_NO_DEPTH);
	wr(f->c0, NULL, "/locked", "");
	expect_event(c, "/locked", "all");
	assert_int_equal(tree_write(c5, NULL, "/locked", "x", 1), EACCES);
	assert_int_equal(tree_rm(c5, NULL, "/locked"), EACCES);
	assert_int_equal(tree_mkdir(c5, NULL, "/locked/x"), EACCES);
	assert_int_equal(tree_rm(f->c0, NULL, "/no/such"), ENOENT);
	assert_int_equal(tree_rm(f->c0, NULL, "/nothing"), 0);
	assert_int_equal(tree_mkdir(f->c0, NULL, "/locked"), 0);
	expect_none(c);
}

static void
test_depth(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);

	watch(c, "/d", "d0", 0);
	watch(c, "/d", "d1", 1);
	watch(c, "/d", "d2", 2);
	watch(c, "/d", "dn", WATCH_NO_DEPTH);

	wr(f->c0, NULL, "/d", "");
	expect_event(c, "/d", "d0");
	expect_event(c, "/d", "d1");
	expect_event(c, "/d", "d2");
	expect_event(c, "/d", "dn");
	expect_none(c);

	wr(f->c0, NULL, "/d/1", "");
	expect_event(c, "/d/1", "d1");
	expect_event(c, "/d/1", "d2");
	expect_event(c, "/d/1", "dn");
	expect_none(c);

	wr(f->c0, NULL, "/d/1/2", "");
	expect_event(c, "/d/1/2", "d2");
	expect_event(c, "/d/1/2", "dn");
	expect_none(c);

	wr(f->c0, NULL, "/d/1/2/3", "");
	expect_event(c, "/d/1/2/3", "dn");
	expect_none(c);

	/* Removals count the removed node's depth too. */
	rm(f->c0, NULL, "/d/1/2");
	expect_event(c, "/d/1/2", "d2");
	expect_event(c, "/d/1/2", "dn");
	expect_none(c);
}

static void
test_depth_root(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);

	watch(c, "/", "r0", 0);
	watch(c, "/", "r1", 1);
	wr(f->c0, NULL, "/x", "");
	expect_event(c, "/x", "r1");
	wr(f->c0, NULL, "/x/y", "");
	expect_none(c);
	/* Only a change of the root itself is at depth 0. */
	set_perms(f, "/", &(struct perm){ 0, PERM_NONE }, 1);
	expect_event(c, "/", "r0");
	expect_event(c, "/", "r1");
	expect_none(c);
}

static void
test_depth_below_removed(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);

	wr(f->c0, NULL, "/d/1/2", "");
	watch(c, "/d/1/2", "deep0", 0);
	watch(c, "/d", "top0", 0);
	/* top0 (depth 0) does not hear of /d/1; deep0 hears its own path. */
	rm(f->c0, NULL, "/d/1");
	expect_event(c, "/d/1/2", "deep0");
	expect_none(c);
}

static void
test_recursive_removal(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct conn *c2 = new_conn(f, 0, true);

	wr(f->c0, NULL, "/r/a/b/x", "");
	wr(f->c0, NULL, "/r/ab", "");
	wr(f->c0, NULL, "/other", "");
	watch(c, "/r", "t1", WATCH_NO_DEPTH);
	watch(c, "/r/a", "t2", WATCH_NO_DEPTH);
	watch(c, "/r/a/b", "t3", WATCH_NO_DEPTH);
	watch(c, "/r/a/b/c/d", "t4", WATCH_NO_DEPTH);	/* never existed */
	watch(c, "/r/ab", "t5", WATCH_NO_DEPTH);
	watch(c, "/other", "t6", WATCH_NO_DEPTH);
	watch(c2, "/r/a/b/x", "x", WATCH_NO_DEPTH);

	/* A plain change does not reach watches below the changed node. */
	wr(f->c0, NULL, "/r/a/b", "v");
	expect_event(c, "/r/a/b", "t1");
	expect_event(c, "/r/a/b", "t2");
	expect_event(c, "/r/a/b", "t3");
	expect_none(c);
	expect_none(c2);

	/* A removal reaches them, each with its own watch path. */
	rm(f->c0, NULL, "/r/a");
	expect_event(c, "/r/a", "t1");
	expect_event(c, "/r/a", "t2");
	expect_event(c, "/r/a/b", "t3");
	expect_event(c, "/r/a/b/c/d", "t4");
	expect_none(c);
	expect_event(c2, "/r/a/b/x", "x");
	expect_none(c2);
}

static void
test_relative_watch(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);
	char *path;
	int err = 0;

	make_home(f, 5);
	path = path_canonical(f->tmp, 5, "dev", false, &err);
	assert_non_null(path);
	assert_string_equal(path, "/local/domain/5/dev");
	assert_int_equal(watch_add(c5, path, true, "rel", WATCH_NO_DEPTH), 0);
	assert_int_equal(watch_add(c5, path, false, "abs", WATCH_NO_DEPTH),
			 0);

	watch_fire_initial(c5, path, "rel");
	watch_fire_initial(c5, path, "abs");
	expect_event(c5, "dev", "rel");
	expect_event(c5, "/local/domain/5/dev", "abs");
	expect_none(c5);

	/* The domain's own write and one of dom0. */
	assert_int_equal(tree_write(c5, NULL, "/local/domain/5/dev/x", "1", 1),
			 0);
	expect_event(c5, "dev/x", "rel");
	expect_event(c5, "/local/domain/5/dev/x", "abs");
	wr(f->c0, NULL, "/local/domain/5/dev", "2");
	expect_event(c5, "dev", "rel");
	expect_event(c5, "/local/domain/5/dev", "abs");
	expect_none(c5);

	/* Unwatching needs the same canonical path and token. */
	assert_int_equal(watch_remove(c5, path, "abs"), 0);
	/* Removing the home: the watch below gets its own, relative path. */
	rm(f->c0, NULL, "/local/domain/5");
	expect_event(c5, "dev", "rel");
	expect_none(c5);
}

static void
test_relative_watch_depth(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);

	make_home(f, 5);
	assert_int_equal(watch_add(c5, "/local/domain/5", false, "home", 1),
			 0);
	assert_int_equal(watch_add(c5, "/local/domain/5/a", true, "a", 0), 0);
	assert_int_equal(tree_write(c5, NULL, "/local/domain/5/a", "", 0), 0);
	expect_event(c5, "/local/domain/5/a", "home");
	expect_event(c5, "a", "a");
	assert_int_equal(tree_write(c5, NULL, "/local/domain/5/a/b", "", 0),
			 0);
	expect_none(c5);
}

static void
test_unprivileged_needs_read(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);
	struct conn *p5 = new_conn(f, 5, true);	/* privileged domain 5 */
	struct perm r5[] = { { 0, PERM_NONE }, { 5, PERM_READ } };
	struct perm w5[] = { { 0, PERM_NONE }, { 5, PERM_WRITE } };
	struct perm rall[] = { { 0, PERM_READ } };

	watch(c5, "/", "c5", WATCH_NO_DEPTH);
	watch(p5, "/", "p5", WATCH_NO_DEPTH);

	/* New nodes inherit the root's "n0": domain 5 may not read. */
	wr(f->c0, NULL, "/secret", "s");
	expect_none(c5);
	expect_event(p5, "/secret", "p5");

	/* Made readable: the permission change reaches whoever may read
	 * the node before or after it; the next write by the new ones. */
	set_perms(f, "/secret", r5, 2);
	expect_event(c5, "/secret", "c5");
	expect_event(p5, "/secret", "p5");
	wr(f->c0, NULL, "/secret", "t");
	expect_event(c5, "/secret", "c5");
	expect_event(p5, "/secret", "p5");

	/* Write-only is not enough. */
	wr(f->c0, NULL, "/wo", "");
	set_perms(f, "/wo", w5, 2);
	wr(f->c0, NULL, "/wo", "x");
	expect_none(c5);

	/* Readable by default. */
	wr(f->c0, NULL, "/open", "");
	set_perms(f, "/open", rall, 1);
	expect_event(c5, "/open", "c5");
	wr(f->c0, NULL, "/open", "x");
	expect_event(c5, "/open", "c5");

	/* Removal of an unreadable node. */
	rm(f->c0, NULL, "/wo");
	expect_none(c5);
	rm(f->c0, NULL, "/secret");
	expect_event(c5, "/secret", "c5");
	expect_none(c5);
}

static void
test_unprivileged_below_removed(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);
	struct perm rall[] = { { 0, PERM_READ } };

	/*
	 * A watch below a removed node is judged by the removed node
	 * nearest above it: a readable child of an unreadable parent is
	 * reported, an unreadable one is not.
	 */
	wr(f->c0, NULL, "/hidden/x", "");
	wr(f->c0, NULL, "/shown/x", "");
	set_perms(f, "/shown/x", rall, 1);
	watch(c5, "/hidden/x", "h", WATCH_NO_DEPTH);
	watch(c5, "/shown/x", "s", WATCH_NO_DEPTH);
	rm(f->c0, NULL, "/hidden");
	rm(f->c0, NULL, "/shown");
	expect_event(c5, "/shown/x", "s");
	expect_none(c5);
}

static void
test_target_may_read(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);
	struct perm p7[] = { { 7, PERM_NONE } };

	/* A domain acting for domain 7 hears what 7 may read. */
	c5->target = 7;
	watch(c5, "/", "t", WATCH_NO_DEPTH);
	wr(f->c0, NULL, "/of7", "");
	expect_none(c5);
	set_perms(f, "/of7", p7, 1);
	expect_event(c5, "/of7", "t");
	wr(f->c0, NULL, "/of7", "x");
	expect_event(c5, "/of7", "t");
	expect_none(c5);
}

/* An event on path that every domain may read ("r0"). */
static void
fire_readable(struct fix *f, const char *path)
{
	struct perm all = { 0, PERM_READ };
	struct watch_event ev = {
		.path = path,
		.perms = { &all },
		.nperms = { 1 },
	};

	watch_fire(f->xsd, &ev);
}

static void
test_special_paths(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct conn *c5 = new_conn(f, 5, false);

	watch(c, "@introduceDomain", "i", WATCH_NO_DEPTH);
	watch(c, "/", "root", WATCH_NO_DEPTH);
	watch(c5, "@releaseDomain", "r5", WATCH_NO_DEPTH);

	fire_readable(f, "@introduceDomain");
	expect_event(c, "@introduceDomain", "i");
	expect_none(c);
	expect_none(c5);
	/* Readable by all, they reach everyone watching. */
	fire_readable(f, "@releaseDomain");
	expect_none(c);
	expect_event(c5, "@releaseDomain", "r5");
	/* A node change is no special event. */
	wr(f->c0, NULL, "/x", "");
	expect_event(c, "/x", "root");
	expect_none(c);
	expect_none(c5);
}

static void
test_special_forms(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);

	watch(c, "@introduceDomain", "plain", WATCH_NO_DEPTH);
	watch(c, "@introduceDomain", "depth0", 0);
	watch(c, "@introduceDomain", "depth1", 1);
	watch(c, "@introduceDomain/5", "dom5", WATCH_NO_DEPTH);
	watch(c, "@introduceDomain/6", "dom6", WATCH_NO_DEPTH);
	watch(c, "@introduceDomain/55", "dom55", WATCH_NO_DEPTH);
	watch(c, "@releaseDomain", "rel", WATCH_NO_DEPTH);
	watch(c, "/", "root", WATCH_NO_DEPTH);

	watch_fire_special(f->xsd, "@introduceDomain", 5);
	expect_event(c, "@introduceDomain", "plain");
	expect_event(c, "@introduceDomain", "depth0");
	expect_event(c, "@introduceDomain/5", "depth1");
	expect_event(c, "@introduceDomain/5", "dom5");
	expect_none(c);

	watch_fire_special(f->xsd, "@releaseDomain", 65535);
	expect_event(c, "@releaseDomain", "rel");
	expect_none(c);
}

static void
test_special_perms(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);
	struct conn *c7 = new_conn(f, 7, false);
	struct conn *p = new_conn(f, 0, true);
	struct special_node *sp = watch_special(f->xsd, "@releaseDomain");
	struct perm r5[] = { { 0, PERM_NONE }, { 5, PERM_READ } };
	struct perm *old_perms;
	unsigned int old_n;

	assert_non_null(sp);
	assert_string_equal(sp->path, "@releaseDomain");
	assert_non_null(watch_special(f->xsd, "@introduceDomain"));
	assert_string_equal(watch_special(f->xsd, "@introduceDomain")->path,
			    "@introduceDomain");
	assert_null(watch_special(f->xsd, "@other"));
	assert_null(watch_special(f->xsd, "/"));

	watch(c5, "@releaseDomain", "c5", WATCH_NO_DEPTH);
	watch(c7, "@releaseDomain", "c7", WATCH_NO_DEPTH);
	watch(p, "@releaseDomain", "p", WATCH_NO_DEPTH);
	/* By default ("n0") only the privileged hear of domains. */
	watch_fire_special(f->xsd, "@releaseDomain", 3);
	expect_none(c5);
	expect_none(c7);
	expect_event(p, "@releaseDomain", "p");

	/* Permissions of the special node let others read it. */
	old_perms = sp->perms;
	old_n = sp->nperms;
	sp->perms = r5;
	sp->nperms = 2;
	watch_fire_special(f->xsd, "@releaseDomain", 3);
	expect_event(c5, "@releaseDomain", "c5");
	expect_none(c7);
	expect_event(p, "@releaseDomain", "p");
	sp->perms = old_perms;
	sp->nperms = old_n;
}

static void
test_order_and_conns(void **state)
{
	struct fix *f = *state;
	struct conn *a = new_conn(f, 0, true);
	struct conn *b = new_conn(f, 0, true);

	watch(a, "/m", "a", WATCH_NO_DEPTH);
	watch(b, "/m", "b1", WATCH_NO_DEPTH);
	watch(b, "/m/2", "b2", WATCH_NO_DEPTH);
	wr(f->c0, NULL, "/m/1", "");
	wr(f->c0, NULL, "/m/2", "");
	wr(f->c0, NULL, "/m/3", "");
	expect_event(a, "/m/1", "a");
	expect_event(a, "/m/2", "a");
	expect_event(a, "/m/3", "a");
	expect_none(a);
	expect_event(b, "/m/1", "b1");
	expect_event(b, "/m/2", "b1");
	expect_event(b, "/m/2", "b2");
	expect_event(b, "/m/3", "b1");
	expect_none(b);
}

static void
test_txn_events_at_commit(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct txn *t;

	watch(c, "/w", "w", WATCH_NO_DEPTH);
	t = start(f->c0);
	wr(f->c0, t, "/w/1", "");
	wr(f->c0, t, "/w/2", "");
	expect_none(c);
	assert_int_equal(txn_end(t, true), 0);
	expect_event(c, "/w/1", "w");
	expect_event(c, "/w/2", "w");
	expect_none(c);
	t = start(f->c0);
	wr(f->c0, t, "/w/3", "");
	assert_int_equal(txn_end(t, false), 0);
	expect_none(c);
}

static void
test_txn_removal_reaches_watch_below(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct txn *t;

	wr(f->c0, NULL, "/z/deep/er", "");
	watch(c, "/z/deep", "below", WATCH_NO_DEPTH);
	watch(c, "/z", "at", WATCH_NO_DEPTH);
	/* Changed, then removed: the removal still reaches the watch below. */
	t = start(f->c0);
	wr(f->c0, t, "/z", "changed");
	rm(f->c0, t, "/z");
	assert_int_equal(txn_end(t, true), 0);
	expect_event(c, "/z", "at");
	expect_event(c, "/z/deep", "below");
	expect_event(c, "/z", "at");
	expect_none(c);
}

static void
test_duplicate(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct conn *c2 = new_conn(f, 0, true);

	watch(c, "/a", "t", WATCH_NO_DEPTH);
	assert_int_equal(watch_add(c, "/a", false, "t", WATCH_NO_DEPTH),
			 EEXIST);
	/* Depth and relativity do not make a watch another one. */
	assert_int_equal(watch_add(c, "/a", false, "t", 1), EEXIST);
	assert_int_equal(watch_add(c, "/a", true, "t", WATCH_NO_DEPTH),
			 EEXIST);
	assert_int_equal(c->nwatches, 1);
	assert_int_equal(c->domain->watches, 1);
	watch(c, "/a", "u", WATCH_NO_DEPTH);
	watch(c, "/b", "t", WATCH_NO_DEPTH);
	/* Another connection may use the same pair. */
	watch(c2, "/a", "t", WATCH_NO_DEPTH);
	assert_int_equal(c->nwatches, 3);
	assert_int_equal(c2->nwatches, 1);
	assert_int_equal(c->domain->watches, 4);
	/* One change, one event per watch, in the order they were set. */
	wr(f->c0, NULL, "/a", "");
	expect_event(c, "/a", "t");
	expect_event(c, "/a", "u");
	expect_none(c);
	expect_event(c2, "/a", "t");
	expect_none(c2);
}

static void
test_unwatch(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);

	assert_int_equal(watch_remove(c, "/a", "t"), ENOENT);
	watch(c, "/a", "t", WATCH_NO_DEPTH);
	watch(c, "/a", "u", WATCH_NO_DEPTH);
	assert_int_equal(watch_remove(c, "/a", "x"), ENOENT);
	assert_int_equal(watch_remove(c, "/b", "t"), ENOENT);
	assert_int_equal(watch_remove(c, "/a/", "t"), ENOENT);
	assert_int_equal(c->nwatches, 2);

	assert_int_equal(watch_remove(c, "/a", "t"), 0);
	assert_int_equal(c->nwatches, 1);
	assert_int_equal(c->domain->watches, 1);
	assert_int_equal(watch_remove(c, "/a", "t"), ENOENT);
	wr(f->c0, NULL, "/a", "");
	expect_event(c, "/a", "u");
	expect_none(c);
	watch_fire_initial(c, "/a", "t");
	expect_none(c);

	/* The pair can be set again. */
	watch(c, "/a", "t", WATCH_NO_DEPTH);
	watch_remove_all(c);
	assert_int_equal(c->nwatches, 0);
	assert_int_equal(c->domain->watches, 0);
	assert_true(list_empty(&c->watches));
	wr(f->c0, NULL, "/a", "x");
	expect_none(c);
}

static void
test_quota(void **state)
{
	struct fix *f = *state;
	struct conn *a = new_conn(f, 5, false);
	struct conn *b = new_conn(f, 5, false);
	struct domain *d = a->domain;
	unsigned int limit = d->quota.hard[Q_WATCHES], i;
	char tok[16];

	assert_int_equal(limit, 128);
	/*
	 * The quota is the domain's, shared by its connections; beyond it
	 * the answer is E2BIG, as upstream's (watch.h).
	 */
	for (i = 0; i < 100; i++) {
		snprintf(tok, sizeof(tok), "a%u", i);
		watch(a, "/q", tok, WATCH_NO_DEPTH);
	}
	for (i = 0; i < limit - 100; i++) {
		snprintf(tok, sizeof(tok), "b%u", i);
		watch(b, "/q", tok, WATCH_NO_DEPTH);
	}
	assert_int_equal(d->watches, limit);
	assert_int_equal(watch_add(a, "/q", false, "more", WATCH_NO_DEPTH),
			 E2BIG);
	assert_int_equal(watch_add(b, "/q", false, "more", WATCH_NO_DEPTH),
			 E2BIG);
	assert_int_equal(a->nwatches, 100);
	/* A duplicate is still a duplicate. */
	assert_int_equal(watch_add(a, "/q", false, "a0", WATCH_NO_DEPTH),
			 EEXIST);
	/* Room again after an unwatch, for either connection. */
	assert_int_equal(watch_remove(a, "/q", "a7"), 0);
	watch(b, "/q", "more", WATCH_NO_DEPTH);
	assert_int_equal(watch_add(a, "/q", false, "a7", WATCH_NO_DEPTH),
			 E2BIG);
	/* Closing a connection gives its share back. */
	talloc_free(a);
	assert_int_equal(d->watches, limit - 99);
	watch(b, "/q", "after", WATCH_NO_DEPTH);

	/* A domain-5 connection that is privileged is not limited... */
	a = new_conn(f, 5, true);
	for (i = 0; i < 200; i++) {
		snprintf(tok, sizeof(tok), "p%u", i);
		watch(a, "/q", tok, WATCH_NO_DEPTH);
	}
	/* ... and neither is dom0. */
	for (i = 0; i < 300; i++) {
		snprintf(tok, sizeof(tok), "z%u", i);
		watch(f->c0, "/q", tok, WATCH_NO_DEPTH);
	}
	assert_int_equal(f->c0->nwatches, 300);
}

static void
test_close_frees_watches(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 7, false);
	struct domain *d = c->domain;

	watch(c, "/a", "1", WATCH_NO_DEPTH);
	watch(c, "/b", "2", 3);
	assert_int_equal(d->watches, 2);
	talloc_free(c);
	assert_int_equal(d->watches, 0);
	/* Events for a closed connection go nowhere. */
	wr(f->c0, NULL, "/a", "");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_event_bytes),
		T(test_initial_event),
		T(test_node_and_children),
		T(test_no_event_above),
		T(test_no_event_on_failure),
		T(test_depth),
		T(test_depth_root),
		T(test_depth_below_removed),
		T(test_recursive_removal),
		T(test_relative_watch),
		T(test_relative_watch_depth),
		T(test_unprivileged_needs_read),
		T(test_unprivileged_below_removed),
		T(test_target_may_read),
		T(test_special_paths),
		T(test_special_forms),
		T(test_special_perms),
		T(test_order_and_conns),
		T(test_txn_events_at_commit),
		T(test_txn_removal_reaches_watch_below),
		T(test_duplicate),
		T(test_unwatch),
		T(test_quota),
		T(test_close_frees_watches),
	};

	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("watch", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
