// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_conn.c - conn.c's limits: the budget per loop turn, back-pressure
 * message by message, events charged to the guest that caused them, the
 * accounting of buffers and their return.
 *
 * Connections here move bytes through memory: recv hands out a script
 * of requests, send takes what the test lets it take.  Everything
 * else is the daemon's code (xsd_fixture.h).
 */
#include <errno.h>

#include "xsd_fixture.h"

#include "proto.h"

struct pipe_end {
	const uint8_t *in;		/* what the client sent */
	size_t in_left;
	size_t can_send;		/* what the client would take now */
	size_t sent;
};

static struct pipe_end ends[2];

static struct pipe_end *
end_of(struct conn *c)
{
	return &ends[c->domid ? 1 : 0];
}

static ssize_t
mem_recv(struct conn *c, void *buf, size_t len)
{
	struct pipe_end *e = end_of(c);
	size_t n = len < e->in_left ? len : e->in_left;

	if (!n) {
		errno = EAGAIN;
		return -1;
	}
	memcpy(buf, e->in, n);
	e->in += n;
	e->in_left -= n;
	return (ssize_t)n;
}

static ssize_t
mem_send(struct conn *c, const void *buf, size_t len)
{
	struct pipe_end *e = end_of(c);
	size_t n = len < e->can_send ? len : e->can_send;

	(void)buf;
	if (!n) {
		errno = EAGAIN;
		return -1;
	}
	e->can_send -= n;
	e->sent += n;
	return (ssize_t)n;
}

static const struct conn_ops mem_ops = {
	.kind = "mem",
	.recv = mem_recv,
	.send = mem_send,
	.drain = true,
};

static int
setup(void **state)
{
	memset(ends, 0, sizeof(ends));
	return fix_setup(state, 0);
}

static int
teardown(void **state)
{
	return fix_teardown(state);
}

/* /local/domain/5, dom5's own. */
static void
home5(struct fix *f)
{
	struct perm mine = { 5, PERM_NONE };

	wr(f->c0, NULL, "/local/domain/5", "");
	assert_int_equal(tree_set_perms(f->c0, NULL, "/local/domain/5",
					&mine, 1), 0);
}

static struct conn *
mem_conn(struct fix *f, unsigned int domid)
{
	struct conn *c = conn_new(f->xsd, &mem_ops, -1, domid);

	assert_non_null(c);
	c->privileged = domid == 0;
	f->xsd->rbuf = f->xsd->rbuf ? f->xsd->rbuf
				    : talloc_size(f->tmp, XSD_RBUF_SIZE);
	return c;
}

/* n copies of one request. */
static uint8_t *
requests(struct fix *f, uint32_t type, const char *payload, size_t plen,
	 unsigned int n, size_t *len)
{
	struct xsd_sockmsg h = { type, 1, 0, (uint32_t)plen };
	size_t one = sizeof(h) + plen;
	uint8_t *buf = talloc_size(f->tmp, one * n);
	unsigned int i;

	assert_non_null(buf);
	for (i = 0; i < n; i++) {
		memcpy(buf + i * one, &h, sizeof(h));
		memcpy(buf + i * one + sizeof(h), payload, plen);
	}
	*len = one * n;
	return buf;
}

static unsigned int
replies(struct conn *c)
{
	struct xsd_sockmsg h;
	size_t off = c->out_off;
	unsigned int n = 0;

	while (off < c->out_len) {
		memcpy(&h, c->out + off, sizeof(h));
		off += sizeof(h) + h.len;
		n++;
	}
	return n;
}

/* 40 requests waiting: 16 handled, then the connection waits its turn. */
static void
test_budget_per_turn(void **state)
{
	struct fix *f = *state;
	struct conn *c = mem_conn(f, 0);
	size_t len;

	ends[0].in = requests(f, XS_READ, "/\0", 2, 40, &len);
	ends[0].in_left = len;
	conn_read(c);
	assert_int_equal(replies(c), CONN_BUDGET);
	assert_false(list_empty(&c->busy_link));
	conn_run_busy(f->xsd);
	assert_int_equal(replies(c), 2 * CONN_BUDGET);
	conn_run_busy(f->xsd);
	assert_int_equal(replies(c), 40);
	assert_true(list_empty(&f->xsd->busy));
}

