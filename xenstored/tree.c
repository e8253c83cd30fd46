// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tree.c - protocol semantics of the node operations.
 *
 * The view_* functions hide whether a request runs in a transaction:
 * they go to txn.c or straight to the store (and fire watches at once).
 * Everything above them is written once for both cases.
 */
#include <errno.h>
#include <string.h>

#include "conn.h"
#include "domain.h"
#include "hash.h"
#include "path.h"
#include "store.h"
#include "tree.h"
#include "txn.h"
#include "watch.h"
#include "xsd.h"

static int
view_get(TALLOC_CTX *mem_ctx, struct conn *c, struct txn *t,
	 const char *path, struct node **out)
{
	return t ? txn_get(mem_ctx, t, path, out)
		 : store_get(mem_ctx, c->xsd->store, path, out);
}

static int
view_set(struct conn *c, struct txn *t, const struct node *n)
{
	return t ? txn_set(t, n) : store_set(c->xsd->store, n);
}

static int
view_add(struct conn *c, struct txn *t, const struct node *n)
{
	return t ? txn_add(t, n) : store_add(c->xsd->store, n);
}

static int
view_del(struct conn *c, struct txn *t, const char *path)
{
	return t ? txn_del(t, path) : store_del(c->xsd->store, path);
}

static int
view_children(TALLOC_CTX *mem_ctx, struct conn *c, struct txn *t,
	      const char *path, char ***names, unsigned int *num)
{
	return t ? txn_children(mem_ctx, t, path, names, num)
		 : store_children(mem_ctx, c->xsd->store, path, names, num);
}

static int
view_fire(struct conn *c, struct txn *t, const struct watch_event *ev)
{
	if (t)
		return txn_event(t, ev);
	watch_fire(c->xsd, ev);
	if (ev->removed)
		talloc_free(ev->removed);
	return 0;
}

/* n changed; before the change its permissions were old (NULL: same). */
static int
view_event(struct conn *c, struct txn *t, const struct node *n,
	   const struct perm *old, unsigned int nold)
{
	struct watch_event ev = {
		.path = n->path,
		.perms = { old ? old : n->perms, n->perms },
		.nperms = { old ? nold : n->nperms, n->nperms },
	};

	return view_fire(c, t, &ev);
}

static uint32_t
access_of(const struct conn *c, const struct node *n)
{
	if (c->privileged)
		return PERM_BOTH;
	return perms_access(n->perms, n->nperms, c->domid, c->target);
}

int
tree_get(TALLOC_CTX *mem_ctx, struct conn *c, struct txn *t,
	 const char *path, uint32_t perm, struct node **out)
{
	TALLOC_CTX *tmp;
	struct node *n = NULL;
	char *p;
	int ret;

	ret = view_get(mem_ctx, c, t, path, &n);
	if (ret == 0) {
		if ((access_of(c, n) & perm) != perm) {
			talloc_free(n);
			return EACCES;
		}
		*out = n;
		return 0;
	}
	if (ret != ENOENT || c->privileged)
		return ret;
	/* Missing: answer as the nearest existing parent allows. */
	tmp = talloc_new(NULL);
	if (!tmp)
		return ENOMEM;
	for (p = path_parent(tmp, path); p; p = path_parent(tmp, p)) {
		ret = view_get(tmp, c, t, p, &n);
		if (ret != ENOENT || !strcmp(p, "/"))
			break;
	}
	if (!p)
		ret = ENOMEM;
	else if (ret == 0)
		ret = (access_of(c, n) & perm) == perm ? ENOENT : EACCES;
	talloc_free(tmp);
	return ret;
}

static int
check_size(const struct conn *c, const struct node *n)
{
	const struct quota_set *q = &c->domain->quota;

	if (c->privileged)
		return 0;
	if (quota_exceeded(q->hard[Q_NODE_PERMS], n->nperms, 0))
		return ENOSPC;
	if (quota_exceeded(q->hard[Q_NODE_SIZE], n->len, 0))
		return ENOSPC;
	return 0;
}

