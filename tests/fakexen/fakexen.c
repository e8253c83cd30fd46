// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fakexen.c - libfakexen.so, an LD_PRELOAD library standing in for the
 * hypervisor under a xenstored (ours with --backend xen, or Debian's
 * upstream one): what a xenstored uses of libxenevtchn, libxengnttab
 * and libxenctrl, and dom0's /proc/xen/xsd_kva (or /dev/xen/xsd_kva)
 * and /proc/xen/xsd_port,
 * on the files and sockets of fx.h below $FAKEXEN_DIR.
 *
 * A daemon whose run directory is compiled in (oxenstored:
 * /var/run/xenstored, its socket and its live update dump) finds it
 * below $FAKEXEN_RUNDIR, else $FAKEXEN_DIR/run, instead.
 *
 * An event channel handle is a datagram socket evtchn/h<pid>.<n>; its
 * ports are the port records naming that socket, so a handle rebuilt
 * from an inherited descriptor (xenevtchn_fdopen, live update) finds
 * its ports again through getsockname.  Grant maps and dom0's page are
 * shared mappings of the page files.  Nothing is checked that Xen would
 * check for a privileged dom0 caller beyond what the files say.
 */
#define XC_WANT_COMPAT_MAP_FOREIGN_API
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <dirent.h>
#include <stddef.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "fx.h"

#define EXPORT __attribute__((visibility("default")))

struct xenevtchn_handle {
	int fd;
	int pend_fd;			/* evtchn/<sock>.pend */
	char sock[FX_SOCK_MAX];
	uint32_t queue[FX_MAX_PORT + 1];	/* taken from .pend, unread */
	bool queued[FX_MAX_PORT + 1];	/* each port once in the queue */
	unsigned int head, count;
	bool wake_sent;			/* an FX_WAKE is on its way */
};

struct xengnttab_handle {
	int unused;
};

struct fake_xc {
	xc_error last;			/* never set: errno says it */
};

static const char *
fx_dir(void)
{
	const char *d = getenv("FAKEXEN_DIR");

	if (!d || !*d) {
		fprintf(stderr, "fakexen: FAKEXEN_DIR is not set\n");
		errno = ENOENT;
		return NULL;
	}
	return d;
}

/* -- dom0's page and port: open() of the two device files ----------- */

/*
 * The run directory compiled into a daemon, below the fake machine's
 * own: $FAKEXEN_RUNDIR/<rest>, else $FAKEXEN_DIR/run/<rest>.  Quiet when
 * neither is set: every open of the process comes through here.
 */
#define RUN_PREFIX "/var/run/xenstored"

static const char *
remap_run(const char *path, char *buf, size_t len)
{
	const char *rest, *dir = getenv("FAKEXEN_RUNDIR");
	size_t n = strlen(RUN_PREFIX);
	int r;

	if (!path || strncmp(path, RUN_PREFIX, n) ||
	    (path[n] && path[n] != '/'))
		return path;
	rest = path + n;
	if (dir && *dir)
		r = snprintf(buf, len, "%s%s", dir, rest);
	else if ((dir = getenv("FAKEXEN_DIR")) && *dir)
		r = snprintf(buf, len, "%s/run%s", dir, rest);
	else
		return path;
	return r > 0 && (size_t)r < len ? buf : path;
}

static const char *
redirect(const char *path, char *buf, size_t len)
{
	const char *dir;

	if (!path)
		return path;
	if (strcmp(path, "/proc/xen/xsd_kva") &&
	    strcmp(path, "/dev/xen/xsd_kva") &&
	    strcmp(path, "/proc/xen/xsd_port"))
		return remap_run(path, buf, len);
	dir = fx_dir();
	if (!dir || fx_path(buf, len, dir, "%s", strrchr(path, '/') + 1) < 0)
		return path;
	return buf;
}

typedef int (*open_fn)(const char *, int, ...);
typedef FILE *(*fopen_fn)(const char *, const char *);

static int
do_open(const char *name, const char *path, int flags, va_list ap)
{
	static open_fn real[2];
	int i = !strcmp(name, "open64");
	char buf[4096];
	mode_t mode = 0;

	if (!real[i])
		real[i] = (open_fn)dlsym(RTLD_NEXT, name);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	return real[i](redirect(path, buf, sizeof(buf)), flags, mode);
}

EXPORT int
open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = do_open("open", path, flags, ap);
	va_end(ap);
	return fd;
}

EXPORT int
open64(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = do_open("open64", path, flags, ap);
	va_end(ap);
	return fd;
}

