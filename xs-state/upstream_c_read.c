// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * upstream_c_read.c - reading C xenstored 4.17's live-update state file
 * (include/xs_state_upstream.h) into the model, checked as strictly as
 * our own images: the file comes from another program.
 *
 * The layout, as upstream's code writes it (docs/takeover.md has the
 * whole table): a 16-octet preamble, then records of a u32 type and a
 * u32 length in the writer's byte order.  Unlike upstream's document,
 * the length counts the body's padding to a multiple of 8, so each
 * record's length is itself a multiple of 8 and is checked to be
 * exactly what its fields add up to, rounded up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "xs_state_upstream.h"
#include "xss_private.h"

#define REC_HEADER 8
#define GLOBAL_LEN 8		/* socket_fd, evtchn_fd */
#define CONN_FIXED 24		/* up to data[] */
#define WATCH_FIXED 8
#define TA_LEN 8
#define NODE_FIXED 16		/* up to perms[] */
#define PERM_LEN 4
#define MSG_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

struct rd {
	TALLOC_CTX *ctx;
	const uint8_t *buf;
	size_t len;
	bool big;
	/* the record being read */
	unsigned int index;
	size_t off;		/* of its header */
	const uint8_t *body;
	uint32_t blen;
	char **err;
	struct xsu_state *st;
	struct xss_set *paths;	/* node paths seen */
	struct xss_set *conns;	/* the file's conn ids -> index */
	struct xss_set *domids;	/* ring connections' domids */
	struct xss_set *ports;	/* ring connections' local ports -> id */
	struct xss_set *fds;	/* sockets' fds */
	unsigned int nalloc_nodes, nalloc_conns;
	bool have_global, have_release, have_introduce;
};

static int __attribute__((format(printf, 2, 3)))
bad(struct rd *r, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = talloc_vasprintf(r->ctx, fmt, ap);
	va_end(ap);
	if (r->index)
		*r->err = talloc_asprintf(r->ctx, "record %u at offset %zu: "
					  "%s", r->index, r->off,
					  what ? what : "out of memory");
	else
		*r->err = talloc_asprintf(r->ctx, "%s",
					  what ? what : "out of memory");
	return EBADMSG;
}

static uint32_t
padded(uint64_t n)
{
	return (uint32_t)((n + 7) & ~(uint64_t)7);
}

/* The body is exactly used octets, then zero padding to a multiple of 8. */
static int
check_size(struct rd *r, uint64_t used)
{
	uint32_t i;

	if (used > r->blen || padded(used) != r->blen)
		return bad(r, "length %u, but the fields take %llu octets "
			   "(%u with padding)", r->blen,
			   (unsigned long long)used, padded(used));
	for (i = (uint32_t)used; i < r->blen; i++)
		if (r->body[i])
			return bad(r, "padding octet %u is not zero", i);
	return 0;
}

/* A string of n octets at p ending with its only NUL. */
static int
check_string(struct rd *r, const uint8_t *p, uint32_t n, const char *what)
{
	if (n == 0)
		return bad(r, "%s has length 0 (the NUL counts)", what);
	if (p[n - 1] != 0)
		return bad(r, "%s %s is not NUL-terminated", what,
			   xss_quote(r->ctx, p, n));
	if (memchr(p, 0, n - 1))
		return bad(r, "%s %s has a NUL inside", what,
			   xss_quote(r->ctx, p, n - 1));
	return 0;
}

static int
check_path(struct rd *r, const char *p, size_t n, bool special,
	   const char *what)
{
	size_t at;
	const char *why = xss_path_invalid(p, n, special, &at);

	if (!why)
		return 0;
	if (at == SIZE_MAX)
		return bad(r, "%s %s %s", what, xss_quote(r->ctx, p, n), why);
	return bad(r, "%s %s %s at octet %zu", what, xss_quote(r->ctx, p, n),
		   why, at);
}

