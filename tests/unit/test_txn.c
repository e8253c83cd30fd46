// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_txn.c - transactions: private views, conflicts at commit, the
 * application of changes and the watch events they fire.
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

/* Every test has f->w, a privileged connection watching "/". */
static int
setup(void **state)
{
	return fix_setup(state, FIX_WATCHER);
}

/* ---- helpers ------------------------------------------------------------ */

/* Read a value (NULL: the lookup's error must be err). */
static int
rd(struct fix *f, struct conn *c, struct txn *t, const char *path,
   char **val)
{
	struct node *n = NULL;
	int ret = tree_get(f->tmp, c, t, path, PERM_READ, &n);

	if (ret)
		return ret;
	*val = talloc_strndup(f->tmp, (const char *)n->value, n->len);
	assert_non_null(*val);
	talloc_free(n);
	return 0;
}

/* Macros, so that a failure names the caller's line. */
#define check_value(f, t, path, val) do {				\
	char *v_ = NULL;						\
	assert_int_equal(rd((f), (f)->c0, (t), (path), &v_), 0);	\
	assert_string_equal(v_, (val));					\
} while (0)

#define check_missing(f, t, path) do {					\
	char *v_ = NULL;						\
	assert_int_equal(rd((f), (f)->c0, (t), (path), &v_), ENOENT);	\
} while (0)

/* Children of path as "a,b,c" in the view of t. */
static char *
ls(struct fix *f, struct txn *t, const char *path)
{
	struct node *n = NULL;
	char **names = NULL, *s;
	unsigned int num = 0, i;

	assert_int_equal(tree_children(f->tmp, f->c0, t, path, &n, &names,
				       &num), 0);
	s = talloc_strdup(f->tmp, "");
	for (i = 0; i < num; i++)
		s = talloc_asprintf_append(s, "%s%s", i ? "," : "", names[i]);
	assert_non_null(s);
	talloc_free(names);
	talloc_free(n);
	return s;
}

/* ---- tests -------------------------------------------------------------- */

static void
test_start_end(void **state)
{
	struct fix *f = *state;
	struct domain *d0 = f->c0->domain;
	struct txn *t1 = start(f->c0), *t2 = start(f->c0);

	assert_int_not_equal(t1->id, 0);
	assert_int_not_equal(t2->id, 0);
	assert_int_not_equal(t1->id, t2->id);
	assert_ptr_equal(t1->conn, f->c0);
	assert_ptr_equal(txn_find(f->c0, t1->id), t1);
	assert_ptr_equal(txn_find(f->c0, t2->id), t2);
	assert_null(txn_find(f->c0, 0));
	assert_null(txn_find(f->w, t1->id));
	assert_int_equal(f->c0->ntxns, 2);
	assert_int_equal(d0->txns, 2);

	/* An empty commit and an abort. */
	assert_int_equal(txn_end(t1, true), 0);
	assert_int_equal(f->c0->ntxns, 1);
	assert_int_equal(txn_end(t2, false), 0);
	assert_int_equal(f->c0->ntxns, 0);
	assert_int_equal(d0->txns, 0);
	assert_true(list_empty(&f->c0->txns));
	expect_none(f->w);
}

static void
test_ids_not_reused_while_open(void **state)
{
	struct fix *f = *state;
	struct txn *t1 = start(f->c0), *t2;

	/* Wrap the counter onto the open transaction's id. */
	f->c0->next_txid = t1->id;
	t2 = start(f->c0);
	assert_int_not_equal(t2->id, t1->id);
	assert_int_not_equal(t2->id, 0);
	/* And across 0. */
	f->c0->next_txid = 0;
	assert_int_equal(txn_end(t2, false), 0);
	t2 = start(f->c0);
	assert_int_not_equal(t2->id, 0);
	assert_int_not_equal(t2->id, t1->id);
	assert_int_equal(txn_end(t1, false), 0);
	assert_int_equal(txn_end(t2, false), 0);
}

