// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xsu_c_write.c - the way back to upstream's C xenstored: one of
 * our images read into the model (xsu_from_image) and written as C
 * xenstored 4.17's state file (xsu_write_c), compared octet by octet
 * with a file built here field by field from the layout of its
 * xenstore_state.h; what the conversion drops; every refusal.
 */
#include "xss_test.h"

#include "xs_state_upstream.h"

/* --- the expected file, field by field, host byte order -------------- */

struct exp {
	struct body *b;
	size_t rec_start;	/* of the record being built */
	uint32_t rec_len;	/* its declared length */
};

static void
e_u8(struct exp *e, uint8_t v)
{
	b_bytes(e->b, &v, 1);
}

static void
e_u16(struct exp *e, uint16_t v)
{
	b_bytes(e->b, &v, 2);
}

static void
e_u32(struct exp *e, uint32_t v)
{
	b_bytes(e->b, &v, 4);
}

/* A record header: len is the body with its padding, given by hand. */
static void
e_rec(struct exp *e, uint32_t type, uint32_t len)
{
	e_u32(e, type);
	e_u32(e, len);
	e->rec_start = e->b->len;
	e->rec_len = len;
}

/* Zeros to the declared length, which must be a multiple of 8. */
static void
e_pad(struct exp *e)
{
	size_t body = e->b->len - e->rec_start;

	assert_true(body <= e->rec_len);
	assert_true(e->rec_len - body < 8);
	assert_int_equal(e->rec_len % 8, 0);
	while (e->b->len - e->rec_start < e->rec_len)
		e_u8(e, 0);
}

static void
e_perm(struct exp *e, char access, uint16_t domid)
{
	e_u8(e, (uint8_t)access);
	e_u8(e, 0);
	e_u16(e, domid);
}

/* A NODE record's fixed part. */
static void
e_node(struct exp *e, uint32_t len, const char *path, uint16_t data_len,
       uint16_t perm_n)
{
	e_rec(e, XSU_C_NODE, len);
	e_u32(e, 0);
	e_u32(e, 0);
	e_u16(e, (uint16_t)(strlen(path) + 1));
	e_u16(e, data_len);
	e_u16(e, 0);
	e_u16(e, perm_n);
}

/* --- wire messages (host order) ------------------------------------- */

static void
msg(struct body *b, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const char *payload, uint32_t len)
{
	uint32_t h[4] = { type, req_id, tx_id, len };

	b_bytes(b, h, sizeof(h));
	b_bytes(b, payload, len);
}

/* --- the image ------------------------------------------------------ */

static const struct xss_perm p_none0 = { 0, 0 };
static const struct xss_perm p_dom5[] = {
	{ 5, 0 }, { 0, XSS_PERM_READ },
};
static const struct xss_perm p_both5[] = {
	{ 5, XSS_PERM_READ | XSS_PERM_WRITE }, { 6, XSS_PERM_WRITE },
};
static const struct xss_perm p_rel[] = {
	{ 0, 0 }, { 5, XSS_PERM_READ },
};
static const struct xss_perm p_intro = { 0, XSS_PERM_READ };

static void
w_node(struct img *im, const char *path, uint64_t gen,
       struct xss_perms perms, const char *value, uint32_t len)
{
	struct xss_node n = { path, gen, perms, (const uint8_t *)value, len };

	assert_int_equal(xss_write_node(im->w, &n), 0);
}

static void
w_global(struct img *im, uint32_t backend)
{
	struct xss_global g = {
		.generation = 100, .next_conn_id = 10, .socket_fd = 10,
		.backend = backend, .backend_fd = 11,
	};

	assert_int_equal(xss_write_global(im->w, &g), 0);
}

static void
w_domain(struct img *im, uint32_t domid, uint32_t conn_id, uint32_t flags,
	 uint32_t target, uint32_t local, uint32_t remote)
{
	struct xss_domain d = {
		.domid = domid, .conn_id = conn_id, .flags = flags,
		.remote_port = remote, .local_port = local, .target = target,
		.next_txid = 1, .evtchn_fd = XSS_NO_FD,
		.page_fd = XSS_NO_FD,
	};

	assert_int_equal(xss_write_domain(im->w, &d), 0);
}

static void
w_socket(struct img *im, uint32_t conn_id, int32_t fd, uint32_t flags)
{
	struct xss_socket s = { conn_id, fd, flags, 1 };

	assert_int_equal(xss_write_socket(im->w, &s), 0);
}

