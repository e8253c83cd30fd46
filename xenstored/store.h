/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.h - the committed node store, kept in tdb.
 *
 * One tdb record per node, keyed by its absolute path.  A node's children
 * form a doubly linked list through the records (first/last in the
 * parent, prev/next in each child), so adding or removing a child
 * touches at most three records whatever the number of siblings.  Every
 * change of a node's value, permissions or set of children gives it a
 * new generation number from one counter; re-linking siblings does not.
 */
#ifndef XSD_STORE_H
#define XSD_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <talloc.h>

#include "node.h"

struct store;

/*
 * Open an empty store: in memory when dbfile is NULL, else in that file
 * (truncated).  The root node "/" is created owned by dom0 with no access
 * for others.  Returns NULL with *err set.
 */
struct store *store_open(TALLOC_CTX *mem_ctx, const char *dbfile, int *err);
/*
 * An empty in-memory store standing in until a live update's image
 * brings the real one (STORE_FD, store_adopt): as store_open(mem_ctx,
 * NULL, err), but with a hash table of a few hundred bytes.  The full
 * 512 KiB one costs a new process milliseconds of page faults inside
 * the update's downtime, only to be thrown away.  Nodes restored from
 * NODE_DATA go into a store_open one instead: store_is_provisional.
 */
struct store *store_open_provisional(TALLOC_CTX *mem_ctx, int *err);
bool store_is_provisional(const struct store *s);

/* Fetch a node.  Returns 0, ENOENT, ENOMEM or EIO. */
int store_get(TALLOC_CTX *mem_ctx, struct store *s, const char *path,
	      struct node **out);
/* A node's generation, 0 when it does not exist. */
uint64_t store_gen(struct store *s, const char *path);
bool store_exists(struct store *s, const char *path);

/* Replace value and permissions of an existing node (links kept). */
int store_set(struct store *s, const struct node *n);
/* Add a childless node; its parent must exist.  Appended to the list. */
int store_add(struct store *s, const struct node *n);
/* Remove a node without children.  Returns 0, ENOENT or ENOTEMPTY. */
int store_del(struct store *s, const char *path);

/* Leaf names of a node's children, in list order. */
int store_children(TALLOC_CTX *mem_ctx, struct store *s, const char *path,
		   char ***names, unsigned int *num);

/* Visit every node, parents before children.  fn returning non-zero stops. */
int store_walk(struct store *s, const char *root,
	       int (*fn)(const struct node *n, void *arg), void *arg);

/*
 * Accounting hook, called whenever a node appears (old NULL), disappears
 * (new NULL) or its contents change (owner, value or permissions): the
 * hook moves the node's count and memory (node_mem) between owners.
 */
typedef void store_owner_fn(void *arg, const struct node *old,
			    const struct node *new);
void store_set_owner_fn(struct store *s, store_owner_fn *fn, void *arg);

/*
 * Restoring a saved store: put a node exactly as saved (its generation
 * kept, the parent's untouched), appended to its parent's child list.
 * The root replaces the existing root's contents.  Nodes must come
 * parents first, children in list order.
 */
int store_restore_node(struct store *s, const struct node *n);
/*
 * Bulk loading of a whole saved store into an empty one (a restore):
 * each record is written once.  Nodes come parents first; in the depth
 * first order store_walk gives, a node stays in memory only while
 * children or its next sibling may still follow.  Any other order is
 * accepted too (each such node is linked as store_restore_node does,
 * more slowly).  store_bulk_begin is NULL when the store holds more
 * than its root or memory runs out: then use store_restore_node.
 * store_bulk_end writes what is still held and frees b.
 */
struct store_bulk;
struct store_bulk *store_bulk_begin(TALLOC_CTX *mem_ctx, struct store *s);
/*
 * The same below an existing node without children (top), in a store
 * that may hold anything else: what a migration import loads.
 */
struct store_bulk *store_bulk_begin_at(TALLOC_CTX *mem_ctx, struct store *s,
				       const char *top);
/* A new generation number (for nodes loaded with fresh ones). */
uint64_t store_new_gen(struct store *s);
int store_bulk_add(struct store_bulk *b, const struct node *n);
int store_bulk_end(struct store_bulk *b);
/*
 * Live update: the store travels as its file.  store_fd is the
 * descriptor of that file (a memfd unless the store is on disk), to be
 * inherited; store_adopt opens the same store again from it in the new
 * process (count nodes besides the root, gen the last generation), and
 * refuses a store of another record format (EPROTO, see store_format).
 * Nothing is copied.  store_copy_fd makes a private copy (a memfd, -1
 * on failure) for a check that must not touch the live store.
 */
int store_fd(const struct store *s);
unsigned int store_format(void);
/* How a refusal of another format starts (live_update.c looks for it in
 * a pre-flight check's words, and walks the store instead). */
#define STORE_FORMAT_REFUSAL "this binary's store format is"
struct store *store_adopt(TALLOC_CTX *mem_ctx, int fd, unsigned int format,
			  unsigned int count, uint64_t gen, int *err);
int store_copy_fd(const struct store *s);
/* Set the generation counter (at least every restored node's). */
void store_set_last_gen(struct store *s, uint64_t gen);

uint64_t store_last_gen(const struct store *s);
unsigned int store_count(const struct store *s);
/* tdb's own consistency check plus a check of every child list. */
int store_check(struct store *s, char **report, TALLOC_CTX *mem_ctx);

#endif /* XSD_STORE_H */
