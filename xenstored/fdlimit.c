// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdlimit.c - raising the open-file limit and running out of descriptors
 * gracefully (see fdlimit.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <talloc.h>

#include "fdlimit.h"
#include "log.h"
#include "xsd.h"

struct fdlimit {
	rlim_t limit;
	bool exhausted;		/* said so in the log; say when it ends */
};

/* The kernel's ceiling when the hard limit is "unlimited". */
static rlim_t
nr_open(void)
{
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v ? (rlim_t)v : 1024 * 1024;
}

int
fdlimit_init(struct xsd *xsd)
{
	struct fdlimit *fl = talloc_zero(xsd, struct fdlimit);
	struct rlimit rl;
	rlim_t old;

	if (!fl)
		return ENOMEM;
	xsd->fdlimit = fl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return errno;
	old = rl.rlim_cur;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? nr_open()
							   : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_warn("raising the open file limit to %llu",
				 (unsigned long long)rl.rlim_cur);
			rl.rlim_cur = old;
		}
	}
	fl->limit = rl.rlim_cur;
	if (fl->limit != old)
		log_info("open file limit raised from %llu to %llu",
			 (unsigned long long)old,
			 (unsigned long long)fl->limit);
	else
		log_info("open file limit %llu", (unsigned long long)fl->limit);
	return 0;
}

void
fdlimit_accepted(struct xsd *xsd, int fd, const char *what)
{
	struct fdlimit *fl = xsd->fdlimit;
	int err = errno;

	if (!fl)
		return;
	if (fd >= 0) {
		if (fl->exhausted) {
			fl->exhausted = false;
			log_warnx("descriptors available again: accepting "
				  "new connections");
		}
		return;
	}
	if (err != EMFILE && err != ENFILE)
		return;
	if (!fl->exhausted)
		log_warnx("out of file descriptors (%s, limit %llu): cannot "
			  "serve another %s; turning it away",
			  err == EMFILE ? "this process" : "the system",
			  (unsigned long long)fl->limit, what);
	fl->exhausted = true;
	errno = err;
}