static void
w_watch(struct img *im, const char *path, const char *token, bool rel,
	uint32_t depth)
{
	struct xss_watch w = {
		path, token, depth, rel ? XSS_WATCH_RELATIVE : 0,
	};

	assert_int_equal(xss_write_watch(im->w, &w), 0);
}

#define CONN XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION
#define PERMS(a) { sizeof(a) / sizeof((a)[0]), a }
#define ONE(p) { 1, &(p) }

/* Pending data of the full image. */
struct pending {
	struct body *out0;		/* dom0 ring: a reply */
	struct body *in6;		/* domain 6: a request, a header part */
	struct body *out6;		/* ... an event */
	struct body *in_s3;		/* socket 3: half a request */
	struct body *out_s4;		/* socket 4: two replies */
};

static const char partial6[] = "ken\0";	/* the rest of an event */

static struct img *
full_image(TALLOC_CTX *ctx, uint32_t kind, struct pending *pd)
{
	struct img *im = img_new(ctx, kind, XSS_NO_DOMID, false);
	struct xss_special intro = { "@introduceDomain", ONE(p_intro) };
	struct xss_special rel = { "@releaseDomain", PERMS(p_rel) };
	struct xss_perms none0 = ONE(p_none0);
	struct xss_perms dom5 = PERMS(p_dom5), both5 = PERMS(p_both5);

	pd->out0 = body_new(ctx, false);
	msg(pd->out0, 2 /* READ */, 7, 0, "abc", 4);
	pd->in6 = body_new(ctx, false);
	msg(pd->in6, 2, 1, 0, "/local/domain/6/x", 18);
	b_bytes(pd->in6, "\x02\0\0\0\x02", 5);	/* a header begun */
	pd->out6 = body_new(ctx, false);
	msg(pd->out6, 15 /* WATCH_EVENT */, 0, 0, "device/a\0dev", 13);
	pd->in_s3 = body_new(ctx, false);
	msg(pd->in_s3, 11 /* WRITE */, 9, 0, "/tool/a", 6);
	pd->in_s3->len -= 3;			/* payload cut short */
	pd->out_s4 = body_new(ctx, false);
	msg(pd->out_s4, 1 /* DIRECTORY */, 3, 0, "a\0b", 4);
	msg(pd->out_s4, 16 /* ERROR */, 4, 0, "ENOENT", 7);

	w_global(im, XSS_BACKEND_XEN);
	assert_int_equal(xss_write_special(im->w, &intro), 0);
	assert_int_equal(xss_write_special(im->w, &rel), 0);
	w_node(im, "/", 1, none0, NULL, 0);
	w_node(im, "/local", 2, none0, NULL, 0);
	w_node(im, "/local/domain", 3, none0, NULL, 0);
	w_node(im, "/local/domain/0", 4, none0, NULL, 0);
	w_node(im, "/local/domain/5", 5, dom5, NULL, 0);
	w_node(im, "/local/domain/5/name", 6, both5, "guest5", 6);
	w_node(im, "/tool", 7, none0, "xyz", 3);

	/* dom0's ring, conn 1 */
	w_domain(im, 0, 1, CONN, XSS_NO_TARGET, 7, 3);
	w_watch(im, "/local/domain/0/backend", "t0", true,
		XSS_WATCH_NO_DEPTH);
	assert_int_equal(xss_write_output(im->w, pd->out0->b,
					  (uint32_t)pd->out0->len), 0);
	/* domain 6 with target 5, conn 2 */
	w_domain(im, 6, 2, CONN, 5, 33, 2);
	w_watch(im, "@introduceDomain", "intro", false, XSS_WATCH_NO_DEPTH);
	w_watch(im, "/local/domain/6/device", "dev", true,
		XSS_WATCH_NO_DEPTH);
	assert_int_equal(xss_write_input(im->w, pd->in6->b,
					 (uint32_t)pd->in6->len), 0);
	assert_int_equal(xss_write_partial_output(im->w, partial6, 4), 0);
	assert_int_equal(xss_write_output(im->w, pd->out6->b,
					  (uint32_t)pd->out6->len), 0);
	/* sockets 3 and 4 */
	w_socket(im, 3, 20, XSS_SOCK_PRIVILEGED);
	w_watch(im, "/tool", "tk", false, XSS_WATCH_NO_DEPTH);
	w_watch(im, "/local/domain/0/x", "rx", true, XSS_WATCH_NO_DEPTH);
	assert_int_equal(xss_write_input(im->w, pd->in_s3->b,
					 (uint32_t)pd->in_s3->len), 0);
	w_socket(im, 4, 21, XSS_SOCK_PRIVILEGED);
	assert_int_equal(xss_write_output(im->w, pd->out_s4->b,
					  (uint32_t)pd->out_s4->len), 0);
	img_end(im);
	expect_ok(ctx, im);
	return im;
}

