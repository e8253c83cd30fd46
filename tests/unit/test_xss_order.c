// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xss_order.c - the rules between records (spec sections 4 and 5):
 * order, groups, transactions, uniqueness, parents before children,
 * generations, MIGRATION restrictions, END last and alone.
 */
#include "xss_test.h"

static const struct xss_perm perm5 = { 5, 0 };

static void
domain(struct img *im, uint32_t domid, uint32_t conn_id)
{
	struct xss_domain d = {
		.domid = domid, .conn_id = conn_id,
		.flags = conn_id ? XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION : 0,
		.target = XSS_NO_TARGET,
		.evtchn_fd = XSS_NO_FD, .page_fd = XSS_NO_FD,
	};

	assert_int_equal(xss_write_domain(im->w, &d), 0);
}

static void
sock(struct img *im, uint32_t conn_id)
{
	struct xss_socket s = { conn_id, XSS_NO_FD, 0, 0 };

	assert_int_equal(xss_write_socket(im->w, &s), 0);
}

static void
watch(struct img *im, const char *path, const char *token, uint32_t flags)
{
	struct xss_watch w = { path, token, XSS_WATCH_NO_DEPTH, flags };

	assert_int_equal(xss_write_watch(im->w, &w), 0);
}

static void
txn(struct img *im, uint32_t tx_id)
{
	struct xss_txn t = { tx_id, 0 };

	assert_int_equal(xss_write_txn(im->w, &t), 0);
}

static void
tnode(struct img *im, uint32_t tx_id, const char *path, uint64_t gen)
{
	struct xss_txn_node tn = {
		.tx_id = tx_id, .flags = XSS_TNODE_EXISTS, .base_gen = gen,
		.gen = gen, .path = path, .perms = { 1, &perm5 },
	};

	assert_int_equal(xss_write_txn_node(im->w, &tn), 0);
}

static void
tevent(struct img *im, uint32_t tx_id, const char *path, bool removal)
{
	struct xss_removed rm = { path, { 1, &perm5 } };
	struct xss_txn_event te = {
		.tx_id = tx_id, .flags = removal ? XSS_TEVENT_REMOVAL : 0,
		.path = path, .nremoved = removal, .removed = &rm,
	};

	assert_int_equal(xss_write_txn_event(im->w, &te), 0);
}

static void
quota(struct img *im, uint32_t domid)
{
	struct xss_quota q = { domid, 0, NULL };

	assert_int_equal(xss_write_quota(im->w, &q), 0);
}

static void
special(struct img *im, const char *path)
{
	struct xss_special s = { path, { 1, &perm5 } };

	assert_int_equal(xss_write_special(im->w, &s), 0);
}

static void
input(struct img *im)
{
	assert_int_equal(xss_write_input(im->w, "partial", 7), 0);
}

static void
output(struct img *im)
{
	assert_int_equal(xss_write_output(im->w, "reply", 5), 0);
}

/* End the image and expect it to fail with exactly want. */
static void
fails(struct img *im, const char *want)
{
	img_end(im);
	expect_err(talloc_parent(im), im, want);
}

static void
passes(struct img *im)
{
	img_end(im);
	expect_ok(talloc_parent(im), im);
}

static struct img *
lu(void **state)
{
	return img_lu(ROOT(state), false);
}

static struct img *
empty(void **state, uint32_t kind)
{
	return img_new(ROOT(state), kind, XSS_NO_DOMID, true);
}

static struct img *
mig(void **state)
{
	return img_new(ROOT(state), XSS_KIND_MIGRATION, 5, false);
}

static void
test_global_first(void **state)
{
	struct img *im = empty(state, XSS_KIND_LIVE_UPDATE);

	img_node(im, "/", 1);
	fails(im, "record #1 (NODE_DATA) at offset 0x40: NODE_DATA before "
	      "GLOBAL_DATA, which must be the first record");
	im = empty(state, XSS_KIND_DUMP);
	special(im, "@a");
	fails(im, "record #1 (SPECIAL_PERMS) at offset 0x40: SPECIAL_PERMS "
	      "before GLOBAL_DATA, which must be the first record");
	im = empty(state, XSS_KIND_DUMP);
	fails(im, "record #1 (END) at offset 0x40: END before GLOBAL_DATA, "
	      "which must be the first record");
	im = lu(state);
	img_global(im, 1);
	fails(im, "record #3 (GLOBAL_DATA) at offset 0x98: second GLOBAL_DATA "
	      "(the first is record #1)");
}

