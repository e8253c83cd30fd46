// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xs-many - thousands of simulated guests from one process, for the
 * scale test and the scale rows of `make bench`.
 *
 *   xs-many [--rundir DIR] [--pid PID] [--first DOMID] [--secs S]
 *           [--reps K] [--pin CPU] [--release] [--lazy-notify] N
 *
 * Speaks the simulated backend directly (docs/sim-backend.md allows a
 * guest of its own): for each of N guests it creates the ring page file,
 * maps it and closes the file, opens an unbound event channel port, and
 * as dom0 (one Unix socket connection for all) makes the guest's home,
 * gives it to the guest and INTRODUCEs it.  Each guest then sets two
 * watches over its ring: its home (token "home") and the node
 * /scale/fanout every guest may read (token "all").  Then, with every
 * guest idle:
 *
 *   rr      dom0 READ round trips for S seconds (pinned to CPU when
 *           --pin is given): median and 99th percentile;
 *   fanout  K times: one dom0 WRITE of /scale/fanout, and the time until
 *           every guest has taken that write's event off its ring
 *           (median of K);
 *   release (--release) even domids by RELEASE, odd ones by closing
 *           their event channel (the domain dies); then every domain
 *           must be gone, its home removed, and the daemon's descriptor
 *           count (with --pid) back to what it was before the guests.
 *
 * Every event and reply is checked: a guest must get exactly one event
 * per write, with the right path and token.  One result line goes to
 * stdout:
 *
 *   guests=N setup_us=.. setup_first_us=.. setup_last_us=..
 *   setup_all_us=.. rr_med_us=.. rr_p99_us=.. fanout_ms=..
 *   fanout_cpu_ms=.. rss_kib=.. anon_kib=.. fds_idle=.. fds_guests=..
 *   [release_us=.. fds_after=..]
 *
 * (setup_us: median time to bring one guest up, files to INTRODUCE and
 * watch requests; setup_first_us, setup_last_us: the same for the first
 * and the last tenth of the guests; setup_all_us: the whole set-up until every guest has
 * its watch replies and first events, divided by N; fanout_cpu_ms: the
 * daemon's CPU time per fan-out (with --pid; 10 ms clock ticks, so only
 * meaningful with many guests or reps); release_us: the release of all
 * guests (until each is gone and its home removed) per guest; rss_kib and
 * anon_kib: the daemon's VmRSS and RssAnon growth per guest, KiB, the
 * former including the guest's ring page; fds: the daemon's open
 * descriptors.)  Guests notify the daemon after every change of the
 * ring, as docs/sim-backend.md says; with --lazy-notify only after
 * taking bytes off a full response ring (the daemon writes as much as
 * fits, so only then may it wait for room).
 * Exit status 0, or 1 with the reason on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"
#include "xs_wire_ext.h"

#define PAGE_SIZE 4096
#define HDR sizeof(struct xsd_sockmsg)
#define FANOUT_PATH "/scale/fanout"
#define TIMEOUT_MS 60000

struct mguest {
	unsigned int domid;
	int evt_fd;
	struct xenstore_domain_interface *intf;
	unsigned int acks;		/* WATCH replies */
	unsigned int home_events;
	unsigned int all_events;
	size_t len;			/* bytes of a partial message in buf */
	unsigned char buf[HDR + 256];
};

static const char *rundir;
static struct mguest *guests;
static unsigned int nguests;
static int epfd = -1, dom0_fd = -1;
static uint32_t dom0_req;
static unsigned int intro_retries;
static bool lazy_notify;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xs-many: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* -- dom0 over the Unix socket -------------------------------------- */

static void
io_all(int fd, void *buf, size_t len, bool out)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = out ? send(fd, (char *)buf + done, len - done, MSG_NOSIGNAL)
			: recv(fd, (char *)buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("dom0 socket: %s", n ? strerror(errno) : "closed");
		done += (size_t)n;
	}
}

