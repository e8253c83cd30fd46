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
 * Built and run by `make fuzz` (FUZZ_SECONDS); seeds in corpus/, made by
 * gen_corpus.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "xs_state.h"

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

static int
write_record(struct xss_writer *w, const struct xss_record *r)
{
	switch (r->type) {
	case XSS_REC_GLOBAL_DATA:
		return xss_write_global(w, &r->u.global);
	case XSS_REC_QUOTA_DATA:
		return xss_write_quota(w, &r->u.quota);
	case XSS_REC_SPECIAL_PERMS:
		return xss_write_special(w, &r->u.special);
	case XSS_REC_NODE_DATA:
		return xss_write_node(w, &r->u.node);
	case XSS_REC_DOMAIN_START:
		return xss_write_domain(w, &r->u.domain);
	case XSS_REC_SOCKET_START:
		return xss_write_socket(w, &r->u.socket);
	case XSS_REC_WATCH_DATA:
		return xss_write_watch(w, &r->u.watch);
	case XSS_REC_TRANSACTION_DATA:
		return xss_write_txn(w, &r->u.txn);
	case XSS_REC_TRANSACTION_NODE_DATA:
		return xss_write_txn_node(w, &r->u.txn_node);
	case XSS_REC_TRANSACTION_EVENT:
		return xss_write_txn_event(w, &r->u.txn_event);
	case XSS_REC_CONN_INPUT:
		return xss_write_input(w, r->u.buffer.data, r->u.buffer.len);
	case XSS_REC_GUEST_RING_DATA:
		return xss_write_output(w, r->u.buffer.data, r->u.buffer.len);
	default:
		abort();
	}
}

static uint32_t
get32(const uint8_t *q, int big)
{
	return big ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
		     (uint32_t)q[2] << 8 | q[3]
		   : (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
		     (uint32_t)q[1] << 8 | q[0];
}

static void
put32(uint8_t *q, uint32_t v, int big)
{
	int i;

	for (i = 0; i < 4; i++)
		q[big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

/* Make END (the last 16 octets) carry the CRC of what precedes it. */
static void
fix_crc(uint8_t *p, size_t len)
{
	int big = p[15] & 1;

	put32(p + len - 8, xss_crc32c(0, p, len - 16), big);
}

/* The accepted image p without its optional records, CRC fixed. */
static uint8_t *
strip_optional(TALLOC_CTX *ctx, const uint8_t *p, size_t len, int big,
	       size_t *out_len)
{
	uint8_t *q = talloc_size(ctx, len);
	size_t at = 64, n = 64;

	CHECK(q);
	memcpy(q, p, 64);
	while (at < len) {
		uint32_t type = get32(p + at, big);
		uint32_t body = get32(p + at + 4, big);
		size_t size = 8 + (((size_t)body + 7) & ~(size_t)7);

		CHECK(at + size <= len);
		if (!(type & XSS_REC_OPTIONAL)) {
			memcpy(q + n, p + at, size);
			n += size;
		}
		at += size;
	}
	fix_crc(q, n);
	*out_len = n;
	return q;
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
			CHECK(write_record(w, &rec) == 0);
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
		fix_crc(data, size);
	}
	return size;
}
