/*
 * backend_sim.c - the simulated Xen backend (docs/sim-backend.md).
 *
 * Ring pages are files mapped shared; event channels are SOCK_SEQPACKET
 * connections to the listening socket sim/evtchn.  A guest connects,
 * names its (domid, port) in an 8-byte hello, and the connection waits
 * as an unbound port until INTRODUCE binds it.  One byte either way is a
 * notification.  End of file on a bound channel means the domain died.
 *
 * dom0's ring is set up by the daemon itself at start-up, standing in
 * for dom0's kernel: dom0.ring and xsd_port.  Its port is bound before
 * anyone connects (a channel without a descriptor); a dom0 process that
 * says hello with that port takes the binding over, and its end of file
 * only unplugs it again: dom0 does not die.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <talloc.h>

#include "backend.h"
#include "list.h"
#include "log.h"
#include "loop.h"
#include "xs_wire_ext.h"
#include "xsd.h"

#define PAGE_SIZE 4096

struct sim_chan {
	struct list_node link;
	struct sim *sim;
	int fd;
	bool hello;		/* hello received: domid and remote valid */
	bool dead;
	unsigned int domid;
	uint32_t remote;
	uint32_t local;		/* 0 while unbound */
	struct loop_io *io;
};

struct sim_page {
	struct list_node link;
	unsigned int domid;
	int fd;
	void *page;
};

struct sim {
	struct backend *b;
	char *dir;
	int listen_fd;
	uint32_t next_local;
	struct list_node chans;
	struct list_node pages;
};

static int
chan_destroy(struct sim_chan *ch)
{
	list_del(&ch->link);
	if (ch->fd >= 0)
		close(ch->fd);
	return 0;
}

static struct sim_chan *
chan_by_local(struct sim *s, uint32_t local)
{
	struct sim_chan *ch;

	list_for_each(ch, &s->chans, link)
		if (ch->local == local)
			return ch;
	return NULL;
}

static void
chan_dead(struct sim_chan *ch)
{
	TALLOC_FREE(ch->io);
	close(ch->fd);
	ch->fd = -1;
	if (ch->local && ch->domid == 0)
		return;		/* dom0's process went; the port stays */
	ch->dead = true;
	if (ch->local) {
		backend_domains_changed(ch->sim->b->xsd);
	} else {
		talloc_free(ch);	/* never bound: nobody cares */
	}
}

/*
 * A dom0 process says hello on dom0's port: it takes over the binding
 * (from the placeholder, or from an earlier dom0 process).  0, or EINVAL
 * when the port is not dom0's bound one.
 */
static int
dom0_plug(struct sim_chan *ch)
{
	struct sim_chan *old;

	list_for_each(old, &ch->sim->chans, link) {
		if (old != ch && old->domid == 0 && old->local &&
		    old->remote == ch->remote) {
			ch->local = old->local;
			old->local = 0;
			talloc_free(old);
			return 0;
		}
	}
	log_warnx("sim: dom0 hello for port %u, not dom0's ring port",
		  ch->remote);
	return EINVAL;
}

static void
chan_event(void *arg, short revents)
{
	struct sim_chan *ch = talloc_get_type_abort(arg, struct sim_chan);
	uint8_t buf[64];
	ssize_t n;

	(void)revents;
	n = recv(ch->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		chan_dead(ch);
		return;
	}
	if (!ch->hello) {
		uint32_t hello[2];

		if (n != sizeof(hello)) {
			log_warnx("sim: bad event channel hello (%zd bytes)",
				  n);
			chan_dead(ch);
			return;
		}
		memcpy(hello, buf, sizeof(hello));
		if (hello[0] > 0x7fef || hello[1] == 0 ||
		    hello[1] > 0x7fffffff) {
			log_warnx("sim: bad hello domid %u port %u", hello[0],
				  hello[1]);
			chan_dead(ch);
			return;
		}
		ch->domid = hello[0];
		ch->remote = hello[1];
		ch->hello = true;
		if (ch->domid == 0 && dom0_plug(ch))
			chan_dead(ch);
		return;
	}
	if (ch->local)
		backend_port_fired(ch->sim->b->xsd, ch->local);
}

static void
accept_event(void *arg, short revents)
{
	struct sim *s = arg;
	struct sim_chan *ch;
	int fd;

	(void)revents;
	fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	ch = talloc_zero(s, struct sim_chan);
	if (!ch) {
		close(fd);
		return;
	}
	ch->sim = s;
	ch->fd = fd;
	list_add_tail(&s->chans, &ch->link);
	talloc_set_destructor(ch, chan_destroy);
	ch->io = loop_add(s->b->xsd->loop, ch, fd, POLLIN, chan_event, ch);
	if (!ch->io)
		talloc_free(ch);
}

/* Channels and pages are talloc children: they close themselves. */
static int
listener_destroy(struct sim *s)
{
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	return 0;
}

static int
sim_open(struct backend *b)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sim *s = talloc_zero(b, struct sim);
	char *path;

	if (!s)
		return ENOMEM;
	s->b = b;
	s->listen_fd = -1;
	s->next_local = 1;
	list_init(&s->chans);
	list_init(&s->pages);
	talloc_set_destructor(s, listener_destroy);
	b->priv = s;
	s->dir = talloc_asprintf(s, "%s/sim", b->xsd->opt.rundir);
	path = talloc_asprintf(s, "%s/evtchn", s->dir);
	if (!s->dir || !path)
		return ENOMEM;
	if (mkdir(s->dir, 0755) < 0 && errno != EEXIST)
		return errno;
	if (strlen(path) >= sizeof(addr.sun_path))
		return ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
			      SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return errno;
	unlink(path);
	if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(s->listen_fd, 128) < 0)
		return errno;
	if (!loop_add(b->xsd->loop, s, s->listen_fd, POLLIN, accept_event, s))
		return ENOMEM;
	return 0;
}

