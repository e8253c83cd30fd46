// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_wire.c - the xenstore messages inside CONN_INPUT and
 * GUEST_RING_DATA bodies, which the image format leaves opaque: split
 * into messages, compared and formatted for dump and diff.
 *
 * The messages are in the byte order of the image, which is the byte
 * order of the host that wrote the image and therefore of its messages.
 */
#include <endian.h>
#include <inttypes.h>
#include <string.h>

#include "tool.h"

static uint32_t
wire32(const uint8_t *p, bool big_endian)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return big_endian ? be32toh(v) : le32toh(v);
}

uint32_t
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
bool
wire_equal(const struct wire_msg *a, const struct wire_msg *b)
{
	uint32_t whole = a->hdr_have & ~3u;

	return a->hdr_have == b->hdr_have && a->type == b->type &&
	       a->req_id == b->req_id && a->tx_id == b->tx_id &&
	       a->len == b->len && a->have == b->have &&
	       !memcmp(a->raw + whole, b->raw + whole, a->hdr_have - whole) &&
	       (!a->have || !memcmp(a->payload, b->payload, a->have));
}

uint32_t
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

static const char *
wire_type_name(TALLOC_CTX *mem_ctx, uint32_t type)
{
	const char *name = msg_name(type);

	return name ? name : talloc_asprintf(mem_ctx, "type %" PRIu32, type);
}

/*
 * One line for diff, the fields in the order dump shows them: READ
 * req_id 8 tx_id 0 len 5 have 2 "he", or for a header cut short,
 * partial header have 9 READ req_id 8 rest "\x00".
 */
char *
fmt_wire(TALLOC_CTX *mem_ctx, const struct wire_msg *m)
{
	bool partial = m->hdr_have < MSG_HDR_LEN;
	char *s;

	if (partial)
		s = talloc_asprintf(mem_ctx, "partial header have %" PRIu32,
				    m->hdr_have);
	else
		s = talloc_strdup(mem_ctx, "");
	if (s && m->hdr_have >= 4)
		s = talloc_asprintf_append(s, "%s%s", *s ? " " : "",
					   wire_type_name(mem_ctx, m->type));
	if (s && m->hdr_have >= 8)
		s = talloc_asprintf_append(s, " req_id %" PRIu32, m->req_id);
	if (s && m->hdr_have >= 12)
		s = talloc_asprintf_append(s, " tx_id %" PRIu32, m->tx_id);
	if (partial) {
		if (s && m->hdr_have % 4)
			s = talloc_asprintf_append(s, " rest %s", fmt_bytes(
				mem_ctx, m->raw + (m->hdr_have & ~3u),
				m->hdr_have % 4));
		return s;
	}
	if (s)
		s = talloc_asprintf_append(s, " len %" PRIu32, m->len);
	if (s && m->have < m->len)
		s = talloc_asprintf_append(s, " have %" PRIu32, m->have);
	if (s)
		s = talloc_asprintf_append(s, " %s", fmt_bytes(
			mem_ctx, m->payload, m->have));
	return s;
}
