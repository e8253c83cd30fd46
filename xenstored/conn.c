// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conn.c - connection lifetime, message framing and output queueing.
 *
 * Input is framed here: a header, then up to XENSTORE_PAYLOAD_MAX bytes
 * of payload.  A header announcing more closes the connection, as the
 * protocol specification demands.  Complete messages go to proto.c in the
 * order received; whatever is left is kept in conn->in.  Output is queued
 * in conn->out and sent as soon as the transport takes it.
 *
 * Nobody gets the daemon to itself: a connection handles at most
 * CONN_BUDGET requests per loop turn, then waits on xsd->busy while the
 * others get their turn and the output is flushed.  Both buffers are
 * charged to the connection's domain and given back when they empty.
 * Events a guest causes are charged to that guest, not to the privileged
 * connection that has to take them: marks record where they end in the
 * output stream, and the guest is not read while too many wait
 * (docs/protocol.md, "Memory accounting").
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <talloc.h>

#include "conn.h"
#include "domain.h"
#include "log.h"
#include "loop.h"
#include "perms.h"
#include "proto.h"
#include "txn.h"
#include "watch.h"
#include "xsd.h"

#define READ_CHUNK XSD_RBUF_SIZE
#define HDR_SIZE sizeof(struct xsd_sockmsg)
/* Emptied buffers larger than this are given back. */
#define BUF_KEEP 0u	/* all: an idle connection holds no buffer */

/* Where the events a guest caused end in a connection's output. */
struct out_mark {
	struct list_node link;		/* conn->marks */
	uint64_t end;			/* conn->out_queued after them */
	struct domain *cause;		/* domains are never freed */
	size_t bytes;
};

static void conn_event(void *arg, short revents);
static void release_marks(struct conn *c, bool all);

/* Bring the domain's charge for this connection's buffers up to date. */
static void
charge_buffers(struct conn *c)
{
	size_t now = c->in_size + c->out_size;

	if (c->domain && now != c->charged)
		domain_mem_add(c->domain, (ssize_t)now - (ssize_t)c->charged);
	c->charged = now;
}

static int
conn_destroy(struct conn *c)
{
	release_marks(c, true);
	talloc_free(c->in);
	talloc_free(c->out);
	c->in_size = c->out_size = 0;
	charge_buffers(c);
	if (c->domain && c->domain->conn == c)
		c->domain->conn = NULL;
	c->blocked = false;	/* its children go next: nothing to resume */
	if (c->passed_fd >= 0)
		close(c->passed_fd);
	list_del(&c->link);
	list_del(&c->flush_link);
	list_del(&c->busy_link);
	c->xsd->nconns--;
	if (c->fd >= 0)
		close(c->fd);
	return 0;
}

struct conn *
conn_new(struct xsd *xsd, const struct conn_ops *ops, int fd,
	 unsigned int domid)
{
	struct conn *c = talloc_zero(xsd, struct conn);

	if (!c)
		return NULL;
	c->xsd = xsd;
	c->ops = ops;
	c->fd = fd;
	c->id = ++xsd->next_conn_id;
	c->domid = domid;
	c->target = PERM_NO_TARGET;
	c->next_txid = 1;
	c->passed_fd = -1;
	list_init(&c->watches);
	list_init(&c->txns);
	list_init(&c->flush_link);
	list_init(&c->busy_link);
	list_init(&c->marks);
	list_add_tail(&xsd->conns, &c->link);
	xsd->nconns++;
	talloc_set_destructor(c, conn_destroy);
	c->domain = domain_get(xsd, domid, true);
	if (!c->domain) {
		c->fd = -1;	/* the caller still owns it */
		talloc_free(c);
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), "%s%u", ops->kind,
		 ops->named_by_domid ? domid : c->id);
	if (fd >= 0) {
		c->io = loop_add(xsd->loop, c, fd, POLLIN, conn_event, c);
		if (!c->io) {
			c->fd = -1;
			talloc_free(c);
			return NULL;
		}
	}
	trace("%s NEW\n", c->name);
	return c;
}

