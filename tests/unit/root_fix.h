/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * root_fix.h - the talloc fixture of the unit tests that need nothing
 * else: one root that everything a test allocates hangs off, and the
 * leak check that the NULL context holds as many blocks after the test
 * as before it (null tracking is on in every test program).
 *
 * root_setup/root_teardown are cmocka setup/teardown functions whose
 * state is a struct root_fix; a fixture with more in it embeds a struct
 * root_fix and calls root_fix_open/root_fix_close itself.
 */
#ifndef ROOT_FIX_H
#define ROOT_FIX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <talloc.h>

struct root_fix {
	TALLOC_CTX *root;
	size_t null_blocks;
};

static inline void
root_fix_open(struct root_fix *rf)
{
	rf->null_blocks = talloc_total_blocks(NULL);
	rf->root = talloc_new(NULL);
	assert_non_null(rf->root);
}

static inline void
root_fix_close(struct root_fix *rf)
{
	/* Everything a test allocated hangs off root, nothing elsewhere. */
	talloc_free(rf->root);
	assert_int_equal(talloc_total_blocks(NULL), rf->null_blocks);
}

static inline int
root_setup(void **state)
{
	struct root_fix *rf = test_calloc(1, sizeof(*rf));

	root_fix_open(rf);
	*state = rf;
	return 0;
}

static inline int
root_teardown(void **state)
{
	struct root_fix *rf = *state;

	root_fix_close(rf);
	test_free(rf);
	return 0;
}

#endif /* ROOT_FIX_H */
