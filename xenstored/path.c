// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * path.c - xenstore path syntax.
 *
 * Pure functions: no daemon state.  Lengths are checked on the canonical
 * (absolute) form against XENSTORE_ABS_PATH_MAX and, for relative input,
 * on the input against XENSTORE_REL_PATH_MAX.
 */
#include <errno.h>
#include <string.h>

#include "xs_wire_ext.h"

#include "path.h"

static bool
char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '/' || c == '_' ||
	       c == '@';
}

static bool
chars_ok(const char *p)
{
	for (; *p; p++)
		if (!char_ok(*p))
			return false;
	return true;
}

bool
path_is_valid(const char *path)
{
	size_t len = strlen(path);

	if (len == 0 || path[0] != '/' || len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (!chars_ok(path) || strstr(path, "//"))
		return false;
	if (len > 1 && path[len - 1] == '/')
		return false;
	return true;
}

bool
path_is_special(const char *path)
{
	size_t len = strlen(path);

	if (len < 2 || path[0] != '@' || len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (!chars_ok(path) || strstr(path, "//") || path[len - 1] == '/')
		return false;
	return true;
}

char *
path_domain(TALLOC_CTX *mem_ctx, unsigned int domid)
{
	return talloc_asprintf(mem_ctx, "/local/domain/%u", domid);
}

char *
path_canonical(TALLOC_CTX *mem_ctx, unsigned int domid, const char *in,
	       bool allow_special, int *err)
{
	char *out;

	*err = EINVAL;
	if (in[0] == '@') {
		if (!allow_special || !path_is_special(in))
			return NULL;
		out = talloc_strdup(mem_ctx, in);
	} else if (in[0] == '/') {
		if (!path_is_valid(in))
			return NULL;
		out = talloc_strdup(mem_ctx, in);
	} else {
		if (in[0] == 0 || strlen(in) > XENSTORE_REL_PATH_MAX)
			return NULL;
		out = talloc_asprintf(mem_ctx, "/local/domain/%u/%s", domid,
				      in);
		if (out && !path_is_valid(out)) {
			talloc_free(out);
			return NULL;
		}
	}
	if (!out)
		*err = ENOMEM;
	return out;
}

bool
path_is_child(const char *child, const char *parent)
{
	size_t len;

	if (parent[0] == '/' && parent[1] == 0)
		return child[0] == '/';
	len = strlen(parent);
	return !strncmp(child, parent, len) &&
	       (child[len] == 0 || child[len] == '/');
}

char *
path_parent(TALLOC_CTX *mem_ctx, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return talloc_strdup(mem_ctx, "/");
	return talloc_strndup(mem_ctx, path, slash - path);
}

const char *
path_leaf(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash[1] == 0)
		return path;
	return slash + 1;
}

char *
path_join(TALLOC_CTX *mem_ctx, const char *parent, const char *leaf)
{
	if (parent[0] == '/' && parent[1] == 0)
		return talloc_asprintf(mem_ctx, "/%s", leaf);
	return talloc_asprintf(mem_ctx, "%s/%s", parent, leaf);
}

unsigned int
path_depth(const char *path)
{
	unsigned int n = 0;

	if (path[0] == '/' && path[1] == 0)
		return 0;
	for (; *path; path++)
		if (*path == '/')
			n++;
	return n;
}