static int
read_global(struct rd *r)
{
	int ret = check_size(r, GLOBAL_LEN);
	int32_t sock, evtchn;

	if (ret)
		return ret;
	if (r->have_global)
		return bad(r, "a second GLOBAL record");
	if (r->st->nconns || r->st->nnodes)
		return bad(r, "GLOBAL after connections or nodes");
	sock = (int32_t)xss_dec_u32(r->body, r->big);
	evtchn = (int32_t)xss_dec_u32(r->body + 4, r->big);
	if (sock < -1)
		return bad(r, "socket fd %d", sock);
	if (evtchn < 0)
		return bad(r, "event channel fd %d", evtchn);
	if (sock == evtchn)
		return bad(r, "socket and event channel share fd %d", sock);
	r->st->socket_fd = sock;
	r->st->evtchn_fd = evtchn;
	r->have_global = true;
	return 0;
}

/*
 * Queued input: whole requests, then perhaps the start of one more.
 * Each header's length is checked against the protocol's payload limit.
 */
static int
check_input(struct rd *r, const uint8_t *p, uint32_t n)
{
	struct xss_msgs w;

	xss_walk_msgs(p, n, r->big, XENSTORE_PAYLOAD_MAX, &w);
	if (w.end == XSS_MSGS_TOO_LONG)
		return bad(r, "queued request at input octet %u has length %u "
			   "(more than %u)", w.at, w.len,
			   XENSTORE_PAYLOAD_MAX);
	return 0;	/* whole, or a header or body begun */
}

/* Pending output: whole messages, exactly filling n octets. */
static int
check_output(struct rd *r, const uint8_t *p, uint32_t n)
{
	struct xss_msgs w;

	xss_walk_msgs(p, n, r->big, XENSTORE_PAYLOAD_MAX, &w);
	switch (w.end) {
	case XSS_MSGS_HDR_CUT:
		return bad(r, "pending output ends inside a message header at "
			   "octet %u", w.at);
	case XSS_MSGS_TOO_LONG:
		return bad(r, "pending message at output octet %u has length "
			   "%u (more than %u)", w.at, w.len,
			   XENSTORE_PAYLOAD_MAX);
	case XSS_MSGS_BODY_CUT:
		return bad(r, "pending output ends inside a message body at "
			   "octet %zu", w.at + sizeof(struct xsd_sockmsg));
	case XSS_MSGS_WHOLE:
		break;
	}
	return 0;
}

static struct xsu_conn *
new_conn(struct rd *r)
{
	struct xsu_state *st = r->st;

	if (st->nconns == r->nalloc_conns) {
		unsigned int n = r->nalloc_conns ? 2 * r->nalloc_conns : 16;
		struct xsu_conn *c = talloc_realloc(st, st->conns,
						    struct xsu_conn, n);

		if (!c)
			return NULL;
		st->conns = c;
		r->nalloc_conns = n;
	}
	memset(&st->conns[st->nconns], 0, sizeof(st->conns[0]));
	return &st->conns[st->nconns++];
}