/* A guest that does not read gets no more than one backlog's worth. */
static void
test_backlog_per_message(void **state)
{
	struct fix *f = *state;
	struct conn *c = mem_conn(f, 5);
	char value[2001];
	unsigned int n;
	size_t len;

	home5(f);
	memset(value, 'x', 2000);
	value[2000] = 0;
	wr(f->c0, NULL, "/local/domain/5/v", value);
	ends[1].in = requests(f, XS_READ, "/local/domain/5/v\0", 18, 200,
			      &len);
	ends[1].in_left = len;
	for (n = 0; n < 40 && !c->stalled; n++) {
		conn_read(c);
		conn_run_busy(f->xsd);
	}
	/* Checked before each request: at most one reply past the limit. */
	assert_true(c->stalled);
	assert_true(replies(c) < 200);
	assert_true(c->out_len - c->out_off >= CONN_BACKLOG);
	assert_true(c->out_len - c->out_off < CONN_BACKLOG + 2000 + 16);
	/* Once the guest takes its output it goes on. */
	ends[1].can_send = SIZE_MAX;
	conn_flush(c);
	assert_false(c->stalled);
	assert_false(list_empty(&c->busy_link));
	conn_run_busy(f->xsd);
	talloc_free(c);
}

/*
 * Events a guest causes at a privileged watcher are the guest's: counted
 * in its memory, not the watcher's backlog limit, and the guest is not
 * read while too many wait; they go when the watcher takes them.
 */
static void
test_caused_events_charged_to_the_guest(void **state)
{
	struct fix *f = *state;
	struct conn *w = mem_conn(f, 0), *g = mem_conn(f, 5);
	struct domain *d5 = g->domain;
	char token[3000];
	size_t len, mem0;
	unsigned int i;

	home5(f);
	d5->conn = g;		/* the domain's connection, as INTRODUCE makes */
	memset(token, 't', sizeof(token) - 1);
	token[sizeof(token) - 1] = 0;
	for (i = 0; i < 8; i++) {
		token[0] = (char)('a' + i);
		assert_int_equal(watch_add(w, "/local/domain", false, token,
					   WATCH_NO_DEPTH), 0);
	}
	mem0 = d5->memory;
	ends[1].in = requests(f, XS_WRITE, "/local/domain/5/a\0x", 19, 200,
			      &len);
	ends[1].in_left = len;
	ends[1].can_send = SIZE_MAX;
	for (i = 0; i < 50; i++) {
		conn_read(g);
		conn_flush_all(f->xsd);
		conn_run_busy(f->xsd);
	}
	/* Throttled: 24 KiB per write, 256 KiB allowed. */
	assert_true(g->stalled);
	assert_true(d5->ev_pending >= CONN_CAUSED_MAX);
	assert_true(d5->ev_pending < CONN_CAUSED_MAX + 8 * 3100);
	assert_true(d5->memory >= mem0 + d5->ev_pending);
	assert_true(w->out_foreign == d5->ev_pending);
	assert_false(w->closing);
	/* The watcher takes them: the guest's charge goes, it goes on. */
	ends[0].can_send = SIZE_MAX;
	conn_flush(w);
	assert_int_equal(d5->ev_pending, 0);
	assert_int_equal(w->out_foreign, 0);
	assert_false(g->stalled);
	assert_false(list_empty(&g->busy_link));
	talloc_free(g);
	talloc_free(w);
}

/* Emptied buffers go back, and so does their charge. */
static void
test_buffers_given_back(void **state)
{
	struct fix *f = *state;
	struct conn *c = mem_conn(f, 5);
	size_t mem0 = c->domain->memory;
	char big[4000];

	memset(big, 'b', sizeof(big));
	assert_int_equal(conn_queue(c, XS_READ, 1, 0, big, sizeof(big)), 0);
	assert_int_equal(conn_queue(c, XS_READ, 2, 0, big, sizeof(big)), 0);
	assert_true(c->out_size >= 8000);
	assert_true(c->domain->memory >= mem0 + c->out_size);
	ends[1].can_send = SIZE_MAX;
	conn_flush(c);
	assert_int_equal(c->out_size, 0);
	assert_null(c->out);
	assert_int_equal(c->domain->memory, mem0);
	talloc_free(c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_budget_per_turn),
		T(test_backlog_per_message),
		T(test_caused_events_charged_to_the_guest),
		T(test_buffers_given_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
