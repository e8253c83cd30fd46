// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_store.c - the committed node store (tdb in memory or on disk).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "node.h"
#include "path.h"
#include "store.h"

struct store_describe {
	struct store *s;
};

struct fix {
	TALLOC_CTX *root;
	TALLOC_CTX *tmp;	/* what a test allocates; freed first */
	struct store *s;
	size_t null_blocks;
	size_t root_blocks;	/* root and the open store */
};

static int
setup(void **state)
{
	struct fix *f = test_calloc(1, sizeof(*f));
	int err = -1;

	f->null_blocks = talloc_total_blocks(NULL);
	f->root = talloc_new(NULL);
	assert_non_null(f->root);
	f->s = store_open(f->root, NULL, &err);
	assert_non_null(f->s);
	f->root_blocks = talloc_total_blocks(f->root);
	f->tmp = talloc_new(f->root);
	assert_non_null(f->tmp);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	talloc_free(f->tmp);
	/* The store keeps nothing on talloc between calls. */
	if (f->s)
		assert_int_equal(talloc_total_blocks(f->root), f->root_blocks);
	talloc_free(f->root);
	assert_int_equal(talloc_total_blocks(NULL), f->null_blocks);
	test_free(f);
	return 0;
}

/* Add path with a value and a single permission entry "<acc><owner>". */
static int
add_full(struct store *s, const char *path, const void *val, uint32_t len,
	 uint32_t owner, uint32_t access)
{
	struct perm p = { owner, access };
	struct node n = {
		.path = (char *)path, .perms = &p, .nperms = 1,
		.value = (uint8_t *)val, .len = len,
	};

	return store_add(s, &n);
}

static int
add(struct store *s, const char *path, const char *val)
{
	return add_full(s, path, val, (uint32_t)strlen(val), 0, PERM_NONE);
}

static struct node *
get(struct fix *f, const char *path)
{
	struct node *n = NULL;

	assert_int_equal(store_get(f->tmp, f->s, path, &n), 0);
	assert_non_null(n);
	assert_ptr_equal(talloc_parent(n), f->tmp);
	assert_string_equal(n->path, path);
	return n;
}

static void
assert_value(struct fix *f, const char *path, const char *val)
{
	struct node *n = get(f, path);

	assert_int_equal(n->len, strlen(val));
	assert_memory_equal(n->value, val, n->len);
	talloc_free(n);
}

/* The children of path, comma separated, for whole-list comparisons. */
static char *
children(struct fix *f, const char *path)
{
	char **names = NULL, *s;
	unsigned int num = 99, i;

	assert_int_equal(store_children(f->tmp, f->s, path, &names, &num), 0);
	assert_ptr_equal(talloc_parent(names), f->tmp);
	assert_null(names[num]);
	s = talloc_strdup(f->tmp, "");
	for (i = 0; i < num; i++)
		s = talloc_asprintf_append(s, "%s%s", i ? "," : "", names[i]);
	assert_non_null(s);
	talloc_free(names);
	return s;
}

static void
assert_clean(struct fix *f)
{
	char *report = NULL;

	assert_int_equal(store_check(f->s, &report, f->tmp), 0);
	assert_non_null(report);
	assert_string_equal(report, "");
	talloc_free(report);
}

static void
test_open_root(void **state)
{
	struct fix *f = *state;
	struct node *n = get(f, "/");

	assert_true(store_exists(f->s, "/"));
	assert_int_equal(n->nperms, 1);
	assert_int_equal(n->perms[0].id, 0);
	assert_int_equal(n->perms[0].access, PERM_NONE);
	assert_int_equal(n->len, 0);
	assert_int_equal(n->nchildren, 0);
	assert_null(n->first);
	assert_null(n->last);
	assert_null(n->prev);
	assert_null(n->next);
	assert_true(n->gen != 0);
	assert_int_equal(store_gen(f->s, "/"), n->gen);
	assert_int_equal(store_last_gen(f->s), n->gen);
	assert_int_equal(store_count(f->s), 0);
	assert_string_equal(children(f, "/"), "");
	assert_clean(f);
}