static void
test_defaults_and_specials(void **state)
{
	struct img *im = empty(state, XSS_KIND_LIVE_UPDATE);

	img_global(im, 1);
	quota(im, XSS_NO_DOMID);
	special(im, "@a");
	special(im, "@b");
	img_node(im, "/", 1);
	passes(im);

	im = empty(state, XSS_KIND_LIVE_UPDATE);
	img_global(im, 1);
	special(im, "@a");
	quota(im, XSS_NO_DOMID);
	fails(im, "record #3 (QUOTA_DATA) at offset 0x88: defaults' "
	      "QUOTA_DATA after SPECIAL_PERMS: it must follow GLOBAL_DATA");
	im = empty(state, XSS_KIND_LIVE_UPDATE);
	img_global(im, 1);
	quota(im, XSS_NO_DOMID);
	quota(im, XSS_NO_DOMID);
	fails(im, "record #3 (QUOTA_DATA) at offset 0x78: second defaults' "
	      "QUOTA_DATA");
	im = lu(state);
	quota(im, XSS_NO_DOMID);
	fails(im, "record #3 (QUOTA_DATA) at offset 0x98: defaults' "
	      "QUOTA_DATA after NODE_DATA: it must follow GLOBAL_DATA");
	im = lu(state);
	special(im, "@a");
	fails(im, "record #3 (SPECIAL_PERMS) at offset 0x98: SPECIAL_PERMS "
	      "after NODE_DATA: they come before the first NODE_DATA");
	im = empty(state, XSS_KIND_LIVE_UPDATE);
	img_global(im, 1);
	special(im, "@a");
	special(im, "@b");
	special(im, "@a");
	fails(im, "record #4 (SPECIAL_PERMS) at offset 0xa8: special path "
	      "\"@a\" given twice (first in record #2)");
}

static void
test_nodes(void **state)
{
	struct img *im = empty(state, XSS_KIND_DUMP);

	img_global(im, 10);
	img_node(im, "/a", 1);
	fails(im, "record #2 (NODE_DATA) at offset 0x68: the first NODE_DATA "
	      "is \"/a\", not the root \"/\"");
	im = lu(state);
	img_node(im, "/a/b", 2);
	fails(im, "record #3 (NODE_DATA) at offset 0x98: the parent \"/a\" of "
	      "node \"/a/b\" was not given before it");
	im = lu(state);
	img_node(im, "/a", 2);
	img_node(im, "/a/b", 3);
	img_node(im, "/a/b/c/d", 3);
	fails(im, "record #5 (NODE_DATA) at offset 0xf8: the parent "
	      "\"/a/b/c\" of node \"/a/b/c/d\" was not given before it");
	im = lu(state);
	img_node(im, "/a", 2);
	img_node(im, "/b", 2);
	img_node(im, "/a", 2);
	fails(im, "record #5 (NODE_DATA) at offset 0xf8: node \"/a\" given "
	      "twice (first in record #3)");
	im = lu(state);
	img_node(im, "/", 2);
	fails(im, "record #3 (NODE_DATA) at offset 0x98: node \"/\" given "
	      "twice (first in record #2)");
	im = lu(state);
	img_node(im, "/a", 1000);
	img_node(im, "/b", 1001);
	fails(im, "record #4 (NODE_DATA) at offset 0xc8: gen 1001 above "
	      "GLOBAL_DATA's generation 1000");
	im = lu(state);
	domain(im, 5, 0);
	img_node(im, "/a", 2);
	fails(im, "record #4 (NODE_DATA) at offset 0xd0: NODE_DATA after "
	      "DOMAIN_START: nodes come before the groups");
	im = empty(state, XSS_KIND_LIVE_UPDATE);
	img_global(im, 1);
	domain(im, 5, 0);
	fails(im, "record #2 (DOMAIN_START) at offset 0x68: DOMAIN_START "
	      "before the first NODE_DATA");
	im = empty(state, XSS_KIND_LIVE_UPDATE);
	img_global(im, 1);
	special(im, "@a");
	fails(im, "record #3 (END) at offset 0x88: END before the first "
	      "NODE_DATA (after SPECIAL_PERMS)");
}