static void
test_read_your_writes(void **state)
{
	struct fix *f = *state;
	struct txn *t = start(f->c0);

	wr(f->c0, t, "/a", "one");
	wr(f->c0, t, "/a/b/c", "deep");
	check_value(f, t, "/a", "one");
	check_value(f, t, "/a/b", "");
	check_value(f, t, "/a/b/c", "deep");
	assert_string_equal(ls(f, t, "/"), "a");
	assert_string_equal(ls(f, t, "/a"), "b");
	wr(f->c0, t, "/a", "two");
	check_value(f, t, "/a", "two");

	/* Isolation: the store and other readers see nothing yet. */
	check_missing(f, NULL, "/a");
	assert_false(store_exists(f->xsd->store, "/a"));
	assert_string_equal(ls(f, NULL, "/"), "");
	expect_none(f->w);

	assert_int_equal(txn_end(t, true), 0);
	check_value(f, NULL, "/a", "two");
	check_value(f, NULL, "/a/b", "");
	check_value(f, NULL, "/a/b/c", "deep");
	assert_string_equal(ls(f, NULL, "/a"), "b");
	/* One event per path, in the order of the first change. */
	expect_event(f->w, "/a", "all");
	expect_event(f->w, "/a/b/c", "all");
	expect_none(f->w);
}

static void
test_binary_value(void **state)
{
	struct fix *f = *state;
	static const uint8_t val[] = { 'x', 0, 0xff, 0 };
	struct txn *t = start(f->c0);
	struct node *n = NULL;

	assert_int_equal(tree_write(f->c0, t, "/bin", val, sizeof(val)), 0);
	assert_int_equal(tree_get(f->tmp, f->c0, t, "/bin", PERM_READ, &n),
			 0);
	assert_int_equal(n->len, sizeof(val));
	assert_memory_equal(n->value, val, sizeof(val));
	assert_int_equal(txn_end(t, true), 0);
	assert_int_equal(tree_get(f->tmp, f->c0, NULL, "/bin", PERM_READ, &n),
			 0);
	assert_int_equal(n->len, sizeof(val));
	assert_memory_equal(n->value, val, sizeof(val));
}

static void
test_isolation_existing(void **state)
{
	struct fix *f = *state;
	struct txn *t;
	uint64_t gen;

	wr(f->c0, NULL, "/a", "old");
	wr(f->c0, NULL, "/a/keep", "k");
	expect_event(f->w, "/a", "all");
	expect_event(f->w, "/a/keep", "all");
	gen = store_last_gen(f->xsd->store);

	t = start(f->c0);
	wr(f->c0, t, "/a", "new");
	rm(f->c0, t, "/a/keep");
	wr(f->c0, t, "/a/added", "x");
	check_value(f, t, "/a", "new");
	check_missing(f, t, "/a/keep");
	assert_string_equal(ls(f, t, "/a"), "added");

	/* Outside: unchanged, not even a generation moved. */
	check_value(f, NULL, "/a", "old");
	check_value(f, NULL, "/a/keep", "k");
	check_missing(f, NULL, "/a/added");
	assert_string_equal(ls(f, NULL, "/a"), "keep");
	assert_int_equal(store_last_gen(f->xsd->store), gen);

	assert_int_equal(txn_end(t, true), 0);
	check_value(f, NULL, "/a", "new");
	check_missing(f, NULL, "/a/keep");
	check_value(f, NULL, "/a/added", "x");
	assert_string_equal(ls(f, NULL, "/a"), "added");
	expect_event(f->w, "/a", "all");
	expect_event(f->w, "/a/keep", "all");
	expect_event(f->w, "/a/added", "all");
	expect_none(f->w);
}

static void
test_abort(void **state)
{
	struct fix *f = *state;
	struct txn *t;
	uint64_t gen;

	wr(f->c0, NULL, "/a", "old");
	wr(f->c0, NULL, "/a/b", "b");
	expect_event(f->w, "/a", "all");
	expect_event(f->w, "/a/b", "all");
	gen = store_last_gen(f->xsd->store);

	t = start(f->c0);
	wr(f->c0, t, "/a", "new");
	wr(f->c0, t, "/x/y", "z");
	rm(f->c0, t, "/a/b");
	assert_int_equal(txn_end(t, false), 0);

	assert_int_equal(store_last_gen(f->xsd->store), gen);
	check_value(f, NULL, "/a", "old");
	check_value(f, NULL, "/a/b", "b");
	check_missing(f, NULL, "/x");
	expect_none(f->w);
}

static void
test_conflict_read_changed(void **state)
{
	struct fix *f = *state;
	struct conn *other = new_conn(f, 0, true);
	struct txn *t;
	char *v = NULL;

	wr(f->c0, NULL, "/a", "1");
	wr(f->c0, NULL, "/c", "1");
	expect_event(f->w, "/a", "all");
	expect_event(f->w, "/c", "all");
	t = start(f->c0);
	assert_int_equal(rd(f, f->c0, t, "/a", &v), 0);
	wr(other, NULL, "/a", "2");
	wr(other, NULL, "/c", "2");
	/* The view of what it touched stays as it was at the first touch;
	 * what it had not touched yet it sees as it is now. */
	check_value(f, t, "/a", "1");
	check_value(f, t, "/c", "2");
	wr(f->c0, t, "/b", "from txn");
	expect_event(f->w, "/a", "all");
	expect_event(f->w, "/c", "all");
	expect_none(f->w);

	assert_int_equal(txn_end(t, true), EAGAIN);
	/* Nothing applied, nothing fired, the transaction is gone. */
	check_missing(f, NULL, "/b");
	check_value(f, NULL, "/a", "2");
	expect_none(f->w);
	assert_int_equal(f->c0->ntxns, 0);
	assert_true(list_empty(&f->c0->txns));
}

