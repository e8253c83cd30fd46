/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lu_guardian.h - a process that stands in for the daemon while it
 * takes a state over (docs/live-update.md, "The guardian").
 *
 * A live update forks one just before the exec: being a fork it holds
 * everything the image names (the store, every socket, ring and event
 * channel descriptor), the image itself and our own binary.  The new
 * process tells it when it has taken the state over; if instead it
 * ends (any signal, any exit, before main or after) or makes no such
 * progress within the update's time limit (-t), the guardian execs the
 * previous binary on the same image and descriptors (--live-rollback):
 * the store and every client are served again, by the guardian's
 * process id.  A takeover from upstream forks one first thing, and its
 * guardian runs upstream's binary again on its untouched file.
 */
#ifndef XSD_LU_GUARDIAN_H
#define XSD_LU_GUARDIAN_H

#include <sys/types.h>

struct xsd;

/*
 * What the guardian does when the process it watches fails: make the
 * previous daemon serve again from what the guardian holds (it execs;
 * if it returns, the guardian exits).
 */
typedef void guardian_fn(struct xsd *xsd, void *arg, const char *why);

/*
 * Fork the guardian of this process (and of what it execs next).  With
 * keep_all_s it keeps every descriptor and watches at once, for that
 * many seconds; with 0 it closes them all and waits for guardian_arm.
 * It calls fallback(xsd, arg, why) if this process ends, or does not
 * release it in time, once armed; it exits when released, abandoned,
 * or when this process ends unarmed.  *fd: the socket to it
 * (close-on-exec), *pid: the guardian's.
 */
int guardian_start(struct xsd *xsd, guardian_fn *fallback, void *arg,
		   unsigned int keep_all_s, int *fd, pid_t *pid);

/*
 * Just before the exec: hand the guardian fds[0..n), which it keeps
 * under the same numbers, and start its clock (timeout_s).  fd is then
 * for the new binary's --live-guardian (the caller makes it
 * inheritable).
 */
int guardian_arm(int fd, const int *fds, unsigned int n,
		 unsigned int timeout_s);

/* Not needed after all (the exec failed, or we give up on our own
 * terms): the guardian goes away without stepping in. */
void guardian_abandon(int new_fd, pid_t pid);

/*
 * The state taken over and nothing of it changed yet: release the
 * guardian.  Returns its pid (to reap) or -1; a guardian
 * that does not answer is logged and the update goes on.
 */
pid_t guardian_release(int fd);

#endif /* XSD_LU_GUARDIAN_H */
