/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * node.h - the in-memory form of one xenstore node.
 *
 * A struct node is a talloc object holding a copy of a node's contents;
 * the store (store.c) and the transaction overlay (txn.c) hand them out
 * and take them back.  The link fields are the store's business: they
 * thread each node's children into a list so that adding a child costs
 * the same however many siblings it has.
 */
#ifndef XSD_NODE_H
#define XSD_NODE_H

#include <stdint.h>

#include "perms.h"

struct node {
	char *path;		/* absolute, canonical */
	uint64_t gen;		/* generation: changes with every change */
	struct perm *perms;
	unsigned int nperms;	/* >= 1 for a live node */
	uint8_t *value;		/* binary-safe; not NUL-terminated */
	uint32_t len;

	/* Child list links, leaf names; NULL for none. */
	char *first, *last;	/* this node's first and last child */
	char *prev, *next;	/* this node's siblings */
	uint32_t nchildren;
};


#include <talloc.h>

/* Deep copy of path, permissions and value; links are not copied. */
struct node *node_dup(TALLOC_CTX *mem_ctx, const struct node *n);
/*
 * What a node costs its owner's memory quota: its path, value and
 * permissions plus a fixed share for the record's header and the links
 * its parent and siblings keep (docs/protocol.md, "Memory accounting").
 */
#define NODE_MEM_OVERHEAD 64u
size_t node_mem(const struct node *n);
/* The same, from the sizes alone (before the node exists). */
size_t node_mem_of(size_t pathlen, size_t len, unsigned int nperms);
/* The owner: the domain named by the first permission entry. */
static inline uint32_t node_owner(const struct node *n)
{
	return n->nperms ? n->perms[0].id : 0;
}

#endif /* XSD_NODE_H */