static void
test_outside_group(void **state)
{
	struct img *im = lu(state);

	watch(im, "/a", "t", 0);
	fails(im, "record #3 (WATCH_DATA) at offset 0x98: WATCH_DATA outside "
	      "a group (after NODE_DATA)");
	im = lu(state);
	txn(im, 1);
	fails(im, "record #3 (TRANSACTION_DATA) at offset 0x98: "
	      "TRANSACTION_DATA outside a group (after NODE_DATA)");
	im = lu(state);
	input(im);
	fails(im, "record #3 (CONN_INPUT) at offset 0x98: CONN_INPUT outside "
	      "a group (after NODE_DATA)");
	im = lu(state);
	output(im);
	fails(im, "record #3 (GUEST_RING_DATA) at offset 0x98: "
	      "GUEST_RING_DATA outside a group (after NODE_DATA)");
	im = lu(state);
	tnode(im, 1, "/a", 1);
	fails(im, "record #3 (TRANSACTION_NODE_DATA) at offset 0x98: "
	      "TRANSACTION_NODE_DATA with tx_id 1 outside a transaction "
	      "(after NODE_DATA)");
	im = lu(state);
	quota(im, 5);
	fails(im, "record #3 (QUOTA_DATA) at offset 0x98: QUOTA_DATA of "
	      "domain 5 outside a group: it must follow the domain's "
	      "DOMAIN_START");
	/* A domain without a connection has an empty conn part. */
	im = lu(state);
	domain(im, 6, 0);
	quota(im, 6);
	watch(im, "/a", "t", 0);
	fails(im, "record #5 (WATCH_DATA) at offset 0xe0: WATCH_DATA in the "
	      "group of domain 6, which has no connection");
	im = lu(state);
	domain(im, 6, 0);
	output(im);
	fails(im, "record #4 (GUEST_RING_DATA) at offset 0xd0: "
	      "GUEST_RING_DATA in the group of domain 6, which has no "
	      "connection");
}

static void
test_group_order(void **state)
{
	struct img *im = img_lu_dom(ROOT(state), false);

	quota(im, 5);
	watch(im, "/a", "t", 0);
	watch(im, "/b", "t", 0);
	txn(im, 1);
	tnode(im, 1, "/a", 1);
	tevent(im, 1, "/a", false);
	tevent(im, 1, "/a", true);	/* a change and a removal: fine */
	txn(im, 2);
	txn(im, 3);
	tnode(im, 3, "/a", 1);
	input(im);
	output(im);
	sock(im, 2);
	input(im);
	domain(im, 6, 3);
	output(im);
	sock(im, 4);
	passes(im);

	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	watch(im, "/a", "t", 0);
	fails(im, "record #5 (WATCH_DATA) at offset 0xe8: WATCH_DATA after "
	      "TRANSACTION_DATA in the same group");
	im = img_lu_dom(ROOT(state), false);
	input(im);
	txn(im, 1);
	fails(im, "record #5 (TRANSACTION_DATA) at offset 0xe0: "
	      "TRANSACTION_DATA after CONN_INPUT in the same group");
	im = img_lu_dom(ROOT(state), false);
	output(im);
	input(im);
	fails(im, "record #5 (CONN_INPUT) at offset 0xe0: CONN_INPUT after "
	      "GUEST_RING_DATA in the same group");
	im = img_lu_dom(ROOT(state), false);
	input(im);
	input(im);
	fails(im, "record #5 (CONN_INPUT) at offset 0xe0: second CONN_INPUT "
	      "in the group (the first is record #4)");
	im = img_lu_dom(ROOT(state), false);
	output(im);
	output(im);
	fails(im, "record #5 (GUEST_RING_DATA) at offset 0xe0: second "
	      "GUEST_RING_DATA in the group (the first is record #4)");
	im = img_lu_dom(ROOT(state), false);
	watch(im, "/a", "t", 0);
	quota(im, 5);
	fails(im, "record #5 (QUOTA_DATA) at offset 0xf0: QUOTA_DATA of "
	      "domain 5 after WATCH_DATA: it must follow the domain's "
	      "DOMAIN_START");
	im = img_lu_dom(ROOT(state), false);
	quota(im, 6);
	fails(im, "record #4 (QUOTA_DATA) at offset 0xd0: QUOTA_DATA of "
	      "domain 6 in the group of domain 5");
	im = lu(state);
	sock(im, 3);
	quota(im, 6);
	fails(im, "record #4 (QUOTA_DATA) at offset 0xb0: QUOTA_DATA of "
	      "domain 6 in the group of socket connection 3");
}