EXPORT FILE *
fopen(const char *path, const char *mode)
{
	static fopen_fn real;
	char buf[4096];

	if (!real)
		real = (fopen_fn)dlsym(RTLD_NEXT, "fopen");
	return real(redirect(path, buf, sizeof(buf)), mode);
}

/* The other calls that name files of the run directory. */
#define REMAP1(ret, name, proto, call)					\
EXPORT ret								\
name proto								\
{									\
	static ret (*real) proto;					\
	char buf[4096];							\
									\
	if (!real)							\
		real = (ret (*) proto)dlsym(RTLD_NEXT, #name);		\
	path = remap_run(path, buf, sizeof(buf));			\
	return real call;						\
}

REMAP1(int, stat, (const char *path, struct stat *st), (path, st))
REMAP1(int, stat64, (const char *path, struct stat64 *st), (path, st))
REMAP1(int, lstat, (const char *path, struct stat *st), (path, st))
REMAP1(int, lstat64, (const char *path, struct stat64 *st), (path, st))
REMAP1(int, unlink, (const char *path), (path))
REMAP1(int, mkdir, (const char *path, mode_t mode), (path, mode))
REMAP1(DIR *, opendir, (const char *path), (path))

EXPORT int
rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);
	char b1[4096], b2[4096];

	if (!real)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
								  "rename");
	return real(remap_run(from, b1, sizeof(b1)), remap_run(to, b2,
							       sizeof(b2)));
}

typedef int (*sock_fn)(int, const struct sockaddr *, socklen_t);

static int
do_sock(const char *name, sock_fn *real, int fd, const struct sockaddr *sa,
	socklen_t len)
{
	const struct sockaddr_un *u = (const struct sockaddr_un *)sa;
	size_t n = len - offsetof(struct sockaddr_un, sun_path);
	char name_buf[sizeof(u->sun_path) + 1], buf[4096];
	struct sockaddr_un m;
	const char *p;

	if (!*real)
		*real = (sock_fn)dlsym(RTLD_NEXT, name);
	/* The name need not end with a NUL (OCaml's Unix gives none). */
	if (!sa || sa->sa_family != AF_UNIX ||
	    len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof(*u))
		return (*real)(fd, sa, len);
	memcpy(name_buf, u->sun_path, n);
	name_buf[n] = 0;
	p = remap_run(name_buf, buf, sizeof(buf));
	if (p == name_buf)
		return (*real)(fd, sa, len);
	if (strlen(p) >= sizeof(m.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.sun_family = AF_UNIX;
	strcpy(m.sun_path, p);
	return (*real)(fd, (const struct sockaddr *)&m, sizeof(m));
}

EXPORT int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	static sock_fn real;

	return do_sock("bind", &real, fd, sa, len);
}

EXPORT int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static sock_fn real;

	return do_sock("connect", &real, fd, sa, len);
}

/*
 * oxenstored raises RLIMIT_NOFILE to fs.nr_open, which needs
 * CAP_SYS_RESOURCE a test machine's container may not give: refused,
 * the limits are clamped to the hard limit the process has.
 */
EXPORT int
setrlimit(__rlimit_resource_t res, const struct rlimit *rl)
{
	static int (*real)(__rlimit_resource_t, const struct rlimit *);
	struct rlimit cur, n;

	if (!real)
		real = (int (*)(__rlimit_resource_t, const struct rlimit *))
			dlsym(RTLD_NEXT, "setrlimit");
	if (real(res, rl) == 0)
		return 0;
	if (errno != EPERM || res != RLIMIT_NOFILE || getrlimit(res, &cur))
		return -1;
	n = *rl;
	if (n.rlim_max > cur.rlim_max)
		n.rlim_max = cur.rlim_max;
	if (n.rlim_cur > n.rlim_max)
		n.rlim_cur = n.rlim_max;
	return real(res, &n);
}

/* -- libxenevtchn --------------------------------------------------- */

/* The handle's pending bytes, one per port (fx.h). */
static int
open_pend(const char *dir, const char *sock, bool create)
{
	char path[4096];
	int fd;

	if (fx_path(path, sizeof(path), dir, "evtchn/%s.pend", sock) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0),
		  0600);
	if (fd >= 0 && create && ftruncate(fd, FX_MAX_PORT + 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

EXPORT xenevtchn_handle *
xenevtchn_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	static unsigned int seq;
	const char *dir = fx_dir();
	xenevtchn_handle *h;
	int err;

	(void)logger;
	if (!dir)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->sock, sizeof(h->sock), "h%ld.%u", (long)getpid(), ++seq);
	h->fd = fx_socket(dir, h->sock);
	if (h->fd < 0) {
		err = errno;
		free(h);
		errno = err;
		return NULL;
	}
	h->pend_fd = open_pend(dir, h->sock, true);
	if (h->pend_fd < 0) {
		err = errno;
		close(h->fd);
		free(h);
		errno = err;
		return NULL;
	}
	if (open_flags & XENEVTCHN_NO_CLOEXEC)
		fcntl(h->fd, F_SETFD, 0);
	return h;
}

