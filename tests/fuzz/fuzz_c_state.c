// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_c_state.c - libFuzzer harness for xsu_read_c, the reader of C
 * xenstored 4.17's live update state file (include/xs_state_upstream.h).
 *
 * Each input is a state file in memory: read it, touch every octet the
 * model points to (so ASan sees any pointer outside the input or the
 * reader's memory), and check what the API promises: an error always
 * comes with a message and no model, success with a model and no
 * message, and a model keeps the rules it was checked for (the root
 * first, valid domids, fds and ports, pending output of whole messages,
 * watches with paths and tokens).  A model that reads back is also
 * written with xsu_write_c, which must take it.  Anything else aborts.
 * Seeded with tests/golden/xenstored-lu.state; built and run by
 * `make fuzz`.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "xs_state_upstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	touch(p->p, p->num * sizeof(p->p[0]));
}

/* Whole messages (16-octet header, length at 12, host order) fill n. */
static void
check_whole(const uint8_t *p, uint32_t n)
{
	uint32_t off = 0, len;

	while (off < n) {
		CHECK(n - off >= 16);
		memcpy(&len, p + off + 12, 4);
		CHECK(len <= 4096 && n - off - 16 >= len);
		off += 16 + len;
	}
}

static void
check_conn(const struct xsu_conn *c, bool host_order)
{
	unsigned int j;

	CHECK(c->id != 0);
	if (c->ring) {
		CHECK(c->domid < 0x7ff0 && c->fd == -1);
		CHECK(c->local_port != 0);
		CHECK(c->target == XSS_NO_TARGET ||
		      (c->target < 0x7ff0 && c->target != c->domid));
	} else {
		CHECK(c->fd >= 0 && c->target == XSS_NO_TARGET);
	}
	CHECK(c->in_len <= 0xffff && c->partial_len < 16 + 4096);
	touch(c->in, c->in_len);
	touch(c->partial, c->partial_len);
	touch(c->out, c->out_len);
	if (host_order)
		check_whole(c->out, c->out_len);
	for (j = 0; j < c->nwatches; j++) {
		const struct xsu_watch *w = &c->watches[j];

		touch(w->path, strlen(w->path) + 1);
		touch(w->token, strlen(w->token) + 1);
		CHECK(w->relative == (w->path[0] != '/' && w->path[0] != '@'));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct xsu_state *st, *back;
	struct xss_sink *out;
	const uint8_t *written;
	size_t len;
	unsigned int i;
	bool host_order;
	char *err;
	int ret = xsu_read_c(ctx, data, size, &st, &err);

	if (ret) {
		CHECK(ret == EBADMSG || ret == ENOMEM);
		CHECK(!st);
		CHECK(ret == ENOMEM || (err && *err));
		talloc_free(ctx);
		return 0;
	}
	CHECK(st && !err);
	CHECK(st->evtchn_fd >= 0 && st->socket_fd >= -1);
	CHECK(st->socket_fd != st->evtchn_fd);
	CHECK(st->nnodes >= 1 && !strcmp(st->nodes[0].path, "/"));
	touch_perms(&st->introduce_perms);
	touch_perms(&st->release_perms);
	touch(st->dropped, strlen(st->dropped));
	for (i = 0; i < st->nnodes; i++) {
		CHECK(st->nodes[i].path[0] == '/');
		CHECK(strlen(st->nodes[i].path) <= 3072);
		CHECK(st->nodes[i].perms.num >= 1);
		touch_perms(&st->nodes[i].perms);
		touch(st->nodes[i].value, st->nodes[i].len);
		CHECK(st->nodes[i].len <= 4096);
		CHECK(!st->nodes[i].len == !st->nodes[i].value);
	}
	/* flags: 1 big endian, 0 little */
	host_order = (data[15] == 1) ==
		     (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	for (i = 0; i < st->nconns; i++)
		check_conn(&st->conns[i], host_order);
	/*
	 * Written back (in the host's order: only a file in it has its
	 * messages as the writer reads them), it reads again, the same
	 * connections, nodes and watches.
	 */
	if (host_order) {
		out = xss_sink_memory(ctx);
		CHECK(out);
		ret = xsu_write_c(ctx, st, out, &err);
		CHECK(ret == 0 || ret == ENOMEM);
		if (!ret) {
			written = xss_sink_data(out, &len);
			ret = xsu_read_c(ctx, written, len, &back, &err);
			CHECK(ret == 0 || ret == ENOMEM);
			if (!ret) {
				CHECK(back->nnodes == st->nnodes);
				CHECK(back->nconns == st->nconns);
				for (i = 0; i < st->nconns; i++)
					CHECK(back->conns[i].nwatches ==
					      st->conns[i].nwatches);
			}
		}
	}
	talloc_free(ctx);
	return 0;
}