/*
 * Would an unprivileged requester take the owner's memory over its
 * quota by making a node of old_mem bytes new_mem bytes?  Transactions
 * are charged for their copies in txn.c, and checked again at commit.
 */
static int
check_mem(const struct conn *c, unsigned int owner, size_t old_mem,
	  size_t new_mem)
{
	struct domain *d;

	if (c->privileged || new_mem <= old_mem)
		return 0;
	d = domain_get(c->xsd, owner, false);
	return d ? domain_mem_check(d, new_mem - old_mem) : 0;
}

/*
 * Create path and any missing parents, the last with value.  New nodes
 * take the permissions of their parent; a domain owns what it creates.
 */
static int
create(TALLOC_CTX *tmp, struct conn *c, struct txn *t, const char *path,
       const void *value, uint32_t len, struct node **out)
{
	struct domain *d = c->domain;
	const char *missing[XENSTORE_ABS_PATH_MAX / 2 + 1];
	unsigned int nmissing = 0;
	struct node *parent = NULL, *n = NULL;
	const char *p = path;
	unsigned int i;
	size_t mem;
	int ret;

	for (;;) {
		missing[nmissing++] = p;
		p = path_parent(tmp, p);
		if (!p)
			return ENOMEM;
		ret = view_get(tmp, c, t, p, &parent);
		if (ret == 0)
			break;
		if (ret != ENOENT)
			return ret;
	}
	if (!(access_of(c, parent) & PERM_WRITE))
		return EACCES;
	if (!c->privileged &&
	    quota_exceeded(d->quota.hard[Q_NODES], d->nodes + (t ? t->added : 0),
			   nmissing))
		return ENOSPC;
	/*
	 * Check the sizes before creating anything: the missing parents
	 * are empty and carry the permissions the new node gets, so the
	 * new node is the largest of them.
	 */
	n = talloc_zero(tmp, struct node);
	if (!n)
		return ENOMEM;
	n->nperms = parent->nperms;
	n->len = len;
	ret = check_size(c, n);
	if (ret)
		return ret;
	mem = len;
	for (i = 0; i < nmissing; i++)
		mem += node_mem_of(strlen(missing[i]), 0, parent->nperms);
	ret = check_mem(c, c->domid, 0, mem);
	if (ret)
		return ret;
	while (nmissing) {
		const char *np = missing[--nmissing];

		n = talloc_zero(tmp, struct node);
		if (!n)
			return ENOMEM;
		n->path = (char *)np;
		n->perms = talloc_memdup(n, parent->perms,
					 parent->nperms * sizeof(struct perm));
		if (!n->perms)
			return ENOMEM;
		n->nperms = parent->nperms;
		if (c->domid)
			n->perms[0].id = c->domid;
		n->value = (uint8_t *)(nmissing ? "" : value);
		n->len = nmissing ? 0 : len;
		ret = view_add(c, t, n);
		if (ret)
			return ret;
		parent = n;
	}
	*out = n;
	return 0;
}

int
tree_write(struct conn *c, struct txn *t, const char *path,
	   const void *value, uint32_t len)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct node *n = NULL;
	int ret;

	if (!tmp)
		return ENOMEM;
	ret = tree_get(tmp, c, t, path, PERM_WRITE, &n);
	if (ret == 0) {
		size_t old_mem = node_mem(n);

		n->value = (uint8_t *)value;
		n->len = len;
		ret = check_size(c, n);
		if (!ret && !t)
			ret = check_mem(c, node_owner(n), old_mem,
					node_mem(n));
		if (!ret)
			ret = view_set(c, t, n);
	} else if (ret == ENOENT) {
		ret = create(tmp, c, t, path, value, len, &n);
	}
	if (!ret)
		ret = view_event(c, t, n, NULL, 0);
	talloc_free(tmp);
	return ret;
}

int
tree_mkdir(struct conn *c, struct txn *t, const char *path)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct node *n = NULL;
	int ret;

	if (!tmp)
		return ENOMEM;
	ret = tree_get(tmp, c, t, path, PERM_WRITE, &n);
	if (ret == ENOENT) {
		ret = create(tmp, c, t, path, "", 0, &n);
		if (!ret)
			ret = view_event(c, t, n, NULL, 0);
	}
	talloc_free(tmp);
	return ret;
}

