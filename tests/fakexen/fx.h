/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fx.h - the fake hypervisor's state on plain files and sockets
 * (tests/fakexen/README.md), shared by the LD_PRELOAD library that
 * fakes libxenevtchn, libxengnttab and libxenctrl for a xenstored
 * (fakexen.c), by the guest side (tests/xs-guest --xen) and by the
 * control tool (fakexen-ctl.c).
 *
 * Everything lives below one directory, $FAKEXEN_DIR:
 *   domains/<d>      a domain exists: "running", "shutdown" or "dying"
 *   grant/<d>        its xenstore page (grant GNTTAB_RESERVED_XENSTORE)
 *   xsd_kva          dom0's xenstore page    (/dev/xen/xsd_kva)
 *   xsd_port         dom0's port, decimal    (/proc/xen/xsd_port)
 *   evtchn/<d>.<p>   port p of domain d: "<sock> unbound",
 *                    "<sock> dom <d2> <p2>" or "<sock> virq <n>"
 *   evtchn/<sock>    datagram sockets receiving notifications
 *   evtchn/<sock>.pend  for a socket serving many ports (an event
 *                    channel handle): one byte per port, 1 = pending
 * A notification is one 4-byte datagram: the receiver's port; with
 * FX_CLOSED set it tells that the other end unbound the channel.  A
 * datagram queue is short (net.unix.max_dgram_qlen), so where a .pend
 * file exists the sender sets the port's byte first: like Xen's pending
 * bit, it is never lost; the datagram is only the wake-up.
 */
#ifndef FX_H
#define FX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FX_PAGE 4096
#define FX_CLOSED 0x80000000u
#define FX_WAKE 0xffffffffu		/* a handle's wake-up to itself */
#define FX_MAX_PORT 4095
#define FX_SOCK_MAX 64

enum fx_kind { FX_UNBOUND, FX_INTERDOMAIN, FX_VIRQ };

struct fx_port {
	char sock[FX_SOCK_MAX];		/* name below evtchn/ */
	enum fx_kind kind;
	uint32_t peer_dom, peer_port;	/* FX_INTERDOMAIN */
	uint32_t virq;			/* FX_VIRQ */
};

/* dir/<fmt...> into buf; -1 (errno ENAMETOOLONG) when it does not fit. */
int fx_path(char *buf, size_t len, const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Port records.  0 or -1 with errno (ENOENT: no such port). */
int fx_port_read(const char *dir, uint32_t dom, uint32_t port,
		 struct fx_port *p);
/* excl: fail with EEXIST when the port exists (allocation). */
int fx_port_write(const char *dir, uint32_t dom, uint32_t port,
		  const struct fx_port *p, bool excl);
int fx_port_remove(const char *dir, uint32_t dom, uint32_t port);
/* A free port of domain dom, recorded as *p: the port, or -1. */
int fx_port_alloc(const char *dir, uint32_t dom, const struct fx_port *p);

/* Send word to the socket evtchn/<sock> (its pending byte first, if it
 * has a .pend file); a missing reader loses it.  0 when the datagram
 * went out, -1 when not (queue full, nobody there). */
int fx_send(const char *dir, const char *sock, uint32_t word);
/* Notify the other end of (dom, port).  0 or -1 with errno. */
int fx_notify(const char *dir, uint32_t dom, uint32_t port);
/* Unbind (dom, port): the peer's end becomes unbound and is told. */
int fx_unbind(const char *dir, uint32_t dom, uint32_t port);

/* A datagram socket bound at evtchn/<sock> (non-blocking, cloexec). */
int fx_socket(const char *dir, const char *sock);

/* Domains: 0 running, 1 shutdown, 2 dying, -1 (errno ENOENT) none. */
int fx_domain_state(const char *dir, uint32_t dom);
int fx_domain_set(const char *dir, uint32_t dom, const char *state);
/* Send every port bound to virq its notification. */
void fx_fire_virq(const char *dir, uint32_t virq);
/* fn for every port bound to virq, until it returns non-zero (that). */
int fx_foreach_virq(const char *dir, uint32_t virq,
		    int (*fn)(const char *dir, uint32_t dom, uint32_t port,
			      const struct fx_port *p, void *arg), void *arg);

#endif /* FX_H */