static void
test_add_get(void **state)
{
	struct fix *f = *state;
	struct perm p[] = { { 5, PERM_READ }, { 7, PERM_WRITE } };
	struct node in = {
		.path = "/a", .perms = p, .nperms = 2,
		.value = (uint8_t *)"hello", .len = 5,
		.gen = 12345,		/* ignored: the store assigns */
	};
	struct node *n;

	assert_false(store_exists(f->s, "/a"));
	assert_int_equal(store_gen(f->s, "/a"), 0);
	assert_int_equal(store_add(f->s, &in), 0);
	assert_true(store_exists(f->s, "/a"));
	assert_int_equal(store_count(f->s), 1);

	n = get(f, "/a");
	assert_int_equal(n->len, 5);
	assert_memory_equal(n->value, "hello", 5);
	assert_int_equal(n->nperms, 2);
	assert_int_equal(n->perms[0].id, 5);
	assert_int_equal(n->perms[0].access, PERM_READ);
	assert_int_equal(n->perms[1].id, 7);
	assert_int_equal(n->perms[1].access, PERM_WRITE);
	assert_int_equal(node_owner(n), 5);
	assert_int_equal(n->nchildren, 0);
	assert_true(n->gen != 0 && n->gen != 12345);
	assert_int_equal(store_gen(f->s, "/a"), n->gen);

	/* The copy is the caller's: changing it leaves the store alone. */
	n->value[0] = 'J';
	n->perms[0].id = 9;
	assert_value(f, "/a", "hello");
	talloc_free(n);
	n = get(f, "/a");
	assert_int_equal(n->perms[0].id, 5);

	/* The input node is not modified. */
	assert_null(in.first);
	assert_null(in.prev);
	assert_int_equal(in.gen, 12345);

	assert_int_equal(add(f->s, "/a/b", "x"), 0);
	assert_int_equal(add(f->s, "/a/b/c", ""), 0);
	assert_int_equal(store_count(f->s), 3);
	assert_value(f, "/a/b", "x");
	assert_value(f, "/a/b/c", "");
	assert_clean(f);
}

static void
test_get_missing(void **state)
{
	struct fix *f = *state;
	struct node *n = NULL;

	assert_int_equal(store_get(f->tmp, f->s, "/nope", &n), ENOENT);
	assert_null(n);
	assert_int_equal(store_get(f->tmp, f->s, "/nope/deeper", &n), ENOENT);
	assert_int_equal(store_gen(f->s, "/nope"), 0);
	assert_false(store_exists(f->s, "/nope"));
	assert_int_equal(talloc_total_blocks(f->tmp), 1);
}

static void
test_add_missing_parent(void **state)
{
	struct fix *f = *state;
	uint64_t gen = store_last_gen(f->s);

	assert_int_equal(add(f->s, "/a/b", "x"), ENOENT);
	assert_false(store_exists(f->s, "/a/b"));
	assert_false(store_exists(f->s, "/a"));
	assert_int_equal(store_count(f->s), 0);
	assert_int_equal(store_last_gen(f->s), gen);
	assert_int_equal(store_gen(f->s, "/"), gen);
	assert_clean(f);
}

static void
test_add_existing(void **state)
{
	struct fix *f = *state;
	uint64_t gen, pgen;

	assert_int_equal(add(f->s, "/a", "one"), 0);
	gen = store_gen(f->s, "/a");
	pgen = store_gen(f->s, "/");
	/* Adding again fails (the error is not specified) and changes nothing. */
	assert_int_not_equal(add(f->s, "/a", "two"), 0);
	assert_value(f, "/a", "one");
	assert_int_equal(store_gen(f->s, "/a"), gen);
	assert_int_equal(store_gen(f->s, "/"), pgen);
	assert_int_equal(store_count(f->s), 1);
	assert_string_equal(children(f, "/"), "a");
	assert_clean(f);
}

static void
test_set(void **state)
{
	struct fix *f = *state;
	struct perm p[] = { { 3, PERM_BOTH }, { 4, PERM_READ } };
	struct node *n;
	uint64_t gen, pgen, cgen;

	assert_int_equal(add(f->s, "/a", "one"), 0);
	assert_int_equal(add(f->s, "/a/c", "child"), 0);
	n = get(f, "/a");
	gen = n->gen;
	pgen = store_gen(f->s, "/");
	cgen = store_gen(f->s, "/a/c");

	n->value = (uint8_t *)"a longer value";
	n->len = 14;
	n->perms = p;
	n->nperms = 2;
	assert_int_equal(store_set(f->s, n), 0);
	talloc_free(n);

	n = get(f, "/a");
	assert_int_equal(n->len, 14);
	assert_memory_equal(n->value, "a longer value", 14);
	assert_int_equal(n->nperms, 2);
	assert_int_equal(n->perms[0].id, 3);
	assert_int_equal(n->perms[0].access, PERM_BOTH);
	assert_int_equal(n->perms[1].id, 4);
	assert_int_equal(n->perms[1].access, PERM_READ);
	/* A new generation, the newest. */
	assert_true(n->gen > gen);
	assert_int_equal(n->gen, store_last_gen(f->s));
	/* Links kept; parent and child untouched. */
	assert_int_equal(n->nchildren, 1);
	assert_string_equal(children(f, "/a"), "c");
	assert_string_equal(children(f, "/"), "a");
	assert_int_equal(store_gen(f->s, "/"), pgen);
	assert_int_equal(store_gen(f->s, "/a/c"), cgen);

	/* Same contents again: still a new generation. */
	gen = n->gen;
	assert_int_equal(store_set(f->s, n), 0);
	assert_true(store_gen(f->s, "/a") > gen);
	assert_int_equal(store_count(f->s), 2);
	assert_clean(f);
}

