// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * watch_index.c - watches indexed by path (see watch_index.h).
 *
 * A node holds the watches set on exactly its path, in the order they
 * were set, and counts its references: its watches and its child nodes.
 * It goes when the count falls to zero, and the whole index goes with
 * its last node.  Matches are gathered first and handed out sorted by
 * the watches' sequence numbers, which keeps the events of one change
 * in the order the connection set its watches.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "hash.h"
#include "list.h"
#include "watch.h"
#include "watch_index.h"
#include "xsd.h"

struct watch_node {
	struct watch_node *parent;
	struct list_node sibling;	/* parent->children */
	struct list_node children;	/* struct watch_node */
	struct list_node watches;	/* struct watch, by index_link */
	unsigned int refs;		/* watches here + child nodes */
	char path[];			/* the hash key */
};

struct match {
	struct watch *w;
	bool below;
};

struct watch_index {
	struct xsd *xsd;
	struct hash *nodes;		/* path -> struct watch_node */
	uint64_t next_seq;
	struct match *m;		/* matches of the event at hand */
	size_t nm, m_size;
};

/* Freed with the daemon before its connections: they find no index. */
static int
index_destroy(struct watch_index *ix)
{
	if (ix->xsd->watch_index == ix)
		ix->xsd->watch_index = NULL;
	return 0;
}

static struct watch_index *
index_get(struct xsd *xsd, bool create)
{
	struct watch_index *ix = xsd->watch_index;

	if (ix || !create)
		return ix;
	ix = talloc_zero(xsd, struct watch_index);
	if (!ix)
		return NULL;
	ix->nodes = hash_new(ix);
	if (!ix->nodes) {
		talloc_free(ix);
		return NULL;
	}
	ix->next_seq = 1;
	ix->xsd = xsd;
	talloc_set_destructor(ix, index_destroy);
	xsd->watch_index = ix;
	return ix;
}

/* Length of path's parent: "/a/b" 2, "/a" 1 ("/"), "@x/1" 2; 0: none. */
static size_t
parent_len(const char *path, size_t len)
{
	const char *slash = len > 1 ? memrchr(path, '/', len) : NULL;

	if (!slash)
		return 0;
	return slash == path ? 1 : (size_t)(slash - path);
}

static void
node_unref(struct watch_index *ix, struct watch_node *n)
{
	while (n && --n->refs == 0) {
		struct watch_node *parent = n->parent;

		hash_del(ix->nodes, n->path);
		list_del(&n->sibling);
		talloc_free(n);
		n = parent;
	}
}

static struct watch_node *
node_new(struct watch_index *ix, struct watch_node *parent, const char *key,
	 size_t len)
{
	struct watch_node *n = talloc_size(ix, sizeof(*n) + len + 1);

	if (!n)
		return NULL;
	talloc_set_name_const(n, "struct watch_node");
	memcpy(n->path, key, len);
	n->path[len] = 0;
	n->parent = parent;
	n->refs = 0;
	list_init(&n->children);
	list_init(&n->watches);
	list_init(&n->sibling);
	if (hash_put(ix->nodes, n->path, n)) {
		talloc_free(n);
		return NULL;
	}
	if (parent) {
		parent->refs++;
		list_add_tail(&parent->children, &n->sibling);
	}
	return n;
}

/*
 * The node of path, made with its missing parents.  Iterative: a path
 * may have some 1,500 components.
 */
static struct watch_node *
node_get(struct watch_index *ix, const char *path)
{
	size_t len = strlen(path), have = len, next;
	struct watch_node *n = NULL, *m;
	char key[len + 1];
	const char *slash;

	memcpy(key, path, len + 1);
	/* The deepest prefix that exists. */
	while (have) {
		key[have] = 0;
		n = hash_get(ix->nodes, key);
		key[have] = path[have];
		if (n)
			break;
		have = parent_len(path, have);
	}
	/* Then one component at a time down to path. */
	while (have < len) {
		if (have == 0 && path[0] == '/') {
			next = 1;
		} else {
			slash = memchr(path + have + 1, '/', len - have - 1);
			next = slash ? (size_t)(slash - path) : len;
		}
		m = node_new(ix, n, path, next);
		if (!m) {
			/* Drop what this call made and nobody uses. */
			if (n && n->refs == 0) {
				n->refs = 1;
				node_unref(ix, n);
			}
			return NULL;
		}
		n = m;
		have = next;
	}
	return n;
}

