// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fx.c - the fake hypervisor's files and sockets (fx.h).
 *
 * Records are small text files rewritten whole (write to a temporary
 * name, rename), so a reader never sees half a record.  Nothing here
 * keeps state in memory: every process (daemon, guests, control tool)
 * sees the same machine through the directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fx.h"

int
fx_path(char *buf, size_t len, const char *dir, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, len, "%s/", dir);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - (size_t)n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int
read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static int
write_text(const char *path, const char *text, bool excl)
{
	char tmp[4200];
	size_t len = strlen(text);
	int fd, err;

	if (excl) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -1;
	} else {
		if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path,
			     (long)getpid()) >= (int)sizeof(tmp)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0644);
		if (fd < 0)
			return -1;
	}
	if (write(fd, text, len) != (ssize_t)len) {
		err = errno ? errno : EIO;
		close(fd);
		unlink(excl ? path : tmp);
		errno = err;
		return -1;
	}
	close(fd);
	if (!excl && rename(tmp, path) < 0) {
		err = errno;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

int
fx_port_read(const char *dir, uint32_t dom, uint32_t port, struct fx_port *p)
{
	char path[4096], buf[256], kind[16];
	int n;

	if (fx_path(path, sizeof(path), dir, "evtchn/%u.%u", dom, port) < 0 ||
	    read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	memset(p, 0, sizeof(*p));
	n = sscanf(buf, "%63s %15s %u %u", p->sock, kind, &p->peer_dom,
		   &p->peer_port);
	if (n >= 2 && !strcmp(kind, "unbound")) {
		p->kind = FX_UNBOUND;
		return 0;
	}
	if (n == 4 && !strcmp(kind, "dom")) {
		p->kind = FX_INTERDOMAIN;
		return 0;
	}
	if (n >= 3 && !strcmp(kind, "virq")) {
		p->kind = FX_VIRQ;
		p->virq = p->peer_dom;
		p->peer_dom = 0;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

int
fx_port_write(const char *dir, uint32_t dom, uint32_t port,
	      const struct fx_port *p, bool excl)
{
	char path[4096], buf[256];

	if (fx_path(path, sizeof(path), dir, "evtchn/%u.%u", dom, port) < 0)
		return -1;
	switch (p->kind) {
	case FX_UNBOUND:
		snprintf(buf, sizeof(buf), "%s unbound\n", p->sock);
		break;
	case FX_INTERDOMAIN:
		snprintf(buf, sizeof(buf), "%s dom %u %u\n", p->sock,
			 p->peer_dom, p->peer_port);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s virq %u\n", p->sock, p->virq);
		break;
	}
	return write_text(path, buf, excl);
}

int
fx_port_remove(const char *dir, uint32_t dom, uint32_t port)
{
	char path[4096];

	if (fx_path(path, sizeof(path), dir, "evtchn/%u.%u", dom, port) < 0)
		return -1;
	return unlink(path);
}

int
fx_port_alloc(const char *dir, uint32_t dom, const struct fx_port *p)
{
	uint32_t port;

	for (port = 1; port <= FX_MAX_PORT; port++) {
		if (fx_port_write(dir, dom, port, p, true) == 0)
			return (int)port;
		if (errno != EEXIST)
			return -1;
	}
	errno = ENOSPC;
	return -1;
}

int
fx_send(const char *dir, const char *sock, uint32_t word)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ssize_t n;
	int fd;

	if (fx_path(sa.sun_path, sizeof(sa.sun_path), dir, "evtchn/%s",
		    sock) < 0)
		return -1;
	if (!(word & FX_CLOSED) && word <= FX_MAX_PORT) {
		char pend[4096];
		static const char one = 1;

		if (fx_path(pend, sizeof(pend), dir, "evtchn/%s.pend",
			    sock) == 0 &&
		    (fd = open(pend, O_WRONLY | O_CLOEXEC)) >= 0) {
			(void)pwrite(fd, &one, 1, word);
			close(fd);
		}
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Like an event channel: nobody listening, nothing delivered. */
	n = sendto(fd, &word, sizeof(word), MSG_DONTWAIT | MSG_NOSIGNAL,
		   (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return n == sizeof(word) ? 0 : -1;
}

int
fx_notify(const char *dir, uint32_t dom, uint32_t port)
{
	struct fx_port me, peer;

	if (fx_port_read(dir, dom, port, &me) < 0)
		return -1;
	if (me.kind != FX_INTERDOMAIN) {
		errno = EINVAL;
		return -1;
	}
	if (fx_port_read(dir, me.peer_dom, me.peer_port, &peer) < 0 ||
	    peer.kind != FX_INTERDOMAIN || peer.peer_dom != dom ||
	    peer.peer_port != port)
		return 0;	/* the other end went away: lost */
	fx_send(dir, peer.sock, me.peer_port);
	return 0;
}

int
fx_unbind(const char *dir, uint32_t dom, uint32_t port)
{
	struct fx_port me, peer;

	if (fx_port_read(dir, dom, port, &me) < 0)
		return -1;
	if (me.kind == FX_INTERDOMAIN &&
	    fx_port_read(dir, me.peer_dom, me.peer_port, &peer) == 0 &&
	    peer.kind == FX_INTERDOMAIN && peer.peer_dom == dom &&
	    peer.peer_port == port) {
		/* As Xen: the remote end is unbound again, may be rebound. */
		peer.kind = FX_UNBOUND;
		fx_port_write(dir, me.peer_dom, me.peer_port, &peer, false);
		fx_send(dir, peer.sock, me.peer_port | FX_CLOSED);
	}
	return fx_port_remove(dir, dom, port);
}

int
fx_socket(const char *dir, const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (fx_path(sa.sun_path, sizeof(sa.sun_path), dir, "evtchn/%s",
		    sock) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int
fx_domain_state(const char *dir, uint32_t dom)
{
	char path[4096], buf[32];

	if (dom == 0)
		return 0;
	if (fx_path(path, sizeof(path), dir, "domains/%u", dom) < 0 ||
	    read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	if (!strncmp(buf, "shutdown", 8))
		return 1;
	if (!strncmp(buf, "dying", 5))
		return 2;
	return 0;
}

int
fx_domain_set(const char *dir, uint32_t dom, const char *state)
{
	char path[4096], buf[32];

	if (fx_path(path, sizeof(path), dir, "domains/%u", dom) < 0)
		return -1;
	if (!state)
		return unlink(path);
	snprintf(buf, sizeof(buf), "%s\n", state);
	return write_text(path, buf, false);
}

int
fx_foreach_virq(const char *dir, uint32_t virq,
		int (*fn)(const char *dir, uint32_t dom, uint32_t port,
			  const struct fx_port *p, void *arg), void *arg)
{
	char path[4096];
	struct dirent *de;
	struct fx_port p;
	unsigned int dom, port;
	char end;
	int ret = 0;
	DIR *d;

	if (fx_path(path, sizeof(path), dir, "evtchn") < 0)
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		if (sscanf(de->d_name, "%u.%u%c", &dom, &port, &end) != 2)
			continue;
		if (fx_port_read(dir, dom, port, &p) == 0 &&
		    p.kind == FX_VIRQ && p.virq == virq)
			ret = fn(dir, dom, port, &p, arg);
	}
	closedir(d);
	return ret;
}

static int
fire(const char *dir, uint32_t dom, uint32_t port, const struct fx_port *p,
     void *arg)
{
	(void)dom;
	(void)arg;
	fx_send(dir, p->sock, port);
	return 0;
}

void
fx_fire_virq(const char *dir, uint32_t virq)
{
	fx_foreach_virq(dir, virq, fire, NULL);
}