static int
grow(struct conn *c, uint8_t **buf, size_t *size, size_t need)
{
	size_t n = *size ? *size : 256;
	uint8_t *p;

	while (n < need)
		n *= 2;
	if (n <= *size)
		return 0;
	p = talloc_realloc_size(c, *buf, n);
	if (!p)
		return ENOMEM;
	*buf = p;
	*size = n;
	charge_buffers(c);
	return 0;
}

/* An emptied buffer goes back unless it is small. */
static void
shrink(struct conn *c, uint8_t **buf, size_t *size)
{
	if (*size <= BUF_KEEP)
		return;
	TALLOC_FREE(*buf);
	*size = 0;
	charge_buffers(c);
}

static ssize_t
detached_io(struct conn *c, void *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
	errno = EAGAIN;
	return -1;
}

static ssize_t
detached_send(struct conn *c, const void *buf, size_t len)
{
	return detached_io(c, (void *)buf, len);
}

static const struct conn_ops detached_sock_ops = {
	.kind = "sock",
	.recv = detached_io,
	.send = detached_send,
};

static const struct conn_ops detached_ring_ops = {
	.kind = "dom",
	.recv = detached_io,
	.send = detached_send,
	.named_by_domid = true,
};

struct conn *
conn_new_detached(struct xsd *xsd, bool ring, unsigned int domid,
		  uint32_t id)
{
	struct conn *c = conn_new(xsd, ring ? &detached_ring_ops
					    : &detached_sock_ops, -1, domid);

	if (!c)
		return NULL;
	if (id)		/* else the fresh one conn_new gave */
		c->id = id;
	if (!ring)
		snprintf(c->name, sizeof(c->name), "sock%u", c->id);
	return c;
}

int
conn_restore_input(struct conn *c, const void *data, size_t len)
{
	if (grow(c, &c->in, &c->in_size, len))
		return ENOMEM;
	if (len)
		memcpy(c->in, data, len);
	c->in_len = len;
	return 0;
}

int
conn_restore_output(struct conn *c, const void *data, size_t len,
		    bool partial)
{
	if (partial && c->out_len)
		return EINVAL;		/* the partial message comes first */
	if (grow(c, &c->out, &c->out_size, c->out_len + len))
		return ENOMEM;
	if (len)
		memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	if (partial)
		c->out_partial = len;
	if (c->out_len && list_empty(&c->flush_link))
		list_add_tail(&c->xsd->flush, &c->flush_link);
	return 0;
}

void
conn_give_fd(struct conn *c, int fd)
{
	if (c->passed_fd >= 0)
		close(c->passed_fd);
	c->passed_fd = fd;
}

int
conn_take_fd(struct conn *c)
{
	int fd = c->passed_fd;

	c->passed_fd = -1;
	return fd;
}

int
conn_attach_fd(struct conn *c, int fd)
{
	c->io = loop_add(c->xsd->loop, c, fd, POLLIN, conn_event, c);
	if (!c->io)
		return ENOMEM;
	c->fd = fd;
	return 0;
}

struct conn *
conn_internal(struct xsd *xsd)
{
	struct conn *c = talloc_zero(xsd, struct conn);

	if (!c)
		return NULL;
	c->xsd = xsd;
	c->fd = -1;
	c->privileged = true;
	c->target = PERM_NO_TARGET;
	c->passed_fd = -1;
	c->domain = domain_get(xsd, 0, true);
	list_init(&c->link);
	list_init(&c->flush_link);
	list_init(&c->busy_link);
	list_init(&c->marks);
	list_init(&c->watches);
	list_init(&c->txns);
	snprintf(c->name, sizeof(c->name), "xenstored");
	return c->domain ? c : NULL;
}

void
conn_close(struct conn *c, const char *why)
{
	trace("%s CLOSE %s\n", c->name, why);
	log_debug("closing %s: %s", c->name, why);
	talloc_free(c);
}

void
conn_fail(struct conn *c, unsigned int error, const char *why)
{
	log_warnx("%s: %s", c->name, why);
	trace("%s FAIL %u %s\n", c->name, error, why);
	c->out_off = c->out_len = c->out_partial = 0;
	c->in_len = 0;
	release_marks(c, true);
	list_del(&c->busy_link);
	if (c->ops->fail) {
		c->ops->fail(c, error);
		return;
	}
	/* Closed from the flush list: callers may still be using c. */
	c->closing = true;
	if (list_empty(&c->flush_link))
		list_add_tail(&c->xsd->flush, &c->flush_link);
}

