// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * set.c - a set of byte-string keys, each with a 32-bit value, for the
 * uniqueness and reference checks of the reader (node paths, connection
 * ids, domids, watches, transaction ids...).
 *
 * Open addressing with linear probing; the slot array doubles when it is
 * three quarters full.  Keys are copied, length first, into arena chunks,
 * so a million node paths cost a few allocations, not a million.  The
 * set only grows; free it (or its talloc parent) to drop it.
 */
#include <errno.h>
#include <string.h>

#include "xss_private.h"

#define ARENA_CHUNK (64 * 1024)
#define FIRST_SLOTS 16

struct slot {
	const uint8_t *key;	/* u32 length, then octets; NULL: empty */
	uint32_t hash;
	uint32_t value;
};

struct xss_set {
	struct slot *slots;
	uint32_t nslots;	/* a power of two */
	uint32_t count;
	uint8_t *arena;		/* current chunk */
	size_t arena_used, arena_size;
};

/* FNV-1a (64 bit) folded to 32 bits. */
static uint32_t
hash_key(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ull;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t
key_len(const uint8_t *k)
{
	uint32_t len;

	memcpy(&len, k, sizeof(len));
	return len;
}

struct xss_set *
xss_set_new(TALLOC_CTX *mem_ctx)
{
	struct xss_set *s = talloc_zero(mem_ctx, struct xss_set);

	if (!s)
		return NULL;
	s->nslots = FIRST_SLOTS;
	s->slots = talloc_zero_array(s, struct slot, s->nslots);
	if (!s->slots) {
		talloc_free(s);
		return NULL;
	}
	return s;
}

/* The slot holding key, or the empty slot where it would go. */
static struct slot *
lookup(const struct xss_set *s, const void *key, size_t len, uint32_t hash)
{
	uint32_t mask = s->nslots - 1, i = hash & mask;

	for (;; i = (i + 1) & mask) {
		struct slot *sl = &s->slots[i];

		if (!sl->key)
			return sl;
		if (sl->hash == hash && key_len(sl->key) == len &&
		    !memcmp(sl->key + sizeof(uint32_t), key, len))
			return sl;
	}
}

static int
grow(struct xss_set *s)
{
	struct slot *old = s->slots;
	uint32_t i, n = s->nslots;

	if (n > UINT32_MAX / 2)
		return ENOMEM;
	s->slots = talloc_zero_array(s, struct slot, n * 2);
	if (!s->slots) {
		s->slots = old;
		return ENOMEM;
	}
	s->nslots = n * 2;
	for (i = 0; i < n; i++) {
		if (old[i].key) {
			const uint8_t *k = old[i].key;

			*lookup(s, k + sizeof(uint32_t), key_len(k),
				old[i].hash) = old[i];
		}
	}
	talloc_free(old);
	return 0;
}

static const uint8_t *
store_key(struct xss_set *s, const void *key, size_t len)
{
	size_t need = sizeof(uint32_t) + len;
	uint32_t len32 = (uint32_t)len;
	uint8_t *p;

	/* Keep the u32 length aligned. */
	need = (need + sizeof(uint32_t) - 1) & ~(sizeof(uint32_t) - 1);
	if (need > s->arena_size - s->arena_used) {
		size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;

		s->arena = talloc_size(s, size);
		if (!s->arena)
			return NULL;
		s->arena_size = size;
		s->arena_used = 0;
	}
	p = s->arena + s->arena_used;
	s->arena_used += need;
	memcpy(p, &len32, sizeof(len32));
	memcpy(p + sizeof(len32), key, len);
	return p;
}

int
xss_set_add(struct xss_set *s, const void *key, size_t len, uint32_t value,
	    uint32_t *old)
{
	uint32_t hash = hash_key(key, len);
	struct slot *sl;

	if (len > UINT32_MAX)
		return ENOMEM;
	sl = lookup(s, key, len, hash);
	if (sl->key) {
		if (old)
			*old = sl->value;
		return EEXIST;
	}
	if ((s->count + 1) > s->nslots / 4 * 3) {
		if (grow(s))
			return ENOMEM;
		sl = lookup(s, key, len, hash);
	}
	sl->key = store_key(s, key, len);
	if (!sl->key)
		return ENOMEM;
	sl->hash = hash;
	sl->value = value;
	s->count++;
	return 0;
}

bool
xss_set_find(const struct xss_set *s, const void *key, size_t len,
	     uint32_t *value)
{
	struct slot *sl;

	if (len > UINT32_MAX)
		return false;
	sl = lookup(s, key, len, hash_key(key, len));
	if (sl->key && value)
		*value = sl->value;
	return sl->key != NULL;
}

uint32_t
xss_set_count(const struct xss_set *s)
{
	return s->count;
}