static int
page_destroy(struct sim_page *p)
{
	list_del(&p->link);
	munmap(p->page, PAGE_SIZE);
	close(p->fd);
	return 0;
}

static int
sim_map(struct backend *b, unsigned int domid, uint64_t gfn, void **page)
{
	struct sim *s = b->priv;
	struct sim_page *p;
	struct stat st;
	char path[PATH_MAX];
	int fd;

	(void)gfn;	/* the file stands for the page */
	snprintf(path, sizeof(path), "%s/dom%u.ring", s->dir, domid);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? EINVAL : errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size != PAGE_SIZE) {
		close(fd);
		return EINVAL;
	}
	p = talloc_zero(s, struct sim_page);
	if (!p) {
		close(fd);
		return ENOMEM;
	}
	p->page = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (p->page == MAP_FAILED) {
		int err = errno;

		close(fd);
		talloc_free(p);
		return err;
	}
	p->domid = domid;
	p->fd = fd;
	list_add_tail(&s->pages, &p->link);
	talloc_set_destructor(p, page_destroy);
	*page = p->page;
	return 0;
}

/* What dom0's kernel would have made: dom0.ring, xsd_port (port 1). */
static int
sim_dom0_ring(struct backend *b, void **page, uint32_t *remote)
{
	struct sim *s = b->priv;
	char path[PATH_MAX], buf[16];
	unsigned long v;
	char *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/dom0.ring", s->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno;
	if (ftruncate(fd, PAGE_SIZE) < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/xsd_port", s->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n == 0 && write(fd, "1\n", 2) == 2) {
		strcpy(buf, "1\n");
		n = 2;
	}
	close(fd);
	if (n <= 0)
		return n < 0 ? errno : EIO;
	buf[n] = 0;
	v = strtoul(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || v == 0 || v > 0x7fffffff)
		return EINVAL;
	*remote = (uint32_t)v;
	return sim_map(b, 0, 0, page);
}

static void
sim_unmap(struct backend *b, unsigned int domid, void *page)
{
	struct sim *s = b->priv;
	struct sim_page *p;

	list_for_each(p, &s->pages, link) {
		if (p->domid == domid && p->page == page) {
			talloc_free(p);
			return;
		}
	}
}

static int
sim_bind(struct backend *b, unsigned int domid, uint32_t remote,
	 uint32_t *local)
{
	struct sim *s = b->priv;
	struct sim_chan *ch;

	list_for_each(ch, &s->chans, link) {
		if (ch->hello && !ch->dead && !ch->local &&
		    ch->domid == domid && ch->remote == remote) {
			ch->local = s->next_local++;
			*local = ch->local;
			return 0;
		}
	}
	if (domid != 0)
		return EINVAL;
	/* dom0's port: bound now, plugged when a dom0 process says hello. */
	ch = talloc_zero(s, struct sim_chan);
	if (!ch)
		return ENOMEM;
	ch->sim = s;
	ch->fd = -1;
	ch->hello = true;
	ch->remote = remote;
	ch->local = s->next_local++;
	list_add_tail(&s->chans, &ch->link);
	talloc_set_destructor(ch, chan_destroy);
	*local = ch->local;
	return 0;
}

static void
sim_unbind(struct backend *b, uint32_t local)
{
	struct sim_chan *ch = chan_by_local(b->priv, local);

	if (ch)
		talloc_free(ch);
}

static int
sim_notify(struct backend *b, uint32_t local)
{
	struct sim_chan *ch = chan_by_local(b->priv, local);
	uint8_t one = 1;

	if (!ch || ch->dead)
		return EINVAL;
	if (ch->fd < 0)
		return 0;	/* dom0's port, nobody plugged in */
	/* A full socket already holds a pending notification. */
	if (send(ch->fd, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN)
		return errno;
	return 0;
}

static enum domain_state
sim_state(struct backend *b, unsigned int domid)
{
	struct sim *s = b->priv;
	struct sim_chan *ch;

	if (domid == 0)
		return DOMAIN_RUNNING;
	list_for_each(ch, &s->chans, link)
		if (ch->domid == domid && ch->local)
			return ch->dead ? DOMAIN_DYING : DOMAIN_RUNNING;
	return DOMAIN_DYING;
}

static int
sim_fd(struct backend *b)
{
	struct sim *s = b->priv;

	return s->listen_fd;
}

static void
sim_domain_fds(struct backend *b, unsigned int domid, uint32_t local,
	       int *evtchn_fd, int *page_fd)
{
	struct sim *s = b->priv;
	struct sim_chan *ch = chan_by_local(s, local);
	struct sim_page *p;

	*evtchn_fd = ch && !ch->dead ? ch->fd : -1;
	*page_fd = -1;
	list_for_each(p, &s->pages, link)
		if (p->domid == domid)
			*page_fd = p->fd;
}

const struct backend_ops backend_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.dom0_ring = sim_dom0_ring,
	.map = sim_map,
	.unmap = sim_unmap,
	.bind = sim_bind,
	.unbind = sim_unbind,
	.notify = sim_notify,
	.state = sim_state,
	.fd = sim_fd,
	.domain_fds = sim_domain_fds,
};
