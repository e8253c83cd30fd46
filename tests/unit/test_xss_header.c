// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xss_header.c - the 64-octet header: every field and every way it
 * can be wrong, with the reader's exact messages.
 */
#include "xss_test.h"

/* A valid image to patch: LIVE_UPDATE, little-endian. */
static uint8_t *
image(TALLOC_CTX *ctx, uint32_t kind, uint32_t domid, bool big, size_t *len)
{
	struct img *im = img_new(ctx, kind, domid, big);
	struct xss_domain d = {
		.domid = domid, .target = XSS_NO_TARGET,
		.evtchn_fd = XSS_NO_FD, .page_fd = XSS_NO_FD,
	};

	if (kind == XSS_KIND_MIGRATION) {
		assert_int_equal(xss_write_domain(im->w, &d), 0);
	} else {
		img_global(im, 1);
		img_node(im, "/", 1);
	}
	img_end(im);
	*len = im->len;
	return talloc_memdup(ctx, im->data, im->len);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Only the header: read it and expect this error (and errno). */
static void
header_fails(TALLOC_CTX *ctx, const uint8_t *p, size_t len, const char *want)
{
	struct xss_source *src = xss_source_memory(ctx, p, len);
	struct xss_reader *r = xss_reader_new(ctx, src);
	struct xss_header h;
	struct xss_record rec;

	assert_int_equal(xss_read_header(r, &h), EBADMSG);
	assert_string_equal(xss_reader_error(r), want);
	/* Sticky. */
	assert_int_equal(xss_read_header(r, &h), EBADMSG);
	assert_int_equal(xss_read_next(r, &rec), -1);
	assert_string_equal(xss_reader_error(r), want);
	/* xss_verify and xss_read_next say the same on a fresh reader. */
	expect_msg(ctx, p, len, want);
	talloc_free(r);
	talloc_free(src);
}

static void
test_valid_header(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	size_t len;
	uint8_t *p = image(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, true, &len);
	struct xss_source *src = xss_source_memory(ctx, p, len);
	struct xss_reader *r = xss_reader_new(ctx, src);
	struct xss_header h;

	assert_null(xss_reader_error(r));
	assert_int_equal(xss_read_header(r, &h), 0);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.kind, XSS_KIND_DUMP);
	assert_int_equal(h.domid, XSS_NO_DOMID);
	assert_true(h.big_endian);
	assert_string_equal(h.producer, PRODUCER);
	memset(&h, 0, sizeof(h));
	assert_int_equal(xss_read_header(r, &h), 0);	/* again: same */
	assert_int_equal(h.kind, XSS_KIND_DUMP);
	assert_int_equal(xss_verify(r), 0);
	assert_null(xss_reader_error(r));
}

static void
test_bad_ident(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	size_t len;
	uint8_t *p = image(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false,
			   &len);

	p[7] = 'f';
	header_fails(ctx, p, len,
		     "header: bad ident \"xs-statf\", not \"xs-state\"");
	memcpy(p, "xenstore", 8);
	header_fails(ctx, p, len,
		     "header: bad ident \"xenstore\", not \"xs-state\"");
	memset(p, 0, 8);
	header_fails(ctx, p, len, "header: bad ident "
		     "\"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\", not "
		     "\"xs-state\"");
}

static void
test_versions(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	size_t len;
	uint8_t *p = image(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false,
			   &len);

	put_be32(p + 8, 0);
	header_fails(ctx, p, len, "header: unsupported version 0 (this "
		     "reader accepts 1 to 1)");
	put_be32(p + 8, 2);
	header_fails(ctx, p, len, "header: unsupported version 2 (this "
		     "reader accepts 1 to 1)");
	/* Version is big-endian whatever the flags say. */
	put_be32(p + 8, 0x01000000u);
	header_fails(ctx, p, len, "header: unsupported version 16777216 "
		     "(this reader accepts 1 to 1)");
}

static void
test_reserved_flags(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	size_t len;
	uint8_t *p = image(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false,
			   &len);

	put_be32(p + 12, 2);
	header_fails(ctx, p, len, "header: reserved flags 0x00000002 set "
		     "(flags 0x00000002)");
	put_be32(p + 12, 0x80000001u);
	header_fails(ctx, p, len, "header: reserved flags 0x80000000 set "
		     "(flags 0x80000001)");
}

static void
test_kinds(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	size_t len;
	uint8_t *p = image(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false,
			   &len);

	put_le32(p + 16, 0);
	header_fails(ctx, p, len, "header: unknown kind 0");
	put_le32(p + 16, 4);
	header_fails(ctx, p, len, "header: unknown kind 4");
	/* The kind is in the records' order: flip the flag, not the kind. */
	put_le32(p + 16, XSS_KIND_LIVE_UPDATE);
	put_be32(p + 12, XSS_FLAG_BIG_ENDIAN);
	header_fails(ctx, p, len, "header: unknown kind 16777216");
}

