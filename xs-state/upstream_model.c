// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * upstream_model.c - the way back to upstream's xenstored: one of our
 * xs-state images (LIVE_UPDATE or DUMP) read into the model of
 * include/xs_state_upstream.h, which upstream_c_write.c writes in C
 * xenstored's format.
 *
 * The image is read with the library's reader, so it is checked as
 * completely as the daemon's restore checks it.  What the model has no
 * place for is listed, one line each, in st->dropped: open transactions,
 * quotas, features, domains without a connection, rings in error, watch
 * depths, shutdowns already reported, unprivileged sockets, unknown
 * special paths.  Node generations and the GLOBAL_DATA counters go
 * silently: upstream numbers its nodes and connections afresh.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "xs_state_upstream.h"
#include "xss_private.h"

#define DOM_INTRO "@introduceDomain"
#define DOM_RELEASE "@releaseDomain"

struct from {
	struct xsu_state *st;
	TALLOC_CTX *tmp;		/* messages, scratch */
	char *dropped;			/* on st */
	unsigned int cnodes, cconns, cwatches;
	bool big;			/* byte order of the image */
	bool have_global;
	/* The group started last. */
	bool in_group;
	bool has_conn;			/* st->conns[nconns - 1] is its */
	char *who;			/* "domain 5", "socket connection 3" */
	uint32_t home_domid;		/* of its RELATIVE watches */
	/* Its transaction started last, until it is listed. */
	bool in_txn;
	uint32_t tx_id, tx_nodes, tx_events;
	const struct xss_record *rec;	/* being handled, for messages */
	char *err;			/* on the caller's context */
	TALLOC_CTX *err_ctx;
};

static int XSS_PRINTF(3, 4)
refuse(struct from *f, int err, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = talloc_vasprintf(f->err_ctx, fmt, ap);
	va_end(ap);
	if (msg && f->rec) {
		char *inner = msg;

		msg = talloc_asprintf(f->err_ctx, "record #%u (%s) at offset "
				      "0x%llx: %s", f->rec->index,
				      xss_type_name(f->rec->type),
				      (unsigned long long)f->rec->offset, inner);
		talloc_free(inner);
	}
	f->err = msg ? msg : talloc_strdup(f->err_ctx, "out of memory");
	return err;
}

static int
nomem(struct from *f)
{
	f->rec = NULL;
	return refuse(f, ENOMEM, "out of memory");
}

/* One line for st->dropped. */
static int XSS_PRINTF(2, 3)
drop(struct from *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	f->dropped = talloc_vasprintf_append_buffer(f->dropped, fmt, ap);
	va_end(ap);
	if (f->dropped)
		f->dropped = talloc_strdup_append_buffer(f->dropped, "\n");
	return f->dropped ? 0 : nomem(f);
}

static int
copy_perms(struct from *f, struct xss_perms *to, const struct xss_perms *p)
{
	struct xss_perm *a;

	to->num = p->num;
	to->p = NULL;
	if (!p->num)
		return 0;
	a = talloc_memdup(f->st, p->p, p->num * sizeof(p->p[0]));
	if (!a)
		return nomem(f);
	to->p = a;
	return 0;
}


/* "nodes 1000, watches 128 (soft 100)"; 0 is "no limit". */
static char *
fmt_quota(TALLOC_CTX *ctx, const struct xss_quota *q)
{
	char *s = talloc_strdup(ctx, "");
	uint32_t i;

	for (i = 0; s && i < q->num; i++) {
		const struct xss_quota_entry *e = &q->e[i];
		const char *name = xss_quota_name(e->id);

		if (i)
			s = talloc_strdup_append_buffer(s, ", ");
		if (s && name)
			s = talloc_asprintf_append_buffer(s, "%s ", name);
		else if (s)
			s = talloc_asprintf_append_buffer(s, "quota %u ",
							  e->id);
		if (s && e->hard)
			s = talloc_asprintf_append_buffer(s, "%u", e->hard);
		else if (s)
			s = talloc_strdup_append_buffer(s, "unlimited");
		if (s && e->soft)
			s = talloc_asprintf_append_buffer(s, " (soft %u)",
							  e->soft);
	}
	return s;
}

/* The transaction started last, listed when its records are over. */
static int
end_txn(struct from *f)
{
	if (!f->in_txn)
		return 0;
	f->in_txn = false;
	if (f->tx_events)
		return drop(f, "%s: transaction %u open (%u node%s touched, "
			    "%u watch event%s pending)", f->who, f->tx_id,
			    f->tx_nodes, f->tx_nodes == 1 ? "" : "s",
			    f->tx_events, f->tx_events == 1 ? "" : "s");
	return drop(f, "%s: transaction %u open (%u node%s touched)", f->who,
		    f->tx_id, f->tx_nodes, f->tx_nodes == 1 ? "" : "s");
}

