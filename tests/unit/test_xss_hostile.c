// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xss_hostile.c - the reader against hostile input: every truncation
 * and every single-bit flip of a valid image of every record type,
 * records dropped, repeated and moved, random garbage, huge lengths and
 * counts.  Each input is rejected with a message, or (with the CRC made
 * to match) it is a valid image that the writer reproduces octet for
 * octet.  No crash, no leak, no allocation beyond a small limit.
 */
#include "xss_test.h"

/* No input here may make the reader hold more than this at a time. */
#define MEMLIMIT (4 * 1024 * 1024)

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * Read p completely.  0: valid, and then encoding the decoded records
 * again must give back exactly p (without its optional records).
 * -1: rejected with a message that names the header or a record, never
 * for lack of memory.
 */
static int
judge(TALLOC_CTX *ctx, const uint8_t *p, size_t len)
{
	TALLOC_CTX *tmp = talloc_new(ctx);
	struct xss_source *src = xss_source_memory(tmp, p, len);
	struct xss_reader *r = xss_reader_new(tmp, src);
	struct xss_sink *sink = xss_sink_memory(tmp);
	struct xss_writer *w = NULL;
	struct xss_header h;
	struct xss_record rec;
	const uint8_t *out;
	size_t out_len;
	int ret;

	if (xss_read_header(r, &h) == 0) {
		w = xss_writer_new(tmp, sink, h.kind, h.domid, h.producer,
				   h.big_endian);
		/* What the reader holds for the record it just read. */
		while ((ret = xss_read_next(r, &rec)) == 1) {
			assert_true(talloc_total_size(r) < MEMLIMIT);
			assert_int_equal(write_record(w, &rec), 0);
		}
		assert_true(talloc_total_size(r) < MEMLIMIT);
	} else {
		ret = -1;
	}
	if (ret) {
		const char *msg = xss_reader_error(r);

		assert_non_null(msg);
		if (strncmp(msg, "header: ", 8) && strncmp(msg, "record #", 8))
			fail_msg("odd message: %s", msg);
		if (strstr(msg, "out of memory"))
			fail_msg("allocated too much: %s", msg);
		talloc_free(tmp);
		return -1;
	}
	assert_null(xss_reader_error(r));
	assert_int_equal(xss_write_end(w), 0);
	out = xss_sink_data(sink, &out_len);
	p = strip_optional(tmp, p, len, h.big_endian, &len);
	assert_non_null(p);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, p, len);
	talloc_free(tmp);
	return 0;
}

static struct img *
small_image(TALLOC_CTX *ctx, bool big)
{
	return sample_write(ctx, sample_small(ctx), big, NULL);
}

/* Every truncation of valid images of every type is rejected. */
static void
test_truncation(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *ims[3] = {
		small_image(ctx, false),
		small_image(ctx, true),
		sample_write(ctx, sample_migration(ctx), true, NULL),
	};
	uint64_t *offsets;
	size_t i, len;
	int k;
	char *msg;

	for (k = 0; k < 3; k++) {
		assert_int_equal(judge(ctx, ims[k]->data, ims[k]->len), 0);
		for (len = 0; len < ims[k]->len; len++)
			assert_int_equal(judge(ctx, ims[k]->data, len), -1);
	}
	/* At a record boundary the image just ends without END. */
	offsets = talloc_array(ctx, uint64_t, 100);
	sample_write(ctx, sample_small(ctx), false, offsets);
	for (i = 1; i < sample_small(ctx)->n; i++) {
		assert_int_equal(verify_mem(ctx, ims[0]->data, offsets[i],
					    &msg), -1);
		assert_string_equal(msg, talloc_asprintf(ctx, "record #%zu at "
				    "offset 0x%llx: image ends without END",
				    i + 1, (unsigned long long)offsets[i]));
	}
}

/*
 * Every single-bit flip: rejected (the CRC sees them all); with the CRC
 * recomputed, rejected or still a valid, canonical image.
 */
