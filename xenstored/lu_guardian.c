// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lu_guardian.c - the process that stands in for a live update's new
 * binary until it serves.
 *
 * A signal handler in the new binary cannot cover its death before our
 * code runs (a wrapper script killed, a library gone since the check)
 * nor SIGKILL (the OOM killer), and a process that hangs cannot notice
 * it hangs.  So a guardian watches from outside:
 *
 *	old process		guardian (fork)
 *	-s: fork ------------->	closes every descriptor, waits
 *	  (pre-flight check, serving)
 *	"F" + descriptors ---->	keeps them under their numbers: those
 *	"G" + time limit ----->	the image names, the image, our binary
 *	exec new binary		polls a pidfd of the process and the
 *	  restore ...		socket
 *	  "S" --------------->
 *	  <----------------	"A<pid>", exits
 *	  serves
 *
 * The fork happens while the daemon still serves (its cost, a copy of
 * the page tables, grows with the store's indexes), so that all the
 * update's pause holds of it is sending the descriptors.  A takeover,
 * which has no time to fork ahead, forks one that keeps everything
 * and watches from the start.
 *
 * Commitment is the "S": the new process sends it once the state is
 * taken over and before it changes anything (answers, reads a ring,
 * binds VIRQ_DOM_EXC), and waits for the answer, so that a guardian
 * whose time ran out meanwhile kills it before it did anything.  If
 * the pidfd says the new process ended, or -t seconds pass, the
 * guardian execs the previous binary with --live-rollback on the same
 * image and descriptors, as the new process itself does when it
 * refuses the state: the previous binary serves again, in the
 * guardian's process.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdbool.h>

#include <talloc.h>

#include "log.h"
#include "loop.h"
#include "lu_guardian.h"
#include "xsd.h"

/* How long the new process waits for the guardian's answer. */
#define GUARDIAN_ANSWER_MS 5000
/* How long a killed new process may take to be gone. */
#define GUARDIAN_KILL_MS 5000
/* Without a pidfd (valgrind knows none): how often to look. */
#define GUARDIAN_LOOK_MS 20
/* Descriptors in one message (the kernel's SCM_MAX_FD is 253). */
#define GUARDIAN_FDS_MAX 250

/*
 * How the process behind pidfd ended, if it can still be told: it is
 * our parent, not our child, so there is no wait status, but a zombie's
 * /proc/PID/stat has it (field 52, exit_code) until its parent reaps it.
 */
static void
describe_end(pid_t pid, char *buf, size_t size)
{
	char path[64], stat[1024], *p, *save = NULL;
	unsigned int field = 2;
	ssize_t n;
	int fd, status = -1;

	snprintf(buf, size, "the new binary ended before it served");
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return;
	stat[n] = 0;
	p = strrchr(stat, ')');
	if (!p || p[1] != ' ' || p[2] != 'Z')
		return;		/* reaped already, or not that process */
	for (p = strtok_r(p + 1, " ", &save); p;
	     p = strtok_r(NULL, " ", &save))
		if (++field == 52) {
			status = atoi(p);
			break;
		}
	if (status < 0)
		return;
	if (WIFSIGNALED(status))
		snprintf(buf, size, "the new binary was killed by signal %d "
			 "(%s) before it served", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(buf, size, "the new binary exited with status %d "
			 "before it served", WEXITSTATUS(status));
}

/*
 * Is the new process (our parent) gone?  The pidfd says so at once;
 * without one, our parent changes when it dies (we are reparented).
 */
static bool
gone(int pidfd, pid_t watched, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd >= 0)
		return poll(&p, 1, ms) == 1;
	for (; ms > 0; ms -= GUARDIAN_LOOK_MS) {
		if (getppid() != watched)
			return true;
		poll(NULL, 0, GUARDIAN_LOOK_MS);
	}
	return getppid() != watched;
}

/* A descriptor handed over, and the number it must have again. */
struct kept {
	int fd;
	int target;
};

struct guard {
	int pidfd;			/* of the watched process, or -1 */
	pid_t watched;
	int sock;
	struct kept *kept;
	unsigned int nkept, room;
	bool armed;
	unsigned int timeout_s;
};

/* "F": descriptors, with their numbers in the payload. */
static int
take_fds(struct guard *g, const char *buf, size_t len, struct msghdr *mh)
{
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	unsigned int n = (unsigned int)((len - 1) / sizeof(int)), i;
	const int *fds;
	int target;

	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(n * sizeof(int)) ||
	    (mh->msg_flags & MSG_CTRUNC))
		return EPROTO;
	fds = (const int *)CMSG_DATA(c);
	if (g->nkept + n > g->room) {
		unsigned int room = (g->nkept + n) * 2;
		struct kept *k = realloc(g->kept, room * sizeof(*k));

		if (!k)
			return ENOMEM;
		g->kept = k;
		g->room = room;
	}
	for (i = 0; i < n; i++) {
		memcpy(&target, buf + 1 + i * sizeof(int), sizeof(int));
		g->kept[g->nkept++] = (struct kept){ fds[i], target };
	}
	return 0;
}