void
conn_reset(struct conn *c)
{
	struct txn *t, *tmp;

	watch_remove_all(c);
	list_for_each_safe(t, tmp, &c->txns, link)
		txn_end(t, false);
	c->in_len = 0;
	c->out_off = c->out_len = c->out_partial = 0;
	release_marks(c, true);
	TALLOC_FREE(c->in);
	TALLOC_FREE(c->out);
	c->in_size = c->out_size = 0;
	charge_buffers(c);
	list_del(&c->flush_link);
	list_del(&c->busy_link);
	c->closing = false;
	c->ignored = false;
	c->stalled = false;
	if (c->blocked)
		conn_unblock(c);
}

/* What to poll for: input unless blocked, output while some waits. */
static void
update_events(struct conn *c)
{
	short ev = c->blocked ? 0 : POLLIN;

	if (c->out_off < c->out_len)
		ev |= POLLOUT;
	if (c->io)
		loop_set_events(c->io, ev);
}

/*
 * n more octets from out_off were sent: keep out_partial, the octets of
 * the message being sent that are still to go, up to date.  Messages in
 * out are whole, so every boundary is followed by a whole header.
 */
static void
out_sent(struct conn *c, size_t n)
{
	size_t pos = c->out_off, end = pos + n, k;
	struct xsd_sockmsg h;

	k = c->out_partial < n ? c->out_partial : n;
	c->out_partial -= k;
	pos += k;
	while (pos < end) {
		memcpy(&h, c->out + pos, HDR_SIZE);
		if (end - pos >= HDR_SIZE + h.len) {
			pos += HDR_SIZE + h.len;
		} else {
			c->out_partial = HDR_SIZE + h.len - (end - pos);
			pos = end;
		}
	}
}

/* May the connection take another request now? */
static bool
may_take(const struct conn *c)
{
	if (c->closing || c->ignored || c->blocked)
		return false;
	if (c->privileged)
		return true;
	return c->out_len - c->out_off < CONN_BACKLOG &&
	       c->domain->ev_pending < CONN_CAUSED_MAX;
}

/* A stalled connection that may go on again gets a turn. */
static void
wake(struct conn *c)
{
	if (!c->stalled || !may_take(c))
		return;
	c->stalled = false;
	if (list_empty(&c->busy_link))
		list_add_tail(&c->xsd->busy, &c->busy_link);
}

/*
 * The guest-caused events that have been sent (all: the output is
 * gone) are no longer the guest's; a guest waiting for that goes on.
 */
static void
release_marks(struct conn *c, bool all)
{
	struct out_mark *m, *tmp;
	struct domain *d;

	list_for_each_safe(m, tmp, &c->marks, link) {
		if (!all && m->end > c->out_sent)
			break;
		d = m->cause;
		d->ev_pending -= m->bytes;
		domain_mem_add(d, -(ssize_t)m->bytes);
		domain_mem_add(c->domain, -(ssize_t)sizeof(*m));
		c->out_foreign -= m->bytes;
		list_del(&m->link);
		talloc_free(m);
		if (d->conn && d->ev_pending < CONN_CAUSED_MAX)
			wake(d->conn);
	}
}


/* Queued bytes, less the guest-caused events among them (some of those
 * may have gone out in part). */
static size_t
own_backlog(const struct conn *c)
{
	size_t backlog = c->out_len - c->out_off;

	return backlog > c->out_foreign ? backlog - c->out_foreign : 0;
}

