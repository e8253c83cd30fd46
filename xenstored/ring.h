/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ring.h - the two byte queues of the xenstore shared page
 * (docs/misc/xenstore-ring.txt, struct xenstore_domain_interface).
 *
 * Each queue is XENSTORE_RING_SIZE bytes with free-running 32-bit
 * consumer and producer offsets; byte x of the stream sits at
 * x % XENSTORE_RING_SIZE.  The functions serve either side: the daemon
 * takes from req and puts into rsp, a guest the other way round.  The
 * other side's offset is read with acquire ordering before the data is
 * touched, and our own offset is published with release ordering after,
 * so the peer never sees an offset ahead of the bytes it covers.
 */
#ifndef XSD_RING_H
#define XSD_RING_H

#include <stddef.h>
#include <sys/types.h>

#include "xs_wire_ext.h"

/* Bytes waiting in a queue, or -1 when the offsets are inconsistent. */
ssize_t ring_used(XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod);

/*
 * Move up to len bytes out of the queue into buf and advance *cons.
 * Returns the bytes moved (0: empty) or -1 for inconsistent offsets.
 */
ssize_t ring_take(const char *ring, XENSTORE_RING_IDX *cons,
		  const XENSTORE_RING_IDX *prod, void *buf, size_t len);

/*
 * Move up to len bytes of buf into the queue and advance *prod.
 * Returns the bytes moved (0: full) or -1 for inconsistent offsets.
 */
ssize_t ring_put(char *ring, const XENSTORE_RING_IDX *cons,
		 XENSTORE_RING_IDX *prod, const void *buf, size_t len);

#endif /* XSD_RING_H */
