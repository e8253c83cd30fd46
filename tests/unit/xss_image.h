/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xss_image.h - octet-level helpers on xs-state images, shared by the
 * unit tests (through xss_test.h) and the libFuzzer harness
 * (tests/fuzz/fuzz_reader.c): 32-bit fields in either byte order, END's
 * CRC, an image without its optional records, and writing a decoded
 * record back with the typed writer.
 *
 * No test framework here: the harness runs without cmocka, so failures
 * are return values (NULL, -1) that each caller checks its own way.
 * Header-only; everything is static inline.
 */
#ifndef XSS_IMAGE_H
#define XSS_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <talloc.h>

#include "xs_state.h"

static inline uint32_t
get32(const uint8_t *q, bool big)
{
	return big ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
		     (uint32_t)q[2] << 8 | q[3]
		   : (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
		     (uint32_t)q[1] << 8 | q[0];
}

static inline void
put32(uint8_t *q, uint32_t v, bool big)
{
	int i;

	for (i = 0; i < 4; i++)
		q[big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

/* Rewrite the CRC of END (the last 16 octets) after patching octets. */
static inline void
fix_crc(uint8_t *p, size_t len, bool big)
{
	put32(p + len - 8, xss_crc32c(0, p, len - 16), big);
}

/*
 * A valid image p without its optional records (the reader skips them,
 * so the writer cannot reproduce them), END's CRC made to match.  NULL
 * when out of memory or when a record runs past len.
 */
static inline uint8_t *
strip_optional(TALLOC_CTX *ctx, const uint8_t *p, size_t len, bool big,
	       size_t *out_len)
{
	uint8_t *q = talloc_size(ctx, len);
	size_t at = 64, n = 64;

	if (!q)
		return NULL;
	memcpy(q, p, 64);
	while (at < len) {
		uint32_t type = get32(p + at, big);
		uint32_t body = get32(p + at + 4, big);
		size_t size = 8 + (((size_t)body + 7) & ~(size_t)7);

		if (at + size > len) {
			talloc_free(q);
			return NULL;
		}
		if (!(type & XSS_REC_OPTIONAL)) {
			memcpy(q + n, p + at, size);
			n += size;
		}
		at += size;
	}
	fix_crc(q, n, big);
	*out_len = n;
	return q;
}

/*
 * Write the decoded record r with the writer for its type: what that
 * writer returns (0 or an errno), -1 for a type that has none.
 */
static inline int
write_decoded(struct xss_writer *w, const struct xss_record *r)
{
	switch (r->type) {
	case XSS_REC_GLOBAL_DATA:
		return xss_write_global(w, &r->u.global);
	case XSS_REC_QUOTA_DATA:
		return xss_write_quota(w, &r->u.quota);
	case XSS_REC_SPECIAL_PERMS:
		return xss_write_special(w, &r->u.special);
	case XSS_REC_NODE_DATA:
		return xss_write_node(w, &r->u.node);
	case XSS_REC_DOMAIN_START:
		return xss_write_domain(w, &r->u.domain);
	case XSS_REC_SOCKET_START:
		return xss_write_socket(w, &r->u.socket);
	case XSS_REC_WATCH_DATA:
		return xss_write_watch(w, &r->u.watch);
	case XSS_REC_TRANSACTION_DATA:
		return xss_write_txn(w, &r->u.txn);
	case XSS_REC_TRANSACTION_NODE_DATA:
		return xss_write_txn_node(w, &r->u.txn_node);
	case XSS_REC_TRANSACTION_EVENT:
		return xss_write_txn_event(w, &r->u.txn_event);
	case XSS_REC_CONN_INPUT:
		return xss_write_input(w, r->u.buffer.data, r->u.buffer.len);
	case XSS_REC_PARTIAL_OUTPUT:
		return xss_write_partial_output(w, r->u.buffer.data,
						r->u.buffer.len);
	case XSS_REC_GUEST_RING_DATA:
		return xss_write_output(w, r->u.buffer.data, r->u.buffer.len);
	case XSS_REC_LIVE_UPDATE:
		return xss_write_live_update(w, &r->u.lu);
	case XSS_REC_STORE_FD:
		return xss_write_store_fd(w, &r->u.store);
	case XSS_REC_END:
		return xss_write_end(w);
	default:
		return -1;
	}
}

#endif /* XSS_IMAGE_H */
