/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xsd_fixture.h - a daemon without transports for the unit tests of the
 * modules above the store (test_txn.c, test_watch.c): a struct xsd with
 * an in-memory store, the domain table with the daemon's own node
 * accounting (domain_owner_changed), and connections with fd -1 whose
 * queued output (conn->out) the tests decode.
 *
 * fix_teardown checks what every test must leave behind: a consistent
 * store, every watch and transaction given back with its connection,
 * the xsd as large as before the first connection, nothing leaked on
 * the NULL context.
 *
 * Header-only (each test program is one .c file); everything is static
 * inline so that a test file takes what it needs.
 */
#ifndef XSD_FIXTURE_H
#define XSD_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>
#include <talloc.h>

#include "xs_wire_ext.h"

#include "conn.h"
#include "domain.h"
#include "list.h"
#include "loop.h"
#include "quota.h"
#include "store.h"
#include "tree.h"
#include "txn.h"
#include "watch.h"
#include "xsd.h"

/* ---- fixture ---------------------------------------------------------- */

/* What fix_setup builds besides the bare daemon and f->c0. */
#define FIX_SPECIALS	0x1	/* watch_specials_init: @introduceDomain... */
#define FIX_WATCHER	0x2	/* f->w */

struct fix {
	struct xsd *xsd;
	struct conn *c0;	/* dom0 tools: privileged */
	struct conn *w;		/* FIX_WATCHER: privileged watcher on "/" */
	TALLOC_CTX *tmp;	/* what a test allocates */
	size_t null_blocks;
	size_t xsd_blocks;	/* xsd before any connection */
};

/* The domains that exist from the start. */
static const unsigned int fix_domids[] = { 0, 5, 7 };

static inline ssize_t
no_recv(struct conn *c, void *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
	fail_msg("recv called on a test connection");
	return -1;
}

static inline ssize_t
no_send(struct conn *c, const void *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
	fail_msg("send called on a test connection");
	return -1;
}

static const struct conn_ops test_ops = {
	.kind = "test",
	.recv = no_recv,
	.send = no_send,
};

static inline struct conn *
new_conn(struct fix *f, unsigned int domid, bool privileged)
{
	struct conn *c = conn_new(f->xsd, &test_ops, -1, domid);

	assert_non_null(c);
	assert_ptr_equal(c->domain, domain_get(f->xsd, domid, false));
	c->privileged = privileged;
	return c;
}

/* A cmocka setup: the daemon, f->c0 and what flags (FIX_*) ask for. */
static inline int
fix_setup(void **state, unsigned int flags)
{
	struct fix *f = test_calloc(1, sizeof(*f));
	struct xsd *xsd;
	unsigned int i;
	int err = -1;

	f->null_blocks = talloc_total_blocks(NULL);
	xsd = f->xsd = talloc_zero(NULL, struct xsd);
	assert_non_null(xsd);
	list_init(&xsd->conns);
	list_init(&xsd->flush);
	list_init(&xsd->busy);
	xsd->listen_fd = -1;
	quota_defaults(&xsd->quota);
	xsd->loop = loop_new(xsd);
	assert_non_null(xsd->loop);
	xsd->store = store_open(xsd, NULL, &err);
	assert_non_null(xsd->store);
	assert_int_equal(domain_init(xsd), 0);
	store_set_owner_fn(xsd->store, domain_owner_changed, xsd);
	domain_nodes_add(xsd, 0, 1);	/* the root */
	if (flags & FIX_SPECIALS)
		assert_int_equal(watch_specials_init(xsd), 0);
	for (i = 0; i < sizeof(fix_domids) / sizeof(fix_domids[0]); i++)
		assert_non_null(domain_get(xsd, fix_domids[i], true));
	f->xsd_blocks = talloc_total_blocks(xsd);

	f->tmp = talloc_new(NULL);
	assert_non_null(f->tmp);
	f->c0 = new_conn(f, 0, true);
	if (flags & FIX_WATCHER) {
		f->w = new_conn(f, 0, true);
		assert_int_equal(watch_add(f->w, "/", false, "all",
					   WATCH_NO_DEPTH), 0);
	}
	*state = f;
	return 0;
}

