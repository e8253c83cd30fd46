// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xss_live.c - the records a live update adds (spec sections 4.14,
 * 4.15 and 5): PARTIAL_OUTPUT and LIVE_UPDATE, written and read back in
 * both byte orders, and every rule the reader holds them to.
 */
#include "xss_test.h"

static const char argv2[] = "/usr/sbin/xenstored\0-N\0";

static void
sock(struct img *im, uint32_t conn_id)
{
	struct xss_socket s = { conn_id, 7, XSS_SOCK_PRIVILEGED, 1 };

	assert_int_equal(xss_write_socket(im->w, &s), 0);
}

static struct xss_live_update
lu_rec(uint32_t conn_id)
{
	struct xss_live_update lu = {
		.conn_id = conn_id, .req_id = 42, .tx_id = 0,
		.rollback_fd = 9, .argc = 2, .argv = argv2,
		.argv_len = sizeof(argv2) - 1,
	};

	return lu;
}

/* Read im back; the records after the header, END included. */
static struct xss_record *
read_all(TALLOC_CTX *ctx, const struct img *im, unsigned int *n)
{
	struct xss_reader *r = xss_reader_new(ctx, xss_source_memory(ctx,
						im->data, im->len));
	struct xss_record *v = talloc_array(ctx, struct xss_record, 16);
	struct xss_header h;
	int got;

	assert_non_null(r);
	assert_int_equal(xss_read_header(r, &h), 0);
	*n = 0;
	while ((got = xss_read_next(r, &v[*n])) == 1) {
		/* The reader's buffers go with the next call: keep copies. */
		struct xss_record *c = &v[*n];

		if (c->type == XSS_REC_PARTIAL_OUTPUT)
			c->u.buffer.data = talloc_memdup(ctx, c->u.buffer.data,
							 c->u.buffer.len);
		if (c->type == XSS_REC_LIVE_UPDATE)
			c->u.lu.argv = talloc_memdup(ctx, c->u.lu.argv,
						     c->u.lu.argv_len);
		(*n)++;
	}
	assert_int_equal(got, 0);
	return v;
}

static void
test_roundtrip(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	bool big;

	for (big = false; ; big = true) {
		struct img *im = img_lu(ctx, big);
		struct xss_live_update lu = lu_rec(3);
		struct xss_record *v;
		unsigned int n;

		sock(im, 3);
		assert_int_equal(xss_write_partial_output(im->w, "rld", 4), 0);
		assert_int_equal(xss_write_live_update(im->w, &lu), 0);
		img_end(im);
		expect_ok(ctx, im);
		v = read_all(ctx, im, &n);
		/* GLOBAL_DATA, "/", SOCKET_START, PARTIAL, LIVE_UPDATE */
		assert_int_equal(n, 5);
		assert_int_equal(v[3].type, XSS_REC_PARTIAL_OUTPUT);
		assert_int_equal(v[3].u.buffer.len, 4);
		assert_memory_equal(v[3].u.buffer.data, "rld", 4);
		assert_int_equal(v[4].type, XSS_REC_LIVE_UPDATE);
		assert_int_equal(v[4].u.lu.conn_id, 3);
		assert_int_equal(v[4].u.lu.req_id, 42);
		assert_int_equal(v[4].u.lu.rollback_fd, 9);
		assert_int_equal(v[4].u.lu.argc, 2);
		assert_int_equal(v[4].u.lu.argv_len, sizeof(argv2) - 1);
		assert_memory_equal(v[4].u.lu.argv, argv2, sizeof(argv2) - 1);
		if (big)
			break;
	}
}

/* Byte-exact: the LIVE_UPDATE body as section 4.15 lays it out. */
static void
test_layout(void **state)
{
	static const uint8_t want[] = {
		0x0e, 0, 0, 0, 24 + 23, 0, 0, 0,	/* type, len */
		3, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0,	/* conn, req, tx */
		9, 0, 0, 0, 2, 0, 0, 0, 23, 0, 0, 0,	/* fd, argc, len */
		'/', 'u', 's', 'r', '/', 's', 'b', 'i', 'n', '/', 'x', 'e',
		'n', 's', 't', 'o', 'r', 'e', 'd', 0, '-', 'N', 0,
		0,					/* padding */
	};
	TALLOC_CTX *ctx = ROOT(state);
	struct xss_sink *s = xss_sink_memory(ctx);
	struct xss_writer *w = xss_writer_new(ctx, s, XSS_KIND_LIVE_UPDATE,
					      XSS_NO_DOMID, PRODUCER, false);
	struct xss_live_update lu = lu_rec(3);
	const uint8_t *data;
	size_t len;

	assert_int_equal(xss_write_live_update(w, &lu), 0);
	data = xss_sink_data(s, &len);
	assert_int_equal(len, XSS_HEADER_LEN + sizeof(want));
	assert_memory_equal(data + XSS_HEADER_LEN, want, sizeof(want));
}