static void
test_set_ignores_links(void **state)
{
	struct fix *f = *state;
	struct node *n;

	assert_int_equal(add(f->s, "/a", ""), 0);
	assert_int_equal(add(f->s, "/a/x", ""), 0);
	assert_int_equal(add(f->s, "/a/y", ""), 0);
	n = get(f, "/a");
	/* Whatever links the caller passes, the stored ones stay. */
	n->first = "bogus";
	n->last = NULL;
	n->nchildren = 0;
	assert_int_equal(store_set(f->s, n), 0);
	assert_string_equal(children(f, "/a"), "x,y");
	assert_int_equal(get(f, "/a")->nchildren, 2);
	assert_clean(f);
}

static void
test_set_missing(void **state)
{
	struct fix *f = *state;
	struct perm p = { 0, PERM_NONE };
	struct node n = {
		.path = "/nope", .perms = &p, .nperms = 1,
		.value = (uint8_t *)"", .len = 0,
	};
	uint64_t gen = store_last_gen(f->s);

	assert_int_equal(store_set(f->s, &n), ENOENT);
	assert_false(store_exists(f->s, "/nope"));
	assert_int_equal(store_last_gen(f->s), gen);
}

static void
test_del(void **state)
{
	struct fix *f = *state;

	assert_int_equal(add(f->s, "/a", ""), 0);
	assert_int_equal(add(f->s, "/a/b", ""), 0);
	assert_int_equal(store_del(f->s, "/a"), ENOTEMPTY);
	assert_true(store_exists(f->s, "/a"));
	assert_true(store_exists(f->s, "/a/b"));
	assert_int_equal(store_count(f->s), 2);

	assert_int_equal(store_del(f->s, "/a/b"), 0);
	assert_false(store_exists(f->s, "/a/b"));
	assert_int_equal(store_gen(f->s, "/a/b"), 0);
	assert_int_equal(get(f, "/a")->nchildren, 0);
	assert_int_equal(store_del(f->s, "/a"), 0);
	assert_false(store_exists(f->s, "/a"));
	assert_int_equal(store_count(f->s), 0);
	assert_string_equal(children(f, "/"), "");

	assert_int_equal(store_del(f->s, "/a"), ENOENT);
	assert_int_equal(store_del(f->s, "/x/y"), ENOENT);
	assert_clean(f);

	/* The name can be used again. */
	assert_int_equal(add(f->s, "/a", "again"), 0);
	assert_value(f, "/a", "again");
	assert_clean(f);
}

static void
test_gen_parent_not_siblings(void **state)
{
	struct fix *f = *state;
	uint64_t g_root, g_p, g_a, g_b, g_c, g;

	assert_int_equal(add(f->s, "/p", ""), 0);
	assert_int_equal(add(f->s, "/p/a", ""), 0);
	g_root = store_gen(f->s, "/");
	g_p = store_gen(f->s, "/p");
	g_a = store_gen(f->s, "/p/a");

	/* Appending /p/b rewrites /p/a's next link, not its generation. */
	assert_int_equal(add(f->s, "/p/b", ""), 0);
	g_b = store_gen(f->s, "/p/b");
	assert_true(store_gen(f->s, "/p") > g_p);
	assert_int_equal(store_gen(f->s, "/p/a"), g_a);
	assert_int_equal(store_gen(f->s, "/"), g_root);
	assert_string_equal(get(f, "/p/a")->next, "b");

	assert_int_equal(add(f->s, "/p/c", ""), 0);
	g_c = store_gen(f->s, "/p/c");
	assert_int_equal(store_gen(f->s, "/p/b"), g_b);

	/* Removing the middle one relinks both neighbours. */
	g = store_gen(f->s, "/p");
	assert_int_equal(store_del(f->s, "/p/b"), 0);
	assert_true(store_gen(f->s, "/p") > g);
	assert_int_equal(store_gen(f->s, "/p/a"), g_a);
	assert_int_equal(store_gen(f->s, "/p/c"), g_c);
	assert_string_equal(get(f, "/p/a")->next, "c");
	assert_string_equal(get(f, "/p/c")->prev, "a");

	/* Head and tail. */
	g = store_gen(f->s, "/p");
	assert_int_equal(store_del(f->s, "/p/a"), 0);
	assert_true(store_gen(f->s, "/p") > g);
	assert_int_equal(store_gen(f->s, "/p/c"), g_c);
	g = store_gen(f->s, "/p");
	assert_int_equal(add(f->s, "/p/d", ""), 0);
	assert_int_equal(store_del(f->s, "/p/d"), 0);
	assert_true(store_gen(f->s, "/p") > g);
	assert_int_equal(store_gen(f->s, "/p/c"), g_c);

	/* Changing a child's value does not change the parent. */
	g = store_gen(f->s, "/p");
	assert_int_equal(store_set(f->s, get(f, "/p/c")), 0);
	assert_int_equal(store_gen(f->s, "/p"), g);
	assert_int_equal(store_gen(f->s, "/"), g_root);
	assert_clean(f);
}

