// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_path.c - path syntax: validation, canonical form and relations.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "xs_wire_ext.h"

#include "path.h"
#include "root_fix.h"

/* A path of exactly len bytes: prefix, then "/aaaa..." filler. */
static char *
long_path(TALLOC_CTX *ctx, const char *prefix, size_t len)
{
	size_t plen = strlen(prefix);
	char *p = talloc_array(ctx, char, len + 1);

	assert_non_null(p);
	assert_true(len >= plen);
	memcpy(p, prefix, plen);
	memset(p + plen, 'a', len - plen);
	/* Break it into components so that it looks like a real path. */
	for (size_t i = plen + 100; i + 1 < len; i += 100)
		p[i] = '/';
	p[len] = 0;
	return p;
}

static void
test_valid_chars(void **state)
{
	(void)state;
	assert_true(path_is_valid("/abcxyzABCXYZ0189-_@"));
	assert_true(path_is_valid("/local/domain/0/backend/vbd/5/768"));
	assert_true(path_is_valid("/a-b/c_d/@e"));
	assert_false(path_is_valid("/a.b"));
	assert_false(path_is_valid("/a b"));
	assert_false(path_is_valid("/a:b"));
	assert_false(path_is_valid("/a\\b"));
	assert_false(path_is_valid("/a\tb"));
	assert_false(path_is_valid("/a\x80"));
	assert_false(path_is_valid("/a\xff"));
	assert_false(path_is_valid("/*"));
	assert_false(path_is_valid("/a~"));
}

static void
test_valid_slashes(void **state)
{
	(void)state;
	assert_true(path_is_valid("/"));
	assert_true(path_is_valid("/a"));
	assert_true(path_is_valid("/a/b"));
	assert_false(path_is_valid("//"));
	assert_false(path_is_valid("//a"));
	assert_false(path_is_valid("/a//b"));
	assert_false(path_is_valid("/a/b//"));
	assert_false(path_is_valid("/a/"));
	assert_false(path_is_valid("/a/b/"));
	assert_false(path_is_valid(""));
	assert_false(path_is_valid("a"));
	assert_false(path_is_valid("a/b"));
	assert_false(path_is_valid("@a"));
}

static void
test_valid_length(void **state)
{
	struct root_fix *f = *state;
	char *p;

	p = long_path(f->root, "/", XENSTORE_ABS_PATH_MAX);
	assert_int_equal(strlen(p), 3072);
	assert_true(path_is_valid(p));
	p = long_path(f->root, "/", XENSTORE_ABS_PATH_MAX + 1);
	assert_int_equal(strlen(p), 3073);
	assert_false(path_is_valid(p));
}

static void
test_special(void **state)
{
	(void)state;
	assert_true(path_is_special("@introduceDomain"));
	assert_true(path_is_special("@releaseDomain"));
	assert_true(path_is_special("@a/b"));
	assert_false(path_is_special("@"));
	assert_false(path_is_special(""));
	assert_false(path_is_special("/a"));
	assert_false(path_is_special("@a/"));
	assert_false(path_is_special("@a//b"));
	assert_false(path_is_special("@a b"));
	assert_false(path_is_special("@a.b"));
}

static void
test_canonical_absolute(void **state)
{
	struct root_fix *f = *state;
	char *p;
	int err = 0;

	p = path_canonical(f->root, 5, "/a/b", false, &err);
	assert_non_null(p);
	assert_string_equal(p, "/a/b");
	assert_ptr_equal(talloc_parent(p), f->root);

	p = path_canonical(f->root, 5, "/", false, &err);
	assert_non_null(p);
	assert_string_equal(p, "/");

	err = 0;
	assert_null(path_canonical(f->root, 5, "/a/", false, &err));
	assert_int_equal(err, EINVAL);
	err = 0;
	assert_null(path_canonical(f->root, 5, "/a//b", false, &err));
	assert_int_equal(err, EINVAL);
	err = 0;
	assert_null(path_canonical(f->root, 5, "/a.b", false, &err));
	assert_int_equal(err, EINVAL);
	err = 0;
	assert_null(path_canonical(f->root, 5, "", false, &err));
	assert_int_equal(err, EINVAL);
	err = 0;
	assert_null(path_canonical(f->root, 5, "", true, &err));
	assert_int_equal(err, EINVAL);
}

static void
test_canonical_absolute_length(void **state)
{
	struct root_fix *f = *state;
	char *in, *p;
	int err = 0;

	in = long_path(f->root, "/", XENSTORE_ABS_PATH_MAX);
	p = path_canonical(f->root, 0, in, false, &err);
	assert_non_null(p);
	assert_string_equal(p, in);

	in = long_path(f->root, "/", XENSTORE_ABS_PATH_MAX + 1);
	err = 0;
	assert_null(path_canonical(f->root, 0, in, false, &err));
	assert_int_equal(err, EINVAL);
}

static void
test_canonical_relative(void **state)
{
	struct root_fix *f = *state;
	char *p;
	int err = 0;

	p = path_canonical(f->root, 5, "device/vif", false, &err);
	assert_non_null(p);
	assert_string_equal(p, "/local/domain/5/device/vif");

	p = path_canonical(f->root, 0, "x", false, &err);
	assert_non_null(p);
	assert_string_equal(p, "/local/domain/0/x");

	p = path_canonical(f->root, 65535, "x", false, &err);
	assert_non_null(p);
	assert_string_equal(p, "/local/domain/65535/x");

	err = 0;
	assert_null(path_canonical(f->root, 5, "a/", false, &err));
	assert_int_equal(err, EINVAL);
	err = 0;
	assert_null(path_canonical(f->root, 5, "a//b", false, &err));
	assert_int_equal(err, EINVAL);
	err = 0;
	assert_null(path_canonical(f->root, 5, "a.b", false, &err));
	assert_int_equal(err, EINVAL);
}