/* dom0's ring connection is a group like a guest's, never migrated. */
static void
test_dom0_ring(void **state)
{
	struct img *im = lu(state);

	domain(im, 0, 7);
	watch(im, "/a", "t", 0);
	txn(im, 1);
	output(im);
	domain(im, 5, 8);
	sock(im, 9);
	passes(im);

	im = lu(state);
	domain(im, 0, 7);
	domain(im, 0, 8);
	fails(im, "record #4 (DOMAIN_START) at offset 0xd0: domain 0 "
	      "given twice (first in record #3)");
	im = mig(state);
	domain(im, 0, 1);
	fails(im, "record #1 (DOMAIN_START) at offset 0x40: dom0's ring "
	      "connection in a MIGRATION image");
}

static void
test_transactions(void **state)
{
	struct img *im = img_lu_dom(ROOT(state), false);

	tnode(im, 1, "/a", 1);
	fails(im, "record #4 (TRANSACTION_NODE_DATA) at offset 0xd0: "
	      "TRANSACTION_NODE_DATA with tx_id 1 outside a transaction "
	      "(after DOMAIN_START)");
	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	tnode(im, 2, "/a", 1);
	fails(im, "record #5 (TRANSACTION_NODE_DATA) at offset 0xe8: tx_id 2 "
	      "is not that of the transaction started last (1)");
	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	txn(im, 2);
	tevent(im, 1, "/a", false);
	fails(im, "record #6 (TRANSACTION_EVENT) at offset 0x100: tx_id 1 is "
	      "not that of the transaction started last (2)");
	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	input(im);
	tnode(im, 1, "/a", 1);
	fails(im, "record #6 (TRANSACTION_NODE_DATA) at offset 0xf8: "
	      "TRANSACTION_NODE_DATA with tx_id 1 outside a transaction "
	      "(after CONN_INPUT)");
	/* The transaction of another connection is not this one's. */
	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	sock(im, 2);
	tevent(im, 1, "/a", false);
	fails(im, "record #6 (TRANSACTION_EVENT) at offset 0x100: "
	      "TRANSACTION_EVENT with tx_id 1 outside a transaction (after "
	      "SOCKET_START)");
	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	tnode(im, 1, "/a", 1);
	tnode(im, 1, "/b", 1);
	tnode(im, 1, "/a", 1);
	fails(im, "record #7 (TRANSACTION_NODE_DATA) at offset 0x168: path "
	      "\"/a\" given twice in transaction 1 (first in record #5)");
	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	tevent(im, 1, "/a", true);
	tevent(im, 1, "/a", false);
	tevent(im, 1, "/a", true);
	fails(im, "record #7 (TRANSACTION_EVENT) at offset 0x148: a second "
	      "removal event for \"/a\" in transaction 1 (the first is record "
	      "#5)");
	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	tevent(im, 1, "/a", false);
	tevent(im, 1, "/a", false);
	fails(im, "record #6 (TRANSACTION_EVENT) at offset 0x110: a second "
	      "change event for \"/a\" in transaction 1 (the first is record "
	      "#5)");
	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	txn(im, 7);
	txn(im, 1);
	fails(im, "record #6 (TRANSACTION_DATA) at offset 0x100: transaction "
	      "1 given twice (first in record #4)");
	/* The same tx_id and paths in two connections, or two txns: fine. */
	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	tnode(im, 1, "/a", 1);
	txn(im, 2);
	tnode(im, 2, "/a", 1);
	sock(im, 2);
	txn(im, 1);
	tnode(im, 1, "/a", 1);
	passes(im);
	im = img_lu_dom(ROOT(state), false);
	txn(im, 1);
	tnode(im, 1, "/a", 1001);
	fails(im, "record #5 (TRANSACTION_NODE_DATA) at offset 0xe8: "
	      "base_gen 1001 above GLOBAL_DATA's generation 1000");
}