static struct xsu_conn *
cur_conn(struct from *f)
{
	return f->has_conn ? &f->st->conns[f->st->nconns - 1] : NULL;
}

static struct xsu_conn *
new_conn(struct from *f, uint32_t image_conn_id)
{
	struct xsu_state *st = f->st;
	struct xsu_conn *c;

	if (st->nconns == f->cconns) {
		unsigned int n = f->cconns ? 2 * f->cconns : 16;

		c = talloc_realloc(st, st->conns, struct xsu_conn, n);
		if (!c)
			return NULL;
		st->conns = c;
		f->cconns = n;
	}
	c = &st->conns[st->nconns++];
	memset(c, 0, sizeof(*c));
	c->id = st->nconns;
	c->image_conn_id = image_conn_id;
	c->target = XSS_NO_TARGET;
	c->fd = -1;
	f->has_conn = true;
	f->cwatches = 0;
	return c;
}

static int
on_global(struct from *f, const struct xss_global *g)
{
	static const char *const names[] = { "none", "sim", "xen" };

	if (g->backend != XSS_BACKEND_XEN)
		return refuse(f, EOPNOTSUPP, "the image's backend is %s, not "
			      "xen: upstream xenstored runs only on Xen",
			      g->backend < 3 ? names[g->backend] : "unknown");
	f->st->socket_fd = g->socket_fd;
	f->st->evtchn_fd = g->backend_fd;
	f->have_global = true;
	return 0;
}

static int
on_quota(struct from *f, const struct xss_quota *q)
{
	char *s;

	if (!q->num)
		return 0;
	s = fmt_quota(f->tmp, q);
	if (!s)
		return nomem(f);
	if (q->domid == XSS_NO_DOMID)
		return drop(f, "default quotas: %s (upstream uses its own "
			    "command line's)", s);
	return drop(f, "domain %u: quotas %s", q->domid, s);
}

static int
on_special(struct from *f, const struct xss_special *s)
{
	if (!strcmp(s->path, DOM_INTRO))
		return copy_perms(f, &f->st->introduce_perms, &s->perms);
	if (!strcmp(s->path, DOM_RELEASE))
		return copy_perms(f, &f->st->release_perms, &s->perms);
	return drop(f, "special path %s: permissions not kept (upstream "
		    "has only " DOM_INTRO " and " DOM_RELEASE ")",
		    xss_quote(f->tmp, s->path, strlen(s->path)));
}

static int
on_node(struct from *f, const struct xss_node *n)
{
	struct xsu_state *st = f->st;
	struct xsu_node *x;

	if (st->nnodes == f->cnodes) {
		unsigned int c = f->cnodes ? 2 * f->cnodes : 64;

		x = talloc_realloc(st, st->nodes, struct xsu_node, c);
		if (!x)
			return nomem(f);
		st->nodes = x;
		f->cnodes = c;
	}
	x = &st->nodes[st->nnodes];
	memset(x, 0, sizeof(*x));
	x->path = talloc_strdup(st, n->path);
	x->len = n->len;
	if (n->len)
		x->value = talloc_memdup(st, n->value, n->len);
	if (!x->path || (n->len && !x->value))
		return nomem(f);
	if (copy_perms(f, &x->perms, &n->perms))
		return ENOMEM;
	st->nnodes++;
	return 0;
}

static int
start_group(struct from *f, const char *fmt, uint32_t id)
{
	f->in_group = true;
	f->has_conn = false;
	f->who = talloc_asprintf(f->tmp, fmt, id);
	return f->who ? 0 : nomem(f);
}