static int
read_conn(struct rd *r)
{
	const uint8_t *b = r->body;
	uint32_t id, type, in_len, resp_len, out_len, key, other;
	struct xsu_conn *c;
	int ret;

	if (r->blen < CONN_FIXED)
		return bad(r, "CONN record of %u octets (at least %u)",
			   r->blen, CONN_FIXED);
	if (!r->have_global)
		return bad(r, "CONN before GLOBAL");
	if (r->st->nnodes)
		return bad(r, "CONN after the nodes");
	id = xss_dec_u32(b, r->big);
	type = xss_dec_u16(b + 4, r->big);
	in_len = xss_dec_u16(b + 16, r->big);
	resp_len = xss_dec_u16(b + 18, r->big);
	out_len = xss_dec_u32(b + 20, r->big);
	ret = check_size(r, (uint64_t)CONN_FIXED + in_len + out_len);
	if (ret)
		return ret;
	if (id == 0)
		return bad(r, "connection id 0");
	if (xss_dec_u16(b + 6, r->big))
		return bad(r, "connection %u: pad is %u, not 0", id,
			   xss_dec_u16(b + 6, r->big));
	if (resp_len > out_len)
		return bad(r, "connection %u: partial response of %u octets "
			   "but only %u pending", id, resp_len, out_len);
	if (resp_len >= MSG_MAX)
		return bad(r, "connection %u: partial response of %u octets "
			   "(a message has at most %zu)", id, resp_len,
			   MSG_MAX);
	c = new_conn(r);
	if (!c)
		return ENOMEM;
	c->id = id;
	c->fd = -1;
	c->target = XSS_NO_TARGET;
	ret = xss_set_add(r->conns, &id, sizeof(id), r->st->nconns - 1,
			  NULL);
	if (ret == EEXIST)
		return bad(r, "connection id %u twice", id);
	if (ret)
		return ret;
	if (type == XSU_C_CONN_RING) {
		uint32_t domid = xss_dec_u16(b + 8, r->big);
		uint32_t tdomid = xss_dec_u16(b + 10, r->big);

		c->ring = true;
		c->domid = domid;
		c->local_port = xss_dec_u32(b + 12, r->big);
		if (domid > XSS_MAX_DOMID)
			return bad(r, "connection %u: domid %u", id, domid);
		if (tdomid != XSU_DOMID_INVALID && tdomid > XSS_MAX_DOMID)
			return bad(r, "connection %u: target domid %u", id,
				   tdomid);
		if (tdomid == domid)
			return bad(r, "connection %u: domain %u is its own "
				   "target", id, domid);
		if (tdomid != XSU_DOMID_INVALID)
			c->target = tdomid;
		if (c->local_port == 0)
			return bad(r, "connection %u: domain %u has no event "
				   "channel (port 0)", id, domid);
		key = domid;
		ret = xss_set_add(r->domids, &key, sizeof(key), id, NULL);
		if (ret == EEXIST)
			return bad(r, "connection %u: a second ring of domain "
				   "%u", id, domid);
		if (ret)
			return ret;
		/* One event channel port of the daemon's, one domain. */
		key = c->local_port;
		ret = xss_set_add(r->ports, &key, sizeof(key), id, &other);
		if (ret == EEXIST)
			return bad(r, "connection %u: local port %u is "
				   "connection %u's already", id, key, other);
		if (ret)
			return ret;
	} else if (type == XSU_C_CONN_SOCKET) {
		c->fd = (int32_t)xss_dec_u32(b + 8, r->big);
		if (c->fd < 0)
			return bad(r, "connection %u: socket fd %d", id, c->fd);
		if (xss_dec_u32(b + 12, r->big))
			return bad(r, "connection %u: unused octets of a "
				   "socket's spec are not 0", id);
		if (c->fd == r->st->socket_fd || c->fd == r->st->evtchn_fd)
			return bad(r, "connection %u: fd %d is the daemon's "
				   "own", id, c->fd);
		key = (uint32_t)c->fd;
		ret = xss_set_add(r->fds, &key, sizeof(key), id, NULL);
		if (ret == EEXIST)
			return bad(r, "connection %u: fd %d twice", id, c->fd);
		if (ret)
			return ret;
	} else {
		return bad(r, "connection %u: type %u (0 ring, 1 socket)", id,
			   type);
	}
	b += CONN_FIXED;
	ret = check_input(r, b, in_len);
	if (!ret)
		ret = check_output(r, b + in_len + resp_len,
				   out_len - resp_len);
	if (ret)
		return ret;
	c->in = in_len ? b : NULL;
	c->in_len = in_len;
	c->partial = resp_len ? b + in_len : NULL;
	c->partial_len = resp_len;
	c->out = out_len > resp_len ? b + in_len + resp_len : NULL;
	c->out_len = out_len - resp_len;
	return 0;
}