static void
index_put_if_empty(struct xsd *xsd)
{
	struct watch_index *ix = xsd->watch_index;

	if (ix && hash_count(ix->nodes) == 0)
		talloc_free(ix);	/* index_destroy clears the pointer */
}

int
watch_index_add(struct xsd *xsd, struct watch *w)
{
	struct watch_index *ix = index_get(xsd, true);
	struct watch_node *n;

	if (!ix)
		return ENOMEM;
	n = node_get(ix, w->path);
	if (!n) {
		index_put_if_empty(xsd);
		return ENOMEM;
	}
	n->refs++;
	list_add_tail(&n->watches, &w->index_link);
	w->index_node = n;
	w->seq = ix->next_seq++;
	return 0;
}

void
watch_index_del(struct xsd *xsd, struct watch *w)
{
	struct watch_index *ix = xsd->watch_index;

	if (!w->index_node || !ix)
		return;
	list_del(&w->index_link);
	node_unref(ix, w->index_node);
	w->index_node = NULL;
	index_put_if_empty(xsd);
}

static int
add_match(struct watch_index *ix, struct watch *w, bool below)
{
	if (ix->nm == ix->m_size) {
		size_t n = ix->m_size ? ix->m_size * 2 : 64;
		struct match *m = talloc_realloc(ix, ix->m, struct match, n);

		if (!m)
			return ENOMEM;
		ix->m = m;
		ix->m_size = n;
	}
	ix->m[ix->nm++] = (struct match){ w, below };
	return 0;
}

static int
add_node(struct watch_index *ix, struct watch_node *n, bool below)
{
	struct watch *w;

	list_for_each(w, &n->watches, index_link)
		if (add_match(ix, w, below))
			return ENOMEM;
	return 0;
}

/* Every watch strictly below n. */
static int
add_subtree(struct watch_index *ix, struct watch_node *n)
{
	struct watch_node *child;

	list_for_each(child, &n->children, sibling)
		if (add_node(ix, child, true) || add_subtree(ix, child))
			return ENOMEM;
	return 0;
}

static int
by_seq(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	return x->w->seq < y->w->seq ? -1 : x->w->seq > y->w->seq;
}

int
watch_index_match(struct xsd *xsd, const char *path, bool subtree,
		  watch_index_fn *fn, void *arg)
{
	struct watch_index *ix = xsd->watch_index;
	struct watch_node *n = NULL, *exact = NULL;
	size_t len = strlen(path), i;
	bool sorted = true;
	int ret = 0;

	if (!ix)
		return 0;
	/* The deepest indexed path at or above path: its parents follow. */
	while (len) {
		char key[len + 1];

		memcpy(key, path, len);
		key[len] = 0;
		n = hash_get(ix->nodes, key);
		if (n)
			break;
		len = parent_len(path, len);
	}
	if (n && len == strlen(path))
		exact = n;
	ix->nm = 0;
	for (; n && !ret; n = n->parent)
		ret = add_node(ix, n, false);
	if (exact && subtree && !ret)
		ret = add_subtree(ix, exact);
	for (i = 1; i < ix->nm; i++)
		if (ix->m[i - 1].w->seq > ix->m[i].w->seq)
			sorted = false;
	if (!sorted)
		qsort(ix->m, ix->nm, sizeof(*ix->m), by_seq);
	/* On ENOMEM nobody hears of the change: say so, send nothing. */
	for (i = 0; i < ix->nm && !ret; i++)
		fn(ix->m[i].w, ix->m[i].below, arg);
	ix->nm = 0;
	return ret;
}

unsigned int
watch_index_paths(const struct xsd *xsd)
{
	return xsd->watch_index ? hash_count(xsd->watch_index->nodes) : 0;
}
