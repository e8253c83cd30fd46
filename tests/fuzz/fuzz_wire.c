/*
 * fuzz_wire.c - libFuzzer harness for the wire parser: the framing of
 * conn.c and every request handler behind it (proto.c, ops_*.c, the
 * tree, transactions, watches), on a whole daemon in memory
 * (fuzz_daemon.h).
 *
 * Input: one octet of settings, then the bytes a client sends.
 *   bit 0       the client is dom0's tool (privileged), else domain 5
 *   bit 1       the transport takes at most 7 octets per send
 *   bits 2..7   the transport hands over 1 + 4 * (bits) octets per recv
 * Checks: every message the daemon sends is framed (a header, at most
 * 4096 octets of payload), the store stays consistent, and nothing
 * leaks when the daemon goes (LeakSanitizer).  Built and run by
 * `make fuzz`; seeds in corpus-wire/.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
	const uint8_t *p;
	size_t left, chunk;
	bool short_sends;
	/* The framing of what the daemon sent so far. */
	uint8_t hdr[sizeof(struct xsd_sockmsg)];
	size_t hdr_got, body_left;
	bool *gone;
};

static struct feed feed;

static ssize_t
wire_recv(struct conn *c, void *buf, size_t len)
{
	size_t n = len < feed.chunk ? len : feed.chunk;

	(void)c;
	if (n > feed.left)
		n = feed.left;
	if (!n) {
		errno = EAGAIN;
		return -1;
	}
	memcpy(buf, feed.p, n);
	feed.p += n;
	feed.left -= n;
	return (ssize_t)n;
}

static ssize_t
wire_send(struct conn *c, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	size_t i, n = feed.short_sends && len > 7 ? 7 : len;
	struct xsd_sockmsg h;

	(void)c;
	for (i = 0; i < n; i++) {
		if (feed.body_left) {
			feed.body_left--;
			continue;
		}
		feed.hdr[feed.hdr_got++] = b[i];
		if (feed.hdr_got < sizeof(h))
			continue;
		memcpy(&h, feed.hdr, sizeof(h));
		CHECK(h.len <= XENSTORE_PAYLOAD_MAX);
		CHECK(h.type < XSX_TYPE_COUNT);
		feed.body_left = h.len;
		feed.hdr_got = 0;
	}
	return (ssize_t)n;
}

static const struct conn_ops wire_ops = {
	.kind = "fuzz",
	.recv = wire_recv,
	.send = wire_send,
	.drain = true,
};

static int
mark_gone(bool **flag)
{
	**flag = true;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	struct xsd *xsd;
	struct conn *c;
	bool **sentinel, gone = false;
	unsigned int rounds;

	if (!quiet) {
		log_init("fuzz_wire", false, false);
		quiet = true;
	}
	if (size < 1)
		return 0;
	memset(&feed, 0, sizeof(feed));
	feed.p = data + 1;
	feed.left = size - 1;
	feed.chunk = 1 + 4 * (size_t)(data[0] >> 2);
	feed.short_sends = data[0] & 2;

	xsd = fuzz_daemon();
	c = conn_new(xsd, &wire_ops, -1, data[0] & 1 ? 0 : 5);
	CHECK(c);
	c->privileged = data[0] & 1;
	sentinel = talloc(c, bool *);
	CHECK(sentinel);
	*sentinel = &gone;
	talloc_set_destructor(sentinel, mark_gone);

	for (rounds = 0; rounds < 100000 && !gone; rounds++) {
		conn_read(c);
		fuzz_settle(xsd);
		if (gone || (!feed.left && list_empty(&xsd->busy)))
			break;
	}
	fuzz_check(xsd);
	talloc_free(xsd);
	return 0;
}
