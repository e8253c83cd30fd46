/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xs_state_upstream.h - the state files of upstream's xenstored 4.17
 * daemons, read and written so that a live update can cross from one
 * implementation to another (docs/takeover.md):
 *
 *   C xenstored    binary, ident "xenstore", version 1, written to
 *                  <rootdir>/state_dump (tools/xenstore/include/
 *                  xenstore_state.h of Xen 4.17)
 *   oxenstored     text, "$xenstored-dump-format", written to
 *                  /var/run/xenstored/db
 *
 * Both are read into one model (struct xsu_state), checked as strictly
 * as our own images (they are input from another program), and the
 * model is written as an xs-state LIVE_UPDATE image that the daemon's
 * ordinary live-update restore takes.  The way back writes the model,
 * filled from one of our images, in C xenstored's format.
 *
 * Like the rest of the library: no logging, no exit; 0 or a positive
 * errno, with *err (talloc'd on the context given) saying what and
 * where ("record 7 at offset 312: ...", "line 12: ...").
 */
#ifndef XS_STATE_UPSTREAM_H
#define XS_STATE_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>

#include "xs_state.h"

/* C xenstored 4.17's format (facts of its xenstore_state.h). */
#define XSU_C_IDENT "xenstore"		/* 8 octets, no NUL */
#define XSU_C_VERSION 1			/* big endian in the file */
#define XSU_C_PREAMBLE_LEN 16		/* ident, version, flags */
#define XSU_C_FLAG_BIG_ENDIAN 1		/* flags: byte order of the rest */
#define XSU_C_END 0
#define XSU_C_GLOBAL 1
#define XSU_C_CONN 2
#define XSU_C_WATCH 3
#define XSU_C_TA 4
#define XSU_C_NODE 5
#define XSU_C_CONN_RING 0
#define XSU_C_CONN_SOCKET 1
#define XSU_C_PERM_IGNORE 0x01		/* a stale permission */
#define XSU_C_STATE_FILE "state_dump"	/* in the daemon's root dir */
#define XSU_DOMID_INVALID 0x7ff4u	/* tdomid: no target */

/* oxenstored 4.17's dump. */
#define XSU_OX_STATE_FILE "/var/run/xenstored/db"

/* One connection of the daemon that wrote the file. */
struct xsu_watch {
	const char *path;		/* as the client gave it */
	const char *token;
	bool relative;			/* path is below the conn's home */
};

struct xsu_conn {
	uint32_t id;			/* the file's own id (0: none) */
	bool ring;			/* a domain's ring, else a socket */
	uint32_t domid;			/* ring: the domain */
	uint32_t target;		/* ring: XSS_NO_TARGET or a domid */
	uint32_t local_port;		/* ring: the daemon's end */
	uint32_t remote_port;		/* ring: the guest's end, 0 unknown */
	int32_t fd;			/* socket: the connection's fd */
	/*
	 * Input not yet handled: whole requests, possibly the start of
	 * one more (header and body as on the wire).
	 */
	const uint8_t *in;
	uint32_t in_len;
	/* Output not yet sent: the rest of a message begun... */
	const uint8_t *partial;
	uint32_t partial_len;
	/* ...then whole messages (header and body). */
	const uint8_t *out;
	uint32_t out_len;
	unsigned int nwatches;
	struct xsu_watch *watches;
	/*
	 * Added for the way back: the conn_id the connection has in the
	 * xs-state image xsu_from_image() read (0 otherwise), so that the
	 * daemon finds the connection its LIVE_UPDATE record names.
	 */
	uint32_t image_conn_id;
	/*
	 * ring: the frame number of the page as INTRODUCE gave it
	 * (oxenstored maps guests' pages by it; 0 for dom0, and when the
	 * file does not say).
	 */
	uint64_t mfn;
};

struct xsu_node {
	const char *path;		/* absolute; "/" first */
	struct xss_perms perms;		/* owner first; never empty */
	const uint8_t *value;
	uint32_t len;
};

struct xsu_state {
	int32_t socket_fd;		/* listening socket, or -1 */
	int32_t evtchn_fd;		/* event channel handle, or -1 */
	/* @introduceDomain and @releaseDomain; num 0: the default */
	struct xss_perms introduce_perms, release_perms;
	unsigned int nnodes;
	struct xsu_node *nodes;		/* parents before children */
	unsigned int nconns;
	struct xsu_conn *conns;		/* in the file's order */
	/* What the conversion left out, one line each ("" if nothing). */
	const char *dropped;
	/*
	 * The port bound to VIRQ_DOM_EXC in evtchn_fd's handle, still
	 * bound (oxenstored does not unbind it before exec); 0: unknown.
	 */
	uint32_t virq_port;
};

/*
 * Readers: parse and check the whole file into *st (allocated on ctx;
 * it points into buf, which must outlive it).  Rules checked: every
 * length against the file, paths and tokens as the protocol allows
 * them, a node's parent before it, no path twice, permissions known,
 * watches of known connections, fds >= 0, domids below 0x7ff0, no
 * local event channel port for two rings.
 */
int xsu_read_c(TALLOC_CTX *ctx, const uint8_t *buf, size_t len,
	       struct xsu_state **st, char **err);
int xsu_read_ox(TALLOC_CTX *ctx, const uint8_t *buf, size_t len,
		struct xsu_state **st, char **err);

/*
 * The model as an xs-state LIVE_UPDATE image on sink, ready for the
 * daemon's live-update restore: Xen backend on st->evtchn_fd, ring
 * connections as DOMAIN_START groups, sockets as SOCKET_START groups,
 * generations 1.. in node order.  producer names the daemon it came
 * from ("xenstored 4.17", "oxenstored 4.17").
 */
int xsu_write_image(TALLOC_CTX *ctx, const struct xsu_state *st,
		    const char *producer, struct xss_sink *sink, char **err);

/*
 * The way back: an xs-state image (LIVE_UPDATE or DUMP, with its nodes
 * as NODE_DATA) as a model.  What the model cannot carry (transactions,
 * quotas, features, pending transaction events) is listed in
 * st->dropped.
 *
 * Everything is copied onto *st: img need not outlive it.  Refused: a
 * MIGRATION image, an image with STORE_FD (its nodes are not in it), a
 * backend other than Xen (upstream runs only on Xen), and pending
 * input or output in a byte order not the host's (the upstream file
 * and the wire are in the host's).  Connections get ids 1, 2, ... in
 * image order; a DOMAIN_START without CONNECTION gives none.  Watches
 * marked RELATIVE get back the relative path the client gave.
 */
int xsu_from_image(TALLOC_CTX *ctx, const uint8_t *img, size_t len,
		   struct xsu_state **st, char **err);

/*
 * The model in C xenstored's format on sink (then flushed), in the
 * order C xenstored 4.17 dumps its own state: preamble, GLOBAL, each
 * connection's CONN then its WATCHes, the nodes @releaseDomain and
 * @introduceDomain, every node in st's order, END.  Host byte order,
 * like C xenstored; a record's length counts the padding of its body
 * to 8 octets (as its code does).  A connection with id 0 gets its
 * position (1, 2, ...).  Refused with EOVERFLOW before anything is
 * written: what a 16-bit field cannot hold (pending input, a partial
 * message, node path or value, watch path or token, permission count,
 * domid), and pending output that does not consist of whole messages.
 */
int xsu_write_c(TALLOC_CTX *ctx, const struct xsu_state *st,
		struct xss_sink *sink, char **err);

/*
 * The answer to a live-update request, as C xenstored gives it when it
 * took the state over (its lu_write_response()): a CONTROL reply with
 * the request's req_id and tx_id and the payload "OK" with its NUL,
 * put by the old daemon at the end of the requester's pending output.
 * This appends those 19 octets (host byte order) to the out of the
 * connection whose image_conn_id is image_conn_id.  0, ENOENT (no such
 * connection) or ENOMEM, with *err (on st).  Call it before
 * xsu_write_c().
 */
#define XSU_XS_CONTROL 0		/* XS_CONTROL of xs_wire.h */
int xsu_add_lu_ok(struct xsu_state *st, uint32_t image_conn_id,
		  uint32_t req_id, uint32_t tx_id, char **err);

#endif /* XS_STATE_UPSTREAM_H */