static void
test_gen_unique(void **state)
{
	struct fix *f = *state;
	uint64_t last = store_last_gen(f->s), g;
	char path[32];
	int i;

	/* Every change hands out a generation never seen before. */
	for (i = 0; i < 50; i++) {
		snprintf(path, sizeof(path), "/n%d", i);
		assert_int_equal(add(f->s, path, ""), 0);
		g = store_gen(f->s, path);
		assert_true(g > last);
		assert_true(store_gen(f->s, "/") > g);
		last = store_gen(f->s, "/");
		assert_int_equal(store_last_gen(f->s), last);
	}
	/* Re-creating a path gives it a new generation. */
	g = store_gen(f->s, "/n0");
	assert_int_equal(store_del(f->s, "/n0"), 0);
	assert_int_equal(add(f->s, "/n0", ""), 0);
	assert_true(store_gen(f->s, "/n0") > g);
}

static void
test_children_order(void **state)
{
	struct fix *f = *state;
	char path[32];
	int i;

	assert_int_equal(add(f->s, "/d", ""), 0);
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/d/c%d", i);
		assert_int_equal(add(f->s, path, ""), 0);
	}
	assert_string_equal(children(f, "/d"),
			    "c0,c1,c2,c3,c4,c5,c6,c7,c8,c9");
	/* Middle. */
	assert_int_equal(store_del(f->s, "/d/c5"), 0);
	assert_string_equal(children(f, "/d"), "c0,c1,c2,c3,c4,c6,c7,c8,c9");
	/* Head. */
	assert_int_equal(store_del(f->s, "/d/c0"), 0);
	assert_string_equal(children(f, "/d"), "c1,c2,c3,c4,c6,c7,c8,c9");
	/* Tail. */
	assert_int_equal(store_del(f->s, "/d/c9"), 0);
	assert_string_equal(children(f, "/d"), "c1,c2,c3,c4,c6,c7,c8");
	assert_int_equal(get(f, "/d")->nchildren, 7);
	assert_string_equal(get(f, "/d")->first, "c1");
	assert_string_equal(get(f, "/d")->last, "c8");
	assert_null(get(f, "/d/c1")->prev);
	assert_null(get(f, "/d/c8")->next);
	/* New and re-created children go to the end. */
	assert_int_equal(add(f->s, "/d/c0", ""), 0);
	assert_int_equal(add(f->s, "/d/new", ""), 0);
	assert_int_equal(add(f->s, "/d/c5", ""), 0);
	assert_string_equal(children(f, "/d"),
			    "c1,c2,c3,c4,c6,c7,c8,c0,new,c5");
	/* Down to one and to none, then up again. */
	for (i = 0; i < 9; i++) {
		if (i == 5)
			continue;
		snprintf(path, sizeof(path), "/d/c%d", i);
		assert_int_equal(store_del(f->s, path), 0);
	}
	assert_int_equal(store_del(f->s, "/d/new"), 0);
	assert_string_equal(children(f, "/d"), "c5");
	assert_string_equal(get(f, "/d")->first, "c5");
	assert_string_equal(get(f, "/d")->last, "c5");
	assert_int_equal(store_del(f->s, "/d/c5"), 0);
	assert_string_equal(children(f, "/d"), "");
	assert_null(get(f, "/d")->first);
	assert_null(get(f, "/d")->last);
	assert_int_equal(add(f->s, "/d/z", ""), 0);
	assert_int_equal(add(f->s, "/d/y", ""), 0);
	assert_string_equal(children(f, "/d"), "z,y");
	assert_clean(f);
}

static void
test_children_missing(void **state)
{
	struct fix *f = *state;
	char **names = NULL;
	unsigned int num = 77;

	assert_int_equal(store_children(f->tmp, f->s, "/nope", &names, &num),
			 ENOENT);
	assert_null(names);
	assert_int_equal(num, 77);
	assert_int_equal(talloc_total_blocks(f->tmp), 1);
}