static void
test_conflict_written_changed(void **state)
{
	struct fix *f = *state;
	struct txn *t;

	wr(f->c0, NULL, "/a", "1");
	t = start(f->c0);
	wr(f->c0, t, "/a", "txn");
	wr(f->w, NULL, "/a", "outside");
	assert_int_equal(txn_end(t, true), EAGAIN);
	check_value(f, NULL, "/a", "outside");
}

static void
test_conflict_removed(void **state)
{
	struct fix *f = *state;
	struct txn *t;
	char *v = NULL;

	wr(f->c0, NULL, "/a", "1");
	t = start(f->c0);
	assert_int_equal(rd(f, f->c0, t, "/a", &v), 0);
	rm(f->w, NULL, "/a");
	wr(f->c0, t, "/b", "x");
	assert_int_equal(txn_end(t, true), EAGAIN);
	check_missing(f, NULL, "/b");
}

static void
test_conflict_missing_created(void **state)
{
	struct fix *f = *state;
	struct txn *t;
	char *v = NULL;

	wr(f->c0, NULL, "/p", "");
	wr(f->c0, NULL, "/q", "");
	t = start(f->c0);
	assert_int_equal(rd(f, f->c0, t, "/p/c", &v), ENOENT);
	wr(f->c0, t, "/q/x", "1");
	wr(f->w, NULL, "/p/c", "created");
	assert_int_equal(txn_end(t, true), EAGAIN);
	check_missing(f, NULL, "/q/x");
}

static void
test_conflict_both_created(void **state)
{
	struct fix *f = *state;
	struct txn *t;

	wr(f->c0, NULL, "/p", "");
	t = start(f->c0);
	wr(f->c0, t, "/p/c", "txn");
	wr(f->w, NULL, "/p/c", "outside");
	assert_int_equal(txn_end(t, true), EAGAIN);
	check_value(f, NULL, "/p/c", "outside");
}

static void
test_conflict_dir_new_child(void **state)
{
	struct fix *f = *state;
	struct txn *t;

	wr(f->c0, NULL, "/d/x", "");
	wr(f->c0, NULL, "/other", "");
	t = start(f->c0);
	assert_string_equal(ls(f, t, "/d"), "x");
	wr(f->c0, t, "/other", "changed");
	wr(f->w, NULL, "/d/y", "");
	assert_int_equal(txn_end(t, true), EAGAIN);
	check_value(f, NULL, "/other", "");
}

static void
test_conflict_dir_child_removed(void **state)
{
	struct fix *f = *state;
	struct txn *t;

	wr(f->c0, NULL, "/d/x", "");
	wr(f->c0, NULL, "/d/y", "");
	t = start(f->c0);
	assert_string_equal(ls(f, t, "/d"), "x,y");
	wr(f->c0, t, "/z", "");
	rm(f->w, NULL, "/d/y");
	assert_int_equal(txn_end(t, true), EAGAIN);
	check_missing(f, NULL, "/z");
}

static void
test_no_conflict_unrelated(void **state)
{
	struct fix *f = *state;
	struct txn *t;
	char *v = NULL;

	wr(f->c0, NULL, "/a", "1");
	wr(f->c0, NULL, "/u/x", "1");
	wr(f->c0, NULL, "/u/gone", "1");
	t = start(f->c0);
	assert_int_equal(rd(f, f->c0, t, "/a", &v), 0);
	wr(f->c0, t, "/a", "txn");
	/* Outside: changes below /u, which the transaction never saw. */
	wr(f->w, NULL, "/u/x", "2");
	wr(f->w, NULL, "/u/new", "3");
	rm(f->w, NULL, "/u/gone");
	assert_int_equal(txn_end(t, true), 0);
	check_value(f, NULL, "/a", "txn");
	check_value(f, NULL, "/u/x", "2");
}

