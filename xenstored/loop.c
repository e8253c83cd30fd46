/*
 * loop.c - poll(2) over a set of registrations.
 *
 * Registrations live in an array; unregistering clears the slot, and the
 * array is compacted between iterations, so callbacks may free any
 * registration (their own included) while the loop runs.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>

#include "loop.h"

struct loop_io {
	struct loop *loop;
	unsigned int slot;
	int fd;
	short events;
	loop_fn *fn;
	void *arg;
};

struct loop {
	struct loop_io **ios;
	unsigned int num, size;
	struct pollfd *pfds;
	unsigned int pfd_size;
	bool holes;
};

static int
loop_io_destroy(struct loop_io *io)
{
	if (!io->loop)
		return 0;	/* the loop went first */
	io->loop->ios[io->slot] = NULL;
	io->loop->holes = true;
	return 0;
}

static int
loop_destroy(struct loop *l)
{
	unsigned int i;

	for (i = 0; i < l->num; i++)
		if (l->ios[i])
			l->ios[i]->loop = NULL;
	return 0;
}

struct loop *
loop_new(TALLOC_CTX *mem_ctx)
{
	struct loop *l = talloc_zero(mem_ctx, struct loop);

	if (l)
		talloc_set_destructor(l, loop_destroy);
	return l;
}

struct loop_io *
loop_add(struct loop *l, TALLOC_CTX *owner, int fd, short events,
	 loop_fn *fn, void *arg)
{
	struct loop_io *io;

	if (l->num == l->size) {
		unsigned int size = l->size ? l->size * 2 : 64;
		struct loop_io **ios = talloc_realloc(l, l->ios,
						      struct loop_io *, size);

		if (!ios)
			return NULL;
		l->ios = ios;
		l->size = size;
	}
	io = talloc(owner, struct loop_io);
	if (!io)
		return NULL;
	*io = (struct loop_io){ l, l->num, fd, events, fn, arg };
	l->ios[l->num++] = io;
	talloc_set_destructor(io, loop_io_destroy);
	return io;
}

void
loop_set_events(struct loop_io *io, short events)
{
	io->events = events;
}

static void
compact(struct loop *l)
{
	unsigned int i, j = 0;

	for (i = 0; i < l->num; i++) {
		if (!l->ios[i])
			continue;
		l->ios[j] = l->ios[i];
		l->ios[j]->slot = j;
		j++;
	}
	l->num = j;
	l->holes = false;
}

int
loop_once(struct loop *l, int timeout_ms)
{
	unsigned int i, n;
	int ret;

	if (l->holes)
		compact(l);
	if (l->pfd_size < l->num) {
		struct pollfd *p = talloc_realloc(l, l->pfds, struct pollfd,
						  l->size);

		if (!p)
			return ENOMEM;
		l->pfds = p;
		l->pfd_size = l->size;
	}
	n = l->num;
	for (i = 0; i < n; i++) {
		l->pfds[i].fd = l->ios[i]->fd;
		l->pfds[i].events = l->ios[i]->events;
		l->pfds[i].revents = 0;
	}
	ret = poll(l->pfds, n, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? 0 : errno;
	for (i = 0; i < n && ret > 0; i++) {
		struct loop_io *io = l->ios[i];

		if (!l->pfds[i].revents)
			continue;
		ret--;
		if (io)		/* not freed by an earlier callback */
			io->fn(io->arg, l->pfds[i].revents);
	}
	return 0;
}
