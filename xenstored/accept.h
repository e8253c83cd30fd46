/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * accept.h - accepting connections on a listening socket without
 * spinning when the process is out of descriptors.
 */
#ifndef XSD_ACCEPT_H
#define XSD_ACCEPT_H

#include <stdbool.h>
#include <time.h>

struct acceptor {
	int reserve;		/* a spare descriptor for running out; -1 */
	time_t logged;		/* last refusal logged (monotonic seconds) */
	unsigned int refused;	/* refusals since then */
	const char *what;	/* for the log: "connections", ... */
};

/* Take the spare descriptor (call once before the first accept). */
void acceptor_init(struct acceptor *a, const char *what);
void acceptor_fini(struct acceptor *a);
/*
 * accept4(listen_fd, flags).  Out of descriptors, the pending connection
 * would keep the socket readable and poll would return at once, for
 * ever: the spare descriptor is given up to take it off the queue and
 * close it, the refusal is logged (once per interval), and -1 returned
 * with errno EMFILE or ENFILE.
 */
int acceptor_accept(struct acceptor *a, int listen_fd, int flags);
/* Log a refusal (rate-limited), e.g. at a connection limit. */
void acceptor_refused(struct acceptor *a, const char *why);

#endif /* XSD_ACCEPT_H */
