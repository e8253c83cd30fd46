// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xss_reader_errors.c - records that are wrong on their own: framing
 * (padding, lengths, types), field bounds, reserved fields and bits,
 * strings, paths, permissions, the per-type rules of spec section 4, and
 * the CRC.  Messages are checked exactly.
 */
#include "xss_test.h"

/* img_lu(): the bad record is #3 at 0x98; img_lu_dom(): #4 at 0xd0. */
#define LU_NEXT "record #3 (%s) at offset 0x98: %s"
#define DOM_NEXT "record #4 (%s) at offset 0xd0: %s"

static void
expect_at(TALLOC_CTX *ctx, struct img *im, const char *fmt,
	  const char *type, const char *why)
{
	char *want = talloc_asprintf(ctx, fmt, type, why);

	img_end(im);
	expect_err(ctx, im, want);
}

/* A NODE_DATA body with every field given. */
static struct body *
node_body(TALLOC_CTX *ctx, bool big, uint32_t path_len, uint32_t nperms,
	  uint32_t value_len, uint32_t reserved)
{
	struct body *b = body_new(ctx, big);

	b_u64(b, 2);
	b_u32(b, path_len);
	b_u32(b, nperms);
	b_u32(b, value_len);
	b_u32(b, reserved);
	return b;
}

static void
test_padding(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, false);
	uint8_t *p;

	img_node(im, "/a", 2);	/* body 35: 5 octets of padding */
	img_end(im);
	p = talloc_memdup(ctx, im->data, im->len);
	p[0x98 + 8 + 35] = 1;
	expect_msg(ctx, p, im->len, "record #3 (NODE_DATA) at offset 0x98: "
		   "padding octet 0 is 0x01, not 0");
	p[0x98 + 8 + 35] = 0;
	p[0x98 + 8 + 39] = 0x80;
	expect_msg(ctx, p, im->len, "record #3 (NODE_DATA) at offset 0x98: "
		   "padding octet 4 is 0x80, not 0");
}

static void
test_optional_padding(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, true);
	uint8_t *p;

	assert_int_equal(xss_write_raw(im->w, 0x80000007u, "abc", 3), 0);
	img_end(im);
	p = talloc_memdup(ctx, im->data, im->len);
	p[0x98 + 8 + 3] = 9;
	expect_msg(ctx, p, im->len, "record #3 (OPTIONAL) at offset 0x98: "
		   "padding octet 0 is 0x09, not 0");
}

static void
test_body_too_short(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, false);
	struct body *b = node_body(ctx, false, 3, 1, 0, 0);

	b->len = 20;
	img_raw(im, XSS_REC_NODE_DATA, b);
	expect_at(ctx, im, LU_NEXT, "NODE_DATA",
		  "body too short: 20 octets, reserved needs 24");

	im = img_lu(ctx, false);
	b = node_body(ctx, false, 3, 1, 0, 0);
	b_u32(b, 0);
	b_u32(b, 0);
	b_bytes(b, "/a", 2);	/* a path of 3 octets, 2 there */
	img_raw(im, XSS_REC_NODE_DATA, b);
	expect_at(ctx, im, LU_NEXT, "NODE_DATA",
		  "body too short: 34 octets, path needs 35");

	im = img_lu_dom(ctx, true);
	assert_int_equal(xss_write_raw(im->w, XSS_REC_TRANSACTION_DATA,
				       "\0\0\0\1", 4), 0);
	expect_at(ctx, im, DOM_NEXT, "TRANSACTION_DATA",
		  "body too short: 4 octets, flags needs 8");

	im = img_lu(ctx, false);
	assert_int_equal(xss_write_raw(im->w, XSS_REC_END, "abcd", 4), 0);
	expect_at(ctx, im, LU_NEXT, "END",
		  "body too short: 4 octets, reserved needs 8");
}

