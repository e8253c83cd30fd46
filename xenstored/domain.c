// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * domain.c - the table of domains known to the daemon: their accounting,
 * their introduction (ring page mapped, event channel bound, connection
 * served) and their release.
 */
#include <errno.h>
#include <stdio.h>

#include <talloc.h>

#include "backend.h"
#include "conn.h"
#include "conn_ring.h"
#include "domain.h"
#include "hash.h"
#include "log.h"
#include "node.h"
#include "tree.h"
#include "watch.h"
#include "xs_wire_ext.h"
#include "xsd.h"

struct domain *
domain_get(struct xsd *xsd, unsigned int domid, bool create)
{
	struct domain *d;
	char key[HASH_KEY_UINT];

	d = hash_get(xsd->domains, hash_key_uint(key, domid));
	if (d || !create)
		return d;
	d = talloc_zero(xsd->domains, struct domain);
	if (!d)
		return NULL;
	d->xsd = xsd;
	d->domid = domid;
	d->target = PERM_NO_TARGET;
	hash_key_uint(d->key, domid);
	d->quota = xsd->quota;
	if (hash_put(xsd->domains, d->key, d)) {
		talloc_free(d);
		return NULL;
	}
	return d;
}

int
domain_init(struct xsd *xsd)
{
	struct domain *d;

	xsd->domains = hash_new(xsd);
	xsd->ports = hash_new(xsd);
	if (!xsd->domains || !xsd->ports)
		return ENOMEM;
	d = domain_get(xsd, 0, true);
	if (!d)
		return ENOMEM;
	d->introduced = true;
	return 0;
}

bool
domain_is_unprivileged(const struct domain *d)
{
	return d->domid != 0;
}

void
domain_nodes_add(struct xsd *xsd, unsigned int owner, int delta)
{
	struct domain *d = domain_get(xsd, owner, delta > 0);

	if (!d)
		return;
	if (delta < 0 && d->nodes < (unsigned int)-delta)
		d->nodes = 0;
	else
		d->nodes += (unsigned int)delta;
}

void
domain_mem_add(struct domain *d, ssize_t delta)
{
	unsigned int soft = d->quota.soft[Q_MEMORY];

	if (delta < 0 && d->memory < (size_t)-delta)
		d->memory = 0;
	else
		d->memory += (size_t)delta;
	if (!soft || !domain_is_unprivileged(d))
		return;
	if (d->memory > soft && !d->memory_warned) {
		d->memory_warned = true;
		log_warnx("domain %u holds %zu bytes, over its soft memory "
			  "quota of %u", d->domid, d->memory, soft);
	} else if (d->memory <= soft / 2) {
		d->memory_warned = false;
	}
}

int
domain_mem_check(const struct domain *d, size_t add)
{
	unsigned int hard = d->quota.hard[Q_MEMORY];

	if (!domain_is_unprivileged(d) || !hard)
		return 0;
	return d->memory + add > hard ? ENOMEM : 0;
}

void
domain_owner_changed(void *arg, const struct node *old,
		     const struct node *new)
{
	struct xsd *xsd = arg;
	struct domain *d;

	if (old) {
		domain_nodes_add(xsd, node_owner(old), -1);
		d = domain_get(xsd, node_owner(old), false);
		if (d) {
			domain_mem_add(d, -(ssize_t)node_mem(old));
			d->node_memory -= d->node_memory < node_mem(old) ?
					  d->node_memory : node_mem(old);
		}
	}
	if (new) {
		domain_nodes_add(xsd, node_owner(new), 1);
		d = domain_get(xsd, node_owner(new), false);
		if (d) {
			domain_mem_add(d, (ssize_t)node_mem(new));
			d->node_memory += node_mem(new);
		}
	}
}

struct domain *
domain_introduced(struct xsd *xsd, unsigned int domid)
{
	struct domain *d = domain_get(xsd, domid, false);

	return d && d->introduced && d->domid ? d : NULL;
}

int
domain_set_port(struct domain *d, uint32_t local)
{
	struct hash *ports = d->xsd->ports;

	if (d->local_port && hash_get(ports, d->port_key) == d)
		hash_del(ports, d->port_key);
	d->local_port = local;
	if (!local)
		return 0;
	hash_key_uint(d->port_key, local);
	if (hash_put(ports, d->port_key, d)) {
		d->local_port = 0;
		return ENOMEM;
	}
	return 0;
}

static void unbind(struct domain *d);

/* dom0's home, as the toolstack would make a guest's (owner dom0). */
static int
dom0_home(struct xsd *xsd)
{
	int ret = tree_mkdir(xsd->internal, NULL, "/local/domain/0");

	return ret == EEXIST ? 0 : ret;
}