int
conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	   const void *data, size_t len)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, (uint32_t)len };

	if (c->closing || c->ignored)
		return 0;
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (own_backlog(c) + HDR_SIZE + len > XSD_OUT_MAX) {
		/* A client that never reads must not eat all memory. */
		conn_fail(c, XENSTORE_ERROR_COMM, "unread output over limit");
		return ENOSPC;
	}
	if (grow(c, &c->out, &c->out_size, c->out_len + HDR_SIZE + len)) {
		conn_fail(c, XENSTORE_ERROR_COMM, "out of memory");
		return ENOMEM;
	}
	memcpy(c->out + c->out_len, &h, HDR_SIZE);
	if (len)
		memcpy(c->out + c->out_len + HDR_SIZE, data, len);
	c->out_len += HDR_SIZE + len;
	c->out_queued += HDR_SIZE + len;
	trace_msg("OUT", c->name, type, req_id, tx_id, data, (uint32_t)len);
	if (list_empty(&c->flush_link))
		list_add_tail(&c->xsd->flush, &c->flush_link);
	return 0;
}

int
conn_queue_event(struct conn *c, const void *data, size_t len)
{
	struct domain *cause = c->xsd->cause;
	struct out_mark *m;
	int ret;

	if (c->closing || c->ignored)
		return 0;
	if (!c->privileged &&
	    c->out_len - c->out_off + HDR_SIZE + len > CONN_EVENTS_MAX) {
		/* It does not read: it only loses its own events. */
		if (!c->dropped++)
			log_warnx("%s: output over %u bytes, dropping watch "
				  "events", c->name, CONN_EVENTS_MAX);
		trace("%s DROP event\n", c->name);
		return ENOSPC;
	}
	ret = conn_queue(c, XS_WATCH_EVENT, 0, 0, data, len);
	if (ret || !cause || !c->privileged)
		return ret;
	/* Charge the guest, at the privileged connection's end. */
	m = list_empty(&c->marks) ? NULL
		: list_entry(c->marks.prev, struct out_mark, link);
	if (!m || m->cause != cause) {
		m = talloc_zero(c, struct out_mark);
		if (!m) {
			conn_fail(c, XENSTORE_ERROR_COMM, "out of memory");
			return ENOMEM;
		}
		m->cause = cause;
		list_add_tail(&c->marks, &m->link);
		domain_mem_add(c->domain, (ssize_t)sizeof(*m));
	}
	m->end = c->out_queued;
	m->bytes += HDR_SIZE + len;
	c->out_foreign += HDR_SIZE + len;
	cause->ev_pending += HDR_SIZE + len;
	domain_mem_add(cause, (ssize_t)(HDR_SIZE + len));
	return 0;
}

void
conn_flush(struct conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = c->ops->send(c, c->out + c->out_off,
				 c->out_len - c->out_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_close(c, "write error");
			return;
		}
		out_sent(c, (size_t)n);
		c->out_off += (size_t)n;
		c->out_sent += (size_t)n;
	}
	release_marks(c, false);
	if (c->out_off == c->out_len) {
		/* Idle connections hold no buffers (thousands of guests). */
		c->out_off = c->out_len = c->out_partial = 0;
		shrink(c, &c->out, &c->out_size);
		list_del(&c->flush_link);
		if (c->closing) {
			conn_close(c, "closed after error");
			return;
		}
		update_events(c);
		wake(c);
		return;
	}
	wake(c);
	/* Keep the unsent tail at the front once it is most of the buffer. */
	if (c->out_off > c->out_size / 2) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	update_events(c);
}

void
conn_flush_all(struct xsd *xsd)
{
	while (!list_empty(&xsd->flush)) {
		struct conn *c = list_entry(xsd->flush.next, struct conn,
					    flush_link);

		/* Off the list first: a blocked conn waits for POLLOUT. */
		list_del(&c->flush_link);
		conn_flush(c);
	}
}

/*
 * Handle the complete messages in buf[0..len) while the budget lasts and
 * the connection may take them.  Returns the number of bytes consumed,
 * or -1 when a header announces an oversized payload.
 */
static ssize_t
conn_parse(struct conn *c, const uint8_t *buf, size_t len,
	   unsigned int *budget)
{
	struct xsd_sockmsg h;
	size_t off = 0;

	while (len - off >= HDR_SIZE && *budget && may_take(c)) {
		memcpy(&h, buf + off, HDR_SIZE);
		if (h.len > XENSTORE_PAYLOAD_MAX) {
			log_warnx("%s: message announces a payload of %u bytes", c->name,
				  h.len);
			return -1;
		}
		if (len - off < HDR_SIZE + h.len)
			break;
		proto_handle(c, &h, buf + off + HDR_SIZE);
		off += HDR_SIZE + h.len;
		(*budget)--;
	}
	return (ssize_t)off;
}