static void
test_body_too_long(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, false);
	struct body *b = node_body(ctx, false, 3, 1, 0, 0);
	uint8_t zeros[64] = { 0 };

	b_u32(b, 0);
	b_u32(b, 0);
	b_str(b, "/a");
	b_bytes(b, "xyz", 3);
	img_raw(im, XSS_REC_NODE_DATA, b);
	expect_at(ctx, im, LU_NEXT, "NODE_DATA",
		  "body too long: 3 octets after the fields end at 35");

	im = img_lu(ctx, false);
	assert_int_equal(xss_write_raw(im->w, XSS_REC_DOMAIN_START, zeros,
				       52), 0);
	expect_at(ctx, im, LU_NEXT, "DOMAIN_START",
		  "body too long: 52 octets, the largest DOMAIN_START body "
		  "has 48");

	im = img_lu(ctx, false);
	assert_int_equal(xss_write_raw(im->w, XSS_REC_END, zeros, 16), 0);
	expect_at(ctx, im, LU_NEXT, "END",
		  "body too long: 16 octets, the largest END body has 8");

	im = img_lu_dom(ctx, false);
	assert_int_equal(xss_write_raw(im->w, XSS_REC_CONN_INPUT, zeros, 0),
			 0);
	b = body_new(ctx, false);
	b_bytes(b, NULL, 0);
	{
		uint8_t *in = talloc_zero_array(ctx, uint8_t,
						XSS_MAX_INPUT + 1);

		im = img_lu_dom(ctx, false);
		assert_int_equal(xss_write_input(im->w, in, XSS_MAX_INPUT + 1),
				 0);
		expect_at(ctx, im, DOM_NEXT, "CONN_INPUT",
			  "body too long: 1048577 octets, the largest "
			  "CONN_INPUT body has 1048576");
	}
}

/* A record header alone, with a length far beyond the image. */
static void
test_huge_lengths(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, false);
	uint8_t *p;

	img_end(im);
	p = talloc_memdup(ctx, im->data, im->len);
	/* Make END a GUEST_RING_DATA of 64 MiB + 1, then of 4 GiB - 1. */
	p[0x98] = XSS_REC_GUEST_RING_DATA;
	p[0x98 + 4] = 1;
	p[0x98 + 5] = 0;
	p[0x98 + 6] = 0;
	p[0x98 + 7] = 4;
	expect_msg(ctx, p, im->len, "record #3 (GUEST_RING_DATA) at offset "
		   "0x98: body too long: 67108865 octets, the largest "
		   "GUEST_RING_DATA body has 67108864");
	p[0x98 + 4] = 0x41;
	expect_msg(ctx, p, im->len, "record #3 (GUEST_RING_DATA) at offset "
		   "0x98: length 67108929 exceeds the maximum record length "
		   "67108928");
	memset(p + 0x98 + 4, 0xff, 4);
	expect_msg(ctx, p, im->len, "record #3 (GUEST_RING_DATA) at offset "
		   "0x98: length 4294967295 exceeds the maximum record "
		   "length 67108928");
	/* Within bounds, but beyond the image. */
	p[0x98 + 4] = 0;
	p[0x98 + 5] = 0;
	p[0x98 + 6] = 1;
	p[0x98 + 7] = 0;
	expect_msg(ctx, p, im->len, "record #3 (GUEST_RING_DATA) at offset "
		   "0x98: truncated: the body and padding need 65536 more "
		   "octets, the image has 8");
	/* An optional record of the largest size, truncated. */
	p[0x98] = 0;
	p[0x98 + 3] = 0x80;
	memcpy(p + 0x98 + 4, "\x40\0\0\4", 4);
	expect_msg(ctx, p, im->len, "record #3 (OPTIONAL) at offset 0x98: "
		   "truncated: the body and padding need 65536 more octets, "
		   "the image has 8");
}

static void
test_unknown_mandatory(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, false);

	assert_int_equal(xss_write_raw(im->w, XSS_REC_TYPE_COUNT, "x", 1), 0);
	expect_at(ctx, im, LU_NEXT, "UNKNOWN",
		  "unknown mandatory type 0x00000010");
	im = img_lu(ctx, true);
	assert_int_equal(xss_write_raw(im->w, 0x7fffffffu, NULL, 0), 0);
	expect_at(ctx, im, LU_NEXT, "UNKNOWN",
		  "unknown mandatory type 0x7fffffff");
}

/* The spec's own example, record #12 at 0x1a0. */
static void
test_spec_example(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, false);
	uint8_t filler[64] = { 0 };
	struct body *b = node_body(ctx, false, 3, 1, 0, 0);
	int i;

	/* 8 fillers of 24 octets and one of 72 take #3..#11 to 0x1a0. */
	for (i = 0; i < 8; i++)
		assert_int_equal(xss_write_raw(im->w, 0x80000001u, filler, 16),
				 0);
	assert_int_equal(xss_write_raw(im->w, 0x80000002u, filler, 64), 0);
	assert_int_equal(xss_writer_offset(im->w), 0x1a0);
	b_u32(b, 0);
	b_u32(b, 0);
	b_bytes(b, "/ab", 3);
	img_raw(im, XSS_REC_NODE_DATA, b);
	img_end(im);
	expect_err(ctx, im, "record #12 (NODE_DATA) at offset 0x1a0: path "
		   "not NUL-terminated");
}

