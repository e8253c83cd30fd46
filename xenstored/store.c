// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store.c - committed nodes in tdb.
 *
 * Record layout (host byte order; private to this file, never written to
 * a state image):
 *
 *   struct rec_hdr              32 bytes
 *   struct rec_perm[nperms]     8 bytes each
 *   value                       value_len bytes
 *   first, last, prev, next     leaf names, lengths in the header, no NULs
 *
 * Child lists: a parent records its first and last child; each child its
 * previous and next sibling.  Adding appends at the tail (parent and old
 * tail rewritten); removing rewrites the neighbours and the parent.  The
 * parent's generation changes with its set of children, the neighbours'
 * does not: a transaction that read a sibling must not see a conflict
 * just because a new sibling was linked after it.
 *
 * Where the records live: a tdb file, either the on-disk one (-I off) or
 * one in a memfd (the default: memory, but a file with a descriptor).
 * tdb maps its file and writes through the map, so the memfd store costs
 * about what TDB_INTERNAL does; unlike TDB_INTERNAL memory it survives
 * exec.  A live update hands the descriptor to the next binary, which
 * opens the same store in place (store_adopt): no node is copied, so
 * the update costs the same whatever the size of the store.
 * STORE_FORMAT names this record layout; a binary with another layout
 * must not adopt the store (it refuses, and the update is refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdb.h>

#include "path.h"
#include "store.h"
#include "xs_wire_ext.h"

#ifndef STORE_FORMAT_TEST
struct rec_hdr {
	uint64_t gen;
	uint32_t value_len;
	uint32_t nchildren;
	uint16_t nperms;
	uint16_t first_len, last_len, prev_len, next_len;
	uint16_t pad[3];
};
#else
/*
 * make STORE_FORMAT_TEST=1: the same fields in another order, so
 * another record layout, for the test of a live update across a change
 * of layout (docs/live-update.md, "When the store's layout changes").
 */
struct rec_hdr {
	uint16_t pad[3];
	uint16_t first_len, last_len, prev_len, next_len;
	uint16_t nperms;
	uint32_t nchildren;
	uint32_t value_len;
	uint64_t gen;
};
#endif
_Static_assert(sizeof(struct rec_hdr) == 32, "record header size");

/*
 * tdb's hash table does not grow: chains get long once the store holds
 * many times this many nodes, and every lookup walks a chain.  131071
 * buckets (512 KiB) keep chains short up to about a million nodes.
 */
#define STORE_HASH_SIZE 131071
/* store_open_provisional's: tdb's default, 524 bytes, never to grow. */
#define STORE_PROVISIONAL_HASH_SIZE 131

/* The record layout above, as a live update image names it. */
#ifndef STORE_FORMAT_TEST
#define STORE_FORMAT 1
#else
#define STORE_FORMAT 0x7e57
#endif

struct rec_perm {
	uint32_t id;
	uint32_t access;
};

struct store {
	struct tdb_context *tdb;
	store_owner_fn *owner_fn;	/* accounting hook */
	void *owner_arg;
	bool on_disk;		/* tdb_check only works on files */
	bool provisional;	/* store_open_provisional's small table */
	uint64_t gen;		/* last generation handed out */
	unsigned int count;	/* nodes */
};

static TDB_DATA
key_of(const char *path)
{
	TDB_DATA k = { (unsigned char *)path, strlen(path) };

	return k;
}

static size_t
slen(const char *s)
{
	return s ? strlen(s) : 0;
}

/* memcpy that accepts NULL with length 0. */
static unsigned char *
put_bytes(unsigned char *q, const void *src, size_t len)
{
	if (len)
		memcpy(q, src, len);
	return q + len;
}

static int
rec_encode(TALLOC_CTX *mem_ctx, const struct node *n, TDB_DATA *out)
{
	struct rec_hdr h = {
		.gen = n->gen,
		.value_len = n->len,
		.nchildren = n->nchildren,
		.nperms = (uint16_t)n->nperms,
		.first_len = (uint16_t)slen(n->first),
		.last_len = (uint16_t)slen(n->last),
		.prev_len = (uint16_t)slen(n->prev),
		.next_len = (uint16_t)slen(n->next),
	};
	size_t size = sizeof(h) + n->nperms * sizeof(struct rec_perm) +
		      n->len + h.first_len + h.last_len + h.prev_len +
		      h.next_len;
	unsigned char *p = talloc_size(mem_ctx, size), *q;
	unsigned int i;

	if (!p)
		return ENOMEM;
	q = p;
	memcpy(q, &h, sizeof(h));
	q += sizeof(h);
	for (i = 0; i < n->nperms; i++) {
		struct rec_perm rp = { n->perms[i].id, n->perms[i].access };

		memcpy(q, &rp, sizeof(rp));
		q += sizeof(rp);
	}
	q = put_bytes(q, n->value, n->len);
	q = put_bytes(q, n->first, h.first_len);
	q = put_bytes(q, n->last, h.last_len);
	q = put_bytes(q, n->prev, h.prev_len);
	put_bytes(q, n->next, h.next_len);
	out->dptr = p;
	out->dsize = size;
	return 0;
}

static char *
name_dup(TALLOC_CTX *mem_ctx, const unsigned char *p, uint16_t len,
	 bool *oom)
{
	char *s;

	if (!len)
		return NULL;
	s = talloc_strndup(mem_ctx, (const char *)p, len);
	if (!s)
		*oom = true;
	return s;
}

/* Decode a record; the store wrote it, so a bad one means corruption. */
static int
rec_decode(TALLOC_CTX *mem_ctx, const char *path, TDB_DATA d,
	   struct node **out)
{
	struct rec_hdr h;
	struct node *n;
	const unsigned char *q;
	size_t need;
	unsigned int i;
	bool oom = false;

	if (d.dsize < sizeof(h))
		return EIO;
	memcpy(&h, d.dptr, sizeof(h));
	need = sizeof(h) + h.nperms * sizeof(struct rec_perm) + h.value_len +
	       h.first_len + h.last_len + h.prev_len + h.next_len;
	if (need != d.dsize)
		return EIO;
	n = talloc_zero(mem_ctx, struct node);
	if (!n)
		return ENOMEM;
	n->path = talloc_strdup(n, path);
	n->perms = talloc_array(n, struct perm, h.nperms ? h.nperms : 1);
	n->value = talloc_size(n, h.value_len + 1);	/* room for a NUL */
	if (!n->path || !n->perms || !n->value) {
		talloc_free(n);
		return ENOMEM;
	}
	n->gen = h.gen;
	n->nperms = h.nperms;
	n->len = h.value_len;
	n->nchildren = h.nchildren;
	q = d.dptr + sizeof(h);
	for (i = 0; i < h.nperms; i++) {
		struct rec_perm rp;

		memcpy(&rp, q, sizeof(rp));
		n->perms[i].id = rp.id;
		n->perms[i].access = rp.access;
		q += sizeof(rp);
	}
	memcpy(n->value, q, h.value_len);
	n->value[h.value_len] = 0;
	q += h.value_len;
	n->first = name_dup(n, q, h.first_len, &oom);
	q += h.first_len;
	n->last = name_dup(n, q, h.last_len, &oom);
	q += h.last_len;
	n->prev = name_dup(n, q, h.prev_len, &oom);
	q += h.prev_len;
	n->next = name_dup(n, q, h.next_len, &oom);
	if (oom) {
		talloc_free(n);
		return ENOMEM;
	}
	*out = n;
	return 0;
}

int
store_get(TALLOC_CTX *mem_ctx, struct store *s, const char *path,
	  struct node **out)
{
	TDB_DATA d = tdb_fetch(s->tdb, key_of(path));
	int ret;

	if (!d.dptr)
		return tdb_error(s->tdb) == TDB_ERR_NOEXIST ? ENOENT : EIO;
	ret = rec_decode(mem_ctx, path, d, out);
	free(d.dptr);
	return ret;
}

static int
parse_gen(TDB_DATA key, TDB_DATA d, void *arg)
{
	uint64_t *gen = arg;

	(void)key;
	if (d.dsize < sizeof(struct rec_hdr))
		return -1;
	memcpy(gen, d.dptr, sizeof(*gen));
	return 0;
}

uint64_t
store_gen(struct store *s, const char *path)
{
	uint64_t gen = 0;

	if (tdb_parse_record(s->tdb, key_of(path), parse_gen, &gen) != 0)
		return 0;
	return gen;
}

bool
store_exists(struct store *s, const char *path)
{
	return tdb_exists(s->tdb, key_of(path));
}

static int
put(struct store *s, const struct node *n, int flag)
{
	TDB_DATA d;
	int ret;

	ret = rec_encode(NULL, n, &d);
	if (ret)
		return ret;
	ret = tdb_store(s->tdb, key_of(n->path), d, flag) ? EIO : 0;
	talloc_free(d.dptr);
	return ret;
}

/* Replace value and permissions of an existing node; links stay. */
static int
replace_contents(struct store *s, const struct node *n, uint64_t gen)
{
	struct node *cur = NULL, old;
	int ret;

	ret = store_get(NULL, s, n->path, &cur);
	if (ret)
		return ret;
	old = *cur;	/* its members stay valid until cur is freed */
	cur->perms = n->perms;
	cur->nperms = n->nperms;
	cur->value = n->value;
	cur->len = n->len;
	cur->gen = gen;
	ret = put(s, cur, TDB_MODIFY);
	if (!ret && s->owner_fn)
		s->owner_fn(s->owner_arg, &old, n);
	talloc_free(cur);
	return ret;
}

int
store_set(struct store *s, const struct node *n)
{
	if (!store_exists(s, n->path))
		return ENOENT;
	return replace_contents(s, n, ++s->gen);
}

/*
 * Rewrite one sibling link (the struct node member at field_off) of a
 * node.  Its generation stays: its contents did not change.
 */
static int
relink(struct store *s, TALLOC_CTX *tmp, const char *path, size_t field_off,
       const char *val)
{
	struct node *n = NULL;
	int ret;

	ret = store_get(tmp, s, path, &n);
	if (ret)
		return ret;
	*(char **)((char *)n + field_off) = (char *)val;
	return put(s, n, TDB_MODIFY);
}

/*
 * Append a childless node to its parent's child list.  fresh: a new
 * node, which gets a new generation, as does its parent (its set of
 * children changed); restoring a saved store keeps the saved ones.
 */
static int
link_new(struct store *s, const struct node *n, bool fresh)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct node *parent = NULL, copy = *n;
	const char *leaf = path_leaf(n->path);
	char *ppath, *lpath;
	int ret;

	if (!tmp)
		return ENOMEM;
	ppath = path_parent(tmp, n->path);
	if (!ppath) {
		ret = ENOMEM;
		goto out;
	}
	ret = store_get(tmp, s, ppath, &parent);
	if (ret)
		goto out;
	if (store_exists(s, n->path)) {
		ret = EEXIST;
		goto out;
	}
	copy.first = copy.last = copy.next = NULL;
	copy.nchildren = 0;
	copy.prev = parent->last;
	if (fresh)
		copy.gen = ++s->gen;
	ret = put(s, &copy, TDB_INSERT);
	if (ret)
		goto out;
	if (parent->last) {
		lpath = path_join(tmp, ppath, parent->last);
		ret = lpath ? relink(s, tmp, lpath,
				     offsetof(struct node, next), leaf)
			    : ENOMEM;
		if (ret)
			goto out;
	} else {
		parent->first = (char *)leaf;
	}
	parent->last = (char *)leaf;
	parent->nchildren++;
	if (fresh)
		parent->gen = ++s->gen;
	ret = put(s, parent, TDB_MODIFY);
	if (ret)
		goto out;
	s->count++;
	if (s->owner_fn)
		s->owner_fn(s->owner_arg, NULL, n);
out:
	talloc_free(tmp);
	return ret;
}

