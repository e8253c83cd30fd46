// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_reader.c - libFuzzer harness for the xs-state reader.
 *
 * Each input is an image in memory: read the header and every record,
 * touch every decoded octet (so ASan sees any pointer outside the input
 * or the reader's memory), and check what the API promises: -1 always
 * comes with a message naming the header or a record, 0 never does, and
 * an image the reader accepts is reproduced octet for octet by the
 * writer from the decoded records (less the optional records, which the
 * reader skips).  Anything else aborts.
 *
 * A custom mutator makes END's CRC match after half of the mutations,
 * so that the fuzzer also explores images that get to the end.
 *
 * The octet helpers (END's CRC, dropping optional records, writing a
 * record back) come from tests/unit/xss_image.h, shared with the unit
 * tests.  Built and run by `make fuzz` (FUZZ_SECONDS); seeds in corpus/,
 * made by gen_corpus.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "xs_state.h"
#include "xss_image.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

#define CHECK(x)					\
	do {						\
		if (!(x))				\
			abort();			\
	} while (0)

static volatile uint32_t sink;

static void
touch(const void *p, size_t len)
{
	const uint8_t *q = p;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += q[i];
	sink += sum;
}

static void
touch_perms(const struct xss_perms *p)
{
	touch(p->p, (size_t)p->num * sizeof(p->p[0]));
}

static void
touch_record(const struct xss_record *r)
{
	uint32_t i;

	switch (r->type) {
	case XSS_REC_NODE_DATA:
		touch(r->u.node.path, strlen(r->u.node.path) + 1);
		touch_perms(&r->u.node.perms);
		touch(r->u.node.value, r->u.node.len);
		break;
	case XSS_REC_SPECIAL_PERMS:
		touch(r->u.special.path, strlen(r->u.special.path) + 1);
		touch_perms(&r->u.special.perms);
		break;
	case XSS_REC_QUOTA_DATA:
		touch(r->u.quota.e, (size_t)r->u.quota.num *
		      sizeof(r->u.quota.e[0]));
		break;
	case XSS_REC_WATCH_DATA:
		touch(r->u.watch.path, strlen(r->u.watch.path) + 1);
		touch(r->u.watch.token, strlen(r->u.watch.token) + 1);
		break;
	case XSS_REC_TRANSACTION_NODE_DATA:
		touch(r->u.txn_node.path, strlen(r->u.txn_node.path) + 1);
		touch_perms(&r->u.txn_node.perms);
		touch(r->u.txn_node.value, r->u.txn_node.len);
		touch(r->u.txn_node.children, r->u.txn_node.children_len);
		break;
	case XSS_REC_TRANSACTION_EVENT:
		touch(r->u.txn_event.path, strlen(r->u.txn_event.path) + 1);
		touch_perms(&r->u.txn_event.before);
		touch_perms(&r->u.txn_event.after);
		for (i = 0; i < r->u.txn_event.nremoved; i++) {
			const struct xss_removed *rm;

			rm = &r->u.txn_event.removed[i];
			touch(rm->path, strlen(rm->path) + 1);
			touch_perms(&rm->perms);
		}
		break;
	case XSS_REC_CONN_INPUT:
	case XSS_REC_GUEST_RING_DATA:
		touch(r->u.buffer.data, r->u.buffer.len);
		break;
	default:
		touch(&r->u, sizeof(r->u));
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct xss_source *src = xss_source_memory(ctx, data, size);
	struct xss_reader *r = xss_reader_new(ctx, src);
	struct xss_sink *sink = xss_sink_memory(ctx);
	struct xss_writer *w = NULL;
	struct xss_header h;
	struct xss_record rec;
	const char *msg;
	const uint8_t *out, *want;
	size_t out_len, want_len;
	int ret = -1;

	CHECK(ctx && src && r && sink);
	if (xss_read_header(r, &h) == 0) {
		CHECK(!xss_reader_error(r));
		CHECK(h.producer[XSS_PRODUCER_LEN] == 0);
		w = xss_writer_new(ctx, sink, h.kind, h.domid, h.producer,
				   h.big_endian);
		CHECK(w);
		while ((ret = xss_read_next(r, &rec)) == 1) {
			touch_record(&rec);
			CHECK(write_decoded(w, &rec) == 0);
		}
	}
	msg = xss_reader_error(r);
	if (ret) {
		CHECK(ret == -1 && msg);
		CHECK(!strncmp(msg, "header: ", 8) ||
		      !strncmp(msg, "record #", 8));
		CHECK(xss_read_next(r, &rec) == -1);
	} else {
		CHECK(!msg);
		CHECK(rec.type == XSS_REC_END);
		CHECK(xss_read_next(r, &rec) == 0);
		CHECK(xss_write_end(w) == 0);
		out = xss_sink_data(sink, &out_len);
		want = strip_optional(ctx, data, size, h.big_endian,
				      &want_len);
		CHECK(want);
		CHECK(out_len == want_len && !memcmp(out, want, out_len));
	}
	talloc_free(ctx);
	return 0;
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			unsigned int seed)
{
	size = LLVMFuzzerMutate(data, size, max_size);
	/* Images are multiples of 8 octets; fix the CRC half the time. */
	if (size >= 80 && (seed & 1)) {
		size &= ~(size_t)7;
		fix_crc(data, size, data[15] & 1);	/* flags: order */
	}
	return size;
}