/*
 * Collect path and everything below it into removed (path -> node) and
 * order (children before parents).  Only reads: in a transaction this
 * is where the touched-nodes quota can stop a removal, before anything
 * changed.
 */
static int
collect_subtree(struct conn *c, struct txn *t, const char *path,
		struct hash *removed, char ***order, unsigned int *num)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char **names = NULL, *child, **v;
	struct node *n = NULL;
	unsigned int nn = 0, i;
	int ret;

	if (!tmp)
		return ENOMEM;
	ret = view_children(tmp, c, t, path, &names, &nn);
	for (i = 0; i < nn && !ret; i++) {
		child = path_join(tmp, path, names[i]);
		ret = child ? collect_subtree(c, t, child, removed, order, num)
			    : ENOMEM;
	}
	if (!ret)
		ret = view_get(removed, c, t, path, &n);
	if (!ret)
		ret = hash_put(removed, n->path, n);
	if (!ret) {
		v = talloc_realloc(removed, *order, char *, *num + 1);
		if (v) {
			v[(*num)++] = n->path;
			*order = v;
		} else {
			ret = ENOMEM;
		}
	}
	talloc_free(tmp);
	return ret;
}

/* Remove path's subtree; removed gets every removed node, by path. */
static int
remove_subtree(struct conn *c, struct txn *t, const char *path,
	       struct hash *removed)
{
	char **order = NULL, *parent;
	struct node *pn = NULL;
	unsigned int num = 0, i;
	int ret;

	/* The parent's child list changes too: touch it while reading. */
	parent = path_parent(removed, path);
	ret = parent ? view_get(removed, c, t, parent, &pn) : ENOMEM;
	if (!ret)
		ret = collect_subtree(c, t, path, removed, &order, &num);
	for (i = 0; i < num && !ret; i++)
		ret = view_del(c, t, order[i]);
	talloc_free(order);
	return ret;
}

int
tree_rm(struct conn *c, struct txn *t, const char *path)
{
	TALLOC_CTX *tmp;
	struct node *n = NULL;
	char *parent;
	int ret;

	if (!strcmp(path, "/"))
		return EINVAL;
	tmp = talloc_new(NULL);
	if (!tmp)
		return ENOMEM;
	ret = tree_get(tmp, c, t, path, PERM_WRITE, &n);
	if (ret == ENOENT) {
		/* Fine if the parent exists: the node is already gone. */
		parent = path_parent(tmp, path);
		ret = parent ? view_get(tmp, c, t, parent, &n) : ENOMEM;
	} else if (ret == 0) {
		struct watch_event ev = {
			.path = n->path,
			.perms = { n->perms },
			.nperms = { n->nperms },
			.removed = hash_new(NULL),
		};

		ret = ev.removed ? remove_subtree(c, t, path, ev.removed)
				 : ENOMEM;
		if (!ret)
			ret = view_fire(c, t, &ev);
		else
			talloc_free(ev.removed);
	}
	talloc_free(tmp);
	return ret;
}

int
tree_set_perms(struct conn *c, struct txn *t, const char *path,
	       const struct perm *perms, unsigned int nperms)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct node *n = NULL;
	struct perm *old;
	unsigned int nold;
	int ret;

	if (!tmp)
		return ENOMEM;
	ret = tree_get(tmp, c, t, path, PERM_WRITE, &n);
	if (ret)
		goto out;
	/* Only the owner (or who acts for it) may change permissions. */
	if (!c->privileged && c->domid != node_owner(n) &&
	    c->target != node_owner(n)) {
		ret = EACCES;
		goto out;
	}
	/* Only the privileged may hand a node to another owner. */
	if (!c->privileged && perms[0].id != node_owner(n)) {
		ret = EPERM;
		goto out;
	}
	old = n->perms;
	nold = n->nperms;
	n->perms = (struct perm *)perms;
	n->nperms = nperms;
	ret = check_size(c, n);
	if (!ret)
		ret = view_set(c, t, n);
	/* Who could read the node before or can now hears of it. */
	if (!ret)
		ret = view_event(c, t, n, old, nold);