static void
e_watch(struct exp *e, uint32_t len, uint32_t conn_id, const char *path,
	const char *token)
{
	e_rec(e, XSU_C_WATCH, len);
	e_u32(e, conn_id);
	e_u16(e, (uint16_t)(strlen(path) + 1));
	e_u16(e, (uint16_t)(strlen(token) + 1));
	b_str(e->b, path);
	b_str(e->b, token);
	e_pad(e);
}

/* C xenstored's file for full_image(), every length worked out here. */
static struct body *
full_expected(TALLOC_CTX *ctx, const struct pending *pd)
{
	struct exp e = { body_new(ctx, false), 0, 0 };
	uint32_t flags = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;

	b_bytes(e.b, "xenstore\0\0\0\x01", 12);
	e_u32(&e, flags);

	e_rec(&e, XSU_C_GLOBAL, 8);
	e_u32(&e, 10);				/* socket_fd */
	e_u32(&e, 11);				/* evtchn_fd */
	e_pad(&e);

	/* conn 1, dom0: 24 + 20 out = 44 -> 48 */
	e_rec(&e, XSU_C_CONN, 48);
	e_u32(&e, 1);
	e_u16(&e, XSU_C_CONN_RING);
	e_u16(&e, 0);
	e_u16(&e, 0);				/* domid */
	e_u16(&e, 0x7ff4);			/* tdomid: none */
	e_u32(&e, 7);				/* evtchn: local port */
	e_u16(&e, 0);
	e_u16(&e, 0);
	e_u32(&e, 20);
	b_bytes(e.b, pd->out0->b, 20);
	e_pad(&e);
	/* 8 + "backend" 8 + "t0" 3 = 19 -> 24 */
	e_watch(&e, 24, 1, "backend", "t0");

	/* conn 2, domain 6: 24 + in 34+5 + partial 4 + out 29 = 96 */
	assert_int_equal(pd->in6->len, 39);
	assert_int_equal(pd->out6->len, 29);
	e_rec(&e, XSU_C_CONN, 96);
	e_u32(&e, 2);
	e_u16(&e, XSU_C_CONN_RING);
	e_u16(&e, 0);
	e_u16(&e, 6);
	e_u16(&e, 5);				/* tdomid */
	e_u32(&e, 33);
	e_u16(&e, 39);				/* data_in_len */
	e_u16(&e, 4);				/* data_resp_len */
	e_u32(&e, 4 + 29);			/* data_out_len */
	b_bytes(e.b, pd->in6->b, 39);
	b_bytes(e.b, partial6, 4);
	b_bytes(e.b, pd->out6->b, 29);
	e_pad(&e);
	/* 8 + 17 + 6 = 31 -> 32; 8 + 7 + 4 = 19 -> 24 */
	e_watch(&e, 32, 2, "@introduceDomain", "intro");
	e_watch(&e, 24, 2, "device", "dev");

	/* conn 3, socket: 24 + 19 in = 43 -> 48 */
	assert_int_equal(pd->in_s3->len, 19);
	e_rec(&e, XSU_C_CONN, 48);
	e_u32(&e, 3);
	e_u16(&e, XSU_C_CONN_SOCKET);
	e_u16(&e, 0);
	e_u32(&e, 20);				/* socket_fd */
	e_u32(&e, 0);				/* rest of the union */
	e_u16(&e, 19);
	e_u16(&e, 0);
	e_u32(&e, 0);
	b_bytes(e.b, pd->in_s3->b, 19);
	e_pad(&e);
	/* 8 + 6 + 3 = 17 -> 24; 8 + 2 + 3 = 13 -> 16 */
	e_watch(&e, 24, 3, "/tool", "tk");
	e_watch(&e, 16, 3, "x", "rx");

	/* conn 4, socket: 24 + 20 + 23 = 67 -> 72 */
	assert_int_equal(pd->out_s4->len, 43);
	e_rec(&e, XSU_C_CONN, 72);
	e_u32(&e, 4);
	e_u16(&e, XSU_C_CONN_SOCKET);
	e_u16(&e, 0);
	e_u32(&e, 21);
	e_u32(&e, 0);
	e_u16(&e, 0);
	e_u16(&e, 0);
	e_u32(&e, 43);
	b_bytes(e.b, pd->out_s4->b, 43);
	e_pad(&e);

	/* special nodes: 16 + 2 * 4 + 15 = 39 -> 40; 16 + 4 + 17 = 37 */
	e_node(&e, 40, "@releaseDomain", 0, 2);
	e_perm(&e, 'n', 0);
	e_perm(&e, 'r', 5);
	b_str(e.b, "@releaseDomain");
	e_pad(&e);
	e_node(&e, 40, "@introduceDomain", 0, 1);
	e_perm(&e, 'r', 0);
	b_str(e.b, "@introduceDomain");
	e_pad(&e);

	/* nodes: 16 + 4 + path (+ value) */
	e_node(&e, 24, "/", 0, 1);		/* 22 */
	e_perm(&e, 'n', 0);
	b_str(e.b, "/");
	e_pad(&e);
	e_node(&e, 32, "/local", 0, 1);		/* 27 */
	e_perm(&e, 'n', 0);
	b_str(e.b, "/local");
	e_pad(&e);
	e_node(&e, 40, "/local/domain", 0, 1);	/* 34 */
	e_perm(&e, 'n', 0);
	b_str(e.b, "/local/domain");
	e_pad(&e);
	e_node(&e, 40, "/local/domain/0", 0, 1);	/* 36 */
	e_perm(&e, 'n', 0);
	b_str(e.b, "/local/domain/0");
	e_pad(&e);
	e_node(&e, 40, "/local/domain/5", 0, 2);	/* 40 */
	e_perm(&e, 'n', 5);
	e_perm(&e, 'r', 0);
	b_str(e.b, "/local/domain/5");
	e_pad(&e);
	e_node(&e, 56, "/local/domain/5/name", 6, 2);	/* 16+8+21+6 = 51 */
	e_perm(&e, 'b', 5);
	e_perm(&e, 'w', 6);
	b_str(e.b, "/local/domain/5/name");
	b_bytes(e.b, "guest5", 6);
	e_pad(&e);
	e_node(&e, 32, "/tool", 3, 1);		/* 16 + 4 + 6 + 3 = 29 */
	e_perm(&e, 'n', 0);
	b_str(e.b, "/tool");
	b_bytes(e.b, "xyz", 3);
	e_pad(&e);

	e_rec(&e, XSU_C_END, 0);
	return e.b;
}

