// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_model.c - an image loaded for "diff": every record copied out of
 * the reader into a model (struct model in tool.h), a set per kind of
 * thing keyed by what identifies it, each set sorted so that two models
 * compare by a merge.
 *
 * The reader has checked the image before handing out a record, the
 * order of records included; the model only relies on that order (a
 * WATCH_DATA follows its connection's start record, and so on).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* Append a zeroed element to a talloc array; NULL when out of memory. */
static void *
array_add(TALLOC_CTX *mem_ctx, void **arr, size_t *n, size_t *cap,
	  size_t size)
{
	void *p;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		p = talloc_realloc_size(mem_ctx, *arr, ncap * size);
		if (!p)
			return NULL;
		*arr = p;
		*cap = ncap;
	}
	p = (char *)*arr + *n * size;
	memset(p, 0, size);
	(*n)++;
	return p;
}

static bool
copy_perms(TALLOC_CTX *mem_ctx, struct xss_perms *dst,
	   const struct xss_perms *src)
{
	dst->num = src->num;
	dst->p = NULL;
	if (!src->num)
		return true;
	dst->p = talloc_memdup(mem_ctx, src->p, src->num * sizeof(*src->p));
	return dst->p != NULL;
}

/* A copy of len bytes; a valid pointer (not NULL) even for 0. */
static const void *
copy_mem(TALLOC_CTX *mem_ctx, const void *p, size_t len)
{
	return len ? talloc_memdup(mem_ctx, p, len) : talloc_size(mem_ctx, 1);
}

static struct xss_quota *
copy_quota(TALLOC_CTX *mem_ctx, const struct xss_quota *q)
{
	struct xss_quota *c = talloc(mem_ctx, struct xss_quota);

	if (!c)
		return NULL;
	*c = *q;
	c->e = copy_mem(c, q->e, q->num * sizeof(*q->e));
	return c->e ? c : NULL;
}

static bool
copy_node(TALLOC_CTX *mem_ctx, struct xss_node *dst,
	  const struct xss_node *src)
{
	*dst = *src;
	dst->path = talloc_strdup(mem_ctx, src->path);
	dst->value = copy_mem(mem_ctx, src->value, src->len);
	return dst->path && dst->value &&
	       copy_perms(mem_ctx, &dst->perms, &src->perms);
}

static bool
copy_txn_node(TALLOC_CTX *mem_ctx, struct xss_txn_node *dst,
	      const struct xss_txn_node *src)
{
	*dst = *src;
	dst->path = talloc_strdup(mem_ctx, src->path);
	dst->value = copy_mem(mem_ctx, src->value, src->len);
	dst->children = copy_mem(mem_ctx, src->children, src->children_len);
	return dst->path && dst->value && dst->children &&
	       copy_perms(mem_ctx, &dst->perms, &src->perms);
}

static bool
copy_txn_event(TALLOC_CTX *mem_ctx, struct xss_txn_event *dst,
	       const struct xss_txn_event *src)
{
	struct xss_removed *rm = NULL;
	uint32_t i;

	*dst = *src;
	dst->removed = NULL;
	dst->path = talloc_strdup(mem_ctx, src->path);
	if (!dst->path || !copy_perms(mem_ctx, &dst->before, &src->before) ||
	    !copy_perms(mem_ctx, &dst->after, &src->after))
		return false;
	if (!src->nremoved)
		return true;
	rm = talloc_zero_array(mem_ctx, struct xss_removed, src->nremoved);
	if (!rm)
		return false;
	dst->removed = rm;
	for (i = 0; i < src->nremoved; i++) {
		rm[i].path = talloc_strdup(rm, src->removed[i].path);
		if (!rm[i].path ||
		    !copy_perms(rm, &rm[i].perms, &src->removed[i].perms))
			return false;
	}
	return true;
}

/* The connection a DOMAIN_START or SOCKET_START record starts. */
static struct m_conn *
model_add_conn(struct model *m, const struct xss_record *rec)
{
	struct m_conn **slot, *c = talloc_zero(m, struct m_conn);

	if (!c)
		return NULL;
	slot = array_add(m, (void **)&m->conns, &m->nconns, &m->cconns,
			 sizeof(*slot));
	if (!slot)
		return NULL;
	*slot = c;
	c->is_domain = rec->type == XSS_REC_DOMAIN_START;
	if (c->is_domain) {
		c->key = rec->u.domain.domid;
		c->dom = rec->u.domain;
	} else {
		c->key = rec->u.socket.conn_id;
		c->sock = rec->u.socket;
	}
	return c;
}

static struct m_txn *
model_add_txn(struct m_conn *c, const struct xss_txn *t)
{
	struct m_txn **slot, *mt = talloc_zero(c, struct m_txn);

	if (!mt)
		return NULL;
	slot = array_add(c, (void **)&c->txns, &c->ntxns, &c->ctxns,
			 sizeof(*slot));
	if (!slot)
		return NULL;
	*slot = mt;
	mt->t = *t;
	return mt;
}

