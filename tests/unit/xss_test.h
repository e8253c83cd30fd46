/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xss_test.h - what the xs-state unit tests share: the talloc fixture
 * with its leak check (root_fix.h: root_setup, root_teardown), images
 * built with the writer, raw record bodies for broken records, a sample
 * of every record type, writing a decoded record back (xss_image.h) and
 * comparing two of them field by field.
 *
 * Header-only (each test program is one .c file); everything is static
 * and marked unused so that a test file takes what it needs.
 */
#ifndef XSS_TEST_H
#define XSS_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "xs_state.h"

#include "root_fix.h"
#include "xss_image.h"

#define HELPER static __attribute__((unused))

#define PRODUCER "test_xss 1"

#define ROOT(state) (((struct root_fix *)*(state))->root)

/* --- images built with the writer ----------------------------------- */

struct img {
	struct xss_sink *sink;
	struct xss_writer *w;
	bool big;
	const uint8_t *data;	/* after img_end() */
	size_t len;
};

HELPER struct img *
img_new(TALLOC_CTX *ctx, uint32_t kind, uint32_t domid, bool big)
{
	struct img *im = talloc_zero(ctx, struct img);

	assert_non_null(im);
	im->big = big;
	im->sink = xss_sink_memory(im);
	assert_non_null(im->sink);
	im->w = xss_writer_new(im, im->sink, kind, domid, PRODUCER, big);
	assert_non_null(im->w);
	assert_null(xss_writer_error(im->w));
	return im;
}

HELPER void
img_global(struct img *im, uint64_t generation)
{
	struct xss_global g = {
		.generation = generation,
		.next_conn_id = 100,
		.socket_fd = XSS_NO_FD,
		.backend = XSS_BACKEND_NONE,
		.backend_fd = XSS_NO_FD,
	};

	assert_int_equal(xss_write_global(im->w, &g), 0);
}

static const struct xss_perm test_perm0 = { 0, 0 };
#define PERMS0 { 1, &test_perm0 }

HELPER void
img_node(struct img *im, const char *path, uint64_t gen)
{
	struct xss_node n = { .path = path, .gen = gen, .perms = PERMS0 };

	assert_int_equal(xss_write_node(im->w, &n), 0);
}

/* A LIVE_UPDATE image with GLOBAL_DATA (generation 1000) and the root. */
HELPER struct img *
img_lu(TALLOC_CTX *ctx, bool big)
{
	struct img *im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID,
				 big);

	img_global(im, 1000);
	img_node(im, "/", 1);
	return im;
}

/* The same with a connected domain 5 (conn 1) group opened. */
HELPER struct img *
img_lu_dom(TALLOC_CTX *ctx, bool big)
{
	struct img *im = img_lu(ctx, big);
	struct xss_domain d = {
		.domid = 5, .conn_id = 1,
		.flags = XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION,
		.target = XSS_NO_TARGET,
		.evtchn_fd = XSS_NO_FD, .page_fd = XSS_NO_FD,
	};

	assert_int_equal(xss_write_domain(im->w, &d), 0);
	return im;
}

HELPER void
img_end(struct img *im)
{
	assert_int_equal(xss_write_end(im->w), 0);
	im->data = xss_sink_data(im->sink, &im->len);
	assert_non_null(im->data);
}

/* --- raw bodies, for records the typed writers cannot break ---------- */

struct body {
	uint8_t *b;
	size_t len, cap;
	bool big;
};

HELPER struct body *
body_new(TALLOC_CTX *ctx, bool big)
{
	struct body *b = talloc_zero(ctx, struct body);

	assert_non_null(b);
	b->big = big;
	return b;
}

HELPER void
b_bytes(struct body *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->b = talloc_realloc(b, b->b, uint8_t, b->cap);
		assert_non_null(b->b);
	}
	if (n)
		memcpy(b->b + b->len, p, n);
	b->len += n;
}

HELPER void
b_u32(struct body *b, uint32_t v)
{
	uint8_t q[4];

	if (b->big) {
		q[0] = (uint8_t)(v >> 24);
		q[1] = (uint8_t)(v >> 16);
		q[2] = (uint8_t)(v >> 8);
		q[3] = (uint8_t)v;
	} else {
		q[0] = (uint8_t)v;
		q[1] = (uint8_t)(v >> 8);
		q[2] = (uint8_t)(v >> 16);
		q[3] = (uint8_t)(v >> 24);
	}
	b_bytes(b, q, 4);
}