/* Convert im; the written file, and the model in *stp. */
static const uint8_t *
convert(TALLOC_CTX *ctx, const struct img *im, struct xsu_state **stp,
	size_t *len)
{
	struct xss_sink *sink = xss_sink_memory(ctx);
	char *err = NULL;
	int ret;

	ret = xsu_from_image(ctx, im->data, im->len, stp, &err);
	if (ret)
		fail_msg("xsu_from_image: %s", err);
	ret = xsu_write_c(ctx, *stp, sink, &err);
	if (ret)
		fail_msg("xsu_write_c: %s", err);
	return xss_sink_data(sink, len);
}

static void
assert_file(const uint8_t *got, size_t len, const struct body *want)
{
	size_t i;

	for (i = 0; i < len && i < want->len; i++)
		if (got[i] != want->b[i])
			fail_msg("octet %zu (0x%zx): got 0x%02x, want 0x%02x",
				 i, i, got[i], want->b[i]);
	assert_int_equal(len, want->len);
}

static void
test_full(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	uint32_t kinds[] = { XSS_KIND_LIVE_UPDATE, XSS_KIND_DUMP };
	unsigned int k;

	for (k = 0; k < 2; k++) {
		struct pending pd;
		struct img *im = full_image(ctx, kinds[k], &pd);
		struct body *want = full_expected(ctx, &pd);
		struct xsu_state *st;
		const uint8_t *got;
		size_t len;

		got = convert(ctx, im, &st, &len);
		assert_file(got, len, want);
		assert_string_equal(st->dropped, "");

		/* The model itself. */
		assert_int_equal(st->nnodes, 7);
		assert_string_equal(st->nodes[0].path, "/");
		assert_int_equal(st->nconns, 4);
		assert_int_equal(st->conns[1].id, 2);
		assert_int_equal(st->conns[1].image_conn_id, 2);
		assert_int_equal(st->conns[1].remote_port, 2);
		assert_true(st->conns[1].watches[1].relative);
		assert_false(st->conns[1].watches[0].relative);
		assert_int_equal(st->conns[3].fd, 21);
	}
}

