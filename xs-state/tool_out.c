// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_out.c - the emitter of "dump": every field goes through one
 * out_*() call that has a text and a JSON back end, so that both formats
 * show the same fields (struct out in tool.h).
 *
 * Text is one line per record of " <key> <value>" pairs; list items go
 * on lines of their own.  JSON is an object per record, list items an
 * array of objects; bytes are one character per byte (U+0000-00FF), so
 * binary values survive, and binary data also has a <key>_hex twin.
 */
#include <inttypes.h>
#include <string.h>

#include "tool.h"

void
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

void
json_hex(FILE *f, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	putc('"', f);
	for (i = 0; i < len; i++)
		fprintf(f, "%02x", p[i]);
	putc('"', f);
}

/* JSON: the next object of the "records" array. */
void
out_record_begin(struct out *o)
{
	fputs(o->nrecords++ ? ",\n    {" : "\n    {", o->f);
	o->nfields = 0;
}

void
out_records_end(const struct out *o, const char *error)
{
	fputs(o->nrecords ? "\n  ]" : "]", o->f);
	fprintf(o->f, ",\n  \"complete\": %s,\n  \"error\": ",
		error ? "false" : "true");
	if (error)
		json_string(o->f, error, strlen(error));
	else
		fputs("null", o->f);
}

void
out_key(struct out *o, const char *key)
{
	if (o->json)
		fprintf(o->f, "%s\"%s\": ", o->nfields ? ", " : "", key);
	else
		fprintf(o->f, "%s%s ", o->nfields ? " " : "", key);
	o->nfields++;
}

void
out_u(struct out *o, const char *key, uint64_t v)
{
	out_key(o, key);
	fprintf(o->f, "%" PRIu64, v);
}

/* Hexadecimal in text, a plain number in JSON. */
void
out_x(struct out *o, const char *key, uint64_t v)
{
	out_key(o, key);
	fprintf(o->f, o->json ? "%" PRIu64 : "0x%" PRIx64, v);
}

void
out_i(struct out *o, const char *key, int32_t v)
{
	out_key(o, key);
	fprintf(o->f, "%" PRId32, v);
}

/* A number, or a word in text and null in JSON when it is 'none'. */
void
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
void
out_word(struct out *o, const char *key, const char *word)
{
	out_key(o, key);
	if (o->json)
		json_string(o->f, word, strlen(word));
	else
		fputs(word, o->f);
}

/* A value's name (as out_word()), or the number when it has none. */
void
out_name(struct out *o, const char *key, const char *name, uint32_t v)
{
	if (name)
		out_word(o, key, name);
	else
		out_u(o, key, v);
}

/* Text: quoted and escaped.  JSON: one character per byte (U+0000-FF). */
void
out_str(struct out *o, const char *key, const void *buf, size_t len)
{
	out_key(o, key);
	if (o->json)
		json_string(o->f, buf, len);
	else
		fputs(fmt_bytes(o->tmp, buf, len), o->f);
}

/* Binary data: as out_str, and in JSON also <key>_hex. */
void
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

void
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

void
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

/*
 * A transaction node's children: as fmt_tnode_children() in text, an
 * array of strings in JSON (null when the node has no list).
 */
void
out_children(struct out *o, const char *key, const struct xss_txn_node *tn)
{
	uint32_t i;

	out_key(o, key);
	if (!o->json) {
		fputs(fmt_tnode_children(o->tmp, tn), o->f);
		return;
	}
	if (!(tn->flags & XSS_TNODE_CHILDREN)) {
		fputs("null", o->f);
		return;
	}
	putc('[', o->f);
	for (i = 0; i < tn->children_len;
	     i += strlen(tn->children + i) + 1) {
		if (i)
			fputs(", ", o->f);
		json_string(o->f, tn->children + i,
			    strlen(tn->children + i));
	}
	putc(']', o->f);
}

void
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
void
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

void
out_item_end(struct out *o)
{
	if (o->json)
		putc('}', o->f);
	o->nfields = 1;		/* back in the record: fields need commas */
}

void
out_list_end(struct out *o)
{
	if (o->json)
		putc(']', o->f);
}