static void
test_no_conflict_sibling_added(void **state)
{
	struct fix *f = *state;
	struct txn *t;
	char *v = NULL;

	wr(f->c0, NULL, "/s/a", "1");
	wr(f->c0, NULL, "/s/b", "1");
	wr(f->c0, NULL, "/t", "");
	t = start(f->c0);
	assert_int_equal(rd(f, f->c0, t, "/s/b", &v), 0);
	wr(f->c0, t, "/t", "from txn");
	/* New siblings relink /s/b's record, but /s/b did not change. */
	wr(f->w, NULL, "/s/c", "");
	wr(f->w, NULL, "/s/d", "");
	/* Nor does the removal of its predecessor. */
	rm(f->w, NULL, "/s/a");
	assert_int_equal(txn_end(t, true), 0);
	check_value(f, NULL, "/t", "from txn");
	assert_string_equal(ls(f, NULL, "/s"), "b,c,d");
}

static void
test_no_conflict_sibling_added_after_write(void **state)
{
	struct fix *f = *state;
	struct txn *t;

	wr(f->c0, NULL, "/s/a", "1");
	t = start(f->c0);
	wr(f->c0, t, "/s/a", "txn");
	wr(f->w, NULL, "/s/b", "outside");
	assert_int_equal(txn_end(t, true), 0);
	check_value(f, NULL, "/s/a", "txn");
	check_value(f, NULL, "/s/b", "outside");
	assert_string_equal(ls(f, NULL, "/s"), "a,b");
}

static void
test_two_txns(void **state)
{
	struct fix *f = *state;
	struct conn *c2 = new_conn(f, 0, true);
	struct txn *t1, *t2;

	wr(f->c0, NULL, "/x", "0");
	wr(f->c0, NULL, "/y", "0");
	t1 = start(f->c0);
	t2 = start(c2);
	wr(f->c0, t1, "/x", "t1");
	wr(c2, t2, "/y", "t2");
	check_value(f, t1, "/y", "0");
	/* Disjoint: both commit. */
	assert_int_equal(txn_end(t1, true), 0);
	assert_int_equal(txn_end(t2, true), 0);
	check_value(f, NULL, "/x", "t1");
	check_value(f, NULL, "/y", "t2");

	/* Overlapping: the second to commit loses. */
	t1 = start(f->c0);
	t2 = start(c2);
	wr(f->c0, t1, "/x", "t1 again");
	wr(c2, t2, "/x", "t2 again");
	assert_int_equal(txn_end(t2, true), 0);
	assert_int_equal(txn_end(t1, true), EAGAIN);
	check_value(f, NULL, "/x", "t2 again");
}

static void
test_delete_then_recreate(void **state)
{
	struct fix *f = *state;
	struct txn *t;

	wr(f->c0, NULL, "/r", "old");
	wr(f->c0, NULL, "/r/c1", "1");
	wr(f->c0, NULL, "/r/c2/deep", "2");
	wr(f->c0, NULL, "/r2", "");
	expect_event(f->w, "/r", "all");
	expect_event(f->w, "/r/c1", "all");
	expect_event(f->w, "/r/c2/deep", "all");
	expect_event(f->w, "/r2", "all");

	t = start(f->c0);
	rm(f->c0, t, "/r");
	check_missing(f, t, "/r");
	check_missing(f, t, "/r/c1");
	assert_string_equal(ls(f, t, "/"), "r2");
	wr(f->c0, t, "/r", "new");
	check_value(f, t, "/r", "new");
	assert_string_equal(ls(f, t, "/r"), "");
	check_missing(f, t, "/r/c1");
	wr(f->c0, t, "/r/c1", "again");
	assert_string_equal(ls(f, t, "/r"), "c1");
	expect_none(f->w);

	assert_int_equal(txn_end(t, true), 0);
	check_value(f, NULL, "/r", "new");
	check_value(f, NULL, "/r/c1", "again");
	check_missing(f, NULL, "/r/c2");
	check_missing(f, NULL, "/r/c2/deep");
	assert_string_equal(ls(f, NULL, "/r"), "c1");
	expect_event(f->w, "/r", "all");
	expect_event(f->w, "/r", "all");
	expect_event(f->w, "/r/c1", "all");
	expect_none(f->w);
	assert_int_equal(store_count(f->xsd->store), 3);
}