/* The live-update answer goes at the end of the requester's output. */
static void
test_lu_ok(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct pending pd;
	struct img *im = full_image(ctx, XSS_KIND_LIVE_UPDATE, &pd);
	struct xss_sink *sink = xss_sink_memory(ctx);
	struct xsu_state *st;
	struct body *want = body_new(ctx, false);
	struct xsu_conn *c;
	const uint8_t *got;
	char *err = NULL;
	size_t len;

	assert_int_equal(xsu_from_image(ctx, im->data, im->len, &st, &err),
			 0);
	assert_int_equal(xsu_add_lu_ok(st, 9, 1, 0, &err), ENOENT);
	assert_string_equal(err, "no connection 9 to answer the live update "
			    "on");
	assert_int_equal(xsu_add_lu_ok(st, 4, 42, 0, &err), 0);
	c = &st->conns[3];
	b_bytes(want, pd.out_s4->b, pd.out_s4->len);
	msg(want, 0 /* CONTROL */, 42, 0, "OK", 3);
	assert_bytes_equal(c->out, c->out_len, want->b, (uint32_t)want->len);
	/* An empty output gets the answer alone. */
	assert_int_equal(xsu_add_lu_ok(st, 3, 5, 0, &err), 0);
	assert_int_equal(st->conns[2].out_len, 19);
	assert_int_equal(xsu_write_c(ctx, st, sink, &err), 0);
	got = xss_sink_data(sink, &len);
	assert_non_null(got);
}

static void
w_txn(struct img *im, uint32_t tx_id, unsigned int nodes)
{
	struct xss_txn t = { tx_id, 0 };
	unsigned int i;

	assert_int_equal(xss_write_txn(im->w, &t), 0);
	for (i = 0; i < nodes; i++) {
		struct xss_txn_node tn = {
			.tx_id = tx_id, .flags = 0,
			.path = talloc_asprintf(im, "/tool/t%u", i),
		};

		assert_int_equal(xss_write_txn_node(im->w, &tn), 0);
	}
}

static void
test_dropped(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID,
				 false);
	static const struct xss_quota_entry defq[] = {
		{ XSS_QUOTA_NODES, 1000, 0 }, { XSS_QUOTA_WATCHES, 128, 100 },
		{ XSS_QUOTA_TRANSACTIONS, 0, 0 }, { 77, 3, 0 },
	};
	static const struct xss_quota_entry domq[] = {
		{ XSS_QUOTA_MEMORY, 2097152, 0 },
	};
	struct xss_quota q1 = { XSS_NO_DOMID, 4, defq };
	struct xss_quota q5 = { 5, 1, domq };
	struct xss_perms none0 = ONE(p_none0);
	struct xss_domain d5 = {
		.domid = 5, .conn_id = 1, .flags = CONN | XSS_DOM_FEATURES_SET,
		.features = 0x4, .target = XSS_NO_TARGET, .local_port = 9,
		.next_txid = 4, .evtchn_fd = XSS_NO_FD, .page_fd = XSS_NO_FD,
	};
	struct xsu_state *st;
	const uint8_t *got;
	size_t len;

	w_global(im, XSS_BACKEND_XEN);
	assert_int_equal(xss_write_quota(im->w, &q1), 0);
	w_node(im, "/", 1, none0, NULL, 0);
	w_node(im, "/tool", 2, none0, NULL, 0);
	assert_int_equal(xss_write_domain(im->w, &d5), 0);
	assert_int_equal(xss_write_quota(im->w, &q5), 0);
	w_watch(im, "/tool", "deep", false, 2);
	w_txn(im, 3, 7);
	w_txn(im, 5, 0);
	w_domain(im, 7, 0, 0, XSS_NO_TARGET, 0, 0);
	w_domain(im, 8, 2, CONN | XSS_DOM_IGNORED |
		 XSS_DOM_SHUTDOWN_REPORTED, XSS_NO_TARGET, 12, 1);
	w_socket(im, 12, 30, 0);
	w_txn(im, 1, 1);
	img_end(im);
	expect_ok(ctx, im);

	got = convert(ctx, im, &st, &len);
	assert_non_null(got);
	assert_string_equal(st->dropped,
		"default quotas: nodes 1000, watches 128 (soft 100), "
		"transactions unlimited, quota 77 3 (upstream uses its own "
		"command line's)\n"
		"domain 5: features 0x4 set by SET_FEATURE (upstream has "
		"none)\n"
		"domain 5: quotas memory 2097152\n"
		"domain 5: watch \"/tool\" token \"deep\": depth 2 not kept "
		"(upstream watches have no depth)\n"
		"domain 5: transaction 3 open (7 nodes touched)\n"
		"domain 5: transaction 5 open (0 nodes touched)\n"
		"domain 7: known without a connection (not introduced)\n"
		"domain 8: its ring is in error and ignored; upstream serves "
		"it again\n"
		"domain 8: its shutdown was reported on @releaseDomain; "
		"upstream may report it again\n"
		"socket connection 12: not privileged; upstream treats every "
		"socket connection as privileged\n"
		"socket connection 12: transaction 1 open (1 node "
		"touched)\n");
	/* Domain 7 has no connection: 5, 8 and the socket do. */
	assert_int_equal(st->nconns, 3);
	assert_int_equal(st->conns[1].domid, 8);
	assert_int_equal(st->conns[2].id, 3);
	assert_int_equal(st->conns[2].image_conn_id, 12);
	/* The special nodes default to dom0's, no access. */
	assert_int_equal(st->introduce_perms.num, 0);
	{
		uint32_t hdr[2] = { XSU_C_NODE, 40 };

		/* END, "/tool", "/", @introduceDomain, @releaseDomain */
		assert_memory_equal(got + len - 8 - 40 - 32 - 48 - 48, hdr,
				    8);
	}
}

