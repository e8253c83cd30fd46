// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * body.c - decoding one record body and checking it on its own: every
 * field against its bound, reserved fields and flag bits, strings and
 * their termination, path syntax, permission bits, and the exact length.
 *
 * A body is read as OpenSMTPD reads a message: open a cursor over
 * exactly the body, take typed fields through bounds-checked gets, check
 * each field against the spec, and require the end of the body exactly.
 * Nothing is cast to a struct, and no count is used before it has been
 * checked against its bound and against the octets left.  The gets are
 * sticky: after the first problem they return zero or NULL and the
 * decoder ends with that problem.
 *
 * Decoded strings point into the body; arrays are allocated on the
 * caller's context.  Rules that span records are check.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "xss_private.h"

/* A decoding cursor over one record body. */
struct cur {
	const uint8_t *p;
	size_t len, pos;
	bool big;
	TALLOC_CTX *ctx;	/* decoded arrays and the message */
	int err;
	char *why;
};

/* The largest body of each type: read no more than this. */
#define PATH_FIELD (XSS_MAX_PATH + 1)
#define PERMS_FIELD (XSS_MAX_PERMS * XSS_PERM_LEN)
static const uint32_t body_max[XSS_REC_TYPE_COUNT] = {
	[XSS_REC_END] = XSS_END_LEN,
	[XSS_REC_NODE_DATA] = XSS_NODE_FIXED + PERMS_FIELD + PATH_FIELD +
			      XSS_MAX_VALUE,
	[XSS_REC_WATCH_DATA] = XSS_WATCH_FIXED + PATH_FIELD + XSS_MAX_TOKEN +
			       1,
	[XSS_REC_TRANSACTION_DATA] = XSS_TXN_FIXED,
	[XSS_REC_TRANSACTION_NODE_DATA] = XSS_MAX_RECORD,
	[XSS_REC_GUEST_RING_DATA] = XSS_MAX_OUTPUT,
	[XSS_REC_DOMAIN_START] = XSS_DOMAIN_FIXED,
	[XSS_REC_SOCKET_START] = XSS_SOCKET_FIXED,
	[XSS_REC_GLOBAL_DATA] = XSS_GLOBAL_FIXED,
	[XSS_REC_QUOTA_DATA] = XSS_QUOTA_FIXED +
			       XSS_MAX_QUOTAS * XSS_QUOTA_ENTRY,
	[XSS_REC_CONN_INPUT] = XSS_MAX_INPUT,
	[XSS_REC_SPECIAL_PERMS] = XSS_SPECIAL_FIXED + PERMS_FIELD +
				  PATH_FIELD,
	[XSS_REC_TRANSACTION_EVENT] = XSS_MAX_RECORD,
	[XSS_REC_PARTIAL_OUTPUT] = XSS_MAX_PARTIAL,
	[XSS_REC_LIVE_UPDATE] = XSS_LIVE_UPDATE_FIXED + XSS_MAX_ARGV,
	[XSS_REC_STORE_FD] = XSS_STORE_FD_FIXED + XSS_MAX_OWNERS * XSS_OWNER_LEN,
};

/* --- the cursor ----------------------------------------------------- */

static int XSS_PRINTF(2, 3)
bad(struct cur *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err)
		return c->err;
	va_start(ap, fmt);
	c->why = talloc_vasprintf(c->ctx, fmt, ap);
	va_end(ap);
	c->err = c->why ? EBADMSG : ENOMEM;
	return c->err;
}

/* Are n more octets there for what?  Else the body is too short. */
static bool
need(struct cur *c, uint64_t n, const char *what)
{
	if (c->err)
		return false;
	if (n <= c->len - c->pos)
		return true;
	bad(c, "body too short: %zu octets, %s needs %llu", c->len, what,
	    (unsigned long long)(c->pos + n));
	return false;
}

static uint32_t
get_u32(struct cur *c, const char *what)
{
	uint32_t v;

	if (!need(c, 4, what))
		return 0;
	v = xss_dec_u32(c->p + c->pos, c->big);
	c->pos += 4;
	return v;
}

static int32_t
get_i32(struct cur *c, const char *what)
{
	return (int32_t)get_u32(c, what);
}