static void
test_create_then_delete(void **state)
{
	struct fix *f = *state;
	struct txn *t;
	uint64_t gen;

	wr(f->c0, NULL, "/keep", "");
	expect_event(f->w, "/keep", "all");
	t = start(f->c0);
	wr(f->c0, t, "/tmp/a/b", "x");
	rm(f->c0, t, "/tmp");
	check_missing(f, t, "/tmp");
	assert_string_equal(ls(f, t, "/"), "keep");
	gen = store_gen(f->xsd->store, "/tmp");
	assert_int_equal(gen, 0);
	assert_int_equal(txn_end(t, true), 0);
	check_missing(f, NULL, "/tmp");
	assert_int_equal(store_count(f->xsd->store), 1);
	/* The events still tell what happened, in order. */
	expect_event(f->w, "/tmp/a/b", "all");
	expect_event(f->w, "/tmp", "all");
	expect_none(f->w);
}

static void
test_rm_subtree(void **state)
{
	struct fix *f = *state;
	struct txn *t;
	unsigned int count;

	wr(f->c0, NULL, "/t/a/b", "1");
	wr(f->c0, NULL, "/t/a/c/d", "2");
	wr(f->c0, NULL, "/t/a/c/e", "3");
	wr(f->c0, NULL, "/t/z", "4");
	expect_event(f->w, "/t/a/b", "all");
	expect_event(f->w, "/t/a/c/d", "all");
	expect_event(f->w, "/t/a/c/e", "all");
	expect_event(f->w, "/t/z", "all");
	count = store_count(f->xsd->store);

	t = start(f->c0);
	rm(f->c0, t, "/t/a");
	check_missing(f, t, "/t/a");
	check_missing(f, t, "/t/a/c/e");
	assert_string_equal(ls(f, t, "/t"), "z");
	/* Not yet outside. */
	check_value(f, NULL, "/t/a/c/e", "3");
	assert_int_equal(store_count(f->xsd->store), count);
	/* Removing what is gone is fine while the parent exists. */
	assert_int_equal(tree_rm(f->c0, t, "/t/a"), 0);
	expect_none(f->w);

	assert_int_equal(txn_end(t, true), 0);
	check_missing(f, NULL, "/t/a");
	check_missing(f, NULL, "/t/a/b");
	check_missing(f, NULL, "/t/a/c");
	check_missing(f, NULL, "/t/a/c/d");
	assert_string_equal(ls(f, NULL, "/t"), "z");
	assert_int_equal(store_count(f->xsd->store), count - 5);
	expect_event(f->w, "/t/a", "all");
	expect_none(f->w);
}

static void
test_rm_missing_parent(void **state)
{
	struct fix *f = *state;
	struct txn *t = start(f->c0);

	assert_int_equal(tree_rm(f->c0, t, "/no/such"), ENOENT);
	assert_int_equal(tree_rm(f->c0, t, "/"), EINVAL);
	assert_int_equal(txn_end(t, true), 0);
}

static void
test_mkdir_and_perms(void **state)
{
	struct fix *f = *state;
	struct perm p[] = { { 0, PERM_NONE }, { 5, PERM_READ } };
	struct txn *t;
	struct node *n = NULL;

	t = start(f->c0);
	assert_int_equal(tree_mkdir(f->c0, t, "/m/n"), 0);
	assert_int_equal(tree_mkdir(f->c0, t, "/m/n"), 0);	/* exists: ok */
	assert_int_equal(tree_set_perms(f->c0, t, "/m/n", p, 2), 0);
	assert_int_equal(tree_get(f->tmp, f->c0, t, "/m/n", PERM_READ, &n),
			 0);
	assert_int_equal(n->nperms, 2);
	assert_int_equal(n->perms[1].id, 5);
	assert_false(store_exists(f->xsd->store, "/m"));
	assert_int_equal(txn_end(t, true), 0);

	assert_int_equal(tree_get(f->tmp, f->c0, NULL, "/m/n", PERM_READ, &n),
			 0);
	assert_int_equal(n->len, 0);
	assert_int_equal(n->nperms, 2);
	assert_int_equal(n->perms[0].id, 0);
	assert_int_equal(n->perms[0].access, PERM_NONE);
	assert_int_equal(n->perms[1].id, 5);
	assert_int_equal(n->perms[1].access, PERM_READ);
	/* Created and its permissions set: one event. */
	expect_event(f->w, "/m/n", "all");
	expect_none(f->w);
}