/* NODE_DATA "/" with a bad path of path_len octets. */
static void
bad_node_path(TALLOC_CTX *ctx, const void *path, uint32_t path_len,
	      const char *why)
{
	struct img *im = img_lu(ctx, false);
	struct body *b = node_body(ctx, false, path_len, 1, 0, 0);

	b_u32(b, 0);
	b_u32(b, 0);
	b_bytes(b, path, path_len);
	img_raw(im, XSS_REC_NODE_DATA, b);
	expect_at(ctx, im, LU_NEXT, "NODE_DATA", why);
}

static void
test_strings_and_paths(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	char *p;

	bad_node_path(ctx, "/a\0b", 5, "path has an embedded NUL at octet 2");
	bad_node_path(ctx, "\0\0", 2, "path has an embedded NUL at octet 0");
	bad_node_path(ctx, "/a.b", 5, "path \"/a.b\" has an invalid "
		      "character at octet 2");
	bad_node_path(ctx, "/a\xff", 4, "path \"/a\\xff\" has an invalid "
		      "character at octet 2");
	bad_node_path(ctx, "/a/", 4, "path \"/a/\" ends with '/'");
	bad_node_path(ctx, "/a//b", 6, "path \"/a//b\" has \"//\" at octet 2");
	bad_node_path(ctx, "a/b", 4, "path \"a/b\" is not absolute");
	bad_node_path(ctx, "@a", 3, "path \"@a\" is a special path, not an "
		      "absolute one");
	bad_node_path(ctx, "/", 1, "path_len 1 out of range 2..3073");
	bad_node_path(ctx, "", 0, "path_len 0 out of range 2..3073");
	p = long_path(ctx, "/a", XSS_MAX_PATH + 1);
	bad_node_path(ctx, p, XSS_MAX_PATH + 2,
		      "path_len 3074 out of range 2..3073");
}

static void
test_node_fields(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, true);
	struct body *b = node_body(ctx, true, 3, 1, 0, 1);

	b_u32(b, 0);
	b_u32(b, 0);
	b_str(b, "/a");
	img_raw(im, XSS_REC_NODE_DATA, b);
	expect_at(ctx, im, LU_NEXT, "NODE_DATA",
		  "reserved field is 0x00000001, not 0");

	im = img_lu(ctx, false);
	b = node_body(ctx, false, 3, 0, 0, 0);
	b_str(b, "/a");
	img_raw(im, XSS_REC_NODE_DATA, b);
	expect_at(ctx, im, LU_NEXT, "NODE_DATA",
		  "perm_count 0 out of range 1..2048");

	im = img_lu(ctx, false);
	b = node_body(ctx, false, 3, 2049, 0, 0);
	img_raw(im, XSS_REC_NODE_DATA, b);
	expect_at(ctx, im, LU_NEXT, "NODE_DATA",
		  "perm_count 2049 out of range 1..2048");

	im = img_lu(ctx, false);
	b = node_body(ctx, false, 3, 1, 4097, 0);
	img_raw(im, XSS_REC_NODE_DATA, b);
	expect_at(ctx, im, LU_NEXT, "NODE_DATA",
		  "value_len 4097 out of range 0..4096");
}

static void
test_perm_bits(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, false);
	struct xss_perm perm[2] = { { 0, XSS_PERM_READ }, { 7, 4 } };
	struct xss_node n = { .path = "/a", .perms = { 2, perm } };

	assert_int_equal(xss_write_node(im->w, &n), 0);
	expect_at(ctx, im, LU_NEXT, "NODE_DATA",
		  "perms[1] (domain 7): access 0x4 has reserved bits set");

	im = img_lu(ctx, false);
	perm[1].access = 0x80000003u;
	n.perms.p = perm;
	{
		struct xss_special s = { "@releaseDomain", { 2, perm } };

		im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false);
		img_global(im, 1);
		assert_int_equal(xss_write_special(im->w, &s), 0);
		img_end(im);
		expect_err(ctx, im, "record #2 (SPECIAL_PERMS) at offset 0x68: "
			   "perms[1] (domain 7): access 0x80000003 has "
			   "reserved bits set");
	}

	/* Domids beyond what permission strings can name. */
	perm[1] = (struct xss_perm){ 4000000000u, XSS_PERM_READ };
	im = img_lu(ctx, false);
	assert_int_equal(xss_write_node(im->w, &n), 0);
	expect_at(ctx, im, LU_NEXT, "NODE_DATA",
		  "perms[1]: domain 4000000000 is over 65535");
	perm[1].domid = 65536;
	{
		struct xss_special s = { "@introduceDomain", { 2, perm } };

		im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false);
		img_global(im, 1);
		assert_int_equal(xss_write_special(im->w, &s), 0);
		img_end(im);
		expect_err(ctx, im, "record #2 (SPECIAL_PERMS) at offset 0x68: "
			   "perms[1]: domain 65536 is over 65535");
	}
	perm[1].domid = 65535;	/* the largest there is */
	im = img_lu(ctx, false);
	assert_int_equal(xss_write_node(im->w, &n), 0);
	img_end(im);
	assert_int_equal(verify_mem(ctx, im->data, im->len, NULL), 0);
}

