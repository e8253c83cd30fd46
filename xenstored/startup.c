// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * startup.c - becoming a system daemon (see startup.h).
 *
 * The readiness pipe is the one piece of process-wide state: it links
 * the child to the parent that start-stop-daemon is waiting on, so it
 * lives in this file alone, like syslog's state in log.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "notify.h"
#include "startup.h"
#include "xsd.h"

static int ready_fd = -1;	/* the child's end; -1 in the foreground */

int
startup_daemonize(void)
{
	int p[2];
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return errno;
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid > 0) {
		/*
		 * The parent: exit 0 only once the child says it serves, so
		 * that start-stop-daemon's success means a usable daemon
		 * with a correct pid file.
		 */
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? 0 : 1);
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() < 0)
		return errno;
	if (chdir("/") < 0)
		return errno;
	return 0;
}

static int
write_pid_file(const char *path)
{
	char tmp[4096], why[FILES_WHY_LEN];
	FILE *f;
	int n, fd, ret;

	/*
	 * Written under a temporary name and renamed, so a reader never
	 * sees an empty or partial file; 0600 as upstream's, and never
	 * through a link or into another user's file (files.c).
	 */
	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return ENAMETOOLONG;
	ret = files_open(tmp, false, 0600, &fd, why, sizeof(why));
	if (ret == EACCES)
		log_warnx("pid file %s: %s", tmp, why);
	if (ret)
		return ret;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return ENOMEM;
	}
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f)) {
		int err = errno;

		unlink(tmp);
		return err;
	}
	if (rename(tmp, path) < 0) {
		int err = errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

static int
detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errno;
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/*
 * After a live update or a takeover this process has served all along
 * under the same pid: the pid file names it already and the service
 * manager had READY=1 long ago.  Saying so again is a courtesy then,
 * and failing to is no reason to exit and lose every guest's state.
 */
static int
renewed(struct xsd *xsd, int ret, const char *what, const char **whatp)
{
	if (ret && (xsd->opt.live_restore_fd >= 0 || xsd->opt.takeover >= 0)) {
		log_warnx("%s: %s", what, strerror(ret));
		return 0;
	}
	if (ret)
		*whatp = what;
	return ret;
}

int
startup_ready(struct xsd *xsd, const char **what)
{
	const char c = 1;
	int ret;

	if (xsd->opt.pid_file) {
		ret = renewed(xsd, write_pid_file(xsd->opt.pid_file),
			      xsd->opt.pid_file, what);
		if (ret)
			return ret;
	}
	if (xsd->opt.output_pid) {
		printf("%ld\n", (long)getpid());
		fflush(stdout);
	}
	/* 0 without NOTIFY_SOCKET: nothing to do. */
	ret = notify_sendf("READY=1\nMAINPID=%ld\nSTATUS=serving",
			   (long)getpid());
	ret = renewed(xsd, ret, "NOTIFY_SOCKET", what);
	if (ret)
		return ret;
	if (ready_fd < 0)
		return 0;
	/* From here on diagnostics go to syslog (log_init). */
	ret = detach_stdio();
	if (ret) {
		*what = "standard streams";
		return ret;
	}
	if (write(ready_fd, &c, 1) != 1) {
		*what = "readiness pipe";
		return errno;
	}
	close(ready_fd);
	ready_fd = -1;
	return 0;
}

void
startup_stopping(void)
{
	/* Nothing to do if it fails: the daemon exits either way. */
	(void)notify_send("STOPPING=1");
}

const char *
startup_rootdir(const char *rundir)
{
	const char *root = getenv("XENSTORED_ROOTDIR");

	return root && *root ? root : rundir;
}
