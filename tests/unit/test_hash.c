// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_hash.c - the string-keyed hash table.
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
#include "root_fix.h"

struct fix {
	struct root_fix rf;	/* rf.root owns the table */
	struct hash *h;
	size_t root_blocks;	/* root with an empty table */
};

static int
setup(void **state)
{
	struct fix *f = test_malloc(sizeof(*f));

	root_fix_open(&f->rf);
	f->h = hash_new(f->rf.root);
	assert_non_null(f->h);
	assert_ptr_equal(talloc_parent(f->h), f->rf.root);
	f->root_blocks = talloc_total_blocks(f->rf.root);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	root_fix_close(&f->rf);
	test_free(f);
	return 0;
}

/* n keys "k0".."k<n-1>" in one talloc array of strings. */
static char **
make_keys(TALLOC_CTX *ctx, unsigned int n)
{
	char **k = talloc_array(ctx, char *, n);
	unsigned int i;

	assert_non_null(k);
	for (i = 0; i < n; i++) {
		k[i] = talloc_asprintf(k, "k%u", i);
		assert_non_null(k[i]);
	}
	return k;
}

static void
test_empty(void **state)
{
	struct fix *f = *state;

	assert_int_equal(hash_count(f->h), 0);
	assert_null(hash_get(f->h, "x"));
	assert_null(hash_get(f->h, ""));
	assert_null(hash_del(f->h, "x"));
	assert_int_equal(hash_count(f->h), 0);
}

static void
test_put_get_del(void **state)
{
	struct fix *f = *state;
	int a = 1, b = 2, c = 3;

	assert_int_equal(hash_put(f->h, "alpha", &a), 0);
	assert_int_equal(hash_put(f->h, "beta", &b), 0);
	assert_int_equal(hash_put(f->h, "", &c), 0);
	assert_int_equal(hash_count(f->h), 3);
	assert_ptr_equal(hash_get(f->h, "alpha"), &a);
	assert_ptr_equal(hash_get(f->h, "beta"), &b);
	assert_ptr_equal(hash_get(f->h, ""), &c);
	assert_null(hash_get(f->h, "gamma"));
	assert_null(hash_get(f->h, "alph"));
	assert_null(hash_get(f->h, "alphaa"));

	assert_ptr_equal(hash_del(f->h, "alpha"), &a);
	assert_int_equal(hash_count(f->h), 2);
	assert_null(hash_get(f->h, "alpha"));
	assert_null(hash_del(f->h, "alpha"));
	assert_int_equal(hash_count(f->h), 2);
	assert_ptr_equal(hash_get(f->h, "beta"), &b);

	assert_ptr_equal(hash_del(f->h, "beta"), &b);
	assert_ptr_equal(hash_del(f->h, ""), &c);
	assert_int_equal(hash_count(f->h), 0);
	/* Entries are freed on delete. */
	assert_int_equal(talloc_total_blocks(f->rf.root), f->root_blocks);
}

static void
test_lookup_by_content(void **state)
{
	struct fix *f = *state;
	char k1[] = "same", k2[] = "same";
	int a = 1;

	/* Keys compare by content, not by pointer. */
	assert_int_equal(hash_put(f->h, k1, &a), 0);
	assert_ptr_equal(hash_get(f->h, k2), &a);
	assert_ptr_equal(hash_del(f->h, k2), &a);
}

static void
test_replace(void **state)
{
	struct fix *f = *state;
	char *k1 = talloc_strdup(f->rf.root, "key");
	char *k2 = talloc_strdup(f->rf.root, "key");
	int a = 1, b = 2;

	assert_int_equal(hash_put(f->h, k1, &a), 0);
	assert_int_equal(hash_put(f->h, k2, &b), 0);
	assert_int_equal(hash_count(f->h), 1);
	assert_ptr_equal(hash_get(f->h, "key"), &b);
	/* The table now borrows the new key: the old one may go. */
	talloc_free(k1);
	assert_ptr_equal(hash_get(f->h, "key"), &b);
	assert_ptr_equal(hash_del(f->h, "key"), &b);
	assert_int_equal(hash_count(f->h), 0);
	assert_null(hash_get(f->h, "key"));
	talloc_free(k2);
	assert_int_equal(talloc_total_blocks(f->rf.root), f->root_blocks);
}