static int
on_domain(struct from *f, const struct xss_domain *d)
{
	struct xsu_conn *c;

	if (start_group(f, "domain %u", d->domid))
		return ENOMEM;
	f->home_domid = d->domid;
	if (d->flags & XSS_DOM_IMPORTED)
		return refuse(f, EOPNOTSUPP, "%s: imported by migrate-import, "
			      "its INTRODUCE to come: upstream has no such "
			      "state (introduce or release it first)", f->who);
	if (d->flags & XSS_DOM_QUIESCED)
		return refuse(f, EOPNOTSUPP, "%s: quiesced by migrate-export: "
			      "upstream would serve its ring (resume or "
			      "release it first)", f->who);
	if (d->flags & XSS_DOM_FEATURES_SET &&
	    drop(f, "%s: features 0x%x set by SET_FEATURE (upstream has "
		 "none)", f->who, d->features))
		return ENOMEM;
	if (!(d->flags & XSS_DOM_CONNECTION))
		return drop(f, "%s: known without a connection (%s)", f->who,
			    d->flags & XSS_DOM_INTRODUCED ? "introduced"
							  : "not introduced");
	if (d->flags & XSS_DOM_IGNORED &&
	    drop(f, "%s: its ring is in error and ignored; upstream serves "
		 "it again", f->who))
		return ENOMEM;
	if (d->flags & XSS_DOM_SHUTDOWN_REPORTED &&
	    drop(f, "%s: its shutdown was reported on " DOM_RELEASE "; "
		 "upstream may report it again", f->who))
		return ENOMEM;
	c = new_conn(f, d->conn_id);
	if (!c)
		return nomem(f);
	c->ring = true;
	c->domid = d->domid;
	c->target = d->target;
	c->local_port = d->local_port;
	c->remote_port = d->remote_port;
	return 0;
}

static int
on_socket(struct from *f, const struct xss_socket *s)
{
	struct xsu_conn *c;

	if (start_group(f, "socket connection %u", s->conn_id))
		return ENOMEM;
	f->home_domid = 0;
	if (!(s->flags & XSS_SOCK_PRIVILEGED) &&
	    drop(f, "%s: not privileged; upstream treats every socket "
		 "connection as privileged", f->who))
		return ENOMEM;
	c = new_conn(f, s->conn_id);
	if (!c)
		return nomem(f);
	c->fd = s->fd;
	return 0;
}

static int
on_watch(struct from *f, const struct xss_watch *w)
{
	struct xsu_conn *c = cur_conn(f);
	struct xsu_watch *x;
	const char *path = w->path;

	if (!c)
		return refuse(f, EBADMSG, "a watch outside a connection");
	if (w->depth != XSS_WATCH_NO_DEPTH &&
	    drop(f, "%s: watch %s token %s: depth %u not kept (upstream "
		 "watches have no depth)", f->who,
		 xss_quote(f->tmp, w->path, strlen(w->path)),
		 xss_quote(f->tmp, w->token, strlen(w->token)), w->depth))
		return ENOMEM;
	if (w->flags & XSS_WATCH_RELATIVE) {
		char home[XSS_HOME_MAX];
		size_t home_len = xss_home(home, f->home_domid);

		/* The reader made sure it lies strictly below the home. */
		if (!xss_path_below(w->path, strlen(w->path), home, home_len))
			return refuse(f, EBADMSG, "RELATIVE watch %s not "
				      "below %s",
				      xss_quote(f->tmp, w->path,
						strlen(w->path)), home);
		path += home_len + 1;
	}
	if (c->nwatches == f->cwatches) {
		unsigned int n = f->cwatches ? 2 * f->cwatches : 8;

		x = talloc_realloc(f->st, c->watches, struct xsu_watch, n);
		if (!x)
			return nomem(f);
		c->watches = x;
		f->cwatches = n;
	}
	x = &c->watches[c->nwatches];
	x->path = talloc_strdup(f->st, path);
	x->token = talloc_strdup(f->st, w->token);
	x->relative = w->flags & XSS_WATCH_RELATIVE;
	if (!x->path || !x->token)
		return nomem(f);
	c->nwatches++;
	return 0;
}

/* CONN_INPUT, PARTIAL_OUTPUT, GUEST_RING_DATA: wire octets. */
static int
on_buffer(struct from *f, const struct xss_buffer *b, const uint8_t **to,
	  uint32_t *to_len)
{
	struct xsu_conn *c = cur_conn(f);
	uint8_t *p;

	if (!c)
		return refuse(f, EBADMSG, "pending data outside a connection");
	if (f->big != XSS_HOST_BIG)
		return refuse(f, EOPNOTSUPP, "%s: pending data in %s-endian "
			      "byte order, this host is %s-endian (upstream "
			      "reads them in its own)", f->who,
			      f->big ? "big" : "little",
			      f->big ? "little" : "big");
	p = b->len ? talloc_memdup(f->st, b->data, b->len)
		   : talloc_size(f->st, 1);
	if (!p)
		return nomem(f);
	*to = p;
	*to_len = b->len;
	return 0;
}