static inline int
fix_teardown(void **state)
{
	struct fix *f = *state;
	struct conn *c, *ctmp;
	char *report = NULL;
	unsigned int i;

	talloc_free(f->tmp);
	/* Whatever a test did, the store must be consistent. */
	assert_int_equal(store_check(f->xsd->store, &report, f->xsd), 0);
	talloc_free(report);
	list_for_each_safe(c, ctmp, &f->xsd->conns, link)
		talloc_free(c);
	assert_true(list_empty(&f->xsd->conns));
	assert_true(list_empty(&f->xsd->flush));
	assert_int_equal(f->xsd->nconns, 0);
	/* Closing every connection gave back every watch and transaction. */
	for (i = 0; i < sizeof(fix_domids) / sizeof(fix_domids[0]); i++) {
		struct domain *d = domain_get(f->xsd, fix_domids[i], false);

		assert_non_null(d);
		assert_int_equal(d->watches, 0);
		assert_int_equal(d->txns, 0);
	}
	assert_int_equal(talloc_total_blocks(f->xsd), f->xsd_blocks);
	talloc_free(f->xsd);
	assert_int_equal(talloc_total_blocks(NULL), f->null_blocks);
	test_free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* Take the next queued message off c's output. */
static inline bool
next_msg(struct conn *c, struct xsd_sockmsg *h, const uint8_t **data)
{
	size_t avail = c->out_len - c->out_off;

	if (avail == 0)
		return false;
	assert_true(avail >= sizeof(*h));
	memcpy(h, c->out + c->out_off, sizeof(*h));
	assert_true(avail >= sizeof(*h) + h->len);
	*data = c->out + c->out_off + sizeof(*h);
	c->out_off += sizeof(*h) + h->len;
	return true;
}

/* The next message must be the watch event path|token|, byte for byte. */
static inline void
expect_event_at(struct conn *c, const char *path, const char *token,
		const char *file, int line)
{
	struct xsd_sockmsg h = { 0, 0, 0, 0 };
	const uint8_t *data = NULL;
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;

	if (!next_msg(c, &h, &data)) {
		print_error("no event, expected %s %s\n", path, token);
		_fail(file, line);
	}
	if (h.type != XS_WATCH_EVENT || h.req_id || h.tx_id ||
	    h.len != plen + tlen || memcmp(data, path, plen) ||
	    memcmp(data + plen, token, tlen)) {
		print_error("message type %u req %u tx %u \"%.*s\" (%u bytes), "
			    "expected event %s %s\n", h.type, h.req_id,
			    h.tx_id, (int)h.len, (const char *)data, h.len,
			    path, token);
		_fail(file, line);
	}
}
#define expect_event(c, p, t) expect_event_at(c, p, t, __FILE__, __LINE__)

static inline void
expect_none_at(struct conn *c, const char *file, int line)
{
	struct xsd_sockmsg h = { 0, 0, 0, 0 };
	const uint8_t *data = NULL;

	if (next_msg(c, &h, &data)) {
		print_error("unexpected message type %u: \"%.*s\"\n", h.type,
			    (int)h.len, (const char *)data);
		_fail(file, line);
	}
}
#define expect_none(c) expect_none_at(c, __FILE__, __LINE__)

static inline void
wr(struct conn *c, struct txn *t, const char *path, const char *val)
{
	assert_int_equal(tree_write(c, t, path, val, (uint32_t)strlen(val)),
			 0);
}

static inline void
rm(struct conn *c, struct txn *t, const char *path)
{
	assert_int_equal(tree_rm(c, t, path), 0);
}

static inline struct txn *
start(struct conn *c)
{
	struct txn *t = NULL;

	assert_int_equal(txn_start(c, &t), 0);
	assert_non_null(t);
	return t;
}

#endif /* XSD_FIXTURE_H */