static void
test_domid_rules(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	size_t len;
	uint8_t *p = image(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false,
			   &len);
	struct xss_source *src;
	struct xss_reader *r;
	struct xss_header h;

	put_le32(p + 20, 0);
	header_fails(ctx, p, len, "header: domid 0x0 in a LIVE_UPDATE image, "
		     "must be 0xffffffff");
	p = image(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, true, &len);
	put_be32(p + 20, 7);
	header_fails(ctx, p, len, "header: domid 0x7 in a DUMP image, must "
		     "be 0xffffffff");

	p = image(ctx, XSS_KIND_MIGRATION, 0x7fef, false, &len);
	assert_int_equal(verify_mem(ctx, p, len, NULL), 0);
	put_le32(p + 20, 0x7ff0);
	header_fails(ctx, p, len, "header: MIGRATION of domid 0x7ff0, "
		     "outside 0..0x7fef");
	put_le32(p + 20, XSS_NO_DOMID);
	header_fails(ctx, p, len, "header: MIGRATION of domid 0xffffffff, "
		     "outside 0..0x7fef");

	/* Domain 0 passes the header (0..0x7fef), not DOMAIN_START. */
	put_le32(p + 20, 0);
	src = xss_source_memory(ctx, p, len);
	r = xss_reader_new(ctx, src);
	assert_int_equal(xss_read_header(r, &h), 0);
	assert_int_equal(h.domid, 0);
	assert_int_equal(h.kind, XSS_KIND_MIGRATION);
	assert_int_equal(xss_verify(r), -1);
	assert_string_equal(xss_reader_error(r), "record #1 (DOMAIN_START) "
			    "at offset 0x40: DOMAIN_START of domain 32751 in "
			    "a MIGRATION image of domain 0");
}

static void
test_producer(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	size_t len;
	uint8_t *p = image(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false,
			   &len);
	uint8_t *q = talloc_memdup(ctx, p, len);
	struct xss_source *src;
	struct xss_reader *r;
	struct xss_header h;

	/* 31 printable octets and a NUL: the longest producer. */
	memset(q + 24, '~', 31);
	fix_crc(q, len, false);
	src = xss_source_memory(ctx, q, len);
	r = xss_reader_new(ctx, src);
	assert_int_equal(xss_read_header(r, &h), 0);
	assert_int_equal(strlen(h.producer), 31);
	assert_int_equal(xss_verify(r), 0);
	/* An empty producer. */
	memset(q + 24, 0, 32);
	fix_crc(q, len, false);
	assert_int_equal(verify_mem(ctx, q, len, NULL), 0);

	memset(q + 24, 'x', 32);
	header_fails(ctx, q, len, "header: producer not NUL-terminated");
	memcpy(q + 24, p + 24, 32);
	q[26] = 7;
	header_fails(ctx, q, len, "header: producer has a non-printable "
		     "octet 0x07 at 2");
	q[26] = 0x80;
	header_fails(ctx, q, len, "header: producer has a non-printable "
		     "octet 0x80 at 2");
	memcpy(q + 24, p + 24, 32);
	q[24 + 20] = 'A';
	header_fails(ctx, q, len, "header: producer has octet 0x41 at 20 "
		     "after its NUL");
}

static void
test_reserved_octets(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	size_t len, i;
	uint8_t *p = image(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false,
			   &len);
	char want[80];

	for (i = 56; i < 64; i++) {
		p[i] = 0x10;
		snprintf(want, sizeof(want), "header: reserved octet %zu is "
			 "0x10, not 0", i);
		header_fails(ctx, p, len, want);
		p[i] = 0;
	}
}

static void
test_short_images(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	size_t len, i;
	uint8_t *p = image(ctx, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, false,
			   &len);
	char want[80];

	header_fails(ctx, p, 0, "header: empty image");
	header_fails(ctx, NULL, 0, "header: empty image");
	for (i = 1; i < 64; i++) {
		snprintf(want, sizeof(want), "header: truncated: %zu of 64 "
			 "octets", i);
		header_fails(ctx, p, i, want);
	}
	/* A header alone is a valid header, but no image. */
	expect_msg(ctx, p, 64, "record #1 at offset 0x40: image ends without "
		   "END");
}

static void
test_no_source(void **state)
{
	struct xss_reader *r = xss_reader_new(ROOT(state), NULL);
	struct xss_header h;

	assert_non_null(r);
	assert_int_equal(xss_read_header(r, &h), EINVAL);
	assert_string_equal(xss_reader_error(r), "header: no source");
	assert_int_equal(xss_verify(r), -1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_header),
		T(test_bad_ident),
		T(test_versions),
		T(test_reserved_flags),
		T(test_kinds),
		T(test_domid_rules),
		T(test_producer),
		T(test_reserved_octets),
		T(test_short_images),
		T(test_no_source),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xss_header", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
