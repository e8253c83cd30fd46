// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_notify.c - the sd_notify datagram: the exact bytes arrive at a
 * file socket and at an abstract one (whose name has no trailing NUL),
 * nothing is done without NOTIFY_SOCKET, and every address systemd
 * would refuse is refused with the error notify.h promises.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"

struct fix {
	char dir[64];		/* a mkdtemp directory for file sockets */
	char path[128];		/* its socket, once bound */
	int fd;			/* the receiving end, or -1 */
};

static int
setup(void **state)
{
	struct fix *f = test_calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/xsd-notify-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->fd = -1;
	unsetenv("NOTIFY_SOCKET");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	if (f->fd >= 0)
		close(f->fd);
	if (f->path[0])
		unlink(f->path);
	rmdir(f->dir);
	unsetenv("NOTIFY_SOCKET");
	test_free(f);
	return 0;
}

/* Bind the receiving socket at name (sockaddr bytes, len of them). */
static void
bind_at(struct fix *f, const char *name, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	assert_true(len <= sizeof(sa.sun_path));
	memcpy(sa.sun_path, name, len);
	f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sa,
			      offsetof(struct sockaddr_un, sun_path) + len), 0);
}

static void
bind_file(struct fix *f)
{
	snprintf(f->path, sizeof(f->path), "%s/notify", f->dir);
	bind_at(f, f->path, strlen(f->path) + 1);
	assert_int_equal(setenv("NOTIFY_SOCKET", f->path, 1), 0);
}

/* An abstract name of exactly len bytes after the leading NUL. */
static void
bind_abstract(struct fix *f, char *env, size_t len)
{
	char name[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int n = snprintf(name + 1, sizeof(name) - 1, "xsd-notify-%d-",
			 (int)getpid());

	assert_true(len >= (size_t)n && len < sizeof(name));
	memset(name + 1 + n, 'x', len - (size_t)n);
	name[0] = 0;
	bind_at(f, name, len + 1);
	env[0] = '@';
	memcpy(env + 1, name + 1, len);
	env[len + 1] = 0;
	assert_int_equal(setenv("NOTIFY_SOCKET", env, 1), 0);
}

/* The next datagram is exactly want. */
static void
expect_datagram(struct fix *f, const char *want)
{
	char buf[4096];
	ssize_t n = recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT);

	assert_int_equal(n, (ssize_t)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
}

static void
test_unset_is_nothing(void **state)
{
	(void)state;
	assert_int_equal(notify_send("READY=1"), 0);
	assert_int_equal(notify_sendf("MAINPID=%d", 1), 0);
}

static void
test_file_socket(void **state)
{
	struct fix *f = *state;

	bind_file(f);
	assert_int_equal(notify_sendf("READY=1\nMAINPID=%ld\nSTATUS=serving",
				      42L), 0);
	expect_datagram(f, "READY=1\nMAINPID=42\nSTATUS=serving");
	assert_int_equal(notify_send("STOPPING=1"), 0);
	expect_datagram(f, "STOPPING=1");
	/* Kept for the process a live update execs. */
	assert_string_equal(getenv("NOTIFY_SOCKET"), f->path);
}

static void
test_abstract_socket(void **state)
{
	struct fix *f = *state;
	char env[120];

	bind_abstract(f, env, 40);
	assert_int_equal(notify_send("READY=1"), 0);
	expect_datagram(f, "READY=1");
	assert_string_equal(getenv("NOTIFY_SOCKET"), env);
}

/* '@' and 107 name bytes fill sun_path exactly; one more is too long. */
static void
test_abstract_longest(void **state)
{
	struct fix *f = *state;
	char env[120];

	bind_abstract(f, env, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	assert_int_equal(strlen(env), 108);
	assert_int_equal(notify_send("READY=1"), 0);
	expect_datagram(f, "READY=1");
	strcat(env, "x");
	assert_int_equal(setenv("NOTIFY_SOCKET", env, 1), 0);
	assert_int_equal(notify_send("READY=1"), EINVAL);
}

static void
test_nobody_listens(void **state)
{
	struct fix *f = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/none", f->dir);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_send("READY=1"), ENOENT);
	setenv("NOTIFY_SOCKET", "@xsd-notify-nobody-binds-this", 1);
	assert_int_equal(notify_send("READY=1"), ECONNREFUSED);
}

static void
test_bad_addresses(void **state)
{
	static const char *const bad[] = {
		"", "@", "/", "relative/path", "notify", "%/x",
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("NOTIFY_SOCKET", bad[i], 1);
		assert_int_equal(notify_send("READY=1"), EINVAL);
	}
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	assert_int_equal(notify_send("READY=1"), EAFNOSUPPORT);
}

static void
test_sendf_too_long(void **state)
{
	struct fix *f = *state;
	char big[2048];

	bind_file(f);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(notify_sendf("STATUS=%s", big), EMSGSIZE);
	/* notify_send itself is not limited: a datagram this size goes. */
	assert_int_equal(notify_send(big), 0);
	expect_datagram(f, big);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_unset_is_nothing),
		T(test_file_socket),
		T(test_abstract_socket),
		T(test_abstract_longest),
		T(test_nobody_listens),
		T(test_bad_addresses),
		T(test_sendf_too_long),
	};

	return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
