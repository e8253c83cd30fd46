/*
 * backend_sim.c - the simulated Xen backend (docs/sim-backend.md).
 *
 * Ring pages are files mapped shared; event channels are SOCK_SEQPACKET
 * connections to the listening socket sim/evtchn.  A guest connects,
 * names its (domid, port) in an 8-byte hello, and the connection waits
 * as an unbound port until INTRODUCE binds it.  One byte either way is a
 * notification.  End of file on a bound channel means the domain died.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <talloc.h>

#include "accept.h"
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
	volatile sig_atomic_t lost;	/* file truncated: page replaced */
	bool warned;
};

struct sim {
	struct backend *b;
	char *dir;
	int listen_fd;
	uint32_t next_local;
	struct list_node chans;
	struct list_node pages;
	struct acceptor acc;	/* no spinning out of descriptors */
};

/*
 * A guest may truncate its ring file while the daemon has it mapped, and
 * touching the page then raises SIGBUS.  Checking the size first leaves
 * a window, so the mapping is guarded instead: the handler puts an
 * empty private page in place of the lost one and the access that
 * faulted goes on.  The guest is no longer served (see chan_event).
 * One simulated backend per process: the handler finds it here.
 */
static struct sim *sim_guarded;

static void
sigbus_guard(int sig, siginfo_t *si, void *ctx)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	struct sim_page *p;

	(void)ctx;
	if (sim_guarded) {
		list_for_each(p, &sim_guarded->pages, link) {
			if (a - (uintptr_t)p->page >= PAGE_SIZE)
				continue;
			if (mmap(p->page, PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
				 0) == MAP_FAILED)
				break;
			p->lost = 1;
			return;
		}
	}
	/* Not a ring page: die of it as before. */
	signal(sig, SIG_DFL);
}

static int
guard_pages(struct sim *s)
{
	struct sigaction sa = { .sa_sigaction = sigbus_guard,
				.sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) < 0)
		return -1;
	sim_guarded = s;
	return 0;
}

/* Is the domain's ring page still what it was mapped from? */
static bool
page_intact(struct sim *s, unsigned int domid)
{
	struct sim_page *p;
	struct stat st;

	list_for_each(p, &s->pages, link) {
		if (p->domid != domid)
			continue;
		if (!p->lost && fstat(p->fd, &st) == 0 &&
		    st.st_size >= PAGE_SIZE)
			return true;
		if (!p->warned)
			log_warnx("sim: dom%u truncated its ring file; "
				  "no longer served", domid);
		p->warned = true;
		return false;
	}
	return true;
}

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
	ch->dead = true;
	TALLOC_FREE(ch->io);
	close(ch->fd);
	ch->fd = -1;
	if (ch->local) {
		backend_domains_changed(ch->sim->b->xsd);
	} else {
		talloc_free(ch);	/* never bound: nobody cares */
	}
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
		if (hello[0] == 0 || hello[0] > 0x7fef || hello[1] == 0 ||
		    hello[1] > 0x7fffffff) {
			log_warnx("sim: bad hello domid %u port %u", hello[0],
				  hello[1]);
			chan_dead(ch);
			return;
		}
		ch->domid = hello[0];
		ch->remote = hello[1];
		ch->hello = true;
		return;
	}
	if (ch->local && page_intact(ch->sim, ch->domid))
		backend_port_fired(ch->sim->b->xsd, ch->local);
}

static void
accept_event(void *arg, short revents)
{
	struct sim *s = arg;
	struct sim_chan *ch;
	int fd;

	(void)revents;
	fd = acceptor_accept(&s->acc, s->listen_fd,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
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
	if (sim_guarded == s)
		sim_guarded = NULL;
	acceptor_fini(&s->acc);
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
	acceptor_init(&s->acc, "event channels");
	list_init(&s->chans);
	list_init(&s->pages);
	talloc_set_destructor(s, listener_destroy);
	b->priv = s;
	if (guard_pages(s))
		return errno;
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
	return EINVAL;
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
	.map = sim_map,
	.unmap = sim_unmap,
	.bind = sim_bind,
	.unbind = sim_unbind,
	.notify = sim_notify,
	.state = sim_state,
	.fd = sim_fd,
	.domain_fds = sim_domain_fds,
};