int
store_add(struct store *s, const struct node *n)
{
	return link_new(s, n, true);
}

int
store_del(struct store *s, const char *path)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct node *n = NULL, *parent = NULL;
	char *ppath, *sib;
	int ret;

	if (!tmp)
		return ENOMEM;
	if (!strcmp(path, "/")) {
		ret = EINVAL;	/* the root stays */
		goto out;
	}
	ret = store_get(tmp, s, path, &n);
	if (ret)
		goto out;
	if (n->nchildren) {
		ret = ENOTEMPTY;
		goto out;
	}
	ppath = path_parent(tmp, path);
	ret = ppath ? store_get(tmp, s, ppath, &parent) : ENOMEM;
	if (ret)
		goto out;
	if (n->prev) {
		sib = path_join(tmp, ppath, n->prev);
		ret = sib ? relink(s, tmp, sib,
				   offsetof(struct node, next), n->next)
			  : ENOMEM;
		if (ret)
			goto out;
	} else {
		parent->first = n->next;
	}
	if (n->next) {
		sib = path_join(tmp, ppath, n->next);
		ret = sib ? relink(s, tmp, sib,
				   offsetof(struct node, prev), n->prev)
			  : ENOMEM;
		if (ret)
			goto out;
	} else {
		parent->last = n->prev;
	}
	parent->nchildren--;
	parent->gen = ++s->gen;
	ret = put(s, parent, TDB_MODIFY);
	if (ret)
		goto out;
	ret = tdb_delete(s->tdb, key_of(path)) ? EIO : 0;
	if (ret)
		goto out;
	s->count--;
	if (s->owner_fn)
		s->owner_fn(s->owner_arg, n, NULL);
