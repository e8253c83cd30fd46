// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend_sim.c - the simulated Xen backend (docs/sim-backend.md).
 *
 * Ring pages are files mapped shared; event channels are SOCK_SEQPACKET
 * connections to the listening socket sim/evtchn.  A guest connects,
 * names its (domid, port) in an 8-byte hello, and the connection waits
 * as an unbound port until INTRODUCE binds it.  One byte either way is a
 * notification.  End of file on a bound channel means the domain died.
 *
 * A guest costs the daemon one descriptor, its channel: the page file is
 * closed once mapped.  Every lookup (a port to bind, a local port to
 * notify, a domain's state) is a hash lookup, so the n-th guest costs
 * what the first did.
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
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <talloc.h>

#include "accept.h"
#include "backend.h"
#include "fdlimit.h"
#include "files.h"
#include "hash.h"
#include "log.h"
#include "loop.h"
#include "xs_wire_ext.h"
#include "xsd.h"

#define PAGE_SIZE 4096
/*
 * A channel that fires this many times in a row with nothing new in its
 * ring (a guest notifying in a loop) is not watched for IDLE_PAUSE_MS:
 * the daemon's work for it is bounded, and a real request waits that
 * long at most.
 */
#define IDLE_FIRES 64
#define IDLE_PAUSE_MS 10

/*
 * An event channel connection.  Indexed while it can be found: unbound
 * ports (after their hello) by "<domid>:<remote>" in sim->unbound, bound
 * ones by their local port in sim->bound and by domid in sim->doms (the
 * domain's newest channel).  key and dkey are those hash keys.
 */
struct sim_chan {
	struct sim *sim;
	int fd;
	bool hello;		/* hello received: domid and remote valid */
	bool dead;
	unsigned int domid;
	uint32_t remote;
	uint32_t local;		/* 0 while unbound */
	struct loop_io *io;
	unsigned int idle;	/* fired with nothing new, in a row */
	bool paused;		/* set aside: on sim->paused */
	struct list_node paused_link;
	struct timespec paused_at;
	bool warned;
	char key[24];
	char dkey[HASH_KEY_UINT];
};

struct sim {
	struct backend *b;
	char *dir;
	int listen_fd;
	uint32_t next_local;
	struct hash *unbound;	/* "<domid>:<remote>" -> helloed, unbound */
	struct hash *bound;	/* "<local>" -> bound channel */
	struct hash *doms;	/* "<domid>" -> its newest bound channel */
	bool closing;		/* being freed: indexes go with it */
	struct acceptor acc;	/* no spinning out of descriptors */
	struct list_node pages;	/* struct sim_page, for the SIGBUS guard */
	struct list_node paused; /* struct sim_chan set aside (IDLE_FIRES) */
	struct hash *page_of;	/* "<domid>" -> struct sim_page */
};

/* A mapped ring page (no descriptor: the mapping holds the file). */
struct sim_page {
	struct list_node link;
	struct sim *sim;
	unsigned int domid;
	char key[HASH_KEY_UINT];
	void *page;
	volatile sig_atomic_t lost;	/* file truncated: page replaced */
	bool warned;
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

static int
page_destroy(struct sim_page *p)
{
	list_del(&p->link);
	if (!p->sim->closing && hash_get(p->sim->page_of, p->key) == p)
		hash_del(p->sim->page_of, p->key);
	munmap(p->page, PAGE_SIZE);
	return 0;
}

/* Remember a mapped page, for the guard and for page_intact. */
static int
track_page(struct sim *s, unsigned int domid, void *page)
{
	struct sim_page *p = talloc_zero(s, struct sim_page);

	if (!p)
		return ENOMEM;
	p->sim = s;
	p->domid = domid;
	p->page = page;
	hash_key_uint(p->key, domid);
	if (hash_put(s->page_of, p->key, p)) {
		talloc_free(p);
		return ENOMEM;
	}
	list_add_tail(&s->pages, &p->link);
	talloc_set_destructor(p, page_destroy);
	return 0;
}

/*
 * Is the domain's ring page still the file's?  A page the guard had to
 * replace is not: that guest is no longer served (said once).
 */
static bool
page_intact(struct sim *s, unsigned int domid)
{
	char key[HASH_KEY_UINT];
	struct sim_page *p = hash_get(s->page_of, hash_key_uint(key, domid));

	if (!p || !p->lost)
		return true;
	if (!p->warned)
		log_warnx("sim: dom%u truncated its ring file; no longer "
			  "served", domid);
	p->warned = true;
	return false;
}

/* Drop ch from an index, unless a newer channel took its key. */
static void
unindex(struct hash *h, const char *key, struct sim_chan *ch)
{
	if (hash_get(h, key) == ch)
		hash_del(h, key);
}

static int
chan_destroy(struct sim_chan *ch)
{
	struct sim *s = ch->sim;

	if (s->closing) {
		/* nothing to unindex */
	} else if (ch->local) {
		unindex(s->bound, ch->key, ch);
		unindex(s->doms, ch->dkey, ch);
	} else if (ch->hello) {
		unindex(s->unbound, ch->key, ch);
	}
	if (ch->paused)
		list_del(&ch->paused_link);
	TALLOC_FREE(ch->io);
	if (ch->fd >= 0)
		close(ch->fd);
	return 0;
}

static struct sim_chan *
chan_by_local(struct sim *s, uint32_t local)
{
	char key[HASH_KEY_UINT];

	return hash_get(s->bound, hash_key_uint(key, local));
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
		backend_domain_changed(ch->sim->b->xsd, ch->domid);
	} else {
		talloc_free(ch);	/* never bound: nobody cares */
	}
}

/* Index a bound channel by its local port and its domain. */
static int
index_bound(struct sim *s, struct sim_chan *ch)
{
	hash_key_uint(ch->key, ch->local);
	hash_key_uint(ch->dkey, ch->domid);
	if (hash_put(s->bound, ch->key, ch) || hash_put(s->doms, ch->dkey, ch))
		return ENOMEM;
	return 0;
}

/*
 * A dom0 process says hello on dom0's port: it takes over the binding
 * (from the placeholder, or from an earlier dom0 process).  0, or EINVAL
 * when the port is not dom0's bound one.
 */
static int
dom0_plug(struct sim_chan *ch)
{
	struct sim *s = ch->sim;
	char key[HASH_KEY_UINT];
	struct sim_chan *old = hash_get(s->doms, hash_key_uint(key, 0));

	if (!old || old == ch || !old->local || old->remote != ch->remote) {
		log_warnx("sim: dom0 hello for port %u, not dom0's ring port",
			  ch->remote);
		return EINVAL;
	}
	unindex(s->unbound, ch->key, ch);
	ch->local = old->local;
	/* The indexes point at ch (and its keys) before old goes. */
	if (index_bound(s, ch))
		return ENOMEM;
	old->local = 0;		/* its destructor leaves the indexes alone */
	old->hello = false;
	talloc_free(old);
	return 0;
}

/* A guest notifying with nothing to do: not watched for a while. */
static void
pause_chan(struct sim_chan *ch)
{
	if (!ch->warned)
		log_warnx("sim: dom%u notifies with nothing in its ring: its "
			  "channel is watched every %d ms while it does",
			  ch->domid, IDLE_PAUSE_MS);
	ch->warned = true;
	loop_set_events(ch->io, 0);
	clock_gettime(CLOCK_MONOTONIC, &ch->paused_at);
	ch->paused = true;
	list_add_tail(&ch->sim->paused, &ch->paused_link);
}

static int
sim_tick(struct backend *b)
{
	struct sim *s = b->priv;
	struct sim_chan *ch, *next;
	int wait = -1;
	double left;

	list_for_each_safe(ch, next, &s->paused, paused_link) {
		left = IDLE_PAUSE_MS - loop_ms_since(&ch->paused_at);
		if (left > 0) {
			if (wait < 0 || (int)left + 1 < wait)
				wait = (int)left + 1;
			continue;
		}
		list_del(&ch->paused_link);
		ch->paused = false;
		ch->idle = IDLE_FIRES / 2;	/* back soon if it goes on */
		if (ch->io)
			loop_set_events(ch->io, POLLIN);
	}
	return wait;
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
		snprintf(ch->key, sizeof(ch->key), "%u:%u", ch->domid,
			 ch->remote);
		/* The newest hello for a port wins; an older connection
		 * stays unbound until it closes. */
		if (hash_put(ch->sim->unbound, ch->key, ch)) {
			log_warnx("sim: out of memory for port %u of domain %u",
				  ch->remote, ch->domid);
			chan_dead(ch);
			return;
		}
		ch->hello = true;
		if (ch->domid == 0 && dom0_plug(ch))
			chan_dead(ch);
		return;
	}
	if (!ch->local || !page_intact(ch->sim, ch->domid))
		return;
	if (backend_port_fired(ch->sim->b->xsd, ch->local))
		ch->idle = 0;
	else if (++ch->idle >= IDLE_FIRES && ch->io && !ch->paused)
		pause_chan(ch);	/* (set aside, it fires for a hang-up only) */
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
	fdlimit_accepted(s->b->xsd, fd, "event channel");
	if (fd < 0)
		return;
	ch = talloc_zero(s, struct sim_chan);
	if (!ch) {
		close(fd);
		return;
	}
	ch->sim = s;
	ch->fd = fd;
	talloc_set_destructor(ch, chan_destroy);
	ch->io = loop_add(s->b->xsd->loop, ch, fd, POLLIN, chan_event, ch);
	if (!ch->io)
		talloc_free(ch);
}

