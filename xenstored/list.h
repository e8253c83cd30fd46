/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * list.h - intrusive doubly linked lists (a circular list with a head).
 *
 * An object that sits on a list embeds a struct list_node; the head is a
 * struct list_node of its own.  Removing a node leaves it self-linked, so
 * removing twice (say, from a talloc destructor after an explicit unlink)
 * is harmless.
 */
#ifndef XSD_LIST_H
#define XSD_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_node *h)
{
	h->next = h->prev = h;
}

static inline bool list_empty(const struct list_node *h)
{
	return h->next == h;
}

static inline void list_add_tail(struct list_node *h, struct list_node *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

#define list_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Iterate over entries; safe against removal of the current entry. */
#define list_for_each_safe(pos, tmp, head, member)                        \
	for (pos = list_entry((head)->next, __typeof__(*pos), member),     \
	    tmp = list_entry(pos->member.next, __typeof__(*pos), member);  \
	     &pos->member != (head);                                       \
	     pos = tmp, tmp = list_entry(tmp->member.next, __typeof__(*pos), \
					 member))

#define list_for_each(pos, head, member)                               \
	for (pos = list_entry((head)->next, __typeof__(*pos), member);  \
	     &pos->member != (head);                                    \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

#endif /* XSD_LIST_H */
