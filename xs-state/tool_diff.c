// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_diff.c - "diff": two images compared as sets (tool_model.c), one
 * line "<what>: <text>" per difference.
 *
 * A model holds each kind of thing as an array sorted by what identifies
 * it, so every kind is compared by the same merge, diff_set(): a thing
 * that one image lacks is "only in A" or "only in B", a thing that both
 * have has its fields compared.  Generation counters count only with
 * --generations and descriptors not with --ignore-fds; differences in
 * the header are notes, which count only with --strict.  Pending
 * messages compare one by one, so images of both byte orders can be
 * equal.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "tool.h"

struct differ {
	struct diff_opts opt;
	bool notes;			/* report() makes notes */
	bool a_big_endian, b_big_endian;	/* of pending messages */
	unsigned long ndiff;		/* differences that count */
	TALLOC_CTX *tmp;		/* scratch for formatted values */
};

/* One line: "<what>: <text>".  Notes do not count unless --strict. */
static void
report(struct differ *d, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
report(struct differ *d, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!d->notes || d->opt.strict)
		d->ndiff++;
}

/* -- comparing fields ----------------------------------------------- */

static void
diff_u64(struct differ *d, const char *what, const char *field,
	 uint64_t a, uint64_t b)
{
	if (a != b)
		report(d, what, "%s %" PRIu64 " -> %" PRIu64, field, a, b);
}

static void
diff_hex(struct differ *d, const char *what, const char *field,
	 uint64_t a, uint64_t b)
{
	if (a != b)
		report(d, what, "%s 0x%" PRIx64 " -> 0x%" PRIx64, field, a, b);
}

static void
diff_fd(struct differ *d, const char *what, const char *field,
	int32_t a, int32_t b)
{
	if (a != b && !d->opt.ignore_fds)
		report(d, what, "%s %" PRId32 " -> %" PRId32, field, a, b);
}

/* A number that has a "none" value, e.g. depth or target. */
static void
diff_opt(struct differ *d, const char *what, const char *field,
	 uint32_t a, uint32_t b, uint32_t none, const char *word)
{
	char sa[16], sb[16];

	if (a == b)
		return;
	snprintf(sa, sizeof(sa), "%" PRIu32, a);
	snprintf(sb, sizeof(sb), "%" PRIu32, b);
	report(d, what, "%s %s -> %s", field, a == none ? word : sa,
	       b == none ? word : sb);
}

static void
diff_flags(struct differ *d, const char *what, uint32_t a, uint32_t b,
	   const struct flag_name *names)
{
	if (a != b)
		report(d, what, "flags %s -> %s",
		       fmt_flags(d->tmp, a, names),
		       fmt_flags(d->tmp, b, names));
}

static bool
perms_equal(const struct xss_perms *a, const struct xss_perms *b)
{
	return a->num == b->num &&
	       (!a->num || !memcmp(a->p, b->p, a->num * sizeof(*a->p)));
}

static void
diff_perms(struct differ *d, const char *what, const char *field,
	   const struct xss_perms *a, const struct xss_perms *b)
{
	if (!perms_equal(a, b))
		report(d, what, "%s %s -> %s", field,
		       fmt_perms(d->tmp, a), fmt_perms(d->tmp, b));
}

static void
diff_value(struct differ *d, const char *what, const char *field,
	   const void *a, uint32_t alen, const void *b, uint32_t blen)
{
	if (alen != blen || (alen && memcmp(a, b, alen)))
		report(d, what, "%s %s -> %s", field,
		       fmt_bytes(d->tmp, a, alen), fmt_bytes(d->tmp, b, blen));
}

static void
only_in(struct differ *d, const char *what, bool in_a)
{
	report(d, what, "only in %s", in_a ? "A" : "B");
}

/* -- the merge of two sorted sets ----------------------------------- */

/* A kind of element that a model keeps in a sorted array. */
struct diff_set {
	size_t size;					/* of an element */
	int (*cmp)(const void *a, const void *b);	/* the model's order */
	/* The <what> of lines about an element; owner: its container's. */
	const char *(*what)(struct differ *d, const char *owner,
			    const void *e);
	/* The fields of an element that both images have. */
	void (*diff)(struct differ *d, const char *what, const void *a,
		     const void *b);
};

