// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_stream.c - "dump" and "verify" of a libxl migration stream: its
 * headers and records as tool_libxl.c walks them, then the xs-state image
 * of its DOMAIN_XENSTORE_DATA record, dumped or verified as any image is
 * (tool_dump.c, tool_stats.c), so the image's text is the same whether it
 * travels alone or inside a stream.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "tool.h"

static const struct flag_name xl_flags[] = {
	{ 0x1, "JSON" },
	{ 0x2, "STREAMv2" },
	{ 0, NULL }
};

static const struct flag_name lx_options[] = {
	{ 0x2, "LEGACY" },	/* bit 0 is the byte order, shown apart */
	{ 0, NULL }
};

static const struct flag_name no_flags[] = {
	{ 0, NULL }
};

/* "#2 (DOMAIN_XENSTORE_DATA)" of stream s: the image's name. */
static char *
xsd_name(const struct lx_stream *s)
{
	return talloc_asprintf(s->image, "%s #%" PRIu32
			       " (DOMAIN_XENSTORE_DATA)", s->name,
			       s->xsd.index);
}

static int
nop_record(void *arg, const struct xss_record *rec)
{
	(void)arg;
	(void)rec;
	return 0;
}

int
xsd_image_check(struct image *img, uint64_t len)
{
	static const struct image_visitor visitor = { .record = nop_record };

	if (image_read_header(img))
		return EXIT_BAD;
	if (img->hdr.kind != XSS_KIND_MIGRATION) {
		tool_warnx("%s: a %s image, not a MIGRATION one", img->name,
			   xss_kind_name(img->hdr.kind));
		return EXIT_BAD;
	}
	if (image_walk(img, &visitor, NULL)) {
		image_error(img);
		return EXIT_BAD;
	}
	/* (a reader on memory already refuses octets after END) */
	if (img->size != len) {
		tool_warnx("%s: %" PRIu64 " octets after the image's END, "
			   "from offset 0x%" PRIx64, img->name,
			   len - img->size, img->size);
		return EXIT_BAD;
	}
	return 0;
}

/* --- dump ------------------------------------------------------------ */

static void
line_begin(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A text line's head ("#1 @0x58 END len 0:"), or a JSON record object. */
static void
line_begin(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json) {
		out_record_begin(o);
		return;
	}
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	o->nfields = 1;
}

static void
line_end(struct out *o)
{
	fputs(o->json ? "}" : "\n", o->f);
	talloc_free_children(o->tmp);
}

/* What the callbacks of dump get: the emitter first. */
struct stream_out {
	struct out o;
	bool headers;		/* JSON: the document is begun */
};

static int
emit_headers(void *arg, struct lx_stream *s)
{
	struct out *o = arg;
	const struct xl_header *x = &s->xl;

	((struct stream_out *)arg)->headers = true;
	if (o->json) {
		fputs("{\n  \"stream\": {\n  \"xl_header\": ", o->f);
		if (!s->has_xl) {
			fputs("null", o->f);
		} else {
			fputs("{", o->f);
			o->nfields = 0;
		}
	} else if (s->has_xl) {
		fprintf(o->f, "xl header @0x0 len %" PRIu64 ":",
			(uint64_t)XL_HEADER_LEN + x->optional_data_len);
		o->nfields = 1;
	}
	if (s->has_xl) {
		out_word(o, o->json ? "byte_order" : "byte-order", order_name(x->big_endian));
		out_flags(o, "mandatory_flags", x->mandatory_flags, xl_flags);
		out_flags(o, "optional_flags", x->optional_flags, no_flags);
		out_u(o, "optional_data_len", x->optional_data_len);
		if (x->has_config)
			out_u(o, "config_len", x->config_len);
		fputs(o->json ? "}" : "\n", o->f);
	}

	if (o->json) {
		fputs(",\n  \"header\": {", o->f);
		o->nfields = 0;
	} else {
		fprintf(o->f, "libxl header @0x%" PRIx64 " len %d:",
			s->header_offset, LX_HEADER_LEN);
		o->nfields = 1;
	}
	if (o->json)
		out_u(o, "offset", s->header_offset);
	out_u(o, "version", 2);
	out_word(o, o->json ? "byte_order" : "byte-order", order_name(s->big_endian));
	out_flags(o, "options", s->options & ~1u, lx_options);
	fputs(o->json ? "},\n  \"records\": [" : "\n", o->f);
	talloc_free_children(o->tmp);
	return 0;
}

