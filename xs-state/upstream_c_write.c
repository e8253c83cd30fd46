// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * upstream_c_write.c - the model of include/xs_state_upstream.h in the
 * state file of upstream's C xenstored 4.17, so that our daemon can hand
 * its state to that daemon (started with -U) in a live update.
 *
 * The layout is that of Xen 4.17's tools/xenstore/include/
 * xenstore_state.h as its xenstored writes and reads it:
 *
 *   preamble   "xenstore", version u32 (big endian), flags u32 (0 on a
 *              little-endian host, 1 on a big-endian one)
 *   record     type u32, length u32, body, zeros to a multiple of 8;
 *              length counts those zeros (the daemon's code does, its
 *              header's comment does not say so), and the reader steps
 *              from record to record by it
 *   GLOBAL     socket_fd i32, evtchn_fd i32
 *   CONN       conn_id u32, conn_type u16, pad u16, spec (ring: domid
 *              u16, tdomid u16, evtchn u32; socket: fd i32, 4 zeros),
 *              data_in_len u16, data_resp_len u16, data_out_len u32,
 *              then the input, then the output (a half-sent message's
 *              rest of data_resp_len octets first, then whole messages)
 *   WATCH      conn_id u32, path_length u16, token_length u16 (both
 *              with the NUL), path, token
 *   NODE       conn_id u32, ta_id u32, path_len u16, data_len u16,
 *              ta_access u16, perm_n u16, perms (access 'n' 'r' 'w' 'b',
 *              flags u8, domid u16), path with NUL, data
 *   END        type 0, length 0
 *
 * Everything after the preamble is in host byte order, like the wire
 * messages inside CONN.  The whole model is checked before the first
 * octet is written, so a refusal leaves the sink untouched.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "xs_state_upstream.h"
#include "xss_private.h"

#define U16_MAX 0xffffu
#define MSG_HDR 16			/* struct xsd_sockmsg */
#define CONN_FIXED 24
#define WATCH_FIXED 8
#define NODE_FIXED 16
#define PERM_LEN 4

static const char lu_ok[] = "OK";	/* sent with its NUL */

/* --- checking ------------------------------------------------------- */

static int XSS_PRINTF(4, 5)
refuse(TALLOC_CTX *ctx, char **err, int ret, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = talloc_vasprintf(ctx, fmt, ap);
	va_end(ap);
	if (err)
		*err = msg;
	else
		talloc_free(msg);
	return ret;
}

static uint32_t
conn_id(const struct xsu_state *st, unsigned int i)
{
	return st->conns[i].id ? st->conns[i].id : i + 1;
}

/* "connection 2 (domain 5)", "connection 3 (socket fd 12)". */
static char *
conn_name(TALLOC_CTX *ctx, const struct xsu_state *st, unsigned int i)
{
	const struct xsu_conn *c = &st->conns[i];

	if (c->ring)
		return talloc_asprintf(ctx, "connection %u (domain %u)",
				       conn_id(st, i), c->domid);
	return talloc_asprintf(ctx, "connection %u (socket fd %d)",
			       conn_id(st, i), c->fd);
}

static int
check_perms(TALLOC_CTX *ctx, char **err, const char *what,
	    const struct xss_perms *p, bool need_one)
{
	uint32_t i;

	if (need_one && !p->num)
		return refuse(ctx, err, EINVAL, "%s: no permissions (an owner "
			      "is needed)", what);
	if (p->num > U16_MAX)
		return refuse(ctx, err, EOVERFLOW, "%s: %u permissions, the "
			      "format holds at most %u (perm_n is 16 bits)",
			      what, p->num, U16_MAX);
	for (i = 0; i < p->num; i++) {
		if (p->p[i].domid > U16_MAX)
			return refuse(ctx, err, EOVERFLOW, "%s: permission %u: "
				      "domid %u does not fit in 16 bits", what,
				      i, p->p[i].domid);
		if (p->p[i].access & ~(XSS_PERM_READ | XSS_PERM_WRITE))
			return refuse(ctx, err, EINVAL, "%s: permission %u: "
				      "unknown access bits 0x%x", what, i,
				      p->p[i].access);
	}
	return 0;
}

static int
check_conn(TALLOC_CTX *ctx, const struct xsu_state *st, unsigned int i,
	   char **err)
{
	const struct xsu_conn *c = &st->conns[i];
	char *who = conn_name(ctx, st, i);
	struct xss_msgs m;
	uint64_t total;
	uint32_t w;
	int ret = 0;

	if (!who)
		return refuse(ctx, err, ENOMEM, "out of memory");
	total = CONN_FIXED + (uint64_t)c->in_len + c->partial_len + c->out_len;
	if (c->ring && c->domid > U16_MAX)
		ret = refuse(ctx, err, EOVERFLOW, "%s: domid %u does not fit "
			     "in 16 bits", who, c->domid);
	else if (c->ring && c->target != XSS_NO_TARGET &&
		 c->target > U16_MAX)
		ret = refuse(ctx, err, EOVERFLOW, "%s: target domid %u does "
			     "not fit in 16 bits", who, c->target);
	else if (c->in_len > U16_MAX)
		ret = refuse(ctx, err, EOVERFLOW, "%s: %u octets of pending "
			     "input, the format holds at most %u "
			     "(data_in_len is 16 bits)", who, c->in_len,
			     U16_MAX);
	else if (c->partial_len > U16_MAX)
		ret = refuse(ctx, err, EOVERFLOW, "%s: %u octets left of a "
			     "half-sent message, the format holds at most %u "
			     "(data_resp_len is 16 bits)", who, c->partial_len,
			     U16_MAX);
	else if (total + 7 > UINT32_MAX)
		ret = refuse(ctx, err, EOVERFLOW, "%s: %llu octets of pending "
			     "data do not fit in a record", who,
			     (unsigned long long)total);
	else if ((c->in_len && !c->in) || (c->partial_len && !c->partial) ||
		 (c->out_len && !c->out))
		ret = refuse(ctx, err, EINVAL, "%s: pending data without "
			     "octets", who);
	/* C xenstored reads whole messages out of it, trusting them. */
	if (!ret && c->out_len) {
		xss_walk_msgs(c->out, c->out_len, XSS_HOST_BIG, UINT32_MAX, &m);
		if (m.end == XSS_MSGS_HDR_CUT)
			ret = refuse(ctx, err, EINVAL, "%s: pending output "
				     "ends inside a message header at octet "
				     "%u", who, m.at);
		else if (m.end == XSS_MSGS_BODY_CUT)
			ret = refuse(ctx, err, EINVAL, "%s: the message at "
				     "octet %u of the pending output has %u "
				     "payload octets, %u are there", who, m.at,
				     m.len, c->out_len - m.at - MSG_HDR);
	}
	for (w = 0; !ret && w < c->nwatches; w++) {
		const struct xsu_watch *x = &c->watches[w];
		size_t plen = x->path ? strlen(x->path) + 1 : 0;
		size_t tlen = x->token ? strlen(x->token) + 1 : 0;

		if (!plen || !tlen)
			ret = refuse(ctx, err, EINVAL, "%s: watch %u without "
				     "path or token", who, w);
		else if (plen > U16_MAX)
			ret = refuse(ctx, err, EOVERFLOW, "%s: watch %u: path "
				     "of %zu octets, the format holds at most "
				     "%u with its NUL", who, w, plen, U16_MAX);
		else if (tlen > U16_MAX)
			ret = refuse(ctx, err, EOVERFLOW, "%s: watch %u: token "
				     "of %zu octets, the format holds at most "
				     "%u with its NUL", who, w, tlen, U16_MAX);
	}
	talloc_free(who);
	return ret;
}

static int
check_node(TALLOC_CTX *ctx, const struct xsu_node *n, unsigned int i,
	   char **err)
{
	size_t plen;
	char *who;
	int ret;

	if (!n->path || n->path[0] != '/')
		return refuse(ctx, err, EINVAL, "node %u: not an absolute "
			      "path", i);
	plen = strlen(n->path) + 1;
	who = talloc_asprintf(ctx, "node %s",
			      xss_quote(ctx, n->path, plen - 1));
	if (!who)
		return refuse(ctx, err, ENOMEM, "out of memory");
	if (plen > U16_MAX)
		ret = refuse(ctx, err, EOVERFLOW, "%s: path of %zu octets, the "
			     "format holds at most %u with its NUL", who, plen,
			     U16_MAX);
	else if (n->len > U16_MAX)
		ret = refuse(ctx, err, EOVERFLOW, "%s: value of %u octets, "
			     "the format holds at most %u (data_len is 16 "
			     "bits)", who, n->len, U16_MAX);
	else if (n->len && !n->value)
		ret = refuse(ctx, err, EINVAL, "%s: value without octets",
			     who);
	else
		ret = check_perms(ctx, err, who, &n->perms, true);
	talloc_free(who);
	return ret;
}

static int
check_state(TALLOC_CTX *ctx, const struct xsu_state *st, char **err)
{
	unsigned int i;
	int ret;

	if ((ret = check_perms(ctx, err, "@releaseDomain", &st->release_perms,
			       false)) ||
	    (ret = check_perms(ctx, err, "@introduceDomain",
			       &st->introduce_perms, false)))
		return ret;
	if (st->nnodes && strcmp(st->nodes[0].path, "/"))
		return refuse(ctx, err, EINVAL, "the first node is %s, not "
			      "\"/\"", xss_quote(ctx, st->nodes[0].path,
						 strlen(st->nodes[0].path)));
	for (i = 0; i < st->nconns; i++)
		if ((ret = check_conn(ctx, st, i, err)))
			return ret;
	for (i = 0; i < st->nnodes; i++)
		if ((ret = check_node(ctx, &st->nodes[i], i, err)))
			return ret;
	return 0;
}

/* --- writing -------------------------------------------------------- */

/* One record's octets, built whole and handed to the sink. */
struct rec {
	uint8_t *p;
	size_t pos, cap;
	bool failed;
};

static void
r_bytes(struct rec *r, const void *p, size_t n)
{
	if (r->failed || !n)
		return;
	if (r->pos + n > r->cap) {
		size_t cap = (r->pos + n) * 2 + 64;
		uint8_t *q = talloc_realloc_size(NULL, r->p, cap);

		if (!q) {
			r->failed = true;
			return;
		}
		r->p = q;
		r->cap = cap;
	}
	memcpy(r->p + r->pos, p, n);
	r->pos += n;
}

static void
r_u8(struct rec *r, uint8_t v)
{
	r_bytes(r, &v, 1);
}

static void
r_u16(struct rec *r, uint16_t v)
{
	r_bytes(r, &v, 2);
}

static void
r_u32(struct rec *r, uint32_t v)
{
	r_bytes(r, &v, 4);
}

static void
r_i32(struct rec *r, int32_t v)
{
	r_bytes(r, &v, 4);
}

/* Start a record: the header, its length filled in by r_end(). */
static void
r_begin(struct rec *r, uint32_t type)
{
	r->pos = 0;
	r_u32(r, type);
	r_u32(r, 0);
}

/* Pad the body to 8 and write the record. */
static int
r_end(struct rec *r, struct xss_sink *sink)
{
	static const uint8_t zero[8];
	uint32_t len;

	r_bytes(r, zero, (8 - r->pos % 8) % 8);
	if (r->failed)
		return ENOMEM;
	len = (uint32_t)(r->pos - 8);
	memcpy(r->p + 4, &len, 4);
	return xss_sink_write(sink, r->p, r->pos);
}

static void
r_perms(struct rec *r, const struct xss_perms *p)
{
	static const char access[] = { 'n', 'r', 'w', 'b' };
	uint32_t i;

	for (i = 0; i < p->num; i++) {
		r_u8(r, (uint8_t)access[p->p[i].access & 3]);
		r_u8(r, 0);
		r_u16(r, (uint16_t)p->p[i].domid);
	}
}

static int
write_conn(struct rec *r, struct xss_sink *sink, const struct xsu_state *st,
	   unsigned int i)
{
	const struct xsu_conn *c = &st->conns[i];
	uint32_t id = conn_id(st, i), w;
	int ret;

	r_begin(r, XSU_C_CONN);
	r_u32(r, id);
	if (c->ring) {
		r_u16(r, XSU_C_CONN_RING);
		r_u16(r, 0);
		r_u16(r, (uint16_t)c->domid);
		r_u16(r, (uint16_t)(c->target == XSS_NO_TARGET ?
				    XSU_DOMID_INVALID : c->target));
		r_u32(r, c->local_port);
	} else {
		r_u16(r, XSU_C_CONN_SOCKET);
		r_u16(r, 0);
		r_i32(r, c->fd);
		r_u32(r, 0);
	}
	r_u16(r, (uint16_t)c->in_len);
	r_u16(r, (uint16_t)c->partial_len);
	r_u32(r, c->partial_len + c->out_len);
	r_bytes(r, c->in, c->in_len);
	r_bytes(r, c->partial, c->partial_len);
	r_bytes(r, c->out, c->out_len);
	if ((ret = r_end(r, sink)))
		return ret;

	for (w = 0; w < c->nwatches; w++) {
		const struct xsu_watch *x = &c->watches[w];
		size_t plen = strlen(x->path) + 1;
		size_t tlen = strlen(x->token) + 1;

		r_begin(r, XSU_C_WATCH);
		r_u32(r, id);
		r_u16(r, (uint16_t)plen);
		r_u16(r, (uint16_t)tlen);
		r_bytes(r, x->path, plen);
		r_bytes(r, x->token, tlen);
		if ((ret = r_end(r, sink)))
			return ret;
	}
	return 0;
}

static int
write_node(struct rec *r, struct xss_sink *sink, const char *path,
	   const struct xss_perms *perms, const uint8_t *value, uint32_t len)
{
	size_t plen = strlen(path) + 1;

	r_begin(r, XSU_C_NODE);
	r_u32(r, 0);				/* conn_id: not a transaction's */
	r_u32(r, 0);				/* ta_id */
	r_u16(r, (uint16_t)plen);
	r_u16(r, (uint16_t)len);
	r_u16(r, 0);				/* ta_access */
	r_u16(r, (uint16_t)perms->num);
	r_perms(r, perms);
	r_bytes(r, path, plen);
	r_bytes(r, value, len);
	return r_end(r, sink);
}

/* C xenstored's default for the special nodes: dom0 owns, no access. */
static const struct xss_perm dom0_none = { 0, 0 };

static const struct xss_perms *
special_perms(const struct xss_perms *p)
{
	static const struct xss_perms def = { 1, &dom0_none };

	return p->num ? p : &def;
}

static int
write_all(struct rec *r, const struct xsu_state *st, struct xss_sink *sink)
{
	uint8_t pre[XSU_C_PREAMBLE_LEN];
	uint32_t flags = XSS_HOST_BIG ? XSU_C_FLAG_BIG_ENDIAN : 0;
	unsigned int i;
	int ret;

	/* ident, version big endian, flags as the host stores them */
	memcpy(pre, XSU_C_IDENT, 8);
	pre[8] = 0;
	pre[9] = 0;
	pre[10] = 0;
	pre[11] = XSU_C_VERSION;
	memcpy(pre + 12, &flags, 4);
	if ((ret = xss_sink_write(sink, pre, sizeof(pre))))
		return ret;

	r_begin(r, XSU_C_GLOBAL);
	r_i32(r, st->socket_fd);
	r_i32(r, st->evtchn_fd);
	if ((ret = r_end(r, sink)))
		return ret;

	for (i = 0; i < st->nconns; i++)
		if ((ret = write_conn(r, sink, st, i)))
			return ret;

	if ((ret = write_node(r, sink, "@releaseDomain",
			      special_perms(&st->release_perms), NULL, 0)) ||
	    (ret = write_node(r, sink, "@introduceDomain",
			      special_perms(&st->introduce_perms), NULL, 0)))
		return ret;
	for (i = 0; i < st->nnodes; i++) {
		const struct xsu_node *n = &st->nodes[i];

		if ((ret = write_node(r, sink, n->path, &n->perms, n->value,
				      n->len)))
			return ret;
	}

	r_begin(r, XSU_C_END);
	if ((ret = r_end(r, sink)))
		return ret;
	return xss_sink_flush(sink);
}

int
xsu_write_c(TALLOC_CTX *ctx, const struct xsu_state *st,
	    struct xss_sink *sink, char **err)
{
	struct rec r = { 0 };
	int ret;

	if (err)
		*err = NULL;
	ret = check_state(ctx, st, err);
	if (ret)
		return ret;
	ret = write_all(&r, st, sink);
	talloc_free(r.p);
	if (ret == ENOMEM)
		return refuse(ctx, err, ret, "out of memory");
	if (ret)
		return refuse(ctx, err, ret, "write failed: %s",
			      strerror(ret));
	return 0;
}

int
xsu_add_lu_ok(struct xsu_state *st, uint32_t image_conn_id,
	      uint32_t req_id, uint32_t tx_id, char **err)
{
	uint32_t hdr[4] = { XSU_XS_CONTROL, req_id, tx_id, sizeof(lu_ok) };
	struct xsu_conn *c = NULL;
	unsigned int i;
	uint8_t *p;

	if (err)
		*err = NULL;
	for (i = 0; i < st->nconns && !c; i++)
		if (image_conn_id && st->conns[i].image_conn_id ==
				     image_conn_id)
			c = &st->conns[i];
	if (!c)
		return refuse(st, err, ENOENT, "no connection %u to answer "
			      "the live update on", image_conn_id);
	if (c->out_len > UINT32_MAX - sizeof(hdr) - sizeof(lu_ok))
		return refuse(st, err, EOVERFLOW, "no room for the answer");
	p = talloc_size(st, (size_t)c->out_len + sizeof(hdr) + sizeof(lu_ok));
	if (!p)
		return refuse(st, err, ENOMEM, "out of memory");
	if (c->out_len)
		memcpy(p, c->out, c->out_len);
	memcpy(p + c->out_len, hdr, sizeof(hdr));
	memcpy(p + c->out_len + sizeof(hdr), lu_ok, sizeof(lu_ok));
	c->out = p;
	c->out_len += sizeof(hdr) + sizeof(lu_ok);
	return 0;
}
