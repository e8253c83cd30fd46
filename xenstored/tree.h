/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tree.h - the node operations of the protocol, with permission checks,
 * quota checks and watch events, run against a transaction's view or,
 * outside transactions, the committed store.
 *
 * Paths are canonical (absolute).  Errors are errnos for the wire.
 */
#ifndef XSD_TREE_H
#define XSD_TREE_H

#include <stdint.h>

#include <talloc.h>

#include "node.h"

struct conn;
struct txn;
struct xsd;

/*
 * Look a node up, requiring access perm (PERM_* bits).  A missing node
 * gives ENOENT if the caller may access its nearest existing parent that
 * way, and EACCES if not, so a path's existence does not leak.
 */
int tree_get(TALLOC_CTX *mem_ctx, struct conn *c, struct txn *t,
	     const char *path, uint32_t perm, struct node **out);
int tree_write(struct conn *c, struct txn *t, const char *path,
	       const void *value, uint32_t len);
int tree_mkdir(struct conn *c, struct txn *t, const char *path);
int tree_rm(struct conn *c, struct txn *t, const char *path);
int tree_set_perms(struct conn *c, struct txn *t, const char *path,
		   const struct perm *perms, unsigned int nperms);
/* Children of a readable node; *n gets the node itself. */
int tree_children(TALLOC_CTX *mem_ctx, struct conn *c, struct txn *t,
		  const char *path, struct node **n, char ***names,
		  unsigned int *num);

/* Remove every node domid owns, with its subtree (domain release). */
int tree_rm_owned(struct xsd *xsd, unsigned int domid);
/*
 * A released domid must not pass its rights to the next domain given
 * that id: permission entries naming it are dropped, and what it still
 * owns (kept with -K) passes to dom0.  The special nodes too.
 */
int tree_forget_domain(struct xsd *xsd, unsigned int domid);

#endif /* XSD_TREE_H */
