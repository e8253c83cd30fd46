/*
 * xs-state.c - the xs-state tool: dump, verify, diff and measure xenstore
 * state images (docs/xs-state.1.md, docs/xs-state-format.md).
 *
 * Every byte of an image is read through the library (include/xs_state.h):
 * the tool never decodes the image format itself, so it cannot drift from
 * the daemon's reader.  What it does decode is the xenstore wire protocol
 * inside CONN_INPUT and GUEST_RING_DATA bodies (opaque to the format), in
 * the image's byte order, which is the byte order of the host that wrote
 * the image and therefore of its messages.
 *
 * Output of "dump" goes through one emitter (struct out) with a text and
 * a JSON back end, so both show the same fields.  "diff" loads both
 * images into a small model (struct model), sorts it and compares it
 * semantically.  "--live" asks a running daemon for a DUMP image with the
 * CONTROL command dump-state and reads the file it writes.
 *
 * Exit status: 0 success (diff: equal), 1 bad image or failure (diff:
 * different), 2 usage errors (diff: also errors).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <talloc.h>

#include "xs_state.h"
#include "xs_wire_ext.h"

#define PROG "xs-state"
#define DEFAULT_RUNDIR "/var/run/xenstored"
#define LIVE_TIMEOUT_S 120	/* a dump of a million nodes takes seconds */
#define MSG_HDR_LEN 16		/* struct xsd_sockmsg */

#define EXIT_BAD 1		/* bad image, failure; diff: different */
#define EXIT_USAGE 2		/* usage; diff: any error */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* -- names ---------------------------------------------------------- */

struct flag_name {
	uint32_t bit;
	const char *name;
};

static const struct flag_name watch_flags[] = {
	{ XSS_WATCH_RELATIVE, "RELATIVE" },
	{ 0, NULL }
};

static const struct flag_name tnode_flags[] = {
	{ XSS_TNODE_EXISTS, "EXISTS" },
	{ XSS_TNODE_CHANGED, "CHANGED" },
	{ XSS_TNODE_RECREATED, "RECREATED" },
	{ XSS_TNODE_CHILDREN, "CHILDREN" },
	{ 0, NULL }
};

static const struct flag_name tevent_flags[] = {
	{ XSS_TEVENT_REMOVAL, "REMOVAL" },
	{ 0, NULL }
};

static const struct flag_name dom_flags[] = {
	{ XSS_DOM_INTRODUCED, "INTRODUCED" },
	{ XSS_DOM_CONNECTION, "CONNECTION" },
	{ XSS_DOM_IGNORED, "IGNORED" },
	{ XSS_DOM_SHUTDOWN_REPORTED, "SHUTDOWN_REPORTED" },
	{ XSS_DOM_FEATURES_SET, "FEATURES_SET" },
	{ 0, NULL }
};

static const struct flag_name sock_flags[] = {
	{ XSS_SOCK_PRIVILEGED, "PRIVILEGED" },
	{ 0, NULL }
};

static const char *const quota_names[] = {
	[XSS_QUOTA_NODES] = "nodes",
	[XSS_QUOTA_WATCHES] = "watches",
	[XSS_QUOTA_OUTSTANDING] = "outstanding",
	[XSS_QUOTA_MEMORY] = "memory",
	[XSS_QUOTA_TRANSACTIONS] = "transactions",
	[XSS_QUOTA_TRANSACTION_NODES] = "transaction-nodes",
	[XSS_QUOTA_PERMISSIONS] = "permissions",
	[XSS_QUOTA_PATH_MAX] = "path-max",
	[XSS_QUOTA_NODE_SIZE] = "node-size",
};

static const char *const msg_names[XSX_TYPE_COUNT] = {
	[XS_CONTROL] = "CONTROL",
	[XS_DIRECTORY] = "DIRECTORY",
	[XS_READ] = "READ",
	[XS_GET_PERMS] = "GET_PERMS",
	[XS_WATCH] = "WATCH",
	[XS_UNWATCH] = "UNWATCH",
	[XS_TRANSACTION_START] = "TRANSACTION_START",
	[XS_TRANSACTION_END] = "TRANSACTION_END",
	[XS_INTRODUCE] = "INTRODUCE",
	[XS_RELEASE] = "RELEASE",
	[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
	[XS_WRITE] = "WRITE",
	[XS_MKDIR] = "MKDIR",
	[XS_RM] = "RM",
	[XS_SET_PERMS] = "SET_PERMS",
	[XS_WATCH_EVENT] = "WATCH_EVENT",
	[XS_ERROR] = "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "RESUME",
	[XS_SET_TARGET] = "SET_TARGET",
	[XS_SET_TARGET + 1] = "RESTRICT",
	[XS_RESET_WATCHES] = "RESET_WATCHES",
	[XS_DIRECTORY_PART] = "DIRECTORY_PART",
	[XSX_GET_FEATURE] = "GET_FEATURE",
	[XSX_SET_FEATURE] = "SET_FEATURE",
	[XSX_GET_QUOTA] = "GET_QUOTA",
	[XSX_SET_QUOTA] = "SET_QUOTA",
};

static const char *
quota_name(uint32_t id)
{
	if (id < ARRAY_SIZE(quota_names) && quota_names[id])
		return quota_names[id];
	return NULL;
}

static const char *
msg_name(uint32_t type)
{
	return type < ARRAY_SIZE(msg_names) ? msg_names[type] : NULL;
}

static const char *
backend_name(uint32_t backend)
{
	switch (backend) {
	case XSS_BACKEND_NONE:
		return "none";
	case XSS_BACKEND_SIM:
		return "sim";
	case XSS_BACKEND_XEN:
		return "xen";
	}
	return NULL;
}

static const char *
order_name(bool big_endian)
{
	return big_endian ? "big-endian" : "little-endian";
}

static char
access_letter(uint32_t access)
{
	switch (access & (XSS_PERM_READ | XSS_PERM_WRITE)) {
	case XSS_PERM_READ:
		return 'r';
	case XSS_PERM_WRITE:
		return 'w';
	case XSS_PERM_READ | XSS_PERM_WRITE:
		return 'b';
	}
	return 'n';
}

/* -- formatting into talloc strings ---------------------------------- */

/*
 * Bytes as a quoted string: printable ASCII as is, `"` and `\` escaped
 * with a backslash, everything else as \xNN.
 */
static char *
fmt_bytes(TALLOC_CTX *mem_ctx, const void *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = buf;
	char *s = talloc_array(mem_ctx, char, len * 4 + 3);
	char *o = s;
	size_t i;

	if (!s)
		return NULL;
	*o++ = '"';
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			*o++ = '\\';
			*o++ = (char)p[i];
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			*o++ = (char)p[i];
		} else {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[p[i] >> 4];
			*o++ = hex[p[i] & 0xf];
		}
	}
	*o++ = '"';
	*o = 0;
	return s;
}

static char *
fmt_str(TALLOC_CTX *mem_ctx, const char *s)
{
	return fmt_bytes(mem_ctx, s, strlen(s));
}

/* Permissions as xenstore tools show them: "b0 r5" (quoted). */
static char *
fmt_perms(TALLOC_CTX *mem_ctx, const struct xss_perms *perms)
{
	char *s = talloc_strdup(mem_ctx, "\"");
	uint32_t i;

	for (i = 0; s && i < perms->num; i++)
		s = talloc_asprintf_append(s, "%s%c%" PRIu32, i ? " " : "",
					   access_letter(perms->p[i].access),
					   perms->p[i].domid);
	return s ? talloc_strdup_append(s, "\"") : NULL;
}

/* Flag bits by name, "A|B"; "none" for 0; unknown bits in hex. */
static char *
fmt_flags(TALLOC_CTX *mem_ctx, uint32_t flags, const struct flag_name *names)
{
	char *s = talloc_strdup(mem_ctx, "");
	uint32_t rest = flags;

	for (; s && names->name; names++) {
		if (!(flags & names->bit))
			continue;
		s = talloc_asprintf_append(s, "%s%s", *s ? "|" : "",
					   names->name);
		rest &= ~names->bit;
	}
	if (s && rest)
		s = talloc_asprintf_append(s, "%s0x%" PRIx32, *s ? "|" : "",
					   rest);
	if (s && !*s)
		s = talloc_strdup_append(s, "none");
	return s;
}

/* Child names (NUL-terminated, back to back) as "[a b]". */
static char *
fmt_children(TALLOC_CTX *mem_ctx, const char *children, uint32_t len)
{
	char *s = talloc_strdup(mem_ctx, "[");
	uint32_t i;

	for (i = 0; s && i < len; i += strlen(children + i) + 1)
		s = talloc_asprintf_append(s, "%s%s", i ? " " : "",
					   children + i);
	return s ? talloc_strdup_append(s, "]") : NULL;
}

/* -- xenstore messages in pending input and output --------------------- */

/*
 * One message of a CONN_INPUT or GUEST_RING_DATA body.  A body holds
 * complete messages, then perhaps one message whose payload is cut short
 * or the first octets of a header.  The header fields are in the byte
 * order of the image (that of the host that wrote it, as on the wire).
 */
struct wire_msg {
	uint32_t hdr_have;		/* header octets present, 16 if whole */
	uint32_t type, req_id, tx_id, len;	/* those present */
	const uint8_t *raw;		/* the message's first octet */
	const uint8_t *payload;
	uint32_t have;			/* payload octets present */
};

static uint32_t
wire32(const uint8_t *p, bool big_endian)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return big_endian ? be32toh(v) : le32toh(v);
}

/* The message at p; returns the octets it takes (0: none left). */
static uint32_t
wire_next(const uint8_t *p, uint32_t left, bool big_endian,
	  struct wire_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->raw = p;
	m->hdr_have = left < MSG_HDR_LEN ? left : MSG_HDR_LEN;
	if (m->hdr_have >= 4)
		m->type = wire32(p, big_endian);
	if (m->hdr_have >= 8)
		m->req_id = wire32(p + 4, big_endian);
	if (m->hdr_have >= 12)
		m->tx_id = wire32(p + 8, big_endian);
	if (m->hdr_have < MSG_HDR_LEN)
		return m->hdr_have;
	m->len = wire32(p + 12, big_endian);
	m->payload = p + MSG_HDR_LEN;
	m->have = left - MSG_HDR_LEN < m->len ? left - MSG_HDR_LEN : m->len;
	return MSG_HDR_LEN + m->have;
}

