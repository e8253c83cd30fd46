// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guest_xen.c - a guest's end over the fake hypervisor of tests/fakexen
 * (fx.h), and dom0's kernel end of dom0's own ring under either backend.
 *
 * Over the fake, the ring page is the domain's grant file and the event
 * channel a datagram socket named in the port's record; notifying means
 * sending the daemon's port number to the daemon's handle socket (fx.c
 * finds it through the two port records).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fx.h"
#include "guest.h"

#define PAGE_SIZE 4096

static void
init(struct guest *g, unsigned int domid, unsigned int port)
{
	g->domid = domid;
	g->port = port;
	g->evt_fd = -1;
	g->life_fd = -1;
	g->next_req = 1;
	g->events.tail = &g->events.head;
	g->replies.tail = &g->replies.head;
}

/* Port record (domid, port) as unbound, with its socket bound by us. */
static int
xen_port(struct guest *g, unsigned int domid, unsigned int port)
{
	struct fx_port p = { .kind = FX_UNBOUND };

	snprintf(p.sock, sizeof(p.sock), "%u.%u.sock", domid, port);
	g->evt_fd = fx_socket(g->xen_dir, p.sock);
	if (g->evt_fd < 0 ||
	    fx_port_write(g->xen_dir, domid, port, &p, false) < 0) {
		guest_fail(g, errno_name(errno), "event channel %u.%u: %s",
			   domid, port, strerror(errno));
		return -1;
	}
	return 0;
}

/* The fake's lifeline server, if one runs: our end closing kills us. */
static void
lifeline(struct guest *g)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint32_t domid = g->domid;

	if (fx_path(sa.sun_path, sizeof(sa.sun_path), g->xen_dir, "hv") < 0 ||
	    access(sa.sun_path, F_OK) < 0)
		return;
	g->life_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (g->life_fd < 0)
		return;
	if (connect(g->life_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(g->life_fd, &domid, sizeof(domid), MSG_NOSIGNAL) !=
	    sizeof(domid)) {
		fprintf(stderr, "xs-guest: dom%u: lifeline %s: %s\n",
			g->domid, sa.sun_path, strerror(errno));
		close(g->life_fd);
		g->life_fd = -1;
	}
}

int
guest_open_xen(struct guest *g, const char *dir, unsigned int domid,
	       unsigned int port)
{
	char path[PATH_MAX];

	init(g, domid, port);
	g->xen_dir = dir;
	/* The domain builder's part: the domain and its xenstore page. */
	if (fx_domain_state(dir, domid) < 0 &&
	    fx_domain_set(dir, domid, "running") < 0) {
		guest_fail(g, errno_name(errno), "create domain %u in %s: %s",
			   domid, dir, strerror(errno));
		return -1;
	}
	if (fx_path(path, sizeof(path), dir, "grant/%u", domid) < 0 ||
	    guest_map_page(g, path, true) < 0)
		return -1;
	lifeline(g);
	return xen_port(g, domid, port);
}

static int
read_port(struct guest *g, const char *path, unsigned int *port)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		guest_fail(g, errno_name(errno), "open %s: %s", path,
			   strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (sscanf(buf, "%u", port) != 1 || *port == 0) {
		guest_fail(g, "EINVAL", "%s: no port", path);
		return -1;
	}
	return 0;
}

int
guest_open_dom0(struct guest *g, const char *rundir, const char *xen_dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct { uint32_t domid, port; } hello;
	char path[PATH_MAX];
	unsigned int port;
	struct fx_port p;

	init(g, 0, 0);
	g->xen_dir = xen_dir;
	if (xen_dir) {
		if (fx_path(path, sizeof(path), xen_dir, "xsd_port") < 0 ||
		    read_port(g, path, &port) < 0)
			return -1;
		g->port = port;
		if (fx_path(path, sizeof(path), xen_dir, "xsd_kva") < 0 ||
		    guest_map_page(g, path, false) < 0)
			return -1;
		/*
		 * The kernel's port: bound by the daemon, we only listen.
		 * A daemon that is still starting has not bound it yet:
		 * wait for that, as dom0's kernel waits for xenstored.
		 */
		for (int ms = 0;; ms += 10) {
			if (fx_port_read(xen_dir, 0, port, &p) < 0) {
				guest_fail(g, errno_name(errno),
					   "dom0 port %u: %s", port,
					   strerror(errno));
				return -1;
			}
			if (p.kind == FX_INTERDOMAIN)
				break;
			if (ms >= GUEST_TIMEOUT_MS || guest_stop) {
				guest_fail(g, "TIMEOUT", "no xenstored bound "
					   "dom0's port %u", port);
				return -1;
			}
			usleep(10000);
		}
		g->evt_fd = fx_socket(xen_dir, p.sock);
		if (g->evt_fd < 0) {
			guest_fail(g, errno_name(errno), "socket %s: %s",
				   p.sock, strerror(errno));
			return -1;
		}
	} else {
		snprintf(path, sizeof(path), "%s/sim/xsd_port", rundir);
		if (read_port(g, path, &port) < 0)
			return -1;
		g->port = port;
		snprintf(path, sizeof(path), "%s/sim/dom0.ring", rundir);
		if (guest_map_page(g, path, false) < 0)
			return -1;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sim/evtchn",
			 rundir);
		g->evt_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		hello.domid = 0;
		hello.port = port;
		if (g->evt_fd < 0 ||
		    connect(g->evt_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    send(g->evt_fd, &hello, sizeof(hello), MSG_NOSIGNAL) !=
		    sizeof(hello)) {
			guest_fail(g, errno_name(errno), "%s: %s", sa.sun_path,
				   strerror(errno));
			return -1;
		}
	}
	/*
	 * Whatever an earlier dom0 process left on the ring goes, where
	 * the daemon can reconnect rings (upstream 4.17's C xenstored
	 * cannot: then the ring is taken as it is).
	 */
	if (__atomic_load_n(&g->intf->server_features, __ATOMIC_ACQUIRE) &
	    XENSTORE_SERVER_FEATURE_RECONNECTION)
		return guest_reconnect(g);
	return 0;
}

void
guest_xen_notify(struct guest *g)
{
	if (fx_notify(g->xen_dir, g->domid, g->port) < 0) {
		fprintf(stderr, "xs-guest: dom%u: notify: %s\n", g->domid,
			strerror(errno));
		g->dead = true;
	}
}

int
guest_xen_drain(struct guest *g)
{
	uint32_t word;
	ssize_t n;
	int got = 0;

	for (;;) {
		n = recv(g->evt_fd, &word, sizeof(word), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return got;
		got = 1;
		if (n == sizeof(word) && (word & FX_CLOSED) &&
		    (word & ~FX_CLOSED) == g->port && g->domid != 0) {
			if (!g->dead)
				fprintf(stderr, "xs-guest: dom%u: event "
					"channel closed by the daemon\n",
					g->domid);
			g->dead = true;
			return -1;
		}
	}
}