static void
flips(TALLOC_CTX *ctx, const struct img *im)
{
	uint8_t *p = talloc_memdup(ctx, im->data, im->len);
	size_t bit, valid = 0;

	for (bit = 0; bit < im->len * 8; bit++) {
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(judge(ctx, p, im->len), -1);
		fix_crc(p, im->len, im->big);
		if (!judge(ctx, p, im->len))
			valid++;
		memcpy(p, im->data, im->len);
	}
	/* Some flips (values, ids, generations) stay valid. */
	assert_true(valid > 0);
	talloc_free(p);
}

static void
test_bit_flips(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);

	flips(ctx, small_image(ctx, false));
	flips(ctx, small_image(ctx, true));
	flips(ctx, sample_write(ctx, sample_migration(ctx), false, NULL));
}

/* Octets set to interesting values, one at a time. */
static void
test_byte_values(void **state)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x02, 0x07, 0x08, 0x2f,
					  0x40, 0x7f, 0x80, 0xfe, 0xff };
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = small_image(ctx, false);
	uint8_t *p = talloc_memdup(ctx, im->data, im->len);
	size_t i, v;

	for (i = 0; i < im->len; i++) {
		for (v = 0; v < sizeof(values); v++) {
			p[i] = values[v];
			fix_crc(p, im->len, false);
			judge(ctx, p, im->len);
		}
		memcpy(p, im->data, im->len);
	}
}

/* Records dropped, repeated and moved (CRC fixed): reject or canonical. */
static void
test_record_shuffles(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct sample *s = sample_small(ctx);
	uint64_t *off = talloc_array(ctx, uint64_t, s->n + 1);
	struct img *im = sample_write(ctx, s, false, off);
	size_t n = s->n, i, j, len, valid = 0, tries = 0;
	uint8_t *p = talloc_size(ctx, im->len * 2);

	off[n] = im->len - 16;	/* END */
#define REC(k) (im->data + off[k]), (size_t)(off[(k) + 1] - off[k])
	for (i = 0; i < n; i++) {
		for (j = 0; j <= n; j++) {
			size_t k;

			/* Record i moved before record j (i == j: dropped
			 * and put back; i + 1 == j: unchanged). */
			len = 64;
			memcpy(p, im->data, 64);
			for (k = 0; k <= n; k++) {
				if (k == j) {
					memcpy(p + len, REC(i));
					len += off[i + 1] - off[i];
				}
				if (k == i || k == n)
					continue;
				memcpy(p + len, REC(k));
				len += off[k + 1] - off[k];
			}
			memcpy(p + len, im->data + im->len - 16, 16);
			len += 16;
			fix_crc(p, len, false);
			tries++;
			valid += !judge(ctx, p, len);

			/* Record i repeated before record j. */
			len = 64;
			memcpy(p, im->data, 64);
			for (k = 0; k <= n; k++) {
				if (k == j) {
					memcpy(p + len, REC(i));
					len += off[i + 1] - off[i];
				}
				if (k == n)
					continue;
				memcpy(p + len, REC(k));
				len += off[k + 1] - off[k];
			}
			memcpy(p + len, im->data + im->len - 16, 16);
			len += 16;
			fix_crc(p, len, false);
			tries++;
			valid += !judge(ctx, p, len);
		}
	}
#undef REC
	/* Unchanged orders at least, and a few harmless moves. */
	assert_true(valid >= n);
	assert_true(valid < tries);
}

static void
test_random_garbage(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = small_image(ctx, false);
	uint8_t *p = talloc_size(ctx, 8192);
	int round;
	size_t i, len;

	for (round = 0; round < 3000; round++) {
		len = rnd() % 8192;
		for (i = 0; i < len; i++)
			p[i] = (uint8_t)rnd();
		/* A valid header half of the time, to get past it. */
		if (round % 2 && len >= 64)
			memcpy(p, im->data, 64);
		/* Then sometimes a valid prefix of records. */
		if (round % 4 == 3 && len >= 0x98)
			memcpy(p, im->data, 0x98);
		assert_int_equal(judge(ctx, p, len), -1);
	}
}