static void
test_events_at_commit_in_order(void **state)
{
	struct fix *f = *state;
	struct conn *w2 = new_conn(f, 0, true);
	struct txn *t;

	assert_int_equal(watch_add(w2, "/e", false, "e", WATCH_NO_DEPTH), 0);
	wr(f->c0, NULL, "/e", "");
	wr(f->c0, NULL, "/other", "");
	wr(f->c0, NULL, "/outside", "");
	expect_event(f->w, "/e", "all");
	expect_event(f->w, "/other", "all");
	expect_event(f->w, "/outside", "all");
	expect_event(w2, "/e", "e");
	expect_none(w2);

	t = start(f->c0);
	wr(f->c0, t, "/e/1", "a");
	wr(f->c0, t, "/other", "b");
	wr(f->c0, t, "/e/2", "c");
	rm(f->c0, t, "/e/1");
	wr(f->c0, t, "/e/1", "d");
	expect_none(f->w);
	expect_none(w2);
	/* Changes outside fire at once, in between (no conflict: the
	 * transaction never touched /outside or the child list of /). */
	wr(f->w, NULL, "/outside", "changed");
	expect_event(f->w, "/outside", "all");
	expect_none(w2);

	assert_int_equal(txn_end(t, true), 0);
	/*
	 * In request order, one event per path and kind: the second write
	 * of /e/1 adds nothing, its removal (recursive) does.
	 */
	expect_event(f->w, "/e/1", "all");
	expect_event(f->w, "/other", "all");
	expect_event(f->w, "/e/2", "all");
	expect_event(f->w, "/e/1", "all");
	expect_none(f->w);
	expect_event(w2, "/e/1", "e");
	expect_event(w2, "/e/2", "e");
	expect_event(w2, "/e/1", "e");
	expect_none(w2);
}

static void
test_events_not_on_failure(void **state)
{
	struct fix *f = *state;
	struct txn *t;

	wr(f->c0, NULL, "/a", "");
	expect_event(f->w, "/a", "all");
	t = start(f->c0);
	wr(f->c0, t, "/a", "txn");
	wr(f->c0, t, "/b", "txn");
	wr(f->w, NULL, "/a", "outside");
	expect_event(f->w, "/a", "all");
	assert_int_equal(txn_end(t, true), EAGAIN);
	expect_none(f->w);
}

static void
test_txn_limit(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);
	struct conn *c5b = new_conn(f, 5, false);
	unsigned int limit = c5->domain->quota.hard[Q_TRANSACTIONS], i;
	struct txn *t[64], *extra = NULL;

	assert_int_equal(limit, 10);
	for (i = 0; i < limit; i++)
		t[i] = start(c5);
	assert_int_equal(txn_start(c5, &extra), ENOSPC);
	assert_null(extra);
	assert_int_equal(c5->ntxns, limit);
	/* The limit is per connection. */
	extra = start(c5b);
	assert_int_equal(txn_end(extra, false), 0);
	/* Ending one makes room for one. */
	assert_int_equal(txn_end(t[3], false), 0);
	t[3] = start(c5);
	assert_int_equal(txn_start(c5, &extra), ENOSPC);
	/* A lower quota applies at once. */
	for (i = 0; i < limit; i++)
		assert_int_equal(txn_end(t[i], false), 0);
	c5->domain->quota.hard[Q_TRANSACTIONS] = 1;
	t[0] = start(c5);
	assert_int_equal(txn_start(c5, &extra), ENOSPC);
	/* Closing the connection ends its transactions. */
	talloc_free(c5);
	assert_int_equal(c5b->domain->txns, 0);
}

static void
test_conn_close_frees_txns(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct txn *t1 = start(c);

	start(c);
	wr(c, t1, "/gone", "x");
	talloc_free(c);
	assert_int_equal(f->c0->domain->txns, 0);
	check_missing(f, NULL, "/gone");
	expect_none(f->w);
}

static void
test_unprivileged_in_txn(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);
	struct perm mine[] = { { 5, PERM_NONE } };
	struct txn *t;
	struct node *n = NULL;

	wr(f->c0, NULL, "/local/domain/5", "");
	assert_int_equal(tree_set_perms(f->c0, NULL, "/local/domain/5", mine,
					1), 0);
	wr(f->c0, NULL, "/secret", "s");
	expect_event(f->w, "/local/domain/5", "all");
	expect_event(f->w, "/local/domain/5", "all");
	expect_event(f->w, "/secret", "all");

	t = start(c5);
	assert_int_equal(tree_write(c5, t, "/local/domain/5/x", "1", 1), 0);
	assert_int_equal(tree_get(f->tmp, c5, t, "/secret", PERM_READ, &n),
			 EACCES);
	assert_int_equal(tree_write(c5, t, "/secret", "no", 2), EACCES);
	assert_int_equal(tree_write(c5, t, "/newtop", "no", 2), EACCES);
	/* Existence does not leak: missing below an unreadable node. */
	assert_int_equal(tree_get(f->tmp, c5, t, "/secret/x", PERM_READ, &n),
			 EACCES);
	assert_int_equal(tree_get(f->tmp, c5, t, "/local/domain/5/nope",
				  PERM_READ, &n), ENOENT);
	assert_int_equal(txn_end(t, true), 0);
	assert_int_equal(tree_get(f->tmp, c5, NULL, "/local/domain/5/x",
				  PERM_READ, &n), 0);
	assert_int_equal(node_owner(n), 5);
	expect_event(f->w, "/local/domain/5/x", "all");
	expect_none(f->w);
}