/*
 * The same message, whatever the byte order of the two images: decoded
 * fields compare; so do the octets of a header's incomplete last field.
 */
static bool
wire_equal(const struct wire_msg *a, const struct wire_msg *b)
{
	uint32_t whole = a->hdr_have & ~3u;

	return a->hdr_have == b->hdr_have && a->type == b->type &&
	       a->req_id == b->req_id && a->tx_id == b->tx_id &&
	       a->len == b->len && a->have == b->have &&
	       !memcmp(a->raw + whole, b->raw + whole, a->hdr_have - whole) &&
	       (!a->have || !memcmp(a->payload, b->payload, a->have));
}

static const char *
wire_type_name(TALLOC_CTX *mem_ctx, uint32_t type)
{
	const char *name = msg_name(type);

	return name ? name : talloc_asprintf(mem_ctx, "type %" PRIu32, type);
}

/* One line for diff: READ req_id 8 tx_id 0 len 5 have 2 "he". */
static char *
fmt_wire(TALLOC_CTX *mem_ctx, const struct wire_msg *m)
{
	if (m->hdr_have < MSG_HDR_LEN) {
		char *s = talloc_asprintf(mem_ctx, "partial header have %"
					  PRIu32, m->hdr_have);

		if (s && m->hdr_have >= 4)
			s = talloc_asprintf_append(s, " %s", wire_type_name(
						   mem_ctx, m->type));
		if (s && m->hdr_have >= 8)
			s = talloc_asprintf_append(s, " req_id %" PRIu32,
						   m->req_id);
		if (s && m->hdr_have >= 12)
			s = talloc_asprintf_append(s, " tx_id %" PRIu32,
						   m->tx_id);
		if (s && m->hdr_have % 4)
			s = talloc_asprintf_append(s, " rest %s", fmt_bytes(
				mem_ctx, m->raw + (m->hdr_have & ~3u),
				m->hdr_have % 4));
		return s;
	}
	if (m->have < m->len)
		return talloc_asprintf(mem_ctx, "%s req_id %" PRIu32 " tx_id %"
				       PRIu32 " len %" PRIu32 " have %" PRIu32
				       " %s", wire_type_name(mem_ctx, m->type),
				       m->req_id, m->tx_id, m->len, m->have,
				       fmt_bytes(mem_ctx, m->payload, m->have));
	return talloc_asprintf(mem_ctx, "%s req_id %" PRIu32 " tx_id %" PRIu32
			       " len %" PRIu32 " %s",
			       wire_type_name(mem_ctx, m->type), m->req_id,
			       m->tx_id, m->len,
			       fmt_bytes(mem_ctx, m->payload, m->have));
}

/* -- the output emitter: text or JSON ------------------------------- */

/*
 * Text: one line per record, "#<index> @0x<offset> <TYPE> len <n>:"
 * followed by " <key> <value>" pairs; list items go on lines of their
 * own, indented by four spaces.  JSON: one object per record in the
 * "records" array, list items as arrays of objects.
 */
struct out {
	FILE *f;
	bool json;
	bool big_endian;	/* of the image: for wire messages */
	unsigned int nfields;	/* fields in the current object or line */
	unsigned int nitems;	/* items in the current JSON list */
	unsigned int nrecords;	/* records in the JSON "records" array */
	TALLOC_CTX *tmp;	/* scratch, freed after each record */
};

static void
json_string(FILE *f, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	putc('"', f);
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(f, "\\%c", p[i]);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			putc(p[i], f);
		else
			fprintf(f, "\\u%04x", p[i]);
	}
	putc('"', f);
}

static void
json_hex(FILE *f, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	putc('"', f);
	for (i = 0; i < len; i++)
		fprintf(f, "%02x", p[i]);
	putc('"', f);
}

static void
out_key(struct out *o, const char *key)
{
	if (o->json)
		fprintf(o->f, "%s\"%s\": ", o->nfields ? ", " : "", key);
	else
		fprintf(o->f, "%s%s ", o->nfields ? " " : "", key);
	o->nfields++;
}

static void
out_u(struct out *o, const char *key, uint64_t v)
{
	out_key(o, key);
	fprintf(o->f, "%" PRIu64, v);
}

/* Hexadecimal in text, a plain number in JSON. */
static void
out_x(struct out *o, const char *key, uint64_t v)
{
	out_key(o, key);
	fprintf(o->f, o->json ? "%" PRIu64 : "0x%" PRIx64, v);
}

static void
out_i(struct out *o, const char *key, int32_t v)
{
	out_key(o, key);
	fprintf(o->f, "%" PRId32, v);
}

/* A number, or a word in text and null in JSON when it is 'none'. */
static void
out_opt(struct out *o, const char *key, uint32_t v, uint32_t none,
	const char *word)
{
	out_key(o, key);
	if (v != none)
		fprintf(o->f, "%" PRIu32, v);
	else
		fputs(o->json ? "null" : word, o->f);
}

/* A bare word in text, a string in JSON. */
static void
out_word(struct out *o, const char *key, const char *word)
{
	out_key(o, key);
	if (o->json)
		json_string(o->f, word, strlen(word));
	else
		fputs(word, o->f);
}

/* Text: quoted and escaped.  JSON: one character per byte (U+0000-FF). */
static void
out_str(struct out *o, const char *key, const void *buf, size_t len)
{
	out_key(o, key);
	if (o->json)
		json_string(o->f, buf, len);
	else
		fputs(fmt_bytes(o->tmp, buf, len), o->f);
}

/* Binary data: as out_str, and in JSON also <key>_hex. */
static void
out_bytes(struct out *o, const char *key, const void *buf, size_t len)
{
	char *hkey;

	out_str(o, key, buf, len);
	if (!o->json)
		return;
	hkey = talloc_asprintf(o->tmp, "%s_hex", key);
	out_key(o, hkey ? hkey : "hex");
	json_hex(o->f, buf, len);
}

static void
out_perms(struct out *o, const char *key, const struct xss_perms *perms)
{
	uint32_t i;

	out_key(o, key);
	if (!o->json) {
		fputs(fmt_perms(o->tmp, perms), o->f);
		return;
	}
	putc('[', o->f);
	for (i = 0; i < perms->num; i++)
		fprintf(o->f, "%s{\"domid\": %" PRIu32 ", \"access\": \"%c\"}",
			i ? ", " : "", perms->p[i].domid,
			access_letter(perms->p[i].access));
	putc(']', o->f);
}

static void
out_flags(struct out *o, const char *key, uint32_t flags,
	  const struct flag_name *names)
{
	uint32_t rest = flags;
	unsigned int n = 0;

	out_key(o, key);
	if (!o->json) {
		fputs(fmt_flags(o->tmp, flags, names), o->f);
		return;
	}
	putc('[', o->f);
	for (; names->name; names++) {
		if (!(flags & names->bit))
			continue;
		fprintf(o->f, "%s\"%s\"", n++ ? ", " : "", names->name);
		rest &= ~names->bit;
	}
	if (rest)
		fprintf(o->f, "%s\"0x%" PRIx32 "\"", n ? ", " : "", rest);
	putc(']', o->f);
}

/* Child names: "[a b]" in text, an array of strings in JSON. */
static void
out_children(struct out *o, const char *key, const char *children,
	     uint32_t len, bool present)
{
	uint32_t i;

	out_key(o, key);
	if (!o->json) {
		fputs(present ? fmt_children(o->tmp, children, len) : "none",
		      o->f);
		return;
	}
	if (!present) {
		fputs("null", o->f);
		return;
	}
	putc('[', o->f);
	for (i = 0; i < len; i += strlen(children + i) + 1) {
		if (i)
			fputs(", ", o->f);
		json_string(o->f, children + i, strlen(children + i));
	}
	putc(']', o->f);
}

static void
out_list_begin(struct out *o, const char *key)
{
	if (!o->json)
		return;
	out_key(o, key);
	putc('[', o->f);
	o->nitems = 0;
}

/*
 * An item of a list: in text a new indented line starting with word (if
 * any); in JSON an object with "key": "word" first (if key is given).
 */
static void
out_item_begin(struct out *o, const char *key, const char *word)
{
	if (o->json) {
		fputs(o->nitems++ ? ", {" : "{", o->f);
		o->nfields = 0;
		if (key)
			out_word(o, key, word);
		return;
	}
	fputs("\n    ", o->f);
	o->nfields = 0;
	if (word) {
		fputs(word, o->f);
		o->nfields = 1;
	}
}

static void
out_item_end(struct out *o)
{
	if (o->json)
		putc('}', o->f);
	o->nfields = 1;		/* back in the record: fields need commas */
}

static void
out_list_end(struct out *o)
{
	if (o->json)
		putc(']', o->f);
}

/* -- dumping records ------------------------------------------------- */

static void
emit_quota(struct out *o, const struct xss_quota *q)
{
	uint32_t i;

	out_opt(o, "domid", q->domid, XSS_NO_DOMID, "defaults");
	out_u(o, "count", q->num);
	out_list_begin(o, "entries");
	for (i = 0; i < q->num; i++) {
		const char *name = quota_name(q->e[i].id);

		out_item_begin(o, "name", name ? name : "unknown");
		out_u(o, "id", q->e[i].id);
		out_u(o, "hard", q->e[i].hard);
		out_u(o, "soft", q->e[i].soft);
		out_item_end(o);
	}
	out_list_end(o);
}

static void
out_msg_type(struct out *o, uint32_t type)
{
	const char *name = msg_name(type);

	if (name)
		out_word(o, "type", name);
	else
		out_u(o, "type", type);
	if (o->json)
		out_u(o, "type_id", type);
}