out:
	talloc_free(tmp);
	return ret;
}

/* Pull the "next" link out of a record without copying it. */
struct next_arg {
	TALLOC_CTX *mem_ctx;
	char *next;
	bool bad;
};

static int
parse_next(TDB_DATA key, TDB_DATA d, void *arg)
{
	struct next_arg *a = arg;
	struct rec_hdr h;
	size_t off;

	(void)key;
	if (d.dsize < sizeof(h)) {
		a->bad = true;
		return -1;
	}
	memcpy(&h, d.dptr, sizeof(h));
	off = sizeof(h) + h.nperms * sizeof(struct rec_perm) + h.value_len +
	      h.first_len + h.last_len + h.prev_len;
	if (off + h.next_len != d.dsize) {
		a->bad = true;
		return -1;
	}
	a->next = h.next_len ? talloc_strndup(a->mem_ctx,
					      (char *)d.dptr + off,
					      h.next_len)
			     : NULL;
	if (h.next_len && !a->next)
		a->bad = true;
	return 0;
}

int
store_children(TALLOC_CTX *mem_ctx, struct store *s, const char *path,
	       char ***names, unsigned int *num)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct node *n = NULL;
	char **v = NULL, *cpath;
	const char *cur;
	unsigned int i = 0;
	int ret;

	if (!tmp)
		return ENOMEM;
	ret = store_get(tmp, s, path, &n);
	if (ret)
		goto out;
	v = talloc_array(mem_ctx, char *, n->nchildren + 1);
	if (!v) {
		ret = ENOMEM;
		goto out;
	}
	for (cur = n->first; cur; i++) {
		struct next_arg a = { .mem_ctx = tmp };

		if (i >= n->nchildren) {
			ret = EIO;	/* list longer than its count */
			goto out;
		}
		v[i] = talloc_strdup(v, cur);
		cpath = path_join(tmp, path, cur);
		if (!v[i] || !cpath) {
			ret = ENOMEM;
			goto out;
		}
		if (tdb_parse_record(s->tdb, key_of(cpath), parse_next, &a) ||
		    a.bad) {
			ret = EIO;
			goto out;
		}
		cur = a.next;
	}
	if (i != n->nchildren) {
		ret = EIO;
		goto out;
	}
	v[i] = NULL;
	*names = v;
	*num = i;
	v = NULL;
