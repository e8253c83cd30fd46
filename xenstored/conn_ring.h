/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn_ring.h - guest connections over the shared ring page.
 */
#ifndef XSD_CONN_RING_H
#define XSD_CONN_RING_H

#include <stdint.h>

struct conn;
struct domain;
struct xsd;

/* The connection of a newly introduced domain (page mapped, port bound). */
struct conn *conn_ring_new(struct xsd *xsd, struct domain *d,
			   uint32_t features);
/*
 * Live update: the connection of a domain whose page and port were
 * taken over, with its saved id; the ring is served as it stands.
 */
struct conn *conn_ring_restore(struct xsd *xsd, struct domain *d,
			       uint32_t id);
/*
 * A ring connection restored without its transport (conn_new_detached:
 * dom0's after a restore, a guest's imported by a migration) served
 * again over the domain's page, keeping its watches, transactions and
 * buffers; the page's queues are left as they are.
 */
void conn_ring_attach(struct conn *c, uint32_t features);
/* The domain's event channel fired. */
void conn_ring_event(struct conn *c);
/* Back to a fresh connection: nothing queued, no watches or txns. */
void conn_ring_reset(struct conn *c);

#endif /* XSD_CONN_RING_H */
