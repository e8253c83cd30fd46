// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * accept.c - accepting connections when descriptors run out.
 *
 * At EMFILE or ENFILE the kernel keeps the connection queued, so the
 * listening socket stays readable and a poll loop would spin at full
 * speed logging the same error.  The spare descriptor opened at start
 * is given up for a moment to take that connection and close it: the
 * peer sees the end of the conversation, the daemon waits for the next
 * event.  Refusals are logged once per interval, with their number.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "accept.h"
#include "log.h"

#define REFUSE_LOG_INTERVAL 10	/* seconds */

void
acceptor_init(struct acceptor *a, const char *what)
{
	a->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	a->logged = 0;
	a->refused = 0;
	a->what = what;
}

void
acceptor_fini(struct acceptor *a)
{
	if (a->reserve >= 0)
		close(a->reserve);
	a->reserve = -1;
}

void
acceptor_refused(struct acceptor *a, const char *why)
{
	struct timespec now;

	a->refused++;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (a->logged && now.tv_sec - a->logged < REFUSE_LOG_INTERVAL)
		return;
	log_warnx("refusing %s: %s (%u refused)", a->what, why, a->refused);
	a->logged = now.tv_sec ? now.tv_sec : 1;
	a->refused = 0;
}

int
acceptor_accept(struct acceptor *a, int listen_fd, int flags)
{
	int fd = accept4(listen_fd, NULL, NULL, flags), err, gone;

	if (fd >= 0 || (errno != EMFILE && errno != ENFILE))
		return fd;
	err = errno;
	acceptor_refused(a, strerror(err));
	if (a->reserve >= 0)
		close(a->reserve);
	gone = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (gone >= 0)
		close(gone);
	a->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	errno = err;
	return -1;
}
