// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * syntax.c - xenstore path syntax as the image format states it (spec
 * section 1, after docs/misc/xenstore.txt), and quoting of untrusted
 * strings for messages.
 *
 * The library has its own copy of these rules: it must not depend on
 * the daemon.  Lengths are given, never found with strlen: the reader
 * has already checked that the octets end with the only NUL.
 */
#include <stdio.h>
#include <string.h>

#include "xss_private.h"

static bool
char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '/' || c == '_' ||
	       c == '@';
}

const char *
xss_path_invalid(const char *p, size_t len, bool special, size_t *at)
{
	size_t i;

	*at = SIZE_MAX;
	if (!len)
		return "is empty";
	if (p[0] == '@') {
		if (!special)
			return "is a special path, not an absolute one";
		if (len < 2)
			return "is a special path shorter than 2 octets";
	} else if (p[0] != '/') {
		return special ? "is neither absolute nor special"
			       : "is not absolute";
	}
	if (len > XSS_MAX_PATH)
		return "is longer than 3072 octets";
	for (i = 0; i < len; i++) {
		*at = i;
		if (!char_ok(p[i]))
			return "has an invalid character";
		if (p[i] == '/' && i + 1 < len && p[i + 1] == '/')
			return "has \"//\"";
	}
	*at = SIZE_MAX;
	if (len > 1 && p[len - 1] == '/')
		return "ends with '/'";
	return NULL;
}

const char *
xss_name_invalid(const char *p, size_t len, size_t *at)
{
	size_t i;

	*at = SIZE_MAX;
	if (!len)
		return "is empty";
	for (i = 0; i < len; i++) {
		*at = i;
		if (p[i] == '/')
			return "has a '/'";
		if (!char_ok(p[i]))
			return "has an invalid character";
	}
	return NULL;
}

bool
xss_path_below(const char *path, size_t len, const char *dir,
	       size_t dir_len)
{
	if (dir_len == 1 && dir[0] == '/')
		return len > 1 && path[0] == '/';
	return len > dir_len + 1 && !memcmp(path, dir, dir_len) &&
	       path[dir_len] == '/';
}

size_t
xss_home(char *buf, uint32_t domid)
{
	int n = snprintf(buf, XSS_HOME_MAX, "/local/domain/%u", domid);

	return n > 0 ? (size_t)n : 0;
}

#define QUOTE_MAX 64

char *
xss_quote(TALLOC_CTX *ctx, const void *s, size_t len)
{
	const uint8_t *p = s;
	char *q = talloc_strdup(ctx, "\"");
	size_t i;

	for (i = 0; q && i < len && i < QUOTE_MAX; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\')
			q = talloc_asprintf_append_buffer(q, "%c", p[i]);
		else
			q = talloc_asprintf_append_buffer(q, "\\x%02x", p[i]);
	}
	if (q)
		q = talloc_strdup_append_buffer(q, len > QUOTE_MAX ? "\"..."
								   : "\"");
	return q;
}
