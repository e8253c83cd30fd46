// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_live.c - --live: ask the running xenstored for a DUMP image with
 * the CONTROL command dump-state|<file>| over its Unix socket, then open
 * the file it wrote.
 *
 * The socket is --socket PATH, else $XENSTORED_PATH, else
 * $XENSTORED_RUNDIR/socket, else DEFAULT_RUNDIR/socket.  Watch events
 * that arrive before the answer are not ours and are passed over.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_wire_ext.h"

#include "tool.h"

#define LIVE_TIMEOUT_S 120	/* a dump of a million nodes takes seconds */

const char *
live_socket_path(TALLOC_CTX *mem_ctx, const char *opt)
{
	const char *s;

	if (opt)
		return opt;
	s = getenv("XENSTORED_PATH");
	if (s && *s)
		return s;
	s = getenv("XENSTORED_RUNDIR");
	return talloc_asprintf(mem_ctx, "%s/socket",
			       s && *s ? s : DEFAULT_RUNDIR);
}

/* To a socket; a daemon gone away is EPIPE, not SIGPIPE. */
static int
send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 0, EPIPE at end of file, or an errno. */
static int
read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? ETIMEDOUT : errno;
		if (n == 0)
			return EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
live_connect(const char *path)
{
	struct timeval tv = { .tv_sec = LIVE_TIMEOUT_S };
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		tool_warnx("%s: socket path too long", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = errno;
		if (fd >= 0)
			close(fd);
		tool_warnx("xenstored's socket %s: %s", path, strerror(err));
		/* Nothing there, or nothing listening: say where else. */
		if (err == ENOENT || err == ECONNREFUSED)
			tool_warnx("no xenstored seems to be running there; "
				   "give its socket with --socket PATH or "
				   "XENSTORED_PATH=PATH, or its run directory "
				   "with XENSTORED_RUNDIR=DIR");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * CONTROL with the given arguments (NUL-separated on the wire), and
 * pass_fd (>= 0) with it as SCM_RIGHTS; wait for the answer.  0 with
 * *answer (on mem_ctx) the reply's text, or -1 after saying why (a
 * transport failure, or an ERROR reply).
 */
int
live_control(TALLOC_CTX *mem_ctx, const char *sock_path,
	     const char *const *args, unsigned int nargs, int pass_fd,
	     char **answer)
{
	char reply[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg hdr = { .type = XS_CONTROL, .req_id = 0x7373 };
	char msg[MSG_HDR_LEN + XENSTORE_PAYLOAD_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t len = 0, l;
	unsigned int i;
	int fd, err = 0, ret = -1;

	for (i = 0; i < nargs; i++) {
		l = strlen(args[i]) + 1;
		if (len + l > XENSTORE_PAYLOAD_MAX) {
			tool_warnx("%s: request too long", args[0]);
			return -1;
		}
		memcpy(msg + MSG_HDR_LEN + len, args[i], l);
		len += l;
	}
	fd = live_connect(sock_path);
	if (fd < 0)
		return -1;
	hdr.len = (uint32_t)len;
	memcpy(msg, &hdr, MSG_HDR_LEN);
	if (pass_fd >= 0) {
		/* The descriptor rides with the first octets. */
		struct iovec iov = { msg, MSG_HDR_LEN + len };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		ssize_t n;

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0)
			err = errno;
		else if ((size_t)n < MSG_HDR_LEN + len)
			err = send_all(fd, msg + n, MSG_HDR_LEN + len -
				       (size_t)n);
	} else {
		err = send_all(fd, msg, MSG_HDR_LEN + len);
	}
	while (!err) {
		err = read_all(fd, &hdr, MSG_HDR_LEN);
		if (!err && hdr.len > XENSTORE_PAYLOAD_MAX)
			err = EPROTO;
		if (!err)
			err = read_all(fd, reply, hdr.len);
		if (!err && hdr.type == XS_WATCH_EVENT)
			continue;	/* not ours */
		break;
	}
	reply[err ? 0 : hdr.len] = 0;
	if (err == EPIPE)
		tool_warnx("%s: connection closed by the daemon", sock_path);
	else if (err)
		tool_warnx("%s: %s", sock_path, strerror(err));
	else if (hdr.type == XS_ERROR)
		tool_warnx("%s: %s", args[0], reply);
	else if (hdr.type != XS_CONTROL || hdr.req_id != 0x7373)
		tool_warnx("%s: unexpected reply (type %" PRIu32 ") %s",
			   args[0], hdr.type, fmt_bytes(mem_ctx, reply,
							hdr.len));
	else if (!(*answer = talloc_strndup(mem_ctx, reply, hdr.len)))
		tool_warnx("out of memory");
	else
		ret = 0;
	close(fd);
	return ret;
}

static int
live_request(TALLOC_CTX *mem_ctx, const char *sock_path, const char *file)
{
	const char *args[] = { "dump-state", file };
	char *answer = NULL;

	if (live_control(mem_ctx, sock_path, args, 2, -1, &answer))
		return -1;
	if (strcmp(answer, "OK")) {
		tool_warnx("dump-state: unexpected reply %s",
			   fmt_bytes(mem_ctx, answer, strlen(answer)));
		return -1;
	}
	return 0;
}

/*
 * Have the daemon write a DUMP image into a fresh file of ours (mkstemp,
 * mode 0600, in $TMPDIR), then open and remove the file.  The file is
 * removed whatever happens, unless the tool is killed meanwhile.
 */
struct image *
live_open(TALLOC_CTX *mem_ctx, const char *socket_opt)
{
	const char *dir = getenv("TMPDIR");
	const char *sock = live_socket_path(mem_ctx, socket_opt);
	char *absdir = NULL, *path = NULL;
	struct image *img = NULL;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	absdir = realpath(dir, NULL);	/* the daemon needs it absolute */
	if (!absdir) {
		tool_warnx("%s: %s", dir, strerror(errno));
		return NULL;
	}
	path = talloc_asprintf(mem_ctx, "%s/xs-state-XXXXXX", absdir);
	free(absdir);
	if (!sock || !path) {
		tool_warnx("out of memory");
		return NULL;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		tool_warnx("%s: %s", path, strerror(errno));
		return NULL;
	}
	close(fd);
	if (live_request(mem_ctx, sock, path) == 0) {
		/* Opened again: the daemon may have replaced the file. */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			tool_warnx("%s: %s", path, strerror(errno));
	} else {
		fd = -1;
	}
	unlink(path);
	if (fd >= 0)
		img = image_open_fd(mem_ctx, "live dump", fd);
	talloc_free(path);
	return img;
}

