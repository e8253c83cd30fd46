// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * writer.c - encoding an image: the header and every record, in the byte
 * order chosen at xss_writer_new(), padded to 8 octets, with a running
 * CRC-32C that END carries.
 *
 * The writer writes what it is given.  It checks only what it needs to
 * encode it (no NULL where octets are due, a producer that fits, no
 * record beyond the maximum length); the content and order rules are the
 * reader's, so tests can also build broken images with it.  Errors are
 * sticky: after the first one every call returns it again.
 *
 * Structured records are encoded whole into a scratch buffer and handed
 * to the sink in one write; opaque bodies (CONN_INPUT, GUEST_RING_DATA,
 * raw records) go straight from the caller's memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "xss_private.h"

/* Keep a scratch buffer up to this size between records. */
#define SCRATCH_KEEP (1024 * 1024)

struct xss_writer {
	struct xss_sink *sink;
	bool big;		/* records big-endian */
	bool ended;		/* END written */
	uint64_t offset;	/* octets written so far */
	uint32_t crc;		/* of those octets */
	uint32_t type;		/* of the record being written */
	uint64_t start;		/* its offset */
	int err;		/* sticky */
	const char *error;	/* its message */
	uint8_t *buf;		/* scratch for one record */
	size_t cap;
};

/* An encoding cursor over the scratch buffer. */
struct wcur {
	uint8_t *p;
	size_t pos;
	bool big;
};

static int XSS_PRINTF(3, 4)
fail(struct xss_writer *w, int err, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (w->err)
		return w->err;
	va_start(ap, fmt);
	msg = talloc_vasprintf(w, fmt, ap);
	va_end(ap);
	w->err = err;
	w->error = msg ? msg : "out of memory";
	return err;
}

/* The sink failed while the record (or header) was handed to it. */
static int
sink_failed(struct xss_writer *w, int err)
{
	if (!w->start)
		return fail(w, err, "header: write failed: %s",
			    strerror(err));
	return fail(w, err, "%s at offset 0x%llx: write failed: %s",
		    xss_type_name(w->type), (unsigned long long)w->start,
		    strerror(err));
}

static void
put_u32(struct wcur *c, uint32_t v)
{
	uint8_t *q = c->p + c->pos;

	if (c->big) {
		q[0] = (uint8_t)(v >> 24);
		q[1] = (uint8_t)(v >> 16);
		q[2] = (uint8_t)(v >> 8);
		q[3] = (uint8_t)v;
	} else {
		q[0] = (uint8_t)v;
		q[1] = (uint8_t)(v >> 8);
		q[2] = (uint8_t)(v >> 16);
		q[3] = (uint8_t)(v >> 24);
	}
	c->pos += 4;
}

static void
put_i32(struct wcur *c, int32_t v)
{
	put_u32(c, (uint32_t)v);
}

static void
put_u64(struct wcur *c, uint64_t v)
{
	if (c->big) {
		put_u32(c, (uint32_t)(v >> 32));
		put_u32(c, (uint32_t)v);
	} else {
		put_u32(c, (uint32_t)v);
		put_u32(c, (uint32_t)(v >> 32));
	}
}

static void
put_bytes(struct wcur *c, const void *p, size_t n)
{
	if (n)
		memcpy(c->p + c->pos, p, n);
	c->pos += n;
}

/* A string with its NUL. */
static void
put_string(struct wcur *c, const char *s, uint32_t len)
{
	put_bytes(c, s, len);
}

static void
put_perms(struct wcur *c, const struct xss_perms *p)
{
	uint32_t i;

	for (i = 0; i < p->num; i++) {
		put_u32(c, p->p[i].domid);
		put_u32(c, p->p[i].access);
	}
}

static size_t
padding(uint64_t len)
{
	return (size_t)((XSS_ALIGN - len % XSS_ALIGN) % XSS_ALIGN);
}