static uint64_t
get_u64(struct cur *c, const char *what)
{
	uint64_t a, b;

	if (!need(c, 8, what))
		return 0;
	a = get_u32(c, what);
	b = get_u32(c, what);
	return c->big ? a << 32 | b : b << 32 | a;
}

static const uint8_t *
get_bytes(struct cur *c, uint64_t n, const char *what)
{
	const uint8_t *p;

	if (!need(c, n, what))
		return NULL;
	p = c->p + c->pos;
	c->pos += (size_t)n;
	return p;
}

/* n octets ending with the only NUL. */
static const char *
get_string(struct cur *c, uint32_t n, const char *what)
{
	const uint8_t *p = get_bytes(c, n, what), *nul;

	if (!p)
		return NULL;
	if (!n || p[n - 1]) {
		bad(c, "%s not NUL-terminated", what);
		return NULL;
	}
	nul = memchr(p, 0, n - 1);
	if (nul) {
		bad(c, "%s has an embedded NUL at octet %zu", what,
		    (size_t)(nul - p));
		return NULL;
	}
	return (const char *)p;
}

/* " at octet 3", or nothing for a problem of the whole string. */
static const char *
at_octet(struct cur *c, size_t at)
{
	if (at == SIZE_MAX)
		return "";
	return talloc_asprintf(c->ctx, " at octet %zu", at);
}

static const char *
get_path(struct cur *c, uint32_t n, const char *what, bool special)
{
	const char *p = get_string(c, n, what), *why;
	size_t at;

	if (!p)
		return NULL;
	why = xss_path_invalid(p, n - 1, special, &at);
	if (why) {
		bad(c, "%s %s %s%s", what, xss_quote(c->ctx, p, n - 1), why,
		    at_octet(c, at));
		return NULL;
	}
	return p;
}

static bool
get_perms(struct cur *c, uint32_t n, const char *what, struct xss_perms *out)
{
	struct xss_perm *v;
	uint32_t i;

	out->num = 0;
	out->p = NULL;
	if (!need(c, (uint64_t)n * XSS_PERM_LEN, what))
		return false;
	v = talloc_array(c->ctx, struct xss_perm, n ? n : 1);
	if (!v) {
		c->err = ENOMEM;
		return false;
	}
	for (i = 0; i < n; i++) {
		v[i].domid = get_u32(c, what);
		v[i].access = get_u32(c, what);
		if (v[i].domid > XSS_MAX_PERM_DOMID) {
			bad(c, "%s[%u]: domain %u is over %u", what, i,
			    v[i].domid, XSS_MAX_PERM_DOMID);
			return false;
		}
		if (v[i].access & ~(XSS_PERM_READ | XSS_PERM_WRITE)) {
			bad(c, "%s[%u] (domain %u): access 0x%x has reserved "
			    "bits set", what, i, v[i].domid, v[i].access);
			return false;
		}
	}
	out->num = n;
	out->p = v;
	return true;
}

static bool
in_range(struct cur *c, uint32_t v, uint32_t lo, uint32_t hi,
	 const char *what)
{
	if (c->err)
		return false;
	if (v >= lo && v <= hi)
		return true;
	bad(c, "%s %u out of range %u..%u", what, v, lo, hi);
	return false;
}

static bool
zero(struct cur *c, uint32_t v, const char *what)
{
	if (c->err)
		return false;
	if (!v)
		return true;
	bad(c, "%s is 0x%08x, not 0", what, v);
	return false;
}

static bool
flags_known(struct cur *c, uint32_t flags, uint32_t known)
{
	if (c->err)
		return false;
	if (!(flags & ~known))
		return true;
	bad(c, "reserved flags 0x%08x set (flags 0x%08x)", flags & ~known,
	    flags);
	return false;
}

static bool
fd_ok(struct cur *c, int32_t fd, const char *what)
{
	if (c->err)
		return false;
	if (fd >= XSS_NO_FD)
		return true;
	bad(c, "%s %d is neither a descriptor nor -1", what, fd);
	return false;
}

/* Nothing may follow the fields. */
static int
cur_end(struct cur *c)
{
	if (c->err)
		return c->err;
	if (c->pos != c->len)
		return bad(c, "body too long: %zu octets after the fields end "
			   "at %zu", c->len - c->pos, c->pos);
	return 0;
}