/* Pending input or output as its messages: every octet in one item. */
static void
emit_messages(struct out *o, const struct xss_buffer *b)
{
	const uint8_t *p = b->data;
	uint32_t left = b->len, n;
	struct wire_msg m;

	out_list_begin(o, "messages");
	while ((n = wire_next(p, left, o->big_endian, &m))) {
		if (m.hdr_have < MSG_HDR_LEN) {
			/* the fields that are complete, then the octets */
			out_item_begin(o, "kind", "partial-header");
			out_u(o, "have", m.hdr_have);
			if (m.hdr_have >= 4)
				out_msg_type(o, m.type);
			if (m.hdr_have >= 8)
				out_u(o, "req_id", m.req_id);
			if (m.hdr_have >= 12)
				out_u(o, "tx_id", m.tx_id);
			if (o->json || m.hdr_have % 4)
				out_bytes(o, "rest", p + (m.hdr_have & ~3u),
					  m.hdr_have % 4);
		} else {
			out_item_begin(o, "kind", m.have < m.len ?
				       "partial-message" : "message");
			out_msg_type(o, m.type);
			out_u(o, "req_id", m.req_id);
			out_u(o, "tx_id", m.tx_id);
			out_u(o, "len", m.len);
			if (m.have < m.len)
				out_u(o, "have", m.have);
			out_bytes(o, "payload", m.payload, m.have);
		}
		out_item_end(o);
		p += n;
		left -= n;
	}
	out_list_end(o);
}

static void
emit_txn_event(struct out *o, const struct xss_txn_event *te)
{
	uint32_t i;

	out_u(o, "tx_id", te->tx_id);
	out_word(o, "path", te->path);
	out_flags(o, "flags", te->flags, tevent_flags);
	out_perms(o, "before", &te->before);
	out_perms(o, "after", &te->after);
	out_list_begin(o, "removed");
	for (i = 0; i < te->nremoved; i++) {
		out_item_begin(o, NULL, "removed");
		out_word(o, "path", te->removed[i].path);
		out_perms(o, "perms", &te->removed[i].perms);
		out_item_end(o);
	}
	out_list_end(o);
}

static void
emit_fields(struct out *o, const struct xss_record *rec)
{
	const struct xss_domain *d = &rec->u.domain;
	const struct xss_txn_node *tn = &rec->u.txn_node;
	const struct xss_watch *w = &rec->u.watch;
	const char *name;

	switch (rec->type) {
	case XSS_REC_GLOBAL_DATA:
		out_u(o, "generation", rec->u.global.generation);
		out_u(o, "next_conn_id", rec->u.global.next_conn_id);
		out_i(o, "socket_fd", rec->u.global.socket_fd);
		name = backend_name(rec->u.global.backend);
		if (name)
			out_word(o, "backend", name);
		else
			out_u(o, "backend", rec->u.global.backend);
		out_i(o, "backend_fd", rec->u.global.backend_fd);
		break;
	case XSS_REC_QUOTA_DATA:
		emit_quota(o, &rec->u.quota);
		break;
	case XSS_REC_SPECIAL_PERMS:
		out_word(o, "path", rec->u.special.path);
		out_perms(o, "perms", &rec->u.special.perms);
		break;
	case XSS_REC_NODE_DATA:
		out_word(o, "path", rec->u.node.path);
		out_u(o, "gen", rec->u.node.gen);
		out_perms(o, "perms", &rec->u.node.perms);
		out_bytes(o, "value", rec->u.node.value, rec->u.node.len);
		break;
	case XSS_REC_DOMAIN_START:
		out_u(o, "domid", d->domid);
		out_u(o, "conn_id", d->conn_id);
		out_flags(o, "flags", d->flags, dom_flags);
		out_x(o, "features", d->features);
		out_x(o, "gfn", d->gfn);
		out_u(o, "remote_port", d->remote_port);
		out_u(o, "local_port", d->local_port);
		out_opt(o, "target", d->target, XSS_NO_TARGET, "none");
		out_u(o, "next_txid", d->next_txid);
		out_i(o, "evtchn_fd", d->evtchn_fd);
		out_i(o, "page_fd", d->page_fd);
		break;
	case XSS_REC_SOCKET_START:
		out_u(o, "conn_id", rec->u.socket.conn_id);
		out_i(o, "fd", rec->u.socket.fd);
		out_flags(o, "flags", rec->u.socket.flags, sock_flags);
		out_u(o, "next_txid", rec->u.socket.next_txid);
		break;
	case XSS_REC_WATCH_DATA:
		out_word(o, "path", w->path);
		out_str(o, "token", w->token, strlen(w->token));
		out_opt(o, "depth", w->depth, XSS_WATCH_NO_DEPTH, "unlimited");
		out_flags(o, "flags", w->flags, watch_flags);
		break;
	case XSS_REC_TRANSACTION_DATA:
		out_u(o, "tx_id", rec->u.txn.tx_id);
		out_u(o, "added", rec->u.txn.added);
		break;
	case XSS_REC_TRANSACTION_NODE_DATA:
		out_u(o, "tx_id", tn->tx_id);
		out_word(o, "path", tn->path);
		out_flags(o, "flags", tn->flags, tnode_flags);
		out_u(o, "base_gen", tn->base_gen);
		out_u(o, "gen", tn->gen);
		out_perms(o, "perms", &tn->perms);
		out_bytes(o, "value", tn->value, tn->len);
		out_children(o, "children", tn->children, tn->children_len,
			     tn->flags & XSS_TNODE_CHILDREN);
		break;
	case XSS_REC_TRANSACTION_EVENT:
		emit_txn_event(o, &rec->u.txn_event);
		break;
	case XSS_REC_CONN_INPUT:
	case XSS_REC_GUEST_RING_DATA:
		if (o->json) {
			out_key(o, "data_hex");
			json_hex(o->f, rec->u.buffer.data, rec->u.buffer.len);
		}
		emit_messages(o, &rec->u.buffer);
		break;
	case XSS_REC_END:
		out_x(o, "crc32c", rec->u.end.crc);
		break;
	}
}

static void
emit_record(struct out *o, const struct xss_record *rec)
{
	o->nfields = 0;
	if (o->json) {
		fputs(o->nrecords++ ? ",\n    {" : "\n    {", o->f);
		out_u(o, "index", rec->index);
		out_u(o, "offset", rec->offset);
		out_word(o, "type", xss_type_name(rec->type));
		out_u(o, "type_id", rec->type);
		out_u(o, "len", rec->len);
	} else {
		fprintf(o->f, "#%" PRIu32 " @0x%" PRIx64 " %s len %" PRIu32 ":",
			rec->index, rec->offset, xss_type_name(rec->type),
			rec->len);
		o->nfields = 1;
	}
	emit_fields(o, rec);
	fputs(o->json ? "}" : "\n", o->f);
	talloc_free_children(o->tmp);
}

/*
 * Optional records the reader skipped show as a gap between the end of
 * one record and the offset of the next.
 */
static void
emit_skipped(struct out *o, uint64_t offset, uint64_t bytes,
	     uint32_t first, uint32_t last)
{
	if (o->json) {
		fputs(o->nrecords++ ? ",\n    {" : "\n    {", o->f);
		o->nfields = 0;
		out_word(o, "type", "SKIPPED");
		out_u(o, "offset", offset);
		out_u(o, "bytes", bytes);
		out_u(o, "first_index", first);
		out_u(o, "last_index", last);
		fputs("}", o->f);
		return;
	}
	fprintf(o->f, "#%" PRIu32 "-#%" PRIu32 " @0x%" PRIx64
		" skipped optional records: %" PRIu64 " bytes\n",
		first, last, offset, bytes);
}

static void
emit_header(struct out *o, const struct xss_header *h)
{
	if (o->json) {
		o->nfields = 0;
		fputs("{\n  \"header\": {", o->f);
		out_u(o, "version", h->version);
		out_word(o, "byte_order", order_name(h->big_endian));
		out_word(o, "kind", xss_kind_name(h->kind));
		out_u(o, "kind_id", h->kind);
		out_opt(o, "domid", h->domid, XSS_NO_DOMID, "none");
		out_str(o, "producer", h->producer, strlen(h->producer));
		fputs("},\n  \"records\": [", o->f);
		return;
	}
	fprintf(o->f, "header @0x0 len %d:\n", XSS_HEADER_LEN);
	fprintf(o->f, "    version %" PRIu32 "\n", h->version);
	fprintf(o->f, "    byte-order %s\n", order_name(h->big_endian));
	fprintf(o->f, "    kind %s\n", xss_kind_name(h->kind));
	if (h->domid == XSS_NO_DOMID)
		fprintf(o->f, "    domid none\n");
	else
		fprintf(o->f, "    domid %" PRIu32 "\n", h->domid);
	fprintf(o->f, "    producer %s\n", fmt_str(o->tmp, h->producer));
	talloc_free_children(o->tmp);
}

/* -- opening images -------------------------------------------------- */

/* Octets a record takes in the image: header, body and padding. */
static uint64_t
rec_size(uint32_t len)
{
	return ((uint64_t)XSS_REC_HEADER_LEN + len + XSS_ALIGN - 1) &
	       ~(uint64_t)(XSS_ALIGN - 1);
}

struct image {
	const char *name;	/* for messages */
	int fd;
	struct xss_reader *r;
	struct xss_header hdr;
};

static int
image_destroy(struct image *img)
{
	if (img->fd > 0)
		close(img->fd);
	return 0;
}

static void
image_error(const struct image *img)
{
	fflush(stdout);
	fprintf(stderr, PROG ": %s: %s\n", img->name,
		xss_reader_error(img->r));
}

/* An image on fd ("name" for messages).  NULL after printing why. */
static struct image *
image_open_fd(TALLOC_CTX *mem_ctx, const char *name, int fd)
{
	struct image *img = talloc_zero(mem_ctx, struct image);
	struct xss_source *src = NULL;

	if (!img) {
		fprintf(stderr, PROG ": out of memory\n");
		if (fd > 0)
			close(fd);
		return NULL;
	}
	img->fd = fd;
	talloc_set_destructor(img, image_destroy);
	img->name = talloc_strdup(img, name);
	src = xss_source_fd(img, fd);
	img->r = src ? xss_reader_new(img, src) : NULL;
	if (!img->name || !img->r) {
		fprintf(stderr, PROG ": out of memory\n");
		talloc_free(img);
		return NULL;
	}
	return img;
}