static void
test_watch_fields(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu_dom(ctx, false);
	struct xss_watch w = { "/local/domain/5/a", "t", 0, 2 };
	struct body *b;

	assert_int_equal(xss_write_watch(im->w, &w), 0);
	expect_at(ctx, im, DOM_NEXT, "WATCH_DATA", "reserved flags 0x00000002 "
		  "set (flags 0x00000002)");

	/* Depths as WATCH allows them, or none. */
	im = img_lu_dom(ctx, false);
	w.flags = 0;
	w.depth = 65536;
	assert_int_equal(xss_write_watch(im->w, &w), 0);
	expect_at(ctx, im, DOM_NEXT, "WATCH_DATA", "depth 65536 is over 65535");
	w.depth = 0x80000000u;
	im = img_lu_dom(ctx, false);
	assert_int_equal(xss_write_watch(im->w, &w), 0);
	expect_at(ctx, im, DOM_NEXT, "WATCH_DATA",
		  "depth 2147483648 is over 65535");
	w.depth = 0;

	im = img_lu_dom(ctx, false);
	w.flags = 0;
	w.path = "local/domain/5";
	assert_int_equal(xss_write_watch(im->w, &w), 0);
	expect_at(ctx, im, DOM_NEXT, "WATCH_DATA", "path \"local/domain/5\" "
		  "is neither absolute nor special");

	im = img_lu_dom(ctx, false);
	b = body_new(ctx, false);
	b_u32(b, 0);
	b_u32(b, 0);
	b_u32(b, 3);
	b_u32(b, 2);
	b_str(b, "/a");
	b_bytes(b, "tt", 2);
	img_raw(im, XSS_REC_WATCH_DATA, b);
	expect_at(ctx, im, DOM_NEXT, "WATCH_DATA", "token not NUL-terminated");

	im = img_lu_dom(ctx, false);
	b = body_new(ctx, false);
	b_u32(b, 0);
	b_u32(b, 0);
	b_u32(b, 3);
	b_u32(b, 0);
	b_str(b, "/a");
	img_raw(im, XSS_REC_WATCH_DATA, b);
	expect_at(ctx, im, DOM_NEXT, "WATCH_DATA",
		  "token_len 0 out of range 1..4097");
}

static void
test_txn_fields(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu_dom(ctx, false);
	struct xss_txn t = { 0, 0 };
	struct body *b = body_new(ctx, false);

	assert_int_equal(xss_write_txn(im->w, &t), 0);
	expect_at(ctx, im, DOM_NEXT, "TRANSACTION_DATA", "tx_id is 0");

	im = img_lu_dom(ctx, false);
	b_u32(b, 1);
	b_u32(b, 1);
	b_u32(b, 0);
	b_u32(b, 0);
	img_raw(im, XSS_REC_TRANSACTION_DATA, b);
	expect_at(ctx, im, DOM_NEXT, "TRANSACTION_DATA",
		  "flags is 0x00000001, not 0");

	im = img_lu_dom(ctx, false);
	b = body_new(ctx, false);
	b_u32(b, 1);
	b_u32(b, 0);
	b_u32(b, 0);
	b_u32(b, 0x10);
	img_raw(im, XSS_REC_TRANSACTION_DATA, b);
	expect_at(ctx, im, DOM_NEXT, "TRANSACTION_DATA",
		  "reserved field is 0x00000010, not 0");
}