/*
 * Walk both arrays in their common order: an element that one lacks is
 * a line, one in both goes to set->diff().  owner is passed to
 * set->what().  d->tmp is a fresh scratch context for each element,
 * freed after it, so sets nested in the element (a transaction's nodes)
 * get scratch of their own below it.
 */
static void
diff_set(struct differ *d, const struct diff_set *set, const char *owner,
	 const void *a, size_t na, const void *b, size_t nb)
{
	const char *pa = a, *pb = b;
	TALLOC_CTX *outer = d->tmp;
	size_t i = 0, j = 0;

	while (i < na || j < nb) {
		const void *ea = i < na ? pa + i * set->size : NULL;
		const void *eb = j < nb ? pb + j * set->size : NULL;
		int r = !ea ? 1 : !eb ? -1 : set->cmp(ea, eb);
		TALLOC_CTX *tmp = talloc_new(outer);
		const char *what;

		d->tmp = tmp ? tmp : outer;
		what = set->what(d, owner, r > 0 ? eb : ea);
		if (r)
			only_in(d, what, r < 0);
		else
			set->diff(d, what, ea, eb);
		d->tmp = outer;
		talloc_free(tmp);
		i += r <= 0;
		j += r >= 0;
	}
}

/* -- quota, special permissions and nodes --------------------------- */

static const char *
quota_entry_what(struct differ *d, const char *owner, const void *e)
{
	uint32_t id = ((const struct xss_quota_entry *)e)->id;
	const char *name = xss_quota_name(id);

	if (name)
		return talloc_asprintf(d->tmp, "%s %s", owner, name);
	return talloc_asprintf(d->tmp, "%s id %" PRIu32, owner, id);
}

static void
diff_quota_entry(struct differ *d, const char *what, const void *pa,
		 const void *pb)
{
	const struct xss_quota_entry *a = pa, *b = pb;

	diff_u64(d, what, "hard", a->hard, b->hard);
	diff_u64(d, what, "soft", a->soft, b->soft);
}

static const struct diff_set quota_entries = {
	.size = sizeof(struct xss_quota_entry),
	.cmp = quota_entry_cmp,
	.what = quota_entry_what,
	.diff = diff_quota_entry,
};

/* The quota of owner ("defaults", a domain) by id; NULL: none. */
static void
diff_quota(struct differ *d, const char *owner, const struct xss_quota *a,
	   const struct xss_quota *b)
{
	const char *what = talloc_asprintf(d->tmp, "quota %s", owner);

	if (!a || !b) {
		if (a || b)
			only_in(d, what, a != NULL);
		return;
	}
	diff_set(d, &quota_entries, what, a->e, a->num, b->e, b->num);
}

static const char *
special_what(struct differ *d, const char *owner, const void *e)
{
	(void)owner;
	return talloc_asprintf(d->tmp, "special %s",
			       ((const struct xss_special *)e)->path);
}

static void
diff_special(struct differ *d, const char *what, const void *pa,
	     const void *pb)
{
	const struct xss_special *a = pa, *b = pb;

	diff_perms(d, what, "perms", &a->perms, &b->perms);
}

static const struct diff_set specials = {
	.size = sizeof(struct xss_special),
	.cmp = special_cmp,
	.what = special_what,
	.diff = diff_special,
};

static const char *
node_what(struct differ *d, const char *owner, const void *e)
{
	(void)owner;
	return talloc_asprintf(d->tmp, "node %s",
			       ((const struct xss_node *)e)->path);
}

static void
diff_node(struct differ *d, const char *what, const void *pa,
	  const void *pb)
{
	const struct xss_node *a = pa, *b = pb;

	diff_value(d, what, "value", a->value, a->len, b->value, b->len);
	diff_perms(d, what, "perms", &a->perms, &b->perms);
	if (d->opt.generations)
		diff_u64(d, what, "gen", a->gen, b->gen);
}

static const struct diff_set nodes = {
	.size = sizeof(struct xss_node),
	.cmp = node_cmp,
	.what = node_what,
	.diff = diff_node,
};

/* -- watches and transactions of a connection ----------------------- */

