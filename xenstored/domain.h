/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * domain.h - per-domain bookkeeping: accounting against quotas, the
 * quota values in force for the domain and its feature bits.
 *
 * Connections find their domain here; dom0 (the socket clients) always
 * exists.  Ring connections of guests arrive with the guest-domain work.
 */
#ifndef XSD_DOMAIN_H
#define XSD_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "perms.h"
#include "quota.h"
#include "xs_wire_ext.h"

struct conn;
struct xsd;

/* Features this daemon offers every domain (ring page bitmap). */
#define XSD_FEATURES \
	(XENSTORE_SERVER_FEATURE_RECONNECTION | \
	 XENSTORE_SERVER_FEATURE_ERROR | XENSTORE_SERVER_FEATURE_WATCHDEPTH)

struct domain {
	struct xsd *xsd;
	unsigned int domid;
	char key[12];			/* decimal domid, the hash key */
	struct quota_set quota;		/* copied from the defaults */
	unsigned int nodes;		/* nodes owned */
	unsigned int watches;
	unsigned int txns;
	/*
	 * Bytes the domain makes the daemon hold (docs/protocol.md,
	 * "Memory accounting"): its nodes, watches, transactions, its
	 * connection's buffers and the events it caused that wait in
	 * other connections' output (ev_pending, also counted here).
	 */
	size_t memory;
	size_t node_memory;		/* the nodes' part of memory */
	size_t ev_pending;
	bool memory_warned;		/* soft quota crossing logged */
	uint64_t released;		/* xsd->releases at its last release */
	uint32_t features;		/* valid when features_set */
	bool features_set;
	bool introduced;

	/* While introduced: */
	struct conn *conn;		/* the ring connection */
	void *page;			/* struct xenstore_domain_interface */
	uint64_t gfn;
	uint32_t remote_port;		/* the guest's end */
	uint32_t local_port;		/* ours: set with domain_set_port */
	char port_key[11];		/* its key in xsd->ports */
	uint32_t target;		/* SET_TARGET, or PERM_NO_TARGET */
	bool shutdown_reported;		/* @releaseDomain sent for shutdown */
	uint32_t seen_req_prod;		/* the ring at its last notification */
	uint32_t seen_rsp_cons;

	/* Migration (migration.c): */
	bool quiesced;			/* exported: its ring is left alone */
	bool imported;			/* state imported, INTRODUCE to come:
					 * conn is detached until then */
};

/* Find a domain; create it when create is set.  NULL when absent/OOM. */
struct domain *domain_get(struct xsd *xsd, unsigned int domid, bool create);
int domain_init(struct xsd *xsd);
/* Is the domain limited by quotas? */
bool domain_is_unprivileged(const struct domain *d);
/* Count nodes gained (+) or lost (-) by an owner. */
void domain_nodes_add(struct xsd *xsd, unsigned int owner, int delta);
/*
 * The store's owner hook (store_set_owner_fn, arg the struct xsd): moves
 * a node's count and memory from its old owner to its new one (NULL:
 * the node appears or goes).
 */
struct node;
void domain_owner_changed(void *arg, const struct node *old,
			  const struct node *new);
/* Charge (delta > 0) or release (delta < 0) bytes to a domain. */
void domain_mem_add(struct domain *d, ssize_t delta);
/*
 * May an unprivileged domain make the daemon hold add more bytes?
 * 0, or ENOMEM when that would take it over its hard memory quota.
 */
int domain_mem_check(const struct domain *d, size_t add);

/*
 * Start-up (unless -D): serve dom0's kernel over its own ring (page and
 * port from the backend's dom0_ring) as a privileged connection, and
 * create /local/domain/0.  0 or an errno.
 */
int domain_dom0_init(struct xsd *xsd);

/* INTRODUCE: map the page, bind the port, start serving. */
int domain_introduce(struct xsd *xsd, unsigned int domid, uint64_t gfn,
		     uint32_t port);
/* RELEASE (or death): stop serving, drop its nodes, @releaseDomain. */
void domain_release(struct domain *d);
/*
 * Set (0: clear) our end of the domain's event channel, keeping the
 * port -> domain index right.  0 or ENOMEM (then the port is clear).
 */
int domain_set_port(struct domain *d, uint32_t local);
/* The introduced domain with that domid, or NULL. */
struct domain *domain_introduced(struct xsd *xsd, unsigned int domid);

#endif /* XSD_DOMAIN_H */
