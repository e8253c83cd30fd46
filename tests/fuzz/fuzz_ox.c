// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_ox.c - libFuzzer harness for xsu_read_ox, the reader of
 * oxenstored's live update dump (tests/fakexen/OXENSTORED-LU.md).
 *
 * Each input is a dump in memory: read it, touch every octet the model
 * points to (so ASan sees any pointer outside the reader's memory), and
 * check what the API promises: an error always comes with a message and
 * no model, success with a model and no message, and a model keeps the
 * rules it was checked for (the root first, parents before children,
 * valid fds).  Anything else aborts.  Seeded with tests/golden/
 * oxenstored-lu.db; built and run by `make fuzz`.
 */
#include <errno.h>
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
	CHECK(p->num >= 1);
	touch(p->p, p->num * sizeof(p->p[0]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct xsu_state *st;
	unsigned int i, j;
	char *err;
	int ret = xsu_read_ox(ctx, data, size, &st, &err);

	if (ret) {
		CHECK(ret == EBADMSG || ret == ENOMEM);
		CHECK(!st);
		CHECK(ret == ENOMEM || (err && *err));
		talloc_free(ctx);
		return 0;
	}
	CHECK(st && !err);
	CHECK(st->evtchn_fd >= 0 && st->socket_fd >= -1);
	CHECK(st->nnodes >= 1 && !strcmp(st->nodes[0].path, "/"));
	touch_perms(&st->introduce_perms);
	touch_perms(&st->release_perms);
	for (i = 0; i < st->nnodes; i++) {
		CHECK(st->nodes[i].path[0] == '/');
		CHECK(strlen(st->nodes[i].path) <= 3072);
		touch_perms(&st->nodes[i].perms);
		touch(st->nodes[i].value, st->nodes[i].len);
		CHECK(st->nodes[i].len <= 4096);
	}
	for (i = 0; i < st->nconns; i++) {
		const struct xsu_conn *c = &st->conns[i];

		CHECK(c->ring ? c->domid < 0x7ff0 && c->fd == -1 : c->fd > 0);
		CHECK(!c->in_len && !c->out_len && !c->partial_len);
		for (j = 0; j < c->nwatches; j++) {
			touch(c->watches[j].path,
			      strlen(c->watches[j].path) + 1);
			touch(c->watches[j].token,
			      strlen(c->watches[j].token) + 1);
		}
	}
	talloc_free(ctx);
	return 0;
}
