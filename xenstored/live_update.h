/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * live_update.h - restarting the daemon in place into a new binary,
 * keeping every connection, watch, transaction and pending byte
 * (docs/live-update.md).
 *
 * The old process side: CONTROL "live-update" (as upstream's
 * xenstore-control speaks it), the pre-flight check of the new binary,
 * and the exec.  The new process side: taking the state over from the
 * memfd it inherited, or handing everything back to the previous
 * binary when it cannot.
 */
#ifndef XSD_LIVE_UPDATE_H
#define XSD_LIVE_UPDATE_H

#include <stdbool.h>

struct req;
struct xsd;

/* CONTROL live-update -f BINARY | -c CMDLINE | -s [-t N] [-F] | -a */
int lu_control(struct req *r, const char **argv, unsigned int argc);

/* Is an update under way (the loop must wake up for its deadlines)? */
bool lu_active(const struct xsd *xsd);
/* Once per loop turn, after output was flushed: deadlines, the exec. */
void lu_tick(struct xsd *xsd);

/*
 * New process: restore from the inherited LIVE_UPDATE image in memfd.
 * On success the state serves again (the requester is answered; with
 * rollback_reason it is told the update failed).  On failure this
 * execs the previous binary with the same image and only returns when
 * that is impossible: then 0 is never returned, *errmsg says why.
 */
int lu_restore(struct xsd *xsd, int memfd, const char *rollback_reason,
	       char **errmsg);

/* After a restore: the inherited descriptors are ours (close-on-exec). */
void lu_own_fds(struct xsd *xsd);
/* After a restore: what the connections had queued is handled now. */
void lu_resume(struct xsd *xsd);

/*
 * --live-check: restore the image in memfd detached, as a pre-flight
 * check of this binary by the previous one.  0 or an errno; *errmsg.
 */
int lu_check_image(struct xsd *xsd, int memfd, char **errmsg);

/* Our own binary (O_PATH), opened once at start-up for the way back. */
int lu_open_self(void);

#endif /* XSD_LIVE_UPDATE_H */
