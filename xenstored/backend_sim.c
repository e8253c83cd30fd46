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
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <talloc.h>

#include "backend.h"
#include "fdlimit.h"
#include "hash.h"
#include "log.h"
#include "loop.h"
#include "xs_wire_ext.h"
#include "xsd.h"

#define PAGE_SIZE 4096

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
};

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
	ch->dead = true;
	TALLOC_FREE(ch->io);
	close(ch->fd);
	ch->fd = -1;
	if (ch->local) {
		backend_domain_changed(ch->sim->b->xsd, ch->domid);
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
	fd = fdlimit_accept(s->b->xsd, s->listen_fd, "event channel");
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
	talloc_set_destructor(s, listener_destroy);
	s->unbound = hash_new(s);
	s->bound = hash_new(s);
	s->doms = hash_new(s);
	b->priv = s;
	s->dir = talloc_asprintf(s, "%s/sim", b->xsd->opt.rundir);
	if (!s->unbound || !s->bound || !s->doms || !s->dir)
		return NULL;
	return s;
}

static int
sim_open(struct backend *b)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sim *s = sim_new(b);
	char *path;

	if (!s)
		return ENOMEM;
	path = talloc_asprintf(s, "%s/evtchn", s->dir);
	if (!path)
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
	*page = p;
	return 0;
}

static int
sim_map(struct backend *b, unsigned int domid, uint64_t gfn, void **page)
{
	(void)gfn;	/* the file stands for the page */
	return sim_map_page(b->priv, domid, page);
}

static void
sim_unmap(struct backend *b, unsigned int domid, void *page)
{
	(void)b;
	(void)domid;
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
	if (!ch || ch->dead)
		return EINVAL;
	hash_del(s->unbound, ch->key);
	ch->local = s->next_local++;
	hash_key_uint(ch->key, ch->local);
	hash_key_uint(ch->dkey, ch->domid);
	if (hash_put(s->bound, ch->key, ch)) {
		talloc_free(ch);
		return ENOMEM;
	}
	if (hash_put(s->doms, ch->dkey, ch)) {
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
	if (evtchn_fd < 0 || fstat(evtchn_fd, &st) < 0 ||
	    !S_ISSOCK(st.st_mode) || !local || chan_by_local(s, local))
		return EBADF;
	if (page_fd >= 0 && fstat(page_fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == PAGE_SIZE)
		p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 page_fd, 0);
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
	ch->hello = true;
	ch->domid = domid;
	ch->remote = remote;
	ch->local = local;
	hash_key_uint(ch->key, local);
	hash_key_uint(ch->dkey, domid);
	talloc_set_destructor(ch, chan_destroy);
	if (hash_put(s->bound, ch->key, ch) || hash_put(s->doms, ch->dkey, ch))
		return ENOMEM;
	ch->io = loop_add(b->xsd->loop, ch, evtchn_fd, POLLIN, chan_event,
			  ch);
	if (!ch->io)
		return ENOMEM;
	if (local >= s->next_local)
		s->next_local = local + 1;
	if (p != MAP_FAILED)
		close(page_fd);
	return 0;
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
	.adopt = sim_adopt,
	.restore_domain = sim_restore_domain,
};
