/*
 * fdlimit.h - the daemon's open-file limit.
 *
 * Every dom0 connection and every simulated guest's event channel is a
 * descriptor, so the soft RLIMIT_NOFILE is raised to the hard limit at
 * start-up.  When descriptors run out anyway, accepting through
 * fdlimit_accept says so once in the log (and again when connections
 * are accepted again) and turns the waiting peer away with a spare
 * descriptor kept for the purpose, instead of leaving it queued on a
 * listening socket that would then be reported ready on every turn.
 */
#ifndef XSD_FDLIMIT_H
#define XSD_FDLIMIT_H

struct xsd;

/* Raise the soft limit, log it, keep a spare descriptor.  0 or errno. */
int fdlimit_init(struct xsd *xsd);
/*
 * accept4(listen_fd, non-blocking, close-on-exec); what names the
 * listener in the log ("dom0 connection").  The new descriptor, or -1
 * with errno set (EMFILE/ENFILE: the peer was turned away).
 */
int fdlimit_accept(struct xsd *xsd, int listen_fd, const char *what);

#endif /* XSD_FDLIMIT_H */