static int
emit_lx_record(void *arg, struct lx_stream *s, const struct lx_record *rec)
{
	struct out *o = arg;

	(void)s;
	line_begin(o, "#%" PRIu32 " @0x%" PRIx64 " %s len %" PRIu32 ":",
		   rec->index, rec->offset, lx_type_name(rec->type),
		   rec->len);
	if (o->json) {
		out_u(o, "index", rec->index);
		out_u(o, "offset", rec->offset);
		out_word(o, "type", lx_type_name(rec->type));
		out_u(o, "type_id", rec->type);
		out_u(o, "len", rec->len);
	} else if (rec->type & LX_REC_OPTIONAL) {	/* unnamed: the number */
		out_x(o, "type_id", rec->type);
	}
	line_end(o);
	return LX_KEEP;
}

static void
emit_libxc(void *arg, const struct lx_libxc *x)
{
	struct out *o = arg;

	line_begin(o, "libxc @0x%" PRIx64 " len %" PRIu64 ":", x->offset,
		   x->bytes);
	if (o->json) {
		out_word(o, "type", "libxc");
		out_u(o, "offset", x->offset);
		out_u(o, "len", x->bytes);
	}
	if (x->headers) {
		out_u(o, "version", x->version);
		out_word(o, o->json ? "byte_order" : "byte-order", order_name(x->big_endian));
		out_u(o, "domain_type", x->domain_type);
		out_u(o, "page_shift", x->page_shift);
		out_key(o, "xen");
		fprintf(o->f, o->json ? "\"%" PRIu32 ".%" PRIu32 "\"" :
			"%" PRIu32 ".%" PRIu32, x->xen_major, x->xen_minor);
	} else {
		out_word(o, "continued", "after-checkpoint");
	}
	out_u(o, "records", x->records);
	out_word(o, "last", x->last_type ? "CHECKPOINT" : "END");
	line_end(o);
}

static void
json_stream_trailer(const struct out *o, const char *error, bool headers)
{
	if (!headers)
		fputs("{\n  \"stream\": {\n  \"xl_header\": null,\n"
		      "  \"header\": null,\n  \"records\": [", o->f);
	out_records_end(o, error);
	fputs("\n  },\n  \"image\": ", o->f);
}

/*
 * The stream's records as they are read, then the image as "dump" shows
 * an image.  On a bad stream, everything before the error is printed
 * (and in JSON the document is still whole, "image" null).
 */
int
stream_dump(struct lx_stream *s, bool json)
{
	static const struct lx_visitor visitor = {
		.headers = emit_headers,
		.record = emit_lx_record,
		.libxc = emit_libxc,
	};
	struct stream_out so = { .o = { .f = stdout, .json = json } };
	struct image *img;
	int ret;

	so.o.tmp = talloc_new(s);
	if (!so.o.tmp) {
		tool_warnx("out of memory");
		return EXIT_BAD;
	}
	ret = lx_walk(s, &visitor, &so);
	if (json)
		json_stream_trailer(&so.o, ret ? s->error : NULL,
				    so.headers);
	if (ret || !s->xsd.index) {
		if (json)
			fputs("null\n}\n", stdout);
		if (ret)
			lx_error(s);
		finish_stdout();
		return ret ? EXIT_BAD : finish_stdout();
	}
	if (!json)
		printf("image of #%" PRIu32 " (DOMAIN_XENSTORE_DATA) @0x%" PRIx64
		       " len %" PRIu32 ":\n", s->xsd.index,
		       s->xsd.offset + LX_REC_HEADER_LEN, s->xsd.len);
	img = image_open_memory(s, xsd_name(s), s->image, s->xsd.len);
	ret = img ? dump_image(img, json) : EXIT_BAD;
	if (json)
		fputs("}\n", stdout);
	return ret ? ret : finish_stdout();
}

/* --- verify ---------------------------------------------------------- */

int
stream_verify(struct lx_stream *s)
{
	struct image *img;

	if (lx_walk(s, &(struct lx_visitor){ 0 }, NULL)) {
		lx_error(s);
		return EXIT_BAD;
	}
	if (s->xsd.index) {
		img = image_open_memory(s, xsd_name(s), s->image, s->xsd.len);
		if (!img || xsd_image_check(img, s->xsd.len))
			return EXIT_BAD;
		printf("OK: libxl stream%s, %" PRIu32 " records, %" PRIu64
		       " bytes; #%" PRIu32 " DOMAIN_XENSTORE_DATA: %s image, "
		       "domid %" PRIu32 ", %" PRIu32 " records, %" PRIu64
		       " bytes\n", s->has_xl ? " after an xl header" : "",
		       s->records, s->size, s->xsd.index,
		       xss_kind_name(img->hdr.kind), img->hdr.domid,
		       img->records, img->size);
	} else {
		printf("OK: libxl stream%s, %" PRIu32 " records, %" PRIu64
		       " bytes; no DOMAIN_XENSTORE_DATA\n",
		       s->has_xl ? " after an xl header" : "", s->records,
		       s->size);
	}
	return finish_stdout();
}