HELPER void
b_u64(struct body *b, uint64_t v)
{
	if (b->big) {
		b_u32(b, (uint32_t)(v >> 32));
		b_u32(b, (uint32_t)v);
	} else {
		b_u32(b, (uint32_t)v);
		b_u32(b, (uint32_t)(v >> 32));
	}
}

/* s with its NUL. */
HELPER void
b_str(struct body *b, const char *s)
{
	b_bytes(b, s, strlen(s) + 1);
}

HELPER void
img_raw(struct img *im, uint32_t type, const struct body *b)
{
	assert_int_equal(xss_write_raw(im->w, type, b->b, (uint32_t)b->len),
			 0);
}

/* --- reading -------------------------------------------------------- */

/* Verify len octets: 0 or -1; *msg (on ctx) the reader's message. */
HELPER int
verify_mem(TALLOC_CTX *ctx, const void *p, size_t len, char **msg)
{
	TALLOC_CTX *tmp = talloc_new(ctx);
	struct xss_source *src = xss_source_memory(tmp, p, len);
	struct xss_reader *r = xss_reader_new(tmp, src);
	int ret;

	assert_non_null(r);
	ret = xss_verify(r);
	if (msg)
		*msg = ret ? talloc_strdup(ctx, xss_reader_error(r)) : NULL;
	if (!ret)
		assert_null(xss_reader_error(r));
	else
		assert_non_null(xss_reader_error(r));
	talloc_free(tmp);
	return ret;
}

HELPER void
expect_ok(TALLOC_CTX *ctx, const struct img *im)
{
	char *msg = NULL;

	if (verify_mem(ctx, im->data, im->len, &msg))
		fail_msg("unexpected error: %s", msg);
}

/* The image must fail with exactly this message. */
HELPER void
expect_msg(TALLOC_CTX *ctx, const void *p, size_t len, const char *want)
{
	char *msg = NULL;

	assert_int_equal(verify_mem(ctx, p, len, &msg), -1);
	if (strcmp(msg, want))
		fail_msg("message\n  got:  %s\n  want: %s", msg, want);
}

HELPER void
expect_err(TALLOC_CTX *ctx, const struct img *im, const char *want)
{
	expect_msg(ctx, im->data, im->len, want);
}

/* The image must fail with a message containing part. */
HELPER void
expect_err_has(TALLOC_CTX *ctx, const struct img *im, const char *part)
{
	char *msg = NULL;

	assert_int_equal(verify_mem(ctx, im->data, im->len, &msg), -1);
	if (!strstr(msg, part))
		fail_msg("message\n  got:  %s\n  want something with: %s", msg,
			 part);
}

/* --- writing decoded records back, comparing them ------------------- */

/* write_decoded, failing the test for a type without a writer. */
HELPER int
write_record(struct xss_writer *w, const struct xss_record *r)
{
	int ret = write_decoded(w, r);

	if (ret == -1)
		fail_msg("no writer for type 0x%x", r->type);
	return ret;
}

HELPER void
assert_perms_equal(const struct xss_perms *a, const struct xss_perms *b)
{
	uint32_t i;

	assert_int_equal(a->num, b->num);
	for (i = 0; i < a->num; i++) {
		assert_int_equal(a->p[i].domid, b->p[i].domid);
		assert_int_equal(a->p[i].access, b->p[i].access);
	}
}

HELPER void
assert_bytes_equal(const void *a, uint32_t alen, const void *b,
		   uint32_t blen)
{
	assert_int_equal(alen, blen);
	if (alen)
		assert_memory_equal(a, b, alen);
}