out:
	talloc_free(v);
	talloc_free(tmp);
	return ret;
}

/*
 * The walk reads each record in place (tdb_parse_record) and hands fn a
 * node that points into it: no copy, no allocation per node.  The path
 * lives in one buffer that grows and shrinks with the depth; a child's
 * name is written straight into it from its parent's record, and the
 * next sibling's from the child's, after the child's subtree.
 */
struct walker {
	int (*fn)(const struct node *, void *);
	void *arg;
	char path[XENSTORE_ABS_PATH_MAX + 2];
	struct perm *perms;	/* scratch: the node's permissions */
	unsigned int perms_cap;
	int ret;
};

enum link_pick { PICK_FIRST, PICK_NEXT };

struct visit {
	struct walker *w;
	size_t len;		/* of w->path */
	bool call;		/* call fn (else only pick a link) */
	enum link_pick pick;
	size_t name_at;		/* where the picked name goes in w->path */
	size_t name_len;	/* 0: no such link */
	bool found;		/* the record exists */
};

static int
visit_record(TDB_DATA key, TDB_DATA d, void *arg)
{
	struct visit *v = arg;
	struct walker *w = v->w;
	struct rec_hdr h;
	const unsigned char *q, *name;
	struct node n = { .path = w->path };
	uint16_t nlen;
	size_t need;
	unsigned int i;

	(void)key;
	v->found = true;
	if (d.dsize < sizeof(h))
		return -1;
	memcpy(&h, d.dptr, sizeof(h));
	need = sizeof(h) + h.nperms * sizeof(struct rec_perm) + h.value_len +
	       h.first_len + h.last_len + h.prev_len + h.next_len;
	if (need != d.dsize)
		return -1;
	q = d.dptr + sizeof(h);
	if (v->call) {
		if (h.nperms > w->perms_cap) {
			struct perm *p = talloc_realloc(NULL, w->perms,
							struct perm,
							h.nperms);

			if (!p) {
				w->ret = ENOMEM;
				return -1;
			}
			w->perms = p;
			w->perms_cap = h.nperms;
		}
		for (i = 0; i < h.nperms; i++) {
			struct rec_perm rp;

			memcpy(&rp, q + i * sizeof(rp), sizeof(rp));
			w->perms[i].id = rp.id;
			w->perms[i].access = rp.access;
		}
		n.gen = h.gen;
		n.perms = w->perms;
		n.nperms = h.nperms;
		n.value = (uint8_t *)q + h.nperms * sizeof(struct rec_perm);
		n.len = h.value_len;
		n.nchildren = h.nchildren;
		w->ret = w->fn(&n, w->arg);
		if (w->ret)
			return -1;
	}
	q += h.nperms * sizeof(struct rec_perm) + h.value_len;
	if (v->pick == PICK_FIRST) {
		name = q;
		nlen = h.first_len;
	} else {
		name = q + h.first_len + h.last_len + h.prev_len;
		nlen = h.next_len;
	}
	if (v->name_at + nlen >= sizeof(w->path))
		return -1;
	memcpy(w->path + v->name_at, name, nlen);
	w->path[v->name_at + nlen] = 0;
	v->name_len = nlen;
	return 0;
}

