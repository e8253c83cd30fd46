// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conn_ring.c - the shared ring transport of guest connections.
 *
 * Bytes move through the page's queues (ring.c); every move is followed
 * by a notification on the domain's event channel.  A guest that breaks
 * the protocol (offsets more than a ring apart, a payload over 4096
 * bytes) gets the page's error indicator set and is no longer served
 * until it reconnects the ring or is released; nobody else notices.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <talloc.h>

#include "backend.h"
#include "conn.h"
#include "conn_ring.h"
#include "domain.h"
#include "log.h"
#include "ring.h"
#include "xsd.h"

static struct xenstore_domain_interface *
intf_of(struct conn *c)
{
	return c->domain->page;
}

static void
kick(struct conn *c)
{
	struct domain *d = c->domain;
	int ret = d->xsd->backend->ops->notify(d->xsd->backend, d->local_port);

	if (ret)
		log_debug("%s: notify: %s", c->name, strerror(ret));
}

static void
ring_fail(struct conn *c, unsigned int error)
{
	struct xenstore_domain_interface *intf = intf_of(c);

	c->ignored = true;
	__atomic_store_n(&intf->error, error, __ATOMIC_RELEASE);
	kick(c);
}

static ssize_t
ring_recv(struct conn *c, void *buf, size_t len)
{
	struct xenstore_domain_interface *intf = intf_of(c);
	ssize_t n;

	if (c->ignored || c->domain->quiesced) {
		errno = EAGAIN;
		return -1;
	}
	n = ring_take(intf->req, &intf->req_cons, &intf->req_prod, buf, len);
	if (n < 0) {
		conn_fail(c, XENSTORE_ERROR_RINGIDX,
			  "inconsistent request ring offsets");
		errno = EAGAIN;
		return -1;
	}
	if (n == 0) {
		errno = EAGAIN;
		return -1;
	}
	kick(c);	/* there is room again */
	return n;
}

static ssize_t
ring_send(struct conn *c, const void *buf, size_t len)
{
	struct xenstore_domain_interface *intf = intf_of(c);
	ssize_t n;

	/* Quiesced: what is queued stays queued (it is in the image). */
	if (c->ignored || c->domain->quiesced) {
		errno = EAGAIN;
		return -1;
	}
	n = ring_put(intf->rsp, &intf->rsp_cons, &intf->rsp_prod, buf, len);
	if (n < 0) {
		conn_fail(c, XENSTORE_ERROR_RINGIDX,
			  "inconsistent response ring offsets");
		errno = EAGAIN;
		return -1;
	}
	if (n == 0) {
		errno = EAGAIN;
		return -1;
	}
	kick(c);
	return n;
}

static const struct conn_ops ring_ops = {
	.kind = "dom",
	.recv = ring_recv,
	.send = ring_send,
	.drain = true,
	.named_by_domid = true,
	.fail = ring_fail,
};

/* Empty queues, no error, connected: the state INTRODUCE starts from. */
static void
ring_clear(struct xenstore_domain_interface *intf)
{
	intf->req_cons = intf->req_prod = 0;
	intf->rsp_cons = intf->rsp_prod = 0;
	__atomic_store_n(&intf->error, XENSTORE_ERROR_NONE, __ATOMIC_RELEASE);
	__atomic_store_n(&intf->connection, XENSTORE_CONNECTED,
			 __ATOMIC_RELEASE);
}

struct conn *
conn_ring_new(struct xsd *xsd, struct domain *d, uint32_t features)
{
	struct conn *c = conn_new(xsd, &ring_ops, -1, d->domid);
	struct xenstore_domain_interface *intf = d->page;

	if (!c)
		return NULL;
	c->privileged = false;
	intf->server_features = features;
	ring_clear(intf);
	return c;
}

struct conn *
conn_ring_restore(struct xsd *xsd, struct domain *d, uint32_t id)
{
	struct conn *c = conn_new(xsd, &ring_ops, -1, d->domid);

	if (!c)
		return NULL;
	c->id = id;
	c->privileged = false;
	return c;
}

void
conn_ring_attach(struct conn *c, uint32_t features)
{
	c->ops = &ring_ops;
	snprintf(c->name, sizeof(c->name), "%s%u", ring_ops.kind, c->domid);
	intf_of(c)->server_features = features;
	trace("%s ATTACH\n", c->name);
	kick(c);
}

void
conn_ring_reset(struct conn *c)
{
	conn_reset(c);
	ring_clear(intf_of(c));
	trace("%s RESET\n", c->name);
	kick(c);
}

void
conn_ring_event(struct conn *c)
{
	struct xenstore_domain_interface *intf = intf_of(c);

	if (__atomic_load_n(&intf->connection, __ATOMIC_ACQUIRE) ==
	    XENSTORE_RECONNECT) {
		conn_ring_reset(c);
		return;
	}
	if (c->ignored || c->domain->quiesced)
		return;
	conn_flush(c);		/* the guest may have made room */
	conn_read(c);		/* unless its output is too far behind */
}
