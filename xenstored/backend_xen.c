// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend_xen.c - the real backend: grant mapping of the xenstore page
 * (grant GNTTAB_RESERVED_XENSTORE, filled in by the domain builder),
 * event channels through /dev/xen/evtchn, and VIRQ_DOM_EXC for domains
 * that shut down or die.  dom0's own page comes from /proc/xen/xsd_kva
 * (xenfs; /dev/xen/xsd_kva where that is all there is) and its port
 * from /proc/xen/xsd_port, as upstream 4.17's dom0_init.
 *
 * Without a hypervisor it runs under tests/fakexen (an LD_PRELOAD
 * library faking these calls on files and sockets).
 *
 * Live update (exec of a new daemon) keeps the event channel handle:
 * its descriptor is saved (backend fd in GLOBAL_DATA) and reopened with
 * xenevtchn_fdopen, which keeps the domains' bound ports; VIRQ_DOM_EXC
 * is unbound before the exec and bound again after it (as upstream's C
 * xenstored does: so its port is always known, whichever daemon comes
 * next); ring pages are mapped again (grant mappings and dom0's mmap do
 * not survive exec).  So everything here is either that one descriptor or derived
 * from saved domain fields: xen_attach() is the one place that takes
 * handles, fresh or inherited.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <talloc.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "backend.h"
#include "log.h"
#include "loop.h"
#include "xsd.h"

#define XSD_KVA "/proc/xen/xsd_kva"
#define XSD_KVA_DEV "/dev/xen/xsd_kva"
#define XSD_PORT "/proc/xen/xsd_port"

struct xen {
	struct backend *b;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	xc_interface *xch;
	evtchn_port_t virq_port;	/* VIRQ_DOM_EXC's, 0 while unbound */
	void *dom0_page;		/* mmap of XSD_KVA, or NULL */
	int dom0_fd;			/* XSD_KVA, kept for the state image */
};

static int
xen_destroy(struct xen *x)
{
	if (x->dom0_page)
		munmap(x->dom0_page, XC_PAGE_SIZE);
	if (x->dom0_fd >= 0)
		close(x->dom0_fd);
	if (x->xce)
		xenevtchn_close(x->xce);
	if (x->xgt)
		xengnttab_close(x->xgt);
	if (x->xch)
		xc_interface_close(x->xch);
	return 0;
}

static void
evtchn_event(void *arg, short revents)
{
	struct xen *x = arg;
	xenevtchn_port_or_error_t port;

	(void)revents;
	port = xenevtchn_pending(x->xce);
	if (port < 0)
		return;
	xenevtchn_unmask(x->xce, (evtchn_port_t)port);
	if (x->virq_port && (evtchn_port_t)port == x->virq_port)
		backend_domains_changed(x->b->xsd);
	else
		backend_port_fired(x->b->xsd, (uint32_t)port);
}

/*
 * Take the handles.  evtchn_fd < 0: open a new event channel handle and
 * bind VIRQ_DOM_EXC on it; else reopen the handle inherited as that
 * descriptor (its domains' ports are still bound; VIRQ_DOM_EXC comes
 * with after_adopt()).
 */
static int
xen_attach(struct xen *x, int evtchn_fd)
{
	xenevtchn_port_or_error_t port;

	if (evtchn_fd < 0)
		x->xce = xenevtchn_open(NULL, 0);
	else
		x->xce = xenevtchn_fdopen(NULL, evtchn_fd, 0);
	x->xgt = xengnttab_open(NULL, 0);
	x->xch = xc_interface_open(NULL, NULL, 0);
	if (!x->xce || !x->xgt || !x->xch)
		return errno ? errno : EIO;
	if (evtchn_fd < 0) {
		port = xenevtchn_bind_virq(x->xce, VIRQ_DOM_EXC);
		if (port < 0)
			return errno ? errno : EIO;
		x->virq_port = (evtchn_port_t)port;
	}
	if (!loop_add(x->b->xsd->loop, x, xenevtchn_fd(x->xce), POLLIN,
		      evtchn_event, x))
		return ENOMEM;
	return 0;
}