/*
 * After exec: the previous process's datagrams still queued (ports,
 * closing notices, its wake-ups to itself) become pending bytes, the
 * one record that outlives a process, and one wake-up is sent if any
 * port is pending; so pending() never meets a wake-up with nothing to
 * give (upstream xenstored takes that as fatal).
 */
static void
resume_pending(xenevtchn_handle *h)
{
	static const char one = 1;
	unsigned char bytes[FX_MAX_PORT + 1];
	uint32_t word, port;
	ssize_t n;

	while (recv(h->fd, &word, sizeof(word), MSG_DONTWAIT) ==
	       sizeof(word)) {
		port = word & ~FX_CLOSED;
		if (word != FX_WAKE && port <= FX_MAX_PORT)
			(void)pwrite(h->pend_fd, &one, 1, port);
	}
	n = pread(h->pend_fd, bytes, sizeof(bytes), 0);
	while (n > 0 && !bytes[n - 1])
		n--;
	h->wake_sent = n > 0 && fx_send(fx_dir(), h->sock, FX_WAKE) == 0;
}

EXPORT xenevtchn_handle *
xenevtchn_fdopen(struct xentoollog_logger *logger, int fd,
		 unsigned open_flags)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	xenevtchn_handle *h;
	const char *name;

	(void)logger;
	if (open_flags & XENEVTCHN_NO_CLOEXEC) {
		errno = EINVAL;
		return NULL;
	}
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return NULL;
	if (sa.sun_family != AF_UNIX || len <= sizeof(sa.sun_family) ||
	    !(name = strrchr(sa.sun_path, '/')) || name[1] != 'h') {
		errno = EBADF;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->fd = fd;
	snprintf(h->sock, sizeof(h->sock), "%s", name + 1);
	h->pend_fd = fx_dir() ? open_pend(fx_dir(), h->sock, false) : -1;
	if (h->pend_fd < 0) {
		free(h);
		errno = EBADF;
		return NULL;
	}
	/* As libxenevtchn: the descriptor's flags are left as they are. */
	resume_pending(h);
	return h;
}

/* Every port record naming the handle's socket, as Xen closes them. */
static void
unbind_all(const char *dir, xenevtchn_handle *h)
{
	char path[4096];
	struct dirent *de;
	struct fx_port p;
	unsigned int dom, port;
	char end;
	DIR *d;

	if (fx_path(path, sizeof(path), dir, "evtchn") < 0 ||
	    !(d = opendir(path)))
		return;
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, "%u.%u%c", &dom, &port, &end) == 2 &&
		    dom == 0 && fx_port_read(dir, dom, port, &p) == 0 &&
		    !strcmp(p.sock, h->sock))
			fx_unbind(dir, dom, port);
	}
	closedir(d);
}

EXPORT int
xenevtchn_close(xenevtchn_handle *h)
{
	const char *dir = fx_dir();
	char path[4096];

	if (!h)
		return 0;
	if (dir) {
		unbind_all(dir, h);
		if (fx_path(path, sizeof(path), dir, "evtchn/%s",
			    h->sock) == 0)
			unlink(path);
		if (fx_path(path, sizeof(path), dir, "evtchn/%s.pend",
			    h->sock) == 0)
			unlink(path);
	}
	close(h->pend_fd);
	close(h->fd);
	free(h);
	return 0;
}

EXPORT int
xenevtchn_fd(xenevtchn_handle *h)
{
	return h->fd;
}