/* The file at path, or standard input for "-". */
static struct image *
image_open(TALLOC_CTX *mem_ctx, const char *path)
{
	int fd;

	if (!strcmp(path, "-"))
		return image_open_fd(mem_ctx, "(stdin)", 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return NULL;
	}
	return image_open_fd(mem_ctx, path, fd);
}

/* 0, or -1 after printing the reader's error. */
static int
image_read_header(struct image *img)
{
	if (xss_read_header(img->r, &img->hdr) == 0)
		return 0;
	image_error(img);
	return -1;
}

/* -- asking the daemon for a dump (--live) ----------------------------- */

static const char *
live_socket_path(TALLOC_CTX *mem_ctx, const char *opt)
{
	const char *s;

	if (opt)
		return opt;
	s = getenv("XENSTORED_PATH");
	if (s && *s)
		return s;
	s = getenv("XENSTORED_RUNDIR");
	return talloc_asprintf(mem_ctx, "%s/socket",
			       s && *s ? s : DEFAULT_RUNDIR);
}

/* To a socket; a daemon gone away is EPIPE, not SIGPIPE. */
static int
send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 0, EPIPE at end of file, or an errno. */
static int
read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? ETIMEDOUT : errno;
		if (n == 0)
			return EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
live_connect(const char *path)
{
	struct timeval tv = { .tv_sec = LIVE_TIMEOUT_S };
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, PROG ": %s: socket path too long\n", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = errno;
		if (fd >= 0)
			close(fd);
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(err));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * CONTROL dump-state|<file>| and wait for its answer.  0 when the
 * daemon answered OK; else the reason is printed and -1 returned.
 */
static int
live_request(TALLOC_CTX *mem_ctx, const char *sock_path, const char *file)
{
	char reply[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg hdr = { .type = XS_CONTROL, .req_id = 0x7373 };
	static const char cmd[] = "dump-state";
	size_t flen = strlen(file) + 1;
	char msg[MSG_HDR_LEN + sizeof(cmd) + PATH_MAX + 1];
	int fd, err, ret = -1;

	if (sizeof(cmd) + flen > XENSTORE_PAYLOAD_MAX || flen > PATH_MAX) {
		fprintf(stderr, PROG ": %s: path too long\n", file);
		return -1;
	}
	fd = live_connect(sock_path);
	if (fd < 0)
		return -1;
	hdr.len = (uint32_t)(sizeof(cmd) + flen);
	memcpy(msg, &hdr, MSG_HDR_LEN);
	memcpy(msg + MSG_HDR_LEN, cmd, sizeof(cmd));
	memcpy(msg + MSG_HDR_LEN + sizeof(cmd), file, flen);
	err = send_all(fd, msg, MSG_HDR_LEN + hdr.len);
	while (!err) {
		err = read_all(fd, &hdr, MSG_HDR_LEN);
		if (!err && hdr.len > XENSTORE_PAYLOAD_MAX)
			err = EPROTO;
		if (!err)
			err = read_all(fd, reply, hdr.len);
		if (!err && hdr.type == XS_WATCH_EVENT)
			continue;	/* not ours */
		break;
	}
	reply[err ? 0 : hdr.len] = 0;
	if (err == EPIPE)
		fprintf(stderr, PROG ": %s: connection closed by the daemon\n",
			sock_path);
	else if (err)
		fprintf(stderr, PROG ": %s: %s\n", sock_path, strerror(err));
	else if (hdr.type == XS_ERROR)
		fprintf(stderr, PROG ": dump-state: %s\n", reply);
	else if (hdr.type != XS_CONTROL || hdr.req_id != 0x7373 ||
		 strcmp(reply, "OK"))
		fprintf(stderr, PROG ": dump-state: unexpected reply (type "
			"%" PRIu32 ") %s\n", hdr.type,
			fmt_bytes(mem_ctx, reply, hdr.len));
	else
		ret = 0;
	close(fd);
	return ret;
}

/*
 * Have the daemon write a DUMP image into a fresh file of ours (mkstemp,
 * mode 0600, in $TMPDIR), then open and remove the file.  The file is
 * removed whatever happens, unless the tool is killed meanwhile.
 */
static struct image *
image_open_live(TALLOC_CTX *mem_ctx, const char *socket_opt)
{
	const char *dir = getenv("TMPDIR");
	const char *sock = live_socket_path(mem_ctx, socket_opt);
	char *absdir = NULL, *path = NULL;
	struct image *img = NULL;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	absdir = realpath(dir, NULL);	/* the daemon needs it absolute */
	if (!absdir) {
		fprintf(stderr, PROG ": %s: %s\n", dir, strerror(errno));
		return NULL;
	}
	path = talloc_asprintf(mem_ctx, "%s/xs-state-XXXXXX", absdir);
	free(absdir);
	if (!sock || !path) {
		fprintf(stderr, PROG ": out of memory\n");
		return NULL;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return NULL;
	}
	close(fd);
	if (live_request(mem_ctx, sock, path) == 0) {
		/* Opened again: the daemon may have replaced the file. */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fprintf(stderr, PROG ": %s: %s\n", path,
				strerror(errno));
	} else {
		fd = -1;
	}
	unlink(path);
	if (fd >= 0)
		img = image_open_fd(mem_ctx, "live dump", fd);
	talloc_free(path);
	return img;
}

/* -- command line helpers ------------------------------------------------ */

struct source_opts {
	bool live;
	const char *socket;
};

enum {
	OPT_JSON = 256,
	OPT_LIVE,
	OPT_SOCKET,
	OPT_GENERATIONS,
	OPT_STRICT,
	OPT_IGNORE_FDS,
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: xs-state COMMAND [OPTIONS] ARGS\n"
"  dump [--json] IMG           every record with its index and offset\n"
"  verify IMG                  check an image; \"OK: ...\" or the error\n"
"  stats IMG                   records and bytes per record type\n"
"  diff [--generations] [--strict] [--ignore-fds] A B\n"
"                              semantic differences, one line each\n"
"IMG is a file or - for standard input.  dump, verify and stats take\n"
"--live [--socket PATH] instead of IMG: ask the running xenstored for a\n"
"dump (socket: PATH, else $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket,\n"
"else " DEFAULT_RUNDIR "/socket).\n"
"Exit status: 0 ok (diff: equal), 1 bad image (diff: different),\n"
"2 usage (diff: any error).  See xs-state(1).\n");
}

static int
bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	usage(stderr);
	return EXIT_USAGE;
}

/* The image to read: IMG or --live.  NULL after printing why. */
static struct image *
source_open(TALLOC_CTX *mem_ctx, const struct source_opts *so,
	    const char *path)
{
	if (so->live)
		return image_open_live(mem_ctx, so->socket);
	return image_open(mem_ctx, path);
}

/* Checks the positional arguments of dump, verify and stats. */
static int
source_args(const struct source_opts *so, int argc, const char *cmd)
{
	if (so->socket && !so->live)
		return bad_usage("%s: --socket needs --live", cmd);
	if (so->live && argc != 0)
		return bad_usage("%s: --live takes no IMG", cmd);
	if (!so->live && argc != 1)
		return bad_usage("%s: expected one IMG", cmd);
	return 0;
}

static int
finish_stdout(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, PROG ": standard output: %s\n",
			strerror(errno ? errno : EIO));
		return EXIT_BAD;
	}
	return 0;
}

/* -- dump ------------------------------------------------------------ */

/* The end of the JSON document: whether END was reached, and why not. */
static void
json_trailer(const struct out *o, const char *error)
{
	if (o->nrecords)
		fputs("\n  ]", o->f);
	else
		fputs("]", o->f);
	fprintf(o->f, ",\n  \"complete\": %s,\n  \"error\": ",
		error ? "false" : "true");
	if (error)
		json_string(o->f, error, strlen(error));
	else
		fputs("null", o->f);
	fputs("\n}\n", o->f);
}

/*
 * Header and records as they are read; on a bad image everything before
 * the bad record is printed, then the reader's error goes to stderr.
 */
static int
run_dump(struct image *img, bool json)
{
	struct out o = { .f = stdout, .json = json };
	uint64_t next = XSS_HEADER_LEN;
	uint32_t last = 0;
	struct xss_record rec;
	int ret;

	o.tmp = talloc_new(img);
	if (!o.tmp) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_BAD;
	}
	if (image_read_header(img)) {
		if (json) {	/* still one JSON document */
			fputs("{\n  \"header\": null,\n  \"records\": [",
			      stdout);
			json_trailer(&o, xss_reader_error(img->r));
		}
		finish_stdout();
		return EXIT_BAD;
	}
	o.big_endian = img->hdr.big_endian;
	emit_header(&o, &img->hdr);
	/* xss_read_next() returns 0 for END and leaves END in rec. */
	do {
		ret = xss_read_next(img->r, &rec);
		if (ret < 0)
			break;
		if (rec.offset > next)
			emit_skipped(&o, next, rec.offset - next, last + 1,
				     rec.index - 1);
		emit_record(&o, &rec);
		next = rec.offset + rec_size(rec.len);
		last = rec.index;
	} while (ret > 0);
	if (json)
		json_trailer(&o, ret < 0 ? xss_reader_error(img->r) : NULL);
	if (ret < 0) {
		image_error(img);
		finish_stdout();
		return EXIT_BAD;
	}
	return finish_stdout();
}

static int
cmd_dump(TALLOC_CTX *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct source_opts so = { 0 };
	struct image *img;
	bool json = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_LIVE:
			so.live = true;
			break;
		case OPT_SOCKET:
			so.socket = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	ret = source_args(&so, argc - optind, "dump");
	if (ret)
		return ret;
	img = source_open(ctx, &so, argv[optind]);
	if (!img)
		return EXIT_BAD;
	return run_dump(img, json);
}

/* -- verify and stats ------------------------------------------------ */

/* Display order of the types: the order of an image. */
static const uint32_t stats_order[] = {
	XSS_REC_GLOBAL_DATA, XSS_REC_QUOTA_DATA, XSS_REC_SPECIAL_PERMS,
	XSS_REC_NODE_DATA, XSS_REC_DOMAIN_START, XSS_REC_SOCKET_START,
	XSS_REC_WATCH_DATA, XSS_REC_TRANSACTION_DATA,
	XSS_REC_TRANSACTION_NODE_DATA, XSS_REC_TRANSACTION_EVENT,
	XSS_REC_CONN_INPUT, XSS_REC_GUEST_RING_DATA, XSS_REC_END,
};