static void
fails(TALLOC_CTX *ctx, struct img *im, const char *want)
{
	img_end(im);
	expect_err(ctx, im, want);
}

static void
test_rules(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct xss_live_update lu = lu_rec(3);
	struct img *im;

	/* Only in LIVE_UPDATE images. */
	im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, false);
	img_global(im, 1000);
	img_node(im, "/", 1);
	sock(im, 3);
	assert_int_equal(xss_write_live_update(im->w, &lu), 0);
	fails(ctx, im, "record #4 (LIVE_UPDATE) at offset 0xb0: "
	      "LIVE_UPDATE in a DUMP image");

	/* It names a connection of the image. */
	im = img_lu(ctx, false);
	sock(im, 4);
	assert_int_equal(xss_write_live_update(im->w, &lu), 0);
	fails(ctx, im, "record #4 (LIVE_UPDATE) at offset 0xb0: conn_id 3 "
	      "names no connection of the image");

	/* Only END follows it, and it comes once. */
	im = img_lu(ctx, false);
	sock(im, 3);
	assert_int_equal(xss_write_live_update(im->w, &lu), 0);
	sock(im, 4);
	fails(ctx, im, "record #5 (SOCKET_START) at offset 0xe8: "
	      "SOCKET_START after LIVE_UPDATE, which only END may follow");

	/* argc and argv agree. */
	im = img_lu(ctx, false);
	sock(im, 3);
	lu.argc = 3;
	assert_int_equal(xss_write_live_update(im->w, &lu), 0);
	fails(ctx, im, "record #4 (LIVE_UPDATE) at offset 0xb0: argv holds "
	      "2 strings, argc says 3");
	lu = lu_rec(3);

	/* argv ends with a NUL. */
	im = img_lu(ctx, false);
	sock(im, 3);
	lu.argv_len--;
	assert_int_equal(xss_write_live_update(im->w, &lu), 0);
	fails(ctx, im, "record #4 (LIVE_UPDATE) at offset 0xb0: argv not "
	      "NUL-terminated");
	lu = lu_rec(3);

	/* A partial message comes after the input, before whole output. */
	im = img_lu(ctx, false);
	sock(im, 3);
	assert_int_equal(xss_write_output(im->w, "x", 1), 0);
	assert_int_equal(xss_write_partial_output(im->w, "y", 1), 0);
	fails(ctx, im, "record #5 (PARTIAL_OUTPUT) at offset 0xc0: "
	      "PARTIAL_OUTPUT after GUEST_RING_DATA in the same group");

	im = img_lu(ctx, false);
	sock(im, 3);
	assert_int_equal(xss_write_partial_output(im->w, "y", 1), 0);
	assert_int_equal(xss_write_partial_output(im->w, "z", 1), 0);
	fails(ctx, im, "record #5 (PARTIAL_OUTPUT) at offset 0xc0: second "
	      "PARTIAL_OUTPUT in the group (the first is record #4)");

	/* Never empty, never more than one message's worth. */
	im = img_lu(ctx, false);
	sock(im, 3);
	assert_int_equal(xss_write_raw(im->w, XSS_REC_PARTIAL_OUTPUT, "", 0),
			 0);
	fails(ctx, im, "record #4 (PARTIAL_OUTPUT) at offset 0xb0: empty: a "
	      "PARTIAL_OUTPUT holds at least one octet");
	{
		uint8_t *big = talloc_zero_array(ctx, uint8_t,
						 XSS_MAX_PARTIAL + 1);

		im = img_lu(ctx, false);
		sock(im, 3);
		assert_int_equal(xss_write_raw(im->w, XSS_REC_PARTIAL_OUTPUT,
					       big, XSS_MAX_PARTIAL + 1), 0);
		fails(ctx, im, "record #4 (PARTIAL_OUTPUT) at offset 0xb0: "
		      "body too long: 4112 octets, the largest "
		      "PARTIAL_OUTPUT body has 4111");
		assert_int_equal(xss_write_partial_output(im->w, big, 0),
				 EINVAL);
	}
}