/* Can the writer take a record at all?  It becomes the current one. */
static int
usable(struct xss_writer *w, uint32_t type)
{
	if (w->err)
		return w->err;
	if (w->ended)
		return fail(w, EINVAL, "%s: the image has already ended",
			    xss_type_name(type));
	w->type = type;
	w->start = w->offset;
	return 0;
}

static int
check_size(struct xss_writer *w, uint32_t type, uint64_t body)
{
	if (body > XSS_MAX_RECORD)
		return fail(w, EINVAL,
			    "%s: body of %llu octets exceeds the maximum "
			    "record length %u", xss_type_name(type),
			    (unsigned long long)body, (unsigned)XSS_MAX_RECORD);
	return 0;
}

/* Open a record of a known body length in the scratch buffer. */
static int
rec_begin(struct xss_writer *w, uint32_t type, uint64_t body,
	  struct wcur *c)
{
	size_t total;
	int ret = usable(w, type);

	if (!ret)
		ret = check_size(w, type, body);
	if (ret)
		return ret;
	total = XSS_REC_HEADER_LEN + (size_t)body + padding(body);
	if (total > w->cap) {
		uint8_t *p = talloc_realloc_size(w, w->buf, total);

		if (!p)
			return fail(w, ENOMEM, "%s: out of memory",
				    xss_type_name(type));
		w->buf = p;
		w->cap = total;
	}
	c->p = w->buf;
	c->pos = 0;
	c->big = w->big;
	put_u32(c, type);
	put_u32(c, (uint32_t)body);
	return 0;
}

/* Pad, checksum and write the record in the scratch buffer. */
static int
rec_finish(struct xss_writer *w, struct wcur *c)
{
	size_t pad = padding(c->pos);
	int ret;

	memset(c->p + c->pos, 0, pad);
	c->pos += pad;
	w->crc = xss_crc32c(w->crc, c->p, c->pos);
	ret = xss_sink_write(w->sink, c->p, c->pos);
	if (ret)
		return sink_failed(w, ret);
	w->offset += c->pos;
	if (w->cap > SCRATCH_KEEP) {
		TALLOC_FREE(w->buf);
		w->cap = 0;
	}
	return 0;
}

static int
emit(struct xss_writer *w, const void *p, size_t n)
{
	int ret;

	if (!n)
		return 0;
	w->crc = xss_crc32c(w->crc, p, n);
	ret = xss_sink_write(w->sink, p, n);
	if (ret)
		return sink_failed(w, ret);
	w->offset += n;
	return 0;
}

/* A record whose body is the caller's octets, written without a copy. */
static int
rec_opaque(struct xss_writer *w, uint32_t type, const void *body,
	   uint32_t len)
{
	static const uint8_t zeros[XSS_ALIGN];
	uint8_t head[XSS_REC_HEADER_LEN];
	struct wcur c = { head, 0, w->big };
	int ret = usable(w, type);

	if (!ret)
		ret = check_size(w, type, len);
	if (ret)
		return ret;
	if (len && !body)
		return fail(w, EINVAL, "%s: %u octets of body at NULL",
			    xss_type_name(type), len);
	put_u32(&c, type);
	put_u32(&c, len);
	ret = emit(w, head, sizeof(head));
	if (!ret)
		ret = emit(w, body, len);
	if (!ret)
		ret = emit(w, zeros, padding(len));
	return ret;
}

/* Length of s with its NUL, or an error for NULL. */
static int
string_len(struct xss_writer *w, uint32_t type, const char *what,
	   const char *s, uint64_t *len)
{
	if (!s)
		return fail(w, EINVAL, "%s: %s is NULL", xss_type_name(type),
			    what);
	*len = (uint64_t)strlen(s) + 1;
	return 0;
}

static int
perms_ok(struct xss_writer *w, uint32_t type, const char *what,
	 const struct xss_perms *p)
{
	if (p->num && !p->p)
		return fail(w, EINVAL, "%s: %u %s at NULL",
			    xss_type_name(type), p->num, what);
	return 0;
}