out:
	talloc_free(tmp);
	return ret;
}

int
tree_children(TALLOC_CTX *mem_ctx, struct conn *c, struct txn *t,
	      const char *path, struct node **n, char ***names,
	      unsigned int *num)
{
	int ret = tree_get(mem_ctx, c, t, path, PERM_READ, n);

	if (ret)
		return ret;
	return view_children(mem_ctx, c, t, path, names, num);
}

struct owned {
	unsigned int domid;
	TALLOC_CTX *mem_ctx;
	char **paths;
	unsigned int num;
	int err;
};

static int
collect_owned(const struct node *n, void *arg)
{
	struct owned *o = arg;
	char **v;

	if (node_owner(n) != o->domid || !strcmp(n->path, "/"))
		return 0;
	/* Below a node already taken: goes with it. */
	if (o->num && path_is_child(n->path, o->paths[o->num - 1]))
		return 0;
	v = talloc_realloc(o->mem_ctx, o->paths, char *, o->num + 1);
	if (!v)
		return ENOMEM;
	o->paths = v;
	v[o->num] = talloc_strdup(v, n->path);
	if (!v[o->num])
		return ENOMEM;
	o->num++;
	return 0;
}

int
tree_rm_owned(struct xsd *xsd, unsigned int domid)
{
	struct owned o = { .domid = domid };
	unsigned int i;
	int ret;

	o.mem_ctx = talloc_new(NULL);
	if (!o.mem_ctx)
		return ENOMEM;
	ret = store_walk(xsd->store, "/", collect_owned, &o);
	for (i = 0; i < o.num && !ret; i++)
		ret = tree_rm(xsd->internal, NULL, o.paths[i]);
	talloc_free(o.mem_ctx);
	return ret;
}

struct perm_ref {
	unsigned int domid;
	TALLOC_CTX *mem_ctx;
	struct node **nodes;
	unsigned int num;
};

static bool
names_domain(const struct perm *p, unsigned int n, unsigned int domid)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (p[i].id == domid)
			return true;
	return false;
}

static int
collect_perm_refs(const struct node *n, void *arg)
{
	struct perm_ref *pr = arg;
	struct node **v;

	if (!names_domain(n->perms, n->nperms, pr->domid))
		return 0;
	v = talloc_realloc(pr->mem_ctx, pr->nodes, struct node *, pr->num + 1);
	if (!v)
		return ENOMEM;
	pr->nodes = v;
	v[pr->num] = node_dup(v, n);
	return v[pr->num++] ? 0 : ENOMEM;
}

/*
 * Drop the entries naming domid from a permission list in place; an
 * owner entry passes to dom0 instead.  Returns the new count.
 */
static unsigned int
forget_domain(struct perm *p, unsigned int n, unsigned int domid)
{
	unsigned int i, j = 1;

	if (n && p[0].id == domid)
		p[0].id = 0;
	for (i = 1; i < n; i++)
		if (p[i].id != domid)
			p[j++] = p[i];
	return n ? j : 0;
}

int
tree_forget_domain(struct xsd *xsd, unsigned int domid)
{
	struct perm_ref pr = { .domid = domid };
	unsigned int i;
	int ret;

	pr.mem_ctx = talloc_new(NULL);
	if (!pr.mem_ctx)
		return ENOMEM;
	ret = store_walk(xsd->store, "/", collect_perm_refs, &pr);
	for (i = 0; i < pr.num && !ret; i++) {
		struct node *n = pr.nodes[i];

		n->nperms = forget_domain(n->perms, n->nperms, domid);
		ret = store_set(xsd->store, n);
	}
	for (i = 0; i < XSD_NSPECIAL; i++) {
		struct special_node *sp = &xsd->specials[i];

		sp->nperms = forget_domain(sp->perms, sp->nperms, domid);
	}
	talloc_free(pr.mem_ctx);
	return ret;
}