/* TRANSACTION_NODE_DATA in transaction 1 of domain 5's connection. */
static void
bad_tnode(TALLOC_CTX *ctx, const struct xss_txn_node *tn, const char *why)
{
	struct img *im = img_lu_dom(ctx, false);
	struct xss_txn t = { 1, 0 };
	char *want;

	assert_int_equal(xss_write_txn(im->w, &t), 0);
	assert_int_equal(xss_write_txn_node(im->w, tn), 0);
	img_end(im);
	want = talloc_asprintf(ctx, "record #5 (TRANSACTION_NODE_DATA) at "
			       "offset 0xe8: %s", why);
	expect_err(ctx, im, want);
}

static void
test_txn_node_fields(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	static const struct xss_perm perm = { 5, 0 };
	struct xss_txn_node tn = {
		.tx_id = 1, .flags = XSS_TNODE_EXISTS, .base_gen = 3,
		.gen = 3, .path = "/local/domain/5", .perms = { 1, &perm },
	};
	struct xss_txn_node ok = tn;
	char *big;

	tn.flags = 0x10 | XSS_TNODE_EXISTS;
	bad_tnode(ctx, &tn, "reserved flags 0x00000010 set (flags "
		  "0x00000011)");
	tn = ok;
	tn.perms.num = 0;
	bad_tnode(ctx, &tn, "perm_count 0 with EXISTS");
	tn = ok;
	tn.flags = XSS_TNODE_CHANGED;
	tn.gen = 0;
	bad_tnode(ctx, &tn, "perm_count 1 without EXISTS");
	tn.perms.num = 0;
	tn.value = (const uint8_t *)"v";
	tn.len = 1;
	bad_tnode(ctx, &tn, "value_len 1 without EXISTS");
	tn.len = 0;
	tn.gen = 3;
	bad_tnode(ctx, &tn, "gen 3 without EXISTS");
	tn = ok;
	tn.flags |= XSS_TNODE_RECREATED;
	bad_tnode(ctx, &tn, "RECREATED without EXISTS, CHANGED and a "
		  "non-zero base_gen (flags 0x5, base_gen 3)");
	tn.flags |= XSS_TNODE_CHANGED;
	tn.base_gen = 0;
	bad_tnode(ctx, &tn, "RECREATED without EXISTS, CHANGED and a "
		  "non-zero base_gen (flags 0x7, base_gen 0)");
	tn = ok;
	tn.children = "a";
	tn.children_len = 2;
	bad_tnode(ctx, &tn, "children_len 2 without CHILDREN");
	tn.flags |= XSS_TNODE_CHILDREN;
	tn.children_len = 1;
	bad_tnode(ctx, &tn, "children not NUL-terminated");
	tn.children = "a\0\0b";
	tn.children_len = 5;
	bad_tnode(ctx, &tn, "child name \"\" (octet 2 of the children) is "
		  "empty");
	tn.children = "a\0b/c";
	tn.children_len = 6;
	bad_tnode(ctx, &tn, "child name \"b/c\" (octet 2 of the children) "
		  "has a '/' at octet 1");
	tn.children = "a.b";
	tn.children_len = 4;
	bad_tnode(ctx, &tn, "child name \"a.b\" (octet 0 of the children) "
		  "has an invalid character at octet 1");
	/* A name that would make a path over 3072 octets. */
	big = talloc_zero_array(ctx, char, 3100);
	memset(big, 'n', 3072 - 15);
	tn.children = big;
	tn.children_len = 3072 - 15 + 1;
	bad_tnode(ctx, &tn, talloc_asprintf(ctx, "child name \"%.64s\"... "
		  "makes a path longer than 3072 octets", big));
	tn.children_len = 3072 - 16 + 1;	/* the longest there can be */
	big[3072 - 16] = 0;
	{
		struct img *im = img_lu_dom(ctx, false);
		struct xss_txn t = { 1, 0 };

		assert_int_equal(xss_write_txn(im->w, &t), 0);
		assert_int_equal(xss_write_txn_node(im->w, &tn), 0);
		img_end(im);
		expect_ok(ctx, im);
	}
	tn = ok;
	tn.perms = sample_perms(ctx, 2049, 5);
	bad_tnode(ctx, &tn, "perm_count 2049 out of range 0..2048");
	tn = ok;
	tn.path = "/local/domain/5/";
	bad_tnode(ctx, &tn, "path \"/local/domain/5/\" ends with '/'");
}

/* A TRANSACTION_EVENT in transaction 1 of domain 5's connection. */
static void
bad_tevent(TALLOC_CTX *ctx, const struct xss_txn_event *te, const char *why)
{
	struct img *im = img_lu_dom(ctx, true);
	struct xss_txn t = { 1, 0 };
	char *want;

	assert_int_equal(xss_write_txn(im->w, &t), 0);
	assert_int_equal(xss_write_txn_event(im->w, te), 0);
	img_end(im);
	want = talloc_asprintf(ctx, "record #5 (TRANSACTION_EVENT) at offset "
			       "0xe8: %s", why);
	expect_err(ctx, im, want);
}