/*
 * Visit the node whose path is w->path[0..len) and its subtree.  With
 * next_at, its next sibling's name is left at w->path + next_at (the
 * length in *next_len, 0 for none).
 */
static int
walk(struct store *s, struct walker *w, size_t len, size_t next_at,
     size_t *next_len)
{
	struct visit v = { .w = w, .len = len, .call = true,
			   .pick = PICK_FIRST };
	size_t child_at = len == 1 ? 1 : len + 1;
	size_t child_len;
	int ret;

	w->path[len] = 0;
	v.name_at = child_at;
	if (tdb_parse_record(s->tdb, key_of(w->path), visit_record, &v))
		return w->ret ? w->ret : v.found ? EIO : ENOENT;
	if (len > 1)
		w->path[len] = '/';
	child_len = v.name_len;
	while (child_len) {
		ret = walk(s, w, child_at + child_len, child_at, &child_len);
		if (ret)
			return ret;
	}
	if (next_len) {
		/* Our next sibling replaces our name in the path. */
		w->path[len] = 0;
		v = (struct visit){ .w = w, .len = len, .pick = PICK_NEXT,
				    .name_at = next_at };
		if (tdb_parse_record(s->tdb, key_of(w->path), visit_record,
				     &v))
			return EIO;
		*next_len = v.name_len;
	}
	return 0;
}

int
store_walk(struct store *s, const char *root,
	   int (*fn)(const struct node *n, void *arg), void *arg)
{
	struct walker *w = talloc_zero(NULL, struct walker);
	size_t len = strlen(root);
	int ret;

	if (!w)
		return ENOMEM;
	if (len >= sizeof(w->path)) {
		talloc_free(w);
		return EINVAL;
	}
	w->fn = fn;
	w->arg = arg;
	memcpy(w->path, root, len + 1);
	ret = walk(s, w, len, 0, NULL);
	talloc_free(w->perms);
	talloc_free(w);
	return ret;
}

