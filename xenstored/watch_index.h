/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch_index.h - every watch of the daemon indexed by its path, so that
 * a change reaches the watches it matches without looking at the others.
 *
 * The index is a tree of the watched paths and their parents (a node
 * exists while a watch sits on it or below it), with a hash from path to
 * node.  An event on a path finds its deepest indexed ancestor with a
 * few lookups and walks up the parent links from there; a removal also
 * walks the indexed subtree below it.  Special paths ("@name/...") form
 * trees of their own.  The index exists only while some watch does, so
 * an idle daemon holds none of it.
 */
#ifndef XSD_WATCH_INDEX_H
#define XSD_WATCH_INDEX_H

#include <stdbool.h>

struct watch;
struct xsd;

/* Index w under w->path.  0 or ENOMEM. */
int watch_index_add(struct xsd *xsd, struct watch *w);
/* Take w out (no-op if it is not in). */
void watch_index_del(struct xsd *xsd, struct watch *w);

/*
 * Call fn for the watches an event on path may reach, in the order they
 * were set: the watches on path and on its parents (below false) and,
 * with subtree, the watches strictly below path (below true).  fn must
 * not add or remove watches.  0 or ENOMEM.
 */
typedef void watch_index_fn(struct watch *w, bool below, void *arg);
int watch_index_match(struct xsd *xsd, const char *path, bool subtree,
		      watch_index_fn *fn, void *arg);

/* Distinct paths indexed (the watched ones and their parents). */
unsigned int watch_index_paths(const struct xsd *xsd);

#endif /* XSD_WATCH_INDEX_H */
