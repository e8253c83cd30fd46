/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xss_private.h - what the files of the xs-state library share and no
 * user sees: the byte streams below the writer and the reader, the path
 * syntax, the key set used for uniqueness checks, and the cross-record
 * checker.
 *
 * Problems found in an image are described by a talloc'd string ("why")
 * that the reader prefixes with the record's position; functions return 0
 * or a positive errno (EBADMSG for a broken image, ENOMEM, or the errno
 * of a failed read or write).
 */
#ifndef XSS_PRIVATE_H
#define XSS_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

#include "xs_state.h"

/* Printf-style message helpers get their formats checked. */
#define XSS_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Home of a domain, "/local/domain/<domid>", at most this long + NUL. */
#define XSS_HOME_MAX 32

/* Domain ids: DOMID_FIRST_RESERVED is 0x7ff0. */
#define XSS_MAX_DOMID 0x7fefu

/* The byte order upstream's state files are written in: the host's. */
#define XSS_HOST_BIG (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

static inline uint32_t
xss_dec_u32(const uint8_t *q, bool big)
{
	if (big)
		return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
		       (uint32_t)q[2] << 8 | q[3];
	return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
	       (uint32_t)q[1] << 8 | q[0];
}

static inline uint16_t
xss_dec_u16(const uint8_t *q, bool big)
{
	return big ? (uint16_t)(q[0] << 8 | q[1]) : (uint16_t)(q[1] << 8 | q[0]);
}

/*
 * Wire messages (16-octet header, then the payload its last field
 * counts) back to back in n octets at p, read in byte order big, until
 * one does not fit: where the walk ended (wire.c).
 */
enum xss_msgs_end {
	XSS_MSGS_WHOLE,		/* they fill the n octets exactly */
	XSS_MSGS_HDR_CUT,	/* the octets end inside a header at at */
	XSS_MSGS_BODY_CUT,	/* ...inside the payload of the one at at */
	XSS_MSGS_TOO_LONG,	/* the one at at has more than max octets */
};

struct xss_msgs {
	enum xss_msgs_end end;
	uint32_t at;		/* offset of the message concerned */
	uint32_t len;		/* its payload length (BODY_CUT, TOO_LONG) */
};

void xss_walk_msgs(const uint8_t *p, uint32_t n, bool big, uint32_t max,
		   struct xss_msgs *w);

/* crc32c.c: the table-driven CRC, whatever the processor (for tests). */
uint32_t xss_crc32c_portable(uint32_t crc, const void *buf, size_t len);

/* --- stream.c: sinks and sources ------------------------------------ */

/* Append n octets; 0 or the sticky errno of the sink. */
int xss_sink_write(struct xss_sink *s, const void *buf, size_t n);
/* Hand buffered octets to the fd (memory sinks: nothing to do). */
int xss_sink_flush(struct xss_sink *s);
/* The sticky errno of the sink, 0 if none. */
int xss_sink_errno(const struct xss_sink *s);

/*
 * Take the next n octets: *out points to them, in the source's memory or
 * in a buffer allocated on ctx, valid as long as ctx and the source.
 * *got < n only at the end of the input (then *out holds *got octets).
 * ahead is how many octets after these the image must still hold if it
 * is valid: a stream source may read that far ahead and no further.
 * Returns 0 or the errno of a failed read.
 */
int xss_source_take(struct xss_source *s, TALLOC_CTX *ctx, size_t n,
		    size_t ahead, const uint8_t **out, size_t *got);
/*
 * After END: is there more input?  Memory and regular files are checked
 * (*more set to the count of further octets, or 1 if unknown); pipes
 * and sockets are streams, and a stream reader stops after END.
 */
int xss_source_more(struct xss_source *s, uint64_t *more);

/* --- syntax.c: paths and child names (docs/misc/xenstore.txt) ------- */

/*
 * Check the len octets at p (without the NUL) as a path.  NULL if fine,
 * else the reason, with *at set to the octet it concerns (SIZE_MAX: the
 * path as a whole).  A special path (@...) is accepted only with
 * special.
 */
const char *xss_path_invalid(const char *p, size_t len, bool special,
			     size_t *at);
/* A child name: path characters but no '/', not empty. */
const char *xss_name_invalid(const char *p, size_t len, size_t *at);
/* Is path strictly below dir (both valid absolute paths)? */
bool xss_path_below(const char *path, size_t len, const char *dir,
		    size_t dir_len);
/* "/local/domain/<domid>" into buf[XSS_HOME_MAX]; returns its length. */
size_t xss_home(char *buf, uint32_t domid);
/* s quoted for a message: "..." with \xNN escapes, long ones cut. */
char *xss_quote(TALLOC_CTX *ctx, const void *s, size_t len);

/* --- set.c: a set of byte-string keys, each with a value ------------ */

struct xss_set;

struct xss_set *xss_set_new(TALLOC_CTX *mem_ctx);
/*
 * Add key with value.  0 if added; EEXIST if present (*old, if not NULL,
 * gets the stored value); ENOMEM.  The key is copied.
 */
int xss_set_add(struct xss_set *s, const void *key, size_t len,
		uint32_t value, uint32_t *old);
bool xss_set_find(const struct xss_set *s, const void *key, size_t len,
		  uint32_t *value);
uint32_t xss_set_count(const struct xss_set *s);

/* --- body.c: one record body on its own (spec section 4) ----------- */

/* The largest body a record of type can have (unknown: any record). */
uint32_t xss_body_max(uint32_t type);
/*
 * Decode and check the rec->len octets at body as a record of rec->type
 * (a known type), filling rec->u; arrays go on ctx.  0, or EBADMSG with
 * *why (on ctx), or ENOMEM.
 */
int xss_decode_body(TALLOC_CTX *ctx, const uint8_t *body, bool big,
		    struct xss_record *rec, char **why);

/* --- check.c: the rules between records (spec section 5 and others) - */

struct xss_check;

struct xss_check *xss_check_new(TALLOC_CTX *mem_ctx,
				const struct xss_header *h);
/*
 * Accept rec (decoded and checked on its own) as the next record: 0, or
 * EBADMSG with *why (on ctx) saying which rule it breaks, or ENOMEM.
 */
int xss_check_record(struct xss_check *c, const struct xss_record *rec,
		     TALLOC_CTX *ctx, char **why);

#endif /* XSS_PRIVATE_H */