/* --- record bodies (spec section 4) --------------------------------- */

static int
dec_end(struct cur *c, struct xss_end *e)
{
	e->crc = get_u32(c, "crc32c");
	zero(c, get_u32(c, "reserved"), "reserved field");
	return cur_end(c);
}

static int
dec_node(struct cur *c, struct xss_node *n)
{
	uint32_t path_len, nperms;

	n->gen = get_u64(c, "gen");
	path_len = get_u32(c, "path_len");
	nperms = get_u32(c, "perm_count");
	n->len = get_u32(c, "value_len");
	zero(c, get_u32(c, "reserved"), "reserved field");
	in_range(c, path_len, 2, PATH_FIELD, "path_len");
	in_range(c, nperms, 1, XSS_MAX_PERMS, "perm_count");
	in_range(c, n->len, 0, XSS_MAX_VALUE, "value_len");
	get_perms(c, nperms, "perms", &n->perms);
	n->path = get_path(c, path_len, "path", false);
	n->value = get_bytes(c, n->len, "value");
	return cur_end(c);
}

static int
dec_watch(struct cur *c, struct xss_watch *w)
{
	uint32_t path_len, token_len;

	w->depth = get_u32(c, "depth");
	w->flags = get_u32(c, "flags");
	path_len = get_u32(c, "path_len");
	token_len = get_u32(c, "token_len");
	flags_known(c, w->flags, XSS_WATCH_RELATIVE);
	if (!c->err && w->depth != XSS_WATCH_NO_DEPTH &&
	    w->depth > XSS_MAX_WATCH_DEPTH)
		return bad(c, "depth %u is over %u", w->depth,
			   XSS_MAX_WATCH_DEPTH);
	in_range(c, path_len, 2, PATH_FIELD, "path_len");
	in_range(c, token_len, 1, XSS_MAX_TOKEN + 1, "token_len");
	w->path = get_path(c, path_len, "path", true);
	w->token = get_string(c, token_len, "token");
	return cur_end(c);
}

static int
dec_txn(struct cur *c, struct xss_txn *t)
{
	t->tx_id = get_u32(c, "tx_id");
	zero(c, get_u32(c, "flags"), "flags");
	t->added = get_u32(c, "added");
	zero(c, get_u32(c, "reserved"), "reserved field");
	if (!c->err && !t->tx_id)
		return bad(c, "tx_id is 0");
	return cur_end(c);
}

/* Child names: NUL-terminated, back to back, each a valid name. */
static int
check_children(struct cur *c, const struct xss_txn_node *tn,
	       size_t path_len)
{
	const char *p = tn->children, *end = p + tn->children_len, *why;
	size_t at, len;

	if (tn->children_len && end[-1])
		return bad(c, "children not NUL-terminated");
	while (p < end) {
		len = strlen(p);
		why = xss_name_invalid(p, len, &at);
		if (why)
			return bad(c, "child name %s (octet %zu of the "
				   "children) %s%s", xss_quote(c->ctx, p, len),
				   (size_t)(p - tn->children), why,
				   at_octet(c, at));
		/* The child's path must be a valid length too. */
		if ((path_len == 1 ? 1 : path_len + 1) + len > XSS_MAX_PATH)
			return bad(c, "child name %s makes a path longer than "
				   "%d octets", xss_quote(c->ctx, p, len),
				   XSS_MAX_PATH);
		p += len + 1;
	}
	return 0;
}

