/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * txn.h - transactions: a private view of the tree, checked and applied
 * at commit.
 *
 * A transaction belongs to its connection (talloc child, conn->txns).
 * It records every node it touched, with the generation the node had in
 * the committed store at first touch (0: absent), and keeps its own
 * version of every node it changed.  Commit fails with EAGAIN when any
 * touched node has a different generation now; otherwise the changes are
 * applied and the queued watch events fire.
 */
#ifndef XSD_TXN_H
#define XSD_TXN_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>

#include "list.h"
#include "node.h"
#include "watch.h"

struct conn;
struct hash;

struct txn_entry {
	struct list_node link;		/* txn->entries, in first-touch order */
	char *path;
	uint64_t base_gen;		/* committed generation at first touch */
	bool changed;			/* value, perms or existence changed */
	struct node *node;		/* this view; NULL: absent */
	char **children;		/* valid when children_loaded */
	unsigned int nchildren;
	bool children_loaded;
	struct txn_event *change;	/* its queued change event */
	struct txn_event *removal;	/* its queued removal event */
	unsigned int seq;		/* order of first touch */
	bool recreated;			/* removed, then created again */
};

struct txn_event {
	struct list_node link;
	struct watch_event ev;		/* members are talloc children */
};

struct txn {
	struct list_node link;		/* conn->txns */
	struct conn *conn;
	uint32_t id;
	struct hash *index;		/* path -> struct txn_entry */
	struct list_node entries;
	unsigned int nentries;
	unsigned int added;		/* nodes created (for the nodes quota) */
	size_t mem;			/* charged to the domain: all of it */
	uint64_t releases;		/* xsd->releases when it started */
	struct list_node events;	/* struct txn_event, to fire on commit */
};

/* Start a transaction (0, ENOSPC at the limit, ENOMEM). */
int txn_start(struct conn *c, struct txn **out);
struct txn *txn_find(struct conn *c, uint32_t id);
/* Commit (0 or EAGAIN, EIO, ENOMEM) or abort; frees the transaction. */
int txn_end(struct txn *t, bool commit);

/* The view, used by tree.c.  Semantics as the store functions. */
int txn_get(TALLOC_CTX *mem_ctx, struct txn *t, const char *path,
	    struct node **out);
int txn_set(struct txn *t, const struct node *n);
int txn_add(struct txn *t, const struct node *n);
int txn_del(struct txn *t, const char *path);
int txn_children(TALLOC_CTX *mem_ctx, struct txn *t, const char *path,
		 char ***names, unsigned int *num);
/*
 * Queue an event for commit: one change and one removal event per path
 * at most, whatever happens in between; a later change updates the
 * permissions the change event is judged by.  ev->removed is taken
 * over (talloc_steal).
 */
int txn_event(struct txn *t, const struct watch_event *ev);

/* Iteration for the state walker, in list order. */
int txn_foreach(struct conn *c, int (*fn)(struct txn *t, void *arg),
		void *arg);
int txn_entry_foreach(struct txn *t,
		      int (*fn)(const struct txn_entry *e, void *arg),
		      void *arg);
int txn_event_foreach(struct txn *t,
		      int (*fn)(const struct watch_event *ev, void *arg),
		      void *arg);

/* Restoring saved transactions: no quota checks, ids as saved. */
int txn_restore(struct conn *c, uint32_t id, unsigned int added,
		struct txn **out);
/*
 * One saved entry, in first-touch order: n is the view's node (NULL:
 * absent); children (NULL: not loaded) is the transaction's child list.
 */
int txn_restore_entry(struct txn *t, const char *path, uint64_t base_gen,
		      const struct node *n, bool changed, bool recreated,
		      char **children, unsigned int nchildren);

#endif /* XSD_TXN_H */
