// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_watch_index.c - the index of watches by path (watch_index.c):
 * which watches an event reaches and in what order, paths shared and
 * given back, removal while walking a connection's watches, paths whose
 * hashes collide, very deep paths.
 *
 * Uses the daemon fixture of xsd_fixture.h; the matches are collected
 * straight from watch_index_match, events end to end are test_watch.c's.
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

#include "hash.h"
#include "watch_index.h"
#include "xsd_fixture.h"

static int
setup(void **state)
{
	return fix_setup(state, 0);
}

/* ---- helpers ------------------------------------------------------------ */

#define MAXM 1024

struct got {
	unsigned int n;
	struct watch *w[MAXM];
	bool below[MAXM];
};

static void
collect(struct watch *w, bool below, void *arg)
{
	struct got *g = arg;

	assert_true(g->n < MAXM);
	g->w[g->n] = w;
	g->below[g->n] = below;
	g->n++;
}

static struct got *
match(struct fix *f, const char *path, bool subtree)
{
	struct got *g = talloc_zero(f->tmp, struct got);

	assert_non_null(g);
	assert_int_equal(watch_index_match(f->xsd, path, subtree, collect, g),
			 0);
	return g;
}

static struct watch *
watch(struct conn *c, const char *path, const char *token)
{
	struct watch *w;

	assert_int_equal(watch_add(c, path, false, token, WATCH_NO_DEPTH), 0);
	w = list_entry(c->watches.prev, struct watch, link);
	assert_string_equal(w->token, token);
	return w;
}

/* The tokens of the matches, space separated ("-" marks below). */
static char *
tokens(struct fix *f, const struct got *g)
{
	char *s = talloc_strdup(f->tmp, "");
	unsigned int i;

	for (i = 0; i < g->n; i++)
		s = talloc_asprintf_append(s, "%s%s%s", i ? " " : "",
					   g->below[i] ? "-" : "",
					   g->w[i]->token);
	assert_non_null(s);
	return s;
}

#define expect_match(f, path, subtree, want) \
	assert_string_equal(tokens(f, match(f, path, subtree)), want)

/* ---- tests -------------------------------------------------------------- */

static void
test_empty(void **state)
{
	struct fix *f = *state;

	assert_null(f->xsd->watch_index);
	assert_int_equal(watch_index_paths(f->xsd), 0);
	expect_match(f, "/a", true, "");
	expect_match(f, "@releaseDomain/1", false, "");
}

static void
test_parents_and_subtree(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct conn *d = new_conn(f, 0, true);

	watch(c, "/", "root");
	watch(c, "/a", "a");
	watch(d, "/a/b", "ab");
	watch(c, "/a/bc", "abc");		/* a prefix, not a parent */
	watch(d, "/a/b/c/d", "abcd");
	watch(c, "/x", "x");
	watch(c, "@releaseDomain", "rel");
	watch(d, "@releaseDomain/5", "rel5");

	expect_match(f, "/a/b/c", false, "root a ab");
	expect_match(f, "/a/b", false, "root a ab");
	expect_match(f, "/a/bc/d", false, "root a abc");
	expect_match(f, "/q", false, "root");
	/* A removal also reaches what lies below, never a mere prefix. */
	expect_match(f, "/a/b", true, "root a ab -abcd");
	expect_match(f, "/a", true, "root a -ab -abc -abcd");
	expect_match(f, "/", true, "root -a -ab -abc -abcd -x");
	/* Below an unwatched path that is a parent of watched ones. */
	expect_match(f, "/a/b/c", true, "root a ab -abcd");
	/* Special paths are a tree of their own. */
	expect_match(f, "@releaseDomain/5", false, "rel rel5");
	expect_match(f, "@releaseDomain/6", false, "rel");
	expect_match(f, "@introduceDomain/5", false, "");
	/* "/", "/a", "/a/b", "/a/b/c", "/a/b/c/d", "/a/bc", "/x", 2 specials */
	assert_int_equal(watch_index_paths(f->xsd), 9);
}

/* One change reaches a connection's watches in the order it set them. */
static void
test_order_is_setting_order(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct conn *d = new_conn(f, 0, true);

	watch(c, "/o/p/q", "deep");
	watch(d, "/o", "d-top");
	watch(c, "/", "root");
	watch(c, "/o/p", "mid");
	watch(d, "/o/p/q", "d-deep");
	expect_match(f, "/o/p/q", false, "deep d-top root mid d-deep");
	/* A watch set again comes last. */
	assert_int_equal(watch_remove(c, "/o/p/q", "deep"), 0);
	watch(c, "/o/p/q", "deep");
	expect_match(f, "/o/p/q", false, "d-top root mid d-deep deep");
}

