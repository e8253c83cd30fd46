// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lu_guardian.c - the process that stands in for a live update's new
 * binary until it serves.
 *
 * A signal handler in the new binary cannot cover its death before our
 * code runs (a wrapper script killed, a library gone since the check)
 * nor SIGKILL (the OOM killer), and a process that hangs cannot notice
 * it hangs.  So the old process forks, just before it execs, a guardian
 * that watches from outside:
 *
 *	old process		guardian (fork)
 *	fork ---------------->	holds every descriptor the image names,
 *	exec new binary		the image, our binary; polls a pidfd of
 *	  restore ...		the new process and a socket to it
 *	  "S" --------------->
 *	  <----------------	"A<pid>", exits
 *	  serves
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

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

static void __attribute__((noreturn))
guard(struct xsd *xsd, int pidfd, int sock, unsigned int timeout_s,
      guardian_fn *fallback, void *arg)
{
	struct pollfd p[2] = {
		{ .fd = pidfd, .events = POLLIN },
		{ .fd = sock, .events = POLLIN },
	};
	pid_t watched = getppid();
	struct timespec t0;
	char why[256], answer[32];
	long left;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		left = (long)timeout_s * 1000 - loop_ms_since(&t0);
		if (left <= 0) {
			if (pidfd >= 0)
				pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
			else if (getppid() == watched)
				kill(watched, SIGKILL);
			if (!gone(pidfd, watched, GUARDIAN_KILL_MS))
				_exit(1);	/* not ours to take over */
			snprintf(why, sizeof(why), "the new binary did not "
				 "serve within %u s (-t) and was killed",
				 timeout_s);
			break;
		}
		if (pidfd < 0 && left > GUARDIAN_LOOK_MS)
			left = GUARDIAN_LOOK_MS;
		if (poll(p, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("guardian: poll");
			_exit(1);
		}
		if (p[0].revents || (pidfd < 0 && gone(-1, watched, 0))) {
			describe_end(watched, why, sizeof(why));
			break;
		}
		if (!p[1].revents)
			continue;
		n = recv(sock, answer, sizeof(answer), 0);
		if (n == 1 && answer[0] == 'S') {
			n = snprintf(answer, sizeof(answer), "A%ld",
				     (long)getpid());
			send(sock, answer, (size_t)n, MSG_NOSIGNAL);
			_exit(0);
		}
		if (n == 1 && answer[0] == 'X')
			_exit(0);	/* the exec failed: nothing to do */
		/* Closed (or nonsense): only the pidfd can tell now. */
		p[1].fd = -1;
	}
	log_warnx("guardian (pid %ld): %s", (long)getpid(), why);
	fallback(xsd, arg, why);
	_exit(1);
}

int
guardian_start(struct xsd *xsd, unsigned int timeout_s, guardian_fn *fallback,
	       void *arg, int *new_fd, pid_t *pidp)
{
	int sv[2], pidfd, err;
	pid_t pid;

	/* Close-on-exec.  Without one (ENOSYS under valgrind), guard()
	 * looks at its parent instead. */
	pidfd = pidfd_open(getpid(), 0);
	if (pidfd < 0 && errno != ENOSYS)
		return errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err = errno;
		if (pidfd >= 0)
			close(pidfd);
		return err;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		guard(xsd, pidfd, sv[1], timeout_s, fallback, arg);
	}
	err = errno;
	if (pidfd >= 0)
		close(pidfd);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return err;
	}
	fcntl(sv[0], F_SETFD, 0);	/* for the new binary */
	*new_fd = sv[0];
	*pidp = pid;
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
