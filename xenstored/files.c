// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * files.c - the files the daemon writes and the directories it works
 * in, checked before they are trusted (see files.h).
 *
 * The daemon runs as root and writes where it is told: the trace file
 * (-T, CONTROL logfile), memreport's and dump-state's output, the pid
 * file.  Such a path may lie in a directory a local user can write,
 * who may have put there, before we open it:
 *
 *  - a symbolic link (or a hard link) to a file of root's: we would
 *    overwrite it;
 *  - a file of their own: we would write every payload, dom0's secrets
 *    included, where they can read it;
 *  - a FIFO: opening it for writing blocks the daemon until someone
 *    reads.
 *
 * So a file is opened with O_NOFOLLOW and O_NONBLOCK and then judged by
 * its descriptor, not its name (no window between look and use), and
 * only emptied once it has passed: O_TRUNC would empty someone else's
 * file before we could look.
 *
 * The directories the daemon creates sockets and files in (the run
 * directory, sim/) are another matter: whoever may write there can
 * replace our socket by theirs and hear dom0's requests, so they must
 * be ours and writable by nobody else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

/* EACCES with the reason, if st is not a file of ours to write. */
static int
judge_file(const struct stat *st, char *why, size_t whylen)
{
	if (S_ISLNK(st->st_mode))
		snprintf(why, whylen, "a symbolic link: refusing");
	else if (!S_ISREG(st->st_mode))
		snprintf(why, whylen, "not a regular file: refusing");
	else if (st->st_uid != geteuid())
		snprintf(why, whylen, "owned by uid %u, not %u: refusing",
			 (unsigned int)st->st_uid, (unsigned int)geteuid());
	else if (st->st_nlink != 1)
		snprintf(why, whylen, "%lu hard links: refusing",
			 (unsigned long)st->st_nlink);
	else
		return 0;
	return EACCES;
}

int
files_open(const char *path, bool append, mode_t mode, int *fdp,
	   char *why, size_t whylen)
{
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
		    O_CLOEXEC | (append ? O_APPEND : 0);
	struct stat st;
	int fd, err;

	fd = open(path, flags, mode);
	if (fd < 0) {
		err = errno;
		/* ELOOP for a link, ENXIO for a FIFO: say what is there */
		if (lstat(path, &st) == 0 && judge_file(&st, why, whylen))
			return EACCES;
		snprintf(why, whylen, "%s", strerror(err));
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		snprintf(why, whylen, "%s", strerror(err));
		goto fail;
	}
	err = judge_file(&st, why, whylen);
	if (err)
		goto fail;
	/*
	 * A file of ours from before (another umask, an earlier version)
	 * stops being readable by others now, not at its next creation.
	 */
	if ((st.st_mode & 07777 & ~mode) &&
	    fchmod(fd, st.st_mode & 07777 & mode) < 0) {
		err = errno;
		snprintf(why, whylen, "making it mode %04o: %s",
			 (unsigned int)(st.st_mode & 07777 & mode),
			 strerror(err));
		goto fail;
	}
	/* F_SETFL: O_NONBLOCK off again, O_APPEND kept */
	if ((!append && ftruncate(fd, 0) < 0) ||
	    fcntl(fd, F_SETFL, append ? O_APPEND : 0) < 0) {
		err = errno;
		snprintf(why, whylen, "%s", strerror(err));
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return err;
}

int
files_check_dir(const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int err = errno;

		snprintf(why, whylen, "%s", strerror(err));
		return err;
	}
	if (!S_ISDIR(st.st_mode))
		snprintf(why, whylen, "not a directory: refusing");
	else if (st.st_uid != geteuid())
		snprintf(why, whylen, "owned by uid %u, not %u: refusing",
			 (unsigned int)st.st_uid, (unsigned int)geteuid());
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		snprintf(why, whylen, "writable by others (mode %04o): "
			 "refusing", (unsigned int)(st.st_mode & 07777));
	else
		return 0;
	return EACCES;
}