static int
bytes_ok(struct xss_writer *w, uint32_t type, const char *what,
	 const void *p, uint64_t len)
{
	if (len && !p)
		return fail(w, EINVAL, "%s: %llu octets of %s at NULL",
			    xss_type_name(type), (unsigned long long)len,
			    what);
	return 0;
}

/* --- the header ----------------------------------------------------- */

static int
write_header(struct xss_writer *w, uint32_t kind, uint32_t domid,
	     const char *producer)
{
	uint8_t h[XSS_HEADER_LEN] = { 0 };
	struct wcur c = { h, 0, true };
	size_t plen = producer ? strlen(producer) : 0;

	if (plen >= XSS_PRODUCER_LEN)
		return fail(w, EINVAL,
			    "header: producer of %zu octets, at most %d fit",
			    plen, XSS_PRODUCER_LEN - 1);
	put_bytes(&c, XSS_IDENT, XSS_IDENT_LEN);
	put_u32(&c, XSS_VERSION);		/* always big-endian */
	put_u32(&c, w->big ? XSS_FLAG_BIG_ENDIAN : 0);
	c.big = w->big;
	put_u32(&c, kind);
	put_u32(&c, domid);
	put_bytes(&c, producer, plen);	/* NUL-padded, reserved zero */
	return emit(w, h, sizeof(h));
}

struct xss_writer *
xss_writer_new(TALLOC_CTX *mem_ctx, struct xss_sink *sink, uint32_t kind,
	       uint32_t domid, const char *producer, bool big_endian)
{
	struct xss_writer *w = talloc_zero(mem_ctx, struct xss_writer);

	if (!w)
		return NULL;
	w->sink = sink;
	w->big = big_endian;
	if (!sink)
		fail(w, EINVAL, "header: no sink");
	else
		write_header(w, kind, domid, producer);
	return w;
}

const char *
xss_writer_error(const struct xss_writer *w)
{
	return w->err ? w->error : NULL;
}

uint64_t
xss_writer_offset(const struct xss_writer *w)
{
	return w->offset;
}

/* --- records -------------------------------------------------------- */

int
xss_write_global(struct xss_writer *w, const struct xss_global *g)
{
	struct wcur c;
	int ret = rec_begin(w, XSS_REC_GLOBAL_DATA, XSS_GLOBAL_FIXED, &c);

	if (ret)
		return ret;
	put_u64(&c, g->generation);
	put_u32(&c, g->next_conn_id);
	put_i32(&c, g->socket_fd);
	put_u32(&c, g->backend);
	put_i32(&c, g->backend_fd);
	put_u32(&c, 0);			/* flags */
	put_u32(&c, 0);			/* reserved */
	return rec_finish(w, &c);
}

int
xss_write_quota(struct xss_writer *w, const struct xss_quota *q)
{
	const uint32_t type = XSS_REC_QUOTA_DATA;
	uint64_t body = XSS_QUOTA_FIXED + (uint64_t)q->num * XSS_QUOTA_ENTRY;
	struct wcur c;
	uint32_t i;
	int ret = usable(w, type);

	if (!ret && q->num && !q->e)
		ret = fail(w, EINVAL, "QUOTA_DATA: %u entries at NULL",
			   q->num);
	if (!ret)
		ret = rec_begin(w, type, body, &c);
	if (ret)
		return ret;
	put_u32(&c, q->domid);
	put_u32(&c, q->num);
	for (i = 0; i < q->num; i++) {
		put_u32(&c, q->e[i].id);
		put_u32(&c, q->e[i].hard);
		put_u32(&c, q->e[i].soft);
	}
	return rec_finish(w, &c);
}