static void
test_binary_value(void **state)
{
	struct fix *f = *state;
	static const uint8_t val[] = { 0, 'a', 0, 0, 0xff, 0x80, '\n', 0 };
	uint8_t *big = talloc_size(f->tmp, 65536);
	struct node *n;
	unsigned int i;

	assert_int_equal(add_full(f->s, "/bin", val, sizeof(val), 0,
				  PERM_NONE), 0);
	n = get(f, "/bin");
	assert_int_equal(n->len, sizeof(val));
	assert_memory_equal(n->value, val, sizeof(val));

	/* Empty value. */
	assert_int_equal(add_full(f->s, "/empty", NULL, 0, 0, PERM_NONE), 0);
	n = get(f, "/empty");
	assert_int_equal(n->len, 0);
	assert_non_null(n->value);

	/* Large value, every byte value. */
	assert_non_null(big);
	for (i = 0; i < 65536; i++)
		big[i] = (uint8_t)(i * 7);
	n->value = big;
	n->len = 65536;
	assert_int_equal(store_set(f->s, n), 0);
	n = get(f, "/empty");
	assert_int_equal(n->len, 65536);
	assert_memory_equal(n->value, big, 65536);

	/* Back to binary with NULs through set. */
	n->value = (uint8_t *)val;
	n->len = 3;
	assert_int_equal(store_set(f->s, n), 0);
	n = get(f, "/empty");
	assert_int_equal(n->len, 3);
	assert_memory_equal(n->value, val, 3);
	assert_clean(f);
}

struct walk_log {
	TALLOC_CTX *ctx;
	char **paths;
	unsigned int n;
	unsigned int stop_after;	/* 0: never stop */
};

static int
walk_fn(const struct node *n, void *arg)
{
	struct walk_log *w = arg;

	w->paths = talloc_realloc(w->ctx, w->paths, char *, w->n + 1);
	assert_non_null(w->paths);
	w->paths[w->n] = talloc_strdup(w->paths, n->path);
	assert_non_null(w->paths[w->n]);
	w->n++;
	if (w->stop_after && w->n == w->stop_after)
		return 99;
	return 0;
}

static int
walk_index(const struct walk_log *w, const char *path)
{
	unsigned int i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->paths[i], path))
			return (int)i;
	return -1;
}

static void
test_walk(void **state)
{
	struct fix *f = *state;
	static const char *const paths[] = {
		"/b", "/a", "/a/x", "/b/y", "/a/x/1", "/a/x/2", "/c",
		"/b/y/z", "/a/w",
	};
	const unsigned int np = sizeof(paths) / sizeof(paths[0]);
	struct walk_log w = { .ctx = f->tmp };
	unsigned int i;

	for (i = 0; i < np; i++)
		assert_int_equal(add(f->s, paths[i], ""), 0);
	assert_int_equal(store_walk(f->s, "/", walk_fn, &w), 0);
	assert_int_equal(w.n, np + 1);
	assert_int_equal(w.n, store_count(f->s) + 1);
	assert_string_equal(w.paths[0], "/");
	for (i = 0; i < np; i++) {
		int me = walk_index(&w, paths[i]);
		char *parent = path_parent(f->tmp, paths[i]);

		assert_true(me >= 0);
		assert_true(walk_index(&w, parent) < me);
	}
	/* Each visited exactly once. */
	for (i = 0; i < w.n; i++)
		assert_int_equal(walk_index(&w, w.paths[i]), (int)i);
	/* Siblings in list order. */
	assert_true(walk_index(&w, "/b") < walk_index(&w, "/a"));
	assert_true(walk_index(&w, "/a/x") < walk_index(&w, "/a/w"));

	/* A subtree. */
	talloc_free(w.paths);
	w.paths = NULL;
	w.n = 0;
	assert_int_equal(store_walk(f->s, "/a", walk_fn, &w), 0);
	assert_int_equal(w.n, 5);
	assert_string_equal(w.paths[0], "/a");
	assert_int_equal(walk_index(&w, "/b"), -1);

	/* A non-zero return stops the walk and comes back. */
	talloc_free(w.paths);
	w.paths = NULL;
	w.n = 0;
	w.stop_after = 3;
	assert_int_equal(store_walk(f->s, "/", walk_fn, &w), 99);
	assert_int_equal(w.n, 3);

	/* A missing start. */
	w.n = 0;
	w.stop_after = 0;
	assert_int_equal(store_walk(f->s, "/nope", walk_fn, &w), ENOENT);
	assert_int_equal(w.n, 0);
	talloc_free(w.paths);
}

