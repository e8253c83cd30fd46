// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_perms.c - permission strings and the access rules.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "perms.h"
#include "root_fix.h"

/* Parse a string literal, with its final NUL (sizeof includes it). */
#define PARSE(f, lit, out, num) \
	perms_parse((f)->root, (lit), sizeof(lit), (out), (num))

static void
test_parse_one_letters(void **state)
{
	struct perm p;

	(void)state;
	assert_int_equal(perm_parse_one("n1", &p), 0);
	assert_int_equal(p.id, 1);
	assert_int_equal(p.access, PERM_NONE);
	assert_int_equal(perm_parse_one("r2", &p), 0);
	assert_int_equal(p.id, 2);
	assert_int_equal(p.access, PERM_READ);
	assert_int_equal(perm_parse_one("w3", &p), 0);
	assert_int_equal(p.id, 3);
	assert_int_equal(p.access, PERM_WRITE);
	assert_int_equal(perm_parse_one("b4", &p), 0);
	assert_int_equal(p.id, 4);
	assert_int_equal(p.access, PERM_BOTH);
}

static void
test_parse_one_domids(void **state)
{
	struct perm p;

	(void)state;
	assert_int_equal(perm_parse_one("r0", &p), 0);
	assert_int_equal(p.id, 0);
	assert_int_equal(perm_parse_one("r65535", &p), 0);
	assert_int_equal(p.id, 65535);
	assert_int_equal(perm_parse_one("r00007", &p), 0);
	assert_int_equal(p.id, 7);
	assert_int_equal(perm_parse_one("r65536", &p), EINVAL);
	assert_int_equal(perm_parse_one("r99999", &p), EINVAL);
	assert_int_equal(perm_parse_one("r100000", &p), EINVAL);
	assert_int_equal(perm_parse_one("r4294967296", &p), EINVAL);
}

static void
test_parse_one_junk(void **state)
{
	struct perm p = { 77, 77 };

	(void)state;
	assert_int_equal(perm_parse_one("", &p), EINVAL);
	assert_int_equal(perm_parse_one("r", &p), EINVAL);
	assert_int_equal(perm_parse_one("b", &p), EINVAL);
	assert_int_equal(perm_parse_one("5", &p), EINVAL);
	assert_int_equal(perm_parse_one("x5", &p), EINVAL);
	assert_int_equal(perm_parse_one("R5", &p), EINVAL);
	assert_int_equal(perm_parse_one("B5", &p), EINVAL);
	assert_int_equal(perm_parse_one("r5x", &p), EINVAL);
	assert_int_equal(perm_parse_one("r-5", &p), EINVAL);
	assert_int_equal(perm_parse_one("r+5", &p), EINVAL);
	assert_int_equal(perm_parse_one("r 5", &p), EINVAL);
	assert_int_equal(perm_parse_one(" r5", &p), EINVAL);
	assert_int_equal(perm_parse_one("rr5", &p), EINVAL);
	assert_int_equal(perm_parse_one("r0x5", &p), EINVAL);
	/* Failures leave the output alone. */
	assert_int_equal(p.id, 77);
	assert_int_equal(p.access, 77);
}

static void
test_parse_list(void **state)
{
	struct root_fix *f = *state;
	struct perm *p = NULL;
	unsigned int n = 0;

	assert_int_equal(PARSE(f, "b0\0r5\0n7\0w65535", &p, &n), 0);
	assert_int_equal(n, 4);
	assert_ptr_equal(talloc_parent(p), f->root);
	assert_int_equal(p[0].id, 0);
	assert_int_equal(p[0].access, PERM_BOTH);
	assert_int_equal(p[1].id, 5);
	assert_int_equal(p[1].access, PERM_READ);
	assert_int_equal(p[2].id, 7);
	assert_int_equal(p[2].access, PERM_NONE);
	assert_int_equal(p[3].id, 65535);
	assert_int_equal(p[3].access, PERM_WRITE);

	assert_int_equal(PARSE(f, "n3", &p, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].id, 3);
	assert_int_equal(p[0].access, PERM_NONE);
}

