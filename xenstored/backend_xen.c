/*
 * backend_xen.c - the real backend: grant mapping of the xenstore page
 * (grant GNTTAB_RESERVED_XENSTORE, filled in by the domain builder),
 * event channels through /dev/xen/evtchn, and VIRQ_DOM_EXC for domains
 * that shut down or die.  Cannot run without a hypervisor; it is built
 * everywhere and kept to the calls themselves.
 */
#include <errno.h>
#include <poll.h>
#include <sys/mman.h>

#include <talloc.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "backend.h"
#include "log.h"
#include "loop.h"
#include "xsd.h"

struct xen {
	struct backend *b;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	xc_interface *xch;
	evtchn_port_t virq_port;
};

static int
xen_destroy(struct xen *x)
{
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
	if ((evtchn_port_t)port == x->virq_port)
		backend_domains_changed(x->b->xsd);
	else
		backend_port_fired(x->b->xsd, (uint32_t)port);
}

static int
xen_open(struct backend *b)
{
	struct xen *x = talloc_zero(b, struct xen);
	xenevtchn_port_or_error_t port;

	if (!x)
		return ENOMEM;
	x->b = b;
	b->priv = x;
	talloc_set_destructor(x, xen_destroy);
	x->xce = xenevtchn_open(NULL, 0);
	x->xgt = xengnttab_open(NULL, 0);
	x->xch = xc_interface_open(NULL, NULL, 0);
	if (!x->xce || !x->xgt || !x->xch)
		return errno ? errno : EIO;
	port = xenevtchn_bind_virq(x->xce, VIRQ_DOM_EXC);
	if (port < 0)
		return errno ? errno : EIO;
	x->virq_port = (evtchn_port_t)port;
	if (!loop_add(b->xsd->loop, x, xenevtchn_fd(x->xce), POLLIN,
		      evtchn_event, x))
		return ENOMEM;
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

	(void)domid;
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

/* Ports live in the event channel device; pages are grant-mapped anew. */
static void
xen_domain_fds(struct backend *b, unsigned int domid, uint32_t local,
	       int *evtchn_fd, int *page_fd)
{
	(void)b;
	(void)domid;
	(void)local;
	*evtchn_fd = -1;
	*page_fd = -1;
}

const struct backend_ops backend_xen_ops = {
	.name = "xen",
	.open = xen_open,
	.map = xen_map,
	.unmap = xen_unmap,
	.bind = xen_bind,
	.unbind = xen_unbind,
	.notify = xen_notify,
	.state = xen_state,
	.fd = xen_fd,
	.domain_fds = xen_domain_fds,
};