static void
dom0_send(uint32_t type, const void *payload, size_t len)
{
	struct xsd_sockmsg h = { type, ++dom0_req, 0, (uint32_t)len };
	char buf[HDR + 512];

	memcpy(buf, &h, HDR);
	memcpy(buf + HDR, payload, len);
	io_all(dom0_fd, buf, HDR + len, true);
}

/* The reply to the last request: its payload in out (NUL added). */
static uint32_t
dom0_reply(char *out, size_t size)
{
	struct xsd_sockmsg h;

	io_all(dom0_fd, &h, HDR, false);
	if (h.len >= size)
		die("dom0 reply of %u bytes", h.len);
	io_all(dom0_fd, out, h.len, false);
	out[h.len] = 0;
	if (h.req_id != dom0_req)
		die("dom0 reply id %u, expected %u", h.req_id, dom0_req);
	return h.type;
}

/* A request that must succeed; returns the reply payload in out. */
static void
dom0_call(uint32_t type, const void *payload, size_t len, char *out,
	  size_t size)
{
	char tmp[64];

	if (!out) {
		out = tmp;
		size = sizeof(tmp);
	}
	dom0_send(type, payload, len);
	if (dom0_reply(out, size) != type)
		die("dom0 request %u failed: %s", type, out);
}

/* "a\0b\0..." from the arguments, into buf; its length. */
static size_t
args(char *buf, size_t size, int n, ...)
{
	size_t len = 0, l;
	va_list ap;

	va_start(ap, n);
	while (n--) {
		const char *s = va_arg(ap, const char *);

		l = strlen(s) + 1;
		if (len + l > size)
			die("request too long");
		memcpy(buf + len, s, l);
		len += l;
	}
	va_end(ap);
	return len;
}

static void
dom0_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/socket", rundir);
	dom0_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (dom0_fd < 0 || connect(dom0_fd, (struct sockaddr *)&sa,
				   sizeof(sa)) < 0)
		die("connect %s: %s", sa.sun_path, strerror(errno));
}

/* -- guests --------------------------------------------------------- */

