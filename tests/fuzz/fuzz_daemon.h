/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_daemon.h - a whole daemon in memory for the libFuzzer harnesses
 * of the wire parser (fuzz_wire.c) and the ring consumer (fuzz_ring.c):
 * the store, the domain table with its accounting, the special nodes,
 * and a backend whose only guest page is a buffer of the harness (what
 * the sim backend's file or Xen's grant mapping would be).  Everything
 * above the transports is the daemon's own code.
 *
 * Header-only: each harness is one .c file.
 */
#ifndef FUZZ_DAEMON_H
#define FUZZ_DAEMON_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "backend.h"
#include "conn.h"
#include "domain.h"
#include "log.h"
#include "loop.h"
#include "store.h"
#include "watch.h"
#include "xsd.h"

#define CHECK(x)					\
	do {						\
		if (!(x))				\
			abort();			\
	} while (0)

/* The harness's guest page, 4096 octets like a real one. */
static struct xenstore_domain_interface *fuzz_page;

static int
fb_open(struct backend *b)
{
	(void)b;
	return 0;
}

static int
fb_map(struct backend *b, unsigned int domid, uint64_t gfn, void **page)
{
	(void)b;
	(void)domid;
	(void)gfn;
	*page = fuzz_page;
	return fuzz_page ? 0 : EINVAL;
}

static void
fb_unmap(struct backend *b, unsigned int domid, void *page)
{
	(void)b;
	(void)domid;
	(void)page;
}

static int
fb_bind(struct backend *b, unsigned int domid, uint32_t remote,
	uint32_t *local)
{
	(void)b;
	(void)domid;
	*local = remote;
	return 0;
}

static void
fb_unbind(struct backend *b, uint32_t local)
{
	(void)b;
	(void)local;
}

static int
fb_notify(struct backend *b, uint32_t local)
{
	(void)b;
	(void)local;
	return 0;
}

static enum domain_state
fb_state(struct backend *b, unsigned int domid)
{
	(void)b;
	(void)domid;
	return DOMAIN_RUNNING;
}

static const struct backend_ops fuzz_backend_ops = {
	.name = "fuzz",
	.open = fb_open,
	.map = fb_map,
	.unmap = fb_unmap,
	.bind = fb_bind,
	.unbind = fb_unbind,
	.notify = fb_notify,
	.state = fb_state,
};

static struct xsd *
fuzz_daemon(void)
{
	struct xsd *xsd = talloc_zero(NULL, struct xsd);
	int err;

	CHECK(xsd);
	list_init(&xsd->conns);
	list_init(&xsd->flush);
	list_init(&xsd->busy);
	xsd->listen_fd = -1;
	quota_defaults(&xsd->quota);
	xsd->rbuf = talloc_size(xsd, XSD_RBUF_SIZE);
	xsd->loop = loop_new(xsd);
	xsd->store = store_open(xsd, NULL, &err);
	CHECK(xsd->rbuf && xsd->loop && xsd->store);
	CHECK(domain_init(xsd) == 0);
	store_set_owner_fn(xsd->store, domain_owner_changed, xsd);
	domain_nodes_add(xsd, 0, 1);	/* the root */
	xsd->internal = conn_internal(xsd);
	CHECK(xsd->internal && watch_specials_init(xsd) == 0);
	xsd->backend = talloc_zero(xsd, struct backend);
	CHECK(xsd->backend);
	xsd->backend->ops = &fuzz_backend_ops;
	xsd->backend->xsd = xsd;
	return xsd;
}

/* What the main loop does after its callbacks, until nothing is left. */
static void
fuzz_settle(struct xsd *xsd)
{
	unsigned int turns = 0;

	conn_flush_all(xsd);
	while (!list_empty(&xsd->busy) && turns++ < 10000) {
		conn_run_busy(xsd);
		conn_flush_all(xsd);
	}
}

/* The store is consistent and every domain's accounting adds up. */
static void
fuzz_check(struct xsd *xsd)
{
	char *report = NULL;

	CHECK(store_check(xsd->store, &report, xsd) == 0);
	talloc_free(report);
}

#endif /* FUZZ_DAEMON_H */
