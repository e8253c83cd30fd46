/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * backend.h - how the daemon reaches guests: mapping their ring pages,
 * their event channels, and news of dying domains.
 *
 * Two implementations, chosen at start-up: backend_sim.c (files and
 * Unix sockets in the run directory, docs/sim-backend.md) and
 * backend_xen.c (Xen's own libraries).  Nothing outside these files knows
 * which one runs.  An implementation registers its descriptors with the
 * loop itself and reports through backend_port_fired() and
 * backend_domains_changed().
 */
#ifndef XSD_BACKEND_H
#define XSD_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

struct xsd;
struct backend;

enum domain_state {
	DOMAIN_RUNNING,
	DOMAIN_SHUTDOWN,	/* stopped, may be resumed */
	DOMAIN_DYING,		/* gone or going */
};

struct backend_ops {
	const char *name;
	/* Set up and register with the loop.  0 or an errno. */
	int (*open)(struct backend *b);
	/*
	 * dom0's own ring, as dom0's kernel set it up before the daemon
	 * started: map its page (*page, released with unmap(b, 0, page))
	 * and tell the unbound port dom0 allocated for us (*remote; bind
	 * it with bind(b, 0, *remote, ...)).  0 or an errno.
	 */
	int (*dom0_ring)(struct backend *b, void **page, uint32_t *remote);
	/*
	 * Map the ring page of domid.  0 or an errno.  Needs no state from
	 * an earlier map: after a live update the new binary maps the pages
	 * of the domains it restores the same way.
	 */
	int (*map)(struct backend *b, unsigned int domid, uint64_t gfn,
		   void **page);
	void (*unmap)(struct backend *b, unsigned int domid, void *page);
	/* Bind to the domain's unbound port; *local is our end. */
	int (*bind)(struct backend *b, unsigned int domid, uint32_t remote,
		    uint32_t *local);
	void (*unbind)(struct backend *b, uint32_t local);
	int (*notify)(struct backend *b, uint32_t local);
	enum domain_state (*state)(struct backend *b, unsigned int domid);
	/* Descriptors saved in a state image (-1: none): the backend's own, */
	int (*fd)(struct backend *b);
	/*
	 * and a domain's event channel and ring page (page_fd -1 when no
	 * descriptor is kept: map() maps the page again).
	 */
	void (*domain_fds)(struct backend *b, unsigned int domid,
			   uint32_t local, int *evtchn_fd, int *page_fd);
	/*
	 * Live update, in the new process: instead of open(), take over
	 * the descriptor fd that the old process saved (ops->fd there).
	 */
	int (*adopt)(struct backend *b, int fd);
	/*
	 * Live update: serve a domain again with its saved local port,
	 * from the descriptors saved for it (-1: none; then the backend
	 * finds the page and channel by other means).  The ring page is
	 * mapped as it is, never reset.  0 or an errno.
	 */
	int (*restore_domain)(struct backend *b, unsigned int domid,
			      uint64_t gfn, uint32_t remote, uint32_t local,
			      int evtchn_fd, int page_fd, void **page);
	/*
	 * Just before exec'ing a new binary (ours or upstream's): release
	 * what the new process sets up itself (on Xen: VIRQ_DOM_EXC, as
	 * upstream's C xenstored does).  NULL: nothing.
	 */
	void (*before_exec)(struct backend *b);
	/*
	 * After adopt(), once the state is restored: set up again what the
	 * previous process released (bind VIRQ_DOM_EXC), or, virq_port not
	 * 0, take that port as the one it left bound (oxenstored does not
	 * release it).  Also when an exec failed.  NULL: nothing.
	 */
	int (*after_adopt)(struct backend *b, uint32_t virq_port);
	/*
	 * Once per loop turn: ports set aside (a guest notifying with
	 * nothing to do) are watched again when their time has come.
	 * Returns the milliseconds until the next one is due, -1: none.
	 * NULL: nothing set aside.
	 */
	int (*tick)(struct backend *b);
};

struct backend {
	const struct backend_ops *ops;
	struct xsd *xsd;
	void *priv;
};

/* name: "sim", "xen" or NULL to choose (xen when /dev/xen exists). */
struct backend *backend_open(struct xsd *xsd, const char *name, int *err);
/* Live update: the backend ops (&backend_*_ops) over the saved fd. */
struct backend *backend_adopt(struct xsd *xsd, const struct backend_ops *ops,
			      int fd, int *err);

extern const struct backend_ops backend_sim_ops;
extern const struct backend_ops backend_xen_ops;

/*
 * Once per loop turn: the backend's tick; the milliseconds until it
 * wants the next one, -1: whenever.
 */
int backend_tick(struct xsd *xsd);

/*
 * Reports from implementations (domain.c handles them).  A port fired:
 * false when the ring showed nothing new since the last time (no request
 * bytes, no room freed for replies), which a guest notifying in a loop
 * does.
 */
bool backend_port_fired(struct xsd *xsd, uint32_t local);
/* Some domains may have changed state (VIRQ_DOM_EXC): look at all. */
void backend_domains_changed(struct xsd *xsd);
/* This domain may have changed state: look at it alone. */
void backend_domain_changed(struct xsd *xsd, unsigned int domid);

#endif /* XSD_BACKEND_H */
