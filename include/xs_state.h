/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xs_state.h - the xs-state library: writing, reading and checking
 * xenstore state images (docs/xs-state-format.md).
 *
 * Byte layouts live in xs-state/ alone.  Users see decoded records in
 * host byte order.  The library never logs and never exits: functions
 * return 0 or a positive errno and keep a message (xss_*_error()).
 * Everything is talloc: pass a context, free it to free everything.
 */
#ifndef XS_STATE_H
#define XS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

#include "xs_state_format.h"

/* --- decoded records ------------------------------------------------ */

struct xss_header {
	uint32_t version;
	uint32_t kind;			/* XSS_KIND_* */
	uint32_t domid;			/* XSS_NO_DOMID unless migration */
	char producer[XSS_PRODUCER_LEN + 1];	/* NUL-terminated */
	bool big_endian;		/* byte order of the records */
};

struct xss_perm {
	uint32_t domid;
	uint32_t access;		/* XSS_PERM_* bits */
};

struct xss_perms {
	uint32_t num;
	const struct xss_perm *p;
};

struct xss_global {
	uint64_t generation;		/* last node generation handed out */
	uint32_t next_conn_id;
	int32_t socket_fd;		/* listening socket, or XSS_NO_FD */
	uint32_t backend;		/* XSS_BACKEND_* */
	int32_t backend_fd;		/* backend's own descriptor */
};

struct xss_quota_entry {
	uint32_t id;			/* XSS_QUOTA_* (unknown ids kept) */
	uint32_t hard, soft;
};

struct xss_quota {
	uint32_t domid;			/* XSS_NO_DOMID: the defaults */
	uint32_t num;
	const struct xss_quota_entry *e;
};

struct xss_special {
	const char *path;		/* "@introduceDomain", ... */
	struct xss_perms perms;
};

struct xss_node {
	const char *path;
	uint64_t gen;
	struct xss_perms perms;
	const uint8_t *value;
	uint32_t len;
};

struct xss_domain {
	uint32_t domid;
	uint32_t conn_id;		/* 0 without XSS_DOM_CONNECTION */
	uint32_t flags;			/* XSS_DOM_* */
	uint32_t features;
	uint64_t gfn;
	uint32_t remote_port, local_port;
	uint32_t target;		/* XSS_NO_TARGET or a domid */
	uint32_t next_txid;
	int32_t evtchn_fd, page_fd;	/* XSS_NO_FD when none */
};

struct xss_socket {
	uint32_t conn_id;
	int32_t fd;
	uint32_t flags;			/* XSS_SOCK_* */
	uint32_t next_txid;
};

struct xss_watch {
	const char *path;		/* absolute or special */
	const char *token;
	uint32_t depth;			/* XSS_WATCH_NO_DEPTH or >= 0 */
	uint32_t flags;			/* XSS_WATCH_RELATIVE */
};

struct xss_txn {
	uint32_t tx_id;
	uint32_t added;			/* nodes created (nodes quota) */
};

struct xss_txn_node {
	uint32_t tx_id;
	uint32_t flags;			/* XSS_TNODE_* */
	uint64_t base_gen;		/* store generation at first touch */
	uint64_t gen;			/* of the view's node (0: absent) */
	const char *path;
	struct xss_perms perms;		/* num 0 iff not XSS_TNODE_EXISTS */
	const uint8_t *value;
	uint32_t len;
	const char *children;		/* NUL-terminated names, back to back */
	uint32_t children_len;
};

struct xss_removed {
	const char *path;
	struct xss_perms perms;
};

struct xss_txn_event {
	uint32_t tx_id;
	uint32_t flags;			/* XSS_TEVENT_REMOVAL */
	const char *path;
	struct xss_perms before, after;
	uint32_t nremoved;
	const struct xss_removed *removed;
};

struct xss_buffer {
	const uint8_t *data;		/* CONN_INPUT or GUEST_RING_DATA */
	uint32_t len;
};

/* LIVE_UPDATE: the request that asked for the update, and the way back. */
struct xss_live_update {
	uint32_t conn_id;		/* who asked; 0: nobody to answer */
	uint32_t req_id, tx_id;		/* of that CONTROL request */
	int32_t rollback_fd;		/* the old binary (O_PATH), or -1 */
	uint32_t argc;
	const char *argv;		/* argc NUL-terminated strings */
	uint32_t argv_len;		/* octets of argv */
};

/* STORE_FD: a live update hands the node store over as a file. */
struct xss_owner {
	uint32_t domid;
	uint32_t nodes;			/* nodes it owns */
	uint64_t bytes;			/* what they take (its memory quota) */
};

struct xss_store_fd {
	int32_t fd;			/* the store's file, inherited */
	uint32_t format;		/* the daemon's record layout */
	uint32_t nodes;			/* nodes besides the root */
	uint32_t nowners;
	const struct xss_owner *owners;	/* who owns how many */
};

struct xss_end {
	uint32_t crc;
};