/* A record header with this type and length, then END-sized zeros. */
static void
huge(TALLOC_CTX *ctx, uint32_t type, uint32_t len, bool big)
{
	struct img *im = img_lu_dom(ctx, big);
	struct body *b = body_new(ctx, big);
	uint8_t zeros[64] = { 0 };
	uint8_t *p;
	size_t n;

	img_end(im);
	n = im->len - 16;
	p = talloc_zero_size(ctx, n + 8 + sizeof(zeros));
	memcpy(p, im->data, n);
	b_u32(b, type);
	b_u32(b, len);
	memcpy(p + n, b->b, 8);
	assert_int_equal(judge(ctx, p, n + 8 + sizeof(zeros)), -1);
	talloc_free(p);
	talloc_free(b);
	talloc_free(im);
}

static void
test_huge_lengths(void **state)
{
	static const uint32_t lens[] = {
		8, 15, 4096, 4112, 4113, 23577, 23578, 65536,
		XSS_MAX_OUTPUT, XSS_MAX_RECORD, XSS_MAX_RECORD + 1,
		0x7fffffffu, 0x80000000u, 0xfffffff8u, 0xffffffffu,
	};
	TALLOC_CTX *ctx = ROOT(state);
	uint32_t type;
	size_t i;

	for (type = 0; type <= XSS_REC_TYPE_COUNT; type++)
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			huge(ctx, type, lens[i], false);
			huge(ctx, type | XSS_REC_OPTIONAL, lens[i], true);
		}
}

/* Counts far beyond the body: rejected before anything is allocated. */
static void
test_huge_counts(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im;
	struct body *b;
	char *msg;

	im = img_lu_dom(ctx, false);
	b = body_new(ctx, false);
	b_u32(b, 1);
	b_u32(b, 0);
	b_u32(b, 0);
	b_u32(b, 0);
	assert_int_equal(xss_write_raw(im->w, XSS_REC_TRANSACTION_DATA, b->b,
				       (uint32_t)b->len), 0);
	b = body_new(ctx, false);
	b_u32(b, 1);				/* tx_id */
	b_u32(b, XSS_TEVENT_REMOVAL);
	b_u32(b, 3);				/* path_len */
	b_u32(b, 0);
	b_u32(b, 0);
	b_u32(b, XSS_MAX_REMOVED);		/* removed_count */
	b_str(b, "/a");
	img_raw(im, XSS_REC_TRANSACTION_EVENT, b);
	img_end(im);
	assert_int_equal(judge(ctx, im->data, im->len), -1);
	assert_int_equal(verify_mem(ctx, im->data, im->len, &msg), -1);
	assert_string_equal(msg, "record #5 (TRANSACTION_EVENT) at offset "
			    "0xe8: body too short: 27 octets, removed needs "
			    "301989915");

	im = img_lu(ctx, true);
	b = body_new(ctx, true);
	b_u64(b, 1);
	b_u32(b, 3);
	b_u32(b, 0xffffffffu);			/* perm_count */
	b_u32(b, 0xffffffffu);			/* value_len */
	b_u32(b, 0);
	img_raw(im, XSS_REC_NODE_DATA, b);
	img_end(im);
	assert_int_equal(judge(ctx, im->data, im->len), -1);

	im = img_new(ctx, XSS_KIND_DUMP, XSS_NO_DOMID, false);
	img_global(im, 1);
	b = body_new(ctx, false);
	b_u32(b, XSS_NO_DOMID);
	b_u32(b, 64);				/* count, no entries */
	img_raw(im, XSS_REC_QUOTA_DATA, b);
	img_end(im);
	assert_int_equal(verify_mem(ctx, im->data, im->len, &msg), -1);
	assert_string_equal(msg, "record #2 (QUOTA_DATA) at offset 0x68: body "
			    "too short: 8 octets, entries needs 776");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_truncation),
		T(test_bit_flips),
		T(test_byte_values),
		T(test_record_shuffles),
		T(test_random_garbage),
		T(test_huge_lengths),
		T(test_huge_counts),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xss_hostile", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