/* Channels are talloc children: they close themselves. */
static int
listener_destroy(struct sim *s)
{
	s->closing = true;
	if (sim_guarded == s)
		sim_guarded = NULL;
	acceptor_fini(&s->acc);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	return 0;
}

static struct sim *
sim_new(struct backend *b)
{
	struct sim *s = talloc_zero(b, struct sim);

	if (!s)
		return NULL;
	s->b = b;
	s->listen_fd = -1;
	s->next_local = 1;
	acceptor_init(&s->acc, "event channels");
	list_init(&s->pages);
	list_init(&s->paused);
	talloc_set_destructor(s, listener_destroy);
	s->unbound = hash_new(s);
	s->bound = hash_new(s);
	s->doms = hash_new(s);
	s->page_of = hash_new(s);
	b->priv = s;
	s->dir = talloc_asprintf(s, "%s/sim", b->xsd->opt.rundir);
	if (!s->unbound || !s->bound || !s->doms || !s->page_of || !s->dir ||
	    guard_pages(s))
		return NULL;
	return s;
}

static int
sim_open(struct backend *b)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sim *s = sim_new(b);
	char why[FILES_WHY_LEN];
	char *path;
	int ret;

	if (!s)
		return ENOMEM;
	path = talloc_asprintf(s, "%s/evtchn", s->dir);
	if (!path)
		return ENOMEM;
	if (mkdir(s->dir, 0700) < 0 && errno != EEXIST)
		return errno;
	/*
	 * Whoever may write here can put their own evtchn in place of ours
	 * and play any guest, or dom0's ring: ours alone, as the run
	 * directory.  (A live update adopts the socket made here.)
	 */
	ret = files_check_dir(s->dir, why, sizeof(why));
	if (ret) {
		log_warnx("sim directory %s: %s", s->dir, why);
		return ret;
	}
	if (strlen(path) >= sizeof(addr.sun_path))
		return ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
			      SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return errno;
	unlink(path);
	/*
	 * Who connects says which domain and port it is: root's alone, as
	 * /dev/xen/evtchn is (bound under our umask of 077, so never
	 * wider, then 0600 as the socket's).
	 */
	if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(path, 0600) < 0 || listen(s->listen_fd, 128) < 0)
		return errno;
	if (!loop_add(b->xsd->loop, s, s->listen_fd, POLLIN, accept_event, s))
		return ENOMEM;
	return 0;
}