static void
notify(struct mguest *g)
{
	static const char one = 1;

	if (send(g->evt_fd, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN)
		die("dom%u: notify: %s", g->domid, strerror(errno));
}

static void
guest_request(struct mguest *g, uint32_t type, const void *payload,
	      size_t len)
{
	struct xsd_sockmsg h = { type, 1, 0, (uint32_t)len };
	struct xenstore_domain_interface *in = g->intf;

	if (ring_put(in->req, &in->req_cons, &in->req_prod, &h, HDR) !=
	    (ssize_t)HDR ||
	    ring_put(in->req, &in->req_cons, &in->req_prod, payload, len) !=
	    (ssize_t)len)
		die("dom%u: request does not fit the ring", g->domid);
	notify(g);
}

static void
guest_message(struct mguest *g, const struct xsd_sockmsg *h, const char *body)
{
	char home[32];
	const char *token;

	if (h->type == XS_WATCH) {
		if (h->len != 3 || memcmp(body, "OK", 3))
			die("dom%u: WATCH reply '%.*s'", g->domid, (int)h->len,
			    body);
		g->acks++;
		return;
	}
	if (h->type != XS_WATCH_EVENT)
		die("dom%u: unexpected message type %u '%.*s'", g->domid,
		    h->type, (int)h->len, body);
	if (!h->len || body[h->len - 1] || !memchr(body, 0, h->len - 1))
		die("dom%u: malformed watch event", g->domid);
	token = body + strlen(body) + 1;
	snprintf(home, sizeof(home), "/local/domain/%u", g->domid);
	if (!strcmp(token, "all") && !strcmp(body, FANOUT_PATH))
		g->all_events++;
	else if (!strcmp(token, "home") && !strncmp(body, home, strlen(home)))
		g->home_events++;
	else
		die("dom%u: unexpected event %s %s", g->domid, body, token);
}

/* The guest was notified: take everything off its response ring. */
static void
guest_serve(struct mguest *g)
{
	struct xenstore_domain_interface *in = g->intf;
	struct xsd_sockmsg h;
	char junk[64];
	bool was_full, took = false;
	ssize_t n;

	/* One notification per wake-up: a pending one wakes us again. */
	n = recv(g->evt_fd, junk, sizeof(junk), MSG_DONTWAIT);
	if (n == 0)
		die("dom%u: the daemon closed the event channel", g->domid);
	was_full = ring_used(in->rsp_cons, __atomic_load_n(&in->rsp_prod,
		__ATOMIC_ACQUIRE)) == XENSTORE_RING_SIZE;
	for (;;) {
		n = ring_take(in->rsp, &in->rsp_cons, &in->rsp_prod,
			      g->buf + g->len, sizeof(g->buf) - g->len);
		if (n < 0)
			die("dom%u: bad response ring offsets", g->domid);
		if (n == 0)
			break;
		took = true;
		g->len += (size_t)n;
		while (g->len >= HDR) {
			memcpy(&h, g->buf, HDR);
			if (h.len > sizeof(g->buf) - HDR)
				die("dom%u: message of %u bytes", g->domid,
				    h.len);
			if (g->len < HDR + h.len)
				break;
			guest_message(g, &h, (char *)g->buf + HDR);
			g->len -= HDR + h.len;
			memmove(g->buf, g->buf + HDR + h.len, g->len);
		}
	}
	/*
	 * docs/sim-backend.md: every update is followed by a notification.
	 * With --lazy-notify only after taking bytes off a full ring: the
	 * daemon writes as much as fits, so only then may it wait for room.
	 */
	if (took && (!lazy_notify || was_full))
		notify(g);
}

/* Serve notified guests until done() or the timeout. */
static void
serve_until(bool (*done)(void), int timeout_ms)
{
	struct epoll_event evs[256];
	double deadline = now_us() + timeout_ms * 1e3;
	int n, i;

	while (!done()) {
		int left = (int)((deadline - now_us()) / 1e3);

		if (left <= 0)
			die("timed out waiting for guests");
		n = epoll_wait(epfd, evs, 256, left);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++)
			guest_serve(evs[i].data.ptr);
	}
}