static void
test_null_value(void **state)
{
	struct fix *f = *state;

	/* A NULL value is stored, though get cannot tell it from absent. */
	assert_int_equal(hash_put(f->h, "n", NULL), 0);
	assert_int_equal(hash_count(f->h), 1);
	assert_null(hash_get(f->h, "n"));
	assert_null(hash_del(f->h, "n"));
	assert_int_equal(hash_count(f->h), 0);
}

#define MANY 100000u

static void
test_growth(void **state)
{
	struct fix *f = *state;
	char **k = make_keys(f->rf.root, MANY);
	unsigned int i;

	for (i = 0; i < MANY; i++) {
		assert_int_equal(hash_put(f->h, k[i], k[i]), 0);
		if ((i & (i + 1)) == 0)	/* at every power of two */
			assert_ptr_equal(hash_get(f->h, k[0]), k[0]);
	}
	assert_int_equal(hash_count(f->h), MANY);
	for (i = 0; i < MANY; i++)
		assert_ptr_equal(hash_get(f->h, k[i]), k[i]);
	assert_null(hash_get(f->h, "k100000"));
	assert_null(hash_get(f->h, "k"));

	/* Delete the even ones; the odd ones stay findable. */
	for (i = 0; i < MANY; i += 2)
		assert_ptr_equal(hash_del(f->h, k[i]), k[i]);
	assert_int_equal(hash_count(f->h), MANY / 2);
	for (i = 0; i < MANY; i++) {
		if (i % 2)
			assert_ptr_equal(hash_get(f->h, k[i]), k[i]);
		else
			assert_null(hash_get(f->h, k[i]));
	}
	for (i = 1; i < MANY; i += 2)
		assert_ptr_equal(hash_del(f->h, k[i]), k[i]);
	assert_int_equal(hash_count(f->h), 0);
	talloc_free(k);
}

struct visit {
	struct hash *h;
	unsigned int seen;
	unsigned int *hits;	/* per key index */
	unsigned int stop_at;	/* return 42 after this many; 0: never */
	int del;		/* delete the current entry */
};

static int
visit_fn(const char *key, void *val, void *arg)
{
	struct visit *v = arg;
	unsigned int idx;

	assert_ptr_equal(val, key);	/* the tests store key as value */
	assert_int_equal(sscanf(key, "k%u", &idx), 1);
	v->hits[idx]++;
	v->seen++;
	if (v->del)
		assert_ptr_equal(hash_del(v->h, key), val);
	if (v->stop_at && v->seen == v->stop_at)
		return 42;
	return 0;
}

static void
test_foreach(void **state)
{
	struct fix *f = *state;
	const unsigned int n = 1000;
	char **k = make_keys(f->rf.root, n);
	struct visit v = { .h = f->h };
	unsigned int i;

	v.hits = talloc_zero_array(f->rf.root, unsigned int, n);
	assert_non_null(v.hits);
	assert_int_equal(hash_foreach(f->h, visit_fn, &v), 0);
	assert_int_equal(v.seen, 0);

	for (i = 0; i < n; i++)
		assert_int_equal(hash_put(f->h, k[i], k[i]), 0);
	assert_int_equal(hash_foreach(f->h, visit_fn, &v), 0);
	assert_int_equal(v.seen, n);
	for (i = 0; i < n; i++)
		assert_int_equal(v.hits[i], 1);

	/* A non-zero return stops the walk and is passed on. */
	v.seen = 0;
	v.stop_at = 10;
	assert_int_equal(hash_foreach(f->h, visit_fn, &v), 42);
	assert_int_equal(v.seen, 10);
	assert_int_equal(hash_count(f->h), n);
	talloc_free(v.hits);
	/* The table borrows the keys: it goes first. */
	talloc_free(f->h);
	f->h = NULL;
	talloc_free(k);
}

static void
test_foreach_delete_current(void **state)
{
	struct fix *f = *state;
	const unsigned int n = 5000;
	char **k = make_keys(f->rf.root, n);
	struct visit v = { .h = f->h, .del = 1 };
	unsigned int i;

	v.hits = talloc_zero_array(f->rf.root, unsigned int, n);
	assert_non_null(v.hits);
	for (i = 0; i < n; i++)
		assert_int_equal(hash_put(f->h, k[i], k[i]), 0);
	assert_int_equal(hash_foreach(f->h, visit_fn, &v), 0);
	/* Every entry visited exactly once, all deleted, all freed. */
	assert_int_equal(v.seen, n);
	for (i = 0; i < n; i++)
		assert_int_equal(v.hits[i], 1);
	assert_int_equal(hash_count(f->h), 0);
	for (i = 0; i < n; i++)
		assert_null(hash_get(f->h, k[i]));
	talloc_free(v.hits);
	talloc_free(k);
	/* The bucket array grew and stays; only the entries are gone. */
	assert_int_equal(talloc_total_blocks(f->h), 2);
}