struct type_stats {
	uint64_t count, bytes, padding;
};

struct image_stats {
	struct type_stats type[XSS_REC_TYPE_COUNT];
	struct type_stats skipped;	/* optional records skipped */
	uint64_t records, size;
};

/*
 * Read every record, counting.  0, or EXIT_BAD after printing the
 * reader's error.
 */
static int
count_records(struct image *img, struct image_stats *st)
{
	uint64_t next = XSS_HEADER_LEN, total;
	uint32_t last = 0;
	struct xss_record rec;
	int ret;

	memset(st, 0, sizeof(*st));
	do {			/* 0: END, in rec */
		ret = xss_read_next(img->r, &rec);
		if (ret < 0)
			break;
		total = rec_size(rec.len);
		if (rec.offset > next) {
			st->skipped.count += rec.index - last - 1;
			st->skipped.bytes += rec.offset - next;
		}
		if (rec.type < XSS_REC_TYPE_COUNT) {
			st->type[rec.type].count++;
			st->type[rec.type].bytes += total;
			st->type[rec.type].padding +=
				total - XSS_REC_HEADER_LEN - rec.len;
		}
		next = rec.offset + total;
		last = rec.index;
	} while (ret > 0);
	if (ret < 0) {
		image_error(img);
		return EXIT_BAD;
	}
	st->records = last;
	st->size = next;
	return 0;
}

/* The table of "stats". */
static void
print_stats(TALLOC_CTX *mem_ctx, const struct xss_header *h,
	    const struct image_stats *st)
{
	uint64_t padding = 0, nodes;
	unsigned int i;

	printf("kind        %s\n", xss_kind_name(h->kind));
	if (h->domid != XSS_NO_DOMID)
		printf("domid       %" PRIu32 "\n", h->domid);
	printf("version     %" PRIu32 "\n", h->version);
	printf("byte order  %s\n", order_name(h->big_endian));
	printf("producer    %s\n\n", fmt_str(mem_ctx, h->producer));
	printf("%-24s %10s %12s %10s\n", "type", "records", "bytes",
	       "padding");
	printf("%-24s %10s %12d %10d\n", "header", "-", XSS_HEADER_LEN, 0);
	for (i = 0; i < ARRAY_SIZE(stats_order); i++) {
		const struct type_stats *t = &st->type[stats_order[i]];

		printf("%-24s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 "\n",
		       xss_type_name(stats_order[i]), t->count, t->bytes,
		       t->padding);
		padding += t->padding;
	}
	if (st->skipped.bytes)
		printf("%-24s %10" PRIu64 " %12" PRIu64 " %10s\n",
		       "optional (skipped)", st->skipped.count,
		       st->skipped.bytes, "-");
	printf("%-24s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 "\n\n",
	       "total", st->records, st->size, padding);

	nodes = st->type[XSS_REC_NODE_DATA].count;
	printf("nodes                   %" PRIu64 "\n", nodes);
	if (nodes) {
		printf("NODE_DATA bytes/node    %.2f\n",
		       (double)st->type[XSS_REC_NODE_DATA].bytes /
		       (double)nodes);
		printf("image bytes/node        %.2f\n",
		       (double)st->size / (double)nodes);
	} else {
		printf("NODE_DATA bytes/node    -\n");
		printf("image bytes/node        -\n");
	}
}

static int
cmd_verify_or_stats(TALLOC_CTX *ctx, int argc, char **argv, bool stats)
{
	static const struct option opts[] = {
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd = stats ? "stats" : "verify";
	struct source_opts so = { 0 };
	struct image_stats st;
	struct image *img;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LIVE:
			so.live = true;
			break;
		case OPT_SOCKET:
			so.socket = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	ret = source_args(&so, argc - optind, cmd);
	if (ret)
		return ret;
	img = source_open(ctx, &so, argv[optind]);
	if (!img || image_read_header(img))
		return EXIT_BAD;
	ret = count_records(img, &st);
	if (ret)
		return ret;
	if (!stats) {
		printf("OK: %s image, %" PRIu64 " records, %" PRIu64
		       " bytes\n", xss_kind_name(img->hdr.kind), st.records,
		       st.size);
		return finish_stdout();
	}

	print_stats(img, &img->hdr, &st);
	return finish_stdout();
}

static int
cmd_verify(TALLOC_CTX *ctx, int argc, char **argv)
{
	return cmd_verify_or_stats(ctx, argc, argv, false);
}

static int
cmd_stats(TALLOC_CTX *ctx, int argc, char **argv)
{
	return cmd_verify_or_stats(ctx, argc, argv, true);
}

/* -- diff: the model --------------------------------------------------- */

/*
 * An image as sets: everything keyed by what identifies it (paths,
 * domids, connection ids, tx_ids, path and token), copied out of the
 * reader's records and sorted, so that two models compare by a merge.
 */
struct m_txn {
	struct xss_txn t;
	struct xss_txn_node *nodes;
	size_t nnodes, cnodes;
	struct xss_txn_event *events;
	size_t nevents, cevents;
};

struct m_conn {
	bool is_domain;
	uint32_t key;			/* domid, or conn_id of a socket */
	struct xss_domain dom;
	struct xss_socket sock;
	struct xss_quota *quota;	/* NULL: none */
	struct xss_watch *watches;
	size_t nwatches, cwatches;
	struct m_txn **txns;
	size_t ntxns, ctxns;
	struct xss_buffer input, output;	/* len 0: none */
};

struct model {
	struct xss_header hdr;
	bool have_global;
	struct xss_global global;
	struct xss_quota *defaults;	/* NULL: none */
	struct xss_special *specials;
	size_t nspecials, cspecials;
	struct xss_node *nodes;
	size_t nnodes, cnodes;
	struct m_conn **conns;
	size_t nconns, cconns;
};

/* Append a zeroed element to a talloc array; NULL when out of memory. */
static void *
array_add(TALLOC_CTX *mem_ctx, void **arr, size_t *n, size_t *cap,
	  size_t size)
{
	void *p;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		p = talloc_realloc_size(mem_ctx, *arr, ncap * size);
		if (!p)
			return NULL;
		*arr = p;
		*cap = ncap;
	}
	p = (char *)*arr + *n * size;
	memset(p, 0, size);
	(*n)++;
	return p;
}

static bool
copy_perms(TALLOC_CTX *mem_ctx, struct xss_perms *dst,
	   const struct xss_perms *src)
{
	dst->num = src->num;
	dst->p = NULL;
	if (!src->num)
		return true;
	dst->p = talloc_memdup(mem_ctx, src->p, src->num * sizeof(*src->p));
	return dst->p != NULL;
}

/* A copy of len bytes; a valid pointer (not NULL) even for 0. */
static const void *
copy_mem(TALLOC_CTX *mem_ctx, const void *p, size_t len)
{
	return len ? talloc_memdup(mem_ctx, p, len) : talloc_size(mem_ctx, 1);
}

static struct xss_quota *
copy_quota(TALLOC_CTX *mem_ctx, const struct xss_quota *q)
{
	struct xss_quota *c = talloc(mem_ctx, struct xss_quota);

	if (!c)
		return NULL;
	*c = *q;
	c->e = copy_mem(c, q->e, q->num * sizeof(*q->e));
	return c->e ? c : NULL;
}

static bool
copy_node(TALLOC_CTX *mem_ctx, struct xss_node *dst,
	  const struct xss_node *src)
{
	*dst = *src;
	dst->path = talloc_strdup(mem_ctx, src->path);
	dst->value = copy_mem(mem_ctx, src->value, src->len);
	return dst->path && dst->value &&
	       copy_perms(mem_ctx, &dst->perms, &src->perms);
}

static bool
copy_txn_node(TALLOC_CTX *mem_ctx, struct xss_txn_node *dst,
	      const struct xss_txn_node *src)
{
	*dst = *src;
	dst->path = talloc_strdup(mem_ctx, src->path);
	dst->value = copy_mem(mem_ctx, src->value, src->len);
	dst->children = copy_mem(mem_ctx, src->children, src->children_len);
	return dst->path && dst->value && dst->children &&
	       copy_perms(mem_ctx, &dst->perms, &src->perms);
}

static bool
copy_txn_event(TALLOC_CTX *mem_ctx, struct xss_txn_event *dst,
	       const struct xss_txn_event *src)
{
	struct xss_removed *rm = NULL;
	uint32_t i;

	*dst = *src;
	dst->removed = NULL;
	dst->path = talloc_strdup(mem_ctx, src->path);
	if (!dst->path || !copy_perms(mem_ctx, &dst->before, &src->before) ||
	    !copy_perms(mem_ctx, &dst->after, &src->after))
		return false;
	if (!src->nremoved)
		return true;
	rm = talloc_zero_array(mem_ctx, struct xss_removed, src->nremoved);
	if (!rm)
		return false;
	dst->removed = rm;
	for (i = 0; i < src->nremoved; i++) {
		rm[i].path = talloc_strdup(rm, src->removed[i].path);
		if (!rm[i].path ||
		    !copy_perms(rm, &rm[i].perms, &src->removed[i].perms))
			return false;
	}
	return true;
}

static struct m_conn *
model_add_conn(struct model *m, bool is_domain, uint32_t key)
{
	struct m_conn **slot, *c = talloc_zero(m, struct m_conn);

	if (!c)
		return NULL;
	slot = array_add(m, (void **)&m->conns, &m->nconns, &m->cconns,
			 sizeof(*slot));
	if (!slot)
		return NULL;
	*slot = c;
	c->is_domain = is_domain;
	c->key = key;
	return c;
}

static struct m_txn *
model_add_txn(struct m_conn *c, const struct xss_txn *t)
{
	struct m_txn **slot, *mt = talloc_zero(c, struct m_txn);

	if (!mt)
		return NULL;
	slot = array_add(c, (void **)&c->txns, &c->ntxns, &c->ctxns,
			 sizeof(*slot));
	if (!slot)
		return NULL;
	*slot = mt;
	mt->t = *t;
	return mt;
}