static struct xen *
xen_new(struct backend *b)
{
	struct xen *x = talloc_zero(b, struct xen);

	if (!x)
		return NULL;
	x->b = b;
	x->dom0_fd = -1;
	b->priv = x;
	talloc_set_destructor(x, xen_destroy);
	return x;
}

static int
xen_open(struct backend *b)
{
	struct xen *x = xen_new(b);

	return x ? xen_attach(x, -1) : ENOMEM;
}

/*
 * Live update, in the new process: the event channel handle inherited
 * as fd, the domains' ports still bound on it.
 */
static int
xen_adopt(struct backend *b, int fd)
{
	struct xen *x = xen_new(b);

	return x ? xen_attach(x, fd) : ENOMEM;
}

/* Upstream's xenbus_evtchn(): the port as decimal text. */
static int
read_xsd_port(uint32_t *port)
{
	char buf[32], *end;
	unsigned long v;
	ssize_t n;
	int fd = open(XSD_PORT, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[n] = 0;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v == 0 ||
	    v > 0x7fffffff) {
		log_warnx("%s: not a port: \"%.*s\"", XSD_PORT, (int)n, buf);
		return EINVAL;
	}
	*port = (uint32_t)v;
	return 0;
}

static int
xen_dom0_ring(struct backend *b, void **page, uint32_t *remote)
{
	struct xen *x = b->priv;
	int ret = read_xsd_port(remote);

	if (ret) {
		log_warnx("dom0's port (%s): %s", XSD_PORT, strerror(ret));
		return ret;
	}
	if (x->dom0_page) {
		*page = x->dom0_page;
		return 0;
	}
	x->dom0_fd = open(XSD_KVA, O_RDWR | O_CLOEXEC);
	if (x->dom0_fd < 0 && errno == ENOENT)
		x->dom0_fd = open(XSD_KVA_DEV, O_RDWR | O_CLOEXEC);
	if (x->dom0_fd < 0) {
		ret = errno;
		log_warnx("dom0's page (%s): %s", XSD_KVA, strerror(ret));
		return ret;
	}
	*page = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     x->dom0_fd, 0);
	if (*page == MAP_FAILED) {
		ret = errno;
		close(x->dom0_fd);
		x->dom0_fd = -1;
		*page = NULL;
		return ret;
	}
	x->dom0_page = *page;
	return 0;
}

static int
xen_map(struct backend *b, unsigned int domid, uint64_t gfn, void **page)
{
	struct xen *x = b->priv;

	(void)gfn;	/* the reserved grant is preferred (xenstore.txt) */
	*page = xengnttab_map_grant_ref(x->xgt, domid,
					GNTTAB_RESERVED_XENSTORE,
					PROT_READ | PROT_WRITE);
	return *page ? 0 : (errno ? errno : EINVAL);
}

static void
xen_unmap(struct backend *b, unsigned int domid, void *page)
{
	struct xen *x = b->priv;

	if (domid == 0 && page == x->dom0_page) {
		munmap(page, XC_PAGE_SIZE);
		x->dom0_page = NULL;
		close(x->dom0_fd);
		x->dom0_fd = -1;
		return;
	}
	xengnttab_unmap(x->xgt, page, 1);
}

static int
xen_bind(struct backend *b, unsigned int domid, uint32_t remote,
	 uint32_t *local)
{
	struct xen *x = b->priv;
	xenevtchn_port_or_error_t port;

	port = xenevtchn_bind_interdomain(x->xce, domid, remote);
	if (port < 0)
		return errno ? errno : EINVAL;
	*local = (uint32_t)port;
	return 0;
}