static int
dec_txn_node(struct cur *c, struct xss_txn_node *tn)
{
	uint32_t path_len, nperms, f;
	bool exists;

	tn->tx_id = get_u32(c, "tx_id");
	tn->flags = f = get_u32(c, "flags");
	tn->base_gen = get_u64(c, "base_gen");
	tn->gen = get_u64(c, "gen");
	path_len = get_u32(c, "path_len");
	nperms = get_u32(c, "perm_count");
	tn->len = get_u32(c, "value_len");
	tn->children_len = get_u32(c, "children_len");
	flags_known(c, f, XSS_TNODE_FLAGS_KNOWN);
	in_range(c, path_len, 2, PATH_FIELD, "path_len");
	in_range(c, nperms, 0, XSS_MAX_PERMS, "perm_count");
	in_range(c, tn->len, 0, XSS_MAX_VALUE, "value_len");
	in_range(c, tn->children_len, 0, XSS_MAX_CHILDREN_LEN,
		 "children_len");
	if (c->err)
		return c->err;
	exists = f & XSS_TNODE_EXISTS;
	if (exists && !nperms)
		return bad(c, "perm_count 0 with EXISTS");
	if (!exists && nperms)
		return bad(c, "perm_count %u without EXISTS", nperms);
	if (!exists && tn->len)
		return bad(c, "value_len %u without EXISTS", tn->len);
	if (!exists && tn->gen)
		return bad(c, "gen %llu without EXISTS",
			   (unsigned long long)tn->gen);
	if ((f & XSS_TNODE_RECREATED) &&
	    (!exists || !(f & XSS_TNODE_CHANGED) || !tn->base_gen))
		return bad(c, "RECREATED without EXISTS, CHANGED and a "
			   "non-zero base_gen (flags 0x%x, base_gen %llu)", f,
			   (unsigned long long)tn->base_gen);
	if (!(f & XSS_TNODE_CHILDREN) && tn->children_len)
		return bad(c, "children_len %u without CHILDREN",
			   tn->children_len);
	get_perms(c, nperms, "perms", &tn->perms);
	tn->path = get_path(c, path_len, "path", false);
	tn->value = get_bytes(c, tn->len, "value");
	tn->children = (const char *)get_bytes(c, tn->children_len,
					       "children");
	if (!c->err && check_children(c, tn, path_len - 1))
		return c->err;
	return cur_end(c);
}

static int
dec_domain(struct cur *c, struct xss_domain *d)
{
	d->domid = get_u32(c, "domid");
	d->conn_id = get_u32(c, "conn_id");
	d->flags = get_u32(c, "flags");
	d->features = get_u32(c, "features");
	d->gfn = get_u64(c, "gfn");
	d->remote_port = get_u32(c, "remote_port");
	d->local_port = get_u32(c, "local_port");
	d->target = get_u32(c, "target");
	d->next_txid = get_u32(c, "next_txid");
	d->evtchn_fd = get_i32(c, "evtchn_fd");
	d->page_fd = get_i32(c, "page_fd");
	if (cur_end(c))
		return c->err;
	if (d->domid > XSS_MAX_DOMID)
		return bad(c, "domid %u out of range 0..0x7fef", d->domid);
	if (!flags_known(c, d->flags, XSS_DOM_FLAGS_KNOWN))
		return c->err;
	/* dom0 appears only for its ring connection (§4.7). */
	if (d->domid == 0 && (d->flags & XSS_DOM_DOM0_REQUIRED) !=
	    XSS_DOM_DOM0_REQUIRED)
		return bad(c, "domid 0 without INTRODUCED and CONNECTION");
	if (d->domid == 0 && d->target != XSS_NO_TARGET)
		return bad(c, "domid 0 with target %u", d->target);
	if ((d->flags & XSS_DOM_CONNECTION) &&
	    !(d->flags & (XSS_DOM_INTRODUCED | XSS_DOM_IMPORTED)))
		return bad(c, "CONNECTION without INTRODUCED or IMPORTED");
	if ((d->flags & XSS_DOM_IMPORTED) &&
	    (d->flags & (XSS_DOM_INTRODUCED | XSS_DOM_QUIESCED)))
		return bad(c, "IMPORTED with INTRODUCED or QUIESCED");
	if ((d->flags & XSS_DOM_QUIESCED) &&
	    !(d->flags & XSS_DOM_CONNECTION))
		return bad(c, "QUIESCED without CONNECTION");
	if ((d->flags & XSS_DOM_CONNECTION) && !d->conn_id)
		return bad(c, "CONNECTION with conn_id 0");
	if (!(d->flags & XSS_DOM_CONNECTION) && d->conn_id)
		return bad(c, "conn_id %u without CONNECTION", d->conn_id);
	if (d->target != XSS_NO_TARGET && d->target > XSS_MAX_DOMID)
		return bad(c, "target %u is neither a domid nor 0xffffffff",
			   d->target);
	fd_ok(c, d->evtchn_fd, "evtchn_fd");
	fd_ok(c, d->page_fd, "page_fd");
	return c->err;
}