/* Our own port of dom0, bound to this handle. */
static int
own_port(const char *dir, xenevtchn_handle *h, evtchn_port_t port,
	 struct fx_port *p)
{
	if (fx_port_read(dir, 0, port, p) < 0 || strcmp(p->sock, h->sock)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

EXPORT int
xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
	const char *dir = fx_dir();
	struct fx_port p;

	if (!dir || own_port(dir, h, port, &p) < 0)
		return -1;
	return fx_notify(dir, 0, port);
}

EXPORT xenevtchn_port_or_error_t
xenevtchn_bind_unbound_port(xenevtchn_handle *h, uint32_t domid)
{
	const char *dir = fx_dir();
	struct fx_port p = { .kind = FX_UNBOUND };

	(void)domid;
	if (!dir)
		return -1;
	snprintf(p.sock, sizeof(p.sock), "%s", h->sock);
	return fx_port_alloc(dir, 0, &p);
}

EXPORT xenevtchn_port_or_error_t
xenevtchn_bind_interdomain(xenevtchn_handle *h, uint32_t domid,
			   evtchn_port_t remote_port)
{
	const char *dir = fx_dir();
	struct fx_port me = { .kind = FX_INTERDOMAIN }, peer;
	int local;

	if (!dir)
		return -1;
	if (fx_domain_state(dir, domid) < 0 ||
	    fx_port_read(dir, domid, remote_port, &peer) < 0 ||
	    peer.kind != FX_UNBOUND) {
		errno = EINVAL;
		return -1;
	}
	snprintf(me.sock, sizeof(me.sock), "%s", h->sock);
	me.peer_dom = domid;
	me.peer_port = remote_port;
	local = fx_port_alloc(dir, 0, &me);
	if (local < 0)
		return -1;
	peer.kind = FX_INTERDOMAIN;
	peer.peer_dom = 0;
	peer.peer_port = (uint32_t)local;
	if (fx_port_write(dir, domid, remote_port, &peer, false) < 0) {
		fx_port_remove(dir, 0, (uint32_t)local);
		return -1;
	}
	return local;
}

static int
in_dom0(const char *dir, uint32_t dom, uint32_t port, const struct fx_port *p,
	void *arg)
{
	(void)dir;
	(void)port;
	(void)p;
	(void)arg;
	return dom == 0;
}

/* As Xen: a VIRQ is bound once (per vCPU) in a domain: EEXIST again. */
EXPORT xenevtchn_port_or_error_t
xenevtchn_bind_virq(xenevtchn_handle *h, unsigned int virq)
{
	const char *dir = fx_dir();
	struct fx_port p = { .kind = FX_VIRQ, .virq = virq };

	if (!dir)
		return -1;
	if (fx_foreach_virq(dir, virq, in_dom0, NULL)) {
		errno = EEXIST;
		return -1;
	}
	snprintf(p.sock, sizeof(p.sock), "%s", h->sock);
	return fx_port_alloc(dir, 0, &p);
}

EXPORT int
xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port)
{
	const char *dir = fx_dir();
	struct fx_port p;

	if (!dir || own_port(dir, h, port, &p) < 0)
		return -1;
	return fx_unbind(dir, 0, port);
}

/*
 * The port a datagram names is returned as it is; the pending bytes
 * (set before each datagram, and the only record when a full queue
 * dropped it) go to a queue served when no datagram names a port.
 * Every datagram read gives a port, so a descriptor that polled
 * readable never answers EAGAIN (upstream xenstored treats that as
 * fatal): a wake-up to ourselves (FX_WAKE) keeps it readable while the
 * queue holds ports, and a closing notice names our own port (an event
 * on it is harmless: a receiver looks at its ring).
 */
EXPORT xenevtchn_port_or_error_t
xenevtchn_pending(xenevtchn_handle *h)
{
	static const char zero;
	unsigned char bytes[FX_MAX_PORT + 1];
	const char *dir = fx_dir();
	uint32_t word = FX_WAKE, port;
	bool got = false;
	ssize_t n;

	do
		n = recv(h->fd, &word, sizeof(word), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n == sizeof(word)) {
		got = word != FX_WAKE;
		if (!got)
			h->wake_sent = false;
	}
	n = pread(h->pend_fd, bytes, sizeof(bytes), 0);
	for (port = 0; n > 0 && port < (uint32_t)n; port++) {
		if (!bytes[port])
			continue;
		if (h->queued[port])
			continue;	/* so the queue never overflows */
		h->queued[port] = true;
		h->queue[(h->head + h->count++) % (FX_MAX_PORT + 1)] = port;
	}
	if (got) {
		port = word & ~FX_CLOSED;
	} else if (h->count) {
		port = h->queue[h->head];
		h->queued[port] = false;
		h->head = (h->head + 1) % (FX_MAX_PORT + 1);
		h->count--;
	} else {
		errno = EAGAIN;
		return -1;
	}
	/*
	 * Pending until delivered, not until queued: a port queued in this
	 * process is still pending in the file, so a process that execs
	 * and reopens the handle (a live update) finds it again.
	 */
	if (port <= FX_MAX_PORT)
		(void)pwrite(h->pend_fd, &zero, 1, port);
	/* Not sent (queue full): the queue's datagrams wake us anyway. */
	if (h->count && !h->wake_sent && dir)
		h->wake_sent = fx_send(dir, h->sock, FX_WAKE) == 0;
	return (xenevtchn_port_or_error_t)port;
}