/* Field by field (index, offset and len are not compared here). */
HELPER void
assert_rec_equal(const struct xss_record *a, const struct xss_record *b)
{
	uint32_t i;

	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case XSS_REC_GLOBAL_DATA:
		assert_int_equal(a->u.global.generation,
				 b->u.global.generation);
		assert_int_equal(a->u.global.next_conn_id,
				 b->u.global.next_conn_id);
		assert_int_equal(a->u.global.socket_fd, b->u.global.socket_fd);
		assert_int_equal(a->u.global.backend, b->u.global.backend);
		assert_int_equal(a->u.global.backend_fd,
				 b->u.global.backend_fd);
		break;
	case XSS_REC_QUOTA_DATA:
		assert_int_equal(a->u.quota.domid, b->u.quota.domid);
		assert_int_equal(a->u.quota.num, b->u.quota.num);
		for (i = 0; i < a->u.quota.num; i++) {
			assert_int_equal(a->u.quota.e[i].id,
					 b->u.quota.e[i].id);
			assert_int_equal(a->u.quota.e[i].hard,
					 b->u.quota.e[i].hard);
			assert_int_equal(a->u.quota.e[i].soft,
					 b->u.quota.e[i].soft);
		}
		break;
	case XSS_REC_SPECIAL_PERMS:
		assert_string_equal(a->u.special.path, b->u.special.path);
		assert_perms_equal(&a->u.special.perms, &b->u.special.perms);
		break;
	case XSS_REC_NODE_DATA:
		assert_string_equal(a->u.node.path, b->u.node.path);
		assert_int_equal(a->u.node.gen, b->u.node.gen);
		assert_perms_equal(&a->u.node.perms, &b->u.node.perms);
		assert_bytes_equal(a->u.node.value, a->u.node.len,
				   b->u.node.value, b->u.node.len);
		break;
	case XSS_REC_DOMAIN_START:
		assert_memory_equal(&a->u.domain, &b->u.domain,
				    sizeof(a->u.domain));
		break;
	case XSS_REC_SOCKET_START:
		assert_memory_equal(&a->u.socket, &b->u.socket,
				    sizeof(a->u.socket));
		break;
	case XSS_REC_WATCH_DATA:
		assert_string_equal(a->u.watch.path, b->u.watch.path);
		assert_string_equal(a->u.watch.token, b->u.watch.token);
		assert_int_equal(a->u.watch.depth, b->u.watch.depth);
		assert_int_equal(a->u.watch.flags, b->u.watch.flags);
		break;
	case XSS_REC_TRANSACTION_DATA:
		assert_int_equal(a->u.txn.tx_id, b->u.txn.tx_id);
		assert_int_equal(a->u.txn.added, b->u.txn.added);
		break;
	case XSS_REC_TRANSACTION_NODE_DATA:
		assert_int_equal(a->u.txn_node.tx_id, b->u.txn_node.tx_id);
		assert_int_equal(a->u.txn_node.flags, b->u.txn_node.flags);
		assert_int_equal(a->u.txn_node.base_gen,
				 b->u.txn_node.base_gen);
		assert_int_equal(a->u.txn_node.gen, b->u.txn_node.gen);
		assert_string_equal(a->u.txn_node.path, b->u.txn_node.path);
		assert_perms_equal(&a->u.txn_node.perms, &b->u.txn_node.perms);
		assert_bytes_equal(a->u.txn_node.value, a->u.txn_node.len,
				   b->u.txn_node.value, b->u.txn_node.len);
		assert_bytes_equal(a->u.txn_node.children,
				   a->u.txn_node.children_len,
				   b->u.txn_node.children,
				   b->u.txn_node.children_len);
		break;
	case XSS_REC_TRANSACTION_EVENT:
		assert_int_equal(a->u.txn_event.tx_id, b->u.txn_event.tx_id);
		assert_int_equal(a->u.txn_event.flags, b->u.txn_event.flags);
		assert_string_equal(a->u.txn_event.path, b->u.txn_event.path);
		assert_perms_equal(&a->u.txn_event.before,
				   &b->u.txn_event.before);
		assert_perms_equal(&a->u.txn_event.after,
				   &b->u.txn_event.after);
		assert_int_equal(a->u.txn_event.nremoved,
				 b->u.txn_event.nremoved);
		for (i = 0; i < a->u.txn_event.nremoved; i++) {
			assert_string_equal(a->u.txn_event.removed[i].path,
					    b->u.txn_event.removed[i].path);
			assert_perms_equal(&a->u.txn_event.removed[i].perms,
					   &b->u.txn_event.removed[i].perms);
		}
		break;
	case XSS_REC_CONN_INPUT:
	case XSS_REC_PARTIAL_OUTPUT:
	case XSS_REC_GUEST_RING_DATA:
		assert_bytes_equal(a->u.buffer.data, a->u.buffer.len,
				   b->u.buffer.data, b->u.buffer.len);
		break;
	case XSS_REC_LIVE_UPDATE:
		assert_int_equal(a->u.lu.conn_id, b->u.lu.conn_id);
		assert_int_equal(a->u.lu.req_id, b->u.lu.req_id);
		assert_int_equal(a->u.lu.tx_id, b->u.lu.tx_id);
		assert_int_equal(a->u.lu.rollback_fd, b->u.lu.rollback_fd);
		assert_int_equal(a->u.lu.argc, b->u.lu.argc);
		assert_bytes_equal(a->u.lu.argv, a->u.lu.argv_len,
				   b->u.lu.argv, b->u.lu.argv_len);
		break;
	case XSS_REC_STORE_FD:
		assert_int_equal(a->u.store.fd, b->u.store.fd);
		assert_int_equal(a->u.store.format, b->u.store.format);
		assert_int_equal(a->u.store.nodes, b->u.store.nodes);
		assert_int_equal(a->u.store.nowners, b->u.store.nowners);
		for (i = 0; i < a->u.store.nowners; i++) {
			assert_int_equal(a->u.store.owners[i].domid,
					 b->u.store.owners[i].domid);
			assert_int_equal(a->u.store.owners[i].nodes,
					 b->u.store.owners[i].nodes);
			assert_int_equal(a->u.store.owners[i].bytes,
					 b->u.store.owners[i].bytes);
		}
		break;
	case XSS_REC_END:
		break;
	default:
		fail_msg("no comparison for type 0x%x", a->type);
	}
}

