// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * node.c - copying nodes between the store, transactions and requests.
 */
#include <string.h>

#include "node.h"

struct node *
node_dup(TALLOC_CTX *mem_ctx, const struct node *n)
{
	struct node *d = talloc_zero(mem_ctx, struct node);

	if (!d)
		return NULL;
	d->path = talloc_strdup(d, n->path);
	d->perms = n->nperms ? talloc_memdup(d, n->perms,
					     n->nperms * sizeof(*n->perms))
			     : talloc_array(d, struct perm, 1);
	d->value = talloc_size(d, n->len + 1);
	if (!d->path || !d->perms || !d->value) {
		talloc_free(d);
		return NULL;
	}
	if (n->len)
		memcpy(d->value, n->value, n->len);
	d->value[n->len] = 0;
	d->len = n->len;
	d->nperms = n->nperms;
	d->gen = n->gen;
	d->nchildren = n->nchildren;
	return d;
}

size_t
node_mem_of(size_t pathlen, size_t len, unsigned int nperms)
{
	/* The leaf name is counted twice: the node's key and the sibling
	 * link naming it. */
	return NODE_MEM_OVERHEAD + 2 * (pathlen + 1) + len +
	       nperms * sizeof(struct perm);
}

size_t
node_mem(const struct node *n)
{
	return node_mem_of(strlen(n->path), n->len, n->nperms);
}
