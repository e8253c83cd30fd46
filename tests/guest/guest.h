/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest.h - a simulated Xen guest's end of a xenstore connection
 * (docs/sim-backend.md): the ring page file, the event channel socket
 * and the request/reply traffic over the ring.
 *
 * Failures set guest.err to a name without spaces: the xenstore error
 * of an ERROR reply (ENOENT, EACCES, ...) or a local reason (TIMEOUT,
 * EIO, ...); details go to standard error.
 */
#ifndef XS_GUEST_H
#define XS_GUEST_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_wire_ext.h"

/*
 * How long a request, a reconnection or the set-up may take: 10 s times
 * $XSD_TIME_SCALE (the tests' factor for slower builds and busier
 * machines, tests/integration/conftest.py).
 */
int guest_timeout_ms(void);
#define GUEST_TIMEOUT_MS guest_timeout_ms()

/* One complete message taken from the response queue. */
struct gmsg {
	struct gmsg *next;
	struct xsd_sockmsg hdr;
	char *body;		/* hdr.len bytes, plus a NUL not counted */
};

struct gmsg_queue {
	struct gmsg *head;
	struct gmsg **tail;
};

struct guest {
	unsigned int domid;
	unsigned int port;
	char ring_path[PATH_MAX];
	struct xenstore_domain_interface *intf;
	int evt_fd;		/* the event channel; -1 when closed */
	const char *xen_dir;	/* fake Xen (tests/fakexen), NULL: sim */
	int life_fd;		/* fake Xen: dies with us, kills the domain */
	uint32_t next_req;
	/* The message being reassembled from the response queue. */
	unsigned char in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	size_t in_len;
	struct gmsg_queue events;	/* WATCH_EVENTs not consumed yet */
	struct gmsg_queue replies;	/* replies not claimed yet */
	bool dead;		/* the daemon closed the event channel */
	bool suspended;		/* migrating: the ring is left alone */
	bool desync;		/* a request went out only in part */
	bool err_watch;		/* waits fail once error leaves err0 == 0 */
	uint32_t err0;
	char err[64];		/* why the last operation failed */
};

/* Set by SIGINT/SIGTERM: every wait gives up with INTERRUPTED. */
extern volatile sig_atomic_t guest_stop;

/* Set g->err (and say why on stderr when detail is not NULL). */
void guest_fail(struct guest *g, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set-up steps 1 and 2: ring page file and unbound event channel port. */
int guest_open(struct guest *g, const char *rundir, unsigned int domid,
	       unsigned int port);
/*
 * Migration (docs/migration.md): suspend leaves the ring alone (nothing
 * taken, no notification) until resume; move takes the domain to
 * another daemon's run directory: a copy of its page there, its event
 * channel a new connection announcing the same {domid, port}.
 */
void guest_suspend(struct guest *g, bool on);
int guest_move(struct guest *g, const char *rundir);
/*
 * Map a page file: an existing one (dom0's), or with create a new or
 * reused one, sized to a page (never shrunk: a daemon may still map it)
 * and zeroed.  Sets g->intf and g->ring_path.
 */
int guest_map_page(struct guest *g, const char *path, bool create);
/*
 * The same over the fake hypervisor of tests/fakexen (fx.h) below dir:
 * the domain is created (domains/<N>, grant/<N>), port is bound as an
 * unbound port of it, and the domain dies (VIRQ_DOM_EXC) when this
 * process and its --keep child are gone, through the fake's lifeline
 * server when one runs (fakexen-ctl hv).
 */
int guest_open_xen(struct guest *g, const char *dir, unsigned int domid,
		   unsigned int port);
/*
 * dom0's kernel end of dom0's own ring (no INTRODUCE: the daemon serves
 * it from start-up): sim (rundir/sim/dom0.ring, sim/xsd_port) or, with
 * xen_dir, the fake's xsd_kva and xsd_port.  Reconnects the ring, so
 * the conversation starts afresh.
 */
int guest_open_dom0(struct guest *g, const char *rundir, const char *xen_dir);
/* Fake Xen event channel: notify the daemon; read notifications. */
void guest_xen_notify(struct guest *g);
/* 1 something read, 0 nothing, -1 the daemon unbound (g->dead set). */
int guest_xen_drain(struct guest *g);
/* Step 4: wait for the daemon's first notification or server_features. */
int guest_wait_ready(struct guest *g, int timeout_ms);
/* Close the event channel and unmap the page. */
void guest_close(struct guest *g);

/*
 * One request over the ring; *reply gets the reply (free with
 * gmsg_free) unless reply is NULL.  An ERROR reply is a failure with
 * its name in g->err.
 */
int guest_call(struct guest *g, uint32_t type, uint32_t tx_id,
	       const void *payload, size_t len, struct gmsg **reply);

/* The oldest queued or the next watch event: 1 got one, 0 timeout
 * (timeout_ms < 0: none), -1 failure. */
int guest_next_event(struct guest *g, int timeout_ms, struct gmsg **ev);

/* Wait until fd is readable, serving the ring meanwhile. */
int guest_idle(struct guest *g, int fd);

/* Ring reconnection (connection = 1 ... 0); drops everything queued. */
int guest_reconnect(struct guest *g);
/* Bytes straight into the request queue, then notify. */
int guest_raw(struct guest *g, const void *buf, size_t len);
/*
 * For ms milliseconds keep the request queue full with copies of msg
 * (the last may go out in part), throwing every reply away; *copies
 * counts the whole ones.  Afterwards the stream is out of step.
 */
int guest_flood(struct guest *g, const void *msg, size_t len, int ms,
		unsigned long *copies);
/* req_prod = req_cons + 5000, then notify. */
int guest_ring_garbage(struct guest *g);
/* Notify the daemon in a tight loop for ms, with nothing in the ring
 * (an event-channel storm); *count: notifications sent. */
int guest_storm(struct guest *g, int ms, unsigned long *count);
uint32_t guest_error_field(const struct guest *g);
/* Wait up to timeout_ms for the error field to become non-zero. */
uint32_t guest_wait_error(struct guest *g, int timeout_ms);

void gmsg_free(struct gmsg *m);

/* Dom0 set-up over the Unix socket: MKDIR, SET_PERMS, INTRODUCE. */
int dom0_introduce(const char *sockpath, unsigned int domid,
		   unsigned int port, char *err, size_t errlen);

/* The name of an errno value ("ENOENT"), for local failures. */
const char *errno_name(int e);

#endif /* XS_GUEST_H */