static void
test_parse_list_bad(void **state)
{
	struct root_fix *f = *state;
	struct perm *p = NULL;
	unsigned int n = 99;
	size_t blocks = talloc_total_blocks(f->root);

	/* No final NUL. */
	assert_int_equal(perms_parse(f->root, "b0\0r5", 5, &p, &n), EINVAL);
	assert_int_equal(perms_parse(f->root, "b0", 2, &p, &n), EINVAL);
	/* Nothing at all. */
	assert_int_equal(perms_parse(f->root, "", 0, &p, &n), EINVAL);
	/* Empty entries. */
	assert_int_equal(PARSE(f, "", &p, &n), EINVAL);
	assert_int_equal(PARSE(f, "b0\0", &p, &n), EINVAL);
	assert_int_equal(PARSE(f, "\0b0", &p, &n), EINVAL);
	/* One bad entry spoils the list. */
	assert_int_equal(PARSE(f, "b0\0r65536", &p, &n), EINVAL);
	assert_int_equal(PARSE(f, "b0\0q5", &p, &n), EINVAL);
	assert_int_equal(PARSE(f, "b0\0r", &p, &n), EINVAL);
	assert_int_equal(PARSE(f, "bx\0r1", &p, &n), EINVAL);

	assert_null(p);
	assert_int_equal(n, 99);
	/* Nothing was left behind by the failures. */
	assert_int_equal(talloc_total_blocks(f->root), blocks);
}

static void
test_format(void **state)
{
	struct root_fix *f = *state;
	struct perm p[] = {
		{ 0, PERM_BOTH }, { 5, PERM_READ }, { 7, PERM_NONE },
		{ 65535, PERM_WRITE },
	};
	size_t len = 0;
	char *s;

	s = perms_format(f->root, p, 2, &len);
	assert_non_null(s);
	assert_int_equal(len, 6);
	assert_memory_equal(s, "b0\0r5\0", 6);

	s = perms_format(f->root, p, 4, &len);
	assert_non_null(s);
	assert_int_equal(len, sizeof("b0\0r5\0n7\0w65535"));
	assert_memory_equal(s, "b0\0r5\0n7\0w65535", len);

	s = perms_format(f->root, p, 0, &len);
	assert_non_null(s);
	assert_int_equal(len, 0);
}

/* Any 32-bit id fits (a restored image once overflowed the buffer). */
static void
test_format_large_ids(void **state)
{
	struct root_fix *f = *state;
	struct perm p[200];
	size_t len = 0;
	unsigned int i;
	char *s;

	for (i = 0; i < 200; i++)
		p[i] = (struct perm){ 4000000000u + i, PERM_BOTH };
	s = perms_format(f->root, p, 200, &len);
	assert_non_null(s);
	assert_int_equal(len, 200 * sizeof("b4000000000"));
	assert_true(talloc_get_size(s) >= len);
	assert_memory_equal(s, "b4000000000\0b4000000001", 24);
	assert_string_equal(s + 199 * sizeof("b4000000000"), "b4000000199");
	p[0].id = 0xffffffffu;
	s = perms_format(f->root, p, 1, &len);
	assert_int_equal(len, sizeof("b4294967295"));
	assert_string_equal(s, "b4294967295");
}

static void
test_format_round_trip(void **state)
{
	struct root_fix *f = *state;
	static const char wire[] = "w12\0n0\0b65535\0r1\0r00";
	struct perm *p = NULL, *q = NULL;
	unsigned int n = 0, m = 0;
	size_t len = 0;
	char *s;

	assert_int_equal(perms_parse(f->root, wire, sizeof(wire), &p, &n), 0);
	assert_int_equal(n, 5);
	s = perms_format(f->root, p, n, &len);
	assert_non_null(s);
	/* Leading zeros go; everything else comes back byte for byte. */
	assert_int_equal(len, sizeof("w12\0n0\0b65535\0r1\0r0"));
	assert_memory_equal(s, "w12\0n0\0b65535\0r1\0r0", len);
	assert_int_equal(perms_parse(f->root, s, len, &q, &m), 0);
	assert_int_equal(m, n);
	assert_memory_equal(p, q, n * sizeof(*p));
}

static void
test_text(void **state)
{
	struct root_fix *f = *state;
	struct perm p[] = {
		{ 0, PERM_BOTH }, { 5, PERM_READ }, { 9, PERM_WRITE },
		{ 3, PERM_NONE },
	};

	assert_string_equal(perms_text(f->root, p, 2), "b0 r5");
	assert_string_equal(perms_text(f->root, p, 4), "b0 r5 w9 n3");
	assert_string_equal(perms_text(f->root, p, 1), "b0");
	assert_string_equal(perms_text(f->root, p, 0), "");
}

