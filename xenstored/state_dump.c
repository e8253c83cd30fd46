// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state_dump.c - the walker: the daemon's whole state as a stream of
 * records, through the xs-state library (which alone knows the bytes).
 *
 * Order (docs/xs-state-format.md §5): GLOBAL_DATA, the default quotas,
 * the special nodes' permissions, every node parents first, then one
 * group per domain (sorted by domid) and per socket connection (oldest
 * first): its start record, watches, transactions with their nodes and
 * queued events, unhandled input, unsent output.  END.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <talloc.h>

#include "xs_state.h"

#include "backend.h"
#include "conn.h"
#include "domain.h"
#include "files.h"
#include "hash.h"
#include "node.h"
#include "quota.h"
#include "state.h"
#include "store.h"
#include "txn.h"
#include "watch.h"
#include "xsd.h"

/* The daemon's quota kinds by their image ids. */
static const uint32_t quota_ids[Q_N] = {
	[Q_NODES] = XSS_QUOTA_NODES,
	[Q_WATCHES] = XSS_QUOTA_WATCHES,
	[Q_OUTSTANDING] = XSS_QUOTA_OUTSTANDING,
	[Q_MEMORY] = XSS_QUOTA_MEMORY,
	[Q_TRANSACTIONS] = XSS_QUOTA_TRANSACTIONS,
	[Q_TRANSACTION_NODES] = XSS_QUOTA_TRANSACTION_NODES,
	[Q_NODE_PERMS] = XSS_QUOTA_PERMISSIONS,
	[Q_PATH_MAX] = XSS_QUOTA_PATH_MAX,
	[Q_NODE_SIZE] = XSS_QUOTA_NODE_SIZE,
};

uint32_t
state_quota_id(unsigned int kind)
{
	return kind < Q_N ? quota_ids[kind] : 0;
}

struct walk {
	struct xsd *xsd;
	struct xss_writer *w;
	TALLOC_CTX *tmp;
	const struct conn *exclude;	/* left out of the image */
};

/* struct perm and struct xss_perm are alike, but only by chance. */
static struct xss_perms
perms_out(TALLOC_CTX *mem_ctx, const struct perm *p, unsigned int n)
{
	struct xss_perm *v = talloc_array(mem_ctx, struct xss_perm,
					  n ? n : 1);
	struct xss_perms out = { 0, v };
	unsigned int i;

	if (!v)
		return out;	/* num 0: the writer reports nothing wrong,
				 * the caller checks v */
	for (i = 0; i < n; i++) {
		v[i].domid = p[i].id;
		v[i].access = p[i].access;
	}
	out.num = n;
	return out;
}

static int
write_quota(struct walk *wk, uint32_t domid, const struct quota_set *q)
{
	struct xss_quota_entry e[Q_N];
	struct xss_quota rec = { domid, Q_N, e };
	unsigned int i;

	for (i = 0; i < Q_N; i++) {
		e[i].id = quota_ids[i];
		e[i].hard = q->hard[i];
		e[i].soft = q->soft[i];
	}
	return xss_write_quota(wk->w, &rec);
}

/* Most nodes have a few permission entries: no allocation for those. */
#define FEW_PERMS 8

static int
write_node(const struct node *n, void *arg)
{
	struct walk *wk = arg;
	struct xss_perm few[FEW_PERMS];
	struct xss_node rec = {
		.path = n->path,
		.gen = n->gen,
		.value = n->value,
		.len = n->len,
	};
	unsigned int i;
	int ret;

	if (n->nperms > FEW_PERMS) {
		rec.perms = perms_out(wk->tmp, n->perms, n->nperms);
		if (!rec.perms.p)
			return ENOMEM;
	} else {
		for (i = 0; i < n->nperms; i++) {
			few[i].domid = n->perms[i].id;
			few[i].access = n->perms[i].access;
		}
		rec.perms = (struct xss_perms){ n->nperms, few };
	}
	ret = xss_write_node(wk->w, &rec);
	if (rec.perms.p != few)
		talloc_free((void *)rec.perms.p);
	return ret;
}