static void
test_canonical_relative_length(void **state)
{
	struct root_fix *f = *state;
	char *in, *p;
	int err = 0;

	in = long_path(f->root, "x", XENSTORE_REL_PATH_MAX);
	assert_int_equal(strlen(in), 2048);
	p = path_canonical(f->root, 5, in, false, &err);
	assert_non_null(p);
	assert_int_equal(strlen(p), strlen("/local/domain/5/") + 2048);
	assert_memory_equal(p, "/local/domain/5/", 16);
	assert_string_equal(p + 16, in);

	in = long_path(f->root, "x", XENSTORE_REL_PATH_MAX + 1);
	err = 0;
	assert_null(path_canonical(f->root, 5, in, false, &err));
	assert_int_equal(err, EINVAL);
}

static void
test_canonical_special(void **state)
{
	struct root_fix *f = *state;
	char *p;
	int err = 0;

	p = path_canonical(f->root, 5, "@releaseDomain", true, &err);
	assert_non_null(p);
	assert_string_equal(p, "@releaseDomain");

	p = path_canonical(f->root, 5, "@introduceDomain", true, &err);
	assert_non_null(p);
	assert_string_equal(p, "@introduceDomain");

	err = 0;
	assert_null(path_canonical(f->root, 5, "@releaseDomain", false,
				   &err));
	assert_int_equal(err, EINVAL);
	err = 0;
	assert_null(path_canonical(f->root, 5, "@", true, &err));
	assert_int_equal(err, EINVAL);
	err = 0;
	assert_null(path_canonical(f->root, 5, "@a/", true, &err));
	assert_int_equal(err, EINVAL);
	err = 0;
	assert_null(path_canonical(f->root, 5, "@a.b", true, &err));
	assert_int_equal(err, EINVAL);
}

static void
test_domain(void **state)
{
	struct root_fix *f = *state;
	char *p = path_domain(f->root, 7);

	assert_non_null(p);
	assert_string_equal(p, "/local/domain/7");
}

static void
test_is_child(void **state)
{
	(void)state;
	/* The root is the parent of every absolute path. */
	assert_true(path_is_child("/", "/"));
	assert_true(path_is_child("/a", "/"));
	assert_true(path_is_child("/a/b/c", "/"));
	assert_false(path_is_child("@a", "/"));

	assert_true(path_is_child("/a", "/a"));
	assert_true(path_is_child("/a/b", "/a"));
	assert_true(path_is_child("/a/b/c", "/a"));
	assert_true(path_is_child("/a/b/c", "/a/b"));

	/* A common prefix is not enough: it must end at a '/'. */
	assert_false(path_is_child("/ab", "/a"));
	assert_false(path_is_child("/ab/c", "/a"));
	assert_false(path_is_child("/a-b", "/a"));
	assert_false(path_is_child("/a", "/ab"));
	assert_false(path_is_child("/a", "/a/b"));
	assert_false(path_is_child("/", "/a"));
	assert_false(path_is_child("/b", "/a"));

	assert_true(path_is_child("@a", "@a"));
	assert_false(path_is_child("@ab", "@a"));
}

static void
test_parent(void **state)
{
	struct root_fix *f = *state;

	assert_string_equal(path_parent(f->root, "/a/b/c"), "/a/b");
	assert_string_equal(path_parent(f->root, "/a/b"), "/a");
	assert_string_equal(path_parent(f->root, "/a"), "/");
	assert_string_equal(path_parent(f->root, "/"), "/");
}

static void
test_leaf(void **state)
{
	(void)state;
	assert_string_equal(path_leaf("/a/b/c"), "c");
	assert_string_equal(path_leaf("/a"), "a");
	assert_string_equal(path_leaf("/"), "/");
	assert_string_equal(path_leaf("/local/domain/12"), "12");
}

static void
test_join(void **state)
{
	struct root_fix *f = *state;

	assert_string_equal(path_join(f->root, "/", "a"), "/a");
	assert_string_equal(path_join(f->root, "/a", "b"), "/a/b");
	assert_string_equal(path_join(f->root, "/a/b", "c"), "/a/b/c");
}

static void
test_depth(void **state)
{
	(void)state;
	assert_int_equal(path_depth("/"), 0);
	assert_int_equal(path_depth("/a"), 1);
	assert_int_equal(path_depth("/a/b"), 2);
	assert_int_equal(path_depth("/local/domain/0/x"), 4);
}

static void
test_round_trip(void **state)
{
	struct root_fix *f = *state;
	static const char *const paths[] = {
		"/a", "/a/b", "/local/domain/5/device", "/x/y/z/w",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char *parent = path_parent(f->root, paths[i]);
		char *joined = path_join(f->root, parent,
					 path_leaf(paths[i]));

		assert_string_equal(joined, paths[i]);
		assert_int_equal(path_depth(parent) + 1,
				 path_depth(paths[i]));
		assert_true(path_is_child(paths[i], parent));
		assert_false(path_is_child(parent, paths[i]));
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_chars),
		T(test_valid_slashes),
		T(test_valid_length),
		T(test_special),
		T(test_canonical_absolute),
		T(test_canonical_absolute_length),
		T(test_canonical_relative),
		T(test_canonical_relative_length),
		T(test_canonical_special),
		T(test_domain),
		T(test_is_child),
		T(test_parent),
		T(test_leaf),
		T(test_join),
		T(test_depth),
		T(test_round_trip),
	};

	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("path", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
