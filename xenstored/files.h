/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * files.h - opening the files the daemon writes and checking the
 * directories it works in, so that no local user can steer either.
 *
 * Both helpers say why they refused in the caller's buffer and never
 * log: the caller knows what the path is for ("trace file", "run
 * directory") and puts the two together in one message.
 */
#ifndef XSD_FILES_H
#define XSD_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Enough for any reason the helpers give. */
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

/*
 * 0 if path is a directory of our effective uid that neither its group
 * nor others may write; else EACCES (or stat's errno) and why says so,
 * e.g. "writable by others (mode 0777): refusing".
 */
int files_check_dir(const char *path, char *why, size_t whylen);

#endif /* XSD_FILES_H */
