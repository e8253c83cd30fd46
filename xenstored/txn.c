// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * txn.c - transactions.
 *
 * How conflicts are found
 * -----------------------
 * The committed store gives every node a generation number, and a new one
 * whenever the node's value, permissions or set of children change
 * (store.c).  A transaction records, for every path it touches (reads,
 * writes, lists, deletes, or looks up and finds missing), the generation
 * that path had in the store at the first touch: its entry.  Entries
 * also hold the transaction's own version of the node, so later requests
 * in the transaction see their own changes.
 *
 * At commit every entry is compared with the store again.  If any path
 * now has another generation (changed, created, or removed meanwhile),
 * the transaction saw a state that no longer exists and commit fails
 * with EAGAIN.  Otherwise nothing it depended on changed, so applying its
 * changes now gives the same result as if it had run alone.
 *
 * Examples (T is the transaction, O another client outside it):
 *   1. T reads /a, O writes /a, T writes /b, T commits: /a's generation
 *      moved, EAGAIN.
 *   2. T writes /a/x, O writes /b: /b was never touched by T; /a was
 *      (its child list changes), but O did not change /a: commit works.
 *   3. T lists /a, O creates /a/y: /a's set of children changed, so its
 *      generation moved: EAGAIN, although T never read /a/y.
 *   4. T reads the missing /c (entry with generation 0), O creates /c:
 *      /c now has a generation: EAGAIN.
 *
 * Applying
 * --------
 * Changed entries are applied in two passes: removals deepest first (a
 * node only goes once its children are gone), then additions and updates
 * shallowest first (a parent exists before its children).  Watch events
 * were queued in request order and fire after the store is updated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "domain.h"
#include "hash.h"
#include "path.h"
#include "store.h"
#include "txn.h"
#include "watch.h"
#include "xsd.h"

static int
txn_destroy(struct txn *t)
{
	list_del(&t->link);
	t->conn->ntxns--;
	if (t->conn->domain->txns)
		t->conn->domain->txns--;
	domain_mem_add(t->conn->domain, -(ssize_t)t->mem);
	return 0;
}

/*
 * Charge the domain for everything the transaction holds now: its
 * entries, their node copies and child lists, its queued events.
 * A walk of the transaction's allocations: bounded by the
 * transaction-nodes quota for the domains it limits.
 */
static void
account(struct txn *t)
{
	size_t now;

	/* dom0's are not limited: not worth a walk of a large one. */
	if (t->conn->privileged)
		return;
	now = talloc_total_size(t);
	domain_mem_add(t->conn->domain, (ssize_t)now - (ssize_t)t->mem);
	t->mem = now;
}

/* May the transaction take add more bytes?  0 or ENOMEM. */
static int
mem_check(struct txn *t, size_t add)
{
	if (t->conn->privileged)
		return 0;
	return domain_mem_check(t->conn->domain, add);
}

/* A new transaction with id (0: pick the next free one). */
static int
txn_new(struct conn *c, uint32_t id, struct txn **out)
{
	struct domain *d = c->domain;
	struct txn *t;

	t = talloc_zero(c, struct txn);
	if (!t)
		return ENOMEM;
	t->index = hash_new(t);
	if (!t->index) {
		talloc_free(t);
		return ENOMEM;
	}
	t->conn = c;
	t->releases = c->xsd->releases;
	list_init(&t->entries);
	list_init(&t->events);
	/* Ids are never 0 and never in use on this connection. */
	t->id = id;
	while (t->id == 0 || txn_find(c, t->id))
		t->id = c->next_txid++;
	list_add_tail(&c->txns, &t->link);
	c->ntxns++;
	d->txns++;
	talloc_set_destructor(t, txn_destroy);
	account(t);
	*out = t;
	return 0;
}

int
txn_start(struct conn *c, struct txn **out)
{
	struct domain *d = c->domain;

	/* Like every quota, the limit binds unprivileged domains only. */
	if (!c->privileged &&
	    quota_exceeded(d->quota.hard[Q_TRANSACTIONS], c->ntxns, 1))
		return ENOSPC;
	return txn_new(c, 0, out);
}