/* A LIVE_UPDATE image with GLOBAL_DATA and STORE_FD instead of nodes. */
static struct img *
img_store(TALLOC_CTX *ctx, const struct xss_owner *o, uint32_t n)
{
	struct img *im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID,
				 false);
	struct xss_store_fd sf = { 5, 1, 1000, n, o };

	img_global(im, 1000);
	assert_int_equal(xss_write_store_fd(im->w, &sf), 0);
	return im;
}

static void
test_store_fd(void **state)
{
	static const struct xss_owner owners[] = { { 0, 900, 65536 },
						   { 7, 101, 300 } };
	static const uint8_t want[] = {
		0x0f, 0, 0, 0, 48, 0, 0, 0,		/* type, len */
		5, 0, 0, 0, 1, 0, 0, 0,			/* fd, format */
		0xe8, 3, 0, 0, 2, 0, 0, 0,		/* nodes, owners */
		0, 0, 0, 0, 0x84, 3, 0, 0,		/* dom0: 900 nodes, */
		0, 0, 1, 0, 0, 0, 0, 0,			/* 65536 bytes */
		7, 0, 0, 0, 101, 0, 0, 0,		/* dom7: 101 nodes, */
		0x2c, 1, 0, 0, 0, 0, 0, 0,		/* 300 bytes */
	};
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im;
	struct xss_record *v;
	unsigned int n;

	/* Byte-exact, and read back; groups may follow. */
	im = img_store(ctx, owners, 2);
	sock(im, 3);
	img_end(im);
	expect_ok(ctx, im);
	assert_memory_equal(im->data + XSS_HEADER_LEN + 8 + 32, want,
			    sizeof(want));
	v = read_all(ctx, im, &n);
	assert_int_equal(v[1].type, XSS_REC_STORE_FD);
	assert_int_equal(v[1].u.store.nowners, 2);

	/* Not with NODE_DATA: the nodes come one way or the other. */
	im = img_store(ctx, owners, 2);
	img_node(im, "/a", 1);
	fails(ctx, im, "record #3 (NODE_DATA) at offset 0xa0: NODE_DATA in "
	      "an image whose store is a file (STORE_FD, record #2)");
	{
		struct xss_store_fd sf = { 5, 1, 1000, 0, NULL };

		im = img_lu(ctx, false);
		assert_int_equal(xss_write_store_fd(im->w, &sf), 0);
		fails(ctx, im, "record #3 (STORE_FD) at offset 0x98: "
		      "STORE_FD after NODE_DATA: the nodes come one way or "
		      "the other");
		/* Only in a live update. */
		im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, false);
		img_global(im, 1000);
		assert_int_equal(xss_write_store_fd(im->w, &sf), 0);
		fails(ctx, im, "record #2 (STORE_FD) at offset 0x68: "
		      "STORE_FD in a DUMP image");
		/* A descriptor. */
		im = img_new(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false);
		img_global(im, 1000);
		sf.fd = -1;
		assert_int_equal(xss_write_store_fd(im->w, &sf), 0);
		fails(ctx, im, "record #2 (STORE_FD) at offset 0x68: fd -1 "
		      "is not a descriptor");
	}
	/* Owners once each, real domids. */
	{
		static const struct xss_owner twice[] = { { 3, 1, 8 },
							  { 3, 2, 8 } };
		static const struct xss_owner big[] = { { 0x7ff0, 1, 8 } };

		im = img_store(ctx, twice, 2);
		fails(ctx, im, "record #2 (STORE_FD) at offset 0x68: owner "
		      "domain 3 given twice (first in record #2)");
		im = img_store(ctx, big, 1);
		fails(ctx, im, "record #2 (STORE_FD) at offset 0x68: "
		      "owners[0]: domid 32752 above 32751");
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_roundtrip),
		T(test_layout),
		T(test_rules),
		T(test_store_fd),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xss_live", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