int
xss_write_special(struct xss_writer *w, const struct xss_special *s)
{
	const uint32_t type = XSS_REC_SPECIAL_PERMS;
	uint64_t path_len = 0, body;
	struct wcur c;
	int ret = usable(w, type);

	if (!ret)
		ret = string_len(w, type, "path", s->path, &path_len);
	if (!ret)
		ret = perms_ok(w, type, "perms", &s->perms);
	body = XSS_SPECIAL_FIXED + (uint64_t)s->perms.num * XSS_PERM_LEN +
	       path_len;
	if (!ret)
		ret = rec_begin(w, type, body, &c);
	if (ret)
		return ret;
	put_u32(&c, (uint32_t)path_len);
	put_u32(&c, s->perms.num);
	put_perms(&c, &s->perms);
	put_string(&c, s->path, (uint32_t)path_len);
	return rec_finish(w, &c);
}

int
xss_write_node(struct xss_writer *w, const struct xss_node *n)
{
	const uint32_t type = XSS_REC_NODE_DATA;
	uint64_t path_len = 0, body;
	struct wcur c;
	int ret = usable(w, type);

	if (!ret)
		ret = string_len(w, type, "path", n->path, &path_len);
	if (!ret)
		ret = perms_ok(w, type, "perms", &n->perms);
	if (!ret)
		ret = bytes_ok(w, type, "value", n->value, n->len);
	body = XSS_NODE_FIXED + (uint64_t)n->perms.num * XSS_PERM_LEN +
	       path_len + n->len;
	if (!ret)
		ret = rec_begin(w, type, body, &c);
	if (ret)
		return ret;
	put_u64(&c, n->gen);
	put_u32(&c, (uint32_t)path_len);
	put_u32(&c, n->perms.num);
	put_u32(&c, n->len);
	put_u32(&c, 0);			/* reserved */
	put_perms(&c, &n->perms);
	put_string(&c, n->path, (uint32_t)path_len);
	put_bytes(&c, n->value, n->len);
	return rec_finish(w, &c);
}

int
xss_write_domain(struct xss_writer *w, const struct xss_domain *d)
{
	struct wcur c;
	int ret = rec_begin(w, XSS_REC_DOMAIN_START, XSS_DOMAIN_FIXED, &c);

	if (ret)
		return ret;
	put_u32(&c, d->domid);
	put_u32(&c, d->conn_id);
	put_u32(&c, d->flags);
	put_u32(&c, d->features);
	put_u64(&c, d->gfn);
	put_u32(&c, d->remote_port);
	put_u32(&c, d->local_port);
	put_u32(&c, d->target);
	put_u32(&c, d->next_txid);
	put_i32(&c, d->evtchn_fd);
	put_i32(&c, d->page_fd);
	return rec_finish(w, &c);
}

int
xss_write_socket(struct xss_writer *w, const struct xss_socket *s)
{
	struct wcur c;
	int ret = rec_begin(w, XSS_REC_SOCKET_START, XSS_SOCKET_FIXED, &c);

	if (ret)
		return ret;
	put_u32(&c, s->conn_id);
	put_i32(&c, s->fd);
	put_u32(&c, s->flags);
	put_u32(&c, s->next_txid);
	return rec_finish(w, &c);
}

int
xss_write_watch(struct xss_writer *w, const struct xss_watch *wa)
{
	const uint32_t type = XSS_REC_WATCH_DATA;
	uint64_t path_len = 0, token_len = 0, body;
	struct wcur c;
	int ret = usable(w, type);

	if (!ret)
		ret = string_len(w, type, "path", wa->path, &path_len);
	if (!ret)
		ret = string_len(w, type, "token", wa->token, &token_len);
	body = XSS_WATCH_FIXED + path_len + token_len;
	if (!ret)
		ret = rec_begin(w, type, body, &c);
	if (ret)
		return ret;
	put_u32(&c, wa->depth);
	put_u32(&c, wa->flags);
	put_u32(&c, (uint32_t)path_len);
	put_u32(&c, (uint32_t)token_len);
	put_string(&c, wa->path, (uint32_t)path_len);
	put_string(&c, wa->token, (uint32_t)token_len);
	return rec_finish(w, &c);
}