static int
read_watch(struct rd *r)
{
	const uint8_t *b = r->body;
	uint32_t id, plen, tlen, idx;
	const char *path, *token;
	struct xsu_conn *c;
	struct xsu_watch *w;
	int ret;

	if (r->blen < WATCH_FIXED)
		return bad(r, "WATCH record of %u octets (at least %u)",
			   r->blen, WATCH_FIXED);
	id = xss_dec_u32(b, r->big);
	plen = xss_dec_u16(b + 4, r->big);
	tlen = xss_dec_u16(b + 6, r->big);
	ret = check_size(r, (uint64_t)WATCH_FIXED + plen + tlen);
	if (ret)
		return ret;
	if (!xss_set_find(r->conns, &id, sizeof(id), &idx))
		return bad(r, "watch of connection %u, which no CONN record "
			   "before it has", id);
	path = (const char *)b + WATCH_FIXED;
	token = path + plen;
	ret = check_string(r, (const uint8_t *)path, plen, "watch path");
	if (!ret)
		ret = check_string(r, (const uint8_t *)token, tlen,
				   "watch token");
	if (ret)
		return ret;
	if (tlen - 1 > XSS_MAX_TOKEN)
		return bad(r, "watch token of %u octets (at most %u)",
			   tlen - 1, XSS_MAX_TOKEN);
	c = &r->st->conns[idx];
	if (path[0] == '/' || path[0] == '@') {
		ret = check_path(r, path, plen - 1, true, "watch path");
	} else {
		/* relative to the connection's home */
		char home[XSS_HOME_MAX];
		size_t hlen = xss_home(home, c->ring ? c->domid : 0);
		char *abs = talloc_asprintf(r->ctx, "%s/%s", home, path);

		if (!abs)
			return ENOMEM;
		ret = check_path(r, abs, hlen + plen, false,
				 "relative watch path, made absolute,");
	}
	if (ret)
		return ret;
	w = talloc_realloc(r->st, c->watches, struct xsu_watch,
			   c->nwatches + 1);
	if (!w)
		return ENOMEM;
	c->watches = w;
	w = &w[c->nwatches++];
	w->path = path;
	w->token = token;
	w->relative = path[0] != '/' && path[0] != '@';
	return 0;
}

static int
read_perms(struct rd *r, const uint8_t *p, uint32_t n, const char *path,
	   struct xss_perms *out)
{
	struct xss_perm *v = talloc_array(r->st, struct xss_perm, n);
	uint32_t i, k = 0, ignored = 0;

	if (!v)
		return ENOMEM;
	for (i = 0; i < n; i++, p += PERM_LEN) {
		uint32_t access;

		switch (p[0]) {
		case 'n': access = 0; break;
		case 'r': access = XSS_PERM_READ; break;
		case 'w': access = XSS_PERM_WRITE; break;
		case 'b': access = XSS_PERM_READ | XSS_PERM_WRITE; break;
		default:
			return bad(r, "node %s: permission %u has access "
				   "0x%02x (not n, r, w or b)",
				   xss_quote(r->ctx, path, strlen(path)), i,
				   p[0]);
		}
		if (p[1] & ~XSU_C_PERM_IGNORE)
			return bad(r, "node %s: permission %u has flags 0x%02x",
				   xss_quote(r->ctx, path, strlen(path)), i,
				   p[1]);
		/*
		 * A stale entry (its domain is gone) grants nothing, and
		 * upstream never shows it: left out.  The owner stays.
		 */
		if (i > 0 && (p[1] & XSU_C_PERM_IGNORE)) {
			ignored++;
			continue;
		}
		v[k].domid = xss_dec_u16(p + 2, r->big);
		v[k].access = access;
		k++;
	}
	out->num = k;
	out->p = v;
	if (ignored) {
		char *s = talloc_asprintf(r->st, "%snode %s: %u stale "
					  "permission%s left out\n",
					  r->st->dropped, path, ignored,
					  ignored == 1 ? "" : "s");

		if (!s)
			return ENOMEM;
		r->st->dropped = s;
	}
	return 0;
}

