// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * reader.c - decoding an image: the header, then one record per call,
 * each checked completely before it is handed out.
 *
 * Here: the header, the framing of records (type, length, padding), the
 * CRC, unknown optional records, the end of the image, and the messages.
 * Bodies are body.c's, the rules between records check.c's.
 *
 * A body is read only after its length has been checked against the
 * largest body its type can have, so a stream source never allocates
 * more than the spec allows; the per-record talloc context holding the
 * body and the decoded arrays is freed by the next call.
 *
 * Errors are sticky and name the record: "record #12 (NODE_DATA) at
 * offset 0x1a0: path not NUL-terminated"; header errors start with
 * "header: ".
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "xss_private.h"

/* Unknown optional records are skipped in pieces of this size. */
#define SKIP_CHUNK (64 * 1024)

enum rstate {
	RS_HEADER,		/* nothing read yet */
	RS_RECORDS,
	RS_DONE,		/* END read and checked */
	RS_FAILED,
};

struct xss_reader {
	struct xss_source *src;
	enum rstate state;
	struct xss_header hdr;
	struct xss_check *check;
	uint64_t offset;	/* octets consumed */
	uint32_t crc;		/* of those octets */
	uint32_t index;		/* of the record being read */
	TALLOC_CTX *rec_ctx;	/* the record handed out last */
	struct xss_record end;	/* END, once read */
	int err;		/* sticky */
	const char *error;
};

/* --- errors --------------------------------------------------------- */

static int
set_error(struct xss_reader *r, int err, char *msg)
{
	r->state = RS_FAILED;
	r->err = err;
	r->error = msg ? msg : "out of memory";
	return err;
}

static int XSS_PRINTF(3, 4)
header_fail(struct xss_reader *r, int err, const char *fmt, ...)
{
	char *msg = talloc_strdup(r, "header: ");
	va_list ap;

	va_start(ap, fmt);
	if (msg)
		msg = talloc_vasprintf_append_buffer(msg, fmt, ap);
	va_end(ap);
	return set_error(r, err, msg);
}

/*
 * A record is broken: -1 for xss_read_next.  typed: its header was read,
 * so its type is known and named.
 */
static int XSS_PRINTF(5, 6)
rec_fail(struct xss_reader *r, const struct xss_record *rec, bool typed,
	 int err, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	if (typed)
		msg = talloc_asprintf(r, "record #%u (%s) at offset 0x%llx: ",
				      rec->index, xss_type_name(rec->type),
				      (unsigned long long)rec->offset);
	else
		msg = talloc_asprintf(r, "record #%u at offset 0x%llx: ",
				      rec->index,
				      (unsigned long long)rec->offset);
	va_start(ap, fmt);
	if (msg)
		msg = talloc_vasprintf_append_buffer(msg, fmt, ap);
	va_end(ap);
	set_error(r, err, msg);
	return -1;
}

static int
rec_why(struct xss_reader *r, const struct xss_record *rec, int err,
	const char *why)
{
	if (err == ENOMEM || !why)
		return rec_fail(r, rec, true, ENOMEM, "out of memory");
	return rec_fail(r, rec, true, err, "%s", why);
}

const char *
xss_reader_error(const struct xss_reader *r)
{
	return r->state == RS_FAILED ? r->error : NULL;
}

/* --- the header ----------------------------------------------------- */

struct xss_reader *
xss_reader_new(TALLOC_CTX *mem_ctx, struct xss_source *src)
{
	struct xss_reader *r = talloc_zero(mem_ctx, struct xss_reader);

	if (!r)
		return NULL;
	r->src = src;
	if (!src)
		set_error(r, EINVAL, "header: no source");
	return r;
}

static int
check_producer(struct xss_reader *r, const uint8_t *p)
{
	const uint8_t *nul = memchr(p, 0, XSS_PRODUCER_LEN);
	size_t i, len;

	if (!nul)
		return header_fail(r, EBADMSG, "producer not NUL-terminated");
	len = (size_t)(nul - p);
	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return header_fail(r, EBADMSG, "producer has a "
					   "non-printable octet 0x%02x at %zu",
					   p[i], i);
	for (i = len; i < XSS_PRODUCER_LEN; i++)
		if (p[i])
			return header_fail(r, EBADMSG, "producer has octet "
					   "0x%02x at %zu after its NUL", p[i],
					   i);
	memcpy(r->hdr.producer, p, len);
	r->hdr.producer[len] = 0;
	return 0;
}

