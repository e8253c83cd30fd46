// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_dump.c - "dump": the header and every record of an image with its
 * index and offset, as text or as one JSON document, through the emitter
 * of tool_out.c.
 *
 * Records are printed as they are read: on a bad image everything before
 * the bad record is printed, then the reader's error; JSON output stays
 * one document that says whether END was reached.
 */
#include <inttypes.h>
#include <string.h>

#include "tool.h"

static void
emit_quota(struct out *o, const struct xss_quota *q)
{
	uint32_t i;

	out_opt(o, "domid", q->domid, XSS_NO_DOMID, "defaults");
	out_u(o, "count", q->num);
	out_list_begin(o, "entries");
	for (i = 0; i < q->num; i++) {
		const char *name = xss_quota_name(q->e[i].id);

		out_item_begin(o, "name", name ? name : "unknown");
		out_u(o, "id", q->e[i].id);
		out_u(o, "hard", q->e[i].hard);
		out_u(o, "soft", q->e[i].soft);
		out_item_end(o);
	}
	out_list_end(o);
}

/* The fields of a message header that are there in full. */
static void
emit_msg_header(struct out *o, const struct wire_msg *m)
{
	if (m->hdr_have >= 4) {
		out_name(o, "type", msg_name(m->type), m->type);
		if (o->json)
			out_u(o, "type_id", m->type);
	}
	if (m->hdr_have >= 8)
		out_u(o, "req_id", m->req_id);
	if (m->hdr_have >= 12)
		out_u(o, "tx_id", m->tx_id);
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
			emit_msg_header(o, &m);
			if (o->json || m.hdr_have % 4)
				out_bytes(o, "rest", p + (m.hdr_have & ~3u),
					  m.hdr_have % 4);
		} else {
			out_item_begin(o, "kind", m.have < m.len ?
				       "partial-message" : "message");
			emit_msg_header(o, &m);
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
emit_live_update(struct out *o, const struct xss_live_update *lu)
{
	const char *p = lu->argv;
	uint32_t i;

	out_u(o, "conn_id", lu->conn_id);
	out_u(o, "req_id", lu->req_id);
	out_u(o, "tx_id", lu->tx_id);
	out_i(o, "rollback_fd", lu->rollback_fd);
	out_list_begin(o, "argv");
	for (i = 0; i < lu->argc; i++, p += strlen(p) + 1) {
		out_item_begin(o, NULL, NULL);
		out_str(o, "arg", p, strlen(p));
		out_item_end(o);
	}
	out_list_end(o);
}

static void
emit_store_fd(struct out *o, const struct xss_store_fd *sf)
{
	uint32_t i;

	out_i(o, "fd", sf->fd);
	out_u(o, "format", sf->format);
	out_u(o, "nodes", sf->nodes);
	out_list_begin(o, "owners");
	for (i = 0; i < sf->nowners; i++) {
		out_item_begin(o, NULL, "owner");
		out_u(o, "domid", sf->owners[i].domid);
		out_u(o, "nodes", sf->owners[i].nodes);
		out_u(o, "bytes", sf->owners[i].bytes);
		out_item_end(o);
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

	switch (rec->type) {
	case XSS_REC_GLOBAL_DATA:
		out_u(o, "generation", rec->u.global.generation);
		out_u(o, "next_conn_id", rec->u.global.next_conn_id);
		out_i(o, "socket_fd", rec->u.global.socket_fd);
		out_name(o, "backend", backend_name(rec->u.global.backend),
			 rec->u.global.backend);
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
		out_children(o, "children", tn);
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
	case XSS_REC_PARTIAL_OUTPUT:
		/* Not a message: the end of one whose start was sent. */
		out_bytes(o, "data", rec->u.buffer.data, rec->u.buffer.len);
		break;
	case XSS_REC_LIVE_UPDATE:
		emit_live_update(o, &rec->u.lu);
		break;
	case XSS_REC_STORE_FD:
		emit_store_fd(o, &rec->u.store);
		break;
	case XSS_REC_END:
		out_x(o, "crc32c", rec->u.end.crc);
		break;
	}
}

static int
emit_record(void *arg, const struct xss_record *rec)
{
	struct out *o = arg;

	if (o->json) {
		out_record_begin(o);
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
	return 0;
}

/*
 * Optional records the reader skipped show as a gap between the end of
 * one record and the offset of the next.
 */
static void
emit_skipped(void *arg, uint64_t offset, uint64_t bytes, uint32_t first,
	     uint32_t last)
{
	struct out *o = arg;

	if (o->json) {
		out_record_begin(o);
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

/* The end of the JSON document: whether END was reached, and why not. */
static void
json_trailer(const struct out *o, const char *error)
{
	out_records_end(o, error);
	fputs("\n}\n", o->f);
}

/*
 * Header and records as they are read; on a bad image everything before
 * the bad record is printed, then the reader's error goes to stderr.
 */
int
dump_image(struct image *img, bool json)
{
	static const struct image_visitor visitor = {
		.record = emit_record,
		.skipped = emit_skipped,
	};
	struct out o = { .f = stdout, .json = json };
	int ret;

	o.tmp = talloc_new(img);
	if (!o.tmp) {
		tool_warnx("out of memory");
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
	ret = image_walk(img, &visitor, &o);
	if (json)
		json_trailer(&o, ret < 0 ? xss_reader_error(img->r) : NULL);
	if (ret < 0) {
		image_error(img);
		finish_stdout();
		return EXIT_BAD;
	}
	return finish_stdout();
}