/* A model being loaded, and the connection and transaction being read. */
struct loader {
	struct image *img;	/* for messages */
	struct model *m;
	struct m_conn *c;
	struct m_txn *t;
};

/*
 * One record into the model.  The reader has checked the order already,
 * so l->c and l->t exist where the format says they must; ENOMEM or
 * EINVAL (a reader that let a bad order through).
 */
static int
model_add(struct loader *l, const struct xss_record *rec)
{
	struct model *m = l->m;
	void *p;

	switch (rec->type) {
	case XSS_REC_GLOBAL_DATA:
		m->have_global = true;
		m->global = rec->u.global;
		return 0;
	case XSS_REC_QUOTA_DATA:
		p = copy_quota(m, &rec->u.quota);
		if (!p)
			return ENOMEM;
		if (rec->u.quota.domid == XSS_NO_DOMID)
			m->defaults = p;
		else if (l->c)
			l->c->quota = p;
		else
			return EINVAL;
		return 0;
	case XSS_REC_SPECIAL_PERMS: {
		struct xss_special *s = array_add(m, (void **)&m->specials,
						  &m->nspecials,
						  &m->cspecials, sizeof(*s));

		if (!s)
			return ENOMEM;
		s->path = talloc_strdup(m, rec->u.special.path);
		if (!s->path ||
		    !copy_perms(m, &s->perms, &rec->u.special.perms))
			return ENOMEM;
		return 0;
	}
	case XSS_REC_NODE_DATA:
		p = array_add(m, (void **)&m->nodes, &m->nnodes, &m->cnodes,
			      sizeof(struct xss_node));
		if (!p || !copy_node(m, p, &rec->u.node))
			return ENOMEM;
		return 0;
	case XSS_REC_DOMAIN_START:
	case XSS_REC_SOCKET_START:
		l->c = model_add_conn(m, rec);
		l->t = NULL;
		return l->c ? 0 : ENOMEM;
	case XSS_REC_END:
	case XSS_REC_LIVE_UPDATE:	/* about the update, not the state */
	case XSS_REC_STORE_FD:		/* nodes in a file: not here */
		return 0;
	}
	if (!l->c)
		return EINVAL;
	switch (rec->type) {
	case XSS_REC_WATCH_DATA: {
		struct xss_watch *w = array_add(l->c, (void **)&l->c->watches,
						&l->c->nwatches,
						&l->c->cwatches, sizeof(*w));

		if (!w)
			return ENOMEM;
		*w = rec->u.watch;
		w->path = talloc_strdup(l->c, rec->u.watch.path);
		w->token = talloc_strdup(l->c, rec->u.watch.token);
		return w->path && w->token ? 0 : ENOMEM;
	}
	case XSS_REC_TRANSACTION_DATA:
		l->t = model_add_txn(l->c, &rec->u.txn);
		return l->t ? 0 : ENOMEM;
	case XSS_REC_CONN_INPUT:
	case XSS_REC_PARTIAL_OUTPUT:
	case XSS_REC_GUEST_RING_DATA: {
		struct xss_buffer *b =
			rec->type == XSS_REC_CONN_INPUT ? &l->c->input :
			rec->type == XSS_REC_PARTIAL_OUTPUT ? &l->c->partial :
							      &l->c->output;

		b->len = rec->u.buffer.len;
		b->data = copy_mem(l->c, rec->u.buffer.data, b->len);
		return b->data ? 0 : ENOMEM;
	}
	}
	if (!l->t)
		return EINVAL;
	switch (rec->type) {
	case XSS_REC_TRANSACTION_NODE_DATA:
		p = array_add(l->t, (void **)&l->t->nodes, &l->t->nnodes,
			      &l->t->cnodes, sizeof(struct xss_txn_node));
		if (!p || !copy_txn_node(l->t, p, &rec->u.txn_node))
			return ENOMEM;
		return 0;
	case XSS_REC_TRANSACTION_EVENT:
		p = array_add(l->t, (void **)&l->t->events, &l->t->nevents,
			      &l->t->cevents, sizeof(struct xss_txn_event));
		if (!p || !copy_txn_event(l->t, p, &rec->u.txn_event))
			return ENOMEM;
		return 0;
	}
	return EINVAL;
}

/*
 * Paths in tree order: '/' sorts before every other character, so a
 * node's subtree follows it directly ("/a", "/a/b", "/a-b").
 */
int
path_cmp(const char *a, const char *b)
{
	int ca, cb;

	for (; *a && *a == *b; a++, b++)
		;
	ca = *a == '/' ? 1 : (unsigned char)*a;
	cb = *b == '/' ? 1 : (unsigned char)*b;
	return ca - cb;
}

int
cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