/* Delete the current entry when it is in the upper half of the keys. */
static int
drop_odd(const char *key, void *val, void *arg)
{
	struct hash *h = arg;
	unsigned int i = (unsigned int)(uintptr_t)val;

	(void)key;
	if (i % 2)
		assert_ptr_equal(hash_del(h, key), val);
	return 0;
}

/*
 * Keys chosen so that their hashes agree in the low 12 bits: with 300
 * entries (512 buckets) they all share one chain.  Lookups, deletion from
 * the middle of the chain and deletion while iterating stay exact.
 */
static void
test_many_collisions(void **state)
{
	struct fix *f = *state;
	const unsigned int n = 300;
	char **k = talloc_array(f->rf.root, char *, n);
	unsigned int i = 0, j, target = 0;
	char buf[32];

	assert_non_null(k);
	for (j = 0; i < n; j++) {
		snprintf(buf, sizeof(buf), "c%u", j);
		if (i == 0)
			target = hash_string(buf) & 0xfff;
		if ((hash_string(buf) & 0xfff) != target)
			continue;
		k[i] = talloc_strdup(k, buf);
		assert_non_null(k[i]);
		i++;
	}
	for (i = 0; i < n; i++)
		assert_int_equal(hash_put(f->h, k[i], (void *)(uintptr_t)i), 0);
	assert_int_equal(hash_count(f->h), n);
	for (i = 0; i < n; i++)
		assert_ptr_equal(hash_get(f->h, k[i]), (void *)(uintptr_t)i);
	/* Every third, from anywhere in the chain. */
	for (i = 0; i < n; i += 3)
		assert_ptr_equal(hash_del(f->h, k[i]), (void *)(uintptr_t)i);
	for (i = 0; i < n; i++)
		assert_ptr_equal(hash_get(f->h, k[i]),
				 i % 3 ? (void *)(uintptr_t)i : NULL);
	assert_int_equal(hash_count(f->h), n - n / 3);
	assert_int_equal(hash_foreach(f->h, drop_odd, f->h), 0);
	for (i = 0; i < n; i++)
		assert_ptr_equal(hash_get(f->h, k[i]),
				 i % 3 && i % 2 == 0 ? (void *)(uintptr_t)i
						     : NULL);
	/* Put back a deleted key: found again, once. */
	assert_int_equal(hash_put(f->h, k[3], k), 0);
	assert_ptr_equal(hash_get(f->h, k[3]), k);
	talloc_free(f->h);
	f->h = NULL;
	talloc_free(k);
}

static void
test_free_table(void **state)
{
	struct fix *f = *state;
	char **k = make_keys(f->rf.root, 100);
	unsigned int i;

	for (i = 0; i < 100; i++)
		assert_int_equal(hash_put(f->h, k[i], k), 0);
	/* Freeing the table frees its entries but never the values. */
	talloc_free(f->h);
	f->h = NULL;
	for (i = 0; i < 100; i++)
		assert_string_equal(k[i], talloc_asprintf(k, "k%u", i));
	talloc_free(k);
	assert_int_equal(talloc_total_blocks(f->rf.root), 1);
}

static void
test_hash_string(void **state)
{
	(void)state;
	/* FNV-1a, 32 bit: the published test vectors. */
	assert_int_equal(hash_string(""), 0x811c9dc5u);
	assert_int_equal(hash_string("a"), 0xe40c292cu);
	assert_int_equal(hash_string("foobar"), 0xbf9cf968u);
	assert_int_not_equal(hash_string("/a/b"), hash_string("/a/c"));
}

static void
test_key_uint(void **state)
{
	char key[HASH_KEY_UINT], ref[16];
	static const unsigned int v[] = { 0, 7, 10, 99, 100, 12345,
					  4294967295u };
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(ref, sizeof(ref), "%u", v[i]);
		assert_ptr_equal(hash_key_uint(key, v[i]), key);
		assert_string_equal(key, ref);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty),
		T(test_put_get_del),
		T(test_lookup_by_content),
		T(test_replace),
		T(test_null_value),
		T(test_growth),
		T(test_foreach),
		T(test_foreach_delete_current),
		T(test_many_collisions),
		T(test_free_table),
		T(test_hash_string),
		T(test_key_uint),
	};

	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("hash", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