static void
xen_unbind(struct backend *b, uint32_t local)
{
	struct xen *x = b->priv;

	if (xenevtchn_unbind(x->xce, local) < 0)
		log_warn("unbinding port %u", local);
}

static int
xen_notify(struct backend *b, uint32_t local)
{
	struct xen *x = b->priv;

	return xenevtchn_notify(x->xce, local) < 0 ? errno : 0;
}

static enum domain_state
xen_state(struct backend *b, unsigned int domid)
{
	struct xen *x = b->priv;
	xc_dominfo_t info;

	if (xc_domain_getinfo(x->xch, domid, 1, &info) != 1 ||
	    info.domid != domid || info.dying)
		return DOMAIN_DYING;
	return info.shutdown ? DOMAIN_SHUTDOWN : DOMAIN_RUNNING;
}

static int
xen_fd(struct backend *b)
{
	struct xen *x = b->priv;

	return xenevtchn_fd(x->xce);
}

/*
 * VIRQ_DOM_EXC across exec, as upstream's C xenstored does it: unbound
 * before (Xen binds a VIRQ once per vCPU, and the next process binds
 * it), bound again after; so its port is always known.  oxenstored
 * keeps it bound and tells its port.
 */
static void
xen_before_exec(struct backend *b)
{
	struct xen *x = b->priv;

	if (x->virq_port)
		xenevtchn_unbind(x->xce, x->virq_port);
	x->virq_port = 0;
}

static int
xen_after_adopt(struct backend *b, uint32_t virq_port)
{
	struct xen *x = b->priv;
	xenevtchn_port_or_error_t port = virq_port ? (int)virq_port :
		xenevtchn_bind_virq(x->xce, VIRQ_DOM_EXC);

	if (port < 0)
		return errno ? errno : EIO;
	x->virq_port = (evtchn_port_t)port;
	return 0;
}

/*
 * Live update: a domain's port is still bound on the inherited handle;
 * its page is mapped again (a grant mapping does not survive exec), and
 * dom0's from the descriptor of xsd_kva the previous process kept.
 * Nothing inherited is closed when this fails.
 */
static int
xen_restore_domain(struct backend *b, unsigned int domid, uint64_t gfn,
		   uint32_t remote, uint32_t local, int evtchn_fd,
		   int page_fd, void **page)
{
	struct xen *x = b->priv;

	(void)remote;
	(void)local;
	(void)evtchn_fd;	/* ports live in the backend's handle */
	if (domid != 0)
		return xen_map(b, domid, gfn, page);
	if (page_fd < 0) {
		/* from upstream's daemon: it keeps no descriptor of it */
		uint32_t port;

		return xen_dom0_ring(b, page, &port);
	}
	*page = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     page_fd, 0);
	if (*page == MAP_FAILED) {
		*page = NULL;
		return errno;
	}
	x->dom0_page = *page;
	x->dom0_fd = page_fd;
	return 0;
}

/*
 * Ports live in the event channel handle (the backend's descriptor);
 * guests' pages are grant-mapped anew, dom0's is mapped again from its
 * descriptor.
 */
static void
xen_domain_fds(struct backend *b, unsigned int domid, uint32_t local,
	       int *evtchn_fd, int *page_fd)
{
	struct xen *x = b->priv;

	(void)local;
	*evtchn_fd = -1;
	*page_fd = domid == 0 ? x->dom0_fd : -1;
}

const struct backend_ops backend_xen_ops = {
	.name = "xen",
	.open = xen_open,
	.dom0_ring = xen_dom0_ring,
	.map = xen_map,
	.unmap = xen_unmap,
	.bind = xen_bind,
	.unbind = xen_unbind,
	.notify = xen_notify,
	.state = xen_state,
	.fd = xen_fd,
	.domain_fds = xen_domain_fds,
	.adopt = xen_adopt,
	.restore_domain = xen_restore_domain,
	.before_exec = xen_before_exec,
	.after_adopt = xen_after_adopt,
};
