/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * path.h - xenstore path syntax: validation, canonical form, relations.
 *
 * Rules from docs/misc/xenstore.txt: characters [A-Za-z0-9-/_@], absolute
 * paths start with '/', no doubled or trailing '/' (except the root "/"),
 * at most XENSTORE_ABS_PATH_MAX bytes absolute; relative paths are taken
 * below /local/domain/<domid> and are at most XENSTORE_REL_PATH_MAX bytes.
 * Special watch paths start with '@'.
 */
#ifndef XSD_PATH_H
#define XSD_PATH_H

#include <stdbool.h>
#include <talloc.h>

/* True for a syntactically valid absolute node path. */
bool path_is_valid(const char *path);
/* True for "@name" or "@name/..." with valid characters. */
bool path_is_special(const char *path);

/*
 * Turn a client-supplied path into an absolute one for domain domid.
 * Special paths (allow_special) are returned unchanged.  Returns NULL
 * with *err set to EINVAL (bad syntax or too long) or ENOMEM.
 */
char *path_canonical(TALLOC_CTX *mem_ctx, unsigned int domid,
		     const char *in, bool allow_special, int *err);

/* "/local/domain/<domid>" */
char *path_domain(TALLOC_CTX *mem_ctx, unsigned int domid);

/* True if child is parent itself or lies below it. */
bool path_is_child(const char *child, const char *parent);

/* Parent of a non-root absolute path ("/a/b" -> "/a", "/a" -> "/"). */
char *path_parent(TALLOC_CTX *mem_ctx, const char *path);
/* Last component ("/a/b" -> "b"); "/" for the root. */
const char *path_leaf(const char *path);
/* parent + "/" + leaf, minding the root. */
char *path_join(TALLOC_CTX *mem_ctx, const char *parent, const char *leaf);
/* Number of components: "/" 0, "/a" 1, "/a/b" 2. */
unsigned int path_depth(const char *path);

#endif /* XSD_PATH_H */
