// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * watch.c - watch registration and event matching.
 *
 * Every watch sits in the daemon's index by path (watch_index.c), so a
 * change looks only at the watches on its path, its parents and (for a
 * removal) below it, however many watches the other connections hold.
 * Events are queued as changes happen, which keeps the event order per
 * connection the order of the changes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <talloc.h>
#include "xs_wire_ext.h"

#include "conn.h"
#include "domain.h"
#include "hash.h"
#include "log.h"
#include "node.h"
#include "path.h"
#include "log.h"
#include "watch.h"
#include "watch_index.h"
#include "xsd.h"

/* What a watch costs its domain's memory quota. */
static size_t
watch_mem(const char *path, const char *token)
{
	return sizeof(struct watch) + strlen(path) + strlen(token) + 2;
}

static int
watch_destroy(struct watch *w)
{
	list_del(&w->link);
	watch_index_del(w->conn->xsd, w);
	w->conn->nwatches--;
	if (w->conn->domain->watches)
		w->conn->domain->watches--;
	domain_mem_add(w->conn->domain, -(ssize_t)watch_mem(w->path, w->token));
	return 0;
}

static void
send_event(struct watch *w, const char *path)
{
	size_t plen, tlen;
	char small[256], *buf = small;

	if (w->rel_off && strlen(path) > w->rel_off)
		path += w->rel_off;
	plen = strlen(path) + 1;
	tlen = strlen(w->token) + 1;
	if (plen + tlen > XENSTORE_PAYLOAD_MAX) {
		/* No client could take it (a long path and a long token). */
		trace("%s DROP event over %u bytes\n", w->conn->name,
		      XENSTORE_PAYLOAD_MAX);
		return;
	}
	/* Most events are short: no allocation for them (fan-out). */
	if (plen + tlen > sizeof(small))
		buf = talloc_size(NULL, plen + tlen);
	if (!buf) {
		w->conn->closing = true;	/* a lost event is fatal */
		return;
	}
	memcpy(buf, path, plen);
	memcpy(buf + plen, w->token, tlen);
	conn_queue_event(w->conn, buf, plen + tlen);
	if (buf != small)
		talloc_free(buf);
}

static struct watch *
watch_find(struct conn *c, const char *path, const char *token)
{
	struct watch *w;

	list_for_each(w, &c->watches, link)
		if (!strcmp(w->path, path) && !strcmp(w->token, token))
			return w;
	return NULL;
}

int
watch_add(struct conn *c, const char *path, bool relative, const char *token,
	  int depth)
{
	struct domain *d = c->domain;

	if (watch_find(c, path, token))
		return EEXIST;
	if (!c->privileged &&
	    quota_exceeded(d->quota.hard[Q_WATCHES], d->watches, 1))
		return E2BIG;	/* as upstream */
	if (!c->privileged && domain_mem_check(d, watch_mem(path, token)))
		return ENOMEM;
	return watch_restore(c, path, relative, token, depth);
}

int
watch_restore(struct conn *c, const char *path, bool relative,
	      const char *token, int depth)
{
	struct domain *d = c->domain;
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
	struct watch *w;

	/* One allocation: an idle guest's watches are most of its memory. */
	w = talloc_size(c, sizeof(*w) + plen + tlen);
	if (!w)
		return ENOMEM;
	memset(w, 0, sizeof(*w));
	talloc_set_name_const(w, "struct watch");
	w->conn = c;
	w->path = (char *)(w + 1);
	w->token = w->path + plen;
	memcpy(w->path, path, plen);
	memcpy(w->token, token, tlen);
	w->depth = depth;
	if (relative) {
		/* strip "/local/domain/<domid>/" */
		char base[32];

		w->rel_off = (unsigned int)snprintf(base, sizeof(base),
						    "/local/domain/%u/",
						    c->domid);
	}
	list_init(&w->link);
	if (watch_index_add(c->xsd, w)) {
		talloc_free(w);
		return ENOMEM;
	}
	list_add_tail(&c->watches, &w->link);
	c->nwatches++;
	d->watches++;
	domain_mem_add(d, (ssize_t)watch_mem(path, token));
	talloc_set_destructor(w, watch_destroy);
	return 0;
}

void
watch_fire_initial(struct conn *c, const char *path, const char *token)
{
	struct watch *w = watch_find(c, path, token);

	if (w)
		send_event(w, w->path);
}

