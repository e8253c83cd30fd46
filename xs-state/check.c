// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * check.c - the rules between records: the order of spec section 5, the
 * groups and transactions records belong to, uniqueness (nodes, special
 * paths, domids, connection ids, watches, transaction ids, transaction
 * node paths and events), parents before children, generations, and the
 * MIGRATION restrictions.
 *
 * The reader hands every record here after decoding it, so each record
 * is judged against those before it; nothing is read twice.  The grammar
 * is a small state machine:
 *
 *   phase  START -> GLOBAL -> DEFAULTS -> SPECIAL -> NODES -> GROUPS -> END
 *          (LIVE_UPDATE and DUMP; MIGRATION goes START -> NODES -> GROUPS)
 *   stage  inside a group: START -> QUOTA -> WATCHES -> TXNS -> INPUT
 *          -> PARTIAL -> OUTPUT, never backwards
 *   LIVE_UPDATE (the record) closes the groups of a LIVE_UPDATE image:
 *          only END may follow it
 *   STORE_FD stands for all NODE_DATA of a LIVE_UPDATE image (the nodes
 *          travel as the store's file): one or the other
 *
 * Sets hang off the context of what they describe: the whole image, the
 * current group (watches, tx_ids) or the current transaction (its paths
 * and events), and go when it ends.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "xss_private.h"

#define NONE UINT32_MAX		/* no record yet */

enum phase {
	PH_START,		/* only the header so far */
	PH_GLOBAL,		/* GLOBAL_DATA */
	PH_DEFAULTS,		/* the defaults' QUOTA_DATA */
	PH_SPECIAL,		/* SPECIAL_PERMS */
	PH_NODES,		/* NODE_DATA */
	PH_GROUPS,		/* inside a group */
	PH_LU,			/* the LIVE_UPDATE record */
	PH_END,
};

/* The parts of a group, in their order (spec: group and conn). */
enum stage {
	ST_START,		/* DOMAIN_START or SOCKET_START */
	ST_QUOTA,		/* the domain's QUOTA_DATA */
	ST_WATCHES,
	ST_TXNS,
	ST_INPUT,
	ST_PARTIAL,
	ST_OUTPUT,
};

struct group {
	TALLOC_CTX *ctx;	/* of the sets below */
	bool domain;		/* DOMAIN_START, else SOCKET_START */
	uint32_t domid;		/* its domain: 0 for a socket */
	uint32_t conn_id;
	bool conn;		/* it has a conn part */
	enum stage stage;
	uint32_t prev;		/* type of its last record */
	uint32_t input;		/* record # of its CONN_INPUT */
	uint32_t partial;	/* record # of its PARTIAL_OUTPUT */
	uint32_t output;	/* record # of its GUEST_RING_DATA */
	struct xss_set *watches;	/* path NUL token */
	struct xss_set *tx_ids;
	/* The transaction started last. */
	TALLOC_CTX *txn_ctx;
	bool in_txn;
	uint32_t tx_id;
	struct xss_set *tx_paths;	/* TRANSACTION_NODE_DATA */
	struct xss_set *tx_events;	/* removal flag, then path */
};

struct xss_check {
	uint32_t kind;
	bool migration;
	uint32_t domid;		/* the header's */
	char home[XSS_HOME_MAX];	/* MIGRATION: the domain's home */
	size_t home_len;
	enum phase phase;
	uint32_t prev;		/* type of the last record */
	uint32_t global;	/* record # of GLOBAL_DATA, 0: none */
	uint32_t store_fd;	/* record # of STORE_FD, 0: none */
	uint64_t generation;
	uint32_t ngroups;
	uint32_t first_group;	/* its record # */
	struct xss_set *nodes;
	struct xss_set *specials;
	struct xss_set *domids;
	struct xss_set *conn_ids;
	struct group g;
};

/* One record being judged. */
struct ck {
	struct xss_check *c;
	const struct xss_record *rec;
	TALLOC_CTX *ctx;
	char **why;
};

static int XSS_PRINTF(2, 3)
no(struct ck *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*k->why = talloc_vasprintf(k->ctx, fmt, ap);
	va_end(ap);
	return *k->why ? EBADMSG : ENOMEM;
}

static const char *
quote(struct ck *k, const char *s)
{
	return xss_quote(k->ctx, s, strlen(s));
}

/* "after NODE_DATA", or "right after the header". */
static const char *
after(struct ck *k, uint32_t prev)
{
	if (prev == NONE)
		return "right after the header";
	return talloc_asprintf(k->ctx, "after %s", xss_type_name(prev));
}

struct xss_check *
xss_check_new(TALLOC_CTX *mem_ctx, const struct xss_header *h)
{
	struct xss_check *c = talloc_zero(mem_ctx, struct xss_check);

	if (!c)
		return NULL;
	c->kind = h->kind;
	c->migration = h->kind == XSS_KIND_MIGRATION;
	c->domid = h->domid;
	c->home_len = xss_home(c->home, h->domid);
	c->prev = NONE;
	c->nodes = xss_set_new(c);
	c->specials = xss_set_new(c);
	c->domids = xss_set_new(c);
	c->conn_ids = xss_set_new(c);
	if (!c->nodes || !c->specials || !c->domids || !c->conn_ids) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

/* Add a u32 key; a duplicate is reported with what and the first's #. */
static int
unique_u32(struct ck *k, struct xss_set *s, uint32_t v, const char *what)
{
	uint8_t key[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			   (uint8_t)(v >> 24) };
	uint32_t first = 0;
	int ret = xss_set_add(s, key, sizeof(key), k->rec->index, &first);

	if (ret == EEXIST)
		return no(k, "%s %u given twice (first in record #%u)", what, v,
			  first);
	return ret;
}

/* --- the parts before the groups ------------------------------------ */

static int
ck_global(struct ck *k)
{
	struct xss_check *c = k->c;

	if (c->migration)
		return no(k, "GLOBAL_DATA in a MIGRATION image");
	if (c->global)
		return no(k, "second GLOBAL_DATA (the first is record #%u)",
			  c->global);
	c->global = k->rec->index;
	c->generation = k->rec->u.global.generation;
	c->phase = PH_GLOBAL;
	return 0;
}

/* Not yet GLOBAL_DATA where LIVE_UPDATE and DUMP need it first. */
static int
before_global(struct ck *k)
{
	return no(k, "%s before GLOBAL_DATA, which must be the first "
		  "record", xss_type_name(k->rec->type));
}

static int
ck_special(struct ck *k)
{
	const struct xss_special *s = &k->rec->u.special;
	struct xss_check *c = k->c;
	uint32_t first = 0;
	int ret;

	if (c->migration)
		return no(k, "SPECIAL_PERMS in a MIGRATION image");
	if (c->phase > PH_SPECIAL)
		return no(k, "SPECIAL_PERMS %s: they come before the first "
			  "NODE_DATA", after(k, c->prev));
	ret = xss_set_add(c->specials, s->path, strlen(s->path),
			  k->rec->index, &first);
	if (ret == EEXIST)
		return no(k, "special path %s given twice (first in record "
			  "#%u)", quote(k, s->path), first);
	if (ret)
		return ret;
	c->phase = PH_SPECIAL;
	return 0;
}

static int
ck_node(struct ck *k)
{
	const struct xss_node *n = &k->rec->u.node;
	struct xss_check *c = k->c;
	size_t len = strlen(n->path), plen;
	const char *slash;
	uint32_t first = 0;
	int ret;

	if (c->phase >= PH_GROUPS)
		return no(k, "NODE_DATA %s: nodes come before the groups",
			  after(k, c->prev));
	if (c->store_fd)
		return no(k, "NODE_DATA in an image whose store is a file "
			  "(STORE_FD, record #%u)", c->store_fd);
	if (c->global && n->gen > c->generation)
		return no(k, "gen %llu above GLOBAL_DATA's generation %llu",
			  (unsigned long long)n->gen,
			  (unsigned long long)c->generation);
	if (!xss_set_count(c->nodes)) {
		if (!c->migration && strcmp(n->path, "/"))
			return no(k, "the first NODE_DATA is %s, not the root "
				  "\"/\"", quote(k, n->path));
		if (c->migration && strcmp(n->path, c->home))
			return no(k, "the first NODE_DATA is %s, not the "
				  "domain's home \"%s\"", quote(k, n->path),
				  c->home);
	}
	ret = xss_set_add(c->nodes, n->path, len, k->rec->index, &first);
	if (ret == EEXIST)
		return no(k, "node %s given twice (first in record #%u)",
			  quote(k, n->path), first);
	if (ret)
		return ret;
	c->phase = PH_NODES;
	if (xss_set_count(c->nodes) == 1)
		return 0;
	if (c->migration && !xss_path_below(n->path, len, c->home,
					    c->home_len))
		return no(k, "node %s is not below the domain's home \"%s\"",
			  quote(k, n->path), c->home);
	slash = strrchr(n->path, '/');
	plen = slash == n->path ? 1 : (size_t)(slash - n->path);
	if (!xss_set_find(c->nodes, n->path, plen, NULL))
		return no(k, "the parent %s of node %s was not given before "
			  "it", xss_quote(k->ctx, n->path, plen),
			  quote(k, n->path));
	return 0;
}

static int
ck_store_fd(struct ck *k)
{
	const struct xss_store_fd *sf = &k->rec->u.store;
	struct xss_check *c = k->c;
	struct xss_set *seen;
	uint32_t i;
	int ret = 0;

	if (c->kind != XSS_KIND_LIVE_UPDATE)
		return no(k, "STORE_FD in a %s image", xss_kind_name(c->kind));
	if (c->store_fd)
		return no(k, "second STORE_FD (the first is record #%u)",
			  c->store_fd);
	if (xss_set_count(c->nodes))
		return no(k, "STORE_FD after NODE_DATA: the nodes come one "
			  "way or the other");
	if (c->phase >= PH_GROUPS)
		return no(k, "STORE_FD %s: the store comes before the groups",
			  after(k, c->prev));
	seen = xss_set_new(k->ctx);
	if (!seen)
		return ENOMEM;
	for (i = 0; i < sf->nowners && !ret; i++)
		ret = unique_u32(k, seen, sf->owners[i].domid, "owner domain");
	if (ret)
		return ret;
	c->store_fd = k->rec->index;
	/* The root and the rest are in the file. */
	ret = xss_set_add(c->nodes, "/", 1, k->rec->index, NULL);
	c->phase = PH_NODES;
	return ret;
}

static int
ck_quota(struct ck *k)
{
	const struct xss_quota *q = &k->rec->u.quota;
	struct xss_check *c = k->c;
	struct group *g = &c->g;

	if (q->domid == XSS_NO_DOMID) {
		if (c->migration)
			return no(k, "defaults' QUOTA_DATA in a MIGRATION "
				  "image");
		if (c->phase == PH_DEFAULTS)
			return no(k, "second defaults' QUOTA_DATA");
		if (c->phase != PH_GLOBAL)
			return no(k, "defaults' QUOTA_DATA %s: it must follow "
				  "GLOBAL_DATA", after(k, c->prev));
		c->phase = PH_DEFAULTS;
		return 0;
	}
	if (c->phase != PH_GROUPS)
		return no(k, "QUOTA_DATA of domain %u outside a group: it must "
			  "follow the domain's DOMAIN_START", q->domid);
	if (!g->domain)
		return no(k, "QUOTA_DATA of domain %u in the group of socket "
			  "connection %u", q->domid, g->conn_id);
	if (g->domid != q->domid)
		return no(k, "QUOTA_DATA of domain %u in the group of domain "
			  "%u", q->domid, g->domid);
	if (g->stage != ST_START)
		return no(k, "QUOTA_DATA of domain %u %s: it must follow the "
			  "domain's DOMAIN_START", q->domid, after(k, g->prev));
	g->stage = ST_QUOTA;
	return 0;
}

/* --- groups --------------------------------------------------------- */

static int
open_group(struct ck *k, bool domain, uint32_t domid, uint32_t conn_id,
	   bool conn)
{
	struct xss_check *c = k->c;
	struct group *g = &c->g;

	TALLOC_FREE(g->ctx);
	memset(g, 0, sizeof(*g));
	g->ctx = talloc_new(c);
	if (!g->ctx)
		return ENOMEM;
	g->watches = xss_set_new(g->ctx);
	g->tx_ids = xss_set_new(g->ctx);
	if (!g->watches || !g->tx_ids)
		return ENOMEM;
	g->domain = domain;
	g->domid = domid;
	g->conn_id = conn_id;
	g->conn = conn;
	g->stage = ST_START;
	g->prev = k->rec->type;
	if (!c->ngroups++)
		c->first_group = k->rec->index;
	c->phase = PH_GROUPS;
	return 0;
}

/* May a group start here? */
static int
group_start(struct ck *k)
{
	struct xss_check *c = k->c;

	if (!c->migration && c->phase < PH_NODES)
		return no(k, "%s before the first NODE_DATA",
			  xss_type_name(k->rec->type));
	if (c->migration && c->ngroups)
		return no(k, "second group in a MIGRATION image (the first "
			  "is record #%u)", c->first_group);
	return 0;
}

static int
ck_domain(struct ck *k)
{
	const struct xss_domain *d = &k->rec->u.domain;
	struct xss_check *c = k->c;
	int ret = group_start(k);

	if (ret)
		return ret;
	if (c->migration && d->domid == 0)
		return no(k, "dom0's ring connection in a MIGRATION image");
	if (c->migration && d->domid != c->domid)
		return no(k, "DOMAIN_START of domain %u in a MIGRATION image "
			  "of domain %u", d->domid, c->domid);
	if (c->migration && d->evtchn_fd != XSS_NO_FD)
		return no(k, "evtchn_fd %d in a MIGRATION image, must be -1",
			  d->evtchn_fd);
	if (c->migration && d->page_fd != XSS_NO_FD)
		return no(k, "page_fd %d in a MIGRATION image, must be -1",
			  d->page_fd);
	ret = unique_u32(k, c->domids, d->domid, "domain");
	if (!ret && d->conn_id)
		ret = unique_u32(k, c->conn_ids, d->conn_id, "connection id");
	if (ret)
		return ret;
	return open_group(k, true, d->domid, d->conn_id,
			  d->flags & XSS_DOM_CONNECTION);
}

static int
ck_socket(struct ck *k)
{
	const struct xss_socket *s = &k->rec->u.socket;
	struct xss_check *c = k->c;
	int ret;

	if (c->migration)
		return no(k, "SOCKET_START in a MIGRATION image");
	ret = group_start(k);
	if (!ret)
		ret = unique_u32(k, c->conn_ids, s->conn_id, "connection id");
	if (ret)
		return ret;
	return open_group(k, false, 0, s->conn_id, true);
}

/* May a record of the conn part at stage st come here? */
static int
in_conn(struct ck *k, enum stage st)
{
	const char *name = xss_type_name(k->rec->type);
	struct group *g = &k->c->g;

	if (k->c->phase != PH_GROUPS)
		return no(k, "%s outside a group (%s)", name,
			  after(k, k->c->prev));
	if (!g->conn)
		return no(k, "%s in the group of domain %u, which has no "
			  "connection", name, g->domid);
	if (st == ST_INPUT && g->input)
		return no(k, "second CONN_INPUT in the group (the first is "
			  "record #%u)", g->input);
	if (st == ST_PARTIAL && g->partial)
		return no(k, "second PARTIAL_OUTPUT in the group (the first "
			  "is record #%u)", g->partial);
	if (st == ST_OUTPUT && g->output)
		return no(k, "second GUEST_RING_DATA in the group (the first "
			  "is record #%u)", g->output);
	if (g->stage > st)
		return no(k, "%s %s in the same group", name,
			  after(k, g->prev));
	g->stage = st;
	return 0;
}

static int
ck_watch(struct ck *k)
{
	const struct xss_watch *w = &k->rec->u.watch;
	struct group *g = &k->c->g;
	size_t plen = strlen(w->path), tlen = strlen(w->token);
	char home[XSS_HOME_MAX];
	size_t home_len;
	uint32_t first = 0;
	char *key;
	int ret = in_conn(k, ST_WATCHES);

	if (ret)
		return ret;
	if (w->flags & XSS_WATCH_RELATIVE) {
		home_len = xss_home(home, g->domid);
		if (!xss_path_below(w->path, plen, home, home_len))
			return no(k, "RELATIVE watch %s not below the home "
				  "\"%s\" of its connection", quote(k, w->path),
				  home);
	}
	key = talloc_size(k->ctx, plen + 1 + tlen);
	if (!key)
		return ENOMEM;
	memcpy(key, w->path, plen + 1);
	memcpy(key + plen + 1, w->token, tlen);
	ret = xss_set_add(g->watches, key, plen + 1 + tlen, k->rec->index,
			  &first);
	if (ret == EEXIST)
		return no(k, "watch %s with token %s given twice in the "
			  "connection (first in record #%u)", quote(k, w->path),
			  quote(k, w->token), first);
	return ret;
}

static int
ck_txn(struct ck *k)
{
	struct group *g = &k->c->g;
	int ret = in_conn(k, ST_TXNS);

	if (!ret)
		ret = unique_u32(k, g->tx_ids, k->rec->u.txn.tx_id,
				 "transaction");
	if (ret)
		return ret;
	TALLOC_FREE(g->txn_ctx);
	g->in_txn = false;
	g->txn_ctx = talloc_new(g->ctx);
	if (!g->txn_ctx)
		return ENOMEM;
	g->tx_paths = xss_set_new(g->txn_ctx);
	g->tx_events = xss_set_new(g->txn_ctx);
	if (!g->tx_paths || !g->tx_events)
		return ENOMEM;
	g->tx_id = k->rec->u.txn.tx_id;
	g->in_txn = true;
	return 0;
}

/* A record of the transaction started last, with its tx_id. */
static int
in_txn(struct ck *k, uint32_t tx_id)
{
	const char *name = xss_type_name(k->rec->type);
	struct group *g = &k->c->g;

	if (k->c->phase != PH_GROUPS || !g->in_txn || g->stage != ST_TXNS)
		return no(k, "%s with tx_id %u outside a transaction (%s)",
			  name, tx_id, after(k, k->c->prev));
	if (tx_id != g->tx_id)
		return no(k, "tx_id %u is not that of the transaction started "
			  "last (%u)", tx_id, g->tx_id);
	return 0;
}

static int
gen_ok(struct ck *k, uint64_t gen, const char *what)
{
	if (!k->c->global || gen <= k->c->generation)
		return 0;
	return no(k, "%s %llu above GLOBAL_DATA's generation %llu", what,
		  (unsigned long long)gen,
		  (unsigned long long)k->c->generation);
}

static int
ck_txn_node(struct ck *k)
{
	const struct xss_txn_node *tn = &k->rec->u.txn_node;
	struct group *g = &k->c->g;
	uint32_t first = 0;
	int ret = in_txn(k, tn->tx_id);

	if (!ret)
		ret = gen_ok(k, tn->base_gen, "base_gen");
	if (!ret)
		ret = gen_ok(k, tn->gen, "gen");
	if (ret)
		return ret;
	ret = xss_set_add(g->tx_paths, tn->path, strlen(tn->path),
			  k->rec->index, &first);
	if (ret == EEXIST)
		return no(k, "path %s given twice in transaction %u (first in "
			  "record #%u)", quote(k, tn->path), tn->tx_id, first);
	return ret;
}

static int
ck_txn_event(struct ck *k)
{
	const struct xss_txn_event *te = &k->rec->u.txn_event;
	bool removal = te->flags & XSS_TEVENT_REMOVAL;
	struct group *g = &k->c->g;
	size_t len = strlen(te->path);
	uint32_t first = 0;
	char *key;
	int ret = in_txn(k, te->tx_id);

	if (ret)
		return ret;
	key = talloc_size(k->ctx, len + 1);
	if (!key)
		return ENOMEM;
	key[0] = removal ? 'r' : 'c';
	memcpy(key + 1, te->path, len);
	ret = xss_set_add(g->tx_events, key, len + 1, k->rec->index, &first);
	if (ret == EEXIST)
		return no(k, "a second %s event for %s in transaction %u (the "
			  "first is record #%u)",
			  removal ? "removal" : "change", quote(k, te->path),
			  te->tx_id, first);
	return ret;
}

static int
ck_input(struct ck *k)
{
	int ret = in_conn(k, ST_INPUT);

	if (!ret)
		k->c->g.input = k->rec->index;
	return ret;
}

static int
ck_partial(struct ck *k)
{
	int ret = in_conn(k, ST_PARTIAL);

	if (!ret)
		k->c->g.partial = k->rec->index;
	return ret;
}

static int
ck_live_update(struct ck *k)
{
	const struct xss_live_update *lu = &k->rec->u.lu;
	struct xss_check *c = k->c;
	uint8_t key[4] = { (uint8_t)lu->conn_id, (uint8_t)(lu->conn_id >> 8),
			   (uint8_t)(lu->conn_id >> 16),
			   (uint8_t)(lu->conn_id >> 24) };

	if (c->kind != XSS_KIND_LIVE_UPDATE)
		return no(k, "LIVE_UPDATE in a %s image",
			  xss_kind_name(c->kind));
	if (c->phase == PH_LU)
		return no(k, "second LIVE_UPDATE");
	if (c->phase < PH_NODES)
		return no(k, "LIVE_UPDATE before the first NODE_DATA");
	if (lu->conn_id && !xss_set_find(c->conn_ids, key, sizeof(key), NULL))
		return no(k, "conn_id %u names no connection of the image",
			  lu->conn_id);
	c->phase = PH_LU;
	return 0;
}

static int
ck_output(struct ck *k)
{
	int ret = in_conn(k, ST_OUTPUT);

	if (!ret)
		k->c->g.output = k->rec->index;
	return ret;
}

static int
ck_end(struct ck *k)
{
	struct xss_check *c = k->c;

	if (c->migration && !c->ngroups)
		return no(k, "END before the DOMAIN_START of domain %u: a "
			  "MIGRATION image has exactly one group", c->domid);
	if (!c->migration && c->phase < PH_NODES)
		return no(k, "END before the first NODE_DATA (%s)",
			  after(k, c->prev));
	c->phase = PH_END;
	return 0;
}

int
xss_check_record(struct xss_check *c, const struct xss_record *rec,
		 TALLOC_CTX *ctx, char **why)
{
	struct ck k = { c, rec, ctx, why };
	int ret;

	*why = NULL;
	if (c->phase == PH_END)
		return no(&k, "%s after END", xss_type_name(rec->type));
	if (c->phase == PH_LU && rec->type != XSS_REC_END)
		return no(&k, "%s after LIVE_UPDATE, which only END may "
			  "follow", xss_type_name(rec->type));
	/* From here on, LIVE_UPDATE and DUMP have their GLOBAL_DATA. */
	if (!c->migration && c->phase == PH_START &&
	    rec->type != XSS_REC_GLOBAL_DATA)
		return before_global(&k);
	switch (rec->type) {
	case XSS_REC_END:
		ret = ck_end(&k);
		break;
	case XSS_REC_NODE_DATA:
		ret = ck_node(&k);
		break;
	case XSS_REC_WATCH_DATA:
		ret = ck_watch(&k);
		break;
	case XSS_REC_TRANSACTION_DATA:
		ret = ck_txn(&k);
		break;
	case XSS_REC_TRANSACTION_NODE_DATA:
		ret = ck_txn_node(&k);
		break;
	case XSS_REC_GUEST_RING_DATA:
		ret = ck_output(&k);
		break;
	case XSS_REC_DOMAIN_START:
		ret = ck_domain(&k);
		break;
	case XSS_REC_SOCKET_START:
		ret = ck_socket(&k);
		break;
	case XSS_REC_GLOBAL_DATA:
		ret = ck_global(&k);
		break;
	case XSS_REC_QUOTA_DATA:
		ret = ck_quota(&k);
		break;
	case XSS_REC_CONN_INPUT:
		ret = ck_input(&k);
		break;
	case XSS_REC_SPECIAL_PERMS:
		ret = ck_special(&k);
		break;
	case XSS_REC_TRANSACTION_EVENT:
		ret = ck_txn_event(&k);
		break;
	case XSS_REC_PARTIAL_OUTPUT:
		ret = ck_partial(&k);
		break;
	case XSS_REC_LIVE_UPDATE:
		ret = ck_live_update(&k);
		break;
	case XSS_REC_STORE_FD:
		ret = ck_store_fd(&k);
		break;
	default:
		ret = no(&k, "no rules for type 0x%08x", rec->type);
		break;
	}
	if (ret)
		return ret;
	c->prev = rec->type;
	if (c->phase == PH_GROUPS)
		c->g.prev = rec->type;
	return 0;
}
