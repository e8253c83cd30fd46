/*
 * conn_socket.c - the Unix socket transport: the listening socket, accept
 * and the byte moving for dom0 tool connections.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <talloc.h>

#include "accept.h"
#include "conn.h"
#include "log.h"
#include "loop.h"
#include "xsd.h"

static ssize_t
sock_recv(struct conn *c, void *buf, size_t len)
{
	return read(c->fd, buf, len);
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

static void
accept_event(void *arg, short revents)
{
	struct listener *l = arg;
	struct xsd *xsd = l->xsd;
	struct xsd **tracker;
	struct conn *c;
	int fd;

	(void)revents;
	fd = acceptor_accept(&l->acc, l->fd, SOCK_NONBLOCK | SOCK_CLOEXEC);
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
	tracker = c ? talloc(c, struct xsd *) : NULL;
	if (!tracker) {
		log_warnx("out of memory accepting a connection");
		if (c)
			conn_close(c, "out of memory");
		else
			close(fd);
		return;
	}
	*tracker = xsd;
	xsd->nsockets++;
	talloc_set_destructor(tracker, sock_conn_gone);
	c->privileged = true;	/* socket clients are dom0's tools */
}

static int
close_listener(struct listener *l)
{
	close(l->fd);
	acceptor_fini(&l->acc);
	return 0;
}

int
conn_socket_listen(struct xsd *xsd, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct listener *l;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 128) < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	l = talloc_zero(xsd, struct listener);
	if (!l || !loop_add(xsd->loop, l, fd, POLLIN, accept_event, l)) {
		talloc_free(l);
		close(fd);
		return ENOMEM;
	}
	l->xsd = xsd;
	l->fd = fd;
	acceptor_init(&l->acc, "connections");
	talloc_set_destructor(l, close_listener);
	xsd->listen_fd = fd;
	return 0;
}
