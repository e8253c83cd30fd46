/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * handback.h - live update into upstream's C xenstored 4.17
 * (handback.c, driven by live_update.c; docs/takeover.md).
 */
#ifndef XSD_HANDBACK_H
#define XSD_HANDBACK_H

#include <stdbool.h>

#include <talloc.h>

struct conn;
struct xsd;
struct xsd_sockmsg;

/* Is binary upstream's C xenstored (its marks, not ours)? */
bool handback_target(const char *binary);

/* What upstream cannot take and must not be lost silently: the open
 * transactions, as a message; NULL when there are none. */
char *handback_blockers(struct xsd *xsd, TALLOC_CTX *ctx);
/* -F: abort them all (their clients get ENOENT later, as upstream's). */
void handback_drop_txns(struct xsd *xsd);

/*
 * Upstream's command line from ours (own: NULL-terminated, own[0] the
 * program): the options it knows, then -U.  *left lists what was left
 * out ("" if nothing).  NULL: out of memory.
 */
char **handback_argv(TALLOC_CTX *ctx, const char *binary, char **own,
		     char **left);

/*
 * The whole state in upstream's format, in the file its -U reads
 * (takeover_c_file()), with the OK to the requester's request req
 * queued for it.  *dropped lists what it could not carry, one line
 * each.  0 or an errno with *errmsg.
 */
int handback_write(struct xsd *xsd, const struct conn *requester,
		   const struct xsd_sockmsg *req, char **dropped,
		   char **errmsg, TALLOC_CTX *ctx);

#endif /* XSD_HANDBACK_H */