int
watch_foreach(struct conn *c, int (*fn)(const struct watch *w, void *arg),
	      void *arg)
{
	struct watch *w;
	int ret;

	list_for_each(w, &c->watches, link) {
		ret = fn(w, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int
watch_remove(struct conn *c, const char *path, const char *token)
{
	struct watch *w = watch_find(c, path, token);

	if (!w)
		return ENOENT;
	talloc_free(w);
	return 0;
}

void
watch_remove_all(struct conn *c)
{
	struct watch *w, *tmp;

	list_for_each_safe(w, tmp, &c->watches, link)
		talloc_free(w);
}

static bool
within_depth(const struct watch *w, const char *path)
{
	if (w->depth == WATCH_NO_DEPTH)
		return true;
	return path_depth(path) - path_depth(w->path) <= (unsigned int)w->depth;
}

static bool
may_see(const struct conn *c, const struct perm *perms, unsigned int nperms)
{
	if (c->privileged || !perms)
		return true;
	return perms_access(perms, nperms, c->domid, c->target) & PERM_READ;
}

static bool
may_see_event(const struct conn *c, const struct watch_event *ev)
{
	unsigned int i;

	if (c->privileged)
		return true;
	for (i = 0; i < 2; i++)
		if (ev->nperms[i] && may_see(c, ev->perms[i], ev->nperms[i]))
			return true;
	return false;
}

/* For a watch below a removed root: the removed node nearest above. */
static const struct node *
removed_above(const struct watch_event *ev, const char *wpath)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];
	const struct node *n;
	char *slash;

	if (strlen(wpath) > XENSTORE_ABS_PATH_MAX)
		return hash_get(ev->removed, ev->path);
	strcpy(buf, wpath);
	for (;;) {
		n = hash_get(ev->removed, buf);
		if (n)
			return n;
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return hash_get(ev->removed, ev->path);
		*slash = 0;
	}
}

static void
fire_one(struct watch *w, bool below, void *arg)
{
	const struct watch_event *ev = arg;
	struct conn *c = w->conn;
	const struct node *n;

	if (c->ignored)
		return;
	if (!below) {
		if (within_depth(w, ev->path) && may_see_event(c, ev))
			send_event(w, ev->path);
	} else {
		n = removed_above(ev, w->path);
		if (!n || may_see(c, n->perms, n->nperms))
			send_event(w, w->path);
	}
}

void
watch_fire(struct xsd *xsd, const struct watch_event *ev)
{
	if (watch_index_match(xsd, ev->path, ev->removed != NULL, fire_one,
			      (void *)ev))
		log_warnx("out of memory: no watch event for %s", ev->path);
}

int
watch_specials_init(struct xsd *xsd)
{
	static const char *const names[XSD_NSPECIAL] = {
		"@introduceDomain", "@releaseDomain",
	};
	unsigned int i;

	for (i = 0; i < XSD_NSPECIAL; i++) {
		struct special_node *sp = &xsd->specials[i];

		sp->path = names[i];
		sp->perms = talloc_zero(xsd, struct perm);	/* n0 */
		if (!sp->perms)
			return ENOMEM;
		sp->nperms = 1;
	}
	return 0;
}

struct special_node *
watch_special(struct xsd *xsd, const char *path)
{
	unsigned int i;

	for (i = 0; i < XSD_NSPECIAL; i++)
		if (xsd->specials[i].path && !strcmp(path, xsd->specials[i].path))
			return &xsd->specials[i];
	return NULL;
}

struct special_event {
	const struct special_node *sp;
	const char *base, *full;
};

static void
fire_special_one(struct watch *w, bool below, void *arg)
{
	const struct special_event *se = arg;
	const struct special_node *sp = se->sp;
	struct conn *c = w->conn;

	(void)below;
	if (c->ignored ||
	    !may_see(c, sp ? sp->perms : NULL, sp ? sp->nperms : 0))
		return;
	/* On base itself, or on base/<domid>. */
	if (!strcmp(w->path, se->base))
		send_event(w, w->depth >= 1 ? se->full : se->base);
	else
		send_event(w, se->full);
}

void
watch_fire_special(struct xsd *xsd, const char *base, unsigned int domid)
{
	char full[64];
	struct special_event se = { watch_special(xsd, base), base, full };

	snprintf(full, sizeof(full), "%s/%u", base, domid);
	if (watch_index_match(xsd, full, false, fire_special_one, &se))
		log_warnx("out of memory: no watch event for %s", full);
}