/* --- refusals ------------------------------------------------------- */

static void
from_fails(TALLOC_CTX *ctx, const struct img *im, int want_ret,
	   const char *want)
{
	struct xsu_state *st = (void *)1;
	char *err = NULL;

	assert_int_equal(xsu_from_image(ctx, im->data, im->len, &st, &err),
			 want_ret);
	assert_null(st);
	assert_non_null(err);
	if (strcmp(err, want))
		fail_msg("message\n  got:  %s\n  want: %s", err, want);
}

static void
test_refuse_image(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct xss_store_fd sf = { 5, 1, 0, 0, NULL };
	struct xss_perms none0 = ONE(p_none0);
	struct img *im;

	im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false);
	w_global(im, XSS_BACKEND_XEN);
	assert_int_equal(xss_write_store_fd(im->w, &sf), 0);
	img_end(im);
	expect_ok(ctx, im);
	from_fails(ctx, im, EOPNOTSUPP, "record #2 (STORE_FD) at offset 0x68: "
		   "the nodes are in the store file handed over as fd 5, not "
		   "in the image; write the image with NODE_DATA records");

	im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, false);
	w_global(im, XSS_BACKEND_SIM);
	w_node(im, "/", 1, none0, NULL, 0);
	img_end(im);
	from_fails(ctx, im, EOPNOTSUPP, "record #1 (GLOBAL_DATA) at offset "
		   "0x40: the image's backend is sim, not xen: upstream "
		   "xenstored runs only on Xen");

	im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, false);
	w_global(im, XSS_BACKEND_NONE);
	w_node(im, "/", 1, none0, NULL, 0);
	img_end(im);
	from_fails(ctx, im, EOPNOTSUPP, "record #1 (GLOBAL_DATA) at offset "
		   "0x40: the image's backend is none, not xen: upstream "
		   "xenstored runs only on Xen");

	im = img_new(ctx, XSS_KIND_MIGRATION, 5, false);
	w_node(im, "/local/domain/5", 1, none0, NULL, 0);
	w_domain(im, 5, 0, XSS_DOM_INTRODUCED, XSS_NO_TARGET, 0, 0);
	img_end(im);
	from_fails(ctx, im, EOPNOTSUPP, "a MIGRATION image holds one domain, "
		   "not a daemon's state: only LIVE_UPDATE and DUMP images "
		   "can go to upstream");

	/* Pending data in the other byte order than the host's. */
	im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID,
		     __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__);
	w_global(im, XSS_BACKEND_XEN);
	w_node(im, "/", 1, none0, NULL, 0);
	w_socket(im, 3, 20, XSS_SOCK_PRIVILEGED);
	assert_int_equal(xss_write_input(im->w, "abc", 3), 0);
	img_end(im);
	expect_ok(ctx, im);
	from_fails(ctx, im, EOPNOTSUPP, talloc_asprintf(ctx, "record #4 "
		   "(CONN_INPUT) at offset 0xb0: socket connection 3: pending "
		   "data in %s byte order, this host is %s (upstream reads "
		   "them in its own)",
		   __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? "little-endian"
							  : "big-endian",
		   __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? "big-endian"
							  : "little-endian"));

	/* A broken image: the reader's message. */
	im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, false);
	w_global(im, XSS_BACKEND_XEN);
	img_end(im);
	from_fails(ctx, im, EBADMSG, "record #2 (END) at offset 0x68: END "
		   "before the first NODE_DATA (after GLOBAL_DATA)");
}

