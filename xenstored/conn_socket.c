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

#include "conn.h"
#include "fdlimit.h"
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

static void
accept_event(void *arg, short revents)
{
	struct xsd *xsd = arg;
	struct conn *c;
	int fd;

	(void)revents;
	fd = fdlimit_accept(xsd, xsd->listen_fd, "dom0 connection");
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != EMFILE &&
		    errno != ENFILE)
			log_warn("accept");
		return;
	}
	if (xsd->opt.max_conns && xsd->nconns >= xsd->opt.max_conns) {
		log_warnx("connection limit %u reached", xsd->opt.max_conns);
		close(fd);
		return;
	}
	c = conn_new(xsd, &sock_ops, fd, 0);
	if (!c) {
		log_warnx("out of memory accepting a connection");
		close(fd);
		return;
	}
	c->privileged = true;	/* socket clients are dom0's tools */
}

static int
close_listener(int *fdp)
{
	close(*fdp);
	return 0;
}

int
conn_socket_listen(struct xsd *xsd, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, *owner;

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
	owner = talloc(xsd, int);
	if (!owner || !loop_add(xsd->loop, owner, fd, POLLIN, accept_event,
				xsd)) {
		talloc_free(owner);
		close(fd);
		return ENOMEM;
	}
	*owner = fd;
	talloc_set_destructor(owner, close_listener);
	xsd->listen_fd = fd;
	return 0;
}
