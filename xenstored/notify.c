// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify.c - the sd_notify(3) datagram, sent by hand (see notify.h).
 *
 * Holds no state: each message opens a socket, sends and closes it, as
 * libsystemd does.  Messages are rare (ready, stopping, a live update's
 * restart), so a socket kept open would buy nothing and would be one
 * more descriptor for a live update to carry or to close.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

#define NOTIFY_MSG_MAX 1024	/* notify_sendf's; ours are a few lines */

/*
 * $NOTIFY_SOCKET as a socket address.  "/path": a file socket; "@name":
 * an abstract one, whose first byte is NUL instead of the '@' and whose
 * length is exactly that of the name (no terminating NUL: it would be
 * part of the name).
 *
 * systemd 253 and later also pass "vsock:CID:PORT" (a virtual machine
 * telling its host).  That is not for us: xenstored runs in dom0 under
 * the host's own service manager, and a vsock sender would need another
 * socket type, a connect and an address parser, none of which could be
 * tested here.  So it gets EAFNOSUPPORT, a precise refusal, rather than
 * libsystemd 252's EINVAL.
 */
static int
notify_addr(const char *name, struct sockaddr_un *sa, socklen_t *salen)
{
	size_t len = strlen(name);

	if (!strncmp(name, "vsock:", 6))
		return EAFNOSUPPORT;
	if ((name[0] != '/' && name[0] != '@') || len < 2 ||
	    len > sizeof(sa->sun_path))
		return EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, name, len);
	if (name[0] == '@')
		sa->sun_path[0] = 0;
	/* A file name's NUL, if it fits, is added by the kernel. */
	*salen = offsetof(struct sockaddr_un, sun_path) + len;
	return 0;
}

int
notify_send(const char *msg)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t salen;
	ssize_t n;
	int fd, ret;

	if (!name)
		return 0;
	ret = notify_addr(name, &sa, &salen);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	/*
	 * Blocking, as libsystemd's: a service manager that is slow to
	 * read is waited for rather than told nothing.  A datagram goes
	 * whole or not at all, so there is no short send to handle.
	 */
	do
		n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
			   (struct sockaddr *)&sa, salen);
	while (n < 0 && errno == EINTR);
	ret = n < 0 ? errno : 0;
	close(fd);
	return ret;
}

int
notify_sendf(const char *fmt, ...)
{
	char buf[NOTIFY_MSG_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return errno;
	if ((size_t)n >= sizeof(buf))
		return EMSGSIZE;
	return notify_send(buf);
}
