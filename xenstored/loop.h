/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loop.h - an epoll(7) event loop with typed callbacks.
 *
 * Knows nothing of xenstore.  A registration is a talloc object owned by
 * whoever registered; freeing it unregisters, even from inside a
 * callback of the same iteration.  Events are poll(2) bits (POLLIN,
 * POLLOUT; POLLHUP and POLLERR are always reported).  The cost of a
 * turn is that of the descriptors that are ready, whatever the number
 * of idle registrations.  One registration per descriptor.
 */
#ifndef XSD_LOOP_H
#define XSD_LOOP_H

#include <talloc.h>
#include <time.h>

struct loop;
struct loop_io;

typedef void loop_fn(void *arg, short revents);

/* NULL when out of memory or descriptors (errno says which). */
struct loop *loop_new(TALLOC_CTX *mem_ctx);
/* NULL with errno set (ENOMEM, EEXIST for a registered fd, ...). */
struct loop_io *loop_add(struct loop *l, TALLOC_CTX *owner, int fd,
			 short events, loop_fn *fn, void *arg);
void loop_set_events(struct loop_io *io, short events);
/* Milliseconds on CLOCK_MONOTONIC since *t (taken from that clock). */
double loop_ms_since(const struct timespec *t);

/* Wait up to timeout_ms (-1: forever) and run callbacks. 0 or errno. */
int loop_once(struct loop *l, int timeout_ms);
/* Registrations alive (for tests and statistics). */
unsigned int loop_count(const struct loop *l);

#endif /* XSD_LOOP_H */