int
domain_dom0_init(struct xsd *xsd)
{
	struct backend *b = xsd->backend;
	struct domain *d = domain_get(xsd, 0, false);
	uint32_t remote, local;
	void *page;
	int ret;

	if (!d)
		return ENOENT;
	ret = b->ops->dom0_ring(b, &page, &remote);
	if (ret)
		return ret;
	ret = b->ops->bind(b, 0, remote, &local);
	if (ret) {
		b->ops->unmap(b, 0, page);
		return ret;
	}
	d->page = page;
	d->gfn = 0;
	d->remote_port = remote;
	ret = domain_set_port(d, local);
	if (ret) {
		b->ops->unbind(b, local);
		b->ops->unmap(b, 0, page);
		d->page = NULL;
		return ret;
	}
	if (d->conn) {
		/* Restored from an image: dom0's kernel carries on with it. */
		conn_ring_attach(d->conn, XSD_FEATURES);
		return dom0_home(xsd);
	}
	d->conn = conn_ring_new(xsd, d, XSD_FEATURES);
	if (!d->conn) {
		unbind(d);
		b->ops->unmap(b, 0, page);
		d->page = NULL;
		return ENOMEM;
	}
	d->conn->privileged = true;
	b->ops->notify(b, local);
	log_debug("dom0's ring served (port %u)", remote);
	return dom0_home(xsd);
}

/*
 * Only a port this process bound is ours to unbind: a domain restored
 * from a debug dump keeps its saved port number for the record (no
 * page mapped), and that number may be another guest's by now.
 */
static void
unbind(struct domain *d)
{
	struct backend *b = d->xsd->backend;

	if (d->local_port && d->page)
		b->ops->unbind(b, d->local_port);
	domain_set_port(d, 0);
}

/*
 * A domain whose state was imported (migration): its connection, with
 * watches, transactions and buffers, waits detached; now it serves the
 * ring as the guest left it (offsets and all: nothing is reset), sends
 * what was queued and takes the requests the guest had queued.
 */
static int
introduce_imported(struct xsd *xsd, struct domain *d, uint64_t gfn,
		   uint32_t port, uint32_t features)
{
	struct backend *b = xsd->backend;
	int ret;
	uint32_t local;

	ret = b->ops->map(b, d->domid, gfn, &d->page);
	if (ret)
		return ret;
	ret = b->ops->bind(b, d->domid, port, &local);
	if (!ret && (ret = domain_set_port(d, local)))
		b->ops->unbind(b, local);
	if (ret) {
		b->ops->unmap(b, d->domid, d->page);
		d->page = NULL;
		return ret;
	}
	d->gfn = gfn;
	d->remote_port = port;
	d->introduced = true;
	d->imported = false;
	d->shutdown_reported = false;
	conn_ring_attach(d->conn, features);
	watch_fire_special(xsd, "@introduceDomain", d->domid);
	log_debug("domain %u introduced with imported state (port %u)",
		  d->domid, port);
	conn_ring_event(d->conn);
	b->ops->notify(b, d->local_port);
	return 0;
}

int
domain_introduce(struct xsd *xsd, unsigned int domid, uint64_t gfn,
		 uint32_t port)
{
	struct backend *b = xsd->backend;
	struct domain *d = domain_get(xsd, domid, true);
	uint32_t features, local;
	int ret;

	if (!d)
		return ENOMEM;
	features = d->features_set ? d->features : XSD_FEATURES;
	if (d->imported)
		return introduce_imported(xsd, d, gfn, port, features);
	if (d->introduced && !d->page) {
		/* Restored from a debug dump, never served: start afresh. */
		TALLOC_FREE(d->conn);
		domain_set_port(d, 0);
		d->introduced = false;
	}
	if (d->introduced) {
		/* Again: a new event channel (the old one stays if that
		 * fails) and a fresh connection. */
		ret = b->ops->bind(b, domid, port, &local);
		if (ret)
			return ret;
		unbind(d);
		ret = domain_set_port(d, local);
		if (ret) {
			b->ops->unbind(b, local);
			return ret;
		}
		d->remote_port = port;
		((struct xenstore_domain_interface *)d->page)->server_features =
			features;
		if (d->conn)
			conn_ring_reset(d->conn);
		return 0;
	}
	ret = b->ops->map(b, domid, gfn, &d->page);
	if (ret)
		return ret;
	ret = b->ops->bind(b, domid, port, &local);
	if (!ret) {
		ret = domain_set_port(d, local);
		if (ret)
			b->ops->unbind(b, local);
	}
	if (ret) {
		b->ops->unmap(b, domid, d->page);
		d->page = NULL;
		return ret;
	}
	d->target = PERM_NO_TARGET;
	d->conn = conn_ring_new(xsd, d, features);
	if (!d->conn) {
		unbind(d);
		b->ops->unmap(b, domid, d->page);
		d->page = NULL;
		return ENOMEM;
	}
	d->gfn = gfn;
	d->remote_port = port;
	d->introduced = true;
	d->shutdown_reported = false;
	b->ops->notify(b, d->local_port);
	watch_fire_special(xsd, "@introduceDomain", domid);
	log_debug("domain %u introduced (port %u)", domid, port);
	return 0;
}

