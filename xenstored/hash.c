// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hash.c - a chained, string-keyed hash table on talloc.
 *
 * Buckets are singly linked; the bucket array doubles when the load passes
 * one entry per bucket.  Entries are talloc children of the table, so
 * freeing the table frees every entry (but never the values).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "hash.h"

struct hash_entry {
	struct hash_entry *next;
	const char *key;
	unsigned int hv;
	void *val;
};

struct hash {
	struct hash_entry **buckets;
	unsigned int nbuckets;	/* always a power of two */
	unsigned int count;
};

/* FNV-1a, 32 bit. */
unsigned int
hash_string(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

char *
hash_key_uint(char *key, unsigned int v)
{
	char tmp[HASH_KEY_UINT];
	unsigned int n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		key[i] = tmp[n - 1 - i];
	key[n] = 0;
	return key;
}

struct hash *
hash_new(TALLOC_CTX *mem_ctx)
{
	struct hash *h = talloc_zero(mem_ctx, struct hash);

	if (!h)
		return NULL;
	h->nbuckets = 16;
	h->buckets = talloc_zero_array(h, struct hash_entry *, h->nbuckets);
	if (!h->buckets) {
		talloc_free(h);
		return NULL;
	}
	return h;
}

static struct hash_entry **
hash_slot(const struct hash *h, const char *key, unsigned int hv)
{
	struct hash_entry **pp = &h->buckets[hv & (h->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hv == hv && !strcmp((*pp)->key, key))
			break;
	return pp;
}

void *
hash_get(const struct hash *h, const char *key)
{
	struct hash_entry **pp = hash_slot(h, key, hash_string(key));

	return *pp ? (*pp)->val : NULL;
}

static void
hash_grow(struct hash *h)
{
	unsigned int n = h->nbuckets * 2, i;
	struct hash_entry **nb = talloc_zero_array(h, struct hash_entry *, n);

	if (!nb)
		return;		/* keep working with longer chains */
	for (i = 0; i < h->nbuckets; i++) {
		struct hash_entry *e = h->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = nb[e->hv & (n - 1)];
			nb[e->hv & (n - 1)] = e;
		}
	}
	talloc_free(h->buckets);
	h->buckets = nb;
	h->nbuckets = n;
}

int
hash_put(struct hash *h, const char *key, void *val)
{
	unsigned int hv = hash_string(key);
	struct hash_entry **pp = hash_slot(h, key, hv), *e;

	if (*pp) {
		(*pp)->key = key;
		(*pp)->val = val;
		return 0;
	}
	e = talloc(h, struct hash_entry);
	if (!e)
		return ENOMEM;
	e->key = key;
	e->hv = hv;
	e->val = val;
	e->next = NULL;
	*pp = e;
	if (++h->count > h->nbuckets)
		hash_grow(h);
	return 0;
}

void *
hash_del(struct hash *h, const char *key)
{
	struct hash_entry **pp = hash_slot(h, key, hash_string(key)), *e;
	void *val;

	e = *pp;
	if (!e)
		return NULL;
	*pp = e->next;
	val = e->val;
	talloc_free(e);
	h->count--;
	return val;
}

unsigned int
hash_count(const struct hash *h)
{
	return h->count;
}

int
hash_foreach(struct hash *h, int (*fn)(const char *key, void *val,
				       void *arg), void *arg)
{
	unsigned int i;
	int ret;

	for (i = 0; i < h->nbuckets; i++) {
		struct hash_entry *e = h->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			ret = fn(e->key, e->val, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}
