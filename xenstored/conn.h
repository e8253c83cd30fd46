/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn.h - a client connection, whatever its transport.
 *
 * A connection owns (talloc children) its watches and transactions, so
 * freeing it frees them.  Its byte buffers are kept explicit because the
 * state serializer saves exactly them:
 *   in:  bytes received and not yet handled: whole requests held back
 *        (the connection waits for a deferred reply) and at most one
 *        partial message;
 *   out: bytes of replies and watch events not yet sent; the first
 *        out_partial of them finish a message whose start was sent.
 * The transport (socket now, shared ring later) only moves bytes.
 */
#ifndef XSD_CONN_H
#define XSD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xs_wire_ext.h"

#include "list.h"

struct xsd;
struct conn;
struct domain;
struct loop_io;

/*
 * Queued output beyond this closes the connection (a privileged client
 * that never reads); events a guest caused do not count (see below).
 */
#define XSD_OUT_MAX (64u * 1024 * 1024)
/* Requests a connection may have handled per loop turn (fairness). */
#define CONN_BUDGET 16u
/* An unprivileged connection takes no request while this much waits. */
#define CONN_BACKLOG (64u * 1024)
/* Events for an unprivileged connection are dropped beyond this. */
#define CONN_EVENTS_MAX (256u * 1024)
/*
 * A guest whose events wait unread in privileged connections' output,
 * this much or more, is not read until they have been taken.
 */
#define CONN_CAUSED_MAX (256u * 1024)

struct conn_ops {
	const char *kind;
	/* Like read(2)/write(2): bytes moved, 0 at EOF (recv), -1 + errno. */
	ssize_t (*recv)(struct conn *c, void *buf, size_t len);
	ssize_t (*send)(struct conn *c, const void *buf, size_t len);
	/* Keep calling recv until it reports EAGAIN (no fd to poll). */
	bool drain;
	/* Name connections "<kind><domid>" rather than "<kind><id>". */
	bool named_by_domid;
	/*
	 * A protocol error (XENSTORE_ERROR_*) that ends the conversation.
	 * NULL: the connection is closed; rings set the page's error field
	 * and stop serving until the guest reconnects.
	 */
	void (*fail)(struct conn *c, unsigned int error);
};

struct conn {
	struct list_node link;		/* xsd->conns */
	struct list_node flush_link;	/* xsd->flush while out is non-empty */
	struct list_node busy_link;	/* xsd->busy: input left at turn end */
	struct xsd *xsd;
	const struct conn_ops *ops;
	struct loop_io *io;
	int fd;				/* transport fd, owned */
	uint32_t id;			/* unique while the daemon runs */
	char name[32];			/* for logs and the trace */

	struct domain *domain;
	unsigned int domid;
	uint32_t target;		/* PERM_NO_TARGET or a domid */
	bool privileged;

	uint8_t *in;			/* received, unhandled bytes */
	size_t in_len, in_size;
	uint8_t *out;			/* queued bytes: out[out_off..out_len) */
	size_t out_off, out_len, out_size;
	size_t out_partial;		/* rest of a partly sent message */
	size_t charged;			/* in_size + out_size, on the domain */
	uint64_t out_queued, out_sent;	/* bytes ever queued / sent */
	struct list_node marks;		/* struct out_mark, oldest first */
	size_t out_foreign;		/* queued bytes of guest-caused events */
	unsigned int dropped;		/* events dropped over CONN_EVENTS_MAX */
	bool stalled;			/* input waits for output to drain */

	struct list_node watches;	/* struct watch */
	struct list_node txns;		/* struct txn */
	unsigned int nwatches, ntxns;
	uint32_t next_txid;

	bool closing;			/* fatal error: drop once flushed */
	bool ignored;			/* ring in error state: not served */
	bool blocked;			/* a reply is deferred: read nothing */
	int passed_fd;			/* from the client (SCM_RIGHTS), -1 */
};

/*
 * For transports: a connection of domain domid moving bytes with ops.
 * With fd >= 0 the connection owns fd and polls it for input.
 */
struct conn *conn_new(struct xsd *xsd, const struct conn_ops *ops, int fd,
		      unsigned int domid);

/*
 * A connection restored without its transport (from a debug dump): it
 * keeps its watches, transactions and buffers, and moves no bytes.
 * id is the saved connection id.
 */
struct conn *conn_new_detached(struct xsd *xsd, bool ring,
			       unsigned int domid, uint32_t id);
/*
 * Put saved unhandled input or unsent output back.  Output is appended:
 * first the rest of a partly sent message (partial), then whole ones.
 */
int conn_restore_input(struct conn *c, const void *data, size_t len);
int conn_restore_output(struct conn *c, const void *data, size_t len,
			bool partial);
/*
 * A descriptor the client passed (the connection owns it; a second one
 * replaces the first), and taking it (-1 when there is none).
 */
void conn_give_fd(struct conn *c, int fd);
int conn_take_fd(struct conn *c);
/* Start polling fd for a restored connection (it owns fd from now). */
int conn_attach_fd(struct conn *c, int fd);
/* Handle the whole requests waiting in c->in (after a restore). */
void conn_process_input(struct conn *c);
/*
 * Stop or resume taking requests from c while a reply is deferred;
 * resuming handles what was held back.
 */
void conn_block(struct conn *c);
void conn_unblock(struct conn *c);

/* The daemon acting by itself (dom0, privileged, on no list). */
struct conn *conn_internal(struct xsd *xsd);

/* Queue one message.  Returns 0 or ENOMEM (then the conn is closing). */
int conn_queue(struct conn *c, uint32_t type, uint32_t req_id,
	       uint32_t tx_id, const void *data, size_t len);
/*
 * Queue a watch event.  The domain whose request caused it
 * (xsd->cause, NULL for privileged ones) pays for it while it waits in
 * a privileged connection, and is throttled beyond CONN_CAUSED_MAX; an
 * unprivileged connection gets no events beyond CONN_EVENTS_MAX.
 */
int conn_queue_event(struct conn *c, const void *data, size_t len);
/* Run the connections whose input was left over at the last turn. */
void conn_run_busy(struct xsd *xsd);
/* Send what can be sent without blocking. */
void conn_flush(struct conn *c);
/* Flush every connection with queued output. */
void conn_flush_all(struct xsd *xsd);
/* Tear down now: frees the connection, its watches and transactions. */
void conn_close(struct conn *c, const char *why);
/* End the conversation after a protocol error (see conn_ops.fail). */
void conn_fail(struct conn *c, unsigned int error, const char *why);
/*
 * Read and handle input: at most CONN_BUDGET requests, then the
 * connection waits on xsd->busy for the next turn; for draining
 * transports until none is left.  Unprivileged connections stop reading
 * while their output backlog or the events they caused are over the
 * limits above, and continue when those drain.
 */
void conn_read(struct conn *c);
/* Drop watches, transactions and buffered bytes (ring reconnection). */
void conn_reset(struct conn *c);
/* conn_socket.c: listen on the Unix socket (registers with the loop). */
int conn_socket_listen(struct xsd *xsd, const char *path);
/* Live update: the listening socket and a client's, taken over. */
int conn_socket_adopt(struct xsd *xsd, int fd);
struct conn *conn_socket_restore(struct xsd *xsd, int fd, uint32_t id);

#endif /* XSD_CONN_H */