int
store_restore_node(struct store *s, const struct node *n)
{
	if (n->gen > s->gen)
		s->gen = n->gen;
	if (strcmp(n->path, "/"))
		return link_new(s, n, false);
	/* The root exists from store_open: replace its contents. */
	return replace_contents(s, n, n->gen);
}

/* --- bulk loading ---------------------------------------------------- */

struct store_bulk {
	struct store *s;
	struct node **open;	/* open[i+1] is the last child of open[i] */
	unsigned int depth, cap;	/* open[0..depth) */
	bool linked;		/* fell back to linking: no more bulk */
};

struct store_bulk *
store_bulk_begin_at(TALLOC_CTX *mem_ctx, struct store *s, const char *top)
{
	struct store_bulk *b;
	struct node *n = NULL;

	b = talloc_zero(mem_ctx, struct store_bulk);
	if (!b)
		return NULL;
	b->s = s;
	b->cap = 16;
	b->open = talloc_array(b, struct node *, b->cap);
	if (!b->open || store_get(b, s, top, &n) || n->first) {
		talloc_free(b);
		return NULL;
	}
	b->open[0] = n;
	b->depth = 1;
	return b;
}

struct store_bulk *
store_bulk_begin(TALLOC_CTX *mem_ctx, struct store *s)
{
	return s->count ? NULL : store_bulk_begin_at(mem_ctx, s, "/");
}

uint64_t
store_new_gen(struct store *s)
{
	return ++s->gen;
}

/* Write the open nodes from level 'from' down, deepest first. */
static int
bulk_close(struct store_bulk *b, unsigned int from)
{
	int ret = 0;

	while (b->depth > from && !ret) {
		struct node *n = b->open[--b->depth];

		/* The top node exists already: its links are rewritten. */
		ret = put(b->s, n, b->depth ? TDB_INSERT : TDB_REPLACE);
		talloc_free(n);
	}
	return ret;
}

/* The level of path among the open nodes, or -1. */
static int
bulk_level(const struct store_bulk *b, const char *path, size_t len)
{
	unsigned int i = b->depth;

	while (i-- > 0) {
		const char *p = b->open[i]->path;

		if (strlen(p) == len && !memcmp(p, path, len))
			return (int)i;
	}
	return -1;
}

int
store_bulk_add(struct store_bulk *b, const struct node *n)
{
	struct store *s = b->s;
	const char *leaf;
	struct node *copy, *parent, *prev = NULL;
	size_t plen;
	int level, ret;

	if (n->gen > s->gen)
		s->gen = n->gen;
	if (b->linked)		/* everything written: open[] is empty */
		return link_new(s, n, false);
	if (!strcmp(n->path, b->open[0]->path)) {
		if (b->depth != 1 || b->open[0]->nchildren)
			return EEXIST;
		parent = b->open[0];	/* the top: contents only */
		if (s->owner_fn)
			s->owner_fn(s->owner_arg, parent, n);
		copy = node_dup(b, n);
		if (!copy)
			return ENOMEM;
		copy->gen = n->gen;
		talloc_free(parent);
		b->open[0] = copy;
		return 0;
	}
	leaf = path_leaf(n->path);
	plen = (size_t)(leaf - n->path) - 1;
	level = bulk_level(b, n->path, plen ? plen : 1);
	if (level < 0) {
		/* Not depth first: write everything, link from now on. */
		b->linked = true;
		ret = bulk_close(b, 0);
		return ret ? ret : link_new(s, n, false);
	}
	ret = bulk_close(b, (unsigned int)level + 2);
	if (ret)
		return ret;
	parent = b->open[level];
	if (b->depth == (unsigned int)level + 2)
		prev = b->open[level + 1];
	copy = node_dup(b, n);
	if (!copy)
		return ENOMEM;
	copy->gen = n->gen;
	copy->first = copy->last = copy->next = NULL;
	copy->nchildren = 0;
	/* Links are names owned by the node holding them. */
	copy->prev = prev ? talloc_strdup(copy, path_leaf(prev->path)) : NULL;
	if (prev && !copy->prev) {
		talloc_free(copy);
		return ENOMEM;
	}
	if (prev) {
		prev->next = (char *)path_leaf(copy->path);
		b->depth--;
		ret = put(s, prev, TDB_INSERT);
		talloc_free(prev);
		if (ret) {
			talloc_free(copy);
			return ret;
		}
	}
	if (parent->last && parent->last != parent->first)
		talloc_free(parent->last);
	parent->last = talloc_strdup(parent, leaf);
	if (!parent->last) {
		talloc_free(copy);
		return ENOMEM;
	}
	if (!parent->first)
		parent->first = parent->last;
	parent->nchildren++;
	if (b->depth == b->cap) {
		struct node **v = talloc_realloc(b, b->open, struct node *,
						 b->cap * 2);

		if (!v) {
			talloc_free(copy);
			return ENOMEM;
		}
		b->open = v;
		b->cap *= 2;
	}
	b->open[b->depth++] = copy;
	s->count++;
	if (s->owner_fn)
		s->owner_fn(s->owner_arg, NULL, n);
	return 0;
}

