// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * proto.c - the dispatch table, the shared request checks and the
 * encoding of replies and errors.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "domain.h"
#include "path.h"
#include "quota.h"
#include "handlers.h"
#include "log.h"
#include "proto.h"
#include "txn.h"
#include "xsd.h"
#include "xs_wire_ext.h"

/* Flags of a message type. */
#define F_PRIV	0x1	/* privileged connections only */
#define F_NOTID	0x2	/* tx_id is ignored (not looked up) */

struct handler {
	const char *name;
	int (*fn)(struct req *r);
	unsigned int flags;
};

static const struct handler handlers[XSX_TYPE_COUNT] = {
	[XS_CONTROL] = { "CONTROL", do_control, F_PRIV },
	[XS_DIRECTORY] = { "DIRECTORY", do_directory, 0 },
	[XS_READ] = { "READ", do_read, 0 },
	[XS_GET_PERMS] = { "GET_PERMS", do_get_perms, 0 },
	[XS_WATCH] = { "WATCH", do_watch, F_NOTID },
	[XS_UNWATCH] = { "UNWATCH", do_unwatch, F_NOTID },
	[XS_TRANSACTION_START] = { "TRANSACTION_START",
				   do_transaction_start, 0 },
	[XS_TRANSACTION_END] = { "TRANSACTION_END", do_transaction_end, 0 },
	[XS_INTRODUCE] = { "INTRODUCE", do_introduce, F_PRIV },
	[XS_RELEASE] = { "RELEASE", do_release, F_PRIV },
	[XS_GET_DOMAIN_PATH] = { "GET_DOMAIN_PATH", do_get_domain_path, 0 },
	[XS_WRITE] = { "WRITE", do_write, 0 },
	[XS_MKDIR] = { "MKDIR", do_mkdir, 0 },
	[XS_RM] = { "RM", do_rm, 0 },
	[XS_SET_PERMS] = { "SET_PERMS", do_set_perms, 0 },
	[XS_WATCH_EVENT] = { "WATCH_EVENT", NULL, 0 },
	[XS_ERROR] = { "ERROR", NULL, 0 },
	[XS_IS_DOMAIN_INTRODUCED] = { "IS_DOMAIN_INTRODUCED",
				      do_is_domain_introduced, F_PRIV },
	[XS_RESUME] = { "RESUME", do_resume, F_PRIV },
	[XS_SET_TARGET] = { "SET_TARGET", do_set_target, F_PRIV },
	[XS_RESET_WATCHES] = { "RESET_WATCHES", do_reset_watches, 0 },
	[XS_DIRECTORY_PART] = { "DIRECTORY_PART", do_directory_part, 0 },
	[XSX_GET_FEATURE] = { "GET_FEATURE", do_get_feature, 0 },
	[XSX_SET_FEATURE] = { "SET_FEATURE", do_set_feature, F_PRIV },
	[XSX_GET_QUOTA] = { "GET_QUOTA", do_get_quota, F_PRIV },
	[XSX_SET_QUOTA] = { "SET_QUOTA", do_set_quota, F_PRIV },
};

const char *
proto_typename(uint32_t type)
{
	if (type < XSX_TYPE_COUNT && handlers[type].name)
		return handlers[type].name;
	return "?";
}

const char *
proto_errname(int err)
{
	unsigned int i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	log_warnx("error %d has no wire name, sent as EINVAL", err);
	return "EINVAL";
}

int
proto_reply(struct req *r, const void *data, size_t len)
{
	return conn_queue(r->conn, r->hdr.type, r->hdr.req_id, r->hdr.tx_id,
			  data, len);
}

int
proto_reply_str(struct req *r, const char *s)
{
	return proto_reply(r, s, strlen(s) + 1);
}

int
proto_answer_str(struct conn *c, const struct xsd_sockmsg *hdr,
		 const char *s)
{
	return conn_queue(c, hdr->type, hdr->req_id, hdr->tx_id, s,
			  strlen(s) + 1);
}

int
proto_ack(struct req *r)
{
	return proto_reply(r, "OK", 3);
}

static void
proto_error(struct req *r, int err)
{
	const char *name = proto_errname(err);

	conn_queue(r->conn, XS_ERROR, r->hdr.req_id, r->hdr.tx_id, name,
		   strlen(name) + 1);
}

/*
 * Length of a path below the caller's home ("/local/domain/<id>/"), or
 * all of it elsewhere: what the path-max quota limits.
 */
static size_t
home_len(const char *path)
{
	unsigned int domid;
	int off = 0;

	if (sscanf(path, "/local/domain/%5u/%n", &domid, &off) == 1 && off)
		return strlen(path) - (size_t)off;
	return strlen(path);
}

int
proto_path(struct req *r, const char *in, bool special, char **out)
{
	struct conn *c = r->conn;
	int err;

	if (!in)
		return EINVAL;
	*out = path_canonical(r, c->domid, in, special, &err);
	if (!*out)
		return err;
	if (!c->privileged && (*out)[0] == '/' &&
	    quota_exceeded(c->domain->quota.hard[Q_PATH_MAX],
			   (unsigned int)home_len(*out), 0))
		return EINVAL;
	return 0;
}

unsigned int
proto_strings(const struct req *r, const char **v, unsigned int max)
{
	unsigned int n = 0;
	uint32_t off = 0;

	while (off < r->len) {
		const char *s = r->data + off;
		size_t l = strnlen(s, r->len - off);

		if (off + l == r->len)
			break;		/* no NUL: not a string */
		if (n < max)
			v[n] = s;
		n++;
		off += (uint32_t)l + 1;
	}
	return n;
}

const char *
proto_onearg(const struct req *r)
{
	if (r->len == 0 || strlen(r->data) + 1 != r->len)
		return NULL;
	return r->data;
}

void
proto_handle(struct conn *c, const struct xsd_sockmsg *hdr,
	     const void *payload)
{
	const struct handler *h = NULL;
	struct req *r;
	int err;

	trace_msg("IN", c->name, hdr->type, hdr->req_id, hdr->tx_id, payload,
		  hdr->len);
	r = talloc_zero(c, struct req);
	if (!r) {
		c->closing = true;
		return;
	}
	r->xsd = c->xsd;
	r->conn = c;
	r->hdr = *hdr;
	r->len = hdr->len;
	r->data = talloc_size(r, hdr->len + 1);
	if (!r->data) {
		err = ENOMEM;
		goto out;
	}
	memcpy(r->data, payload, hdr->len);
	r->data[hdr->len] = 0;

	if (hdr->type < XSX_TYPE_COUNT)
		h = &handlers[hdr->type];
	if (!h || !h->fn) {
		err = ENOSYS;
		goto out;
	}
	if ((h->flags & F_PRIV) && !c->privileged) {
		err = EACCES;
		goto out;
	}
	if (!(h->flags & F_NOTID) && hdr->tx_id) {
		r->txn = txn_find(c, hdr->tx_id);
		if (!r->txn) {
			err = ENOENT;
			goto out;
		}
	}
	/* Whom the events this request fires are charged to. */
	c->xsd->cause = c->privileged ? NULL : c->domain;
	err = h->fn(r);
	c->xsd->cause = NULL;
	if (err == PROTO_DEFERRED) {
		conn_block(c);
		err = 0;
	}
out:
	if (err)
		proto_error(r, err);
	talloc_free(r);
}