static void
test_check_reports(void **state)
{
	struct fix *f = *state;
	struct node n = {
		.path = "/noperms", .perms = NULL, .nperms = 0,
		.value = (uint8_t *)"", .len = 0,
	};
	char *report = NULL;

	assert_int_equal(add(f->s, "/ok", ""), 0);
	assert_clean(f);
	/* A node without permissions is an inconsistency it must name. */
	assert_int_equal(store_add(f->s, &n), 0);
	assert_int_equal(store_check(f->s, &report, f->tmp), EIO);
	assert_non_null(report);
	assert_non_null(strstr(report, "/noperms"));
	assert_null(strstr(report, "/ok"));
}

struct owner_call {
	int old_owner, new_owner;
};

struct owner_log {
	struct owner_call calls[16];
	unsigned int n;
};

/* Records the calls that move a node between owners. */
static void
owner_fn(void *arg, const struct node *old, const struct node *new)
{
	struct owner_log *l = arg;
	int old_owner = old ? (int)node_owner(old) : -1;
	int new_owner = new ? (int)node_owner(new) : -1;

	if (old_owner == new_owner)
		return;
	assert_true(l->n < 16);
	l->calls[l->n].old_owner = old_owner;
	l->calls[l->n].new_owner = new_owner;
	l->n++;
}

static void
test_owner_hook(void **state)
{
	struct fix *f = *state;
	struct owner_log l = { .n = 0 };
	struct perm p[] = { { 7, PERM_READ }, { 3, PERM_BOTH } };
	struct node *n;

	store_set_owner_fn(f->s, owner_fn, &l);
	assert_int_equal(add_full(f->s, "/a", "", 0, 5, PERM_NONE), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.calls[0].old_owner, -1);
	assert_int_equal(l.calls[0].new_owner, 5);

	/* Same owner, other value and letters: no call. */
	n = get(f, "/a");
	n->value = (uint8_t *)"v";
	n->len = 1;
	n->perms[0].access = PERM_BOTH;
	assert_int_equal(store_set(f->s, n), 0);
	assert_int_equal(l.n, 1);

	/* New owner (only the first entry counts). */
	n->perms = p;
	n->nperms = 2;
	assert_int_equal(store_set(f->s, n), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.calls[1].old_owner, 5);
	assert_int_equal(l.calls[1].new_owner, 7);

	assert_int_equal(add_full(f->s, "/a/b", "", 0, 0, PERM_NONE), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.calls[2].old_owner, -1);
	assert_int_equal(l.calls[2].new_owner, 0);

	/* Failures do not count. */
	assert_int_equal(store_del(f->s, "/a"), ENOTEMPTY);
	assert_int_equal(add(f->s, "/x/y", ""), ENOENT);
	assert_int_equal(store_del(f->s, "/nope"), ENOENT);
	assert_int_equal(l.n, 3);

	assert_int_equal(store_del(f->s, "/a/b"), 0);
	assert_int_equal(store_del(f->s, "/a"), 0);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.calls[3].old_owner, 0);
	assert_int_equal(l.calls[3].new_owner, -1);
	assert_int_equal(l.calls[4].old_owner, 7);
	assert_int_equal(l.calls[4].new_owner, -1);

	/* Unhooked: no more calls. */
	store_set_owner_fn(f->s, NULL, NULL);
	assert_int_equal(add(f->s, "/z", ""), 0);
	assert_int_equal(store_del(f->s, "/z"), 0);
	assert_int_equal(l.n, 5);
}

#define MANYKIDS 10000

static void
test_many_children(void **state)
{
	struct fix *f = *state;
	char **names = NULL, path[32], prev[32];
	unsigned int num = 0, i;
	uint64_t g_prev = 0, g_first;

	assert_int_equal(add(f->s, "/big", ""), 0);
	for (i = 0; i < MANYKIDS; i++) {
		snprintf(path, sizeof(path), "/big/k%u", i);
		assert_int_equal(add(f->s, path, "v"), 0);
		/* The old tail was relinked, its generation kept. */
		if (i)
			assert_int_equal(store_gen(f->s, prev), g_prev);
		g_prev = store_gen(f->s, path);
		memcpy(prev, path, sizeof(prev));
	}
	g_first = store_gen(f->s, "/big/k0");
	assert_true(g_first != 0 && g_first < g_prev);
	assert_int_equal(store_count(f->s), MANYKIDS + 1);
	assert_int_equal(get(f, "/big")->nchildren, MANYKIDS);

	assert_int_equal(store_children(f->tmp, f->s, "/big", &names, &num),
			 0);
	assert_int_equal(num, MANYKIDS);
	for (i = 0; i < MANYKIDS; i++) {
		snprintf(path, sizeof(path), "k%u", i);
		assert_string_equal(names[i], path);
	}
	assert_null(names[MANYKIDS]);
	talloc_free(names);
	assert_clean(f);

	/* Remove every other one; the rest stays in order. */
	for (i = 0; i < MANYKIDS; i += 2) {
		snprintf(path, sizeof(path), "/big/k%u", i);
		assert_int_equal(store_del(f->s, path), 0);
	}
	assert_int_equal(store_children(f->tmp, f->s, "/big", &names, &num),
			 0);
	assert_int_equal(num, MANYKIDS / 2);
	for (i = 0; i < num; i++) {
		snprintf(path, sizeof(path), "k%u", 2 * i + 1);
		assert_string_equal(names[i], path);
	}
	talloc_free(names);
	assert_clean(f);
}