static void
test_txn_event_fields(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	static const struct xss_perm perm = { 5, 0 };
	struct xss_removed rm[3] = {
		{ "/local/domain/5/x", { 1, &perm } },
		{ "/local/domain/5/x/y", { 1, &perm } },
		{ "/local/domain/5/xy", { 1, &perm } },
	};
	struct xss_txn_event te = {
		.tx_id = 1, .flags = XSS_TEVENT_REMOVAL,
		.path = "/local/domain/5/x", .nremoved = 2, .removed = rm,
	};
	struct xss_txn_event ok = te;

	te.flags = 0;
	bad_tevent(ctx, &te, "removed_count 2 without REMOVAL");
	te = ok;
	te.nremoved = 0;
	bad_tevent(ctx, &te, "removed_count 0 out of range 1..16777216");
	te = ok;
	te.flags = 3;
	bad_tevent(ctx, &te, "reserved flags 0x00000002 set (flags "
		   "0x00000003)");
	te = ok;
	te.nremoved = 3;
	bad_tevent(ctx, &te, "removed node \"/local/domain/5/xy\" not below "
		   "the event's path \"/local/domain/5/x\"");
	te = ok;
	te.removed = rm + 1;
	te.nremoved = 1;
	bad_tevent(ctx, &te, "removed nodes do not include the event's path "
		   "\"/local/domain/5/x\"");
	te = ok;
	rm[2] = rm[1];
	te.nremoved = 3;
	bad_tevent(ctx, &te, "removed node \"/local/domain/5/x/y\" listed "
		   "twice (entries 1 and 2)");
	te = ok;
	rm[1].perms.num = 0;
	bad_tevent(ctx, &te, "removed perm_count 0 out of range 1..2048");
	rm[1].perms.num = 1;
	te.before = sample_perms(ctx, 2049, 5);
	bad_tevent(ctx, &te, "before_count 2049 out of range 0..2048");
	te = ok;
	te.path = "@x";
	bad_tevent(ctx, &te, "path \"@x\" is a special path, not an absolute "
		   "one");
}

static void
bad_domain(TALLOC_CTX *ctx, const struct xss_domain *d, const char *why)
{
	struct img *im = img_lu(ctx, false);

	assert_int_equal(xss_write_domain(im->w, d), 0);
	expect_at(ctx, im, LU_NEXT, "DOMAIN_START", why);
}

static void
test_domain_fields(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct xss_domain ok = {
		.domid = 5, .conn_id = 1,
		.flags = XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION,
		.target = XSS_NO_TARGET, .evtchn_fd = 3, .page_fd = XSS_NO_FD,
	};
	struct xss_domain d = ok;

	d.domid = 0x7ff0;
	bad_domain(ctx, &d, "domid 32752 out of range 0..0x7fef");
	/* dom0: only its ring connection, never a target. */
	d.domid = 0;
	d.flags = XSS_DOM_INTRODUCED;
	d.conn_id = 0;
	bad_domain(ctx, &d, "domid 0 without INTRODUCED and CONNECTION");
	d.flags = XSS_DOM_FEATURES_SET;
	bad_domain(ctx, &d, "domid 0 without INTRODUCED and CONNECTION");
	d = ok;
	d.domid = 0;
	d.target = 3;
	bad_domain(ctx, &d, "domid 0 with target 3");
	d = ok;
	d.flags = XSS_DOM_CONNECTION;
	bad_domain(ctx, &d, "CONNECTION without INTRODUCED or IMPORTED");
	d = ok;
	d.flags = XSS_DOM_IMPORTED | XSS_DOM_CONNECTION | XSS_DOM_INTRODUCED;
	bad_domain(ctx, &d, "IMPORTED with INTRODUCED or QUIESCED");
	d = ok;
	d.flags = XSS_DOM_IMPORTED | XSS_DOM_CONNECTION | XSS_DOM_QUIESCED;
	bad_domain(ctx, &d, "IMPORTED with INTRODUCED or QUIESCED");
	d = ok;
	d.flags = XSS_DOM_INTRODUCED | XSS_DOM_QUIESCED;
	d.conn_id = 0;
	bad_domain(ctx, &d, "QUIESCED without CONNECTION");
	d = ok;
	d.conn_id = 0;
	bad_domain(ctx, &d, "CONNECTION with conn_id 0");
	d = ok;
	d.flags = XSS_DOM_INTRODUCED;
	bad_domain(ctx, &d, "conn_id 1 without CONNECTION");
	d = ok;
	d.flags |= 0x80;
	bad_domain(ctx, &d, "reserved flags 0x00000080 set (flags 0x00000083)");
	d = ok;
	d.target = 0x7ff0;
	bad_domain(ctx, &d, "target 32752 is neither a domid nor 0xffffffff");
	d = ok;
	d.evtchn_fd = -2;
	bad_domain(ctx, &d, "evtchn_fd -2 is neither a descriptor nor -1");
	d = ok;
	d.page_fd = INT32_MIN;
	bad_domain(ctx, &d, "page_fd -2147483648 is neither a descriptor nor "
		   "-1");
}

