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
/* Set the generation counter (at least every restored node's). */
void store_set_last_gen(struct store *s, uint64_t gen);

uint64_t store_last_gen(const struct store *s);
unsigned int store_count(const struct store *s);
/* tdb's own consistency check plus a check of every child list. */
int store_check(struct store *s, char **report, TALLOC_CTX *mem_ctx);

#endif /* XSD_STORE_H */