static int
write_watch(const struct watch *wa, void *arg)
{
	struct walk *wk = arg;
	struct xss_watch rec = {
		.path = wa->path,
		.token = wa->token,
		.depth = wa->depth == WATCH_NO_DEPTH ? XSS_WATCH_NO_DEPTH
						     : (uint32_t)wa->depth,
		.flags = wa->rel_off ? XSS_WATCH_RELATIVE : 0,
	};

	return xss_write_watch(wk->w, &rec);
}

struct txn_walk {
	struct walk *wk;
	uint32_t tx_id;
};

static int
write_txn_node(const struct txn_entry *e, void *arg)
{
	struct txn_walk *tw = arg;
	struct walk *wk = tw->wk;
	TALLOC_CTX *tmp = talloc_new(wk->tmp);
	struct xss_txn_node rec = {
		.tx_id = tw->tx_id,
		.base_gen = e->base_gen,
		.path = e->path,
	};
	size_t len = 0, l;
	unsigned int i;
	char *kids;
	int ret;

	if (!tmp)
		return ENOMEM;
	if (e->node) {
		rec.flags |= XSS_TNODE_EXISTS;
		rec.gen = e->node->gen;
		rec.perms = perms_out(tmp, e->node->perms, e->node->nperms);
		rec.value = e->node->value;
		rec.len = e->node->len;
	}
	if (e->changed)
		rec.flags |= XSS_TNODE_CHANGED;
	if (e->recreated)
		rec.flags |= XSS_TNODE_RECREATED;
	if (e->children_loaded) {
		rec.flags |= XSS_TNODE_CHILDREN;
		for (i = 0; i < e->nchildren; i++)
			len += strlen(e->children[i]) + 1;
		kids = talloc_size(tmp, len + 1);
		if (!kids) {
			talloc_free(tmp);
			return ENOMEM;
		}
		for (i = 0, len = 0; i < e->nchildren; i++) {
			l = strlen(e->children[i]) + 1;
			memcpy(kids + len, e->children[i], l);
			len += l;
		}
		rec.children = kids;
		rec.children_len = (uint32_t)len;
	}
	ret = xss_write_txn_node(wk->w, &rec);
	talloc_free(tmp);
	return ret;
}

struct removed_walk {
	TALLOC_CTX *mem_ctx;
	struct xss_removed *v;
	uint32_t num;
};

static int
collect_removed(const char *key, void *val, void *arg)
{
	struct removed_walk *rw = arg;
	const struct node *n = val;

	rw->v[rw->num].path = key;
	rw->v[rw->num].perms = perms_out(rw->mem_ctx, n->perms, n->nperms);
	if (!rw->v[rw->num].perms.p)
		return ENOMEM;
	rw->num++;
	return 0;
}

static int
write_txn_event(const struct watch_event *ev, void *arg)
{
	struct txn_walk *tw = arg;
	TALLOC_CTX *tmp = talloc_new(tw->wk->tmp);
	struct xss_txn_event rec = {
		.tx_id = tw->tx_id,
		.path = ev->path,
	};
	struct removed_walk rw = { .mem_ctx = tmp };
	int ret = 0;

	if (!tmp)
		return ENOMEM;
	rec.before = perms_out(tmp, ev->perms[0], ev->nperms[0]);
	rec.after = perms_out(tmp, ev->perms[1], ev->nperms[1]);
	if (ev->removed) {
		rec.flags = XSS_TEVENT_REMOVAL;
		rw.v = talloc_array(tmp, struct xss_removed,
				    hash_count(ev->removed) + 1);
		ret = rw.v ? hash_foreach(ev->removed, collect_removed, &rw)
			   : ENOMEM;
		rec.nremoved = rw.num;
		rec.removed = rw.v;
	}
	if (!ret)
		ret = (rec.before.p && rec.after.p) ?
		      xss_write_txn_event(tw->wk->w, &rec) : ENOMEM;
	talloc_free(tmp);
	return ret;
}

static int
write_txn(struct txn *t, void *arg)
{
	struct walk *wk = arg;
	struct xss_txn rec = { .tx_id = t->id, .added = t->added };
	struct txn_walk tw = { wk, t->id };
	int ret;

	ret = xss_write_txn(wk->w, &rec);
	if (!ret)
		ret = txn_entry_foreach(t, write_txn_node, &tw);
	if (!ret)
		ret = txn_event_foreach(t, write_txn_event, &tw);
	return ret;
}