static void
test_socket_and_global_fields(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct xss_socket s = { 0, 3, 0, 0 };
	struct xss_global g = { 1, 1, XSS_NO_FD, 3, XSS_NO_FD };
	struct img *im = img_lu(ctx, false);
	struct body *b;

	assert_int_equal(xss_write_socket(im->w, &s), 0);
	expect_at(ctx, im, LU_NEXT, "SOCKET_START", "conn_id is 0");
	im = img_lu(ctx, false);
	s.conn_id = 4;
	s.fd = -3;
	assert_int_equal(xss_write_socket(im->w, &s), 0);
	expect_at(ctx, im, LU_NEXT, "SOCKET_START",
		  "fd -3 is neither a descriptor nor -1");
	im = img_lu(ctx, false);
	s.fd = 3;
	s.flags = 2;
	assert_int_equal(xss_write_socket(im->w, &s), 0);
	expect_at(ctx, im, LU_NEXT, "SOCKET_START",
		  "reserved flags 0x00000002 set (flags 0x00000002)");

	im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, false);
	assert_int_equal(xss_write_global(im->w, &g), 0);
	img_end(im);
	expect_err(ctx, im, "record #1 (GLOBAL_DATA) at offset 0x40: unknown "
		   "backend 3");
	im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, false);
	g.backend = XSS_BACKEND_XEN;
	g.socket_fd = -7;
	assert_int_equal(xss_write_global(im->w, &g), 0);
	img_end(im);
	expect_err(ctx, im, "record #1 (GLOBAL_DATA) at offset 0x40: "
		   "socket_fd -7 is neither a descriptor nor -1");
	im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, true);
	b = body_new(ctx, true);
	b_u64(b, 1);
	b_u32(b, 1);
	b_u32(b, 0);
	b_u32(b, 0);
	b_u32(b, 0);
	b_u32(b, 0);
	b_u32(b, 0x100);
	img_raw(im, XSS_REC_GLOBAL_DATA, b);
	img_end(im);
	expect_err(ctx, im, "record #1 (GLOBAL_DATA) at offset 0x40: reserved "
		   "field is 0x00000100, not 0");
}

static void
test_quota_fields(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct xss_quota_entry e[65] = { { 0 } };
	struct xss_quota q = { XSS_NO_DOMID, 3, e };
	struct img *im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, 0);
	int i;

	for (i = 0; i < 65; i++)
		e[i].id = (uint32_t)i + 1;
	e[2].id = 1000;
	img_global(im, 1);
	assert_int_equal(xss_write_quota(im->w, &q), 0);	/* unknown ok */
	img_node(im, "/", 1);
	img_end(im);
	expect_ok(ctx, im);

	e[2].id = 1;
	im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false);
	img_global(im, 1);
	assert_int_equal(xss_write_quota(im->w, &q), 0);
	img_end(im);
	expect_err(ctx, im, "record #2 (QUOTA_DATA) at offset 0x68: quota "
		   "id 1 in entries 0 and 2");

	e[2].id = 3;
	q.num = 65;
	im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false);
	img_global(im, 1);
	assert_int_equal(xss_write_quota(im->w, &q), 0);
	img_end(im);
	expect_err(ctx, im, "record #2 (QUOTA_DATA) at offset 0x68: body too "
		   "long: 788 octets, the largest QUOTA_DATA body has 776");

	q.num = 64;
	q.domid = 0;
	im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false);
	img_global(im, 1);
	assert_int_equal(xss_write_quota(im->w, &q), 0);
	img_end(im);
	expect_err(ctx, im, "record #2 (QUOTA_DATA) at offset 0x68: domid 0 "
		   "is neither 1..0x7fef nor 0xffffffff");
}

