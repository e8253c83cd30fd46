// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ring.c - copying bytes through the shared-page queues.
 *
 * The peer may change the page at any moment (and a hostile guest may
 * write anything into it), so every offset is read exactly once per
 * call, checked, and only our local copy is used afterwards.
 */
#include <string.h>

#include "ring.h"

#define RING_MASK(i) ((i) & (XENSTORE_RING_SIZE - 1))

ssize_t
ring_used(XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod)
{
	XENSTORE_RING_IDX used = prod - cons;	/* modulo 2^32 */

	return used > XENSTORE_RING_SIZE ? -1 : (ssize_t)used;
}

ssize_t
ring_take(const char *ring, XENSTORE_RING_IDX *cons,
	  const XENSTORE_RING_IDX *prod, void *buf, size_t len)
{
	XENSTORE_RING_IDX c = __atomic_load_n(cons, __ATOMIC_RELAXED);
	XENSTORE_RING_IDX p = __atomic_load_n(prod, __ATOMIC_ACQUIRE);
	ssize_t used = ring_used(c, p);
	size_t n, first;

	if (used < 0)
		return -1;
	n = (size_t)used < len ? (size_t)used : len;
	first = XENSTORE_RING_SIZE - RING_MASK(c);
	if (first > n)
		first = n;
	memcpy(buf, ring + RING_MASK(c), first);
	memcpy((char *)buf + first, ring, n - first);
	/* The bytes are copied before the peer may reuse their space. */
	__atomic_store_n(cons, c + (XENSTORE_RING_IDX)n, __ATOMIC_RELEASE);
	return (ssize_t)n;
}

ssize_t
ring_put(char *ring, const XENSTORE_RING_IDX *cons, XENSTORE_RING_IDX *prod,
	 const void *buf, size_t len)
{
	XENSTORE_RING_IDX c = __atomic_load_n(cons, __ATOMIC_ACQUIRE);
	XENSTORE_RING_IDX p = __atomic_load_n(prod, __ATOMIC_RELAXED);
	ssize_t used = ring_used(c, p);
	size_t space, n, first;

	if (used < 0)
		return -1;
	space = XENSTORE_RING_SIZE - (size_t)used;
	n = space < len ? space : len;
	first = XENSTORE_RING_SIZE - RING_MASK(p);
	if (first > n)
		first = n;
	memcpy(ring + RING_MASK(p), buf, first);
	memcpy(ring, (const char *)buf + first, n - first);
	/* The peer sees the new producer only after the bytes. */
	__atomic_store_n(prod, p + (XENSTORE_RING_IDX)n, __ATOMIC_RELEASE);
	return (ssize_t)n;
}