/* The records that follow a connection's start record. */
static int
write_conn_body(struct walk *wk, struct conn *c)
{
	int ret;

	ret = watch_foreach(c, write_watch, wk);
	if (!ret)
		ret = txn_foreach(c, write_txn, wk);
	if (!ret && c->in_len)
		ret = xss_write_input(wk->w, c->in, (uint32_t)c->in_len);
	if (!ret && c->out_partial)
		ret = xss_write_partial_output(wk->w, c->out + c->out_off,
					       (uint32_t)c->out_partial);
	if (!ret && c->out_len > c->out_off + c->out_partial)
		ret = xss_write_output(wk->w,
				       c->out + c->out_off + c->out_partial,
				       (uint32_t)(c->out_len - c->out_off -
						  c->out_partial));
	return ret;
}

static bool
domain_worth_saving(const struct xsd *xsd, const struct domain *d)
{
	if (!d->domid)		/* dom0: only its ring connection */
		return d->conn != NULL;
	return d->introduced || d->imported || d->features_set ||
	       memcmp(&d->quota, &xsd->quota, sizeof(d->quota));
}

static int
collect_domain(const char *key, void *val, void *arg)
{
	struct domain ***v = arg;

	(void)key;
	**v = val;
	(*v)++;
	return 0;
}

static int
by_domid(const void *a, const void *b)
{
	const struct domain *x = *(struct domain *const *)a;
	const struct domain *y = *(struct domain *const *)b;

	return x->domid < y->domid ? -1 : x->domid > y->domid;
}

/* whole: the daemon's whole state (a live update or a debug dump), with
 * descriptors and the migration states; else one domain's migration. */
static int
write_domain(struct walk *wk, struct domain *d, bool whole)
{
	struct backend *b = wk->xsd->backend;
	struct xss_domain rec = {
		.domid = d->domid,
		.features = d->features,
		.gfn = d->gfn,
		.remote_port = d->remote_port,
		.local_port = d->local_port,
		.target = d->target == PERM_NO_TARGET ? XSS_NO_TARGET
						      : d->target,
		.evtchn_fd = XSS_NO_FD,
		.page_fd = XSS_NO_FD,
	};
	int ret;

	if (d->introduced)
		rec.flags |= XSS_DOM_INTRODUCED;
	if (d->shutdown_reported)
		rec.flags |= XSS_DOM_SHUTDOWN_REPORTED;
	if (d->features_set)
		rec.flags |= XSS_DOM_FEATURES_SET;
	if ((d->introduced || (whole && d->imported)) && d->conn) {
		rec.flags |= XSS_DOM_CONNECTION;
		if (d->conn->ignored)
			rec.flags |= XSS_DOM_IGNORED;
		rec.conn_id = d->conn->id;
		rec.next_txid = d->conn->next_txid;
	}
	/* Between migrate-export and RELEASE, between migrate-import and
	 * INTRODUCE: so a live update keeps them as they are. */
	if (whole && d->imported && !d->introduced)
		rec.flags |= XSS_DOM_IMPORTED;
	if (whole && d->quiesced && (rec.flags & XSS_DOM_CONNECTION))
		rec.flags |= XSS_DOM_QUIESCED;
	if (whole && d->introduced && b && b->ops->domain_fds) {
		int efd = -1, pfd = -1;

		b->ops->domain_fds(b, d->domid, d->local_port, &efd, &pfd);
		rec.evtchn_fd = efd;
		rec.page_fd = pfd;
	}
	ret = xss_write_domain(wk->w, &rec);
	if (!ret && d->domid &&
	    memcmp(&d->quota, &wk->xsd->quota, sizeof(d->quota)))
		ret = write_quota(wk, d->domid, &d->quota);
	if (!ret && (rec.flags & XSS_DOM_CONNECTION))
		ret = write_conn_body(wk, d->conn);
	return ret;
}