/* --- a sample of every record type ---------------------------------- */

struct sample {
	struct xss_record *recs;	/* without END */
	size_t n;
	uint32_t kind, domid;
};

HELPER struct xss_record *
sample_add(struct sample *s, uint32_t type)
{
	s->recs = talloc_realloc(NULL, s->recs, struct xss_record, s->n + 1);
	assert_non_null(s->recs);
	memset(&s->recs[s->n], 0, sizeof(s->recs[0]));
	s->recs[s->n].type = type;
	return &s->recs[s->n++];
}

HELPER struct xss_perms
sample_perms(TALLOC_CTX *ctx, uint32_t n, uint32_t seed)
{
	struct xss_perm *p = talloc_array(ctx, struct xss_perm, n ? n : 1);
	struct xss_perms out = { n, p };
	uint32_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++) {
		p[i].domid = seed + i * 7;
		p[i].access = (seed + i) % 4;
	}
	return out;
}

/* A path of exactly len octets below prefix. */
HELPER char *
long_path(TALLOC_CTX *ctx, const char *prefix, size_t len)
{
	size_t plen = strlen(prefix), i;
	char *p = talloc_array(ctx, char, len + 1);

	assert_non_null(p);
	assert_true(len > plen + 1);
	memcpy(p, prefix, plen);
	memset(p + plen, 'a', len - plen);
	p[plen] = '/';
	for (i = plen + 100; i + 1 < len; i += 100)
		p[i] = '/';
	p[len] = 0;
	return p;
}

HELPER void
sample_node(struct sample *s, const char *path, uint64_t gen,
	    struct xss_perms perms, const void *value, uint32_t len)
{
	struct xss_record *r = sample_add(s, XSS_REC_NODE_DATA);

	r->u.node.path = path;
	r->u.node.gen = gen;
	r->u.node.perms = perms;
	r->u.node.value = value;
	r->u.node.len = len;
}

/* A node below "/tool" with its ancestors (gen) first. */
HELPER void
sample_long(struct sample *s, const char *path, uint64_t gen,
	    struct xss_perms perms, const void *value, uint32_t len)
{
	size_t i;

	for (i = strlen("/tool") + 1; path[i]; i++)
		if (path[i] == '/')
			sample_node(s, talloc_strndup(s, path, i), gen,
				    sample_perms(s, 1, 0), NULL, 0);
	sample_node(s, path, gen, perms, value, len);
}

/*
 * A LIVE_UPDATE (or DUMP) image using every record type and the extremes
 * of the bounds: binary and empty values, a 3072-octet path, 2048
 * permissions, empty and large buffers, transaction nodes with and
 * without children, events with removals.  big_output: the largest
 * GUEST_RING_DATA (64 MiB) instead of a modest one.
 */
