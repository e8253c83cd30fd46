/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proto.h - request dispatch and reply encoding.
 *
 * Every message type maps to one handler in a single table (proto.c).
 * The checks every request needs (known type, privilege, transaction
 * lookup) run once, before the handler.  Handlers return 0 after
 * replying, or an errno that proto.c turns into an ERROR reply naming
 * it as the ABI's error table spells it.
 */
#ifndef XSD_PROTO_H
#define XSD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>
#include "xs_wire_ext.h"

struct conn;
struct txn;
struct xsd;

struct req {
	struct xsd *xsd;
	struct conn *conn;
	struct xsd_sockmsg hdr;
	char *data;		/* payload, NUL added after the last byte */
	uint32_t len;		/* payload bytes, without that NUL */
	struct txn *txn;	/* from tx_id, NULL outside transactions */
};

/*
 * A handler's return for "answered later": the request is kept by the
 * handler's module (its header), and the connection takes no further
 * requests until proto_answer_str() and conn_unblock().
 */
#define PROTO_DEFERRED (-1)

/* Handle one complete message (payload of hdr->len bytes). */
void proto_handle(struct conn *c, const struct xsd_sockmsg *hdr,
		  const void *payload);

/* Reply with the request's type: data of len bytes. */
int proto_reply(struct req *r, const void *data, size_t len);
/* Reply with a NUL-terminated string, NUL included ("OK\0"). */
int proto_reply_str(struct req *r, const char *s);
int proto_ack(struct req *r);
/* The reply to a deferred request, whose header was kept. */
int proto_answer_str(struct conn *c, const struct xsd_sockmsg *hdr,
		     const char *s);

/*
 * Split the payload into NUL-terminated strings.  Fills up to max
 * entries of v and returns how many strings the payload holds; bytes
 * after the last NUL are not a string (see proto_tail).
 */
unsigned int proto_strings(const struct req *r, const char **v,
			   unsigned int max);
/* The payload is exactly one string ("path\0"); NULL otherwise. */
const char *proto_onearg(const struct req *r);

/*
 * A client's path made absolute for the caller, checked for syntax and
 * for the caller's path-max quota; special "@..." paths if special.
 * 0, EINVAL or ENOMEM.
 */
int proto_path(struct req *r, const char *in, bool special, char **out);

/* Name of an error as the wire spells it, "EINVAL" for unknown ones. */
const char *proto_errname(int err);
/* Name of a message type for logs, "?" when unknown. */
const char *proto_typename(uint32_t type);

#endif /* XSD_PROTO_H */