static int
write_domains(struct walk *wk)
{
	struct xsd *xsd = wk->xsd;
	unsigned int n = hash_count(xsd->domains), i;
	struct domain **v = talloc_array(wk->tmp, struct domain *, n + 1);
	struct domain **end = v;
	int ret = 0;

	if (!v)
		return ENOMEM;
	hash_foreach(xsd->domains, collect_domain, &end);
	qsort(v, (size_t)(end - v), sizeof(*v), by_domid);
	for (i = 0; i < (unsigned int)(end - v) && !ret; i++)
		if (domain_worth_saving(xsd, v[i]))
			ret = write_domain(wk, v[i], true);
	talloc_free(v);
	return ret;
}

static int
write_sockets(struct walk *wk)
{
	struct conn *c;
	int ret;

	list_for_each(c, &wk->xsd->conns, link) {
		struct xss_socket rec = {
			.conn_id = c->id,
			.fd = c->fd,
			.flags = c->privileged ? XSS_SOCK_PRIVILEGED : 0,
			.next_txid = c->next_txid,
		};

		/* Rings (dom0's too) go with their domains. */
		if (c->domain->conn == c || c == wk->exclude)
			continue;
		ret = xss_write_socket(wk->w, &rec);
		if (!ret)
			ret = write_conn_body(wk, c);
		if (ret)
			return ret;
	}
	return 0;
}

static int
write_live_update(struct walk *wk, const struct state_lu *lu)
{
	struct xss_live_update rec = {
		.conn_id = lu->conn_id,
		.req_id = lu->hdr.req_id,
		.tx_id = lu->hdr.tx_id,
		.rollback_fd = lu->rollback_fd,
	};
	size_t len = 0, l;
	char *argv;
	unsigned int i;

	for (i = 0; lu->argv && lu->argv[i]; i++)
		len += strlen(lu->argv[i]) + 1;
	argv = talloc_size(wk->tmp, len + 1);
	if (!argv)
		return ENOMEM;
	for (i = 0, len = 0; lu->argv && lu->argv[i]; i++) {
		l = strlen(lu->argv[i]) + 1;
		memcpy(argv + len, lu->argv[i], l);
		len += l;
	}
	rec.argc = i;
	rec.argv = argv;
	rec.argv_len = (uint32_t)len;
	return xss_write_live_update(wk->w, &rec);
}

static int
count_owner(const char *key, void *val, void *arg)
{
	struct domain *d = val;
	struct xss_store_fd *sf = arg;
	struct xss_owner *o = (struct xss_owner *)sf->owners;

	(void)key;
	if (d->nodes) {
		o[sf->nowners].domid = d->domid;
		o[sf->nowners].nodes = d->nodes;
		o[sf->nowners].bytes = d->node_memory;
		sf->nowners++;
	}
	return 0;
}

/* The store as its file, with who owns how many of its nodes. */
static int
write_store_fd(struct walk *wk, int fd)
{
	struct xsd *xsd = wk->xsd;
	struct xss_store_fd sf = {
		.fd = fd,
		.format = store_format(),
		.nodes = store_count(xsd->store),
	};

	sf.owners = talloc_array(wk->tmp, struct xss_owner,
				 hash_count(xsd->domains) + 1);
	if (!sf.owners)
		return ENOMEM;
	hash_foreach(xsd->domains, count_owner, &sf);
	return xss_write_store_fd(wk->w, &sf);
}

