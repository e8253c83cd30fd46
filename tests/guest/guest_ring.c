// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guest_ring.c - the guest side of the simulated backend
 * (docs/sim-backend.md, docs/misc/xenstore-ring.txt).
 *
 * Requests go into req with ring_put, replies and watch events come out
 * of rsp with ring_take (xenstored/ring.c serves both sides).  Every
 * change of an offset is followed by a notification: one byte on the
 * SOCK_SEQPACKET event channel.  Waiting is always "look at the ring,
 * then wait for a notification": a notification sent after the look
 * stays queued on the socket, so none is lost; several may arrive for
 * one change (or one for several), which is why the ring is looked at
 * again after each.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "ring.h"

#define PAGE_SIZE 4096
#define HDR_LEN sizeof(struct xsd_sockmsg)
#define ERR_POLL_MS 50

volatile sig_atomic_t guest_stop;

const char *
errno_name(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "EIO";
}

void
guest_fail(struct guest *g, const char *name, const char *fmt, ...)
{
	va_list ap;

	snprintf(g->err, sizeof(g->err), "%s", name);
	if (fmt) {
		fprintf(stderr, "xs-guest: dom%u: ", g->domid);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

/* -- time ----------------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
guest_timeout_ms(void)
{
	const char *s = getenv("XSD_TIME_SCALE");
	double scale = s ? strtod(s, NULL) : 1.0;

	if (!(scale >= 1.0 && scale <= 100.0))
		scale = 1.0;
	return (int)(10000 * scale);
}

/* A deadline timeout_ms from now; -1 (never) for a negative timeout. */
static int64_t
deadline_in(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

static int
ms_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* -- message queues ------------------------------------------------- */

void
gmsg_free(struct gmsg *m)
{
	if (m) {
		free(m->body);
		free(m);
	}
}

static void
queue_push(struct gmsg_queue *q, struct gmsg *m)
{
	if (!q->tail)
		q->tail = &q->head;
	m->next = NULL;
	*q->tail = m;
	q->tail = &m->next;
}

static struct gmsg *
queue_pop(struct gmsg_queue *q)
{
	struct gmsg *m = q->head;

	if (m) {
		q->head = m->next;
		if (!q->head)
			q->tail = &q->head;
		m->next = NULL;
	}
	return m;
}

static void
queue_clear(struct gmsg_queue *q)
{
	struct gmsg *m;

	while ((m = queue_pop(q)))
		gmsg_free(m);
}

/* -- event channel -------------------------------------------------- */

static void
notify(struct guest *g)
{
	static const char one = 1;

	if (g->dead || g->evt_fd < 0)
		return;
	if (g->xen_dir) {
		guest_xen_notify(g);
		return;
	}
	/* A full socket buffer means notifications are pending anyway. */
	if (send(g->evt_fd, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		fprintf(stderr, "xs-guest: dom%u: notify: %s\n", g->domid,
			strerror(errno));
		g->dead = true;
	}
}

/* Read and discard pending notifications; note a closed channel. */
static void
drain(struct guest *g)
{
	char buf[64];
	ssize_t n;

	if (g->xen_dir) {
		guest_xen_drain(g);
		return;
	}
	for (;;) {
		n = recv(g->evt_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (!g->dead)
			fprintf(stderr, "xs-guest: dom%u: event channel %s\n",
				g->domid, n == 0 ? "closed by the daemon" :
				strerror(errno));
		g->dead = true;
		return;
	}
}

/*
 * Wait for a notification until the deadline: 1 notified (or the
 * channel closed: g->dead), 0 timeout, -1 interrupted.
 */
static int
wait_notify(struct guest *g, int64_t deadline)
{
	struct pollfd p;
	int r, left, slice;

	for (;;) {
		if (guest_stop) {
			guest_fail(g, "INTERRUPTED", NULL);
			return -1;
		}
		if (g->dead)
			return 1;
		if (g->err_watch && g->err0 == 0 &&
		    guest_error_field(g) != 0) {
			guest_fail(g, "EIO", "daemon set the ring's error field "
				   "to %u", guest_error_field(g));
			return -1;
		}
		left = ms_left(deadline);
		/* The daemon may set error without notifying: look often. */
		slice = g->err_watch && g->err0 == 0 &&
			(left < 0 || left > ERR_POLL_MS) ? ERR_POLL_MS : left;
		p.fd = g->evt_fd;
		p.events = POLLIN;
		p.revents = 0;
		r = poll(&p, 1, slice);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			guest_fail(g, "EIO", "poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			if (slice != left)
				continue;
			return 0;
		}
		drain(g);
		return 1;
	}
}

/*
 * wait_notify for a live connection: a closed channel is a failure
 * (EIO).  1 notified, 0 timeout, -1 failed (g->err says why).
 */
static int
wait_alive(struct guest *g, int64_t deadline)
{
	if (g->dead) {
		guest_fail(g, "EIO", NULL);
		return -1;
	}
	return wait_notify(g, deadline);
}

/* -- ring ----------------------------------------------------------- */

/*
 * Move whatever the response queue holds into complete messages: watch
 * events to g->events, everything else to g->replies.
 */
static int
pump(struct guest *g)
{
	struct xenstore_domain_interface *intf = g->intf;
	struct xsd_sockmsg hdr;
	struct gmsg *m;
	bool took = false;
	size_t want;
	ssize_t n;

	if (g->suspended)
		return 0;
	for (;;) {
		if (g->in_len < HDR_LEN) {
			want = HDR_LEN - g->in_len;
		} else {
			memcpy(&hdr, g->in, HDR_LEN);
			if (hdr.len > XENSTORE_PAYLOAD_MAX) {
				g->in_len = 0;
				g->desync = true;
				guest_fail(g, "EIO", "daemon sent a message of "
					   "%u bytes (type %u)", hdr.len,
					   hdr.type);
				break;
			}
			want = HDR_LEN + hdr.len - g->in_len;
			if (want == 0) {
				m = calloc(1, sizeof(*m));
				if (m)
					m->body = malloc(hdr.len + 1);
				if (!m || !m->body) {
					gmsg_free(m);
					guest_fail(g, "ENOMEM", "out of memory");
					break;
				}
				m->hdr = hdr;
				memcpy(m->body, g->in + HDR_LEN, hdr.len);
				m->body[hdr.len] = 0;
				g->in_len = 0;
				queue_push(hdr.type == XS_WATCH_EVENT ?
					   &g->events : &g->replies, m);
				continue;
			}
		}
		n = ring_take(intf->rsp, &intf->rsp_cons, &intf->rsp_prod,
			      g->in + g->in_len, want);
		if (n < 0) {
			guest_fail(g, "EIO", "inconsistent response offsets "
				   "(cons %u prod %u)", intf->rsp_cons,
				   intf->rsp_prod);
			break;
		}
		if (n == 0) {
			if (took)
				notify(g);
			return 0;
		}
		took = true;
		g->in_len += (size_t)n;
	}
	if (took)
		notify(g);
	return -1;
}

/* Write all of buf into the request queue, waiting for room. */
static int
put_all(struct guest *g, const void *buf, size_t len, int64_t deadline)
{
	struct xenstore_domain_interface *intf = g->intf;
	size_t off = 0;
	ssize_t n;
	int r;

	for (;;) {
		n = ring_put(intf->req, &intf->req_cons, &intf->req_prod,
			     (const char *)buf + off, len - off);
		if (n < 0) {
			guest_fail(g, "EIO", "inconsistent request offsets "
				   "(cons %u prod %u)", intf->req_cons,
				   intf->req_prod);
			break;
		}
		if (n > 0) {
			off += (size_t)n;
			notify(g);
		}
		if (off == len)
			return 0;
		/* Take replies meanwhile, so the daemon is never stuck. */
		if (pump(g) < 0)
			break;
		r = wait_alive(g, deadline);
		if (r < 0)
			break;
		if (r == 0) {
			guest_fail(g, "TIMEOUT", "daemon took no request bytes "
				   "for %d ms (%zu of %zu written)",
				   GUEST_TIMEOUT_MS, off, len);
			break;
		}
	}
	if (off > 0 && off < len)
		g->desync = true;
	return -1;
}

/* The reply to req_id, if it is there; other replies are dropped. */
static struct gmsg *
claim_reply(struct guest *g, uint32_t req_id)
{
	struct gmsg *m;

	while ((m = queue_pop(&g->replies))) {
		if (m->hdr.req_id == req_id)
			return m;
		fprintf(stderr, "xs-guest: dom%u: dropping unexpected reply "
			"(type %u, req_id %u)\n", g->domid, m->hdr.type,
			m->hdr.req_id);
		gmsg_free(m);
	}
	return NULL;
}

static int
check_usable(struct guest *g)
{
	if (g->dead) {
		guest_fail(g, "EIO", NULL);
		return -1;
	}
	if (g->desync) {
		guest_fail(g, "EIO", "stream out of step since an earlier "
			   "failure; reconnect first");
		return -1;
	}
	return 0;
}

/* Wait for the reply to req_id, queueing watch events meanwhile. */
static int
wait_reply(struct guest *g, uint32_t type, uint32_t req_id, int64_t deadline,
	   struct gmsg **reply)
{
	int r;

	for (;;) {
		if (pump(g) < 0)
			return -1;
		*reply = claim_reply(g, req_id);
		if (*reply)
			return 0;
		r = wait_alive(g, deadline);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (pump(g) < 0)
				return -1;
			*reply = claim_reply(g, req_id);
			if (*reply)
				return 0;
			guest_fail(g, "TIMEOUT", "no reply to type %u within "
				   "%d ms", type, GUEST_TIMEOUT_MS);
			return -1;
		}
	}
}

int
guest_call(struct guest *g, uint32_t type, uint32_t tx_id,
	   const void *payload, size_t len, struct gmsg **reply)
{
	struct xsd_sockmsg hdr;
	int64_t deadline = deadline_in(GUEST_TIMEOUT_MS);
	struct gmsg *m = NULL;
	char *buf;
	int r;

	if (reply)
		*reply = NULL;
	if (check_usable(g) < 0)
		return -1;
	if (len > XENSTORE_PAYLOAD_MAX) {
		guest_fail(g, "E2BIG", "request payload of %zu bytes", len);
		return -1;
	}
	hdr.type = type;
	hdr.req_id = g->next_req++;
	if (g->next_req == 0)
		g->next_req = 1;
	hdr.tx_id = tx_id;
	hdr.len = (uint32_t)len;
	buf = malloc(HDR_LEN + len);
	if (!buf) {
		guest_fail(g, "ENOMEM", "out of memory");
		return -1;
	}
	memcpy(buf, &hdr, HDR_LEN);
	if (len)
		memcpy(buf + HDR_LEN, payload, len);
	g->err0 = guest_error_field(g);
	g->err_watch = true;
	r = put_all(g, buf, HDR_LEN + len, deadline);
	free(buf);
	if (r == 0)
		r = wait_reply(g, type, hdr.req_id, deadline, &m);
	g->err_watch = false;
	if (r < 0)
		return -1;

	if (m->hdr.type == XS_ERROR) {
		size_t i;

		snprintf(g->err, sizeof(g->err), "%.*s", (int)m->hdr.len,
			 m->body);
		for (i = 0; g->err[i]; i++)
			if (g->err[i] == ' ' || g->err[i] < 0x21 ||
			    g->err[i] > 0x7e)
				g->err[i] = '_';
		if (!g->err[0])
			snprintf(g->err, sizeof(g->err), "BADREPLY");
		gmsg_free(m);
		return -1;
	}
	if (m->hdr.type != type || m->hdr.tx_id != tx_id) {
		guest_fail(g, "BADREPLY", "reply type %u tx_id %u to request "
			   "type %u tx_id %u", m->hdr.type, m->hdr.tx_id,
			   type, tx_id);
		gmsg_free(m);
		return -1;
	}
	if (reply)
		*reply = m;
	else
		gmsg_free(m);
	return 0;
}

int
guest_next_event(struct guest *g, int timeout_ms, struct gmsg **ev)
{
	int64_t deadline = deadline_in(timeout_ms);
	struct gmsg *m;
	int r;

	*ev = NULL;
	for (;;) {
		m = queue_pop(&g->events);
		if (m) {
			*ev = m;
			return 1;
		}
		if (!g->desync && pump(g) < 0)
			return -1;
		if (g->events.head)
			continue;
		/* Nobody waits for these any more. */
		queue_clear(&g->replies);
		r = wait_alive(g, deadline);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (!g->desync && pump(g) < 0)
				return -1;
			if (g->events.head)
				continue;
			return 0;
		}
	}
}

int
guest_idle(struct guest *g, int fd)
{
	struct pollfd p[2];
	nfds_t n;
	int r;

	for (;;) {
		if (guest_stop) {
			guest_fail(g, "INTERRUPTED", NULL);
			return -1;
		}
		p[0].fd = fd;
		p[0].events = POLLIN;
		p[0].revents = 0;
		n = 1;
		if (!g->dead && g->evt_fd >= 0) {
			p[1].fd = g->evt_fd;
			p[1].events = POLLIN;
			p[1].revents = 0;
			n = 2;
		}
		r = poll(p, n, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			guest_fail(g, "EIO", "poll: %s", strerror(errno));
			return -1;
		}
		if (n == 2 && p[1].revents) {
			drain(g);
			/* Failures show up with the next command. */
			if (!g->desync)
				(void)pump(g);
		}
		if (p[0].revents)
			return 0;
	}
}

int
guest_reconnect(struct guest *g)
{
	struct xenstore_domain_interface *intf = g->intf;
	int64_t deadline = deadline_in(GUEST_TIMEOUT_MS);
	int r;

	if (g->dead) {
		guest_fail(g, "EIO", NULL);
		return -1;
	}
	__atomic_store_n(&intf->connection, XENSTORE_RECONNECT,
			 __ATOMIC_SEQ_CST);
	notify(g);
	/* From now on only the connection field counts. */
	while (__atomic_load_n(&intf->connection, __ATOMIC_ACQUIRE) !=
	       XENSTORE_CONNECTED) {
		r = wait_alive(g, deadline);
		if (r < 0)
			return -1;
		if (r == 0) {
			guest_fail(g, "TIMEOUT", "daemon did not complete the "
				   "reconnection within %d ms",
				   GUEST_TIMEOUT_MS);
			return -1;
		}
	}
	/* The connection restarts at a message boundary, with nothing. */
	g->in_len = 0;
	g->desync = false;
	queue_clear(&g->events);
	queue_clear(&g->replies);
	return 0;
}

int
guest_raw(struct guest *g, const void *buf, size_t len)
{
	int r;

	if (g->dead) {
		guest_fail(g, "EIO", NULL);
		return -1;
	}
	g->err0 = guest_error_field(g);
	g->err_watch = true;
	r = put_all(g, buf, len, deadline_in(GUEST_TIMEOUT_MS));
	g->err_watch = false;
	if (r < 0)
		return -1;
	notify(g);
	return 0;
}

int
guest_flood(struct guest *g, const void *msg, size_t len, int ms,
	    unsigned long *copies)
{
	struct xenstore_domain_interface *intf = g->intf;
	const unsigned char *m = msg;
	int64_t deadline = deadline_in(ms);
	XENSTORE_RING_IDX cons, prod;
	size_t off = 0;

	*copies = 0;
	if (g->dead) {
		guest_fail(g, "EIO", NULL);
		return -1;
	}
	while (ms_left(deadline) > 0 && !guest_stop && !g->dead) {
		/* Whatever came back is thrown away. */
		__atomic_store_n(&intf->rsp_cons,
				 __atomic_load_n(&intf->rsp_prod,
						 __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
		cons = __atomic_load_n(&intf->req_cons, __ATOMIC_ACQUIRE);
		prod = intf->req_prod;
		while (prod - cons < XENSTORE_RING_SIZE) {
			intf->req[MASK_XENSTORE_IDX(prod++)] = m[off++];
			if (off == len) {
				off = 0;
				(*copies)++;
			}
		}
		__atomic_store_n(&intf->req_prod, prod, __ATOMIC_RELEASE);
		notify(g);
		wait_notify(g, deadline_in(1));
	}
	/* The stream is out of step now (replies were dropped halfway). */
	g->desync = true;
	g->in_len = 0;
	return 0;
}

int
guest_storm(struct guest *g, int ms, unsigned long *count)
{
	int64_t deadline = deadline_in(ms);

	*count = 0;
	if (g->dead) {
		guest_fail(g, "EIO", NULL);
		return -1;
	}
	/* Nothing in the ring, only notifications, as fast as they go. */
	while (ms_left(deadline) > 0 && !guest_stop && !g->dead) {
		notify(g);
		(*count)++;
	}
	return g->dead ? -1 : 0;
}

int
guest_ring_garbage(struct guest *g)
{
	struct xenstore_domain_interface *intf = g->intf;
	XENSTORE_RING_IDX cons;

	if (g->dead) {
		guest_fail(g, "EIO", NULL);
		return -1;
	}
	cons = __atomic_load_n(&intf->req_cons, __ATOMIC_ACQUIRE);
	__atomic_store_n(&intf->req_prod, cons + 5000, __ATOMIC_RELEASE);
	notify(g);
	return 0;
}

uint32_t
guest_error_field(const struct guest *g)
{
	return __atomic_load_n(&g->intf->error, __ATOMIC_ACQUIRE);
}

uint32_t
guest_wait_error(struct guest *g, int timeout_ms)
{
	int64_t deadline = deadline_in(timeout_ms);
	uint32_t e;

	while ((e = guest_error_field(g)) == 0 && !guest_stop &&
	       ms_left(deadline) > 0)
		poll(NULL, 0, ERR_POLL_MS);
	return e;
}

/* -- set-up --------------------------------------------------------- */

static int
sim_path(struct guest *g, char *buf, size_t size, const char *rundir,
	 const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/sim/%s", rundir, name) >= size) {
		guest_fail(g, "ENAMETOOLONG", "%s/sim/%s: name too long",
			   rundir, name);
		return -1;
	}
	return 0;
}

int
guest_map_page(struct guest *g, const char *path, bool create)
{
	struct stat st;
	void *page;
	int fd;

	snprintf(g->ring_path, sizeof(g->ring_path), "%s", path);
	fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
	if (fd < 0) {
		guest_fail(g, errno_name(errno), "open %s: %s", path,
			   strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || (st.st_size != PAGE_SIZE &&
				   (!create || ftruncate(fd, PAGE_SIZE) < 0))) {
		guest_fail(g, "EINVAL", "%s is not a page", path);
		close(fd);
		return -1;
	}
	page = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (page == MAP_FAILED) {
		guest_fail(g, errno_name(errno), "mmap %s: %s", path,
			   strerror(errno));
		return -1;
	}
	if (create)
		memset(page, 0, PAGE_SIZE);
	g->intf = page;
	return 0;
}

/* The event channel: connect to rundir's evtchn, announce {domid, port}. */
static int
connect_evtchn(struct guest *g, const char *rundir)
{
	struct { uint32_t domid, port; } hello = { g->domid, g->port };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ssize_t n;

	if (sim_path(g, sa.sun_path, sizeof(sa.sun_path), rundir, "evtchn") < 0)
		return -1;
	g->evt_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (g->evt_fd < 0) {
		guest_fail(g, errno_name(errno), "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(g->evt_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		guest_fail(g, errno_name(errno), "connect %s: %s", sa.sun_path,
			   strerror(errno));
		return -1;
	}
	n = send(g->evt_fd, &hello, sizeof(hello), MSG_NOSIGNAL);
	if (n != (ssize_t)sizeof(hello)) {
		guest_fail(g, n < 0 ? errno_name(errno) : "EIO",
			   "send {domid, port} on %s: %s", sa.sun_path,
			   n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

int
guest_open(struct guest *g, const char *rundir, unsigned int domid,
	   unsigned int port)
{
	char name[32], path[sizeof(g->ring_path)];

	g->domid = domid;
	g->port = port;
	g->evt_fd = -1;
	g->life_fd = -1;
	g->next_req = 1;
	g->events.tail = &g->events.head;
	g->replies.tail = &g->replies.head;

	/*
	 * 1. The ring page.  An existing file is reused, not replaced: it is
	 * "the page" of domain N, which the daemon may still have mapped
	 * (a re-INTRODUCE of a live domain keeps the mapping, as upstream
	 * keeps the page of the same gfn).  It is never shrunk below a page
	 * (the daemon would fault on its mapping), only sized and zeroed.
	 */
	snprintf(name, sizeof(name), "dom%u.ring", domid);
	if (sim_path(g, path, sizeof(path), rundir, name) < 0 ||
	    guest_map_page(g, path, true) < 0)
		return -1;

	/* 2. An unbound event channel port. */
	return connect_evtchn(g, rundir);
}

void
guest_suspend(struct guest *g, bool on)
{
	g->suspended = on;
	if (!on && !g->dead) {
		drain(g);
		(void)pump(g);
		notify(g);	/* whatever we queued meanwhile */
	}
}

int
guest_move(struct guest *g, const char *rundir)
{
	char path[PATH_MAX], name[32];
	void *old = g->intf;
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "dom%u.ring", g->domid);
	if (sim_path(g, path, sizeof(path), rundir, name) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	n = fd < 0 ? -1 : write(fd, old, PAGE_SIZE);
	if (fd >= 0)
		close(fd);
	if (n != PAGE_SIZE) {
		guest_fail(g, errno_name(errno), "copy the page to %s: %s",
			   path, n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	if (guest_map_page(g, path, false) < 0)
		return -1;
	munmap(old, PAGE_SIZE);
	if (g->evt_fd >= 0)
		close(g->evt_fd);
	g->evt_fd = -1;
	g->dead = false;
	return connect_evtchn(g, rundir);
}

int
guest_wait_ready(struct guest *g, int timeout_ms)
{
	int64_t deadline = deadline_in(timeout_ms);
	int r;

	for (;;) {
		if (__atomic_load_n(&g->intf->server_features,
				    __ATOMIC_ACQUIRE) != 0)
			break;
		r = wait_alive(g, deadline);
		if (r < 0)
			return -1;
		if (r == 0) {
			guest_fail(g, "TIMEOUT", "no notification from the "
				   "daemon within %d ms", timeout_ms);
			return -1;
		}
		if (!g->dead)
			break;
	}
	/* The daemon sets connection to 0 before it notifies. */
	if (__atomic_load_n(&g->intf->connection, __ATOMIC_ACQUIRE) !=
	    XENSTORE_CONNECTED) {
		guest_fail(g, "EIO", "ring not connected after the daemon's "
			   "notification (connection %u)",
			   g->intf->connection);
		return -1;
	}
	return 0;
}

void
guest_close(struct guest *g)
{
	if (g->evt_fd >= 0)
		close(g->evt_fd);
	g->evt_fd = -1;
	if (g->life_fd >= 0)
		close(g->life_fd);
	g->life_fd = -1;
	if (g->intf)
		munmap(g->intf, PAGE_SIZE);
	g->intf = NULL;
	queue_clear(&g->events);
	queue_clear(&g->replies);
}