static int
dec_socket(struct cur *c, struct xss_socket *s)
{
	s->conn_id = get_u32(c, "conn_id");
	s->fd = get_i32(c, "fd");
	s->flags = get_u32(c, "flags");
	s->next_txid = get_u32(c, "next_txid");
	if (cur_end(c))
		return c->err;
	if (!s->conn_id)
		return bad(c, "conn_id is 0");
	fd_ok(c, s->fd, "fd");
	flags_known(c, s->flags, XSS_SOCK_FLAGS_KNOWN);
	return c->err;
}

static int
dec_global(struct cur *c, struct xss_global *g)
{
	g->generation = get_u64(c, "generation");
	g->next_conn_id = get_u32(c, "next_conn_id");
	g->socket_fd = get_i32(c, "socket_fd");
	g->backend = get_u32(c, "backend");
	g->backend_fd = get_i32(c, "backend_fd");
	zero(c, get_u32(c, "flags"), "flags");
	zero(c, get_u32(c, "reserved"), "reserved field");
	if (cur_end(c))
		return c->err;
	if (g->backend > XSS_BACKEND_XEN)
		return bad(c, "unknown backend %u", g->backend);
	fd_ok(c, g->socket_fd, "socket_fd");
	fd_ok(c, g->backend_fd, "backend_fd");
	return c->err;
}

static int
dec_quota(struct cur *c, struct xss_quota *q)
{
	struct xss_quota_entry *e;
	uint32_t i, j;

	q->domid = get_u32(c, "domid");
	q->num = get_u32(c, "count");
	if (!in_range(c, q->num, 0, XSS_MAX_QUOTAS, "count") ||
	    !need(c, (uint64_t)q->num * XSS_QUOTA_ENTRY, "entries"))
		return c->err;
	e = talloc_array(c->ctx, struct xss_quota_entry, q->num ? q->num : 1);
	if (!e)
		return c->err = ENOMEM;
	for (i = 0; i < q->num; i++) {
		e[i].id = get_u32(c, "id");
		e[i].hard = get_u32(c, "hard");
		e[i].soft = get_u32(c, "soft");
		/* Unknown ids are kept, but no id twice. */
		for (j = 0; j < i; j++)
			if (e[j].id == e[i].id)
				return bad(c, "quota id %u in entries %u "
					   "and %u", e[i].id, j, i);
	}
	q->e = e;
	if (cur_end(c))
		return c->err;
	if (q->domid != XSS_NO_DOMID &&
	    (q->domid < 1 || q->domid > XSS_MAX_DOMID))
		return bad(c, "domid %u is neither 1..0x7fef nor 0xffffffff",
			   q->domid);
	return 0;
}

static int
dec_special(struct cur *c, struct xss_special *s)
{
	uint32_t path_len = get_u32(c, "path_len");
	uint32_t nperms = get_u32(c, "perm_count");

	in_range(c, path_len, 3, PATH_FIELD, "path_len");
	in_range(c, nperms, 1, XSS_MAX_PERMS, "perm_count");
	get_perms(c, nperms, "perms", &s->perms);
	s->path = get_path(c, path_len, "path", true);
	if (s->path && s->path[0] != '@')
		return bad(c, "path %s is not a special path",
			   xss_quote(c->ctx, s->path, path_len - 1));
	return cur_end(c);
}