/*
 * One record into the model.  The reader has checked the order already,
 * so c and t exist where the format says they must; ENOMEM or EINVAL
 * (a reader that let a bad order through).
 */
static int
model_add(struct model *m, const struct xss_record *rec, struct m_conn **c,
	  struct m_txn **t)
{
	void *p;

	switch (rec->type) {
	case XSS_REC_GLOBAL_DATA:
		m->have_global = true;
		m->global = rec->u.global;
		return 0;
	case XSS_REC_QUOTA_DATA:
		p = copy_quota(m, &rec->u.quota);
		if (!p)
			return ENOMEM;
		if (rec->u.quota.domid == XSS_NO_DOMID)
			m->defaults = p;
		else if (*c)
			(*c)->quota = p;
		else
			return EINVAL;
		return 0;
	case XSS_REC_SPECIAL_PERMS: {
		struct xss_special *s = array_add(m, (void **)&m->specials,
						  &m->nspecials,
						  &m->cspecials, sizeof(*s));

		if (!s)
			return ENOMEM;
		s->path = talloc_strdup(m, rec->u.special.path);
		if (!s->path ||
		    !copy_perms(m, &s->perms, &rec->u.special.perms))
			return ENOMEM;
		return 0;
	}
	case XSS_REC_NODE_DATA:
		p = array_add(m, (void **)&m->nodes, &m->nnodes, &m->cnodes,
			      sizeof(struct xss_node));
		if (!p || !copy_node(m, p, &rec->u.node))
			return ENOMEM;
		return 0;
	case XSS_REC_DOMAIN_START:
		*c = model_add_conn(m, true, rec->u.domain.domid);
		*t = NULL;
		if (!*c)
			return ENOMEM;
		(*c)->dom = rec->u.domain;
		return 0;
	case XSS_REC_SOCKET_START:
		*c = model_add_conn(m, false, rec->u.socket.conn_id);
		*t = NULL;
		if (!*c)
			return ENOMEM;
		(*c)->sock = rec->u.socket;
		return 0;
	case XSS_REC_END:
		return 0;
	}
	if (!*c)
		return EINVAL;
	switch (rec->type) {
	case XSS_REC_WATCH_DATA: {
		struct xss_watch *w = array_add(*c, (void **)&(*c)->watches,
						&(*c)->nwatches,
						&(*c)->cwatches, sizeof(*w));

		if (!w)
			return ENOMEM;
		*w = rec->u.watch;
		w->path = talloc_strdup(*c, rec->u.watch.path);
		w->token = talloc_strdup(*c, rec->u.watch.token);
		return w->path && w->token ? 0 : ENOMEM;
	}
	case XSS_REC_TRANSACTION_DATA:
		*t = model_add_txn(*c, &rec->u.txn);
		return *t ? 0 : ENOMEM;
	case XSS_REC_CONN_INPUT:
	case XSS_REC_GUEST_RING_DATA: {
		struct xss_buffer *b = rec->type == XSS_REC_CONN_INPUT ?
				       &(*c)->input : &(*c)->output;

		b->len = rec->u.buffer.len;
		b->data = copy_mem(*c, rec->u.buffer.data, b->len);
		return b->data ? 0 : ENOMEM;
	}
	}
	if (!*t)
		return EINVAL;
	switch (rec->type) {
	case XSS_REC_TRANSACTION_NODE_DATA:
		p = array_add(*t, (void **)&(*t)->nodes, &(*t)->nnodes,
			      &(*t)->cnodes, sizeof(struct xss_txn_node));
		if (!p || !copy_txn_node(*t, p, &rec->u.txn_node))
			return ENOMEM;
		return 0;
	case XSS_REC_TRANSACTION_EVENT:
		p = array_add(*t, (void **)&(*t)->events, &(*t)->nevents,
			      &(*t)->cevents, sizeof(struct xss_txn_event));
		if (!p || !copy_txn_event(*t, p, &rec->u.txn_event))
			return ENOMEM;
		return 0;
	}
	return EINVAL;
}

/*
 * Paths in tree order: '/' sorts before every other character, so a
 * node's subtree follows it directly ("/a", "/a/b", "/a-b").
 */
static int
path_cmp(const char *a, const char *b)
{
	int ca, cb;

	for (; *a && *a == *b; a++, b++)
		;
	ca = *a == '/' ? 1 : (unsigned char)*a;
	cb = *b == '/' ? 1 : (unsigned char)*b;
	return ca - cb;
}

static int
cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int
node_qcmp(const void *a, const void *b)
{
	return path_cmp(((const struct xss_node *)a)->path,
			((const struct xss_node *)b)->path);
}

static int
special_qcmp(const void *a, const void *b)
{
	return strcmp(((const struct xss_special *)a)->path,
		      ((const struct xss_special *)b)->path);
}

static int
conn_cmp(const struct m_conn *a, const struct m_conn *b)
{
	if (a->is_domain != b->is_domain)
		return a->is_domain ? -1 : 1;	/* domains first */
	return cmp_u32(a->key, b->key);
}

static int
conn_qcmp(const void *a, const void *b)
{
	return conn_cmp(*(struct m_conn *const *)a,
			*(struct m_conn *const *)b);
}

static int
watch_cmp(const struct xss_watch *a, const struct xss_watch *b)
{
	int r = path_cmp(a->path, b->path);

	return r ? r : strcmp(a->token, b->token);
}

static int
watch_qcmp(const void *a, const void *b)
{
	return watch_cmp(a, b);
}

static int
txn_qcmp(const void *a, const void *b)
{
	return cmp_u32((*(struct m_txn *const *)a)->t.tx_id,
		       (*(struct m_txn *const *)b)->t.tx_id);
}

static int
tnode_qcmp(const void *a, const void *b)
{
	return path_cmp(((const struct xss_txn_node *)a)->path,
			((const struct xss_txn_node *)b)->path);
}

/* Events by path, the change event before the removal of the same path. */
static int
tevent_cmp(const struct xss_txn_event *a, const struct xss_txn_event *b)
{
	int r = path_cmp(a->path, b->path);

	if (r)
		return r;
	return cmp_u32(a->flags & XSS_TEVENT_REMOVAL,
		       b->flags & XSS_TEVENT_REMOVAL);
}

static int
tevent_qcmp(const void *a, const void *b)
{
	return tevent_cmp(a, b);
}

static int
removed_qcmp(const void *a, const void *b)
{
	return path_cmp(((const struct xss_removed *)a)->path,
			((const struct xss_removed *)b)->path);
}

static int
quota_entry_qcmp(const void *a, const void *b)
{
	return cmp_u32(((const struct xss_quota_entry *)a)->id,
		       ((const struct xss_quota_entry *)b)->id);
}

