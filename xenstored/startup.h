/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * startup.h - becoming a system daemon: the fork into the background
 * with a parent that waits until the daemon serves, the pid file, the
 * readiness notice to systemd, and where files live.
 *
 * The init script (start-stop-daemon) and systemd (Type=notify) both
 * wait for the daemon to say it is ready; these functions make that
 * moment exact: the socket listens, dom0's ring is served and the pid
 * file holds the serving process's pid before anyone is told.
 */
#ifndef XSD_STARTUP_H
#define XSD_STARTUP_H

#include <stdbool.h>

struct xsd;

/*
 * Fork; the parent waits (in this call, never returning) until the child
 * calls startup_ready() and then exits 0, or exits 1 when the child dies
 * or gives up first.  The child gets a new session and "/" as working
 * directory.  Returns 0 in the child or an errno (no child then).
 */
int startup_daemonize(void);

/*
 * The daemon serves: write the pid file (if any), print the pid (-P),
 * tell systemd (NOTIFY_SOCKET) and, when daemonized, detach standard
 * input and output and release the waiting parent.  0 or an errno (the
 * parent then exits 1).  After a live update or a takeover (the same
 * pid, announced before) a pid file or notice that fails is only logged.
 */
int startup_ready(struct xsd *xsd, const char **what);

/* Shutting down: tell systemd (a no-op without NOTIFY_SOCKET). */
void startup_stopping(void);

/*
 * The directory of the on-disk database and state files:
 * $XENSTORED_ROOTDIR when set (Debian's init script exports it), else
 * the run directory.
 */
const char *startup_rootdir(const char *rundir);

#endif /* XSD_STARTUP_H */