int
xss_write_txn(struct xss_writer *w, const struct xss_txn *t)
{
	struct wcur c;
	int ret = rec_begin(w, XSS_REC_TRANSACTION_DATA, XSS_TXN_FIXED, &c);

	if (ret)
		return ret;
	put_u32(&c, t->tx_id);
	put_u32(&c, 0);			/* flags */
	put_u32(&c, t->added);
	put_u32(&c, 0);			/* reserved */
	return rec_finish(w, &c);
}

int
xss_write_txn_node(struct xss_writer *w, const struct xss_txn_node *tn)
{
	const uint32_t type = XSS_REC_TRANSACTION_NODE_DATA;
	uint64_t path_len = 0, body;
	struct wcur c;
	int ret = usable(w, type);

	if (!ret)
		ret = string_len(w, type, "path", tn->path, &path_len);
	if (!ret)
		ret = perms_ok(w, type, "perms", &tn->perms);
	if (!ret)
		ret = bytes_ok(w, type, "value", tn->value, tn->len);
	if (!ret)
		ret = bytes_ok(w, type, "children", tn->children,
			       tn->children_len);
	body = XSS_TXN_NODE_FIXED + (uint64_t)tn->perms.num * XSS_PERM_LEN +
	       path_len + tn->len + tn->children_len;
	if (!ret)
		ret = rec_begin(w, type, body, &c);
	if (ret)
		return ret;
	put_u32(&c, tn->tx_id);
	put_u32(&c, tn->flags);
	put_u64(&c, tn->base_gen);
	put_u64(&c, tn->gen);
	put_u32(&c, (uint32_t)path_len);
	put_u32(&c, tn->perms.num);
	put_u32(&c, tn->len);
	put_u32(&c, tn->children_len);
	put_perms(&c, &tn->perms);
	put_string(&c, tn->path, (uint32_t)path_len);
	put_bytes(&c, tn->value, tn->len);
	put_bytes(&c, tn->children, tn->children_len);
	return rec_finish(w, &c);
}

int
xss_write_txn_event(struct xss_writer *w, const struct xss_txn_event *te)
{
	const uint32_t type = XSS_REC_TRANSACTION_EVENT;
	uint64_t path_len = 0, len = 0, body;
	struct wcur c;
	uint32_t i;
	int ret = usable(w, type);

	if (!ret)
		ret = string_len(w, type, "path", te->path, &path_len);
	if (!ret)
		ret = perms_ok(w, type, "before perms", &te->before);
	if (!ret)
		ret = perms_ok(w, type, "after perms", &te->after);
	if (!ret && te->nremoved && !te->removed)
		ret = fail(w, EINVAL, "%s: %u removed nodes at NULL",
			   xss_type_name(type), te->nremoved);
	body = XSS_TXN_EVENT_FIXED + path_len +
	       ((uint64_t)te->before.num + te->after.num) * XSS_PERM_LEN;
	for (i = 0; !ret && i < te->nremoved; i++) {
		const struct xss_removed *rm = &te->removed[i];

		ret = string_len(w, type, "removed path", rm->path, &len);
		if (!ret)
			ret = perms_ok(w, type, "removed perms", &rm->perms);
		body += XSS_REMOVED_FIXED +
			(uint64_t)rm->perms.num * XSS_PERM_LEN + len;
		/* Keep the sum far from overflowing. */
		if (!ret)
			ret = check_size(w, type, body);
	}
	if (!ret)
		ret = rec_begin(w, type, body, &c);
	if (ret)
		return ret;
	put_u32(&c, te->tx_id);
	put_u32(&c, te->flags);
	put_u32(&c, (uint32_t)path_len);
	put_u32(&c, te->before.num);
	put_u32(&c, te->after.num);
	put_u32(&c, te->nremoved);
	put_perms(&c, &te->before);
	put_perms(&c, &te->after);
	put_string(&c, te->path, (uint32_t)path_len);
	for (i = 0; i < te->nremoved; i++) {
		const struct xss_removed *rm = &te->removed[i];

		len = strlen(rm->path) + 1;
		put_u32(&c, (uint32_t)len);
		put_u32(&c, rm->perms.num);
		put_perms(&c, &rm->perms);
		put_string(&c, rm->path, (uint32_t)len);
	}
	return rec_finish(w, &c);
}

