/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hash.h - a string-keyed hash table for in-memory indexes.
 *
 * Keys are borrowed: the caller keeps each key alive for as long as its
 * entry exists (normally the key is a member of the value).  The table
 * grows by doubling; lookups and inserts are O(1) on average.
 */
#ifndef XSD_HASH_H
#define XSD_HASH_H

#include <talloc.h>

struct hash;

struct hash *hash_new(TALLOC_CTX *mem_ctx);
void *hash_get(const struct hash *h, const char *key);
/* Insert or replace.  Returns 0 or ENOMEM. */
int hash_put(struct hash *h, const char *key, void *val);
/* Remove; returns the value that was stored, or NULL. */
void *hash_del(struct hash *h, const char *key);
unsigned int hash_count(const struct hash *h);

/*
 * Call fn for every entry until it returns non-zero, which is passed on.
 * fn must not insert; it may delete the entry it was called for.
 */
int hash_foreach(struct hash *h, int (*fn)(const char *key, void *val,
					   void *arg), void *arg);

/*
 * A number as a key: decimal, no leading zeros, into key (which needs
 * HASH_KEY_UINT bytes).  Returns key.  For the hot paths that look up
 * ports and domids: cheaper than snprintf.
 */
#define HASH_KEY_UINT 11
char *hash_key_uint(char *key, unsigned int v);

/* The hash function itself, exported for tests. */
unsigned int hash_string(const char *s);

#endif /* XSD_HASH_H */