EXPORT int
xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
	(void)h;
	(void)port;
	return 0;
}

/* -- libxengnttab --------------------------------------------------- */

EXPORT xengnttab_handle *
xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	(void)logger;
	(void)open_flags;
	return fx_dir() ? calloc(1, sizeof(struct xengnttab_handle)) : NULL;
}

EXPORT int
xengnttab_close(xengnttab_handle *h)
{
	free(h);
	return 0;
}

EXPORT int
xengnttab_set_max_grants(xengnttab_handle *h, uint32_t nr_grants)
{
	(void)h;
	(void)nr_grants;
	return 0;
}

EXPORT void *
xengnttab_map_grant_ref(xengnttab_handle *h, uint32_t domid, uint32_t ref,
			int prot)
{
	const char *dir = fx_dir();
	char path[4096];
	struct stat st;
	void *page;
	int fd, err;

	(void)h;
	if (!dir)
		return NULL;
	/* Only the page the domain builder grants to xenstore exists. */
	if (ref != GNTTAB_RESERVED_XENSTORE || domid == 0 ||
	    fx_domain_state(dir, domid) < 0 ||
	    fx_path(path, sizeof(path), dir, "grant/%u", domid) < 0) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size != FX_PAGE) {
		if (fd >= 0)
			close(fd);
		errno = EINVAL;
		return NULL;
	}
	page = mmap(NULL, FX_PAGE, prot, MAP_SHARED, fd, 0);
	err = errno;
	close(fd);
	if (page == MAP_FAILED) {
		errno = err;
		return NULL;
	}
	return page;
}

EXPORT int
xengnttab_unmap(xengnttab_handle *h, void *start, uint32_t count)
{
	(void)h;
	return munmap(start, (size_t)count * FX_PAGE);
}

/* -- libxenctrl ----------------------------------------------------- */

EXPORT xc_interface *
xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild,
		  unsigned open_flags)
{
	(void)logger;
	(void)dombuild;
	(void)open_flags;
	return fx_dir() ? (xc_interface *)calloc(1, sizeof(struct fake_xc))
			: NULL;
}

EXPORT int
xc_interface_close(xc_interface *xch)
{
	free(xch);
	return 0;
}

/* Domains from first_domid on, in order, at most max_doms. */
EXPORT int
xc_domain_getinfo(xc_interface *xch, uint32_t first_domid,
		  unsigned int max_doms, xc_dominfo_t *info)
{
	const char *dir = fx_dir();
	unsigned int n = 0;
	uint32_t d;
	int st;

	(void)xch;
	if (!dir)
		return -1;
	for (d = first_domid; d < DOMID_FIRST_RESERVED && n < max_doms; d++) {
		st = fx_domain_state(dir, d);
		if (st < 0)
			continue;
		memset(&info[n], 0, sizeof(info[n]));
		info[n].domid = d;
		info[n].shutdown = st == 1;
		info[n].dying = st == 2;
		info[n].running = st == 0;
		info[n].xenstore = 1;
		n++;
	}
	return (int)n;
}

/* The same as the hypercall's records (oxenstored's binding). */
EXPORT int
xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain,
		      unsigned int max_domains, xc_domaininfo_t *info)
{
	const char *dir = fx_dir();
	unsigned int n = 0;
	uint32_t d;
	int st;

	(void)xch;
	if (!dir)
		return -1;
	for (d = first_domain; d < DOMID_FIRST_RESERVED && n < max_domains;
	     d++) {
		st = fx_domain_state(dir, d);
		if (st < 0)
			continue;
		memset(&info[n], 0, sizeof(info[n]));
		info[n].domain = d;
		info[n].flags = (st == 0 ? XEN_DOMINF_running : 0) |
				(st == 1 ? XEN_DOMINF_shutdown : 0) |
				(st == 2 ? XEN_DOMINF_dying : 0);
		n++;
	}
	return (int)n;
}

EXPORT const xc_error *
xc_get_last_error(xc_interface *xch)
{
	return &((struct fake_xc *)xch)->last;
}

/*
 * A foreign page of a domain: its xenstore page, whatever the frame
 * number (a domain has only that one page here; oxenstored maps guests
 * with the frame number INTRODUCE gave it).
 */
EXPORT void *
xc_map_foreign_range(xc_interface *xch, uint32_t dom, int size, int prot,
		     unsigned long mfn)
{
	(void)xch;
	(void)mfn;
	if (size != FX_PAGE) {
		errno = EINVAL;
		return NULL;
	}
	return xengnttab_map_grant_ref(NULL, dom, GNTTAB_RESERVED_XENSTORE,
				       prot);
}