static int
read_node(struct rd *r)
{
	const uint8_t *b = r->body;
	uint32_t conn, ta, plen, dlen, nperm, parent_len;
	const char *path;
	struct xss_perms perms;
	struct xsu_node *n;
	int ret;

	if (r->blen < NODE_FIXED)
		return bad(r, "NODE record of %u octets (at least %u)",
			   r->blen, NODE_FIXED);
	conn = xss_dec_u32(b, r->big);
	ta = xss_dec_u32(b + 4, r->big);
	plen = xss_dec_u16(b + 8, r->big);
	dlen = xss_dec_u16(b + 10, r->big);
	nperm = xss_dec_u16(b + 14, r->big);
	ret = check_size(r, (uint64_t)NODE_FIXED + (uint64_t)nperm * PERM_LEN
			 + plen + dlen);
	if (ret)
		return ret;
	if (!r->have_global)
		return bad(r, "NODE before GLOBAL");
	if (conn || ta)
		return bad(r, "a node of transaction %u of connection %u "
			   "(upstream 4.17 writes none)", ta, conn);
	if (xss_dec_u16(b + 12, r->big))
		return bad(r, "node outside a transaction with ta_access %u",
			   xss_dec_u16(b + 12, r->big));
	path = (const char *)b + NODE_FIXED + nperm * PERM_LEN;
	ret = check_string(r, (const uint8_t *)path, plen, "node path");
	if (ret)
		return ret;
	if (nperm == 0)
		return bad(r, "node %s has no permissions (an owner is "
			   "needed)", xss_quote(r->ctx, path, plen - 1));
	if (nperm > XSS_MAX_PERMS)
		return bad(r, "node %s has %u permissions (at most %u)",
			   xss_quote(r->ctx, path, plen - 1), nperm,
			   XSS_MAX_PERMS);
	if (dlen > XSS_MAX_VALUE)
		return bad(r, "node %s has %u octets of data (at most %u)",
			   xss_quote(r->ctx, path, plen - 1), dlen,
			   XSS_MAX_VALUE);
	ret = read_perms(r, b + NODE_FIXED, nperm, path, &perms);
	if (ret)
		return ret;
	if (path[0] == '@') {
		bool rel = !strcmp(path, "@releaseDomain");

		if (!rel && strcmp(path, "@introduceDomain"))
			return bad(r, "special node %s (only @releaseDomain "
				   "and @introduceDomain are)",
				   xss_quote(r->ctx, path, plen - 1));
		if (dlen)
			return bad(r, "special node %s has data", path);
		if (r->st->nnodes)
			return bad(r, "special node %s after the tree", path);
		if (rel ? r->have_release : r->have_introduce)
			return bad(r, "special node %s twice", path);
		if (rel) {
			r->have_release = true;
			r->st->release_perms = perms;
		} else {
			r->have_introduce = true;
			r->st->introduce_perms = perms;
		}
		return 0;
	}
	ret = check_path(r, path, plen - 1, false, "node path");
	if (ret)
		return ret;
	if (r->st->nnodes == 0 && strcmp(path, "/"))
		return bad(r, "the first node is %s, not \"/\"",
			   xss_quote(r->ctx, path, plen - 1));
	if (r->st->nnodes) {
		parent_len = (uint32_t)(strrchr(path, '/') - path);
		if (!xss_set_find(r->paths, path, parent_len ? parent_len : 1,
				  NULL))
			return bad(r, "node %s comes before its parent",
				   xss_quote(r->ctx, path, plen - 1));
	}
	ret = xss_set_add(r->paths, path, plen - 1, 0, NULL);
	if (ret == EEXIST)
		return bad(r, "node %s twice", xss_quote(r->ctx, path,
							  plen - 1));
	if (ret)
		return ret;
	if (r->st->nnodes == r->nalloc_nodes) {
		unsigned int k = r->nalloc_nodes ? 2 * r->nalloc_nodes : 1024;

		n = talloc_realloc(r->st, r->st->nodes, struct xsu_node, k);
		if (!n)
			return ENOMEM;
		r->st->nodes = n;
		r->nalloc_nodes = k;
	}
	n = &r->st->nodes[r->st->nnodes++];
	n->path = path;
	n->perms = perms;
	n->value = dlen ? (const uint8_t *)path + plen : NULL;
	n->len = dlen;
	return 0;
}

