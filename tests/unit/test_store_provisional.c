// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_store_provisional.c - the store a live update's new process
 * starts with: a usable empty store whose file is a few KiB, not the
 * full hash table, and which a restore of NODE_DATA (a LIVE_UPDATE
 * image may carry its nodes so) swaps for a full one before the nodes
 * go in.
 */
#include <sys/stat.h>

#include "xss_test.h"
#include "xsd_fixture.h"

#include "state.h"

/* The size of the store's file: the hash table is most of an empty one. */
static off_t
store_bytes(const struct store *s)
{
	struct stat st;

	assert_int_equal(fstat(store_fd(s), &st), 0);
	return st.st_size;
}

static void
test_provisional_is_small_and_usable(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct store *full, *prov;
	struct node *root = NULL;
	char *report = NULL;
	int err = -1;

	full = store_open(ctx, NULL, &err);
	assert_non_null(full);
	prov = store_open_provisional(ctx, &err);
	assert_non_null(prov);
	assert_false(store_is_provisional(full));
	assert_true(store_is_provisional(prov));
	assert_true(store_bytes(full) > 512 * 1024);
	assert_true(store_bytes(prov) < 16 * 1024);
	/* The same root as a full store's. */
	assert_int_equal(store_get(ctx, prov, "/", &root), 0);
	assert_int_equal(root->nperms, 1);
	assert_int_equal(root->perms[0].id, 0);
	assert_int_equal(store_check(prov, &report, ctx), 0);
}

static int
setup(void **state)
{
	return fix_setup(state, 0);
}

static void
test_node_data_gets_a_full_store(void **state)
{
	struct fix *f = *state;
	struct xsd *xsd = f->xsd;
	struct store *prov;
	struct img *im;
	struct node *n = NULL;
	char *err = NULL;
	int ret = -1;

	/* As main() before a live update's restore. */
	prov = store_open_provisional(xsd, &ret);
	assert_non_null(prov);
	talloc_free(xsd->store);
	xsd->store = prov;
	store_set_owner_fn(prov, domain_owner_changed, xsd);

	im = img_lu(f->tmp, false);
	img_node(im, "/a", 7);
	img_end(im);
	ret = state_restore_buf(xsd, im->data, im->len, RESTORE_LIVE, NULL,
				&err, f->tmp);
	assert_int_equal(ret, 0);
	assert_false(store_is_provisional(xsd->store));
	assert_true(store_bytes(xsd->store) > 512 * 1024);
	assert_int_equal(store_get(f->tmp, xsd->store, "/a", &n), 0);
	assert_int_equal(n->gen, 7);
	assert_int_equal(store_count(xsd->store), 1);
	/* Accounting: dom0 owns the root (from the fixture) and /a. */
	assert_int_equal(domain_get(xsd, 0, false)->nodes, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_provisional_is_small_and_usable,
			root_setup, root_teardown),
		cmocka_unit_test_setup_teardown(
			test_node_data_gets_a_full_store, setup, fix_teardown),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("store_provisional", tests, NULL,
					  NULL);
	talloc_disable_null_tracking();
	return ret;
}
