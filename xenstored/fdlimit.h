/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fdlimit.h - the daemon's open-file limit.
 *
 * Every dom0 connection and every simulated guest's event channel is a
 * descriptor, so the soft RLIMIT_NOFILE is raised to the hard limit at
 * start-up.  When descriptors run out anyway, the listeners' acceptors
 * (accept.c) turn the waiting peer away; fdlimit_accepted says so once
 * in the log, and again when connections are accepted again.
 */
#ifndef XSD_FDLIMIT_H
#define XSD_FDLIMIT_H

struct xsd;

/* Raise the soft limit and log it.  0 or errno. */
int fdlimit_init(struct xsd *xsd);
/*
 * After an accept that returned fd (-1: errno says why); what names the
 * listener in the log ("dom0 connection").  errno is kept.
 */
void fdlimit_accepted(struct xsd *xsd, int fd, const char *what);

#endif /* XSD_FDLIMIT_H */