HELPER struct sample *
sample_full(TALLOC_CTX *ctx, uint32_t kind, bool big_output)
{
	static const uint8_t binary[] = { 'a', 0, 'b', 0, 0xff, 0x80, 0 };
	static const char children[] = "a\0b\0long-name_0\0";
	static const char rchildren[] = "";
	struct sample *s = talloc_zero(ctx, struct sample);
	struct xss_record *r;
	struct xss_quota_entry *qe;
	struct xss_removed *rm;
	uint8_t *buf;
	uint32_t big_len = big_output ? XSS_MAX_OUTPUT : 300000, i;

	assert_non_null(s);
	s->kind = kind;
	s->domid = XSS_NO_DOMID;
	r = sample_add(s, XSS_REC_GLOBAL_DATA);
	r->u.global = (struct xss_global){ 5000, 40, 3, XSS_BACKEND_SIM, 4 };

	qe = talloc_array(s, struct xss_quota_entry, 3);
	assert_non_null(qe);
	qe[0] = (struct xss_quota_entry){ XSS_QUOTA_NODES, 1000, 900 };
	qe[1] = (struct xss_quota_entry){ XSS_QUOTA_WATCHES, 128, 0 };
	qe[2] = (struct xss_quota_entry){ 77, 5, 6 };	/* unknown id */
	r = sample_add(s, XSS_REC_QUOTA_DATA);
	r->u.quota = (struct xss_quota){ XSS_NO_DOMID, 3, qe };

	r = sample_add(s, XSS_REC_SPECIAL_PERMS);
	r->u.special.path = "@introduceDomain";
	r->u.special.perms = sample_perms(s, 1, 0);
	r = sample_add(s, XSS_REC_SPECIAL_PERMS);
	r->u.special.path = "@releaseDomain";
	r->u.special.perms = sample_perms(s, XSS_MAX_PERMS, 3);

	sample_node(s, "/", 1, sample_perms(s, 1, 0), NULL, 0);
	sample_node(s, "/local", 2, sample_perms(s, 1, 0), "", 0);
	sample_node(s, "/local/domain", 3, sample_perms(s, 1, 0), NULL, 0);
	sample_node(s, "/local/domain/5", 4, sample_perms(s, 2, 5), binary,
		    sizeof(binary));
	sample_node(s, "/local/domain/5/x", 9, sample_perms(s, 1, 5), "1",
		    1);
	sample_node(s, "/tool", 10, sample_perms(s, XSS_MAX_PERMS, 1), NULL,
		    0);
	buf = talloc_array(s, uint8_t, XSS_MAX_VALUE);
	assert_non_null(buf);
	for (i = 0; i < XSS_MAX_VALUE; i++)
		buf[i] = (uint8_t)(i * 31);
	sample_long(s, long_path(s, "/tool", XSS_MAX_PATH), 11,
		    sample_perms(s, 3, 9), buf, XSS_MAX_VALUE);
	sample_node(s, "/local/domain/6", 12, sample_perms(s, 1, 6), NULL,
		    0);

	/* Domain 5, connected, with everything a connection can have. */
	r = sample_add(s, XSS_REC_DOMAIN_START);
	r->u.domain = (struct xss_domain){
		.domid = 5, .conn_id = 7,
		.flags = XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION |
			 XSS_DOM_FEATURES_SET | XSS_DOM_SHUTDOWN_REPORTED,
		.features = 1, .gfn = 0x123456789aull,
		.remote_port = 11, .local_port = 12, .target = 9,
		.next_txid = 3, .evtchn_fd = 20, .page_fd = 21,
	};
	r = sample_add(s, XSS_REC_QUOTA_DATA);
	r->u.quota = (struct xss_quota){ 5, 0, NULL };
	r = sample_add(s, XSS_REC_WATCH_DATA);
	r->u.watch = (struct xss_watch){ "/local/domain/5/device",
					 "tok\x01\xff", XSS_WATCH_NO_DEPTH,
					 XSS_WATCH_RELATIVE };
	r = sample_add(s, XSS_REC_WATCH_DATA);
	r->u.watch = (struct xss_watch){ "@releaseDomain", "", 0, 0 };
	r = sample_add(s, XSS_REC_WATCH_DATA);
	r->u.watch = (struct xss_watch){ "/local/domain/5/device", "other",
					 3, 0 };

	r = sample_add(s, XSS_REC_TRANSACTION_DATA);
	r->u.txn = (struct xss_txn){ 1, 2 };
	r = sample_add(s, XSS_REC_TRANSACTION_NODE_DATA);
	r->u.txn_node = (struct xss_txn_node){
		.tx_id = 1,
		.flags = XSS_TNODE_EXISTS | XSS_TNODE_CHANGED |
			 XSS_TNODE_CHILDREN,
		.base_gen = 4, .gen = 4, .path = "/local/domain/5",
		.perms = sample_perms(s, 2, 5), .value = binary,
		.len = sizeof(binary), .children = children,
		.children_len = sizeof(children) - 1,
	};
	r = sample_add(s, XSS_REC_TRANSACTION_NODE_DATA);
	r->u.txn_node = (struct xss_txn_node){	/* removed */
		.tx_id = 1, .flags = XSS_TNODE_CHANGED, .base_gen = 9,
		.path = "/local/domain/5/x",
	};
	r = sample_add(s, XSS_REC_TRANSACTION_NODE_DATA);
	r->u.txn_node = (struct xss_txn_node){	/* looked up, missing */
		.tx_id = 1, .path = "/local/domain/5/missing",
	};
	r = sample_add(s, XSS_REC_TRANSACTION_NODE_DATA);
	r->u.txn_node = (struct xss_txn_node){	/* created, no children */
		.tx_id = 1,
		.flags = XSS_TNODE_EXISTS | XSS_TNODE_CHANGED |
			 XSS_TNODE_CHILDREN,
		.path = "/local/domain/5/new", .perms = sample_perms(s, 1, 5),
		.children = rchildren,
	};
	r = sample_add(s, XSS_REC_TRANSACTION_EVENT);
	r->u.txn_event = (struct xss_txn_event){
		.tx_id = 1, .path = "/local/domain/5/new",
		.before = sample_perms(s, 0, 0),
		.after = sample_perms(s, 1, 5),
	};
	rm = talloc_array(s, struct xss_removed, 2);
	assert_non_null(rm);
	rm[0] = (struct xss_removed){ "/local/domain/5/x",
				      sample_perms(s, 1, 5) };
	rm[1] = (struct xss_removed){ "/local/domain/5/x/y",
				      sample_perms(s, 3, 2) };
	r = sample_add(s, XSS_REC_TRANSACTION_EVENT);
	r->u.txn_event = (struct xss_txn_event){
		.tx_id = 1, .flags = XSS_TEVENT_REMOVAL,
		.path = "/local/domain/5/x",
		.before = sample_perms(s, 1, 5),
		.after = sample_perms(s, 0, 0), .nremoved = 2, .removed = rm,
	};
	r = sample_add(s, XSS_REC_TRANSACTION_EVENT);
	r->u.txn_event = (struct xss_txn_event){	/* change, same path */
		.tx_id = 1, .path = "/local/domain/5/x",
		.before = sample_perms(s, 1, 5),
		.after = sample_perms(s, 1, 5),
	};
	r = sample_add(s, XSS_REC_TRANSACTION_DATA);
	r->u.txn = (struct xss_txn){ 2, 0 };
	r = sample_add(s, XSS_REC_TRANSACTION_NODE_DATA);
	r->u.txn_node = (struct xss_txn_node){
		.tx_id = 2,
		.flags = XSS_TNODE_EXISTS | XSS_TNODE_CHANGED |
			 XSS_TNODE_RECREATED,
		.base_gen = 9, .gen = 0, .path = "/local/domain/5/x",
		.perms = sample_perms(s, XSS_MAX_PERMS, 5),
		.value = (const uint8_t *)"v",
		.len = 1,
	};
	r = sample_add(s, XSS_REC_TRANSACTION_DATA);
	r->u.txn = (struct xss_txn){ 0xffffffffu, 0 };

	buf = talloc_array(s, uint8_t, XSS_MAX_INPUT);
	assert_non_null(buf);
	for (i = 0; i < XSS_MAX_INPUT; i++)
		buf[i] = (uint8_t)(i ^ (i >> 8));
	r = sample_add(s, XSS_REC_CONN_INPUT);
	r->u.buffer = (struct xss_buffer){ buf, XSS_MAX_INPUT };
	buf = talloc_array(s, uint8_t, big_len);
	assert_non_null(buf);
	for (i = 0; i < big_len; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 16));
	r = sample_add(s, XSS_REC_GUEST_RING_DATA);
	r->u.buffer = (struct xss_buffer){ buf, big_len };

	/* Domain 6: settings only, no connection. */
	r = sample_add(s, XSS_REC_DOMAIN_START);
	r->u.domain = (struct xss_domain){
		.domid = 6, .features = 3, .target = XSS_NO_TARGET,
		.evtchn_fd = XSS_NO_FD, .page_fd = XSS_NO_FD,
	};

	/* A privileged socket: a watch, empty input, empty output. */
	r = sample_add(s, XSS_REC_SOCKET_START);
	r->u.socket = (struct xss_socket){ 8, 30, XSS_SOCK_PRIVILEGED, 1 };
	r = sample_add(s, XSS_REC_WATCH_DATA);
	r->u.watch = (struct xss_watch){ "/local/domain/0/backend", "b",
					 XSS_WATCH_NO_DEPTH,
					 XSS_WATCH_RELATIVE };
	r = sample_add(s, XSS_REC_CONN_INPUT);
	r->u.buffer = (struct xss_buffer){ NULL, 0 };
	r = sample_add(s, XSS_REC_GUEST_RING_DATA);
	r->u.buffer = (struct xss_buffer){ NULL, 0 };

	/* A socket with nothing. */
	r = sample_add(s, XSS_REC_SOCKET_START);
	r->u.socket = (struct xss_socket){ 9, XSS_NO_FD, 0, 0 };
	talloc_steal(s, s->recs);
	return s;
}

