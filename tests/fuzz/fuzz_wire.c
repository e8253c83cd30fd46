// SPDX-License-Identifier: GPL-2.0-or-later
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
 * CONTROL commands that would write files are turned into unknown
 * types first.
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

/*
 * CONTROL commands that write files (dump-state, logfile, memreport)
 * must not run with whatever path the fuzzer makes up: walk the stream
 * as the daemon frames it and turn every CONTROL but the harmless ones
 * into an unknown type.
 */
static void
defuse_control(uint8_t *p, size_t len)
{
	static const char *const safe[] = { "quota", "quota-soft", "check",
					    "help", "print" };
	struct xsd_sockmsg h;
	size_t off = 0, i;
	bool ok;

	while (len - off >= sizeof(h)) {
		memcpy(&h, p + off, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX)
			return;
		if (h.type == XS_CONTROL) {
			ok = false;
			for (i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
				if (len - off - sizeof(h) > strlen(safe[i]) &&
				    !memcmp(p + off + sizeof(h), safe[i],
					    strlen(safe[i]) + 1))
					ok = true;
			if (!ok) {
				h.type = XS_TYPE_COUNT + 1000;
				memcpy(p + off, &h, sizeof(h));
			}
		}
		off += sizeof(h) + h.len;
		if (off > len)
			return;
	}
}

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
	uint8_t *copy;
	unsigned int rounds;

	if (!quiet) {
		log_init("fuzz_wire", false, false);
		quiet = true;
	}
	if (size < 1)
		return 0;
	memset(&feed, 0, sizeof(feed));
	copy = malloc(size);
	CHECK(copy);
	memcpy(copy, data, size);
	defuse_control(copy + 1, size - 1);
	feed.p = copy + 1;
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
	free(copy);
	return 0;
}