/* The removed nodes of a REMOVAL event (after the rest of the body). */
static int
dec_removed(struct cur *c, struct xss_txn_event *te, uint32_t n)
{
	size_t root_len = strlen(te->path);
	const char *event = xss_quote(c->ctx, te->path, root_len), *path;
	struct xss_removed *rm;
	struct xss_set *seen;
	bool root = false;
	uint32_t i, first;

	/* Each entry has at least its fixed part, a path and one perm. */
	if (!need(c, (uint64_t)n * (XSS_REMOVED_FIXED + XSS_PERM_LEN + 2),
		  "removed"))
		return c->err;
	rm = talloc_zero_array(c->ctx, struct xss_removed, n);
	seen = xss_set_new(c->ctx);
	if (!rm || !seen)
		return c->err = ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t path_len = get_u32(c, "removed path_len");
		uint32_t nperms = get_u32(c, "removed perm_count");
		size_t len;
		int ret;

		if (!in_range(c, path_len, 2, PATH_FIELD, "removed path_len") ||
		    !in_range(c, nperms, 1, XSS_MAX_PERMS,
			      "removed perm_count") ||
		    !get_perms(c, nperms, "removed perms", &rm[i].perms))
			return c->err;
		rm[i].path = get_path(c, path_len, "removed path", false);
		if (!rm[i].path)
			return c->err;
		len = path_len - 1;
		path = rm[i].path;
		if (len == root_len && !memcmp(path, te->path, len))
			root = true;
		else if (!xss_path_below(path, len, te->path, root_len))
			return bad(c, "removed node %s not below the event's "
				   "path %s", xss_quote(c->ctx, path, len),
				   event);
		ret = xss_set_add(seen, path, len, i, &first);
		if (ret == EEXIST)
			return bad(c, "removed node %s listed twice (entries "
				   "%u and %u)", xss_quote(c->ctx, path, len),
				   first, i);
		if (ret)
			return c->err = ret;
	}
	if (!root)
		return bad(c, "removed nodes do not include the event's "
			   "path %s", event);
	te->nremoved = n;
	te->removed = rm;
	return 0;
}

static int
dec_txn_event(struct cur *c, struct xss_txn_event *te)
{
	uint32_t path_len, nbefore, nafter, nremoved;

	te->tx_id = get_u32(c, "tx_id");
	te->flags = get_u32(c, "flags");
	path_len = get_u32(c, "path_len");
	nbefore = get_u32(c, "before_count");
	nafter = get_u32(c, "after_count");
	nremoved = get_u32(c, "removed_count");
	flags_known(c, te->flags, XSS_TEVENT_REMOVAL);
	in_range(c, path_len, 2, PATH_FIELD, "path_len");
	in_range(c, nbefore, 0, XSS_MAX_PERMS, "before_count");
	in_range(c, nafter, 0, XSS_MAX_PERMS, "after_count");
	if (c->err)
		return c->err;
	if (!(te->flags & XSS_TEVENT_REMOVAL) && nremoved)
		return bad(c, "removed_count %u without REMOVAL", nremoved);
	if (te->flags & XSS_TEVENT_REMOVAL &&
	    !in_range(c, nremoved, 1, XSS_MAX_REMOVED, "removed_count"))
		return c->err;
	get_perms(c, nbefore, "before", &te->before);
	get_perms(c, nafter, "after", &te->after);
	te->path = get_path(c, path_len, "path", false);
	if (!c->err && nremoved && dec_removed(c, te, nremoved))
		return c->err;
	return cur_end(c);
}

static int
dec_buffer(struct cur *c, struct xss_buffer *b)
{
	b->len = (uint32_t)c->len;
	b->data = get_bytes(c, c->len, "data");
	return cur_end(c);
}

static int
dec_partial(struct cur *c, struct xss_buffer *b)
{
	if (!c->len)
		return bad(c, "empty: a PARTIAL_OUTPUT holds at least one "
			   "octet");
	return dec_buffer(c, b);
}

/* argc strings, back to back, each NUL-terminated, filling argv. */
static int
check_argv(struct cur *c, const struct xss_live_update *lu)
{
	const char *p = lu->argv, *end = p + lu->argv_len;
	uint32_t n = 0;

	if (lu->argv_len && end[-1])
		return bad(c, "argv not NUL-terminated");
	for (; p < end; p += strlen(p) + 1)
		n++;
	if (n != lu->argc)
		return bad(c, "argv holds %u strings, argc says %u", n,
			   lu->argc);
	return 0;
}