int
quota_entry_cmp(const void *a, const void *b)
{
	return cmp_u32(((const struct xss_quota_entry *)a)->id,
		       ((const struct xss_quota_entry *)b)->id);
}

int
special_cmp(const void *a, const void *b)
{
	return strcmp(((const struct xss_special *)a)->path,
		      ((const struct xss_special *)b)->path);
}

int
node_cmp(const void *a, const void *b)
{
	return path_cmp(((const struct xss_node *)a)->path,
			((const struct xss_node *)b)->path);
}

/* Domains by domid, then sockets by connection id. */
int
conn_cmp(const void *pa, const void *pb)
{
	const struct m_conn *a = *(struct m_conn *const *)pa;
	const struct m_conn *b = *(struct m_conn *const *)pb;

	if (a->is_domain != b->is_domain)
		return a->is_domain ? -1 : 1;
	return cmp_u32(a->key, b->key);
}

int
watch_cmp(const void *pa, const void *pb)
{
	const struct xss_watch *a = pa, *b = pb;
	int r = path_cmp(a->path, b->path);

	return r ? r : strcmp(a->token, b->token);
}

int
txn_cmp(const void *a, const void *b)
{
	return cmp_u32((*(struct m_txn *const *)a)->t.tx_id,
		       (*(struct m_txn *const *)b)->t.tx_id);
}

int
tnode_cmp(const void *a, const void *b)
{
	return path_cmp(((const struct xss_txn_node *)a)->path,
			((const struct xss_txn_node *)b)->path);
}

/* Events by path, the change event before the removal of the same path. */
int
tevent_cmp(const void *pa, const void *pb)
{
	const struct xss_txn_event *a = pa, *b = pb;
	int r = path_cmp(a->path, b->path);

	if (r)
		return r;
	return cmp_u32(a->flags & XSS_TEVENT_REMOVAL,
		       b->flags & XSS_TEVENT_REMOVAL);
}

int
removed_cmp(const void *a, const void *b)
{
	return path_cmp(((const struct xss_removed *)a)->path,
			((const struct xss_removed *)b)->path);
}

/* qsort(), which must not see a NULL array, even an empty one. */
static void
sort(void *base, size_t n, size_t size,
     int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static void
quota_sort(struct xss_quota *q)
{
	if (q)
		sort((void *)q->e, q->num, sizeof(*q->e), quota_entry_cmp);
}

static void
model_sort(struct model *m)
{
	size_t i, j, k;

	quota_sort(m->defaults);
	sort(m->specials, m->nspecials, sizeof(*m->specials), special_cmp);
	sort(m->nodes, m->nnodes, sizeof(*m->nodes), node_cmp);
	sort(m->conns, m->nconns, sizeof(*m->conns), conn_cmp);
	for (i = 0; i < m->nconns; i++) {
		struct m_conn *c = m->conns[i];

		quota_sort(c->quota);
		sort(c->watches, c->nwatches, sizeof(*c->watches), watch_cmp);
		sort(c->txns, c->ntxns, sizeof(*c->txns), txn_cmp);
		for (j = 0; j < c->ntxns; j++) {
			struct m_txn *t = c->txns[j];

			sort(t->nodes, t->nnodes, sizeof(*t->nodes),
			     tnode_cmp);
			sort(t->events, t->nevents, sizeof(*t->events),
			     tevent_cmp);
			for (k = 0; k < t->nevents; k++)
				sort((void *)t->events[k].removed,
				     t->events[k].nremoved,
				     sizeof(*t->events[k].removed),
				     removed_cmp);
		}
	}
}

static int
load_record(void *arg, const struct xss_record *rec)
{
	struct loader *l = arg;
	int err = model_add(l, rec);

	if (err == ENOMEM)
		tool_warnx("out of memory");
	else if (err)
		tool_warnx("%s: record #%" PRIu32 " (%s) at offset 0x%" PRIx64
			   ": out of order", l->img->name, rec->index,
			   xss_type_name(rec->type), rec->offset);
	return err;
}

/* Read a whole image into a model.  NULL after printing the reason. */
static struct model *
model_load(TALLOC_CTX *mem_ctx, struct image *img)
{
	static const struct image_visitor visitor = {
		.record = load_record,
	};
	struct loader l = { .img = img };
	int ret;

	l.m = talloc_zero(mem_ctx, struct model);
	if (!l.m) {
		tool_warnx("out of memory");
		return NULL;
	}
	l.m->hdr = img->hdr;
	ret = image_walk(img, &visitor, &l);
	if (ret < 0)
		image_error(img);
	if (ret) {
		talloc_free(l.m);
		return NULL;
	}
	model_sort(l.m);
	return l.m;
}

struct model *
model_open(TALLOC_CTX *mem_ctx, const char *path)
{
	struct image *img = image_open(mem_ctx, path);
	struct model *m = NULL;

	if (img && !image_read_header(img))
		m = model_load(mem_ctx, img);
	talloc_free(img);
	return m;
}
