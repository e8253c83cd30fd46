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
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_wire_ext.h"

#include "tool.h"

#define LIVE_TIMEOUT_S 120	/* a dump of a million nodes takes seconds */

static const char *
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
		tool_warnx("%s: %s", path, strerror(err));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * CONTROL dump-state|<file>| and wait for its answer.  0 when the
 * daemon answered OK; else the reason is printed and -1 returned.
 */
static int
live_request(TALLOC_CTX *mem_ctx, const char *sock_path, const char *file)
{
	char reply[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg hdr = { .type = XS_CONTROL, .req_id = 0x7373 };
	static const char cmd[] = "dump-state";
	size_t flen = strlen(file) + 1;
	char msg[MSG_HDR_LEN + sizeof(cmd) + PATH_MAX + 1];
	int fd, err, ret = -1;

	if (sizeof(cmd) + flen > XENSTORE_PAYLOAD_MAX || flen > PATH_MAX) {
		tool_warnx("%s: path too long", file);
		return -1;
	}
	fd = live_connect(sock_path);
	if (fd < 0)
		return -1;
	hdr.len = (uint32_t)(sizeof(cmd) + flen);
	memcpy(msg, &hdr, MSG_HDR_LEN);
	memcpy(msg + MSG_HDR_LEN, cmd, sizeof(cmd));
	memcpy(msg + MSG_HDR_LEN + sizeof(cmd), file, flen);
	err = send_all(fd, msg, MSG_HDR_LEN + hdr.len);
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
		tool_warnx("dump-state: %s", reply);
	else if (hdr.type != XS_CONTROL || hdr.req_id != 0x7373 ||
		 strcmp(reply, "OK"))
		tool_warnx("dump-state: unexpected reply (type %" PRIu32 ") %s",
			   hdr.type, fmt_bytes(mem_ctx, reply, hdr.len));
	else
		ret = 0;
	close(fd);
	return ret;
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