static int
check_header(struct xss_reader *r, const uint8_t *p)
{
	uint32_t version = xss_dec_u32(p + 8, true);
	uint32_t flags = xss_dec_u32(p + 12, true);
	uint32_t lo = XSS_VERSION > XSS_VERSION_OLDEST ? XSS_VERSION - 1
						     : XSS_VERSION_OLDEST;
	struct xss_header *h = &r->hdr;
	size_t i;

	if (memcmp(p, XSS_IDENT, XSS_IDENT_LEN))
		return header_fail(r, EBADMSG, "bad ident %s, not \"%s\"",
				   xss_quote(r, p, XSS_IDENT_LEN), XSS_IDENT);
	if (version < lo || version > XSS_VERSION || version < 1)
		return header_fail(r, EBADMSG, "unsupported version %u (this "
				   "reader accepts %u to %u)", version, lo,
				   XSS_VERSION);
	if (flags & ~XSS_FLAGS_KNOWN)
		return header_fail(r, EBADMSG, "reserved flags 0x%08x set "
				   "(flags 0x%08x)", flags & ~XSS_FLAGS_KNOWN,
				   flags);
	h->version = version;
	h->big_endian = flags & XSS_FLAG_BIG_ENDIAN;
	h->kind = xss_dec_u32(p + 16, h->big_endian);
	h->domid = xss_dec_u32(p + 20, h->big_endian);
	if (h->kind < XSS_KIND_LIVE_UPDATE || h->kind > XSS_KIND_DUMP)
		return header_fail(r, EBADMSG, "unknown kind %u", h->kind);
	if (h->kind == XSS_KIND_MIGRATION && h->domid > XSS_MAX_DOMID)
		return header_fail(r, EBADMSG, "MIGRATION of domid 0x%x, "
				   "outside 0..0x7fef", h->domid);
	if (h->kind != XSS_KIND_MIGRATION && h->domid != XSS_NO_DOMID)
		return header_fail(r, EBADMSG, "domid 0x%x in a %s image, "
				   "must be 0xffffffff", h->domid,
				   xss_kind_name(h->kind));
	if (check_producer(r, p + 24))
		return r->err;
	for (i = 56; i < XSS_HEADER_LEN; i++)
		if (p[i])
			return header_fail(r, EBADMSG, "reserved octet %zu is "
					   "0x%02x, not 0", i, p[i]);
	return 0;
}

int
xss_read_header(struct xss_reader *r, struct xss_header *h)
{
	TALLOC_CTX *tmp;
	const uint8_t *p;
	size_t got;
	int ret;

	if (r->state == RS_FAILED)
		return r->err;
	if (r->state != RS_HEADER) {
		*h = r->hdr;
		return 0;
	}
	tmp = talloc_new(r);
	if (!tmp)
		return set_error(r, ENOMEM, NULL);
	/* Every image has at least an END record after its header. */
	ret = xss_source_take(r->src, tmp, XSS_HEADER_LEN,
			      XSS_REC_HEADER_LEN + XSS_END_LEN, &p, &got);
	if (ret)
		header_fail(r, ret, "read failed: %s", strerror(ret));
	else if (!got)
		header_fail(r, EBADMSG, "empty image");
	else if (got < XSS_HEADER_LEN)
		header_fail(r, EBADMSG, "truncated: %zu of %d octets", got,
			    XSS_HEADER_LEN);
	else if (!check_header(r, p)) {
		r->crc = xss_crc32c(0, p, XSS_HEADER_LEN);
		r->offset = XSS_HEADER_LEN;
		r->check = xss_check_new(r, &r->hdr);
		if (!r->check)
			set_error(r, ENOMEM, NULL);
		else
			r->state = RS_RECORDS;
	}
	talloc_free(tmp);
	if (r->state == RS_FAILED)
		return r->err;
	*h = r->hdr;
	return 0;
}

/* --- records -------------------------------------------------------- */

static size_t
padding(uint32_t len)
{
	return (XSS_ALIGN - len % XSS_ALIGN) % XSS_ALIGN;
}

/* Take n octets of the record or fail: truncated, or a read error. */
static int
take(struct xss_reader *r, const struct xss_record *rec, TALLOC_CTX *ctx,
     size_t n, size_t ahead, const uint8_t **p)
{
	size_t got;
	int ret = xss_source_take(r->src, ctx, n, ahead, p, &got);

	if (ret == ENOMEM)
		return rec_fail(r, rec, true, ret, "out of memory");
	if (ret)
		return rec_fail(r, rec, true, ret, "read failed: %s",
				strerror(ret));
	if (got < n)
		return rec_fail(r, rec, true, EBADMSG, "truncated: the body "
				"and padding need %zu more octets, the image "
				"has %zu", n, got);
	r->crc = xss_crc32c(r->crc, *p, n);
	r->offset += n;
	return 0;
}

static int
check_padding(struct xss_reader *r, const struct xss_record *rec,
	      const uint8_t *p, size_t from, size_t to, size_t base)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i - base])
			return rec_fail(r, rec, true, EBADMSG, "padding octet "
					"%zu is 0x%02x, not 0", i - rec->len,
					p[i - base]);
	return 0;
}

/* An optional record of a type not known here: consume and check. */
static int
skip(struct xss_reader *r, const struct xss_record *rec)
{
	size_t total = rec->len + padding(rec->len), done = 0;

	while (done < total) {
		size_t n = total - done < SKIP_CHUNK ? total - done
						     : SKIP_CHUNK;
		TALLOC_CTX *tmp = talloc_new(r->rec_ctx);
		const uint8_t *p;
		size_t from = done > rec->len ? done : rec->len;
		int ret;

		if (!tmp)
			return rec_fail(r, rec, true, ENOMEM, "out of memory");
		/* The rest of the record and the next header follow. */
		ret = take(r, rec, tmp, n,
			   total - done - n + XSS_REC_HEADER_LEN, &p);
		if (!ret && from < done + n)
			ret = check_padding(r, rec, p, from, done + n, done);
		talloc_free(tmp);
		if (ret)
			return ret;
		done += n;
	}
	return 0;
}