int
xss_write_input(struct xss_writer *w, const void *data, uint32_t len)
{
	return rec_opaque(w, XSS_REC_CONN_INPUT, data, len);
}

int
xss_write_output(struct xss_writer *w, const void *data, uint32_t len)
{
	return rec_opaque(w, XSS_REC_GUEST_RING_DATA, data, len);
}

int
xss_write_partial_output(struct xss_writer *w, const void *data,
			 uint32_t len)
{
	if (!w->err && (!len || len > XSS_MAX_PARTIAL))
		return fail(w, EINVAL, "PARTIAL_OUTPUT: %u octets, not "
			    "1..%u", len, (unsigned)XSS_MAX_PARTIAL);
	return rec_opaque(w, XSS_REC_PARTIAL_OUTPUT, data, len);
}

int
xss_write_live_update(struct xss_writer *w,
		      const struct xss_live_update *lu)
{
	struct wcur c;
	int ret;

	if (!w->err && lu->argv_len && !lu->argv)
		return fail(w, EINVAL, "LIVE_UPDATE: %u octets of argv at "
			    "NULL", lu->argv_len);
	ret = rec_begin(w, XSS_REC_LIVE_UPDATE,
			XSS_LIVE_UPDATE_FIXED + (uint64_t)lu->argv_len, &c);
	if (ret)
		return ret;
	put_u32(&c, lu->conn_id);
	put_u32(&c, lu->req_id);
	put_u32(&c, lu->tx_id);
	put_i32(&c, lu->rollback_fd);
	put_u32(&c, lu->argc);
	put_u32(&c, lu->argv_len);
	put_bytes(&c, lu->argv, lu->argv_len);
	return rec_finish(w, &c);
}

int
xss_write_store_fd(struct xss_writer *w, const struct xss_store_fd *sf)
{
	struct wcur c;
	uint32_t i;
	int ret;

	if (!w->err && sf->nowners && !sf->owners)
		return fail(w, EINVAL, "STORE_FD: %u owners at NULL",
			    sf->nowners);
	ret = rec_begin(w, XSS_REC_STORE_FD, XSS_STORE_FD_FIXED +
			(uint64_t)sf->nowners * XSS_OWNER_LEN, &c);
	if (ret)
		return ret;
	put_i32(&c, sf->fd);
	put_u32(&c, sf->format);
	put_u32(&c, sf->nodes);
	put_u32(&c, sf->nowners);
	for (i = 0; i < sf->nowners; i++) {
		put_u32(&c, sf->owners[i].domid);
		put_u32(&c, sf->owners[i].nodes);
		put_u64(&c, sf->owners[i].bytes);
	}
	return rec_finish(w, &c);
}

int
xss_write_raw(struct xss_writer *w, uint32_t type, const void *body,
	      uint32_t len)
{
	return rec_opaque(w, type, body, len);
}

int
xss_write_end(struct xss_writer *w)
{
	struct wcur c;
	uint32_t crc = w->crc;	/* up to, not including, END's type */
	int ret = rec_begin(w, XSS_REC_END, XSS_END_LEN, &c);

	if (ret)
		return ret;
	put_u32(&c, crc);
	put_u32(&c, 0);			/* reserved */
	ret = rec_finish(w, &c);
	if (ret)
		return ret;
	w->ended = true;
	ret = xss_sink_flush(w->sink);
	if (ret)
		return sink_failed(w, ret);
	return 0;
}
