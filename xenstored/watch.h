/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch.h - watches: registration and matching of change events.
 *
 * A watch belongs to its connection (talloc child, on conn->watches).
 * An event names a changed path.  It matches a watch whose path is that
 * path or one of its parents, within the watch's depth if one was given.
 * A recursive removal also matches every watch below the removed node;
 * those get their own watch path as the event path.  Watches set with a
 * relative path get relative event paths.
 */
#ifndef XSD_WATCH_H
#define XSD_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "list.h"
#include "perms.h"

struct conn;
struct xsd;

#define WATCH_NO_DEPTH (-1)

struct watch {
	struct list_node link;		/* conn->watches */
	struct conn *conn;
	char *path;			/* absolute, or special "@..." */
	char *token;			/* path and token live after the struct */
	unsigned int rel_off;		/* bytes to strip for a relative watch */
	int depth;			/* WATCH_NO_DEPTH or >= 0 */
	/* In the daemon's index of watches by path (watch_index.c): */
	struct list_node index_link;
	struct watch_node *index_node;
	uint64_t seq;			/* order of setting, daemon-wide */
};

/*
 * Add a watch (path already canonical; relative: the client sent a
 * relative path).  0, EEXIST, E2BIG (quota), ENOMEM.
 */
int watch_add(struct conn *c, const char *path, bool relative,
	      const char *token, int depth);
/* Queue the event a new watch fires at once. */
void watch_fire_initial(struct conn *c, const char *path, const char *token);
/* Remove the watch with this path and token.  0 or ENOENT. */
int watch_remove(struct conn *c, const char *path, const char *token);
void watch_remove_all(struct conn *c);

struct hash;

/*
 * A change to report.  An unprivileged connection hears of it when one
 * of the permission sets lets it read the node (the node's permissions
 * before and after the change; an unused set has nperms 0).  For the
 * removal of a subtree, removed maps every removed path (the root
 * included) to its node: a watch below the root is judged by the
 * permissions of the removed node nearest above it.
 */
struct watch_event {
	const char *path;
	const struct perm *perms[2];
	unsigned int nperms[2];
	struct hash *removed;		/* NULL unless a removal */
};

void watch_fire(struct xsd *xsd, const struct watch_event *ev);

/*
 * Special events: base is "@introduceDomain" or "@releaseDomain".
 * Watches on base get base (or base/<domid> with depth 1), watches on
 * base/<domid> get that.  Only privileged connections and domains the
 * special node's permissions let read hear of them.
 */
void watch_fire_special(struct xsd *xsd, const char *base,
			unsigned int domid);

/* Visit a connection's watches in the order they were set. */
int watch_foreach(struct conn *c, int (*fn)(const struct watch *w, void *arg),
		  void *arg);
/* Restore a saved watch: no initial event, no quota. */
int watch_restore(struct conn *c, const char *path, bool relative,
		  const char *token, int depth);

/* The special nodes' permissions: set up, find by path (NULL if none). */
int watch_specials_init(struct xsd *xsd);
struct special_node *watch_special(struct xsd *xsd, const char *path);

#endif /* XSD_WATCH_H */