static int
dump_image(struct xsd *xsd, struct xss_sink *sink, uint32_t kind,
	   const struct conn *exclude, const struct state_lu *lu,
	   char **errmsg, TALLOC_CTX *mem_ctx)
{
	struct walk wk = { .xsd = xsd, .exclude = exclude };
	struct backend *b = xsd->backend;
	struct xss_global g = {
		.generation = store_last_gen(xsd->store),
		.next_conn_id = xsd->next_conn_id,
		.socket_fd = xsd->listen_fd,
		.backend = !b ? XSS_BACKEND_NONE :
			   b->ops == &backend_sim_ops ? XSS_BACKEND_SIM
						      : XSS_BACKEND_XEN,
		.backend_fd = b && b->ops->fd ? b->ops->fd(b) : XSS_NO_FD,
	};
	unsigned int i;
	int ret;

	wk.tmp = talloc_new(NULL);
	if (!wk.tmp)
		return ENOMEM;
	wk.w = xss_writer_new(wk.tmp, sink, kind, XSS_NO_DOMID,
			      "xenstored " XSD_VERSION, false);
	ret = wk.w ? xss_write_global(wk.w, &g) : ENOMEM;
	if (!ret)
		ret = write_quota(&wk, XSS_NO_DOMID, &xsd->quota);
	for (i = 0; i < XSD_NSPECIAL && !ret; i++) {
		struct special_node *sp = &xsd->specials[i];
		struct xss_special rec = {
			.path = sp->path,
			.perms = perms_out(wk.tmp, sp->perms, sp->nperms),
		};

		ret = rec.perms.p ? xss_write_special(wk.w, &rec) : ENOMEM;
	}
	if (!ret && lu && lu->store_fd >= 0)
		ret = write_store_fd(&wk, lu->store_fd);
	else if (!ret)
		ret = store_walk(xsd->store, "/", write_node, &wk);
	if (!ret)
		ret = write_domains(&wk);
	if (!ret)
		ret = write_sockets(&wk);
	if (!ret && lu)
		ret = write_live_update(&wk, lu);
	if (!ret)
		ret = xss_write_end(wk.w);
	if (ret && errmsg)
		*errmsg = talloc_strdup(mem_ctx, wk.w && xss_writer_error(wk.w)
					? xss_writer_error(wk.w)
					: strerror(ret));
	talloc_free(wk.tmp);
	return ret;
}

int
state_dump(struct xsd *xsd, struct xss_sink *sink, uint32_t kind,
	   const struct conn *exclude, char **errmsg, TALLOC_CTX *mem_ctx)
{
	return dump_image(xsd, sink, kind, exclude, NULL, errmsg, mem_ctx);
}

int
state_dump_domain(struct xsd *xsd, struct domain *d, struct xss_sink *sink,
		  char **errmsg, TALLOC_CTX *mem_ctx)
{
	struct walk wk = { .xsd = xsd };
	char home[32];
	int ret;

	snprintf(home, sizeof(home), "/local/domain/%u", d->domid);
	wk.tmp = talloc_new(NULL);
	if (!wk.tmp)
		return ENOMEM;
	wk.w = xss_writer_new(wk.tmp, sink, XSS_KIND_MIGRATION, d->domid,
			      "xenstored " XSD_VERSION, false);
	ret = wk.w ? store_walk(xsd->store, home, write_node, &wk) : ENOMEM;
	if (ret == ENOENT && errmsg)
		*errmsg = talloc_asprintf(mem_ctx, "%s does not exist", home);
	if (!ret)
		ret = write_domain(&wk, d, false);
	if (!ret)
		ret = xss_write_end(wk.w);
	if (ret && errmsg && !*errmsg)
		*errmsg = talloc_strdup(mem_ctx, wk.w && xss_writer_error(wk.w)
					? xss_writer_error(wk.w)
					: strerror(ret));
	talloc_free(wk.tmp);
	return ret;
}

int
state_dump_live(struct xsd *xsd, int fd, const struct state_lu *lu,
		char **errmsg, TALLOC_CTX *mem_ctx)
{
	struct xss_sink *sink = xss_sink_fd(NULL, fd);
	int ret;

	ret = sink ? dump_image(xsd, sink, XSS_KIND_LIVE_UPDATE, NULL, lu,
				errmsg, mem_ctx)
		   : ENOMEM;
	talloc_free(sink);
	return ret;
}

int
state_dump_file(struct xsd *xsd, const char *path,
		const struct conn *exclude, char **errmsg,
		TALLOC_CTX *mem_ctx)
{
	char why[FILES_WHY_LEN];
	struct xss_sink *sink;
	int fd, ret;

	/* The whole store: a file of ours, 0600 (files.c). */
	ret = files_open(path, false, 0600, &fd, why, sizeof(why));
	if (ret) {
		*errmsg = talloc_strdup(mem_ctx, why);
		return ret;
	}
	sink = xss_sink_fd(NULL, fd);
	ret = sink ? state_dump(xsd, sink, XSS_KIND_DUMP, exclude, errmsg,
				mem_ctx)
		   : ENOMEM;
	talloc_free(sink);
	if (close(fd) < 0 && !ret)
		ret = errno;
	return ret;
}