/*
 * Whoever acted for the released domain no longer does: its domid may
 * come back as another domain (as upstream, XSA-322).
 */
static int
forget_target(const char *key, void *val, void *arg)
{
	struct domain *d = val, *gone = arg;

	(void)key;
	if (d->target != gone->domid)
		return 0;
	d->target = PERM_NO_TARGET;
	if (d->conn)
		d->conn->target = PERM_NO_TARGET;
	return 0;
}

void
domain_release(struct domain *d)
{
	struct xsd *xsd = d->xsd;
	struct backend *b = xsd->backend;
	int ret;

	if (d->imported) {
		/* Imported, never introduced: drop what was imported. */
		TALLOC_FREE(d->conn);
		d->imported = false;
		if (!xsd->opt.keep_orphans && (ret = tree_rm_owned(xsd,
								   d->domid)))
			log_warnx("removing nodes of domain %u: error %d",
				  d->domid, ret);
		return;
	}
	if (!d->introduced || !d->domid)
		return;
	d->quiesced = false;
	TALLOC_FREE(d->conn);
	unbind(d);
	if (d->page)
		b->ops->unmap(b, d->domid, d->page);
	d->page = NULL;
	d->introduced = false;
	if (!xsd->opt.keep_orphans) {
		ret = tree_rm_owned(xsd, d->domid);
		if (ret)
			log_warnx("removing nodes of domain %u: error %d",
				  d->domid, ret);
	}
	ret = tree_forget_domain(xsd, d->domid);
	if (ret)
		log_warnx("revoking rights of domain %u: error %d", d->domid,
			  ret);
	d->released = ++xsd->releases;
	hash_foreach(xsd->domains, forget_target, d);
	watch_fire_special(xsd, "@releaseDomain", d->domid);
	log_debug("domain %u released", d->domid);
}

/*
 * Our end of a channel fired: one lookup, whatever the number of
 * domains.  A port nobody owns is a late notification for a channel
 * just unbound; nothing to do.
 */
bool
backend_port_fired(struct xsd *xsd, uint32_t local)
{
	char key[HASH_KEY_UINT];
	struct domain *d = hash_get(xsd->ports, hash_key_uint(key, local));
	struct xenstore_domain_interface *intf;
	uint32_t req, rsp;
	bool news;

	/* A domain restored from a dump has no page: not ours to serve.
	 * dom0's ring is served like a guest's. */
	if (!d || !d->introduced || !d->conn || !d->page)
		return true;
	intf = d->page;
	req = __atomic_load_n(&intf->req_prod, __ATOMIC_ACQUIRE);
	rsp = __atomic_load_n(&intf->rsp_cons, __ATOMIC_ACQUIRE);
	news = req != d->seen_req_prod || rsp != d->seen_rsp_cons;
	d->seen_req_prod = req;
	d->seen_rsp_cons = rsp;
	conn_ring_event(d->conn);
	return news;
}

static void
check_domain(struct domain *d)
{
	struct backend *b = d->xsd->backend;
	enum domain_state st;

	if (!d->introduced || !d->domid || !d->page)
		return;		/* a domain restored from a dump stays */
	st = b->ops->state(b, d->domid);
	if (st == DOMAIN_DYING) {
		domain_release(d);
	} else if (st == DOMAIN_SHUTDOWN && !d->shutdown_reported) {
		d->shutdown_reported = true;
		watch_fire_special(d->xsd, "@releaseDomain", d->domid);
	}
}

static int
check_state(const char *key, void *val, void *arg)
{
	(void)key;
	(void)arg;
	check_domain(val);
	return 0;
}

void
backend_domains_changed(struct xsd *xsd)
{
	hash_foreach(xsd->domains, check_state, NULL);
}

void
backend_domain_changed(struct xsd *xsd, unsigned int domid)
{
	struct domain *d = domain_get(xsd, domid, false);

	if (d)
		check_domain(d);
}
