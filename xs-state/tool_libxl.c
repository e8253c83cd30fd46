// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_libxl.c - libxl migration streams as the xs-state tool reads them:
 * the save file header of xl, the libxl header and records, the libxc
 * stream inside, and the one DOMAIN_XENSTORE_DATA record that carries an
 * xs-state image (docs/libxl-stream.md).
 *
 * The layouts are those of Xen's docs/specs/libxl-migration-stream.pandoc
 * and libxc-migration-stream.pandoc and of xl's struct save_file_header
 * (tools/xl/xl.h); none of them is in a header that Debian installs, so
 * the numbers are here, once.
 *
 * A stream is untrusted input and may be large (all of a guest's memory
 * is in its libxc part), so it is read once, front to back, through a
 * small buffer: every length is checked against what the stream still
 * holds before it is trusted, and bytes are passed through to s->out as
 * they are read (embed, extract --strip) instead of being kept.  Only
 * the body of DOMAIN_XENSTORE_DATA is kept, and it grows as it arrives,
 * so a length that lies costs no memory.
 *
 * Offsets in messages are from the start of the input, xl header
 * included; alignment is counted from the libxl header, as the spec's is
 * (xl's optional data has any length, so the libxl header may start at
 * any offset).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

#define LX_BUF_LEN 65536
/* The body of DOMAIN_XENSTORE_DATA is kept in steps of at least this. */
#define LX_IMAGE_STEP (1u << 20)

static const char lx_ident[8] = "LibxlFmt";
#define LX_VERSION 2
#define LX_OPT_BIG_ENDIAN 0x1u
#define LX_OPT_LEGACY 0x2u		/* made by convert-legacy-stream */

/* xl: "Xen saved domain, xl format\n \0 \r", 32 octets with the NUL. */
static const char xl_magic[32] = "Xen saved domain, xl format\n \0 \r";
#define XL_BYTEORDER 0x01020304u
#define XL_FLAG_JSON 0x1u		/* the config is JSON */
#define XL_FLAG_STREAMV2 0x2u		/* a libxl stream follows */

/* libxc: image header and domain header, then records. */
#define XC_IHDR_LEN 24			/* marker u64, id, version, options... */
#define XC_DHDR_LEN 16
#define XC_ID 0x58454e46u		/* "XENF" */
#define XC_OPT_BIG_ENDIAN 0x1u
#define XC_REC_END 0x00000000u
#define XC_REC_CHECKPOINT 0x0000000eu

static const char *const lx_names[] = {
	[LX_REC_END] = "END",
	[LX_REC_LIBXC_CONTEXT] = "LIBXC_CONTEXT",
	[LX_REC_EMULATOR_XENSTORE_DATA] = "EMULATOR_XENSTORE_DATA",
	[LX_REC_EMULATOR_CONTEXT] = "EMULATOR_CONTEXT",
	[LX_REC_CHECKPOINT_END] = "CHECKPOINT_END",
	[LX_REC_CHECKPOINT_STATE] = "CHECKPOINT_STATE",
	[LX_REC_DOMAIN_XENSTORE_DATA] = "DOMAIN_XENSTORE_DATA",
};

const char *
lx_type_name(uint32_t type)
{
	if (type < ARRAY_SIZE(lx_names) && lx_names[type])
		return lx_names[type];
	return type & LX_REC_OPTIONAL ? "OPTIONAL" : "UNKNOWN";
}