int
store_bulk_end(struct store_bulk *b)
{
	int ret = bulk_close(b, 0);

	talloc_free(b);
	return ret;
}

void
store_set_last_gen(struct store *s, uint64_t gen)
{
	if (gen > s->gen)
		s->gen = gen;
}

void
store_set_owner_fn(struct store *s, store_owner_fn *fn, void *arg)
{
	s->owner_fn = fn;
	s->owner_arg = arg;
}

uint64_t
store_last_gen(const struct store *s)
{
	return s->gen;
}

unsigned int
store_count(const struct store *s)
{
	return s->count;
}

struct check_arg {
	struct store *s;
	TALLOC_CTX *mem_ctx;
	char *report;
	unsigned int seen;
	unsigned int bad;
};

static int
check_node(const struct node *n, void *arg)
{
	struct check_arg *c = arg;
	char **names = NULL;
	unsigned int num = 0;
	int ret;

	c->seen++;
	if (n->nperms == 0) {
		c->bad++;
		c->report = talloc_asprintf_append(c->report,
						   "%s: no permissions\n",
						   n->path);
	}
	ret = store_children(NULL, c->s, n->path, &names, &num);
	if (ret) {
		c->bad++;
		c->report = talloc_asprintf_append(c->report,
						   "%s: broken child list\n",
						   n->path);
	}
	talloc_free(names);
	return c->report ? 0 : ENOMEM;
}

int
store_check(struct store *s, char **report, TALLOC_CTX *mem_ctx)
{
	struct check_arg c = { .s = s, .mem_ctx = mem_ctx };
	int ret;

	c.report = talloc_strdup(mem_ctx, "");
	if (!c.report)
		return ENOMEM;
	if (s->on_disk && tdb_check(s->tdb, NULL, NULL) != 0) {
		c.bad++;
		c.report = talloc_asprintf_append(c.report,
						  "tdb_check failed\n");
	}
	ret = store_walk(s, "/", check_node, &c);
	if (ret == 0 && c.seen != s->count + 1) {
		c.bad++;
		c.report = talloc_asprintf_append(c.report,
			"%u nodes reachable, %u stored\n", c.seen,
			s->count + 1);
	}
	if (!c.report)
		return ENOMEM;
	*report = c.report;
	if (ret)
		return ret;
	return c.bad ? EIO : 0;
}

static int
store_destroy(struct store *s)
{
	if (s->tdb)
		tdb_close(s->tdb);
	return 0;
}

static void
set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl >= 0)
		fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

/*
 * tdb opens by name: the file behind a descriptor has one in /proc.
 * hash_size only counts when the file is created (O_TRUNC).
 */
static struct tdb_context *
open_fd(int fd, int flags, int hash_size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return tdb_open(path, hash_size, TDB_NOLOCK | TDB_NOSYNC,
			O_RDWR | flags, 0600);
}