static const char *
watch_what(struct differ *d, const char *owner, const void *e)
{
	const struct xss_watch *w = e;

	return talloc_asprintf(d->tmp, "watch %s %s %s", owner, w->path,
			       fmt_str(d->tmp, w->token));
}

static void
diff_watch(struct differ *d, const char *what, const void *pa,
	   const void *pb)
{
	const struct xss_watch *a = pa, *b = pb;

	diff_opt(d, what, "depth", a->depth, b->depth, XSS_WATCH_NO_DEPTH,
		 "unlimited");
	diff_flags(d, what, a->flags, b->flags, watch_flags);
}

static const struct diff_set watches = {
	.size = sizeof(struct xss_watch),
	.cmp = watch_cmp,
	.what = watch_what,
	.diff = diff_watch,
};

static const char *
tnode_what(struct differ *d, const char *owner, const void *e)
{
	return talloc_asprintf(d->tmp, "%s node %s", owner,
			       ((const struct xss_txn_node *)e)->path);
}

static void
diff_tnode(struct differ *d, const char *what, const void *pa,
	   const void *pb)
{
	const struct xss_txn_node *a = pa, *b = pb;

	diff_flags(d, what, a->flags, b->flags, tnode_flags);
	diff_perms(d, what, "perms", &a->perms, &b->perms);
	diff_value(d, what, "value", a->value, a->len, b->value, b->len);
	if (a->children_len != b->children_len ||
	    memcmp(a->children, b->children, a->children_len) ||
	    (a->flags & XSS_TNODE_CHILDREN) != (b->flags & XSS_TNODE_CHILDREN))
		report(d, what, "children %s -> %s",
		       fmt_tnode_children(d->tmp, a),
		       fmt_tnode_children(d->tmp, b));
	/* Whether the node existed at first touch is not a generation. */
	if (d->opt.generations || !a->base_gen != !b->base_gen)
		diff_u64(d, what, "base_gen", a->base_gen, b->base_gen);
	if (d->opt.generations)
		diff_u64(d, what, "gen", a->gen, b->gen);
}

static const struct diff_set tnodes = {
	.size = sizeof(struct xss_txn_node),
	.cmp = tnode_cmp,
	.what = tnode_what,
	.diff = diff_tnode,
};

static const char *
removed_what(struct differ *d, const char *owner, const void *e)
{
	return talloc_asprintf(d->tmp, "%s removed %s", owner,
			       ((const struct xss_removed *)e)->path);
}

static void
diff_removed(struct differ *d, const char *what, const void *pa,
	     const void *pb)
{
	const struct xss_removed *a = pa, *b = pb;

	diff_perms(d, what, "perms", &a->perms, &b->perms);
}

static const struct diff_set removed = {
	.size = sizeof(struct xss_removed),
	.cmp = removed_cmp,
	.what = removed_what,
	.diff = diff_removed,
};

static const char *
tevent_what(struct differ *d, const char *owner, const void *e)
{
	const struct xss_txn_event *te = e;

	return talloc_asprintf(d->tmp, "%s %s %s", owner,
			       te->flags & XSS_TEVENT_REMOVAL ? "removal" :
			       "event", te->path);
}

static void
diff_tevent(struct differ *d, const char *what, const void *pa,
	    const void *pb)
{
	const struct xss_txn_event *a = pa, *b = pb;

	diff_flags(d, what, a->flags, b->flags, tevent_flags);
	diff_perms(d, what, "before", &a->before, &b->before);
	diff_perms(d, what, "after", &a->after, &b->after);
	diff_set(d, &removed, what, a->removed, a->nremoved, b->removed,
		 b->nremoved);
}

static const struct diff_set tevents = {
	.size = sizeof(struct xss_txn_event),
	.cmp = tevent_cmp,
	.what = tevent_what,
	.diff = diff_tevent,
};

/* Transactions: arrays of pointers, so e points to a pointer. */
static const char *
txn_what(struct differ *d, const char *owner, const void *e)
{
	return talloc_asprintf(d->tmp, "txn %s %" PRIu32, owner,
			       (*(struct m_txn *const *)e)->t.tx_id);
}