/* qsort(), which must not see a NULL array, even an empty one. */
static void
sort(void *base, size_t n, size_t size,
     int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static void
model_sort(struct model *m)
{
	size_t i, j, k;

	if (m->defaults)
		sort((void *)m->defaults->e, m->defaults->num,
		      sizeof(*m->defaults->e), quota_entry_qcmp);
	sort(m->specials, m->nspecials, sizeof(*m->specials), special_qcmp);
	sort(m->nodes, m->nnodes, sizeof(*m->nodes), node_qcmp);
	sort(m->conns, m->nconns, sizeof(*m->conns), conn_qcmp);
	for (i = 0; i < m->nconns; i++) {
		struct m_conn *c = m->conns[i];

		if (c->quota)
			sort((void *)c->quota->e, c->quota->num,
			      sizeof(*c->quota->e), quota_entry_qcmp);
		sort(c->watches, c->nwatches, sizeof(*c->watches),
		      watch_qcmp);
		sort(c->txns, c->ntxns, sizeof(*c->txns), txn_qcmp);
		for (j = 0; j < c->ntxns; j++) {
			struct m_txn *t = c->txns[j];

			sort(t->nodes, t->nnodes, sizeof(*t->nodes),
			      tnode_qcmp);
			sort(t->events, t->nevents, sizeof(*t->events),
			      tevent_qcmp);
			for (k = 0; k < t->nevents; k++)
				sort((void *)t->events[k].removed,
				      t->events[k].nremoved,
				      sizeof(*t->events[k].removed),
				      removed_qcmp);
		}
	}
}

/* Read a whole image into a model.  NULL after printing the reason. */
static struct model *
model_load(TALLOC_CTX *mem_ctx, struct image *img)
{
	struct model *m = talloc_zero(mem_ctx, struct model);
	struct m_conn *c = NULL;
	struct m_txn *t = NULL;
	struct xss_record rec;
	int ret, err = 0;

	if (!m) {
		fprintf(stderr, PROG ": out of memory\n");
		return NULL;
	}
	m->hdr = img->hdr;
	while (!err && (ret = xss_read_next(img->r, &rec)) == 1)
		err = model_add(m, &rec, &c, &t);
	if (err == ENOMEM) {
		fprintf(stderr, PROG ": out of memory\n");
	} else if (err) {
		fprintf(stderr, PROG ": %s: record #%" PRIu32 " (%s) at offset "
			"0x%" PRIx64 ": out of order\n", img->name, rec.index,
			xss_type_name(rec.type), rec.offset);
	} else if (ret) {
		image_error(img);
		err = EINVAL;
	}
	if (err) {
		talloc_free(m);
		return NULL;
	}
	model_sort(m);
	return m;
}

/* -- diff: comparing --------------------------------------------------- */

struct differ {
	bool generations, strict, ignore_fds;
	bool a_big_endian, b_big_endian;	/* of pending messages */
	unsigned long ndiff;		/* differences that count */
	TALLOC_CTX *tmp;		/* scratch for formatted values */
};

/* One line: "<what>: <text>".  Notes do not count unless --strict. */
static void
report(struct differ *d, bool note, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
report(struct differ *d, bool note, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!note || d->strict)
		d->ndiff++;
}

static void
diff_u64(struct differ *d, const char *what, const char *field,
	 uint64_t a, uint64_t b)
{
	if (a != b)
		report(d, false, what, "%s %" PRIu64 " -> %" PRIu64, field,
		       a, b);
}

static void
diff_hex(struct differ *d, const char *what, const char *field,
	 uint64_t a, uint64_t b)
{
	if (a != b)
		report(d, false, what, "%s 0x%" PRIx64 " -> 0x%" PRIx64, field,
		       a, b);
}

static void
diff_fd(struct differ *d, const char *what, const char *field,
	int32_t a, int32_t b)
{
	if (a != b && !d->ignore_fds)
		report(d, false, what, "%s %" PRId32 " -> %" PRId32, field,
		       a, b);
}

/* A number that has a "none" value, e.g. depth or target. */
static void
diff_opt(struct differ *d, const char *what, const char *field,
	 uint32_t a, uint32_t b, uint32_t none, const char *word)
{
	char sa[16], sb[16];

	if (a == b)
		return;
	snprintf(sa, sizeof(sa), "%" PRIu32, a);
	snprintf(sb, sizeof(sb), "%" PRIu32, b);
	report(d, false, what, "%s %s -> %s", field, a == none ? word : sa,
	       b == none ? word : sb);
}

static void
diff_flags(struct differ *d, const char *what, uint32_t a, uint32_t b,
	   const struct flag_name *names)
{
	if (a != b)
		report(d, false, what, "flags %s -> %s",
		       fmt_flags(d->tmp, a, names),
		       fmt_flags(d->tmp, b, names));
}

static bool
perms_equal(const struct xss_perms *a, const struct xss_perms *b)
{
	return a->num == b->num &&
	       (!a->num || !memcmp(a->p, b->p, a->num * sizeof(*a->p)));
}

static void
diff_perms(struct differ *d, const char *what, const char *field,
	   const struct xss_perms *a, const struct xss_perms *b)
{
	if (!perms_equal(a, b))
		report(d, false, what, "%s %s -> %s", field,
		       fmt_perms(d->tmp, a), fmt_perms(d->tmp, b));
}

static void
diff_value(struct differ *d, const char *what, const char *field,
	   const void *a, uint32_t alen, const void *b, uint32_t blen)
{
	if (alen != blen || (alen && memcmp(a, b, alen)))
		report(d, false, what, "%s %s -> %s", field,
		       fmt_bytes(d->tmp, a, alen), fmt_bytes(d->tmp, b, blen));
}

static void
only_in(struct differ *d, const char *what, bool in_a)
{
	report(d, false, what, "only in %s", in_a ? "A" : "B");
}

static const char *
conn_name(TALLOC_CTX *mem_ctx, const struct m_conn *c)
{
	return talloc_asprintf(mem_ctx, c->is_domain ? "dom%" PRIu32 :
			       "sock%" PRIu32, c->key);
}

static void
diff_header(struct differ *d, const struct xss_header *a,
	    const struct xss_header *b)
{
	if (a->version != b->version)
		report(d, true, "header", "version %" PRIu32 " -> %" PRIu32,
		       a->version, b->version);
	if (a->big_endian != b->big_endian)
		report(d, true, "header", "byte-order %s -> %s",
		       order_name(a->big_endian), order_name(b->big_endian));
	if (a->kind != b->kind)
		report(d, true, "header", "kind %s -> %s",
		       xss_kind_name(a->kind), xss_kind_name(b->kind));
	if (a->domid != b->domid) {
		char sa[16], sb[16];

		snprintf(sa, sizeof(sa), "%" PRIu32, a->domid);
		snprintf(sb, sizeof(sb), "%" PRIu32, b->domid);
		report(d, true, "header", "domid %s -> %s",
		       a->domid == XSS_NO_DOMID ? "none" : sa,
		       b->domid == XSS_NO_DOMID ? "none" : sb);
	}
	if (strcmp(a->producer, b->producer))
		report(d, true, "header", "producer %s -> %s",
		       fmt_str(d->tmp, a->producer),
		       fmt_str(d->tmp, b->producer));
}

static void
diff_global(struct differ *d, const struct model *a, const struct model *b)
{
	const struct xss_global *ga = &a->global, *gb = &b->global;

	if (a->have_global != b->have_global) {
		only_in(d, "global", a->have_global);
		return;
	}
	if (!a->have_global)
		return;
	/* Counters that every new node or connection moves. */
	if (d->generations) {
		diff_u64(d, "global", "generation", ga->generation,
			 gb->generation);
		diff_u64(d, "global", "next_conn_id", ga->next_conn_id,
			 gb->next_conn_id);
	}
	diff_fd(d, "global", "socket_fd", ga->socket_fd, gb->socket_fd);
	if (ga->backend != gb->backend)
		report(d, false, "global", "backend %s -> %s",
		       backend_name(ga->backend) ? backend_name(ga->backend) :
		       "unknown", backend_name(gb->backend) ?
		       backend_name(gb->backend) : "unknown");
	diff_fd(d, "global", "backend_fd", ga->backend_fd, gb->backend_fd);
}

/* Quota entries by id (the model keeps them sorted). */
static void
diff_quota(struct differ *d, const char *owner, const struct xss_quota *a,
	   const struct xss_quota *b)
{
	const char *what = talloc_asprintf(d->tmp, "quota %s", owner);
	uint32_t i = 0, j = 0;

	if (!a || !b) {
		if (a || b)
			only_in(d, what, a != NULL);
		return;
	}
	while (i < a->num || j < b->num) {
		const struct xss_quota_entry *ea = i < a->num ? &a->e[i] : NULL;
		const struct xss_quota_entry *eb = j < b->num ? &b->e[j] : NULL;
		int r = !ea ? 1 : !eb ? -1 : cmp_u32(ea->id, eb->id);
		uint32_t id = r > 0 ? eb->id : ea->id;
		const char *name = quota_name(id);
		char *ewhat = name ?
			talloc_asprintf(d->tmp, "%s %s", what, name) :
			talloc_asprintf(d->tmp, "%s id %" PRIu32, what, id);

		if (r) {
			only_in(d, ewhat, r < 0);
		} else {
			diff_u64(d, ewhat, "hard", ea->hard, eb->hard);
			diff_u64(d, ewhat, "soft", ea->soft, eb->soft);
		}
		i += r <= 0;
		j += r >= 0;
	}
}

static void
diff_specials(struct differ *d, const struct model *a, const struct model *b)
{
	size_t i = 0, j = 0;

	while (i < a->nspecials || j < b->nspecials) {
		const struct xss_special *sa = i < a->nspecials ?
					       &a->specials[i] : NULL;
		const struct xss_special *sb = j < b->nspecials ?
					       &b->specials[j] : NULL;
		int r = !sa ? 1 : !sb ? -1 : strcmp(sa->path, sb->path);
		const char *what = talloc_asprintf(d->tmp, "special %s",
						   r > 0 ? sb->path : sa->path);

		if (r)
			only_in(d, what, r < 0);
		else
			diff_perms(d, what, "perms", &sa->perms, &sb->perms);
		i += r <= 0;
		j += r >= 0;
		talloc_free_children(d->tmp);
	}
}

static void
diff_nodes(struct differ *d, const struct model *a, const struct model *b)
{
	size_t i = 0, j = 0;

	while (i < a->nnodes || j < b->nnodes) {
		const struct xss_node *na = i < a->nnodes ? &a->nodes[i] : NULL;
		const struct xss_node *nb = j < b->nnodes ? &b->nodes[j] : NULL;
		int r = !na ? 1 : !nb ? -1 : path_cmp(na->path, nb->path);
		const char *what = talloc_asprintf(d->tmp, "node %s",
						   r > 0 ? nb->path : na->path);

		if (r) {
			only_in(d, what, r < 0);
		} else {
			diff_value(d, what, "value", na->value, na->len,
				   nb->value, nb->len);
			diff_perms(d, what, "perms", &na->perms, &nb->perms);
			if (d->generations)
				diff_u64(d, what, "gen", na->gen, nb->gen);
		}
		i += r <= 0;
		j += r >= 0;
		talloc_free_children(d->tmp);
	}
}

static void
diff_watches(struct differ *d, const char *cname, const struct m_conn *a,
	     const struct m_conn *b)
{
	size_t i = 0, j = 0;

	while (i < a->nwatches || j < b->nwatches) {
		const struct xss_watch *wa = i < a->nwatches ?
					     &a->watches[i] : NULL;
		const struct xss_watch *wb = j < b->nwatches ?
					     &b->watches[j] : NULL;
		int r = !wa ? 1 : !wb ? -1 : watch_cmp(wa, wb);
		const struct xss_watch *w = r > 0 ? wb : wa;
		const char *what = talloc_asprintf(d->tmp, "watch %s %s %s",
						   cname, w->path,
						   fmt_str(d->tmp, w->token));

		if (r) {
			only_in(d, what, r < 0);
		} else {
			diff_opt(d, what, "depth", wa->depth, wb->depth,
				 XSS_WATCH_NO_DEPTH, "unlimited");
			diff_flags(d, what, wa->flags, wb->flags, watch_flags);
		}
		i += r <= 0;
		j += r >= 0;
	}
}

static char *
fmt_tnode_children(TALLOC_CTX *mem_ctx, const struct xss_txn_node *tn)
{
	if (!(tn->flags & XSS_TNODE_CHILDREN))
		return talloc_strdup(mem_ctx, "none");
	return fmt_children(mem_ctx, tn->children, tn->children_len);
}

static void
diff_tnode(struct differ *d, const char *what, const struct xss_txn_node *a,
	   const struct xss_txn_node *b)
{
	diff_flags(d, what, a->flags, b->flags, tnode_flags);
	diff_perms(d, what, "perms", &a->perms, &b->perms);
	diff_value(d, what, "value", a->value, a->len, b->value, b->len);
	if (a->children_len != b->children_len ||
	    memcmp(a->children, b->children, a->children_len) ||
	    (a->flags & XSS_TNODE_CHILDREN) != (b->flags & XSS_TNODE_CHILDREN))
		report(d, false, what, "children %s -> %s",
		       fmt_tnode_children(d->tmp, a),
		       fmt_tnode_children(d->tmp, b));
	/* Whether the node existed at first touch is not a generation. */
	if (d->generations || !a->base_gen != !b->base_gen)
		diff_u64(d, what, "base_gen", a->base_gen, b->base_gen);
	if (d->generations)
		diff_u64(d, what, "gen", a->gen, b->gen);
}

static void
diff_removed(struct differ *d, const char *what, const struct xss_txn_event *a,
	     const struct xss_txn_event *b)
{
	uint32_t i = 0, j = 0;

	while (i < a->nremoved || j < b->nremoved) {
		const struct xss_removed *ra = i < a->nremoved ?
					       &a->removed[i] : NULL;
		const struct xss_removed *rb = j < b->nremoved ?
					       &b->removed[j] : NULL;
		int r = !ra ? 1 : !rb ? -1 : path_cmp(ra->path, rb->path);
		const char *rwhat = talloc_asprintf(d->tmp, "%s removed %s",
						    what, r > 0 ? rb->path :
						    ra->path);

		if (r)
			only_in(d, rwhat, r < 0);
		else
			diff_perms(d, rwhat, "perms", &ra->perms, &rb->perms);
		i += r <= 0;
		j += r >= 0;
	}
}

static void
diff_txn(struct differ *d, const char *what, const struct m_txn *a,
	 const struct m_txn *b)
{
	size_t i = 0, j = 0;

	diff_u64(d, what, "added", a->t.added, b->t.added);
	while (i < a->nnodes || j < b->nnodes) {
		const struct xss_txn_node *na = i < a->nnodes ?
						&a->nodes[i] : NULL;
		const struct xss_txn_node *nb = j < b->nnodes ?
						&b->nodes[j] : NULL;
		int r = !na ? 1 : !nb ? -1 : path_cmp(na->path, nb->path);
		const char *nwhat = talloc_asprintf(d->tmp, "%s node %s", what,
						    r > 0 ? nb->path :
						    na->path);

		if (r)
			only_in(d, nwhat, r < 0);
		else
			diff_tnode(d, nwhat, na, nb);
		i += r <= 0;
		j += r >= 0;
	}
	i = j = 0;
	while (i < a->nevents || j < b->nevents) {
		const struct xss_txn_event *ea = i < a->nevents ?
						 &a->events[i] : NULL;
		const struct xss_txn_event *eb = j < b->nevents ?
						 &b->events[j] : NULL;
		int r = !ea ? 1 : !eb ? -1 : tevent_cmp(ea, eb);
		const struct xss_txn_event *e = r > 0 ? eb : ea;
		const char *ewhat = talloc_asprintf(d->tmp, "%s %s %s", what,
			e->flags & XSS_TEVENT_REMOVAL ? "removal" : "event",
			e->path);

		if (r) {
			only_in(d, ewhat, r < 0);
		} else {
			diff_flags(d, ewhat, ea->flags, eb->flags,
				   tevent_flags);
			diff_perms(d, ewhat, "before", &ea->before,
				   &eb->before);
			diff_perms(d, ewhat, "after", &ea->after, &eb->after);
			diff_removed(d, ewhat, ea, eb);
		}
		i += r <= 0;
		j += r >= 0;
	}
}

static uint32_t
wire_count(const struct xss_buffer *b, bool big_endian)
{
	uint32_t off = 0, n, count = 0;
	struct wire_msg m;

	if (!b->len)
		return 0;
	while ((n = wire_next(b->data + off, b->len - off, big_endian, &m))) {
		off += n;
		count++;
	}
	return count;
}

/*
 * Pending input or output, message by message (so that images of both
 * byte orders compare); an absent record and an empty one are the same.
 * One line: the counts and the first message that differs.
 */
static void
diff_buffer(struct differ *d, const char *what, const struct xss_buffer *a,
	    const struct xss_buffer *b)
{
	static const uint8_t none[1];
	const uint8_t *pa = a->data ? a->data : none;
	const uint8_t *pb = b->data ? b->data : none;
	uint32_t oa = 0, ob = 0, na, nb, i;
	struct wire_msg ma, mb;

	for (i = 1;; i++) {
		na = wire_next(pa + oa, a->len - oa, d->a_big_endian, &ma);
		nb = wire_next(pb + ob, b->len - ob, d->b_big_endian, &mb);
		if (!na && !nb)
			return;
		if (!na || !nb || !wire_equal(&ma, &mb))
			break;
		oa += na;
		ob += nb;
	}
	report(d, false, what, "messages %" PRIu32 " -> %" PRIu32 ", #%" PRIu32
	       ": %s -> %s", wire_count(a, d->a_big_endian),
	       wire_count(b, d->b_big_endian), i,
	       na ? fmt_wire(d->tmp, &ma) : "none",
	       nb ? fmt_wire(d->tmp, &mb) : "none");
}

static void
diff_conn(struct differ *d, const struct m_conn *a, const struct m_conn *b)
{
	const char *cname = conn_name(d->tmp, a);
	size_t i = 0, j = 0;

	if (a->is_domain) {
		const struct xss_domain *da = &a->dom, *db = &b->dom;

		diff_u64(d, cname, "conn_id", da->conn_id, db->conn_id);
		diff_flags(d, cname, da->flags, db->flags, dom_flags);
		diff_hex(d, cname, "features", da->features, db->features);
		diff_hex(d, cname, "gfn", da->gfn, db->gfn);
		diff_u64(d, cname, "remote_port", da->remote_port,
			 db->remote_port);
		diff_u64(d, cname, "local_port", da->local_port,
			 db->local_port);
		diff_opt(d, cname, "target", da->target, db->target,
			 XSS_NO_TARGET, "none");
		diff_u64(d, cname, "next_txid", da->next_txid, db->next_txid);
		diff_fd(d, cname, "evtchn_fd", da->evtchn_fd, db->evtchn_fd);
		diff_fd(d, cname, "page_fd", da->page_fd, db->page_fd);
		diff_quota(d, cname, a->quota, b->quota);
	} else {
		diff_fd(d, cname, "fd", a->sock.fd, b->sock.fd);
		diff_flags(d, cname, a->sock.flags, b->sock.flags,
			   sock_flags);
		diff_u64(d, cname, "next_txid", a->sock.next_txid,
			 b->sock.next_txid);
	}
	diff_watches(d, cname, a, b);
	while (i < a->ntxns || j < b->ntxns) {
		const struct m_txn *ta = i < a->ntxns ? a->txns[i] : NULL;
		const struct m_txn *tb = j < b->ntxns ? b->txns[j] : NULL;
		int r = !ta ? 1 : !tb ? -1 : cmp_u32(ta->t.tx_id, tb->t.tx_id);
		const char *what = talloc_asprintf(d->tmp, "txn %s %" PRIu32,
						   cname, r > 0 ? tb->t.tx_id :
						   ta->t.tx_id);

		if (r)
			only_in(d, what, r < 0);
		else
			diff_txn(d, what, ta, tb);
		i += r <= 0;
		j += r >= 0;
	}
	diff_buffer(d, talloc_asprintf(d->tmp, "input %s", cname), &a->input,
		    &b->input);
	diff_buffer(d, talloc_asprintf(d->tmp, "output %s", cname),
		    &a->output, &b->output);
}

static void
diff_models(struct differ *d, const struct model *a, const struct model *b)
{
	size_t i = 0, j = 0;

	d->a_big_endian = a->hdr.big_endian;
	d->b_big_endian = b->hdr.big_endian;
	diff_header(d, &a->hdr, &b->hdr);
	diff_global(d, a, b);
	diff_quota(d, "defaults", a->defaults, b->defaults);
	diff_specials(d, a, b);
	diff_nodes(d, a, b);
	while (i < a->nconns || j < b->nconns) {
		const struct m_conn *ca = i < a->nconns ? a->conns[i] : NULL;
		const struct m_conn *cb = j < b->nconns ? b->conns[j] : NULL;
		int r = !ca ? 1 : !cb ? -1 : conn_cmp(ca, cb);

		if (r)
			only_in(d, conn_name(d->tmp, r > 0 ? cb : ca), r < 0);
		else
			diff_conn(d, ca, cb);
		i += r <= 0;
		j += r >= 0;
		talloc_free_children(d->tmp);
	}
}

static int
cmd_diff(TALLOC_CTX *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "generations", no_argument, NULL, OPT_GENERATIONS },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "ignore-fds", no_argument, NULL, OPT_IGNORE_FDS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct differ d = { 0 };
	struct model *ma, *mb;
	struct image *img;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_GENERATIONS:
			d.generations = true;
			break;
		case OPT_STRICT:
			d.strict = true;
			break;
		case OPT_IGNORE_FDS:
			d.ignore_fds = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return bad_usage("diff: expected two images A and B");
	if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
		return bad_usage("diff: only one image can be -");

	img = image_open(ctx, argv[optind]);
	ma = img && !image_read_header(img) ? model_load(ctx, img) : NULL;
	talloc_free(img);
	if (!ma)
		return EXIT_USAGE;
	img = image_open(ctx, argv[optind + 1]);
	mb = img && !image_read_header(img) ? model_load(ctx, img) : NULL;
	talloc_free(img);
	if (!mb)
		return EXIT_USAGE;

	d.tmp = talloc_new(ctx);
	if (!d.tmp) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_USAGE;
	}
	diff_models(&d, ma, mb);
	if (finish_stdout())
		return EXIT_USAGE;
	return d.ndiff ? EXIT_BAD : 0;
}

/* -- main ------------------------------------------------------------ */

static const struct {
	const char *name;
	int (*fn)(TALLOC_CTX *ctx, int argc, char **argv);
} commands[] = {
	{ "dump", cmd_dump },
	{ "verify", cmd_verify },
	{ "stats", cmd_stats },
	{ "diff", cmd_diff },
};

int
main(int argc, char **argv)
{
	TALLOC_CTX *ctx = NULL;
	unsigned int i;
	int ret;

	if (argc < 2)
		return bad_usage("no command");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		ctx = talloc_new(NULL);
		/* getopt's messages then start with "xs-state dump: " */
		argv[1] = ctx ? talloc_asprintf(ctx, PROG " %s", argv[1]) :
			  NULL;
		if (!argv[1]) {
			fprintf(stderr, PROG ": out of memory\n");
			talloc_free(ctx);
			return EXIT_USAGE;
		}
		ret = commands[i].fn(ctx, argc - 1, argv + 1);
		talloc_free(ctx);
		return ret;
	}
	return bad_usage("unknown command '%s'", argv[1]);
}