struct xss_record {
	uint32_t type;			/* XSS_REC_* */
	uint32_t index;			/* 1 for the first record */
	uint64_t offset;		/* of the record header in the image */
	uint32_t len;			/* body length */
	union {
		struct xss_global global;
		struct xss_quota quota;
		struct xss_special special;
		struct xss_node node;
		struct xss_domain domain;
		struct xss_socket socket;
		struct xss_watch watch;
		struct xss_txn txn;
		struct xss_txn_node txn_node;
		struct xss_txn_event txn_event;
		struct xss_buffer buffer;	/* also PARTIAL_OUTPUT */
		struct xss_live_update lu;
		struct xss_store_fd store;
		struct xss_end end;
	} u;
};

/* "NODE_DATA", or "UNKNOWN" / "OPTIONAL" for types not known here. */
const char *xss_type_name(uint32_t type);
const char *xss_kind_name(uint32_t kind);
/* "nodes", "memory", ... (GET_QUOTA's names), or NULL for unknown ids. */
const char *xss_quota_name(uint32_t id);
/* CRC-32C (Castagnoli), as the END record uses it; crc starts at 0. */
uint32_t xss_crc32c(uint32_t crc, const void *buf, size_t len);

/* --- sinks and sources ---------------------------------------------- */

struct xss_sink;
struct xss_source;

/* A growable memory buffer; xss_sink_data() gives what was written. */
struct xss_sink *xss_sink_memory(TALLOC_CTX *mem_ctx);
const uint8_t *xss_sink_data(const struct xss_sink *s, size_t *len);
/* Any file descriptor (file, pipe, socket, memfd); not closed. */
struct xss_sink *xss_sink_fd(TALLOC_CTX *mem_ctx, int fd);

/* Bytes in memory (not copied: keep them alive). */
struct xss_source *xss_source_memory(TALLOC_CTX *mem_ctx, const void *buf,
				     size_t len);
/* A file descriptor, read as a stream (pipes work); not closed. */
struct xss_source *xss_source_fd(TALLOC_CTX *mem_ctx, int fd);

/* --- writing -------------------------------------------------------- */

struct xss_writer;

/*
 * Start an image: writes the header.  big_endian selects the byte order
 * of the records (false: little-endian, what this library writes by
 * default; true exists for tests and big-endian hosts).
 */
struct xss_writer *xss_writer_new(TALLOC_CTX *mem_ctx, struct xss_sink *sink,
				  uint32_t kind, uint32_t domid,
				  const char *producer, bool big_endian);

int xss_write_global(struct xss_writer *w, const struct xss_global *g);
int xss_write_quota(struct xss_writer *w, const struct xss_quota *q);
int xss_write_special(struct xss_writer *w, const struct xss_special *s);
int xss_write_node(struct xss_writer *w, const struct xss_node *n);
int xss_write_domain(struct xss_writer *w, const struct xss_domain *d);
int xss_write_socket(struct xss_writer *w, const struct xss_socket *s);
int xss_write_watch(struct xss_writer *w, const struct xss_watch *wa);
int xss_write_txn(struct xss_writer *w, const struct xss_txn *t);
int xss_write_txn_node(struct xss_writer *w, const struct xss_txn_node *tn);
int xss_write_txn_event(struct xss_writer *w,
			const struct xss_txn_event *te);
int xss_write_input(struct xss_writer *w, const void *data, uint32_t len);
int xss_write_output(struct xss_writer *w, const void *data, uint32_t len);
/* The unsent rest of a message whose start was sent (1..4111 octets). */
int xss_write_partial_output(struct xss_writer *w, const void *data,
			     uint32_t len);
int xss_write_live_update(struct xss_writer *w,
			  const struct xss_live_update *lu);
int xss_write_store_fd(struct xss_writer *w, const struct xss_store_fd *sf);
/* An arbitrary record (tests: unknown and optional types). */
int xss_write_raw(struct xss_writer *w, uint32_t type, const void *body,
		  uint32_t len);
/* END with the CRC; then flush.  The writer accepts nothing more. */
int xss_write_end(struct xss_writer *w);

/*
 * The writer does not check the ordering rules (the reader does); its
 * errors are the sink's and bad arguments.  Sticky: after the first
 * error every call returns it again.
 */
const char *xss_writer_error(const struct xss_writer *w);
uint64_t xss_writer_offset(const struct xss_writer *w);

/* --- reading -------------------------------------------------------- */

struct xss_reader;

/*
 * A reader decodes and checks everything before handing it out: field
 * bounds, string termination, path syntax, padding, ordering and
 * references between records, the CRC, and that END comes last.
 */
struct xss_reader *xss_reader_new(TALLOC_CTX *mem_ctx,
				  struct xss_source *src);

/* Read and check the header.  0 or an errno (see xss_reader_error). */
int xss_read_header(struct xss_reader *r, struct xss_header *h);

/*
 * The next record.  Returns 1 with *rec filled (pointers stay valid
 * until the next call); 0 when END was read and checked (and nothing
 * follows it), with *rec filled with END the first time; or -1 with
 * the reason in xss_reader_error() (NULL while there is none), e.g.
 * "record #12 (NODE_DATA) at offset 0x1a0: path not NUL-terminated".
 * Unknown optional records are skipped; unknown mandatory ones are an
 * error.
 */
int xss_read_next(struct xss_reader *r, struct xss_record *rec);

const char *xss_reader_error(const struct xss_reader *r);

/* Read a whole image (header to END) only to check it: 0 or -1. */
int xss_verify(struct xss_reader *r);

#endif /* XS_STATE_H */