/* A MIGRATION image of domain 5 with its nodes and one full group. */
HELPER struct sample *
sample_migration(TALLOC_CTX *ctx)
{
	static const char children[] = "c\0";
	struct sample *s = talloc_zero(ctx, struct sample);
	struct xss_record *r;

	assert_non_null(s);
	s->kind = XSS_KIND_MIGRATION;
	s->domid = 5;
	sample_node(s, "/local/domain/5", 4, sample_perms(s, 1, 5), "x", 1);
	sample_node(s, "/local/domain/5/a", 7, sample_perms(s, 2, 5), NULL,
		    0);
	sample_node(s, "/local/domain/5/a/b", 8, sample_perms(s, 1, 5), "",
		    0);
	r = sample_add(s, XSS_REC_DOMAIN_START);
	r->u.domain = (struct xss_domain){
		.domid = 5, .conn_id = 3,
		.flags = XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION,
		.gfn = 0xfeffc, .remote_port = 1, .target = XSS_NO_TARGET,
		.next_txid = 10, .evtchn_fd = XSS_NO_FD,
		.page_fd = XSS_NO_FD,
	};
	r = sample_add(s, XSS_REC_QUOTA_DATA);
	r->u.quota = (struct xss_quota){ 5, 0, NULL };
	r = sample_add(s, XSS_REC_WATCH_DATA);
	r->u.watch = (struct xss_watch){ "/local/domain/5/a", "t", 1, 0 };
	r = sample_add(s, XSS_REC_TRANSACTION_DATA);
	r->u.txn = (struct xss_txn){ 9, 1 };
	r = sample_add(s, XSS_REC_TRANSACTION_NODE_DATA);
	r->u.txn_node = (struct xss_txn_node){
		.tx_id = 9,
		.flags = XSS_TNODE_EXISTS | XSS_TNODE_CHILDREN,
		.base_gen = 7, .gen = 7, .path = "/local/domain/5/a",
		.perms = sample_perms(s, 2, 5), .children = children,
		.children_len = sizeof(children) - 1,
	};
	r = sample_add(s, XSS_REC_GUEST_RING_DATA);
	r->u.buffer = (struct xss_buffer){ (const uint8_t *)"out", 3 };
	talloc_steal(s, s->recs);
	return s;
}

