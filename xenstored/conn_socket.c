// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conn_socket.c - the Unix socket transport: the listening socket, accept
 * and the byte moving for dom0 tool connections.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <talloc.h>

#include "accept.h"
#include "conn.h"
#include "fdlimit.h"
#include "log.h"
#include "loop.h"
#include "xsd.h"

/*
 * Bytes, and a descriptor a client may pass with them (SCM_RIGHTS: the
 * migration commands take the fd to write an image to or read one from).
 * A connection holds at most one: a newer one replaces it.
 */
static ssize_t
sock_recv(struct conn *c, void *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	ssize_t n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);

	if (n < 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t i, nfd;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(int));
			conn_give_fd(c, fd);
		}
	}
	return n;
}

static ssize_t
sock_send(struct conn *c, const void *buf, size_t len)
{
	return send(c->fd, buf, len, MSG_NOSIGNAL);
}

static const struct conn_ops sock_ops = {
	.kind = "sock",
	.recv = sock_recv,
	.send = sock_send,
};

/* The listening socket and what accepting needs. */
struct listener {
	struct xsd *xsd;
	int fd;
	struct acceptor acc;
};

static int
sock_conn_gone(struct xsd **xsdp)
{
	(*xsdp)->nsockets--;
	return 0;
}

/* A socket connection counted against --max-connections while it lives. */
static int
count_socket(struct xsd *xsd, struct conn *c)
{
	struct xsd **tracker = talloc(c, struct xsd *);

	if (!tracker)
		return ENOMEM;
	*tracker = xsd;
	xsd->nsockets++;
	talloc_set_destructor(tracker, sock_conn_gone);
	return 0;
}

static void
accept_event(void *arg, short revents)
{
	struct listener *l = arg;
	struct xsd *xsd = l->xsd;
	struct conn *c;
	int fd;

	(void)revents;
	fd = acceptor_accept(&l->acc, l->fd, SOCK_NONBLOCK | SOCK_CLOEXEC);
	fdlimit_accepted(xsd, fd, "dom0 connection");
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != EMFILE &&
		    errno != ENFILE && errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (xsd->opt.max_conns && xsd->nsockets >= xsd->opt.max_conns) {
		acceptor_refused(&l->acc, "connection limit reached");
		close(fd);
		return;
	}
	c = conn_new(xsd, &sock_ops, fd, 0);
	if (!c || count_socket(xsd, c)) {
		log_warnx("out of memory accepting a connection");
		if (c)
			conn_close(c, "out of memory");
		else
			close(fd);
		return;
	}
	c->privileged = true;	/* socket clients are dom0's tools */
}

static int
close_listener(struct listener *l)
{
	close(l->fd);
	acceptor_fini(&l->acc);
	return 0;
}

/* Serve the listening socket fd (owned from now on if that works). */
static int
serve_listener(struct xsd *xsd, int fd)
{
	struct listener *l = talloc_zero(xsd, struct listener);

	if (!l || !loop_add(xsd->loop, l, fd, POLLIN, accept_event, l)) {
		talloc_free(l);
		return ENOMEM;
	}
	l->xsd = xsd;
	l->fd = fd;
	acceptor_init(&l->acc, "connections");
	talloc_set_destructor(l, close_listener);
	xsd->listen_fd = fd;
	return 0;
}

/*
 * An inherited socket, made non-blocking as ours are (upstream's
 * daemons, whose state a takeover adopts, keep theirs blocking).
 */
static bool
is_socket(int fd)
{
	struct stat st;
	int fl;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK ||
			   fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
}

int
conn_socket_adopt(struct xsd *xsd, int fd)
{
	return is_socket(fd) ? serve_listener(xsd, fd) : EBADF;
}

struct conn *
conn_socket_restore(struct xsd *xsd, int fd, uint32_t id)
{
	struct conn *c;

	if (!is_socket(fd)) {
		errno = EBADF;
		return NULL;
	}
	c = conn_new(xsd, &sock_ops, -1, 0);
	if (!c || count_socket(xsd, c)) {
		talloc_free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->id = id;
	snprintf(c->name, sizeof(c->name), "sock%u", id);
	errno = conn_attach_fd(c, fd);
	if (errno) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

int
conn_socket_listen(struct xsd *xsd, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(addr.sun_path))
		return ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	unlink(path);
	/*
	 * 0600 as upstream's socket: dom0's root only (connecting needs
	 * write permission).  Bound under our umask of 077 (main.c), it is
	 * never wider in between, so nobody else connects before chmod().
	 */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 128) < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	ret = serve_listener(xsd, fd);
	if (ret)
		close(fd);
	return ret;
}