static int
read_records(struct rd *r)
{
	size_t off = XSU_C_PREAMBLE_LEN;
	uint32_t type;
	int ret;

	for (;;) {
		r->index++;
		r->off = off;
		if (r->len - off < REC_HEADER)
			return bad(r, "the file ends without an END record "
				   "(%zu octets left)", r->len - off);
		type = xss_dec_u32(r->buf + off, r->big);
		r->blen = xss_dec_u32(r->buf + off + 4, r->big);
		r->body = r->buf + off + REC_HEADER;
		if (r->blen % 8)
			return bad(r, "length %u is not a multiple of 8",
				   r->blen);
		if (r->blen > r->len - off - REC_HEADER)
			return bad(r, "length %u runs past the end of the "
				   "file (%zu octets left)", r->blen,
				   r->len - off - REC_HEADER);
		switch (type) {
		case XSU_C_END:
			if (r->blen)
				return bad(r, "END has length %u", r->blen);
			if (off + REC_HEADER != r->len)
				return bad(r, "%zu octets after END",
					   r->len - off - REC_HEADER);
			return 0;
		case XSU_C_GLOBAL:
			ret = read_global(r);
			break;
		case XSU_C_CONN:
			ret = read_conn(r);
			break;
		case XSU_C_WATCH:
			ret = read_watch(r);
			break;
		case XSU_C_TA:
			/* Upstream writes none; its reader skips them. */
			ret = check_size(r, TA_LEN);
			if (!ret && !xss_set_find(r->conns, r->body, 4, NULL))
				ret = bad(r, "transaction of connection %u, "
					  "which no CONN record before it "
					  "has", xss_dec_u32(r->body, r->big));
			if (!ret && !(r->st->dropped = talloc_asprintf(r->st,
					"%stransaction %u of connection %u "
					"(upstream restores none)\n",
					r->st->dropped,
					xss_dec_u32(r->body + 4, r->big),
					xss_dec_u32(r->body, r->big))))
				ret = ENOMEM;
			break;
		case XSU_C_NODE:
			ret = read_node(r);
			break;
		default:
			return bad(r, "unknown record type %u", type);
		}
		if (ret)
			return ret;
		off += REC_HEADER + r->blen;
	}
}

int
xsu_read_c(TALLOC_CTX *ctx, const uint8_t *buf, size_t len,
	   struct xsu_state **stp, char **err)
{
	struct rd r = { .ctx = ctx, .buf = buf, .len = len, .err = err };
	uint32_t version, flags;
	int ret;

	*stp = NULL;
	*err = NULL;
	if (len < XSU_C_PREAMBLE_LEN)
		return bad(&r, "%zu octets: too short for the preamble (%d)",
			   len, XSU_C_PREAMBLE_LEN);
	if (memcmp(buf, XSU_C_IDENT, 8))
		return bad(&r, "ident %s, not \"xenstore\"",
			   xss_quote(ctx, buf, 8));
	version = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 |
		  (uint32_t)buf[10] << 8 | buf[11];
	if (version != XSU_C_VERSION)
		return bad(&r, "version %u (only %u is known)", version,
			   XSU_C_VERSION);
	/* 0 from a little-endian writer, 1 from a big-endian one */
	flags = (uint32_t)buf[12] << 24 | (uint32_t)buf[13] << 16 |
		(uint32_t)buf[14] << 8 | buf[15];
	if (flags > XSU_C_FLAG_BIG_ENDIAN)
		return bad(&r, "flags octets %02x %02x %02x %02x (0: little "
			   "endian, 1: big)", buf[12], buf[13], buf[14],
			   buf[15]);
	r.big = flags == XSU_C_FLAG_BIG_ENDIAN;
	r.st = talloc_zero(ctx, struct xsu_state);
	if (!r.st)
		return ENOMEM;
	r.st->socket_fd = -1;
	r.st->evtchn_fd = -1;
	r.st->dropped = talloc_strdup(r.st, "");
	r.paths = xss_set_new(r.st);
	r.conns = xss_set_new(r.st);
	r.domids = xss_set_new(r.st);
	r.fds = xss_set_new(r.st);
	r.ports = xss_set_new(r.st);
	if (!r.st->dropped || !r.paths || !r.conns || !r.domids || !r.fds ||
	    !r.ports) {
		talloc_free(r.st);
		return ENOMEM;
	}
	ret = read_records(&r);
	if (!ret && !r.have_global)
		ret = bad(&r, "no GLOBAL record");
	if (!ret && !r.st->nnodes)
		ret = bad(&r, "no nodes (not even \"/\")");
	if (ret) {
		if (ret == ENOMEM && !*err)
			*err = talloc_strdup(ctx, "out of memory");
		talloc_free(r.st);
		return ret;
	}
	talloc_free(r.paths);
	talloc_free(r.conns);
	talloc_free(r.domids);
	talloc_free(r.fds);
	talloc_free(r.ports);
	*stp = r.st;
	return 0;
}
