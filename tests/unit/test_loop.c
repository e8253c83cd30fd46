// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_loop.c - the epoll event loop, on real descriptors (socket pairs):
 * only ready registrations are called, however many idle ones there are;
 * callbacks may free any registration of the same turn; events can be
 * changed; the epoll descriptor does not survive exec.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "loop.h"
#include "root_fix.h"

#define NPAIRS 500

struct pair {
	int fd[2];		/* fd[0] registered, fd[1] the peer */
	struct loop_io *io;
	unsigned int calls;
	unsigned int seq;	/* when it was last called */
	short revents;
	struct pair *victim;	/* freed by this one's callback */
	bool free_self;
	bool drain;
};

struct fix {
	struct root_fix rf;
	struct loop *l;
	struct pair p[NPAIRS];
};

static int
setup(void **state)
{
	struct fix *f = test_calloc(1, sizeof(*f));
	unsigned int i;

	root_fix_open(&f->rf);
	f->l = loop_new(f->rf.root);
	assert_non_null(f->l);
	for (i = 0; i < NPAIRS; i++)
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK
					    | SOCK_CLOEXEC, 0, f->p[i].fd), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	unsigned int i;

	root_fix_close(&f->rf);	/* the loop and every registration */
	for (i = 0; i < NPAIRS; i++) {
		close(f->p[i].fd[0]);
		close(f->p[i].fd[1]);
	}
	test_free(f);
	return 0;
}

static unsigned int calls_so_far;

static void
on_event(void *arg, short revents)
{
	struct pair *p = arg;
	char buf[64];

	p->calls++;
	p->seq = ++calls_so_far;
	p->revents = revents;
	if (p->drain)
		while (read(p->fd[0], buf, sizeof(buf)) > 0)
			;
	if (p->victim)
		TALLOC_FREE(p->victim->io);
	if (p->free_self)
		TALLOC_FREE(p->io);
}

static void
add_all(struct fix *f, short events)
{
	unsigned int i;

	for (i = 0; i < NPAIRS; i++) {
		f->p[i].io = loop_add(f->l, f->rf.root, f->p[i].fd[0], events,
				      on_event, &f->p[i]);
		assert_non_null(f->p[i].io);
		f->p[i].drain = true;
	}
	assert_int_equal(loop_count(f->l), NPAIRS);
}

static void
poke(struct pair *p)
{
	assert_int_equal(write(p->fd[1], "x", 1), 1);
}

static void
test_only_ready_are_called(void **state)
{
	struct fix *f = *state;
	unsigned int i;

	add_all(f, POLLIN);
	/* Nothing ready: the turn times out and calls nobody. */
	assert_int_equal(loop_once(f->l, 0), 0);
	for (i = 0; i < NPAIRS; i++)
		assert_int_equal(f->p[i].calls, 0);
	poke(&f->p[3]);
	poke(&f->p[NPAIRS - 1]);
	assert_int_equal(loop_once(f->l, 1000), 0);
	for (i = 0; i < NPAIRS; i++) {
		bool ready = i == 3 || i == NPAIRS - 1;

		assert_int_equal(f->p[i].calls, ready ? 1 : 0);
		if (ready)
			assert_true(f->p[i].revents & POLLIN);
	}
	/* Drained: level-triggered, so nobody is called again. */
	assert_int_equal(loop_once(f->l, 0), 0);
	assert_int_equal(f->p[3].calls, 1);
}

static void
test_free_others_in_callback(void **state)
{
	struct fix *f = *state;
	unsigned int i;

	add_all(f, POLLIN);
	/*
	 * Every pair is ready; the even ones free the next odd one.  In any
	 * order the kernel reports them, a freed registration is not called
	 * after it is gone, and one freed before its own turn never is.
	 */
	for (i = 0; i < NPAIRS; i++) {
		poke(&f->p[i]);
		if (i % 2 == 0)
			f->p[i].victim = &f->p[i + 1];
	}
	/* More than one batch of events: a few turns. */
	for (i = 0; i < 4; i++)
		assert_int_equal(loop_once(f->l, 100), 0);
	for (i = 0; i < NPAIRS; i += 2) {
		struct pair *victim = &f->p[i + 1];

		assert_int_equal(f->p[i].calls, 1);
		assert_null(victim->io);
		/* Called only if its turn came before it was freed. */
		assert_true(victim->calls == 0 ||
			    (victim->calls == 1 && victim->seq < f->p[i].seq));
	}
	assert_int_equal(loop_count(f->l), NPAIRS / 2);
	/* The freed ones stay silent, their descriptors still readable. */
	for (i = 1; i < NPAIRS; i += 2)
		f->p[i].calls = 0, poke(&f->p[i]);
	assert_int_equal(loop_once(f->l, 0), 0);
	for (i = 1; i < NPAIRS; i += 2)
		assert_int_equal(f->p[i].calls, 0);
}