/* Live update: the listening socket of the previous process. */
static int
sim_adopt(struct backend *b, int fd)
{
	struct sim *s = sim_new(b);
	struct stat st;

	if (!s)
		return ENOMEM;
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return EBADF;
	s->listen_fd = fd;
	if (!loop_add(b->xsd->loop, s, fd, POLLIN, accept_event, s))
		return ENOMEM;
	return 0;
}

/*
 * Map domain domid's page by its documented path.  No descriptor is
 * kept: the mapping holds the file, and anyone (a new binary after a
 * live update included) maps the page again the same way.
 */
static int
sim_map_page(struct sim *s, unsigned int domid, void **page)
{
	char path[PATH_MAX];
	struct stat st;
	void *p;
	int fd, err;

	snprintf(path, sizeof(path), "%s/dom%u.ring", s->dir, domid);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? EINVAL : errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size != PAGE_SIZE) {
		close(fd);
		return EINVAL;
	}
	p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = errno;
	close(fd);
	if (p == MAP_FAILED)
		return err;
	err = track_page(s, domid, p);
	if (err) {
		munmap(p, PAGE_SIZE);
		return err;
	}
	*page = p;
	return 0;
}

static int
sim_map(struct backend *b, unsigned int domid, uint64_t gfn, void **page)
{
	(void)gfn;	/* the file stands for the page */
	return sim_map_page(b->priv, domid, page);
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
	/* 0600 as dom0.ring; Linux makes /proc/xen/xsd_port root's too */
	snprintf(path, sizeof(path), "%s/xsd_port", s->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
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
	char key[HASH_KEY_UINT];
	struct sim_page *p = hash_get(s->page_of, hash_key_uint(key, domid));

	if (p && p->page == page)
		talloc_free(p);		/* unmaps */
	else
		munmap(page, PAGE_SIZE);
}

static int
sim_bind(struct backend *b, unsigned int domid, uint32_t remote,
	 uint32_t *local)
{
	struct sim *s = b->priv;
	struct sim_chan *ch;
	char key[24];

	snprintf(key, sizeof(key), "%u:%u", domid, remote);
	ch = hash_get(s->unbound, key);
	if ((!ch || ch->dead) && domid == 0) {
		/* dom0's port: bound now, plugged when a dom0 process says
		 * hello. */
		ch = talloc_zero(s, struct sim_chan);
		if (!ch)
			return ENOMEM;
		ch->sim = s;
		ch->fd = -1;
		ch->remote = remote;
		ch->local = s->next_local++;
		talloc_set_destructor(ch, chan_destroy);
		if (index_bound(s, ch)) {
			talloc_free(ch);
			return ENOMEM;
		}
		*local = ch->local;
		return 0;
	}
	if (!ch || ch->dead)
		return EINVAL;
	hash_del(s->unbound, ch->key);
	ch->local = s->next_local++;
	if (index_bound(s, ch)) {
		talloc_free(ch);
		return ENOMEM;
	}
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
	char key[HASH_KEY_UINT];

	if (domid == 0)
		return DOMAIN_RUNNING;
	ch = hash_get(s->doms, hash_key_uint(key, domid));
	return ch && !ch->dead ? DOMAIN_RUNNING : DOMAIN_DYING;
}

static int
sim_fd(struct backend *b)
{
	struct sim *s = b->priv;

	return s->listen_fd;
}

/* The page has no descriptor (sim_map_page maps it again by path). */
static void
sim_domain_fds(struct backend *b, unsigned int domid, uint32_t local,
	       int *evtchn_fd, int *page_fd)
{
	struct sim_chan *ch = chan_by_local(b->priv, local);

	(void)domid;
	*evtchn_fd = ch && !ch->dead ? ch->fd : -1;
	*page_fd = -1;
}

/*
 * Live update: a domain's bound channel from the descriptor the previous
 * process kept open for us, and its page mapped again (by path: no
 * descriptor is kept; one saved by an older daemon is used and closed).
 * Nothing inherited is closed when this fails: the previous binary gets
 * it all back.
 */
static int
sim_restore_domain(struct backend *b, unsigned int domid, uint64_t gfn,
		   uint32_t remote, uint32_t local, int evtchn_fd,
		   int page_fd, void **page)
{
	struct sim *s = b->priv;
	struct sim_chan *ch;
	struct stat st;
	void *p = MAP_FAILED;
	int ret;

	(void)gfn;
	if (!local || chan_by_local(s, local))
		return EBADF;
	/* dom0's port may have no process plugged in (a placeholder). */
	if ((evtchn_fd >= 0 || domid != 0) &&
	    (evtchn_fd < 0 || fstat(evtchn_fd, &st) < 0 ||
	     !S_ISSOCK(st.st_mode)))
		return EBADF;
	if (page_fd >= 0 && fstat(page_fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == PAGE_SIZE)
		p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 page_fd, 0);
	if (p != MAP_FAILED && track_page(s, domid, p)) {
		munmap(p, PAGE_SIZE);
		return ENOMEM;
	}
	if (p != MAP_FAILED) {
		*page = p;
	} else {
		ret = sim_map_page(s, domid, page);
		if (ret)
			return ret;
	}
	ch = talloc_zero(s, struct sim_chan);
	if (!ch)
		return ENOMEM;
	ch->sim = s;
	ch->fd = evtchn_fd;
	ch->hello = evtchn_fd >= 0;
	ch->domid = domid;
	ch->remote = remote;
	ch->local = local;
	talloc_set_destructor(ch, chan_destroy);
	if (index_bound(s, ch))
		return ENOMEM;
	if (evtchn_fd >= 0) {
		ch->io = loop_add(b->xsd->loop, ch, evtchn_fd, POLLIN,
				  chan_event, ch);
		if (!ch->io)
			return ENOMEM;
	}
	if (local >= s->next_local)
		s->next_local = local + 1;
	if (p != MAP_FAILED)
		close(page_fd);
	return 0;
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
	.adopt = sim_adopt,
	.restore_domain = sim_restore_domain,
	.tick = sim_tick,
};