static void
guest_open(struct mguest *g, unsigned int domid)
{
	struct { uint32_t domid, port; } hello = { domid, 1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = g };
	char path[4096];
	void *page;
	int fd;

	g->domid = domid;
	snprintf(path, sizeof(path), "%s/sim/dom%u.ring", rundir, domid);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, PAGE_SIZE) < 0)
		die("%s: %s", path, strerror(errno));
	page = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED)
		die("mmap %s: %s", path, strerror(errno));
	close(fd);
	g->intf = page;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sim/evtchn", rundir);
	g->evt_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (g->evt_fd < 0)
		die("socket: %s (guest %u)", strerror(errno), domid);
	if (connect(g->evt_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect %s: %s", sa.sun_path, strerror(errno));
	if (send(g->evt_fd, &hello, sizeof(hello), MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(hello))
		die("dom%u: hello: %s", domid, strerror(errno));
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, g->evt_fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
}

static void
guest_close(struct mguest *g)
{
	char path[4096];

	if (g->evt_fd >= 0)
		close(g->evt_fd);
	g->evt_fd = -1;
	munmap(g->intf, PAGE_SIZE);
	snprintf(path, sizeof(path), "%s/sim/dom%u.ring", rundir, g->domid);
	unlink(path);
}

/* Dom0's part (docs/sim-backend.md step 3), then the guest's watches. */
static void
guest_introduce(struct mguest *g)
{
	char buf[256], dom[16], perm[16], reply[64];
	size_t len;
	int tries;

	snprintf(dom, sizeof(dom), "%u", g->domid);
	snprintf(perm, sizeof(perm), "n%u", g->domid);
	snprintf(buf, sizeof(buf), "/local/domain/%u", g->domid);
	dom0_call(XS_MKDIR, buf, strlen(buf) + 1, NULL, 0);
	len = strlen(buf) + 1;
	len += args(buf + len, sizeof(buf) - len, 1, perm);
	dom0_call(XS_SET_PERMS, buf, len, NULL, 0);
	/*
	 * The daemon may not have read the port's hello yet: INTRODUCE
	 * fails with EINVAL until it has (docs/sim-backend.md).
	 */
	len = args(buf, sizeof(buf), 3, dom, "0", "1");
	for (tries = 0;; tries++) {
		dom0_send(XS_INTRODUCE, buf, len);
		if (dom0_reply(reply, sizeof(reply)) == XS_INTRODUCE)
			break;
		if (strcmp(reply, "EINVAL") || tries == 1000)
			die("INTRODUCE %u: %s", g->domid, reply);
		intro_retries++;
		usleep(1000);
	}
	snprintf(buf, sizeof(buf), "/local/domain/%u", g->domid);
	len = strlen(buf) + 1;
	len += args(buf + len, sizeof(buf) - len, 1, "home");
	guest_request(g, XS_WATCH, buf, len);
	len = args(buf, sizeof(buf), 2, FANOUT_PATH, "all");
	guest_request(g, XS_WATCH, buf, len);
}

/* -- conditions ------------------------------------------------------ */

/* Fan-out events every guest must have: the watch's initial one, then
 * one per write. */
static unsigned int want_all = 1;

static bool
all_set_up(void)
{
	unsigned int i;

	for (i = 0; i < nguests; i++)
		if (guests[i].acks < 2 || guests[i].home_events < 1 ||
		    guests[i].all_events < want_all)
			return false;
	return true;
}

static unsigned int fan_missing;

/* -- the daemon from /proc ------------------------------------------ */

static long
proc_kib(long pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':')
			v = strtol(line + flen + 1, NULL, 10);
	fclose(f);
	return v;
}

/* The daemon's CPU time so far (user + system), in ms. */
static double
proc_cpu_ms(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		die("%s: %s", path, strerror(errno));
	fclose(f);
	/* After the command's closing parenthesis: state is field 3. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%lu %lu", &ut, &st) != 2)
		die("%s: cannot parse", path);
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static long
proc_fds(long pid)
{
	char path[64];
	struct dirent *de;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	d = opendir(path);
	if (!d)
		die("%s: %s", path, strerror(errno));
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* -- phases ----------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
rr(double secs, int pin, double *med, double *p99)
{
	size_t n = 0, cap = 1 << 20;
	double *lat = malloc(cap * sizeof(*lat));
	double end, t0, t1;
	char path[] = FANOUT_PATH, reply[64];
	cpu_set_t set, old;

	if (!lat)
		die("out of memory");
	if (pin >= 0) {
		sched_getaffinity(0, sizeof(old), &old);
		CPU_ZERO(&set);
		CPU_SET(pin, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			die("pin to CPU %d: %s", pin, strerror(errno));
	}
	end = now_us() + secs * 1e6;
	do {
		t0 = now_us();
		dom0_send(XS_READ, path, sizeof(path));
		if (dom0_reply(reply, sizeof(reply)) != XS_READ)
			die("READ %s: %s", path, reply);
		t1 = now_us();
		if (n < cap)
			lat[n++] = t1 - t0;
	} while (t1 < end);
	if (pin >= 0)
		sched_setaffinity(0, sizeof(old), &old);
	qsort(lat, n, sizeof(*lat), cmp_double);
	*med = lat[n / 2];
	*p99 = lat[n * 99 / 100];
	free(lat);
}

static double
fanout(unsigned int rep)
{
	char buf[64], reply[64];
	unsigned int i;
	size_t len;
	double t0, t1;

	len = (size_t)snprintf(buf, sizeof(buf), "%s%c%u", FANOUT_PATH, 0,
			       rep);
	fan_missing = nguests;
	t0 = now_us();
	dom0_send(XS_WRITE, buf, len);
	/* Count guests as their event comes in; dom0's ack is read last. */
	for (;;) {
		struct epoll_event evs[256];
		int n, k;

		if (!fan_missing)
			break;
		n = epoll_wait(epfd, evs, 256, TIMEOUT_MS);
		if (n == 0)
			die("fan-out %u: %u guests got no event", rep,
			    fan_missing);
		for (k = 0; k < n; k++) {
			struct mguest *g = evs[k].data.ptr;
			unsigned int before = g->all_events;

			guest_serve(g);
			if (g->all_events != before &&
			    g->all_events == want_all)
				fan_missing--;
		}
	}
	t1 = now_us();
	if (dom0_reply(reply, sizeof(reply)) != XS_WRITE)
		die("WRITE %s: %s", FANOUT_PATH, reply);
	for (i = 0; i < nguests; i++)
		if (guests[i].all_events != want_all)
			die("dom%u: %u fan-out events, expected %u",
			    guests[i].domid, guests[i].all_events, want_all);
	return (t1 - t0) / 1e3;
}

static bool
is_introduced(unsigned int domid)
{
	char dom[16], reply[64];

	snprintf(dom, sizeof(dom), "%u", domid);
	dom0_call(XS_IS_DOMAIN_INTRODUCED, dom, strlen(dom) + 1, reply,
		  sizeof(reply));
	return reply[0] == 'T';
}

static void
release_all(void)
{
	char dom[16], reply[64], path[64];
	unsigned int i;
	double deadline;

	for (i = 0; i < nguests; i++) {
		struct mguest *g = &guests[i];

		if (g->domid % 2 == 0) {
			snprintf(dom, sizeof(dom), "%u", g->domid);
			dom0_call(XS_RELEASE, dom, strlen(dom) + 1, NULL, 0);
		} else {
			close(g->evt_fd);	/* the guest dies */
			g->evt_fd = -1;
		}
	}
	deadline = now_us() + TIMEOUT_MS * 1e3;
	for (i = 0; i < nguests; i++) {
		while (is_introduced(guests[i].domid)) {
			if (now_us() > deadline)
				die("dom%u still introduced", guests[i].domid);
			usleep(1000);
		}
		snprintf(path, sizeof(path), "/local/domain/%u",
			 guests[i].domid);
		dom0_send(XS_READ, path, strlen(path) + 1);
		if (dom0_reply(reply, sizeof(reply)) != XS_ERROR ||
		    strcmp(reply, "ENOENT"))
			die("%s still there after release", path);
	}
	for (i = 0; i < nguests; i++)
		guest_close(&guests[i]);
}

static void
usage(void)
{
	fprintf(stderr, "usage: xs-many [--rundir DIR] [--pid PID] "
		"[--first DOMID] [--secs S] [--reps K] [--pin CPU] "
		"[--release] [--lazy-notify] N\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rundir", required_argument, NULL, 'r' },
		{ "pid", required_argument, NULL, 'p' },
		{ "first", required_argument, NULL, 'f' },
		{ "secs", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'k' },
		{ "pin", required_argument, NULL, 'c' },
		{ "release", no_argument, NULL, 'R' },
		{ "lazy-notify", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 }
	};
	long pid = 0, fds_idle = -1, fds_guests = -1, rss0 = 0, anon0 = 0;
	unsigned int first = 1, reps = 5, i;
	double secs = 1, setup, med = 0, p99 = 0, *fan, *each;
	double first_tenth, last_tenth, cpu0, fan_cpu;
	unsigned int tenth;
	bool release = false;
	int pin = -1, c;
	struct rlimit rl;
	char buf[64];

	rundir = getenv("XENSTORED_RUNDIR");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': rundir = optarg; break;
		case 'p': pid = atol(optarg); break;
		case 'f': first = (unsigned int)atoi(optarg); break;
		case 's': secs = atof(optarg); break;
		case 'k': reps = (unsigned int)atoi(optarg); break;
		case 'c': pin = atoi(optarg); break;
		case 'R': release = true; break;
		case 'L': lazy_notify = true; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || !rundir || !reps)
		usage();
	nguests = (unsigned int)atoi(argv[optind]);
	if (!nguests || first + nguests > 0x7ff0)
		usage();
	/* A descriptor per guest, and then some. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	guests = calloc(nguests, sizeof(*guests));
	fan = calloc(reps, sizeof(*fan));
	each = calloc(nguests, sizeof(*each));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!guests || !fan || !each || epfd < 0)
		die("out of memory");
	dom0_connect();
	dom0_call(XS_WRITE, FANOUT_PATH "\0" "0", sizeof(FANOUT_PATH) + 1,
		  NULL, 0);
	dom0_call(XS_SET_PERMS, FANOUT_PATH "\0" "r0", sizeof(FANOUT_PATH) + 3,
		  NULL, 0);
	if (pid) {
		fds_idle = proc_fds(pid);
		rss0 = proc_kib(pid, "VmRSS");
		anon0 = proc_kib(pid, "RssAnon");
	}

	setup = now_us();
	for (i = 0; i < nguests; i++) {
		double t = now_us();

		guest_open(&guests[i], first + i);
		guest_introduce(&guests[i]);
		each[i] = now_us() - t;
	}
	serve_until(all_set_up, TIMEOUT_MS);
	setup = (now_us() - setup) / nguests;
	/* First and last tenth: flat set-up means they cost the same. */
	tenth = nguests >= 10 ? nguests / 10 : 1;
	qsort(each, tenth, sizeof(*each), cmp_double);
	first_tenth = each[tenth / 2];
	qsort(each + nguests - tenth, tenth, sizeof(*each), cmp_double);
	last_tenth = each[nguests - tenth + tenth / 2];
	qsort(each, nguests, sizeof(*each), cmp_double);
	if (pid) {
		fds_guests = proc_fds(pid);
		snprintf(buf, sizeof(buf), "rss_kib=%.2f anon_kib=%.2f",
			 (double)(proc_kib(pid, "VmRSS") - rss0) / nguests,
			 (double)(proc_kib(pid, "RssAnon") - anon0) / nguests);
	} else {
		snprintf(buf, sizeof(buf), "rss_kib=- anon_kib=-");
	}

	if (secs > 0)
		rr(secs, pin, &med, &p99);
	cpu0 = pid ? proc_cpu_ms(pid) : 0;
	for (i = 0; i < reps; i++) {
		want_all++;
		fan[i] = fanout(want_all);
	}
	fan_cpu = pid ? (proc_cpu_ms(pid) - cpu0) / reps : 0;
	qsort(fan, reps, sizeof(*fan), cmp_double);

	if (intro_retries)
		fprintf(stderr, "xs-many: INTRODUCE retried %u times\n",
			intro_retries);
	printf("guests=%u setup_us=%.1f setup_first_us=%.1f "
	       "setup_last_us=%.1f setup_all_us=%.1f rr_med_us=%.1f "
	       "rr_p99_us=%.1f fanout_ms=%.2f fanout_cpu_ms=%.1f %s "
	       "fds_idle=%ld fds_guests=%ld",
	       nguests, each[nguests / 2], first_tenth, last_tenth, setup, med,
	       p99, fan[reps / 2], fan_cpu, buf, fds_idle, fds_guests);
	if (release) {
		double t = now_us();

		release_all();
		printf(" release_us=%.1f", (now_us() - t) / nguests);
		if (pid) {
			/* Deaths are noticed in the daemon's own time. */
			double deadline = now_us() + TIMEOUT_MS * 1e3;
			long n;

			while ((n = proc_fds(pid)) != fds_idle &&
			       now_us() < deadline)
				usleep(10000);
			printf(" fds_after=%ld", n);
			if (n != fds_idle) {
				printf("\n");
				die("daemon holds %ld descriptors, %ld before "
				    "the guests", n, fds_idle);
			}
		}
	}
	printf("\n");
	close(dom0_fd);
	close(epfd);
	free(each);
	free(fan);
	free(guests);
	return 0;
}