static void
test_deep(void **state)
{
	struct fix *f = *state;
	char *path = talloc_strdup(f->tmp, "");
	struct walk_log w = { .ctx = f->tmp };
	unsigned int i;

	/* 500 levels: walk and check recurse that deep. */
	for (i = 0; i < 500; i++) {
		path = talloc_asprintf_append(path, "/%u", i % 10);
		assert_non_null(path);
		assert_int_equal(add(f->s, path, ""), 0);
	}
	assert_int_equal(store_walk(f->s, "/", walk_fn, &w), 0);
	assert_int_equal(w.n, 501);
	assert_string_equal(w.paths[500], path);
	talloc_free(w.paths);
	assert_clean(f);
}

static void
test_stores_independent(void **state)
{
	struct fix *f = *state;
	struct store *s2;
	int err = -1;

	s2 = store_open(f->tmp, NULL, &err);
	assert_non_null(s2);
	assert_int_equal(add(f->s, "/only-in-one", ""), 0);
	assert_false(store_exists(s2, "/only-in-one"));
	assert_true(store_exists(s2, "/"));
	assert_int_equal(store_count(s2), 0);
	talloc_free(s2);
	assert_true(store_exists(f->s, "/only-in-one"));
}

static void
test_node_dup(void **state)
{
	struct fix *f = *state;
	struct node *n, *d;

	assert_int_equal(add_full(f->s, "/a", "a\0b", 3, 4, PERM_READ), 0);
	assert_int_equal(add(f->s, "/a/c", ""), 0);
	assert_int_equal(add(f->s, "/b", ""), 0);
	n = get(f, "/a");
	d = node_dup(f->tmp, n);
	assert_non_null(d);
	assert_string_equal(d->path, "/a");
	assert_int_equal(d->gen, n->gen);
	assert_int_equal(d->len, 3);
	assert_memory_equal(d->value, "a\0b", 3);
	assert_int_equal(d->value[3], 0);
	assert_int_equal(d->nperms, 1);
	assert_int_equal(d->perms[0].id, 4);
	assert_int_equal(d->perms[0].access, PERM_READ);
	assert_int_equal(d->nchildren, 1);
	/* Deep: nothing shared with the original. */
	assert_ptr_not_equal(d->value, n->value);
	assert_ptr_not_equal(d->perms, n->perms);
	assert_ptr_not_equal(d->path, n->path);
	/* Links are the store's, never copied. */
	assert_non_null(n->first);
	assert_non_null(n->next);
	assert_null(d->first);
	assert_null(d->last);
	assert_null(d->prev);
	assert_null(d->next);
	talloc_free(n);
	assert_memory_equal(d->value, "a\0b", 3);
}

