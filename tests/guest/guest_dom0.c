// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guest_dom0.c - the toolstack's part of bringing a simulated guest up
 * (docs/sim-backend.md "Guest set-up", step 3), done as dom0 over the
 * daemon's Unix socket:
 *
 *   MKDIR      /local/domain/<N>
 *   SET_PERMS  /local/domain/<N> n<N>
 *   INTRODUCE  <N> 0 <port>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "guest.h"

static int
io_all(int fd, void *buf, size_t len, bool out)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (out)
			n = send(fd, (char *)buf + done, len - done,
				 MSG_NOSIGNAL);
		else
			n = recv(fd, (char *)buf + done, len - done, 0);
		if (n < 0 && errno == EINTR && !guest_stop)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* One request; 0 on success, else -1 with the error name in err. */
static int
dom0_call(int fd, uint32_t type, uint32_t req_id, const char *payload,
	  size_t len, char *err, size_t errlen)
{
	struct xsd_sockmsg hdr = { type, req_id, 0, (uint32_t)len };
	char body[XENSTORE_PAYLOAD_MAX + 1];

	if (io_all(fd, &hdr, sizeof(hdr), true) < 0 ||
	    io_all(fd, (void *)payload, len, true) < 0)
		goto ioerr;
	for (;;) {
		if (io_all(fd, &hdr, sizeof(hdr), false) < 0)
			goto ioerr;
		if (hdr.len > XENSTORE_PAYLOAD_MAX) {
			snprintf(err, errlen, "EIO");
			fprintf(stderr, "xs-guest: dom0 reply of %u bytes\n",
				hdr.len);
			return -1;
		}
		if (io_all(fd, body, hdr.len, false) < 0)
			goto ioerr;
		body[hdr.len] = 0;
		if (hdr.type != XS_WATCH_EVENT && hdr.req_id == req_id)
			break;
	}
	if (hdr.type == XS_ERROR) {
		snprintf(err, errlen, "%s", body[0] ? body : "BADREPLY");
		return -1;
	}
	if (hdr.type != type) {
		snprintf(err, errlen, "BADREPLY");
		fprintf(stderr, "xs-guest: dom0 reply of type %u to %u\n",
			hdr.type, type);
		return -1;
	}
	return 0;

ioerr:
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		snprintf(err, errlen, "TIMEOUT");
		fprintf(stderr, "xs-guest: no dom0 reply within %d ms\n",
			GUEST_TIMEOUT_MS);
	} else {
		snprintf(err, errlen, "%s", guest_stop ? "INTERRUPTED" : "EIO");
		fprintf(stderr, "xs-guest: dom0 socket: %s\n", strerror(errno));
	}
	return -1;
}

int
dom0_introduce(const char *sockpath, unsigned int domid, unsigned int port,
	       char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { GUEST_TIMEOUT_MS / 1000, 0 };
	char buf[128];
	int fd, len, r = -1;

	if (strlen(sockpath) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "ENAMETOOLONG");
		fprintf(stderr, "xs-guest: %s: name too long\n", sockpath);
		return -1;
	}
	strcpy(sa.sun_path, sockpath);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s", errno_name(errno));
		fprintf(stderr, "xs-guest: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "%s", errno_name(errno));
		fprintf(stderr, "xs-guest: connect %s: %s\n", sockpath,
			strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	len = snprintf(buf, sizeof(buf), "/local/domain/%u", domid) + 1;
	if (dom0_call(fd, XS_MKDIR, 1, buf, (size_t)len, err, errlen) < 0) {
		fprintf(stderr, "xs-guest: MKDIR %s failed: %s\n", buf, err);
		goto out;
	}
	len += snprintf(buf + len, sizeof(buf) - (size_t)len, "n%u", domid)
		+ 1;
	if (dom0_call(fd, XS_SET_PERMS, 2, buf, (size_t)len, err, errlen) < 0) {
		fprintf(stderr, "xs-guest: SET_PERMS %s n%u failed: %s\n",
			buf, domid, err);
		goto out;
	}
	len = snprintf(buf, sizeof(buf), "%u%c0%c%u", domid, 0, 0, port) + 1;
	if (dom0_call(fd, XS_INTRODUCE, 3, buf, (size_t)len, err,
		      errlen) < 0) {
		fprintf(stderr, "xs-guest: INTRODUCE %u 0 %u failed: %s\n",
			domid, port, err);
		goto out;
	}
	r = 0;
out:
	close(fd);
	return r;
}