static void
diff_txn(struct differ *d, const char *what, const void *pa,
	 const void *pb)
{
	const struct m_txn *a = *(struct m_txn *const *)pa;
	const struct m_txn *b = *(struct m_txn *const *)pb;

	diff_u64(d, what, "added", a->t.added, b->t.added);
	diff_set(d, &tnodes, what, a->nodes, a->nnodes, b->nodes, b->nnodes);
	diff_set(d, &tevents, what, a->events, a->nevents, b->events,
		 b->nevents);
}

static const struct diff_set txns = {
	.size = sizeof(struct m_txn *),
	.cmp = txn_cmp,
	.what = txn_what,
	.diff = diff_txn,
};

/*
 * Pending input or output, message by message (so that images of both
 * byte orders compare); an absent record and an empty one are the same.
 * One line: the counts and the first message that differs.
 */
static void
diff_buffer(struct differ *d, const char *what, const struct xss_buffer *a,
	    const struct xss_buffer *b)
{
	static const uint8_t none[1];
	const uint8_t *pa = a->data ? a->data : none;
	const uint8_t *pb = b->data ? b->data : none;
	uint32_t oa = 0, ob = 0, na, nb, i;
	struct wire_msg ma, mb;

	for (i = 1;; i++) {
		na = wire_next(pa + oa, a->len - oa, d->a_big_endian, &ma);
		nb = wire_next(pb + ob, b->len - ob, d->b_big_endian, &mb);
		if (!na && !nb)
			return;
		if (!na || !nb || !wire_equal(&ma, &mb))
			break;
		oa += na;
		ob += nb;
	}
	report(d, what, "messages %" PRIu32 " -> %" PRIu32 ", #%" PRIu32
	       ": %s -> %s", wire_count(a, d->a_big_endian),
	       wire_count(b, d->b_big_endian), i,
	       na ? fmt_wire(d->tmp, &ma) : "none",
	       nb ? fmt_wire(d->tmp, &mb) : "none");
}

/* The rest of a partly sent message: raw octets, no framing to follow. */
static void
diff_bytes_of(struct differ *d, const char *what, const struct xss_buffer *a,
	      const struct xss_buffer *b)
{
	if (a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len)))
		return;
	report(d, what, "%" PRIu32 " -> %" PRIu32 " octets%s", a->len, b->len,
	       a->len == b->len ? ", contents differ" : "");
}

/* -- connections and the whole image -------------------------------- */

/* "dom5" or "sock3"; e points to a pointer. */
static const char *
conn_what(struct differ *d, const char *owner, const void *e)
{
	const struct m_conn *c = *(struct m_conn *const *)e;

	(void)owner;
	return talloc_asprintf(d->tmp, c->is_domain ? "dom%" PRIu32 :
			       "sock%" PRIu32, c->key);
}

static void
diff_conn(struct differ *d, const char *cname, const void *pa,
	  const void *pb)
{
	const struct m_conn *a = *(struct m_conn *const *)pa;
	const struct m_conn *b = *(struct m_conn *const *)pb;

	if (a->is_domain) {
		const struct xss_domain *da = &a->dom, *db = &b->dom;

		diff_u64(d, cname, "conn_id", da->conn_id, db->conn_id);
		diff_flags(d, cname, da->flags, db->flags, dom_flags);
		diff_hex(d, cname, "features", da->features, db->features);
		diff_hex(d, cname, "gfn", da->gfn, db->gfn);
		diff_u64(d, cname, "remote_port", da->remote_port,
			 db->remote_port);
		diff_u64(d, cname, "local_port", da->local_port,
			 db->local_port);
		diff_opt(d, cname, "target", da->target, db->target,
			 XSS_NO_TARGET, "none");
		diff_u64(d, cname, "next_txid", da->next_txid, db->next_txid);
		diff_fd(d, cname, "evtchn_fd", da->evtchn_fd, db->evtchn_fd);
		diff_fd(d, cname, "page_fd", da->page_fd, db->page_fd);
		diff_quota(d, cname, a->quota, b->quota);
	} else {
		diff_fd(d, cname, "fd", a->sock.fd, b->sock.fd);
		diff_flags(d, cname, a->sock.flags, b->sock.flags,
			   sock_flags);
		diff_u64(d, cname, "next_txid", a->sock.next_txid,
			 b->sock.next_txid);
	}
	diff_set(d, &watches, cname, a->watches, a->nwatches, b->watches,
		 b->nwatches);
	diff_set(d, &txns, cname, a->txns, a->ntxns, b->txns, b->ntxns);
	diff_buffer(d, talloc_asprintf(d->tmp, "input %s", cname), &a->input,
		    &b->input);
	diff_bytes_of(d, talloc_asprintf(d->tmp, "partial output %s", cname),
		      &a->partial, &b->partial);
	diff_buffer(d, talloc_asprintf(d->tmp, "output %s", cname),
		    &a->output, &b->output);
}