/* xsu_write_c refuses st with msg, writing nothing. */
static void
write_fails(TALLOC_CTX *ctx, const struct xsu_state *st, int want_ret,
	    const char *want)
{
	struct xss_sink *sink = xss_sink_memory(ctx);
	char *err = NULL;
	size_t len = 1;

	assert_int_equal(xsu_write_c(ctx, st, sink, &err), want_ret);
	assert_non_null(err);
	if (strcmp(err, want))
		fail_msg("message\n  got:  %s\n  want: %s", err, want);
	xss_sink_data(sink, &len);
	assert_int_equal(len, 0);
}

static void
test_too_long_input(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID,
				 false);
	struct xss_perms none0 = ONE(p_none0);
	uint8_t *in = talloc_zero_size(ctx, 70000);
	struct xsu_state *st;
	char *err = NULL;

	assert_non_null(in);
	w_global(im, XSS_BACKEND_XEN);
	w_node(im, "/", 1, none0, NULL, 0);
	w_socket(im, 3, 20, XSS_SOCK_PRIVILEGED);
	assert_int_equal(xss_write_input(im->w, in, 70000), 0);
	img_end(im);
	expect_ok(ctx, im);
	assert_int_equal(xsu_from_image(ctx, im->data, im->len, &st, &err),
			 0);
	write_fails(ctx, st, EOVERFLOW, "connection 1 (socket fd 20): 70000 "
		    "octets of pending input, the format holds at most 65535 "
		    "(data_in_len is 16 bits)");
	/* 65535 fits. */
	st->conns[0].in_len = 65535;
	assert_int_equal(xsu_write_c(ctx, st, xss_sink_memory(ctx), &err), 0);
}

/* A model built by hand: a ring, a socket with a watch, two nodes. */
static struct xsu_state *
hand_model(TALLOC_CTX *ctx)
{
	struct xsu_state *st = talloc_zero(ctx, struct xsu_state);
	static const uint8_t reply[16] = { 0 };
	static struct xss_perm perm[1];

	assert_non_null(st);
	st->socket_fd = -1;
	st->evtchn_fd = 4;
	st->nconns = 2;
	st->conns = talloc_zero_array(st, struct xsu_conn, 2);
	st->conns[0].ring = true;
	st->conns[0].domid = 1;
	st->conns[0].target = XSS_NO_TARGET;
	st->conns[1].fd = 9;
	st->conns[1].out = reply;
	st->conns[1].out_len = 16;
	st->conns[1].nwatches = 1;
	st->conns[1].watches = talloc_zero_array(st, struct xsu_watch, 1);
	st->conns[1].watches[0].path = "/a";
	st->conns[1].watches[0].token = "t";
	st->nnodes = 2;
	st->nodes = talloc_zero_array(st, struct xsu_node, 2);
	st->nodes[0].path = "/";
	st->nodes[0].perms.num = 1;
	st->nodes[0].perms.p = perm;
	st->nodes[1].path = "/a";
	st->nodes[1].perms.num = 1;
	st->nodes[1].perms.p = perm;
	st->dropped = "";
	return st;
}