static void
test_connections(void **state)
{
	struct img *im = img_lu_dom(ROOT(state), false);

	sock(im, 1);
	fails(im, "record #4 (SOCKET_START) at offset 0xd0: connection id 1 "
	      "given twice (first in record #3)");
	im = lu(state);
	sock(im, 4);
	domain(im, 5, 4);
	fails(im, "record #4 (DOMAIN_START) at offset 0xb0: connection id 4 "
	      "given twice (first in record #3)");
	im = img_lu_dom(ROOT(state), false);
	domain(im, 5, 2);
	fails(im, "record #4 (DOMAIN_START) at offset 0xd0: domain 5 given "
	      "twice (first in record #3)");
	/* Domains without connections share conn_id 0. */
	im = lu(state);
	domain(im, 5, 0);
	domain(im, 6, 0);
	passes(im);
}

static void
test_watches(void **state)
{
	struct img *im = img_lu_dom(ROOT(state), false);

	watch(im, "/a", "t", 0);
	watch(im, "/a", "u", 0);
	watch(im, "/b", "t", 0);
	watch(im, "/a", "t", 0);
	fails(im, "record #7 (WATCH_DATA) at offset 0x130: watch \"/a\" with "
	      "token \"t\" given twice in the connection (first in record "
	      "#4)");
	/* The key is (path, token), not their concatenation. */
	im = img_lu_dom(ROOT(state), false);
	watch(im, "/a", "b", 0);
	watch(im, "/ab", "", 0);
	sock(im, 2);
	watch(im, "/a", "b", 0);
	passes(im);

	im = img_lu_dom(ROOT(state), false);
	watch(im, "/local/domain/5/a", "t", XSS_WATCH_RELATIVE);
	watch(im, "/local/domain/6/a", "t", XSS_WATCH_RELATIVE);
	fails(im, "record #5 (WATCH_DATA) at offset 0x100: RELATIVE watch "
	      "\"/local/domain/6/a\" not below the home \"/local/domain/5\" "
	      "of its connection");
	im = img_lu_dom(ROOT(state), false);
	watch(im, "/local/domain/5", "t", XSS_WATCH_RELATIVE);
	fails(im, "record #4 (WATCH_DATA) at offset 0xd0: RELATIVE watch "
	      "\"/local/domain/5\" not below the home \"/local/domain/5\" of "
	      "its connection");
	im = img_lu_dom(ROOT(state), false);
	watch(im, "@releaseDomain", "t", XSS_WATCH_RELATIVE);
	fails(im, "record #4 (WATCH_DATA) at offset 0xd0: RELATIVE watch "
	      "\"@releaseDomain\" not below the home \"/local/domain/5\" of "
	      "its connection");
	im = lu(state);
	sock(im, 9);
	watch(im, "/local/domain/0/x", "t", XSS_WATCH_RELATIVE);
	watch(im, "/local/domain/5/x", "t", XSS_WATCH_RELATIVE);
	fails(im, "record #5 (WATCH_DATA) at offset 0xe0: RELATIVE watch "
	      "\"/local/domain/5/x\" not below the home \"/local/domain/0\" "
	      "of its connection");
}

static void
test_end(void **state)
{
	struct img *im = lu(state);
	uint8_t *p;

	img_end(im);
	/* Missing END: the image stops at a record boundary. */
	expect_msg(ROOT(state), im->data, im->len - 16, "record #3 at offset "
		   "0x98: image ends without END");
	p = talloc_zero_size(im, im->len + 8);
	memcpy(p, im->data, im->len);
	expect_msg(ROOT(state), p, im->len + 8, "record #3 (END) at offset "
		   "0x98: data after END, from offset 0xa8");
	expect_msg(ROOT(state), p, im->len + 1, "record #3 (END) at offset "
		   "0x98: data after END, from offset 0xa8");
	/* An END in the middle: what follows is data after END. */
	im = lu(state);
	assert_int_equal(xss_write_end(im->w), 0);
	assert_int_equal(xss_write_end(im->w), EINVAL);
	im->data = xss_sink_data(im->sink, &im->len);
	p = talloc_zero_size(im, im->len + 48);
	memcpy(p, im->data, im->len);
	memcpy(p + 0x98 + 16, p + 0x68, 0x98 - 0x68);	/* a node "/" */
	expect_msg(ROOT(state), p, im->len + 48, "record #3 (END) at offset "
		   "0x98: data after END, from offset 0xa8");
}