/* After END: a buffer or file must end; a stream reader stops. */
static int
check_trailing(struct xss_reader *r, const struct xss_record *rec)
{
	uint64_t more;
	int ret = xss_source_more(r->src, &more);

	if (ret)
		return rec_fail(r, rec, true, ret, "read after END failed: %s",
				strerror(ret));
	if (more)
		return rec_fail(r, rec, true, EBADMSG, "data after END, from "
				"offset 0x%llx", (unsigned long long)r->offset);
	return 0;
}

/*
 * One record: 1 handed out, 0 END, 2 skipped (optional), -1 error.
 */
static int
read_record(struct xss_reader *r, struct xss_record *rec)
{
	uint32_t crc_before = r->crc;
	bool big = r->hdr.big_endian;
	const uint8_t *p;
	size_t got, max;
	char *why = NULL;
	int ret;

	memset(rec, 0, sizeof(*rec));
	rec->index = ++r->index;
	rec->offset = r->offset;
	if (!rec->index)
		return rec_fail(r, rec, false, EBADMSG, "too many records");
	/* In a valid image 8 octets follow: END's body, or part of END. */
	ret = xss_source_take(r->src, r->rec_ctx, XSS_REC_HEADER_LEN,
			      XSS_END_LEN, &p, &got);
	if (ret)
		return rec_fail(r, rec, false, ret, "read failed: %s",
				strerror(ret));
	if (!got)
		return rec_fail(r, rec, false, EBADMSG,
				"image ends without END");
	if (got < XSS_REC_HEADER_LEN)
		return rec_fail(r, rec, false, EBADMSG, "truncated record "
				"header: %zu of %d octets", got,
				XSS_REC_HEADER_LEN);
	r->crc = xss_crc32c(r->crc, p, XSS_REC_HEADER_LEN);
	r->offset += XSS_REC_HEADER_LEN;
	rec->type = xss_dec_u32(p, big);
	rec->len = xss_dec_u32(p + 4, big);

	if (rec->type >= XSS_REC_TYPE_COUNT &&
	    !(rec->type & XSS_REC_OPTIONAL))
		return rec_fail(r, rec, true, EBADMSG, "unknown mandatory "
				"type 0x%08x", rec->type);
	if (rec->len > XSS_MAX_RECORD)
		return rec_fail(r, rec, true, EBADMSG, "length %u exceeds the "
				"maximum record length %u", rec->len,
				(unsigned)XSS_MAX_RECORD);
	if (rec->type >= XSS_REC_TYPE_COUNT)
		return skip(r, rec) ? -1 : 2;
	max = xss_body_max(rec->type);
	if (rec->len > max)
		return rec_fail(r, rec, true, EBADMSG, "body too long: %u "
				"octets, the largest %s body has %zu", rec->len,
				xss_type_name(rec->type), max);

	/* Any record but END is followed by at least a record header. */
	if (take(r, rec, r->rec_ctx, rec->len + padding(rec->len),
		 rec->type == XSS_REC_END ? 0 : XSS_REC_HEADER_LEN, &p))
		return -1;
	if (check_padding(r, rec, p, rec->len,
			  rec->len + padding(rec->len), 0))
		return -1;

	ret = xss_decode_body(r->rec_ctx, p, big, rec, &why);
	if (ret)
		return rec_why(r, rec, ret, why);
	if (rec->type == XSS_REC_END && rec->u.end.crc != crc_before)
		return rec_fail(r, rec, true, EBADMSG, "CRC mismatch: END says "
				"0x%08x, the image gives 0x%08x",
				rec->u.end.crc, crc_before);
	ret = xss_check_record(r->check, rec, r->rec_ctx, &why);
	if (ret)
		return rec_why(r, rec, ret, why);
	if (rec->type != XSS_REC_END)
		return 1;
	if (check_trailing(r, rec))
		return -1;
	r->end = *rec;
	r->state = RS_DONE;
	return 0;
}

int
xss_read_next(struct xss_reader *r, struct xss_record *rec)
{
	struct xss_header h;
	int ret;

	if (r->state == RS_HEADER && xss_read_header(r, &h))
		return -1;
	if (r->state == RS_FAILED)
		return -1;
	if (r->state == RS_DONE) {
		*rec = r->end;
		return 0;
	}
	do {
		TALLOC_FREE(r->rec_ctx);
		r->rec_ctx = talloc_new(r);
		if (!r->rec_ctx) {
			set_error(r, ENOMEM, NULL);
			return -1;
		}
		ret = read_record(r, rec);
	} while (ret == 2);
	if (ret < 0)
		memset(rec, 0, sizeof(*rec));
	return ret;
}

int
xss_verify(struct xss_reader *r)
{
	struct xss_record rec;
	int ret;

	while ((ret = xss_read_next(r, &rec)) == 1)
		;
	return ret;
}
