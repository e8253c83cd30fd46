/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover.h - becoming the daemon that upstream's C xenstored or
 * oxenstored live-updated into (docs/takeover.md).
 */
#ifndef XSD_TAKEOVER_H
#define XSD_TAKEOVER_H

#include <talloc.h>

struct xsd;

enum takeover_from {
	TAKEOVER_C,		/* C xenstored 4.17: -U, <rootdir>/state_dump */
	TAKEOVER_OX,		/* oxenstored 4.17: --live, its db file */
};

/* Where C xenstored 4.17 keeps its live-update state: its run
 * directory, $XENSTORED_RUNDIR (else /var/run/xenstored), + "/state_dump"
 * (its xs_daemon_rootdir() is the run directory). */
const char *takeover_c_file(TALLOC_CTX *ctx);

/*
 * First thing after the options: fork a guardian that runs the upstream
 * binary again on its untouched file should this process die or hang
 * before takeover_restore has taken the state over (lu_guardian.h).
 */
int takeover_guard(struct xsd *xsd, enum takeover_from from);

/*
 * Read the upstream daemon's state file, check it, and serve everything
 * it holds.  On failure the upstream binary is run again on its file
 * ($XENSTORED_TAKEOVER_FALLBACK, else Debian's path for it) and this
 * returns only if that is impossible, with *errmsg.
 */
int takeover_restore(struct xsd *xsd, enum takeover_from from, char **errmsg);

#endif /* XSD_TAKEOVER_H */
