// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * loop.c - epoll(7) over a set of registrations.
 *
 * The kernel keeps the interest list, so a turn costs what the ready
 * descriptors cost, not what the idle ones do.  Each epoll event carries
 * its descriptor number, and the loop maps numbers to registrations with
 * a table indexed by fd: a registration freed by an earlier callback of
 * the same turn (its slot is cleared) is simply not called, which is
 * what lets callbacks free any registration, their own included.  A
 * descriptor number reused within the turn may get one spurious call;
 * every callback reads and writes without blocking, so that is harmless.
 *
 * The epoll descriptor is close-on-exec: a new binary after a live
 * update builds its own loop from the descriptors it inherits.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

/* Events taken from the kernel per epoll_wait. */
#define LOOP_BATCH 256

struct loop_io {
	struct loop *loop;
	int fd;
	short events;
	loop_fn *fn;
	void *arg;
};

struct loop {
	int epfd;
	struct loop_io **by_fd;		/* by_fd[fd]: NULL if unregistered */
	unsigned int nslots;
	unsigned int count;
	struct epoll_event evs[LOOP_BATCH];
};

static uint32_t
to_epoll(short events)
{
	return (events & POLLIN ? EPOLLIN : 0) |
	       (events & POLLOUT ? EPOLLOUT : 0) |
	       (events & POLLPRI ? EPOLLPRI : 0);
}

static short
from_epoll(uint32_t ev)
{
	return (short)((ev & EPOLLIN ? POLLIN : 0) |
		       (ev & EPOLLOUT ? POLLOUT : 0) |
		       (ev & EPOLLPRI ? POLLPRI : 0) |
		       (ev & EPOLLERR ? POLLERR : 0) |
		       (ev & EPOLLHUP ? POLLHUP : 0));
}

static int
loop_io_destroy(struct loop_io *io)
{
	struct loop *l = io->loop;

	if (!l)
		return 0;	/* the loop went first */
	/*
	 * The owner may have closed fd already, which removed it from the
	 * epoll set: then this fails with EBADF and that is fine.
	 */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	l->by_fd[io->fd] = NULL;
	l->count--;
	return 0;
}

static int
loop_destroy(struct loop *l)
{
	unsigned int i;

	for (i = 0; i < l->nslots; i++)
		if (l->by_fd[i])
			l->by_fd[i]->loop = NULL;
	if (l->epfd >= 0)
		close(l->epfd);
	return 0;
}

struct loop *
loop_new(TALLOC_CTX *mem_ctx)
{
	struct loop *l = talloc_zero(mem_ctx, struct loop);

	if (!l) {
		errno = ENOMEM;
		return NULL;
	}
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = errno;

		talloc_free(l);
		errno = err;
		return NULL;
	}
	talloc_set_destructor(l, loop_destroy);
	return l;
}

/* Make by_fd[fd] exist. */
static int
grow(struct loop *l, int fd)
{
	unsigned int n = l->nslots ? l->nslots : 64;
	struct loop_io **v;

	while (n <= (unsigned int)fd)
		n *= 2;
	if (n == l->nslots)
		return 0;
	v = talloc_realloc(l, l->by_fd, struct loop_io *, n);
	if (!v)
		return ENOMEM;
	memset(v + l->nslots, 0, (n - l->nslots) * sizeof(*v));
	l->by_fd = v;
	l->nslots = n;
	return 0;
}

struct loop_io *
loop_add(struct loop *l, TALLOC_CTX *owner, int fd, short events,
	 loop_fn *fn, void *arg)
{
	struct epoll_event ev = { .events = to_epoll(events), .data.u64 = 0 };
	struct loop_io *io;

	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	if (grow(l, fd)) {
		errno = ENOMEM;
		return NULL;
	}
	if (l->by_fd[fd]) {
		errno = EEXIST;
		return NULL;
	}
	io = talloc(owner, struct loop_io);
	if (!io) {
		errno = ENOMEM;
		return NULL;
	}
	*io = (struct loop_io){ l, fd, events, fn, arg };
	ev.data.fd = fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = errno;

		talloc_free(io);
		errno = err;
		return NULL;
	}
	l->by_fd[fd] = io;
	l->count++;
	talloc_set_destructor(io, loop_io_destroy);
	return io;
}

void
loop_set_events(struct loop_io *io, short events)
{
	struct epoll_event ev = { .events = to_epoll(events) };

	/* Called after every flush: only a change costs a system call. */
	if (io->events == events || !io->loop)
		return;
	ev.data.fd = io->fd;
	if (epoll_ctl(io->loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) == 0)
		io->events = events;
}

int
loop_once(struct loop *l, int timeout_ms)
{
	int i, n;

	n = epoll_wait(l->epfd, l->evs, LOOP_BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : errno;
	for (i = 0; i < n; i++) {
		int fd = l->evs[i].data.fd;
		struct loop_io *io;

		if (fd < 0 || (unsigned int)fd >= l->nslots)
			continue;
		io = l->by_fd[fd];
		if (io)		/* not freed by an earlier callback */
			io->fn(io->arg, from_epoll(l->evs[i].events));
	}
	return 0;
}

unsigned int
loop_count(const struct loop *l)
{
	return l->count;
}

double
loop_ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}