static void
test_special_fields(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	static const struct xss_perm perm = { 0, 0 };
	struct xss_special s = { "/a", { 1, &perm } };
	struct img *im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, 0);

	img_global(im, 1);
	assert_int_equal(xss_write_special(im->w, &s), 0);
	img_end(im);
	expect_err(ctx, im, "record #2 (SPECIAL_PERMS) at offset 0x68: path "
		   "\"/a\" is not a special path");
	im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false);
	img_global(im, 1);
	s.path = "@";
	assert_int_equal(xss_write_special(im->w, &s), 0);
	img_end(im);
	expect_err(ctx, im, "record #2 (SPECIAL_PERMS) at offset 0x68: "
		   "path_len 2 out of range 3..3073");
	im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false);
	img_global(im, 1);
	s.path = "@a/";
	assert_int_equal(xss_write_special(im->w, &s), 0);
	img_end(im);
	expect_err(ctx, im, "record #2 (SPECIAL_PERMS) at offset 0x68: path "
		   "\"@a/\" ends with '/'");
	im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false);
	img_global(im, 1);
	s.path = "@a";
	s.perms.num = 0;
	assert_int_equal(xss_write_special(im->w, &s), 0);
	img_end(im);
	expect_err(ctx, im, "record #2 (SPECIAL_PERMS) at offset 0x68: "
		   "perm_count 0 out of range 1..2048");
}

static void
test_crc(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, false);
	struct xss_node n = { .path = "/a", .perms = PERMS0,
			      .value = (const uint8_t *)"value", .len = 5 };
	uint32_t crc;
	uint8_t *p;
	char *want;

	assert_int_equal(xss_write_node(im->w, &n), 0);
	img_end(im);
	p = talloc_memdup(ctx, im->data, im->len);
	p[0x98 + 8 + 24 + 8 + 3] = 'V';	/* still a valid record */
	want = talloc_asprintf(ctx, "record #4 (END) at offset 0xc8: CRC "
			       "mismatch: END says 0x%08x, the image gives "
			       "0x%08x", xss_crc32c(0, im->data, 0xc8),
			       xss_crc32c(0, p, 0xc8));
	expect_msg(ctx, p, im->len, want);
	fix_crc(p, im->len, false);
	assert_int_equal(verify_mem(ctx, p, im->len, NULL), 0);
	/* The CRC covers the header too. */
	crc = xss_crc32c(0, p, 0xc8);
	p[24] = 'T';
	want = talloc_asprintf(ctx, "record #4 (END) at offset 0xc8: CRC "
			       "mismatch: END says 0x%08x, the image gives "
			       "0x%08x", crc, xss_crc32c(0, p, 0xc8));
	expect_msg(ctx, p, im->len, want);
	p[24] = 't';
	/* A zero CRC field is a CRC like any other, not "none". */
	memset(p + 0xc8 + 8, 0, 4);
	want = talloc_asprintf(ctx, "record #4 (END) at offset 0xc8: CRC "
			       "mismatch: END says 0x00000000, the image gives "
			       "0x%08x", xss_crc32c(0, p, 0xc8));
	expect_msg(ctx, p, im->len, want);
	fix_crc(p, im->len, false);
	p[0xc8 + 8] ^= 1;
	want = talloc_asprintf(ctx, "record #4 (END) at offset 0xc8: CRC "
			       "mismatch: END says 0x%08x, the image gives "
			       "0x%08x", xss_crc32c(0, p, 0xc8) ^ 1,
			       xss_crc32c(0, p, 0xc8));
	expect_msg(ctx, p, im->len, want);
	p[0xc8 + 8] ^= 1;
	p[0xc8 + 12] = 1;
	expect_msg(ctx, p, im->len, "record #4 (END) at offset 0xc8: reserved "
		   "field is 0x00000001, not 0");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_padding),
		T(test_optional_padding),
		T(test_body_too_short),
		T(test_body_too_long),
		T(test_huge_lengths),
		T(test_unknown_mandatory),
		T(test_spec_example),
		T(test_strings_and_paths),
		T(test_node_fields),
		T(test_perm_bits),
		T(test_watch_fields),
		T(test_txn_fields),
		T(test_txn_node_fields),
		T(test_txn_event_fields),
		T(test_domain_fields),
		T(test_socket_and_global_fields),
		T(test_quota_fields),
		T(test_special_fields),
		T(test_crc),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xss_reader_errors", tests, NULL,
					  NULL);
	talloc_disable_null_tracking();
	return ret;
}