static uint32_t
get32(const uint8_t *p, bool big_endian)
{
	if (big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static uint16_t
get16(const uint8_t *p, bool big_endian)
{
	return big_endian ? (uint16_t)(p[0] << 8 | p[1]) :
			    (uint16_t)(p[1] << 8 | p[0]);
}

static void
put32(uint8_t *p, uint32_t v, bool big_endian)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		p[big_endian ? i : 3 - i] = (uint8_t)(v >> (24 - 8 * i));
}

void
lx_record_header(const struct lx_stream *s, uint8_t *hdr, uint32_t type,
		 uint32_t len)
{
	put32(hdr, type, s->big_endian);
	put32(hdr + 4, len, s->big_endian);
}

static uint64_t
padded(uint32_t len)
{
	return ((uint64_t)len + LX_ALIGN - 1) & ~(uint64_t)(LX_ALIGN - 1);
}

int
lx_fail(struct lx_stream *s, const char *fmt, ...)
{
	va_list ap;

	if (s->error)		/* the first reason stands */
		return -1;
	va_start(ap, fmt);
	s->error = talloc_vasprintf(s, fmt, ap);
	va_end(ap);
	if (!s->error)
		s->error = "out of memory";
	return -1;
}

void
lx_error(const struct lx_stream *s)
{
	fflush(stdout);
	tool_warnx("%s: %s", s->name, s->error ? s->error : "failed");
}

static int
lx_destroy(struct lx_stream *s)
{
	if (s->fd > 0)
		close(s->fd);
	return 0;
}

struct lx_stream *
lx_open_fd(TALLOC_CTX *mem_ctx, const char *name, int fd)
{
	struct lx_stream *s = talloc_zero(mem_ctx, struct lx_stream);

	if (!s) {
		tool_warnx("out of memory");
		if (fd > 0)
			close(fd);
		return NULL;
	}
	s->fd = fd;
	talloc_set_destructor(s, lx_destroy);
	s->name = talloc_strdup(s, name);
	s->buf = talloc_size(s, LX_BUF_LEN);
	if (!s->name || !s->buf) {
		tool_warnx("out of memory");
		talloc_free(s);
		return NULL;
	}
	return s;
}

/* More input into an empty buffer.  0 (also at EOF), or -1. */
static int
lx_fill(struct lx_stream *s)
{
	ssize_t n;

	if (s->pos < s->end || s->eof)
		return 0;
	s->pos = s->end = 0;
	do
		n = read(s->fd, s->buf, LX_BUF_LEN);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return lx_fail(s, "read at offset 0x%" PRIx64 ": %s", s->off,
			       strerror(errno));
	if (n == 0)
		s->eof = true;
	s->end = (size_t)n;
	return 0;
}

/*
 * Move up to n octets from the input: into dst if not NULL, and to
 * s->out if pass.  *got says how many there were (fewer than n only at
 * the end of the input).  0, or -1 (read or write error).
 */
static int
lx_get(struct lx_stream *s, uint64_t n, void *dst, bool pass, uint64_t *got)
{
	uint8_t *d = dst;
	size_t k;

	*got = 0;
	while (*got < n) {
		if (lx_fill(s))
			return -1;
		if (s->pos == s->end)
			break;
		k = s->end - s->pos;
		if (k > n - *got)
			k = (size_t)(n - *got);
		if (d) {
			memcpy(d, s->buf + s->pos, k);
			d += k;
		}
		if (pass && s->out &&
		    fwrite(s->buf + s->pos, 1, k, s->out) != k)
			return lx_fail(s, "write: %s",
				       strerror(errno ? errno : EIO));
		s->pos += k;
		s->off += k;
		*got += k;
	}
	return 0;
}

bool
lx_probe(struct lx_stream *s)
{
	/* Gather the first eight octets in the buffer, keeping them there. */
	while (s->end < sizeof(lx_ident) && !s->eof) {
		ssize_t n = read(s->fd, s->buf + s->end, LX_BUF_LEN - s->end);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* errors show when the input is read again */
		s->end += (size_t)n;
	}
	if (s->end < sizeof(lx_ident))
		return false;
	return !memcmp(s->buf, lx_ident, sizeof(lx_ident)) ||
	       !memcmp(s->buf, xl_magic, sizeof(lx_ident));
}

/* xl's header and its optional data, passed through. */
static int
read_xl_header(struct lx_stream *s)
{
	struct xl_header *x = &s->xl;
	uint8_t h[XL_HEADER_LEN], cl[4];
	uint64_t got, rest;
	uint32_t bad;

	if (lx_get(s, sizeof(h), h, true, &got))
		return -1;
	if (got < sizeof(h))
		return lx_fail(s, "xl header: truncated: %" PRIu64 " of %d "
			       "octets", got, XL_HEADER_LEN);
	if (memcmp(h, xl_magic, sizeof(xl_magic)))
		return lx_fail(s, "xl header: bad magic %s",
			       fmt_bytes(s, h, sizeof(xl_magic)));
	/* Its fields are in the saving host's order; byteorder tells. */
	if (get32(h + 32, false) == XL_BYTEORDER)
		x->big_endian = false;
	else if (get32(h + 32, true) == XL_BYTEORDER)
		x->big_endian = true;
	else
		return lx_fail(s, "xl header: bad byteorder field 0x%08" PRIx32
			       ", not 0x%08x", get32(h + 32, false),
			       XL_BYTEORDER);
	x->mandatory_flags = get32(h + 36, x->big_endian);
	x->optional_flags = get32(h + 40, x->big_endian);
	x->optional_data_len = get32(h + 44, x->big_endian);
	bad = x->mandatory_flags & ~(XL_FLAG_JSON | XL_FLAG_STREAMV2);
	if (bad)
		return lx_fail(s, "xl header: unknown mandatory flags 0x%" PRIx32,
			       bad);
	if (!(x->mandatory_flags & XL_FLAG_STREAMV2))
		return lx_fail(s, "xl header: mandatory flags 0x%" PRIx32
			       " lack STREAMv2 (0x2): a legacy stream, not a "
			       "libxl one", x->mandatory_flags);

	/* Optional data: u32 config length, then the config (xl_vmcontrol.c). */
	rest = x->optional_data_len;
	if (rest >= sizeof(cl)) {
		if (lx_get(s, sizeof(cl), cl, true, &got))
			return -1;
		if (got < sizeof(cl))
			goto truncated;
		x->has_config = true;
		x->config_len = get32(cl, x->big_endian);
		rest -= sizeof(cl);
		if (x->config_len > rest)
			return lx_fail(s, "xl header: config length %" PRIu32
				       " exceeds the optional data (%" PRIu64
				       " octets after it)", x->config_len,
				       rest);
	}
	if (lx_get(s, rest, NULL, true, &got))
		return -1;
	if (got < rest)
		goto truncated;
	return 0;

truncated:
	return lx_fail(s, "xl header: truncated: optional data of %" PRIu32
		       " octets ends at offset 0x%" PRIx64,
		       x->optional_data_len, s->off);
}

static int
read_lx_header(struct lx_stream *s)
{
	uint8_t h[LX_HEADER_LEN];
	uint32_t version;
	uint64_t got;

	s->header_offset = s->off;
	if (lx_get(s, sizeof(h), h, true, &got))
		return -1;
	if (got < sizeof(h))
		return lx_fail(s, "libxl header at offset 0x%" PRIx64
			       ": truncated: %" PRIu64 " of %d octets",
			       s->header_offset, got, LX_HEADER_LEN);
	if (memcmp(h, lx_ident, sizeof(lx_ident)))
		return lx_fail(s, "libxl header at offset 0x%" PRIx64
			       ": bad ident %s, not \"LibxlFmt\"",
			       s->header_offset, fmt_bytes(s, h, 8));
	/* The header is big-endian whatever its endianness bit says. */
	version = get32(h + 8, true);
	s->options = get32(h + 12, true);
	if (version != LX_VERSION)
		return lx_fail(s, "libxl header at offset 0x%" PRIx64
			       ": unsupported version %" PRIu32 " (this reader "
			       "accepts %d)", s->header_offset, version,
			       LX_VERSION);
	if (s->options & ~(LX_OPT_BIG_ENDIAN | LX_OPT_LEGACY))
		return lx_fail(s, "libxl header at offset 0x%" PRIx64
			       ": reserved option bits 0x%" PRIx32 " set",
			       s->header_offset,
			       s->options & ~(LX_OPT_BIG_ENDIAN | LX_OPT_LEGACY));
	s->big_endian = s->options & LX_OPT_BIG_ENDIAN;
	return 0;
}

/*
 * A record's padding: it must be there, and zero.  what names the record
 * for messages.  0, or -1.
 */
static int
read_padding(struct lx_stream *s, uint32_t len, bool pass, const char *what)
{
	uint8_t pad[LX_ALIGN];
	uint64_t n = padded(len) - len, got, i;

	if (lx_get(s, n, pad, pass, &got))
		return -1;
	if (got < n)
		return lx_fail(s, "%s: truncated: the padding needs %" PRIu64
			       " more octets, the stream has %" PRIu64, what,
			       n - got, got);
	for (i = 0; i < n; i++)
		if (pad[i])
			return lx_fail(s, "%s: padding octet at offset 0x%" PRIx64
				       " is 0x%02x, not 0", what,
				       s->off - n + i, pad[i]);
	return 0;
}

/* Body and padding passed through (or skipped), checking they are there. */
static int
skip_body(struct lx_stream *s, uint32_t len, bool pass, const char *what)
{
	uint64_t got;

	if (lx_get(s, len, NULL, pass, &got))
		return -1;
	if (got < len)
		return lx_fail(s, "%s: truncated: the body and padding need "
			       "%" PRIu64 " more octets, the stream has %" PRIu64,
			       what, padded(len), got);
	return read_padding(s, len, pass, what);
}

/* DOMAIN_XENSTORE_DATA's body into s->image, grown as it arrives. */
static int
keep_body(struct lx_stream *s, uint32_t len, bool pass, const char *what)
{
	uint64_t have = 0, got, step;

	s->image = talloc_size(s, 0);
	while (s->image && have < len) {
		/* doubling, from LX_IMAGE_STEP, never past what len says */
		step = have > LX_IMAGE_STEP ? have : LX_IMAGE_STEP;
		if (step > len - have)
			step = len - have;
		s->image = talloc_realloc_size(s, s->image, have + step);
		if (!s->image)
			break;
		if (lx_get(s, step, s->image + have, pass, &got))
			return -1;
		have += got;
		if (got < step)
			return lx_fail(s, "%s: truncated: the body and padding "
				       "need %" PRIu64 " more octets, the stream "
				       "has %" PRIu64, what, padded(len), have);
	}
	if (!s->image)
		return lx_fail(s, "%s: out of memory for %" PRIu32 " octets",
			       what, len);
	return read_padding(s, len, pass, what);
}

/*
 * A run of libxc records: after LIBXC_CONTEXT (headers true: the image
 * and domain headers first) or after a checkpoint, to END or CHECKPOINT.
 * libxc's records are framed as libxl's are; what is inside them is
 * libxc's business, so only the framing is checked.
 */
static int
walk_libxc(struct lx_stream *s, const struct lx_visitor *v, void *arg,
	   struct lx_libxc *x, bool headers)
{
	uint8_t h[XC_IHDR_LEN];
	uint32_t type, len, options, i;
	uint64_t got, at;
	char *what;

	x->offset = s->off;
	x->headers = headers;
	x->records = 0;
	if (headers) {
		if (lx_get(s, XC_IHDR_LEN, h, true, &got))
			return -1;
		if (got < XC_IHDR_LEN)
			return lx_fail(s, "libxc image header at offset 0x%"
				       PRIx64 ": truncated: %" PRIu64 " of %d "
				       "octets", x->offset, got, XC_IHDR_LEN);
		for (i = 0; i < 8; i++)
			if (h[i] != 0xff)
				return lx_fail(s, "libxc image header at offset "
					       "0x%" PRIx64 ": bad marker %s "
					       "(a legacy libxc stream?)",
					       x->offset, fmt_bytes(s, h, 8));
		/* big-endian whatever the endianness bit says */
		if (get32(h + 8, true) != XC_ID)
			return lx_fail(s, "libxc image header at offset 0x%"
				       PRIx64 ": bad id %s, not \"XENF\"",
				       x->offset, fmt_bytes(s, h + 8, 4));
		x->version = get32(h + 12, true);
		options = get16(h + 16, true);
		if (x->version < 2 || x->version > 3)
			return lx_fail(s, "libxc image header at offset 0x%"
				       PRIx64 ": unsupported version %" PRIu32
				       " (this reader accepts 2 to 3)",
				       x->offset, x->version);
		if (options & ~XC_OPT_BIG_ENDIAN)
			return lx_fail(s, "libxc image header at offset 0x%"
				       PRIx64 ": reserved option bits 0x%"
				       PRIx32 " set", x->offset,
				       options & ~XC_OPT_BIG_ENDIAN);
		if (get16(h + 18, true) || get32(h + 20, true))
			return lx_fail(s, "libxc image header at offset 0x%"
				       PRIx64 ": reserved field not 0",
				       x->offset);
		x->big_endian = options & XC_OPT_BIG_ENDIAN;

		at = s->off;
		if (lx_get(s, XC_DHDR_LEN, h, true, &got))
			return -1;
		if (got < XC_DHDR_LEN)
			return lx_fail(s, "libxc domain header at offset 0x%"
				       PRIx64 ": truncated: %" PRIu64 " of %d "
				       "octets", at, got, XC_DHDR_LEN);
		x->domain_type = get32(h, x->big_endian);
		x->page_shift = get16(h + 4, x->big_endian);
		x->xen_major = get32(h + 8, x->big_endian);
		x->xen_minor = get32(h + 12, x->big_endian);
	}

	for (;;) {
		at = s->off;
		if (lx_get(s, LX_REC_HEADER_LEN, h, true, &got))
			return -1;
		if (got == 0)
			return lx_fail(s, "libxc record #%" PRIu32 " at offset "
				       "0x%" PRIx64 ": stream ends inside the "
				       "libxc stream", x->records + 1, at);
		if (got < LX_REC_HEADER_LEN)
			return lx_fail(s, "libxc record #%" PRIu32 " at offset "
				       "0x%" PRIx64 ": truncated: %" PRIu64
				       " of %d octets of the record header",
				       x->records + 1, at, got,
				       LX_REC_HEADER_LEN);
		type = get32(h, x->big_endian);
		len = get32(h + 4, x->big_endian);
		x->records++;
		what = talloc_asprintf(s, "libxc record #%" PRIu32 " (type "
				       "0x%" PRIx32 ") at offset 0x%" PRIx64,
				       x->records, type, at);
		if (!what)
			return lx_fail(s, "out of memory");
		if ((type == XC_REC_END || type == XC_REC_CHECKPOINT) && len)
			return lx_fail(s, "%s: length %" PRIu32 ", not 0",
				       what, len);
		if (skip_body(s, len, true, what))
			return -1;
		talloc_free(what);
		if (type == XC_REC_END || type == XC_REC_CHECKPOINT) {
			x->last_type = type;
			x->bytes = s->off - x->offset;
			if (v->libxc)
				v->libxc(arg, x);
			return 0;
		}
	}
}

/* 0 if rec's length suits its type, else -1 with the reason. */
static int
check_length(struct lx_stream *s, const struct lx_record *rec,
	     const char *what)
{
	switch (rec->type) {
	case LX_REC_END:
	case LX_REC_LIBXC_CONTEXT:
	case LX_REC_CHECKPOINT_END:
		if (rec->len)
			return lx_fail(s, "%s: length %" PRIu32 ", not 0",
				       what, rec->len);
		break;
	case LX_REC_EMULATOR_XENSTORE_DATA:
	case LX_REC_EMULATOR_CONTEXT:
		/* emulator_id and index */
		if (rec->len < 8)
			return lx_fail(s, "%s: length %" PRIu32 ", less than the "
				       "8 of the emulator header", what,
				       rec->len);
		break;
	case LX_REC_CHECKPOINT_STATE:
		if (rec->len < 4)
			return lx_fail(s, "%s: length %" PRIu32 ", less than the "
				       "4 of control_id", what, rec->len);
		break;
	case LX_REC_DOMAIN_XENSTORE_DATA:
		/* the image's own checks say more, but not less than this */
		if (rec->len < XSS_HEADER_LEN)
			return lx_fail(s, "%s: length %" PRIu32 ", less than the "
				       "%d of an xs-state image header", what,
				       rec->len, XSS_HEADER_LEN);
		break;
	default:
		if (!(rec->type & LX_REC_OPTIONAL))
			return lx_fail(s, "%s: unknown mandatory record type",
				       what);
	}
	return 0;
}

int
lx_walk(struct lx_stream *s, const struct lx_visitor *v, void *arg)
{
	struct lx_record rec = { 0 };
	struct lx_libxc x = { 0 };
	bool in_checkpoint = false;	/* libxc said CHECKPOINT */
	uint8_t h[LX_REC_HEADER_LEN];
	uint64_t got;
	char *what;
	int act;

	lx_probe(s);	/* the first octets into the buffer, if not there */
	s->has_xl = s->end >= 8 && !memcmp(s->buf, xl_magic, 8) &&
		    s->off == 0;
	if (s->has_xl && read_xl_header(s))
		return -1;
	if (read_lx_header(s))
		return -1;
	if (v->headers && v->headers(arg, s))
		return -1;

	for (;;) {
		rec.offset = s->off;
		rec.index++;
		if (lx_get(s, LX_REC_HEADER_LEN, h, false, &got))
			return -1;
		if (got == 0)
			return lx_fail(s, "libxl record #%" PRIu32 " at offset "
				       "0x%" PRIx64 ": stream ends without END",
				       rec.index, rec.offset);
		if (got < LX_REC_HEADER_LEN)
			return lx_fail(s, "libxl record #%" PRIu32 " at offset "
				       "0x%" PRIx64 ": truncated: %" PRIu64
				       " of %d octets of the record header",
				       rec.index, rec.offset, got,
				       LX_REC_HEADER_LEN);
		rec.type = get32(h, s->big_endian);
		rec.len = get32(h + 4, s->big_endian);
		what = talloc_asprintf(s, "libxl record #%" PRIu32 " (%s) at "
				       "offset 0x%" PRIx64, rec.index,
				       lx_type_name(rec.type), rec.offset);
		if (!what)
			return lx_fail(s, "out of memory");
		if (rec.type >= ARRAY_SIZE(lx_names) || !lx_names[rec.type]) {
			talloc_free(what);
			what = talloc_asprintf(s, "libxl record #%" PRIu32
					       " (type 0x%" PRIx32 ") at "
					       "offset 0x%" PRIx64, rec.index,
					       rec.type, rec.offset);
			if (!what)
				return lx_fail(s, "out of memory");
		}
		if (check_length(s, &rec, what))
			return -1;
		if (rec.type == LX_REC_DOMAIN_XENSTORE_DATA && s->xsd.index)
			return lx_fail(s, "%s: a second DOMAIN_XENSTORE_DATA "
				       "(the first is record #%" PRIu32 " at "
				       "offset 0x%" PRIx64 ")", what,
				       s->xsd.index, s->xsd.offset);
		if (rec.type == LX_REC_CHECKPOINT_END && !in_checkpoint)
			return lx_fail(s, "%s: CHECKPOINT_END outside a "
				       "checkpoint", what);
		if (in_checkpoint && (rec.type == LX_REC_END ||
				      rec.type == LX_REC_LIBXC_CONTEXT))
			return lx_fail(s, "%s: inside a checkpoint (before "
				       "CHECKPOINT_END)", what);

		act = v->record ? v->record(arg, s, &rec) : LX_KEEP;
		if (act < 0)
			return -1;
		if (act == LX_KEEP && s->out &&
		    fwrite(h, 1, sizeof(h), s->out) != sizeof(h))
			return lx_fail(s, "write: %s",
				       strerror(errno ? errno : EIO));
		if (rec.type == LX_REC_DOMAIN_XENSTORE_DATA) {
			s->xsd = rec;
			if (keep_body(s, rec.len, act == LX_KEEP, what))
				return -1;
		} else if (skip_body(s, rec.len, act == LX_KEEP, what)) {
			return -1;
		}
		talloc_free(what);

		switch (rec.type) {
		case LX_REC_END:
			s->records = rec.index;
			s->size = s->off;
			/* nothing may follow END */
			if (lx_get(s, 1, h, false, &got))
				return -1;
			if (got)
				return lx_fail(s, "libxl record #%" PRIu32
					       " (END) at offset 0x%" PRIx64
					       ": data after END, from offset "
					       "0x%" PRIx64, rec.index,
					       rec.offset, s->size);
			return 0;
		case LX_REC_LIBXC_CONTEXT:
			if (walk_libxc(s, v, arg, &x, true))
				return -1;
			in_checkpoint = x.last_type == XC_REC_CHECKPOINT;
			break;
		case LX_REC_CHECKPOINT_END:
			/* libxc carries on with its records, no headers */
			if (walk_libxc(s, v, arg, &x, false))
				return -1;
			in_checkpoint = x.last_type == XC_REC_CHECKPOINT;
			break;
		}
	}
}

/*
 * Image or stream: the first octets tell.  A stream is read from fd as
 * it comes; an image from a file is read again from its start, and one
 * from a pipe (whose first octets are gone) from memory.
 */
int
input_open(TALLOC_CTX *mem_ctx, const char *path, struct image **img,
	   struct lx_stream **st)
{
	struct lx_stream *s;
	const char *name = strcmp(path, "-") ? path : "(stdin)";
	uint8_t *data;
	size_t len;
	int fd = 0;

	*img = NULL;
	*st = NULL;
	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			tool_warnx("%s: %s", path, strerror(errno));
			return EXIT_BAD;
		}
	}
	s = lx_open_fd(mem_ctx, name, fd);
	if (!s)
		return EXIT_BAD;
	if (lx_probe(s)) {
		*st = s;
		return 0;
	}
	if (lseek(fd, 0, SEEK_SET) == 0) {
		s->fd = -1;	/* the image owns it now */
		talloc_free(s);
		*img = image_open_fd(mem_ctx, name, fd);
		return *img ? 0 : EXIT_BAD;
	}
	/* A pipe: what the probe read, then the rest, into memory. */
	len = s->end;
	data = talloc_size(s, len);
	while (data) {
		memcpy(data + len - (s->end - s->pos), s->buf + s->pos,
		       s->end - s->pos);
		s->off += s->end - s->pos;
		s->pos = s->end;
		if (lx_fill(s)) {
			lx_error(s);
			talloc_free(s);
			return EXIT_BAD;
		}
		if (s->eof)
			break;
		len += s->end;
		data = talloc_realloc_size(s, data, len);
	}
	*img = data ? image_open_memory(s, name, data, len) : NULL;
	if (!*img) {
		if (!data)
			tool_warnx("out of memory");
		talloc_free(s);
		return EXIT_BAD;
	}
	/* the stream holds the bytes; it lives as long as mem_ctx */
	return 0;
}