static bool
is_memfd(int fd)
{
	char path[64], target[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	return n > 0 && !strncmp(target, "/memfd:", 7);
}

int
store_fd(const struct store *s)
{
	return tdb_fd(s->tdb);
}

unsigned int
store_format(void)
{
	return STORE_FORMAT;
}

struct store *
store_adopt(TALLOC_CTX *mem_ctx, int fd, unsigned int format,
	    unsigned int count, uint64_t gen, int *err)
{
	struct store *s;
	struct stat st;
	struct node *root = NULL;

	if (format != STORE_FORMAT) {
		*err = EPROTO;
		return NULL;
	}
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*err = EBADF;
		return NULL;
	}
	s = talloc_zero(mem_ctx, struct store);
	if (!s) {
		*err = ENOMEM;
		return NULL;
	}
	errno = 0;
	s->tdb = open_fd(fd, 0, STORE_HASH_SIZE);
	if (!s->tdb) {
		*err = errno ? errno : EIO;
		talloc_free(s);
		return NULL;
	}
	set_cloexec(tdb_fd(s->tdb));
	talloc_set_destructor(s, store_destroy);
	s->count = count;
	s->gen = gen;
	s->on_disk = !is_memfd(fd);
	/* A store without its root is no store of ours. */
	*err = store_get(s, s, "/", &root);
	if (*err) {
		talloc_free(s);
		return NULL;
	}
	talloc_free(root);
	return s;
}

int
store_copy_fd(const struct store *s)
{
	int in = tdb_fd(s->tdb), out;
	struct stat st;
	off_t off = 0;

	if (fstat(in, &st) < 0)
		return -1;
	out = memfd_create("xenstored-store-copy", MFD_CLOEXEC);
	if (out < 0)
		return -1;
	while (off < st.st_size) {
		ssize_t n = copy_file_range(in, &off, out, NULL,
					    (size_t)(st.st_size - off), 0);

		if (n < 0 && off == 0 && (errno == EXDEV || errno == EINVAL ||
					  errno == ENOSYS))
			break;	/* not between these files: by hand */
		if (n <= 0) {
			close(out);
			return -1;
		}
	}
	while (off < st.st_size) {
		char buf[65536];
		ssize_t n = pread(in, buf, sizeof(buf), off);

		if (n <= 0 || write(out, buf, (size_t)n) != n) {
			close(out);
			return -1;
		}
		off += n;
	}
	return out;
}


static struct store *
open_empty(TALLOC_CTX *mem_ctx, const char *dbfile, int hash_size, int *err)
{
	struct store *s = talloc_zero(mem_ctx, struct store);
	struct perm root_perm = { 0, PERM_NONE };
	struct node root = {
		.path = "/", .perms = &root_perm, .nperms = 1,
		.value = (uint8_t *)"", .len = 0,
	};

	if (!s) {
		*err = ENOMEM;
		return NULL;
	}
	s->on_disk = dbfile != NULL;
	errno = 0;
	if (dbfile) {
		/* every node, guests' private ones included: root's alone */
		s->tdb = tdb_open(dbfile, hash_size, TDB_NOLOCK | TDB_NOSYNC,
				  O_RDWR | O_CREAT | O_TRUNC, 0600);
	} else {
		int fd = memfd_create("xenstored-store", MFD_CLOEXEC);

		s->tdb = fd < 0 ? NULL : open_fd(fd, O_CREAT | O_TRUNC,
						 hash_size);
		if (fd >= 0)
			close(fd);	/* tdb has its own */
	}
	if (!s->tdb) {
		*err = errno ? errno : EIO;
		talloc_free(s);
		return NULL;
	}
	set_cloexec(tdb_fd(s->tdb));
	talloc_set_destructor(s, store_destroy);
	root.gen = ++s->gen;
	*err = put(s, &root, TDB_REPLACE);
	if (*err) {
		talloc_free(s);
		return NULL;
	}
	return s;
}

struct store *
store_open(TALLOC_CTX *mem_ctx, const char *dbfile, int *err)
{
	return open_empty(mem_ctx, dbfile, STORE_HASH_SIZE, err);
}

struct store *
store_open_provisional(TALLOC_CTX *mem_ctx, int *err)
{
	struct store *s = open_empty(mem_ctx, NULL,
				     STORE_PROVISIONAL_HASH_SIZE, err);

	if (s)
		s->provisional = true;
	return s;
}

bool
store_is_provisional(const struct store *s)
{
	return s->provisional;
}