static const struct diff_set conns = {
	.size = sizeof(struct m_conn *),
	.cmp = conn_cmp,
	.what = conn_what,
	.diff = diff_conn,
};

/* Differences in the header are notes: they count only with --strict. */
static void
diff_header(struct differ *d, const struct xss_header *a,
	    const struct xss_header *b)
{
	d->notes = true;
	diff_u64(d, "header", "version", a->version, b->version);
	if (a->big_endian != b->big_endian)
		report(d, "header", "byte-order %s -> %s",
		       order_name(a->big_endian), order_name(b->big_endian));
	if (a->kind != b->kind)
		report(d, "header", "kind %s -> %s", xss_kind_name(a->kind),
		       xss_kind_name(b->kind));
	diff_opt(d, "header", "domid", a->domid, b->domid, XSS_NO_DOMID,
		 "none");
	if (strcmp(a->producer, b->producer))
		report(d, "header", "producer %s -> %s",
		       fmt_str(d->tmp, a->producer),
		       fmt_str(d->tmp, b->producer));
	d->notes = false;
}

static void
diff_global(struct differ *d, const struct model *a, const struct model *b)
{
	const struct xss_global *ga = &a->global, *gb = &b->global;

	if (a->have_global != b->have_global) {
		only_in(d, "global", a->have_global);
		return;
	}
	if (!a->have_global)
		return;
	/* Counters that every new node or connection moves. */
	if (d->opt.generations) {
		diff_u64(d, "global", "generation", ga->generation,
			 gb->generation);
		diff_u64(d, "global", "next_conn_id", ga->next_conn_id,
			 gb->next_conn_id);
	}
	diff_fd(d, "global", "socket_fd", ga->socket_fd, gb->socket_fd);
	if (ga->backend != gb->backend)
		report(d, "global", "backend %s -> %s",
		       backend_name(ga->backend) ? backend_name(ga->backend) :
		       "unknown", backend_name(gb->backend) ?
		       backend_name(gb->backend) : "unknown");
	diff_fd(d, "global", "backend_fd", ga->backend_fd, gb->backend_fd);
}

static void
diff_models(struct differ *d, const struct model *a, const struct model *b)
{
	d->a_big_endian = a->hdr.big_endian;
	d->b_big_endian = b->hdr.big_endian;
	diff_header(d, &a->hdr, &b->hdr);
	diff_global(d, a, b);
	diff_quota(d, "defaults", a->defaults, b->defaults);
	diff_set(d, &specials, NULL, a->specials, a->nspecials, b->specials,
		 b->nspecials);
	diff_set(d, &nodes, NULL, a->nodes, a->nnodes, b->nodes, b->nnodes);
	diff_set(d, &conns, NULL, a->conns, a->nconns, b->conns, b->nconns);
}

int
diff_images(TALLOC_CTX *ctx, const struct diff_opts *opts, const char *a,
	    const char *b)
{
	struct differ d = { .opt = *opts };
	struct model *ma, *mb;

	ma = model_open(ctx, a);
	if (!ma)
		return EXIT_USAGE;
	mb = model_open(ctx, b);
	if (!mb)
		return EXIT_USAGE;
	d.tmp = talloc_new(ctx);
	if (!d.tmp) {
		tool_warnx("out of memory");
		return EXIT_USAGE;
	}
	diff_models(&d, ma, mb);
	if (finish_stdout())
		return EXIT_USAGE;
	return d.ndiff ? EXIT_BAD : 0;
}