static void
test_access_owner(void **state)
{
	struct perm p[] = { { 3, PERM_NONE }, { 3, PERM_NONE } };

	(void)state;
	/* The owner has full access whatever the letter says. */
	assert_int_equal(perms_access(p, 1, 3, PERM_NO_TARGET), PERM_BOTH);
	/* ... even with an entry of its own further down. */
	assert_int_equal(perms_access(p, 2, 3, PERM_NO_TARGET), PERM_BOTH);
	/* Others get the first entry's letter. */
	assert_int_equal(perms_access(p, 1, 4, PERM_NO_TARGET), PERM_NONE);
	/* No entries at all: nothing. */
	assert_int_equal(perms_access(p, 0, 3, PERM_NO_TARGET), PERM_NONE);
}

static void
test_access_entries(void **state)
{
	struct perm p[] = {
		{ 1, PERM_READ }, { 2, PERM_WRITE }, { 3, PERM_NONE },
		{ 4, PERM_BOTH }, { 2, PERM_BOTH },
	};

	(void)state;
	assert_int_equal(perms_access(p, 5, 1, PERM_NO_TARGET), PERM_BOTH);
	/* The first matching entry counts. */
	assert_int_equal(perms_access(p, 5, 2, PERM_NO_TARGET), PERM_WRITE);
	/* An explicit 'n' beats the default. */
	assert_int_equal(perms_access(p, 5, 3, PERM_NO_TARGET), PERM_NONE);
	assert_int_equal(perms_access(p, 5, 4, PERM_NO_TARGET), PERM_BOTH);
	/* Default: the owner's letter. */
	assert_int_equal(perms_access(p, 5, 0, PERM_NO_TARGET), PERM_READ);
	assert_int_equal(perms_access(p, 5, 99, PERM_NO_TARGET), PERM_READ);
	/* Only the first num entries are looked at. */
	assert_int_equal(perms_access(p, 1, 2, PERM_NO_TARGET), PERM_READ);
}

static void
test_access_default(void **state)
{
	struct perm pb[] = { { 0, PERM_BOTH } };
	struct perm pw[] = { { 0, PERM_WRITE }, { 5, PERM_READ } };

	(void)state;
	assert_int_equal(perms_access(pb, 1, 7, PERM_NO_TARGET), PERM_BOTH);
	assert_int_equal(perms_access(pw, 2, 7, PERM_NO_TARGET), PERM_WRITE);
	assert_int_equal(perms_access(pw, 2, 5, PERM_NO_TARGET), PERM_READ);
}

static void
test_access_target(void **state)
{
	/* Owned by 1 (default none); 2 may read, 3 may write. */
	struct perm p[] = {
		{ 1, PERM_NONE }, { 2, PERM_READ }, { 3, PERM_WRITE },
	};
	/* Default read for everyone, 5 explicitly none. */
	struct perm q[] = { { 0, PERM_READ }, { 5, PERM_NONE } };

	(void)state;
	/* Acting for the owner gives full access. */
	assert_int_equal(perms_access(p, 3, 9, 1), PERM_BOTH);
	/* Acting for 2 gives 2's rights. */
	assert_int_equal(perms_access(p, 3, 9, 2), PERM_READ);
	/* Own entry and target's entry combine. */
	assert_int_equal(perms_access(p, 3, 3, 2), PERM_BOTH);
	assert_int_equal(perms_access(p, 3, 2, 3), PERM_BOTH);
	/* Own entry, target without one: own entry only, no default. */
	assert_int_equal(perms_access(p, 3, 2, 9), PERM_READ);
	assert_int_equal(perms_access(q, 2, 5, 9), PERM_NONE);
	/* Target's explicit 'n' beats the default. */
	assert_int_equal(perms_access(q, 2, 9, 5), PERM_NONE);
	/* Neither has an entry: the default. */
	assert_int_equal(perms_access(p, 3, 8, 9), PERM_NONE);
	assert_int_equal(perms_access(q, 2, 8, 9), PERM_READ);
	/* The same without a target. */
	assert_int_equal(perms_access(p, 3, 9, PERM_NO_TARGET), PERM_NONE);
	assert_int_equal(perms_access(q, 2, 9, PERM_NO_TARGET), PERM_READ);
	/* The owner itself stays the owner with any target. */
	assert_int_equal(perms_access(p, 3, 1, 2), PERM_BOTH);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_parse_one_letters),
		T(test_parse_one_domids),
		T(test_parse_one_junk),
		T(test_parse_list),
		T(test_parse_list_bad),
		T(test_format),
		T(test_format_large_ids),
		T(test_format_round_trip),
		T(test_text),
		T(test_access_owner),
		T(test_access_entries),
		T(test_access_default),
		T(test_access_target),
	};

	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("perms", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