/*
 * Handle what buf[0..len) completes and keep the rest in c->in (buf is
 * c->in or the shared read buffer).  False: the connection failed.
 */
static bool
conn_consume(struct conn *c, const uint8_t *buf, size_t len,
	     unsigned int *budget)
{
	ssize_t used = conn_parse(c, buf, len, budget);

	if (used < 0) {
		conn_fail(c, XENSTORE_ERROR_PROTO, "payload over 4096 bytes");
		return false;
	}
	if (c->closing || c->ignored) {
		c->in_len = 0;
		return false;
	}
	len -= (size_t)used;
	if (buf != c->in && len && grow(c, &c->in, &c->in_size, len)) {
		conn_fail(c, XENSTORE_ERROR_COMM, "out of memory");
		return false;
	}
	if (len) {
		memmove(c->in, buf + used, len);
	} else if (c->in) {
		TALLOC_FREE(c->in);
		c->in_size = 0;
	}
	c->in_len = len;
	if (!len)
		shrink(c, &c->in, &c->in_size);
	return true;
}

/* Stop here?  Then remember why: output to drain, or the turn is over. */
static bool
conn_pause(struct conn *c, unsigned int budget)
{
	if (!may_take(c)) {
		c->stalled = !c->closing && !c->ignored;
		return true;
	}
	if (!budget) {
		if (list_empty(&c->busy_link))
			list_add_tail(&c->xsd->busy, &c->busy_link);
		return true;
	}
	return false;
}

void
conn_read(struct conn *c)
{
	unsigned int budget = CONN_BUDGET;
	uint8_t *rbuf = c->xsd->rbuf;
	bool first = true;
	ssize_t n;

	list_del(&c->busy_link);
	c->stalled = false;
	if (c->blocked)
		return;		/* conn_unblock gives it its turn */
	for (;;) {
		if (c->in_len && !conn_consume(c, c->in, c->in_len, &budget))
			return;
		if (conn_pause(c, budget))
			return;
		if (!first && !c->ops->drain)
			return;
		first = false;
		n = c->ops->recv(c, rbuf, READ_CHUNK);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_close(c, n ? "read error" : "end of file");
			return;
		}
		if (c->in_len) {
			if (grow(c, &c->in, &c->in_size,
				 c->in_len + (size_t)n)) {
				conn_fail(c, XENSTORE_ERROR_COMM,
					  "out of memory");
				return;
			}
			memcpy(c->in + c->in_len, rbuf, (size_t)n);
			c->in_len += (size_t)n;
			continue;
		}
		if (!conn_consume(c, rbuf, (size_t)n, &budget))
			return;
	}
}

void
conn_run_busy(struct xsd *xsd)
{
	struct list_node *h = &xsd->busy, *p;
	unsigned int n = 0;

	/* One turn each for those waiting now; the next turn for the rest. */
	for (p = h->next; p != h; p = p->next)
		n++;
	while (n-- && !list_empty(h))
		conn_read(list_entry(h->next, struct conn, busy_link));
}

void
conn_process_input(struct conn *c)
{
	/* Its turn comes with the others' (conn_run_busy). */
	if (c->in_len && list_empty(&c->busy_link))
		list_add_tail(&c->xsd->busy, &c->busy_link);
}

void
conn_block(struct conn *c)
{
	c->blocked = true;
	update_events(c);
}

void
conn_unblock(struct conn *c)
{
	c->blocked = false;
	update_events(c);
	conn_process_input(c);
}

static void
conn_event(void *arg, short revents)
{
	struct conn *c = talloc_get_type_abort(arg, struct conn);

	if (revents & POLLOUT) {
		conn_flush(c);
		return;		/* conn may be gone; POLLIN comes again */
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	/*
	 * A closed connection is gone after conn_read; one with a fatal
	 * error is closed by the flush, which the loop runs right after.
	 */
	if (!c->closing)
		conn_read(c);
}
