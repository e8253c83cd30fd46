/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lu_guardian.h - the process that stands in for a live update's new
 * binary until it serves (docs/live-update.md, "The guardian").
 *
 * Just before the exec the old process forks a guardian.  Being a fork
 * it holds everything the image names (the store, every socket, ring
 * and event channel descriptor), the image itself and our own binary.
 * The new process tells it when it has taken the state over; if
 * instead it ends (any signal, any exit, before main or after) or
 * makes no such progress within the update's time limit (-t), the
 * guardian execs the previous binary on the same image and descriptors
 * (--live-rollback): the store and every client are served again, by
 * the guardian's process id.
 */
#ifndef XSD_LU_GUARDIAN_H
#define XSD_LU_GUARDIAN_H

#include <sys/types.h>

struct xsd;

/*
 * Old process, the image written and the descriptors it names inherited
 * (close-on-exec cleared): fork the guardian.  memfd is the image,
 * rollback_fd our own binary, timeout_s the bound on the new process.
 * On success *new_fd is the descriptor for the new process's
 * --live-guardian (inheritable) and *pid the guardian's.
 */
int guardian_start(struct xsd *xsd, int memfd, int rollback_fd,
		   unsigned int timeout_s, int *new_fd, pid_t *pid);

/* The exec failed: the guardian goes away without a rollback. */
void guardian_abandon(int new_fd, pid_t pid);

/*
 * New process, the state taken over and nothing of it changed yet:
 * release the guardian.  Returns its pid (to reap) or -1; a guardian
 * that does not answer is logged and the update goes on.
 */
pid_t guardian_release(int fd);

#endif /* XSD_LU_GUARDIAN_H */