static void
test_free_self_and_reuse_fd(void **state)
{
	struct fix *f = *state;
	struct pair *p = &f->p[0];

	add_all(f, POLLIN);
	p->free_self = true;
	p->drain = false;
	poke(p);
	assert_int_equal(loop_once(f->l, 1000), 0);
	assert_int_equal(p->calls, 1);
	assert_null(p->io);
	assert_int_equal(loop_count(f->l), NPAIRS - 1);
	/* Still readable, no longer registered: not called again. */
	assert_int_equal(loop_once(f->l, 0), 0);
	assert_int_equal(p->calls, 1);
	/* The same descriptor can be registered again. */
	p->free_self = false;
	p->drain = true;
	p->io = loop_add(f->l, f->rf.root, p->fd[0], POLLIN, on_event, p);
	assert_non_null(p->io);
	assert_int_equal(loop_once(f->l, 1000), 0);
	assert_int_equal(p->calls, 2);
}

static void
test_duplicate_and_bad_fd(void **state)
{
	struct fix *f = *state;

	add_all(f, POLLIN);
	errno = 0;
	assert_null(loop_add(f->l, f->rf.root, f->p[0].fd[0], POLLIN,
			     on_event, &f->p[0]));
	assert_int_equal(errno, EEXIST);
	assert_null(loop_add(f->l, f->rf.root, -1, POLLIN, on_event, NULL));
	assert_int_equal(errno, EBADF);
	assert_int_equal(loop_count(f->l), NPAIRS);
}

static void
test_set_events(void **state)
{
	struct fix *f = *state;
	struct pair *p = &f->p[7];

	add_all(f, 0);
	/* No events asked for: a writable socket is not reported. */
	assert_int_equal(loop_once(f->l, 0), 0);
	assert_int_equal(p->calls, 0);
	loop_set_events(p->io, POLLOUT);
	assert_int_equal(loop_once(f->l, 1000), 0);
	assert_int_equal(p->calls, 1);
	assert_true(p->revents & POLLOUT);
	loop_set_events(p->io, POLLIN);
	assert_int_equal(loop_once(f->l, 0), 0);
	assert_int_equal(p->calls, 1);
	/* A hung-up peer is reported whatever was asked for. */
	loop_set_events(p->io, 0);
	close(p->fd[1]);
	p->fd[1] = -1;
	assert_int_equal(loop_once(f->l, 1000), 0);
	assert_int_equal(p->calls, 2);
	assert_true(p->revents & POLLHUP);
}

/* A closed descriptor leaves the set; freeing its registration after. */
static void
test_close_before_free(void **state)
{
	struct fix *f = *state;
	struct pair *p = &f->p[0];

	add_all(f, POLLIN);
	close(p->fd[0]);
	p->fd[0] = -1;
	TALLOC_FREE(p->io);
	assert_int_equal(loop_count(f->l), NPAIRS - 1);
	poke(&f->p[1]);
	assert_int_equal(loop_once(f->l, 1000), 0);
	assert_int_equal(f->p[1].calls, 1);
}

/* The loop may go before registrations its owner still holds. */
static void
test_loop_freed_first(void **state)
{
	struct fix *f = *state;

	add_all(f, POLLIN);
	TALLOC_FREE(f->l);
	/* The registrations (children of root) free without it. */
	TALLOC_FREE(f->p[0].io);
}

static void
test_epoll_fd_cloexec(void **state)
{
	struct fix *f = *state;
	unsigned int found = 0;
	struct dirent *de;
	char link[64], target[64];
	DIR *d = opendir("/proc/self/fd");
	ssize_t n;

	(void)f;
	assert_non_null(d);
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || fd == dirfd(d))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		if (strcmp(target, "anon_inode:[eventpoll]"))
			continue;
		found++;
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	}
	closedir(d);
	assert_int_equal(found, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_only_ready_are_called),
		T(test_free_others_in_callback),
		T(test_free_self_and_reuse_fd),
		T(test_duplicate_and_bad_fd),
		T(test_set_events),
		T(test_close_before_free),
		T(test_loop_freed_first),
		T(test_epoll_fd_cloexec),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("loop", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
