/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.h - the daemon's state as an xs-state image: the walker
 * (state_dump.c) and the restorer (state_restore.c).
 *
 * These two files are the daemon's only users of the xs-state library;
 * modules give them iteration and restore hooks and never see records.
 */
#ifndef XSD_STATE_H
#define XSD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

#include "xs_wire_ext.h"

struct conn;
struct domain;
struct xsd;
struct xss_sink;

#define XSD_VERSION "0.2"

/* What a LIVE_UPDATE image says of the update itself (live_update.c). */
struct state_lu {
	uint32_t conn_id;		/* the connection that asked, 0: none */
	struct xsd_sockmsg hdr;		/* its CONTROL request, to answer */
	int rollback_fd;		/* the previous binary (O_PATH), -1 */
	char **argv;			/* its command line, NULL-terminated */
	int store_fd;			/* the store as a file (STORE_FD), or
					 * -1: the nodes one by one */
};

/*
 * Write the whole state as an image of the given kind (XSS_KIND_*),
 * leaving out the connection exclude (NULL: none) - for a debug dump,
 * the one that asked for it.  0 or an errno; *errmsg (may be NULL)
 * says why.
 */
int state_dump(struct xsd *xsd, struct xss_sink *sink, uint32_t kind,
	       const struct conn *exclude, char **errmsg,
	       TALLOC_CTX *mem_ctx);
/*
 * A LIVE_UPDATE image into fd (a memfd): everything, the descriptors the
 * next binary inherits, and lu.  0 or an errno, *errmsg says why.
 */
int state_dump_live(struct xsd *xsd, int fd, const struct state_lu *lu,
		    char **errmsg, TALLOC_CTX *mem_ctx);
/*
 * Migration: a MIGRATION image of domain d (its home's nodes, its
 * connection with watches, transactions and buffers, its settings).
 */
int state_dump_domain(struct xsd *xsd, struct domain *d,
		      struct xss_sink *sink, char **errmsg,
		      TALLOC_CTX *mem_ctx);
/*
 * A DUMP image into a file of ours (files_open(): created 0600, never
 * through a link, never someone else's file).
 */
int state_dump_file(struct xsd *xsd, const char *path,
		    const struct conn *exclude, char **errmsg,
		    TALLOC_CTX *mem_ctx);

/* A whole regular file into *buf (on mem_ctx).  0 or an errno. */
int state_read_file(TALLOC_CTX *mem_ctx, const char *path, uint8_t **buf,
		    size_t *len);

/* The image id of a daemon quota kind (enum quota_kind). */
uint32_t state_quota_id(unsigned int kind);

/*
 * Rebuild the state of a freshly started daemon (empty store, no
 * connections) from an image.  The whole image is read and checked
 * first; nothing changes when that fails.  Connections come back
 * detached (their descriptors belong to another process): they keep
 * their watches, transactions and buffers for inspection.
 */
int state_restore_file(struct xsd *xsd, const char *path, char **errmsg,
		       TALLOC_CTX *mem_ctx);

enum restore_mode {
	RESTORE_DETACHED,	/* a debug dump: connections move no bytes */
	RESTORE_IMPORT,		/* migration: one domain into a running daemon */
	RESTORE_CHECK,		/* a live update's pre-flight check: detached,
				 * the store adopted (a copy) and checked */
	RESTORE_LIVE,		/* live update: adopt every descriptor */
};

/*
 * Rebuild the state from the image in buf (checked whole first).  In
 * RESTORE_LIVE mode the image must be a LIVE_UPDATE one: the listening
 * socket, the backend and every connection take over the descriptors
 * it names, and *lu (allocated on mem_ctx) gets its LIVE_UPDATE record.
 * Restored connections holding whole requests are left for the caller
 * to run (conn_process_input) once everything is in place.
 */
int state_restore_buf(struct xsd *xsd, const uint8_t *buf, size_t len,
		      enum restore_mode mode, struct state_lu **lu,
		      char **errmsg, TALLOC_CTX *mem_ctx);
/*
 * Migration: import the MIGRATION image of domain domid into this
 * running daemon, for the domain's INTRODUCE to come.  The image is
 * untrusted: all of it is checked first (the format's rules, and ours:
 * the header names domid, the domain is not introduced here, every
 * permission names the domain, dom0 or a domain that exists, the home
 * is the domain's own, sizes and counts within the domain's quotas
 * here); nothing changes when that fails.  Then the domain's home is
 * replaced by the image's nodes (new generations: see
 * docs/xs-state-format.md), and a detached connection holds its
 * watches, transactions and buffers until INTRODUCE.
 */
int state_import_buf(struct xsd *xsd, const uint8_t *buf, size_t len,
		     unsigned int domid, char **errmsg, TALLOC_CTX *mem_ctx);
/*
 * The same, domain domid's image imported as domain as (relocation):
 * paths below its home, permissions naming it, its watches' paths and
 * the paths of queued watch events move to the new domain.
 */
int state_import_as(struct xsd *xsd, const uint8_t *buf, size_t len,
		    unsigned int domid, unsigned int as, char **errmsg,
		    TALLOC_CTX *mem_ctx);
/*
 * The most octets an image of domain as can need at its quotas here
 * (the defaults unless the toolstack set the domain's): what
 * migrate-import reads at most.  *how (talloc'd on mem_ctx, may be
 * NULL on ENOMEM) says how it was reckoned, for the refusal.
 */
size_t state_import_max(struct xsd *xsd, unsigned int as, char **how,
			TALLOC_CTX *mem_ctx);

/*
 * Every descriptor an image names (as far as it can be read): what a
 * failed live update hands back to the previous binary.
 */
int state_image_fds(const uint8_t *buf, size_t len, int **fds,
		    unsigned int *n, TALLOC_CTX *mem_ctx);

/*
 * Only the LIVE_UPDATE record of a checked image (for a rollback after
 * a failed restore).  0, or EINVAL when there is none or the image is
 * bad.
 */
int state_lu_record(const uint8_t *buf, size_t len, struct state_lu **lu,
		    TALLOC_CTX *mem_ctx);

#endif /* XSD_STATE_H */
