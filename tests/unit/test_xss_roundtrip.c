// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xss_roundtrip.c - write -> read -> compare for every record type in
 * both byte orders and all image kinds; write -> read -> write gives the
 * same octets; the octets themselves match the spec's layout.
 */
#include "xss_test.h"

/* Read im back and compare every record with s, offsets included. */
static void
read_back(TALLOC_CTX *ctx, const struct sample *s, const struct img *im,
	  const uint64_t *offsets, bool big)
{
	struct xss_source *src = xss_source_memory(ctx, im->data, im->len);
	struct xss_reader *r = xss_reader_new(ctx, src);
	struct xss_header h;
	struct xss_record rec;
	size_t i;

	assert_int_equal(xss_read_header(r, &h), 0);
	assert_int_equal(h.version, XSS_VERSION);
	assert_int_equal(h.kind, s->kind);
	assert_int_equal(h.domid, s->domid);
	assert_string_equal(h.producer, PRODUCER);
	assert_int_equal(h.big_endian, big);
	for (i = 0; i < s->n; i++) {
		int ret = xss_read_next(r, &rec);

		if (ret != 1)
			fail_msg("record %zu: %d %s", i + 1, ret,
				 xss_reader_error(r));
		assert_int_equal(rec.index, i + 1);
		assert_int_equal(rec.offset, offsets[i]);
		assert_rec_equal(&s->recs[i], &rec);
	}
	assert_int_equal(xss_read_next(r, &rec), 0);
	assert_int_equal(rec.type, XSS_REC_END);
	assert_int_equal(rec.index, s->n + 1);
	assert_int_equal(rec.offset, im->len - 16);
	assert_int_equal(rec.u.end.crc, xss_crc32c(0, im->data, im->len - 16));
	/* Done stays done. */
	assert_int_equal(xss_read_next(r, &rec), 0);
	assert_int_equal(rec.type, XSS_REC_END);
	assert_null(xss_reader_error(r));
	assert_int_equal(xss_read_header(r, &h), 0);
	assert_int_equal(h.kind, s->kind);
	talloc_free(r);
	talloc_free(src);
}

static void
round_trip(TALLOC_CTX *ctx, const struct sample *s, bool big)
{
	uint64_t *offsets = talloc_array(ctx, uint64_t, s->n);
	struct img *im;

	assert_non_null(offsets);
	im = sample_write(ctx, s, big, offsets);
	assert_int_equal(im->len % 8, 0);
	assert_int_equal(xss_writer_offset(im->w), im->len);
	read_back(ctx, s, im, offsets, big);
	talloc_free(im);
	talloc_free(offsets);
}

static void
test_live_update_le(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);

	round_trip(ctx, sample_full(ctx, XSS_KIND_LIVE_UPDATE, false), false);
}

static void
test_live_update_be(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);

	round_trip(ctx, sample_full(ctx, XSS_KIND_LIVE_UPDATE, false), true);
}

static void
test_dump_both_orders(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct sample *s = sample_full(ctx, XSS_KIND_DUMP, false);

	round_trip(ctx, s, false);
	round_trip(ctx, s, true);
}

static void
test_migration_both_orders(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct sample *s = sample_migration(ctx);

	round_trip(ctx, s, false);
	round_trip(ctx, s, true);
}

/* The largest GUEST_RING_DATA there can be: 64 MiB. */
static void
test_largest_output(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);

	round_trip(ctx, sample_full(ctx, XSS_KIND_LIVE_UPDATE, true), false);
}

/* The smallest images of each kind. */
static void
test_minimal_images(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, false);
	struct xss_domain d = {
		.domid = 0x7fef, .target = XSS_NO_TARGET,
		.evtchn_fd = XSS_NO_FD, .page_fd = XSS_NO_FD,
	};

	img_end(im);
	assert_int_equal(im->len, 64 + 40 + 48 + 16);
	expect_ok(ctx, im);

	im = img_new(ctx, XSS_KIND_MIGRATION, 0x7fef, true);
	assert_int_equal(xss_write_domain(im->w, &d), 0);
	img_end(im);
	assert_int_equal(im->len, 64 + 56 + 16);
	expect_ok(ctx, im);
}

/* Decode, encode again with the writer: the same octets. */
static void
rewrite(TALLOC_CTX *ctx, const struct img *im)
{
	struct xss_source *src = xss_source_memory(ctx, im->data, im->len);
	struct xss_reader *r = xss_reader_new(ctx, src);
	struct xss_sink *sink = xss_sink_memory(ctx);
	struct xss_writer *w;
	struct xss_header h;
	struct xss_record rec;
	const uint8_t *out;
	size_t len;
	int ret;

	assert_int_equal(xss_read_header(r, &h), 0);
	w = xss_writer_new(ctx, sink, h.kind, h.domid, h.producer,
			   h.big_endian);
	while ((ret = xss_read_next(r, &rec)) == 1)
		assert_int_equal(write_record(w, &rec), 0);
	assert_int_equal(ret, 0);
	assert_int_equal(xss_write_end(w), 0);
	out = xss_sink_data(sink, &len);
	assert_int_equal(len, im->len);
	assert_memory_equal(out, im->data, len);
	talloc_free(w);
	talloc_free(sink);
	talloc_free(r);
	talloc_free(src);
}

static void
test_rewrite_identical(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct sample *full = sample_full(ctx, XSS_KIND_LIVE_UPDATE, false);
	struct sample *mig = sample_migration(ctx);

	rewrite(ctx, sample_write(ctx, full, false, NULL));
	rewrite(ctx, sample_write(ctx, full, true, NULL));
	rewrite(ctx, sample_write(ctx, mig, false, NULL));
	rewrite(ctx, sample_write(ctx, mig, true, NULL));
}