/* quota.h: privileged connections are not limited. */
static void
test_privileged_txn_unlimited(void **state)
{
	struct fix *f = *state;
	struct txn *t[40];
	unsigned int i;

	for (i = 0; i < 40; i++)
		assert_int_equal(txn_start(f->c0, &t[i]), 0);
	assert_int_equal(f->c0->ntxns, 40);
	for (i = 0; i < 40; i++)
		assert_int_equal(txn_end(t[i], false), 0);
}

static void
test_events_once_per_path(void **state)
{
	struct fix *f = *state;
	struct perm p[] = { { 0, PERM_READ } };
	struct txn *t;

	wr(f->c0, NULL, "/gone", "");
	expect_event(f->w, "/gone", "all");
	t = start(f->c0);
	wr(f->c0, t, "/x", "1");
	wr(f->c0, t, "/y", "1");
	wr(f->c0, t, "/x", "2");
	assert_int_equal(tree_set_perms(f->c0, t, "/x", p, 1), 0);
	assert_int_equal(tree_mkdir(f->c0, t, "/x/sub"), 0);
	rm(f->c0, t, "/gone");
	rm(f->c0, t, "/gone");		/* already gone: no event */
	wr(f->c0, t, "/gone", "back");
	wr(f->c0, t, "/gone", "again");
	rm(f->c0, t, "/y");
	expect_none(f->w);
	assert_int_equal(txn_end(t, true), 0);
	/* A removal is another kind of event than a change. */
	expect_event(f->w, "/x", "all");
	expect_event(f->w, "/y", "all");
	expect_event(f->w, "/x/sub", "all");
	expect_event(f->w, "/gone", "all");
	expect_event(f->w, "/gone", "all");
	expect_event(f->w, "/y", "all");
	expect_none(f->w);
	check_value(f, NULL, "/gone", "again");
	check_missing(f, NULL, "/y");
}

/* Q_TRANSACTION_NODES: how many nodes one transaction may touch. */
static void
test_txn_node_quota(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);
	struct perm rall[] = { { 0, PERM_READ } };
	struct txn *t;
	char path[64], *v;
	unsigned int i;

	c5->domain->quota.hard[Q_TRANSACTION_NODES] = 8;
	wr(f->c0, NULL, "/q", "");
	assert_int_equal(tree_set_perms(f->c0, NULL, "/q", rall, 1), 0);
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/q/n%u", i);
		wr(f->c0, NULL, path, "v");
	}
	t = start(c5);
	for (i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/q/n%u", i);
		assert_int_equal(rd(f, c5, t, path, &v), 0);
	}
	assert_int_equal(rd(f, c5, t, "/q/n8", &v), ENOSPC);
	/* What was touched stays readable. */
	assert_int_equal(rd(f, c5, t, "/q/n0", &v), 0);
	assert_string_equal(v, "v");
	assert_int_equal(txn_end(t, true), 0);

	/* A new transaction starts from zero. */
	t = start(c5);
	assert_int_equal(rd(f, c5, t, "/q/n9", &v), 0);
	assert_int_equal(txn_end(t, false), 0);

	/* The privileged are not limited. */
	f->c0->domain->quota.hard[Q_TRANSACTION_NODES] = 8;
	t = start(f->c0);
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/q/n%u", i);
		assert_int_equal(rd(f, f->c0, t, path, &v), 0);
	}
	assert_int_equal(txn_end(t, true), 0);
}

/*
 * Nodes a transaction creates count against the nodes quota at once.
 * Once only the committed count was checked, so an unprivileged domain
 * could go past Q_NODES through one transaction.
 */
static void
test_regress_node_quota_in_txn(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);
	struct perm mine[] = { { 5, PERM_NONE } };
	struct txn *t;
	char path[64];
	unsigned int i, fails = 0;

	c5->domain->quota.hard[Q_NODES] = 5;
	wr(f->c0, NULL, "/local/domain/5", "");
	assert_int_equal(tree_set_perms(f->c0, NULL, "/local/domain/5", mine,
					1), 0);
	assert_int_equal(c5->domain->nodes, 1);
	t = start(c5);
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/local/domain/5/n%u", i);
		if (tree_write(c5, t, path, "", 0))
			fails++;
	}
	/* Either the writes or the commit must fail. */
	if (txn_end(t, true) == 0)
		assert_true(fails > 0);
	assert_true(c5->domain->nodes <= 5);
}