static void
test_refuse_u16(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct xsu_state *st = hand_model(ctx);
	char *err = NULL, *big = talloc_zero_size(ctx, 70001);
	struct xss_perm *many = talloc_zero_array(ctx, struct xss_perm, 65536);
	static const struct xss_perm wide = { 0x10000, 0 };
	static const struct xss_perm odd = { 0, 4 };
	static const uint8_t cut[20] = { [12] = 5 };

	assert_non_null(big);
	assert_non_null(many);
	memset(big, 'a', 70000);
	assert_int_equal(xsu_write_c(ctx, st, xss_sink_memory(ctx), &err), 0);

	st->conns[0].domid = 0x10000;
	write_fails(ctx, st, EOVERFLOW, "connection 1 (domain 65536): domid "
		    "65536 does not fit in 16 bits");
	st->conns[0].domid = 1;
	st->conns[0].target = 0x12345;
	write_fails(ctx, st, EOVERFLOW, "connection 1 (domain 1): target "
		    "domid 74565 does not fit in 16 bits");
	st->conns[0].target = XSS_NO_TARGET;

	st->conns[1].partial = (const uint8_t *)big;
	st->conns[1].partial_len = 65536;
	write_fails(ctx, st, EOVERFLOW, "connection 2 (socket fd 9): 65536 "
		    "octets left of a half-sent message, the format holds at "
		    "most 65535 (data_resp_len is 16 bits)");
	st->conns[1].partial_len = 0;

	st->conns[1].out = cut;
	st->conns[1].out_len = 20;
	write_fails(ctx, st, EINVAL, "connection 2 (socket fd 9): the message "
		    "at octet 0 of the pending output has 5 payload octets, 4 "
		    "are there");
	st->conns[1].out_len = 10;
	write_fails(ctx, st, EINVAL, "connection 2 (socket fd 9): pending "
		    "output ends inside a message header at octet 0");
	st->conns[1].out_len = 0;

	st->conns[1].watches[0].path = big;
	write_fails(ctx, st, EOVERFLOW, "connection 2 (socket fd 9): watch 0: "
		    "path of 70001 octets, the format holds at most 65535 "
		    "with its NUL");
	st->conns[1].watches[0].path = "/a";
	big[65535] = 0;
	st->conns[1].watches[0].token = big;
	write_fails(ctx, st, EOVERFLOW, "connection 2 (socket fd 9): watch 0: "
		    "token of 65536 octets, the format holds at most 65535 "
		    "with its NUL");
	big[65534] = 0;			/* 65535 with the NUL: fits */
	assert_int_equal(xsu_write_c(ctx, st, xss_sink_memory(ctx), &err), 0);
	st->conns[1].watches[0].token = "t";

	st->nodes[1].value = (const uint8_t *)big;
	st->nodes[1].len = 65536;
	write_fails(ctx, st, EOVERFLOW, "node \"/a\": value of 65536 octets, "
		    "the format holds at most 65535 (data_len is 16 bits)");
	st->nodes[1].len = 0;
	st->nodes[1].perms.num = 65536;
	st->nodes[1].perms.p = many;
	write_fails(ctx, st, EOVERFLOW, "node \"/a\": 65536 permissions, the "
		    "format holds at most 65535 (perm_n is 16 bits)");
	st->nodes[1].perms.num = 1;
	st->nodes[1].perms.p = &wide;
	write_fails(ctx, st, EOVERFLOW, "node \"/a\": permission 0: domid "
		    "65536 does not fit in 16 bits");
	st->nodes[1].perms.p = &odd;
	write_fails(ctx, st, EINVAL, "node \"/a\": permission 0: unknown "
		    "access bits 0x4");
	st->nodes[1].perms.num = 0;
	write_fails(ctx, st, EINVAL, "node \"/a\": no permissions (an owner "
		    "is needed)");
	st->nodes[1].perms.num = 1;
	st->nodes[1].perms.p = many;

	big[0] = '/';
	big[65534] = 'a';
	big[65535] = 'a';
	big[70000] = 0;
	st->nodes[1].path = big;
	/* Messages quote the first 64 octets. */
	write_fails(ctx, st, EOVERFLOW, talloc_asprintf(ctx, "node \"%.64s\""
		    "...: path of 70001 octets, the format holds at most 65535 "
		    "with its NUL", big));
	st->nodes[1].path = "/a";

	st->release_perms.num = 1;
	st->release_perms.p = &wide;
	write_fails(ctx, st, EOVERFLOW, "@releaseDomain: permission 0: domid "
		    "65536 does not fit in 16 bits");
	st->release_perms.num = 0;

	st->nodes[0].path = "/b";
	write_fails(ctx, st, EINVAL, "the first node is \"/b\", not \"/\"");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_full),
		T(test_lu_ok),
		T(test_dropped),
		T(test_refuse_image),
		T(test_too_long_input),
		T(test_refuse_u16),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xsu_c_write", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