static int
on_record(struct from *f, const struct xss_record *rec)
{
	struct xsu_conn *c = cur_conn(f);

	if (rec->type != XSS_REC_TRANSACTION_NODE_DATA &&
	    rec->type != XSS_REC_TRANSACTION_EVENT && end_txn(f))
		return ENOMEM;
	if (rec->type != XSS_REC_GLOBAL_DATA && !f->have_global)
		return refuse(f, EBADMSG, "no GLOBAL_DATA before it");

	switch (rec->type) {
	case XSS_REC_GLOBAL_DATA:
		return on_global(f, &rec->u.global);
	case XSS_REC_QUOTA_DATA:
		return on_quota(f, &rec->u.quota);
	case XSS_REC_SPECIAL_PERMS:
		return on_special(f, &rec->u.special);
	case XSS_REC_NODE_DATA:
		return on_node(f, &rec->u.node);
	case XSS_REC_STORE_FD:
		return refuse(f, EOPNOTSUPP, "the nodes are in the store file "
			      "handed over as fd %d, not in the image; write "
			      "the image with NODE_DATA records",
			      rec->u.store.fd);
	case XSS_REC_DOMAIN_START:
		return on_domain(f, &rec->u.domain);
	case XSS_REC_SOCKET_START:
		return on_socket(f, &rec->u.socket);
	case XSS_REC_WATCH_DATA:
		return on_watch(f, &rec->u.watch);
	case XSS_REC_TRANSACTION_DATA:
		f->in_txn = true;
		f->tx_id = rec->u.txn.tx_id;
		f->tx_nodes = 0;
		f->tx_events = 0;
		return 0;
	case XSS_REC_TRANSACTION_NODE_DATA:
		f->tx_nodes++;
		return 0;
	case XSS_REC_TRANSACTION_EVENT:
		f->tx_events++;
		return 0;
	case XSS_REC_CONN_INPUT:
		return on_buffer(f, &rec->u.buffer, c ? &c->in : NULL,
				 c ? &c->in_len : NULL);
	case XSS_REC_PARTIAL_OUTPUT:
		return on_buffer(f, &rec->u.buffer, c ? &c->partial : NULL,
				 c ? &c->partial_len : NULL);
	case XSS_REC_GUEST_RING_DATA:
		return on_buffer(f, &rec->u.buffer, c ? &c->out : NULL,
				 c ? &c->out_len : NULL);
	case XSS_REC_LIVE_UPDATE:
		/* The caller answers the request (xsu_add_lu_ok). */
		return 0;
	default:
		return refuse(f, EBADMSG, "unexpected record");
	}
}

static int
read_image(struct from *f, const uint8_t *img, size_t len)
{
	struct xss_source *src = xss_source_memory(f->tmp, img, len);
	struct xss_reader *r = src ? xss_reader_new(f->tmp, src) : NULL;
	struct xss_header h;
	struct xss_record rec;
	int ret;

	if (!r)
		return nomem(f);
	if (xss_read_header(r, &h))
		return refuse(f, EBADMSG, "%s", xss_reader_error(r));
	if (h.kind != XSS_KIND_LIVE_UPDATE && h.kind != XSS_KIND_DUMP)
		return refuse(f, EOPNOTSUPP, "a %s image holds one domain, "
			      "not a daemon's state: only LIVE_UPDATE and "
			      "DUMP images can go to upstream",
			      xss_kind_name(h.kind));
	f->big = h.big_endian;
	while ((ret = xss_read_next(r, &rec)) == 1) {
		f->rec = &rec;
		ret = on_record(f, &rec);
		f->rec = NULL;
		if (ret)
			return ret;
	}
	if (ret < 0) {
		const char *why = xss_reader_error(r);

		return refuse(f, strcmp(why, "out of memory") ? EBADMSG
							      : ENOMEM,
			      "%s", why);
	}
	if (end_txn(f))
		return ENOMEM;
	if (!f->have_global)
		return refuse(f, EBADMSG, "the image has no GLOBAL_DATA");
	return 0;
}

int
xsu_from_image(TALLOC_CTX *ctx, const uint8_t *img, size_t len,
	       struct xsu_state **stp, char **err)
{
	struct from f = { .err_ctx = ctx };
	int ret;

	*stp = NULL;
	if (err)
		*err = NULL;
	f.st = talloc_zero(ctx, struct xsu_state);
	f.tmp = talloc_new(ctx);
	f.dropped = f.st ? talloc_strdup(f.st, "") : NULL;
	if (!f.st || !f.tmp || !f.dropped) {
		ret = nomem(&f);
	} else {
		f.st->socket_fd = -1;
		f.st->evtchn_fd = -1;
		ret = read_image(&f, img, len);
	}
	talloc_free(f.tmp);
	if (ret) {
		talloc_free(f.st);
		if (err)
			*err = f.err;
		else
			talloc_free(f.err);
		return ret;
	}
	f.st->dropped = f.dropped;
	*stp = f.st;
	return 0;
}