/* Paths are shared while used and given back with the last watch. */
static void
test_paths_shared_and_freed(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct conn *d = new_conn(f, 0, true);
	size_t blocks = talloc_total_blocks(f->xsd);

	watch(c, "/s/t/u", "1");
	assert_int_equal(watch_index_paths(f->xsd), 4);	/* / /s /s/t /s/t/u */
	watch(d, "/s/t/u", "2");
	watch(d, "/s", "3");
	assert_int_equal(watch_index_paths(f->xsd), 4);
	assert_int_equal(watch_remove(c, "/s/t/u", "1"), 0);
	assert_int_equal(watch_index_paths(f->xsd), 4);
	expect_match(f, "/s/t/u", false, "2 3");
	assert_int_equal(watch_remove(d, "/s/t/u", "2"), 0);
	/* /s/t and /s/t/u are no one's now. */
	assert_int_equal(watch_index_paths(f->xsd), 2);
	expect_match(f, "/s/t/u", true, "3");
	assert_int_equal(watch_remove(d, "/s", "3"), 0);
	assert_int_equal(watch_index_paths(f->xsd), 0);
	assert_null(f->xsd->watch_index);
	assert_int_equal(talloc_total_blocks(f->xsd), blocks);
}

/*
 * Removing watches while walking a connection's list of them (what
 * RESET_WATCHES and closing a connection do) keeps the index exact.
 */
static void
test_remove_while_iterating(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	struct conn *d = new_conn(f, 0, true);
	struct watch *w, *tmp;
	char path[64], tok[16];
	unsigned int i = 0;

	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/it/%u/leaf", i % 20);
		snprintf(tok, sizeof(tok), "c%u", i);
		watch(c, path, tok);
	}
	watch(d, "/it/3", "d3");
	i = 0;
	list_for_each_safe(w, tmp, &c->watches, link)
		if (i++ % 2)
			talloc_free(w);		/* c1, c3, ... */
	/* c<i> sits on /it/<i % 20>/leaf: the odd paths lost all theirs. */
	expect_match(f, "/it/3/leaf", false, "d3");
	expect_match(f, "/it/4/leaf", false,
		     "c4 c24 c44 c64 c84 c104 c124 c144 c164 c184");
	assert_int_equal(c->nwatches, 100);
	assert_int_equal(match(f, "/it", true)->n, 101);
	watch_remove_all(c);
	assert_int_equal(c->nwatches, 0);
	expect_match(f, "/it/3/leaf", true, "d3");
	expect_match(f, "/it", true, "-d3");
	/* "/", "/it", "/it/3" */
	assert_int_equal(watch_index_paths(f->xsd), 3);
	talloc_free(d);
	assert_null(f->xsd->watch_index);
}

/* Keys whose hashes agree in their low 12 bits: one bucket chain. */
static char **
colliding_paths(struct fix *f, unsigned int n)
{
	char **v = talloc_array(f->tmp, char *, n);
	char buf[64];
	unsigned int i = 0, k, target = 0;

	assert_non_null(v);
	for (k = 0; i < n; k++) {
		snprintf(buf, sizeof(buf), "/coll/k%u", k);
		if (i == 0)
			target = hash_string(buf) & 0xfff;
		if ((hash_string(buf) & 0xfff) != target)
			continue;
		v[i] = talloc_strdup(v, buf);
		assert_non_null(v[i]);
		i++;
	}
	return v;
}

static void
test_many_collisions(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	char **p = colliding_paths(f, 300);
	char sub[80], tok[16];
	unsigned int i;

	for (i = 0; i < 300; i++) {
		snprintf(tok, sizeof(tok), "t%u", i);
		watch(c, p[i], tok);
	}
	assert_int_equal(watch_index_paths(f->xsd), 302);
	for (i = 0; i < 300; i++) {
		struct got *g;

		snprintf(sub, sizeof(sub), "%s/x", p[i]);
		g = match(f, sub, false);
		assert_int_equal(g->n, 1);
		assert_string_equal(g->w[0]->path, p[i]);
	}
	/* Remove every third one from the middle of its chain. */
	for (i = 0; i < 300; i += 3) {
		snprintf(tok, sizeof(tok), "t%u", i);
		assert_int_equal(watch_remove(c, p[i], tok), 0);
	}
	for (i = 0; i < 300; i++)
		assert_int_equal(match(f, p[i], false)->n, i % 3 ? 1 : 0);
	assert_int_equal(match(f, "/coll", true)->n, 200);
}

/* A path of some 1,500 components is indexed without deep recursion. */
static void
test_deep_path(void **state)
{
	struct fix *f = *state;
	struct conn *c = new_conn(f, 0, true);
	char *deep = talloc_strdup(f->tmp, "");
	unsigned int i;

	assert_non_null(deep);
	for (i = 0; i < 1500; i++)
		deep = talloc_strdup_append(deep, "/a");
	assert_non_null(deep);
	watch(c, deep, "deep");
	watch(c, "/a", "top");
	assert_int_equal(watch_index_paths(f->xsd), 1501);
	expect_match(f, deep, false, "deep top");
	expect_match(f, "/a", true, "-deep top");
	expect_match(f, "/a/a/b", false, "top");
	watch_remove_all(c);
	assert_null(f->xsd->watch_index);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty),
		T(test_parents_and_subtree),
		T(test_order_is_setting_order),
		T(test_paths_shared_and_freed),
		T(test_remove_while_iterating),
		T(test_many_collisions),
		T(test_deep_path),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("watch_index", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
