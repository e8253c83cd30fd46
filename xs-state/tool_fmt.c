// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_fmt.c - how the xs-state tool spells values: the names of wire
 * message types, quota ids, backends and flag bits, and values quoted
 * into talloc strings for dump's text and diff's lines.
 *
 * Record types and image kinds are named by the library (names.c).
 */
#include <inttypes.h>
#include <string.h>

#include "xs_wire_ext.h"

#include "tool.h"

/* -- names ---------------------------------------------------------- */

const struct flag_name watch_flags[] = {
	{ XSS_WATCH_RELATIVE, "RELATIVE" },
	{ 0, NULL }
};

const struct flag_name tnode_flags[] = {
	{ XSS_TNODE_EXISTS, "EXISTS" },
	{ XSS_TNODE_CHANGED, "CHANGED" },
	{ XSS_TNODE_RECREATED, "RECREATED" },
	{ XSS_TNODE_CHILDREN, "CHILDREN" },
	{ 0, NULL }
};

const struct flag_name tevent_flags[] = {
	{ XSS_TEVENT_REMOVAL, "REMOVAL" },
	{ 0, NULL }
};

const struct flag_name dom_flags[] = {
	{ XSS_DOM_INTRODUCED, "INTRODUCED" },
	{ XSS_DOM_CONNECTION, "CONNECTION" },
	{ XSS_DOM_IGNORED, "IGNORED" },
	{ XSS_DOM_SHUTDOWN_REPORTED, "SHUTDOWN_REPORTED" },
	{ XSS_DOM_FEATURES_SET, "FEATURES_SET" },
	{ XSS_DOM_IMPORTED, "IMPORTED" },
	{ XSS_DOM_QUIESCED, "QUIESCED" },
	{ 0, NULL }
};

const struct flag_name sock_flags[] = {
	{ XSS_SOCK_PRIVILEGED, "PRIVILEGED" },
	{ 0, NULL }
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

const char *
msg_name(uint32_t type)
{
	return type < ARRAY_SIZE(msg_names) ? msg_names[type] : NULL;
}

const char *
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

const char *
order_name(bool big_endian)
{
	return big_endian ? "big-endian" : "little-endian";
}

char
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

/* -- formatting into talloc strings --------------------------------- */

/*
 * Bytes as a quoted string: printable ASCII as is, `"` and `\` escaped
 * with a backslash, everything else as \xNN.
 */
char *
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

char *
fmt_str(TALLOC_CTX *mem_ctx, const char *s)
{
	return fmt_bytes(mem_ctx, s, strlen(s));
}

/* Permissions as xenstore tools show them: "b0 r5" (quoted). */
char *
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
char *
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

char *
fmt_tnode_children(TALLOC_CTX *mem_ctx, const struct xss_txn_node *tn)
{
	if (!(tn->flags & XSS_TNODE_CHILDREN))
		return talloc_strdup(mem_ctx, "none");
	return fmt_children(mem_ctx, tn->children, tn->children_len);
}