/* Both orders hold the same records: only the multi-octet fields differ. */
static void
test_orders_differ_in_fields_only(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct sample *s = sample_migration(ctx);
	struct img *le = sample_write(ctx, s, false, NULL);
	struct img *be = sample_write(ctx, s, true, NULL);

	assert_int_equal(le->len, be->len);
	assert_memory_equal(le->data, be->data, 12);	/* ident, version */
	assert_int_equal(le->data[15], 0);		/* flags */
	assert_int_equal(be->data[15], 1);
	/* kind 2 and domid 5, each in its order. */
	assert_int_equal(le->data[16], 2);
	assert_int_equal(be->data[19], 2);
	assert_int_equal(le->data[20], 5);
	assert_int_equal(be->data[23], 5);
	assert_memory_equal(le->data + 24, be->data + 24, 40);
}

/* The octets of a small image, laid out by hand from the spec. */
static void
golden(TALLOC_CTX *ctx, bool big)
{
	uint8_t want[64 + 40 + 48 + 16] = { 0 };
	struct img *im = img_lu(ctx, big);
	uint8_t *p = want;

	/* header */
	memcpy(p, "xs-state", 8);
	put32(p + 8, 1, true);
	put32(p + 12, big ? 1 : 0, true);
	put32(p + 16, XSS_KIND_LIVE_UPDATE, big);
	put32(p + 20, 0xffffffffu, big);
	memcpy(p + 24, PRODUCER, strlen(PRODUCER));
	p += 64;
	/* GLOBAL_DATA: generation 1000, next_conn_id 100, fds -1 */
	put32(p, 8, big);
	put32(p + 4, 32, big);
	put32(p + 8 + (big ? 4 : 0), 1000, big);
	put32(p + 16, 100, big);
	put32(p + 20, 0xffffffffu, big);
	put32(p + 24, 0, big);
	put32(p + 28, 0xffffffffu, big);
	p += 40;
	/* NODE_DATA "/", gen 1, perms n0, no value: 24 + 8 + 2 = 34 */
	put32(p, 1, big);
	put32(p + 4, 34, big);
	put32(p + 8 + (big ? 4 : 0), 1, big);
	put32(p + 16, 2, big);
	put32(p + 20, 1, big);
	p[40] = '/';
	p += 48;
	/* END */
	put32(p, 0, big);
	put32(p + 4, 8, big);
	put32(p + 8, xss_crc32c(0, want, (size_t)(p - want)), big);

	img_end(im);
	assert_int_equal(im->len, sizeof(want));
	assert_memory_equal(im->data, want, sizeof(want));
	expect_ok(ctx, im);
}

static void
test_golden_octets(void **state)
{
	golden(ROOT(state), false);
	golden(ROOT(state), true);
}

/* Optional records of unknown types are skipped, but counted. */
static void
test_optional_skipped(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, true);
	static const uint8_t body[13] = "optional body";
	struct xss_source *src;
	struct xss_reader *r;
	struct xss_record rec;
	uint8_t *big;

	big = talloc_zero_array(ctx, uint8_t, 200000);
	assert_non_null(big);
	assert_int_equal(xss_write_raw(im->w, 0x80000000u, NULL, 0), 0);
	img_global(im, 10);
	assert_int_equal(xss_write_raw(im->w, 0x80001234u, body,
				       sizeof(body)), 0);
	img_node(im, "/", 1);
	assert_int_equal(xss_write_raw(im->w, 0xffffffffu, big, 200000), 0);
	img_end(im);

	src = xss_source_memory(ctx, im->data, im->len);
	r = xss_reader_new(ctx, src);
	assert_int_equal(xss_read_next(r, &rec), 1);
	assert_int_equal(rec.type, XSS_REC_GLOBAL_DATA);
	assert_int_equal(rec.index, 2);
	assert_int_equal(rec.offset, 64 + 8);
	assert_int_equal(xss_read_next(r, &rec), 1);
	assert_int_equal(rec.type, XSS_REC_NODE_DATA);
	assert_int_equal(rec.index, 4);
	assert_int_equal(rec.offset, 64 + 8 + 40 + 24);
	assert_int_equal(xss_read_next(r, &rec), 0);
	assert_int_equal(rec.index, 6);
	assert_string_equal(xss_type_name(0x80001234u), "OPTIONAL");
}

/* Decoded pointers stay valid until the next call. */
static void
test_pointers_until_next(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct sample *s = sample_full(ctx, XSS_KIND_LIVE_UPDATE, false);
	struct img *im = sample_write(ctx, s, true, NULL);
	struct xss_source *src = xss_source_memory(ctx, im->data, im->len);
	struct xss_reader *r = xss_reader_new(ctx, src);
	struct xss_record rec, prev;
	size_t i = 0;
	int ret;

	assert_int_equal(xss_read_next(r, &prev), 1);
	/* Compare each record once more after the reader kept it. */
	while ((ret = xss_read_next(r, &rec)) == 1) {
		assert_rec_equal(&s->recs[i + 1], &rec);
		prev = rec;
		assert_rec_equal(&s->recs[i + 1], &prev);
		i++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(i + 1, s->n);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_live_update_le),
		T(test_live_update_be),
		T(test_dump_both_orders),
		T(test_migration_both_orders),
		T(test_largest_output),
		T(test_minimal_images),
		T(test_rewrite_identical),
		T(test_orders_differ_in_fields_only),
		T(test_golden_octets),
		T(test_optional_skipped),
		T(test_pointers_until_next),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xss_roundtrip", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