/*
 * Every record type, kept small (about 1.5 KiB as an image) for the
 * tests that try every offset and every bit.
 */
HELPER struct sample *
sample_small(TALLOC_CTX *ctx)
{
	static const char children[] = "a\0b";
	struct sample *s = talloc_zero(ctx, struct sample);
	struct xss_quota_entry *qe;
	struct xss_removed *rm;
	struct xss_record *r;

	assert_non_null(s);
	s->kind = XSS_KIND_LIVE_UPDATE;
	s->domid = XSS_NO_DOMID;
	r = sample_add(s, XSS_REC_GLOBAL_DATA);
	r->u.global = (struct xss_global){ 50, 4, 3, XSS_BACKEND_XEN, 4 };
	qe = talloc_array(s, struct xss_quota_entry, 2);
	assert_non_null(qe);
	qe[0] = (struct xss_quota_entry){ XSS_QUOTA_NODES, 10, 9 };
	qe[1] = (struct xss_quota_entry){ XSS_QUOTA_NODE_SIZE, 100, 0 };
	r = sample_add(s, XSS_REC_QUOTA_DATA);
	r->u.quota = (struct xss_quota){ XSS_NO_DOMID, 2, qe };
	r = sample_add(s, XSS_REC_SPECIAL_PERMS);
	r->u.special.path = "@releaseDomain";
	r->u.special.perms = sample_perms(s, 2, 0);
	sample_node(s, "/", 1, sample_perms(s, 1, 0), NULL, 0);
	sample_node(s, "/a", 2, sample_perms(s, 2, 1), "v\0w", 3);
	sample_node(s, "/a/b", 3, sample_perms(s, 1, 5), "", 0);
	r = sample_add(s, XSS_REC_DOMAIN_START);
	r->u.domain = (struct xss_domain){
		.domid = 5, .conn_id = 1,
		.flags = XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION,
		.gfn = 77, .remote_port = 2, .local_port = 3, .target = 6,
		.next_txid = 4, .evtchn_fd = 8, .page_fd = XSS_NO_FD,
	};
	r = sample_add(s, XSS_REC_QUOTA_DATA);
	r->u.quota = (struct xss_quota){ 5, 1, qe };
	r = sample_add(s, XSS_REC_WATCH_DATA);
	r->u.watch = (struct xss_watch){ "/local/domain/5/w", "tk", 2,
					 XSS_WATCH_RELATIVE };
	r = sample_add(s, XSS_REC_TRANSACTION_DATA);
	r->u.txn = (struct xss_txn){ 3, 1 };
	r = sample_add(s, XSS_REC_TRANSACTION_NODE_DATA);
	r->u.txn_node = (struct xss_txn_node){
		.tx_id = 3,
		.flags = XSS_TNODE_EXISTS | XSS_TNODE_CHILDREN,
		.base_gen = 2, .gen = 2, .path = "/a",
		.perms = sample_perms(s, 1, 1), .value = (const uint8_t *)"v",
		.len = 1, .children = children, .children_len = 4,
	};
	r = sample_add(s, XSS_REC_TRANSACTION_NODE_DATA);
	r->u.txn_node = (struct xss_txn_node){
		.tx_id = 3, .flags = XSS_TNODE_CHANGED, .base_gen = 3,
		.path = "/a/b",
	};
	rm = talloc_array(s, struct xss_removed, 2);
	assert_non_null(rm);
	rm[0] = (struct xss_removed){ "/a/b", sample_perms(s, 1, 5) };
	rm[1] = (struct xss_removed){ "/a/b/c", sample_perms(s, 2, 5) };
	r = sample_add(s, XSS_REC_TRANSACTION_EVENT);
	r->u.txn_event = (struct xss_txn_event){
		.tx_id = 3, .flags = XSS_TEVENT_REMOVAL, .path = "/a/b",
		.before = sample_perms(s, 1, 5),
		.after = sample_perms(s, 0, 0), .nremoved = 2, .removed = rm,
	};
	r = sample_add(s, XSS_REC_CONN_INPUT);
	r->u.buffer = (struct xss_buffer){ (const uint8_t *)"in", 2 };
	r = sample_add(s, XSS_REC_GUEST_RING_DATA);
	r->u.buffer = (struct xss_buffer){ (const uint8_t *)"out\0", 4 };
	r = sample_add(s, XSS_REC_SOCKET_START);
	r->u.socket = (struct xss_socket){ 2, 9, XSS_SOCK_PRIVILEGED, 1 };
	r = sample_add(s, XSS_REC_WATCH_DATA);
	r->u.watch = (struct xss_watch){ "@introduceDomain", "", 0, 0 };
	talloc_steal(s, s->recs);
	return s;
}

/* Write a sample as an image; offsets[i] gets where record i went. */
HELPER struct img *
sample_write(TALLOC_CTX *ctx, const struct sample *s, bool big,
	     uint64_t *offsets)
{
	struct img *im = img_new(ctx, s->kind, s->domid, big);
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (offsets)
			offsets[i] = xss_writer_offset(im->w);
		assert_int_equal(write_record(im->w, &s->recs[i]), 0);
	}
	img_end(im);
	return im;
}

#endif /* XSS_TEST_H */