/* Move fd above floor (close-on-exec). */
static int
lift(int *fd, int floor)
{
	int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, floor);

	if (nfd < 0)
		return errno;
	close(*fd);
	*fd = nfd;
	return 0;
}

/*
 * "G": every descriptor to its number, inheritable, as in the process
 * that handed it over; ours out of the way first.
 */
static int
place_fds(struct guard *g)
{
	int top = 2, ret;
	unsigned int i;

	for (i = 0; i < g->nkept; i++)
		if (g->kept[i].target > top)
			top = g->kept[i].target;
	if ((ret = lift(&g->sock, top + 1)) ||
	    (g->pidfd >= 0 && (ret = lift(&g->pidfd, top + 1))))
		return ret;
	for (i = 0; i < g->nkept; i++)
		if ((ret = lift(&g->kept[i].fd, top + 1)))
			return ret;
	for (i = 0; i < g->nkept; i++) {
		if (dup2(g->kept[i].fd, g->kept[i].target) < 0)
			return errno;
		close(g->kept[i].fd);
		g->kept[i].fd = g->kept[i].target;
	}
	return 0;
}

/*
 * One message on the socket.  Returns 1 to go on, 0 when the socket is
 * done with (closed or nonsense), or exits (released, abandoned).
 */
static int
message(struct guard *g)
{
	union {
		char buf[CMSG_SPACE(GUARDIAN_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char buf[1 + GUARDIAN_FDS_MAX * sizeof(int)];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	char answer[32];
	ssize_t n = recvmsg(g->sock, &mh, MSG_CMSG_CLOEXEC);
	int ret = 0;

	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0)
		return 0;
	switch (buf[0]) {
	case 'F':
		if (g->armed || (ret = take_fds(g, buf, (size_t)n, &mh))) {
			log_warnx("guardian: descriptors: %s",
				  g->armed ? "after G" : strerror(ret));
			_exit(1);
		}
		return 1;
	case 'G':
		if (g->armed || n != 1 + sizeof(unsigned int))
			return 0;
		memcpy(&g->timeout_s, buf + 1, sizeof(unsigned int));
		if ((ret = place_fds(g))) {
			log_warnx("guardian: keeping the descriptors: %s",
				  strerror(ret));
			_exit(1);
		}
		g->armed = true;
		return 1;
	case 'S':
		if (!g->armed || n != 1)
			return 0;
		n = snprintf(answer, sizeof(answer), "A%ld", (long)getpid());
		send(g->sock, answer, (size_t)n, MSG_NOSIGNAL);
		_exit(0);
	case 'X':
		_exit(0);	/* not needed after all */
	default:
		return 0;
	}
}

static void __attribute__((noreturn))
guard(struct xsd *xsd, struct guard *g, guardian_fn *fallback, void *arg)
{
	struct pollfd p[2] = {
		{ .fd = g->pidfd, .events = POLLIN },
		{ .fd = g->sock, .events = POLLIN },
	};
	struct timespec t0 = { 0, 0 };
	char why[256];
	long left;

	for (;;) {
		if (g->armed && !t0.tv_sec && !t0.tv_nsec)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		left = g->armed ? (long)g->timeout_s * 1000 -
				  loop_ms_since(&t0) : -1;
		if (g->armed && left <= 0) {
			if (g->pidfd >= 0)
				pidfd_send_signal(g->pidfd, SIGKILL, NULL, 0);
			else if (getppid() == g->watched)
				kill(g->watched, SIGKILL);
			if (!gone(g->pidfd, g->watched, GUARDIAN_KILL_MS))
				_exit(1);	/* not ours to take over */
			snprintf(why, sizeof(why), "the new binary did not "
				 "serve within %u s (-t) and was killed",
				 g->timeout_s);
			break;
		}
		if (g->pidfd < 0 && (left < 0 || left > GUARDIAN_LOOK_MS))
			left = GUARDIAN_LOOK_MS;
		p[0].fd = g->pidfd;
		if (p[1].fd >= 0)
			p[1].fd = g->sock;	/* (place_fds moves it) */
		if (poll(p, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("guardian: poll");
			_exit(1);
		}
		/* What was sent before a death counts: the socket first. */
		if (p[1].revents) {
			if (message(g))
				continue;
			if (!g->armed)
				_exit(0);	/* gone without arming us */
			p[1].fd = -1;	/* only the pidfd can tell now */
			continue;
		}
		if (p[0].revents || (g->pidfd < 0 && gone(-1, g->watched, 0))) {
			if (!g->armed)
				_exit(0);	/* it died serving: not ours */
			describe_end(g->watched, why, sizeof(why));
			break;
		}
	}
	log_warnx("guardian (pid %ld): %s", (long)getpid(), why);
	fallback(xsd, arg, why);
	_exit(1);
}

/* Close every descriptor but keep[0..n) (ascending). */
static void
close_all_but(const int *keep, unsigned int n)
{
	unsigned int lo = 0, i;

	for (i = 0; i < n; i++) {
		if ((unsigned int)keep[i] > lo)
			close_range(lo, (unsigned int)keep[i] - 1, 0);
		lo = (unsigned int)keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

int
guardian_start(struct xsd *xsd, guardian_fn *fallback, void *arg,
	       unsigned int keep_all_s, int *fdp, pid_t *pidp)
{
	struct guard g = { .pidfd = -1 };
	int sv[2], err;
	pid_t pid;

	/* Close-on-exec.  Without one (ENOSYS under valgrind), guard()
	 * looks at its parent instead. */
	g.pidfd = pidfd_open(getpid(), 0);
	if (g.pidfd < 0 && errno != ENOSYS)
		return errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err = errno;
		if (g.pidfd >= 0)
			close(g.pidfd);
		return err;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		g.watched = getppid();
		g.sock = sv[1];
		close(sv[0]);
		if (keep_all_s) {
			g.armed = true;
			g.timeout_s = keep_all_s;
		} else {
			/* Only what guardian_arm() hands over: nothing
			 * stale (a connection closed meanwhile) held. */
			int keep[3] = { 0, 1, 2 }, k[5], n = 0, i;

			for (i = 0; i < 3; i++)
				k[n++] = keep[i];
			if (g.pidfd >= 0 && g.pidfd < g.sock) {
				k[n++] = g.pidfd;
				k[n++] = g.sock;
			} else {
				k[n++] = g.sock;
				if (g.pidfd >= 0)
					k[n++] = g.pidfd;
			}
			close_all_but(k, (unsigned int)n);
		}
		guard(xsd, &g, fallback, arg);
	}
	err = errno;
	if (g.pidfd >= 0)
		close(g.pidfd);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return err;
	}
	*fdp = sv[0];
	*pidp = pid;
	return 0;
}

int
guardian_arm(int fd, const int *fds, unsigned int n, unsigned int timeout_s)
{
	union {
		char buf[CMSG_SPACE(GUARDIAN_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char buf[1 + GUARDIAN_FDS_MAX * sizeof(int)];
	struct iovec iov = { buf, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf };
	struct cmsghdr *c;
	unsigned int i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < GUARDIAN_FDS_MAX ? n - i : GUARDIAN_FDS_MAX;
		buf[0] = 'F';
		memcpy(buf + 1, fds + i, k * sizeof(int));
		iov.iov_len = 1 + k * sizeof(int);
		mh.msg_controllen = CMSG_SPACE(k * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(k * sizeof(int));
		memcpy(CMSG_DATA(c), fds + i, k * sizeof(int));
		if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
			return errno;
	}
	buf[0] = 'G';
	memcpy(buf + 1, &timeout_s, sizeof(timeout_s));
	if (send(fd, buf, 1 + sizeof(timeout_s), MSG_NOSIGNAL) < 0)
		return errno;
	return 0;
}

void
guardian_abandon(int new_fd, pid_t pid)
{
	send(new_fd, "X", 1, MSG_NOSIGNAL);
	close(new_fd);
	waitpid(pid, NULL, 0);
}

pid_t
guardian_release(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char answer[32];
	ssize_t n = -1;
	pid_t pid = -1;

	if (send(fd, "S", 1, MSG_NOSIGNAL) == 1 &&
	    poll(&p, 1, GUARDIAN_ANSWER_MS) == 1)
		n = recv(fd, answer, sizeof(answer) - 1, 0);
	if (n > 1 && answer[0] == 'A') {
		answer[n] = 0;
		pid = (pid_t)atol(answer + 1);
	} else {
		log_warnx("the guardian did not answer "
			  "(descriptor %d); going on without it", fd);
	}
	close(fd);
	return pid;
}