/*
 * A write that fails its size check creates nothing.  Once the missing
 * parents were created first and left behind (outside a transaction in
 * the store, without any watch event; inside one, committed with it).
 */
static void
test_regress_failed_write_leaves_parents(void **state)
{
	struct fix *f = *state;
	struct conn *c5 = new_conn(f, 5, false);
	struct perm mine[] = { { 5, PERM_NONE } };
	unsigned int size = c5->domain->quota.hard[Q_NODE_SIZE] + 1;
	char *big = talloc_zero_size(f->tmp, size);
	unsigned int count;
	struct txn *t;

	wr(f->c0, NULL, "/local/domain/5", "");
	assert_int_equal(tree_set_perms(f->c0, NULL, "/local/domain/5", mine,
					1), 0);
	expect_event(f->w, "/local/domain/5", "all");
	expect_event(f->w, "/local/domain/5", "all");
	count = store_count(f->xsd->store);

	assert_int_equal(tree_write(c5, NULL, "/local/domain/5/a/b/c", big,
				    size), ENOSPC);
	expect_none(f->w);
	check_missing(f, NULL, "/local/domain/5/a");
	assert_int_equal(store_count(f->xsd->store), count);

	t = start(c5);
	assert_int_equal(tree_write(c5, t, "/local/domain/5/x/y", big, size),
			 ENOSPC);
	assert_int_equal(txn_end(t, true), 0);
	check_missing(f, NULL, "/local/domain/5/x");
	assert_int_equal(store_count(f->xsd->store), count);
}

/*
 * After commit the children are in the order the transaction showed.
 * Once entries were applied in first-touch order (sorted by depth), so
 * a child whose path was looked up before its older sibling was written
 * landed before it, and a child deleted and re-created kept its old
 * place instead of going to the end.
 */
static void
test_regress_commit_child_order(void **state)
{
	struct fix *f = *state;
	struct txn *t;
	char *v = NULL, *in_txn;

	wr(f->c0, NULL, "/o", "");
	t = start(f->c0);
	assert_int_equal(rd(f, f->c0, t, "/o/y", &v), ENOENT);
	wr(f->c0, t, "/o/z", "");
	wr(f->c0, t, "/o/y", "");
	in_txn = ls(f, t, "/o");
	assert_string_equal(in_txn, "z,y");
	assert_int_equal(txn_end(t, true), 0);
	assert_string_equal(ls(f, NULL, "/o"), in_txn);

	wr(f->c0, NULL, "/q/a", "");
	wr(f->c0, NULL, "/q/b", "");
	t = start(f->c0);
	rm(f->c0, t, "/q/a");
	wr(f->c0, t, "/q/a", "again");
	in_txn = ls(f, t, "/q");
	assert_string_equal(in_txn, "b,a");
	assert_int_equal(txn_end(t, true), 0);
	assert_string_equal(ls(f, NULL, "/q"), in_txn);
}


#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_start_end),
		T(test_ids_not_reused_while_open),
		T(test_read_your_writes),
		T(test_binary_value),
		T(test_isolation_existing),
		T(test_abort),
		T(test_conflict_read_changed),
		T(test_conflict_written_changed),
		T(test_conflict_removed),
		T(test_conflict_missing_created),
		T(test_conflict_both_created),
		T(test_conflict_dir_new_child),
		T(test_conflict_dir_child_removed),
		T(test_no_conflict_unrelated),
		T(test_no_conflict_sibling_added),
		T(test_no_conflict_sibling_added_after_write),
		T(test_two_txns),
		T(test_delete_then_recreate),
		T(test_create_then_delete),
		T(test_rm_subtree),
		T(test_rm_missing_parent),
		T(test_mkdir_and_perms),
		T(test_events_at_commit_in_order),
		T(test_events_not_on_failure),
		T(test_txn_limit),
		T(test_conn_close_frees_txns),
		T(test_unprivileged_in_txn),
		T(test_privileged_txn_unlimited),
		T(test_events_once_per_path),
		T(test_txn_node_quota),
		T(test_regress_node_quota_in_txn),
		T(test_regress_commit_child_order),
		T(test_regress_failed_write_leaves_parents),
	};

	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("txn", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