static void
test_on_disk(void **state)
{
	struct fix *f = *state;
	char dir[] = "/tmp/xsd-test-store-XXXXXX";
	char *file;
	struct store *s;
	struct stat st;
	struct node *n = NULL;
	char *report;
	int err = -1;

	assert_non_null(mkdtemp(dir));
	file = talloc_asprintf(f->tmp, "%s/tdb", dir);

	s = store_open(f->tmp, file, &err);
	assert_non_null(s);
	assert_int_equal(stat(file, &st), 0);
	assert_true(store_exists(s, "/"));
	assert_int_equal(add(s, "/a", "on disk"), 0);
	assert_int_equal(add(s, "/a/b", "x"), 0);
	assert_int_equal(store_get(f->tmp, s, "/a", &n), 0);
	assert_int_equal(n->len, 7);
	assert_memory_equal(n->value, "on disk", 7);
	assert_int_equal(store_del(s, "/a/b"), 0);
	assert_int_equal(store_count(s), 1);
	/* The check includes tdb's own on a file. */
	report = NULL;
	assert_int_equal(store_check(s, &report, f->tmp), 0);
	assert_string_equal(report, "");
	talloc_free(s);
	/* Closed: the file stays. */
	assert_int_equal(stat(file, &st), 0);
	assert_true(st.st_size > 0);

	/* Opening truncates: a fresh store with only the root. */
	s = store_open(f->tmp, file, &err);
	assert_non_null(s);
	assert_false(store_exists(s, "/a"));
	assert_true(store_exists(s, "/"));
	assert_int_equal(store_count(s), 0);
	assert_int_equal(add(s, "/b", ""), 0);
	talloc_free(s);

	/* A file that cannot be created. */
	err = 0;
	file = talloc_asprintf(f->tmp, "%s/missing-dir/tdb", dir);
	assert_null(store_open(f->tmp, file, &err));
	assert_int_not_equal(err, 0);

	file = talloc_asprintf(f->tmp, "%s/tdb", dir);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * store_del("/") must refuse (EINVAL).  It once removed the root record
 * of a store whose root had no children and wrapped the counters (the
 * root is its own parent for path_parent).
 */
static void
test_regress_del_root(void **state)
{
	struct fix *f = *state;

	assert_int_not_equal(store_del(f->s, "/"), 0);
	assert_true(store_exists(f->s, "/"));
	assert_int_equal(store_count(f->s), 0);
	assert_clean(f);
}

/* --- bulk loading ---------------------------------------------------- */

/* Every node of s as "path gen value first last prev next n" lines. */
static int
describe_fn(const struct node *n, void *arg)
{
	char **out = arg;
	struct node *full = NULL;
	struct store_describe *d = talloc_get_type_abort(talloc_parent(*out),
							 struct store_describe);
	struct store *s = d->s;

	assert_int_equal(store_get(*out, s, n->path, &full), 0);
	*out = talloc_asprintf_append(*out, "%s %llu %.*s %s %s %s %s %u\n",
		n->path, (unsigned long long)n->gen, (int)n->len,
		(const char *)n->value, full->first ? full->first : "-",
		full->last ? full->last : "-", full->prev ? full->prev : "-",
		full->next ? full->next : "-", full->nchildren);
	return *out ? 0 : ENOMEM;
}

static char *
describe(TALLOC_CTX *ctx, struct store *s)
{
	struct store_describe *d = talloc_zero(ctx, struct store_describe);
	char *out;

	assert_non_null(d);
	d->s = s;
	out = talloc_strdup(d, "");
	assert_int_equal(store_walk(s, "/", describe_fn, &out), 0);
	return out;
}

/*
 * The same nodes restored node by node and in bulk give the same store,
 * links and generations included, in depth-first order and in others.
 */
static void
test_bulk_load(void **state)
{
	struct fix *f = *state;
	static const char *const dfs[] = {
		"/", "/a", "/a/x", "/a/x/deep", "/a/y", "/b", "/b/z", "/c",
	};
	static const char *const bfs[] = {
		"/", "/a", "/b", "/c", "/a/x", "/a/y", "/b/z", "/a/x/deep",
	};
	const char *const *orders[] = { dfs, bfs };
	unsigned int o, i, n = sizeof(dfs) / sizeof(dfs[0]);

	for (o = 0; o < 2; o++) {
		struct store *one, *bulk;
		struct store_bulk *b;
		int err;

		one = store_open(f->tmp, NULL, &err);
		bulk = store_open(f->tmp, NULL, &err);
		assert_non_null(one);
		assert_non_null(bulk);
		b = store_bulk_begin(f->tmp, bulk);
		assert_non_null(b);
		for (i = 0; i < n; i++) {
			struct perm p = { 5, PERM_READ };
			struct node nd = {
				.path = (char *)orders[o][i], .gen = 10 + i,
				.perms = &p, .nperms = 1,
				.value = (uint8_t *)orders[o][i],
				.len = (uint32_t)strlen(orders[o][i]),
			};

			assert_int_equal(store_restore_node(one, &nd), 0);
			assert_int_equal(store_bulk_add(b, &nd), 0);
		}
		assert_int_equal(store_bulk_end(b), 0);
		assert_int_equal(store_count(bulk), n - 1);
		assert_int_equal(store_last_gen(bulk), 10 + n - 1);
		assert_string_equal(describe(f->tmp, bulk),
				    describe(f->tmp, one));
		talloc_free(one);
		talloc_free(bulk);
	}
	/* Only into an empty store. */
	assert_int_equal(add(f->s, "/x", ""), 0);
	assert_null(store_bulk_begin(f->tmp, f->s));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_root),
		T(test_add_get),
		T(test_get_missing),
		T(test_add_missing_parent),
		T(test_add_existing),
		T(test_set),
		T(test_set_ignores_links),
		T(test_set_missing),
		T(test_del),
		T(test_gen_parent_not_siblings),
		T(test_gen_unique),
		T(test_children_order),
		T(test_children_missing),
		T(test_binary_value),
		T(test_walk),
		T(test_check_reports),
		T(test_owner_hook),
		T(test_many_children),
		T(test_deep),
		T(test_stores_independent),
		T(test_node_dup),
		T(test_on_disk),
		T(test_regress_del_root),
		T(test_bulk_load),
	};

	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("store", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