static void
test_migration(void **state)
{
	struct img *im = mig(state);

	img_node(im, "/local/domain/5", 1);
	img_node(im, "/local/domain/5/a", 1);
	domain(im, 5, 1);
	watch(im, "/local/domain/5/a", "t", XSS_WATCH_RELATIVE);
	output(im);
	passes(im);
	im = mig(state);	/* no nodes, a domain without connection */
	domain(im, 5, 0);
	quota(im, 5);
	passes(im);

	im = mig(state);
	img_global(im, 1);
	fails(im, "record #1 (GLOBAL_DATA) at offset 0x40: GLOBAL_DATA in a "
	      "MIGRATION image");
	im = mig(state);
	special(im, "@a");
	fails(im, "record #1 (SPECIAL_PERMS) at offset 0x40: SPECIAL_PERMS in "
	      "a MIGRATION image");
	im = mig(state);
	quota(im, XSS_NO_DOMID);
	fails(im, "record #1 (QUOTA_DATA) at offset 0x40: defaults' "
	      "QUOTA_DATA in a MIGRATION image");
	im = mig(state);
	domain(im, 5, 1);
	sock(im, 2);
	fails(im, "record #2 (SOCKET_START) at offset 0x78: SOCKET_START in a "
	      "MIGRATION image");
	im = mig(state);
	img_node(im, "/local/domain/6", 1);
	fails(im, "record #1 (NODE_DATA) at offset 0x40: the first NODE_DATA "
	      "is \"/local/domain/6\", not the domain's home "
	      "\"/local/domain/5\"");
	im = mig(state);
	img_node(im, "/local/domain/5", 1);
	img_node(im, "/local/domain/50", 1);
	fails(im, "record #2 (NODE_DATA) at offset 0x78: node "
	      "\"/local/domain/50\" is not below the domain's home "
	      "\"/local/domain/5\"");
	im = mig(state);
	img_node(im, "/local/domain/5", 1);
	img_node(im, "/local/domain/5/a/b", 1);
	fails(im, "record #2 (NODE_DATA) at offset 0x78: the parent "
	      "\"/local/domain/5/a\" of node \"/local/domain/5/a/b\" was not "
	      "given before it");
	im = mig(state);
	img_node(im, "/local/domain/5", 1);
	img_node(im, "/local/domain/5", 1);
	fails(im, "record #2 (NODE_DATA) at offset 0x78: node "
	      "\"/local/domain/5\" given twice (first in record #1)");
	im = mig(state);
	domain(im, 6, 0);
	fails(im, "record #1 (DOMAIN_START) at offset 0x40: DOMAIN_START of "
	      "domain 6 in a MIGRATION image of domain 5");
	im = mig(state);
	domain(im, 5, 0);
	domain(im, 6, 0);
	fails(im, "record #2 (DOMAIN_START) at offset 0x78: second group in a "
	      "MIGRATION image (the first is record #1)");
	im = mig(state);
	domain(im, 5, 0);
	img_node(im, "/local/domain/5", 1);
	fails(im, "record #2 (NODE_DATA) at offset 0x78: NODE_DATA after "
	      "DOMAIN_START: nodes come before the groups");
	im = mig(state);
	img_node(im, "/local/domain/5", 1);
	fails(im, "record #2 (END) at offset 0x78: END before the "
	      "DOMAIN_START of domain 5: a MIGRATION image has exactly one "
	      "group");
	im = mig(state);
	{
		struct xss_domain d = {
			.domid = 5, .target = XSS_NO_TARGET,
			.evtchn_fd = 3, .page_fd = XSS_NO_FD,
		};

		assert_int_equal(xss_write_domain(im->w, &d), 0);
		fails(im, "record #1 (DOMAIN_START) at offset 0x40: evtchn_fd "
		      "3 in a MIGRATION image, must be -1");
		im = mig(state);
		d.evtchn_fd = XSS_NO_FD;
		d.page_fd = 0;
		assert_int_equal(xss_write_domain(im->w, &d), 0);
		fails(im, "record #1 (DOMAIN_START) at offset 0x40: page_fd 0 "
		      "in a MIGRATION image, must be -1");
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_global_first),
		T(test_defaults_and_specials),
		T(test_nodes),
		T(test_outside_group),
		T(test_group_order),
		T(test_transactions),
		T(test_connections),
		T(test_watches),
		T(test_end),
		T(test_migration),
		T(test_dom0_ring),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xss_order", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
