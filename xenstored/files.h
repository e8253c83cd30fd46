/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * files.h - opening the files the daemon writes so that no local user
 * can steer them.
 *
 * The helper says why it refused in the caller's buffer and never
 * logs: the caller knows what the path is for ("trace file") and puts
 * the two together in one message.
 */
#ifndef XSD_FILES_H
#define XSD_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Enough for any reason the helper gives. */
#define FILES_WHY_LEN 96

/*
 * Open path for writing as a file of ours: created with mode when it
 * does not exist; else it must be a regular file, reached without a
 * symbolic link, owned by our effective uid and with no other name (a
 * hard link), and it keeps no permission beyond mode.  append: writes
 * go to its end; else it is emptied (only once it has passed).  Never
 * blocks (a FIFO is refused, not opened).  Returns 0 with the
 * descriptor (close-on-exec) in *fdp, EACCES for a file refused, or
 * another errno; why says which, e.g. "a symbolic link: refusing".
 */
int files_open(const char *path, bool append, mode_t mode, int *fdp,
	       char *why, size_t whylen);

#endif /* XSD_FILES_H */