int
txn_restore(struct conn *c, uint32_t id, unsigned int added,
	    struct txn **out)
{
	int ret;

	if (id == 0 || txn_find(c, id))
		return EEXIST;
	ret = txn_new(c, id, out);
	if (!ret)
		(*out)->added = added;
	return ret;
}

int
txn_foreach(struct conn *c, int (*fn)(struct txn *t, void *arg), void *arg)
{
	struct txn *t;
	int ret;

	list_for_each(t, &c->txns, link) {
		ret = fn(t, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int
txn_entry_foreach(struct txn *t,
		  int (*fn)(const struct txn_entry *e, void *arg), void *arg)
{
	struct txn_entry *e;
	int ret;

	list_for_each(e, &t->entries, link) {
		ret = fn(e, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int
txn_event_foreach(struct txn *t,
		  int (*fn)(const struct watch_event *ev, void *arg),
		  void *arg)
{
	struct txn_event *te;
	int ret;

	list_for_each(te, &t->events, link) {
		ret = fn(&te->ev, arg);
		if (ret)
			return ret;
	}
	return 0;
}

struct txn *
txn_find(struct conn *c, uint32_t id)
{
	struct txn *t;

	list_for_each(t, &c->txns, link)
		if (t->id == id)
			return t;
	return NULL;
}

static struct store *
store_of(struct txn *t)
{
	return t->conn->xsd->store;
}

/* A new entry for path, indexed and last in first-touch order. */
static struct txn_entry *
entry_new(struct txn *t, const char *path)
{
	struct txn_entry *e = talloc_zero(t, struct txn_entry);

	if (!e)
		return NULL;
	e->path = talloc_strdup(e, path);
	if (!e->path || hash_put(t->index, e->path, e)) {
		talloc_free(e);
		return NULL;
	}
	list_add_tail(&t->entries, &e->link);
	e->seq = t->nentries++;
	return e;
}

/* The entry for path, created from the store at first touch. */
static int
entry(struct txn *t, const char *path, struct txn_entry **out)
{
	struct txn_entry *e = hash_get(t->index, path);
	struct node *n = NULL;
	int ret;

	if (e) {
		*out = e;
		return 0;
	}
	if (!t->conn->privileged &&
	    quota_exceeded(t->conn->domain->quota.hard[Q_TRANSACTION_NODES],
			   t->nentries, 1))
		return ENOSPC;
	ret = store_get(t, store_of(t), path, &n);
	if (ret && ret != ENOENT)
		return ret;
	if (mem_check(t, sizeof(*e) + 2 * strlen(path) +
			 (n ? node_mem(n) : 0))) {
		talloc_free(n);
		return ENOMEM;
	}
	e = entry_new(t, path);
	if (!e) {
		talloc_free(n);
		return ENOMEM;
	}
	e->node = n ? talloc_steal(e, n) : NULL;
	e->base_gen = n ? n->gen : 0;
	*out = e;
	return 0;
}

int
txn_restore_entry(struct txn *t, const char *path, uint64_t base_gen,
		  const struct node *n, bool changed, bool recreated,
		  char **children, unsigned int nchildren)
{
	struct txn_entry *e;
	unsigned int i;

	if (hash_get(t->index, path))
		return EEXIST;
	e = entry_new(t, path);
	if (!e)
		return ENOMEM;
	e->base_gen = base_gen;
	e->changed = changed;
	e->recreated = recreated;
	if (n && !(e->node = node_dup(e, n)))
		return ENOMEM;
	if (!children)
		return 0;
	e->children = talloc_array(e, char *, nchildren + 1);
	if (!e->children)
		return ENOMEM;
	for (i = 0; i < nchildren; i++)
		if (!(e->children[i] = talloc_strdup(e->children,
						     children[i])))
			return ENOMEM;
	e->children[nchildren] = NULL;
	e->nchildren = nchildren;
	e->children_loaded = true;
	return 0;
}

int
txn_get(TALLOC_CTX *mem_ctx, struct txn *t, const char *path,
	struct node **out)
{
	struct txn_entry *e;
	int ret = entry(t, path, &e);

	account(t);
	if (ret)
		return ret;
	if (!e->node)
		return ENOENT;
	*out = node_dup(mem_ctx, e->node);
	return *out ? 0 : ENOMEM;
}

static int
load_children(struct txn *t, struct txn_entry *e)
{
	int ret;

	if (e->children_loaded)
		return 0;
	if (!e->node)
		return ENOENT;
	ret = store_children(e, store_of(t), e->path, &e->children,
			     &e->nchildren);
	if (ret)
		return ret;
	if (!t->conn->privileged &&
	    mem_check(t, talloc_total_size(e->children))) {
		TALLOC_FREE(e->children);
		e->nchildren = 0;
		return ENOMEM;
	}
	e->children_loaded = true;
	return 0;
}

int
txn_children(TALLOC_CTX *mem_ctx, struct txn *t, const char *path,
	     char ***names, unsigned int *num)
{
	struct txn_entry *e;
	char **v;
	unsigned int i;
	int ret = entry(t, path, &e);

	if (!ret)
		ret = load_children(t, e);
	account(t);
	if (ret)
		return ret;
	v = talloc_array(mem_ctx, char *, e->nchildren + 1);
	if (!v)
		return ENOMEM;
	for (i = 0; i < e->nchildren; i++) {
		v[i] = talloc_strdup(v, e->children[i]);
		if (!v[i]) {
			talloc_free(v);
			return ENOMEM;
		}
	}
	v[i] = NULL;
	*names = v;
	*num = e->nchildren;
	return 0;
}

/* Set e's node to a copy of n (NULL: absent). */
static int
replace(struct txn *t, struct txn_entry *e, const struct node *n)
{
	struct node *copy = NULL;

	if (n && mem_check(t, node_mem(n)))
		return ENOMEM;
	if (n) {
		copy = node_dup(e, n);
		if (!copy)
			return ENOMEM;
	}
	talloc_free(e->node);
	e->node = copy;
	e->changed = true;
	return 0;
}

static int
txn_set_view(struct txn *t, const struct node *n)
{
	struct txn_entry *e;
	int ret = entry(t, n->path, &e);

	if (ret)
		return ret;
	if (!e->node)
		return ENOENT;
	return replace(t, e, n);
}

int
txn_set(struct txn *t, const struct node *n)
{
	int ret = txn_set_view(t, n);

	account(t);
	return ret;
}

/* Add or drop leaf in the child list of path's parent. */
static int
parent_list(struct txn *t, const char *path, bool add)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	const char *leaf = path_leaf(path);
	struct txn_entry *p;
	char *ppath = tmp ? path_parent(tmp, path) : NULL;
	unsigned int i;
	int ret;

	if (!ppath) {
		talloc_free(tmp);
		return ENOMEM;
	}
	ret = entry(t, ppath, &p);
	talloc_free(tmp);
	if (!ret)
		ret = load_children(t, p);
	if (ret)
		return ret;
	if (add) {
		char **v = talloc_realloc(p, p->children, char *,
					  p->nchildren + 2);

		if (!v)
			return ENOMEM;
		p->children = v;
		v[p->nchildren] = talloc_strdup(v, leaf);
		if (!v[p->nchildren])
			return ENOMEM;
		v[++p->nchildren] = NULL;
		return 0;
	}
	for (i = 0; i < p->nchildren; i++) {
		if (!strcmp(p->children[i], leaf)) {
			talloc_free(p->children[i]);
			memmove(&p->children[i], &p->children[i + 1],
				(p->nchildren - i) * sizeof(char *));
			p->nchildren--;
			break;
		}
	}
	return 0;
}

static int
txn_add_view(struct txn *t, const struct node *n)
{
	struct txn_entry *e;
	int ret = entry(t, n->path, &e);

	if (ret)
		return ret;
	if (e->node)
		return EEXIST;
	ret = parent_list(t, n->path, true);
	if (ret)
		return ret;
	ret = replace(t, e, n);
	if (ret)
		return ret;
	if (e->base_gen)
		e->recreated = true;	/* removed earlier in this txn */
	t->added++;
	/* A node created here starts without children. */
	talloc_free(e->children);
	e->children = NULL;
	e->nchildren = 0;
	e->children_loaded = true;
	return 0;
}

int
txn_add(struct txn *t, const struct node *n)
{
	int ret = txn_add_view(t, n);

	account(t);
	return ret;
}

static int
txn_del_view(struct txn *t, const char *path)
{
	struct txn_entry *e;
	int ret = entry(t, path, &e);

	if (!ret)
		ret = load_children(t, e);
	if (ret)
		return ret;
	if (e->nchildren)
		return ENOTEMPTY;
	ret = parent_list(t, path, false);
	if (ret)
		return ret;
	return replace(t, e, NULL);
}

int
txn_del(struct txn *t, const char *path)
{
	int ret = txn_del_view(t, path);

	account(t);
	return ret;
}

static int
set_perms(struct txn_event *te, unsigned int i, const struct perm *perms,
	  unsigned int nperms)
{
	struct perm *copy = NULL;

	if (nperms) {
		copy = talloc_memdup(te, perms, nperms * sizeof(*perms));
		if (!copy)
			return ENOMEM;
	}
	talloc_free((void *)te->ev.perms[i]);
	te->ev.perms[i] = copy;
	te->ev.nperms[i] = nperms;
	return 0;
}

static int
txn_event_view(struct txn *t, const struct watch_event *ev)
{
	struct txn_entry *e = hash_get(t->index, ev->path);
	struct txn_event **slot = NULL, *te;
	int ret;

	if (e)
		slot = ev->removed ? &e->removal : &e->change;
	if (slot && *slot) {
		if (ev->removed) {
			talloc_free(ev->removed);
			return 0;
		}
		/*
		 * Already queued: who may see it now counts too.  A node
		 * the transaction created had no permissions before it:
		 * those it was created with were never visible outside.
		 */
		if (!e->base_gen || e->recreated) {
			ret = set_perms(*slot, 0, ev->perms[1], ev->nperms[1]);
			if (ret)
				return ret;
		}
		return set_perms(*slot, 1, ev->perms[1], ev->nperms[1]);
	}
	te = talloc_zero(t, struct txn_event);
	if (!te)
		return ENOMEM;
	te->ev.path = talloc_strdup(te, ev->path);
	ret = te->ev.path ? 0 : ENOMEM;
	if (!ret)
		ret = set_perms(te, 0, ev->perms[0], ev->nperms[0]);
	if (!ret)
		ret = set_perms(te, 1, ev->perms[1], ev->nperms[1]);
	if (ret) {
		talloc_free(te);
		return ret;
	}
	if (ev->removed)
		te->ev.removed = talloc_steal(te, ev->removed);
	if (slot)
		*slot = te;
	list_add_tail(&t->events, &te->link);
	return 0;
}

int
txn_event(struct txn *t, const struct watch_event *ev)
{
	int ret = txn_event_view(t, ev);

	account(t);
	return ret;
}

static bool
conflicts(struct txn *t)
{
	struct store *s = store_of(t);
	struct txn_entry *e;

	list_for_each(e, &t->entries, link)
		if (store_gen(s, e->path) != e->base_gen)
			return true;
	return false;
}

/* Parents before children; equal depth in first-touch order. */
static int
by_depth(const void *a, const void *b)
{
	const struct txn_entry *x = *(struct txn_entry *const *)a;
	const struct txn_entry *y = *(struct txn_entry *const *)b;
	unsigned int dx = path_depth(x->path), dy = path_depth(y->path);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The store must gain this node: new here, or removed and re-created. */
static bool
is_add(const struct txn_entry *e)
{
	return e->node && (!e->base_gen || e->recreated);
}

/* Add p's new children in the order the transaction listed them. */
static int
add_children(struct txn *t, struct txn_entry *p)
{
	struct txn_entry *c;
	unsigned int i;
	char *path;
	int ret = 0;

	for (i = 0; i < p->nchildren && !ret; i++) {
		path = path_join(NULL, p->path, p->children[i]);
		if (!path)
			return ENOMEM;
		c = hash_get(t->index, path);
		if (c && is_add(c))
			ret = store_add(store_of(t), c->node);
		talloc_free(path);
	}
	return ret;
}

/*
 * A domain released while the transaction ran lost its rights in the
 * store (tree_forget_domain), but the transaction's copies still name
 * it: drop those entries (an owner passes to dom0), or a new domain
 * given the same domid would inherit them (XSA-322).
 */
static void
forget_released(struct txn *t, struct node *n)
{
	struct domain *d;
	unsigned int i, j = 1;
	bool gone;

	for (i = 0; i < n->nperms; i++) {
		d = domain_get(t->conn->xsd, n->perms[i].id, false);
		gone = d && d->domid && d->released > t->releases;
		if (i == 0) {
			if (gone)
				n->perms[0].id = 0;
		} else if (!gone) {
			n->perms[j++] = n->perms[i];
		}
	}
	if (n->nperms)
		n->nperms = j;
}

static int
apply(struct txn *t)
{
	struct store *s = store_of(t);
	struct txn_entry **v, *e;
	unsigned int n = 0, i;
	int ret = 0;

	v = talloc_array(t, struct txn_entry *, t->nentries);
	if (!v)
		return ENOMEM;
	list_for_each(e, &t->entries, link) {
		v[n++] = e;
		if (e->changed && e->node &&
		    t->releases != t->conn->xsd->releases)
			forget_released(t, e->node);
	}
	qsort(v, n, sizeof(*v), by_depth);
	/* Removals, deepest first (re-created nodes go and come back). */
	for (i = n; i-- > 0 && !ret;) {
		e = v[i];
		if (e->changed && e->base_gen && (!e->node || e->recreated))
			ret = store_del(s, e->path);
	}
	/* Additions, parents first, siblings in the transaction's order. */
	for (i = 0; i < n && !ret; i++)
		if (v[i]->node && v[i]->children_loaded)
			ret = add_children(t, v[i]);
	/* Changes of nodes that stayed. */
	for (i = 0; i < n && !ret; i++) {
		e = v[i];
		if (e->changed && e->node && !is_add(e))
			ret = store_set(s, e->node);
	}
	talloc_free(v);
	return ret;
}

/*
 * Quotas again, against the store as it is now: transactions of one
 * domain run side by side, each checked only against the nodes the
 * domain had when it added its own (ENOSPC), and the memory the
 * committed nodes will take (ENOMEM; the transaction's copies go).
 */
static int
commit_quota(struct txn *t)
{
	struct domain *d = t->conn->domain;
	struct store *s = store_of(t);
	struct txn_entry *e;
	struct node *old;
	long nodes = 0;
	ssize_t mem = 0;

	if (t->conn->privileged)
		return 0;
	list_for_each(e, &t->entries, link) {
		if (!e->changed)
			continue;
		old = NULL;
		if (e->base_gen && store_get(NULL, s, e->path, &old) == 0 &&
		    node_owner(old) == d->domid) {
			mem -= (ssize_t)node_mem(old);
			if (!e->node || e->recreated)
				nodes--;
		}
		talloc_free(old);
		if (e->node && node_owner(e->node) == d->domid) {
			mem += (ssize_t)node_mem(e->node);
			if (is_add(e))
				nodes++;
		}
	}
	if (nodes > 0 && quota_exceeded(d->quota.hard[Q_NODES], d->nodes,
					(unsigned int)nodes))
		return ENOSPC;
	if (mem > (ssize_t)t->mem &&
	    domain_mem_check(d, (size_t)mem - t->mem))
		return ENOMEM;
	return 0;
}

int
txn_end(struct txn *t, bool commit)
{
	struct xsd *xsd = t->conn->xsd;
	struct txn_event *ev;
	int ret = 0;

	if (commit) {
		if (conflicts(t)) {
			ret = EAGAIN;
			goto out;
		}
		ret = commit_quota(t);
		if (ret)
			goto out;
		ret = apply(t);
		if (ret)
			goto out;
		list_for_each(ev, &t->events, link)
			watch_fire(xsd, &ev->ev);
	}
out:
	talloc_free(t);
	return ret;
}