static int
dec_live_update(struct cur *c, struct xss_live_update *lu)
{
	lu->conn_id = get_u32(c, "conn_id");
	lu->req_id = get_u32(c, "req_id");
	lu->tx_id = get_u32(c, "tx_id");
	lu->rollback_fd = get_i32(c, "rollback_fd");
	lu->argc = get_u32(c, "argc");
	lu->argv_len = get_u32(c, "argv_len");
	fd_ok(c, lu->rollback_fd, "rollback_fd");
	in_range(c, lu->argc, 0, XSS_MAX_ARGC, "argc");
	in_range(c, lu->argv_len, 0, XSS_MAX_ARGV, "argv_len");
	lu->argv = (const char *)get_bytes(c, lu->argv_len, "argv");
	if (!c->err && !lu->argc != !lu->argv_len)
		return bad(c, "argc %u with %u octets of argv", lu->argc,
			   lu->argv_len);
	if (!c->err && check_argv(c, lu))
		return c->err;
	return cur_end(c);
}

static int
dec_store_fd(struct cur *c, struct xss_store_fd *sf)
{
	struct xss_owner *v;
	uint32_t i;

	sf->fd = get_i32(c, "fd");
	sf->format = get_u32(c, "format");
	sf->nodes = get_u32(c, "nodes");
	sf->nowners = get_u32(c, "owner_count");
	if (!c->err && sf->fd < 0)
		return bad(c, "fd %d is not a descriptor", sf->fd);
	in_range(c, sf->nowners, 0, XSS_MAX_OWNERS, "owner_count");
	if (!need(c, (uint64_t)sf->nowners * XSS_OWNER_LEN, "owners"))
		return c->err;
	v = talloc_array(c->ctx, struct xss_owner, sf->nowners + 1);
	if (!v) {
		c->err = ENOMEM;
		return c->err;
	}
	for (i = 0; i < sf->nowners; i++) {
		v[i].domid = get_u32(c, "owner domid");
		v[i].nodes = get_u32(c, "owner nodes");
		v[i].bytes = get_u64(c, "owner bytes");
		if (!c->err && v[i].domid > XSS_MAX_DOMID)
			return bad(c, "owners[%u]: domid %u above %u", i,
				   v[i].domid, XSS_MAX_DOMID);
	}
	sf->owners = v;
	return cur_end(c);
}

static int
decode(struct cur *c, struct xss_record *rec)
{
	switch (rec->type) {
	case XSS_REC_END:
		return dec_end(c, &rec->u.end);
	case XSS_REC_NODE_DATA:
		return dec_node(c, &rec->u.node);
	case XSS_REC_WATCH_DATA:
		return dec_watch(c, &rec->u.watch);
	case XSS_REC_TRANSACTION_DATA:
		return dec_txn(c, &rec->u.txn);
	case XSS_REC_TRANSACTION_NODE_DATA:
		return dec_txn_node(c, &rec->u.txn_node);
	case XSS_REC_GUEST_RING_DATA:
	case XSS_REC_CONN_INPUT:
		return dec_buffer(c, &rec->u.buffer);
	case XSS_REC_DOMAIN_START:
		return dec_domain(c, &rec->u.domain);
	case XSS_REC_SOCKET_START:
		return dec_socket(c, &rec->u.socket);
	case XSS_REC_GLOBAL_DATA:
		return dec_global(c, &rec->u.global);
	case XSS_REC_QUOTA_DATA:
		return dec_quota(c, &rec->u.quota);
	case XSS_REC_SPECIAL_PERMS:
		return dec_special(c, &rec->u.special);
	case XSS_REC_TRANSACTION_EVENT:
		return dec_txn_event(c, &rec->u.txn_event);
	case XSS_REC_PARTIAL_OUTPUT:
		return dec_partial(c, &rec->u.buffer);
	case XSS_REC_LIVE_UPDATE:
		return dec_live_update(c, &rec->u.lu);
	case XSS_REC_STORE_FD:
		return dec_store_fd(c, &rec->u.store);
	default:
		return bad(c, "no decoder for type 0x%08x", rec->type);
	}
}

uint32_t
xss_body_max(uint32_t type)
{
	return type < XSS_REC_TYPE_COUNT ? body_max[type] : XSS_MAX_RECORD;
}

int
xss_decode_body(TALLOC_CTX *ctx, const uint8_t *body, bool big,
		struct xss_record *rec, char **why)
{
	struct cur c = {
		.p = body,
		.len = rec->len,
		.big = big,
		.ctx = ctx,
	};
	int ret = decode(&c, rec);

	*why = c.why;
	return ret;
}
