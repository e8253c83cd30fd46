// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state_restore.c - the restorer: an xs-state image back into daemon
 * state, through the library's reader (which alone knows the bytes).
 *
 * Check first, apply second: the whole image is read and verified
 * before anything changes; then it is read again and each record handed
 * to the module that owns what it describes.
 *
 * Two modes.  A debug dump comes back detached: connections keep their
 * watches, transactions and buffers and move no bytes.  A live update
 * takes over every descriptor the image names (they were inherited
 * across exec): the listening socket, the backend's, each client
 * socket, each domain's event channel and ring page.  Nothing here
 * closes an inherited descriptor when it fails: the caller hands them
 * all back to the previous binary.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>

#include "xs_state.h"

#include "backend.h"
#include "conn.h"
#include "conn_ring.h"
#include "domain.h"
#include "hash.h"
#include "node.h"
#include "path.h"
#include "perms.h"
#include "quota.h"
#include "state.h"
#include "store.h"
#include "tree.h"
#include "log.h"
#include "txn.h"
#include "watch.h"
#include "xsd.h"

struct restore {
	struct xsd *xsd;
	enum restore_mode mode;
	struct state_lu *lu;		/* RESTORE_LIVE: its LIVE_UPDATE */
	TALLOC_CTX *lu_ctx;
	TALLOC_CTX *tmp;		/* freed per record */
	struct conn *conn;		/* of the group started last */
	struct txn *txn;		/* started last in that group */
	struct store_bulk *bulk;	/* while NODE_DATA records come */
	int store_fd;			/* STORE_FD's, or -1 */
	struct hash *gens;		/* import: path -> struct gen_map */
	struct hash *txn_paths;		/* import: the paths transactions name */
	unsigned int domid;		/* import: the domain, as relocated */
	const char *home;		/* import: its home */
	unsigned int reowned;		/* import: nodes made its own */
	unsigned int dropped;		/* import: transaction events */
	char *dropped_path;		/* ... the first one's path */
	TALLOC_CTX *bulk_ctx;
	bool nodes_done;
	uint64_t generation;
	char *err;
};

static struct perm *
perms_in(TALLOC_CTX *mem_ctx, const struct xss_perms *in)
{
	struct perm *p = talloc_array(mem_ctx, struct perm,
				      in->num ? in->num : 1);
	uint32_t i;

	for (i = 0; p && i < in->num; i++) {
		p[i].id = in->p[i].domid;
		p[i].access = in->p[i].access;
	}
	return p;
}

static void
quota_in(struct quota_set *q, const struct xss_quota *rec)
{
	uint32_t i;
	unsigned int k;

	for (i = 0; i < rec->num; i++) {
		for (k = 0; k < Q_N; k++) {
			if (state_quota_id(k) != rec->e[i].id)
				continue;
			q->hard[k] = rec->e[i].hard;
			q->soft[k] = rec->e[i].soft;
		}
	}
}

static int
restore_quota(struct restore *rs, const struct xss_quota *rec)
{
	struct domain *d;

	if (rec->domid == XSS_NO_DOMID) {
		quota_in(&rs->xsd->quota, rec);
		return 0;
	}
	d = domain_get(rs->xsd, rec->domid, true);
	if (!d)
		return ENOMEM;
	quota_in(&d->quota, rec);
	return 0;
}

static int
restore_special(struct restore *rs, const struct xss_special *rec)
{
	struct special_node *sp = watch_special(rs->xsd, rec->path);
	struct perm *p;

	if (!sp) {
		rs->err = talloc_asprintf(rs->tmp, "unknown special path %s",
					  rec->path);
		return EINVAL;
	}
	p = perms_in(rs->xsd, &rec->perms);
	if (!p)
		return ENOMEM;
	talloc_free(sp->perms);
	sp->perms = p;
	sp->nperms = rec->perms.num;
	return 0;
}

/*
 * Migration: a node of the imported home that the image says another
 * domain owns becomes the imported domain's.  That domid is one of the
 * source host; here it is another domain or none, which would be
 * charged for (and could change) the node.  dom0 keeps its nodes: the
 * toolstack's.  Entries that name the new owner again go (it has every
 * right).
 */
static bool
reown(const struct restore *rs, const char *path, struct perm *p,
      unsigned int *num)
{
	unsigned int i, j = 1;

	if (!*num || p[0].id == rs->domid || p[0].id == 0 ||
	    !path_is_child(path, rs->home))
		return false;
	p[0].id = rs->domid;
	for (i = 1; i < *num; i++)
		if (p[i].id != rs->domid)
			p[j++] = p[i];
	*num = j;
	return true;
}

/*
 * Migration: a node gets a new generation here; what it had at the
 * source is kept to translate the transactions' base generations.
 */
struct gen_map {
	uint64_t src, dst;
};

static int
import_node(struct restore *rs, const struct node *n)
{
	struct store *s = rs->xsd->store;
	struct node copy = *n;
	struct gen_map *g;
	int ret;

	if (!rs->bulk) {
		/* The home: linked below /local/domain, the rest in bulk. */
		ret = store_add(s, n);
		if (!ret) {
			copy.gen = store_gen(s, n->path);
			rs->bulk = store_bulk_begin_at(rs->bulk_ctx, s,
						       n->path);
			if (!rs->bulk)
				ret = ENOMEM;
		}
	} else {
		copy.gen = store_new_gen(s);
		ret = store_bulk_add(rs->bulk, &copy);
	}
	/* Only transactions ask what became of a generation. */
	if (ret || !hash_get(rs->txn_paths, n->path))
		return ret;
	g = talloc(rs->gens, struct gen_map);
	if (!g)
		return ENOMEM;
	g->src = n->gen;
	g->dst = copy.gen;
	return hash_put(rs->gens, talloc_strdup(g, n->path), g);
}

/*
 * A transaction's base generation, translated: the node's new one when
 * the transaction saw the version exported, 0 (absent) as it was, and
 * otherwise one no node has, so that committing fails with EAGAIN as it
 * would have at the source.
 */
static uint64_t
import_gen(const struct restore *rs, const char *path, uint64_t gen)
{
	const struct gen_map *g;

	if (rs->mode != RESTORE_IMPORT || !gen)
		return gen;
	g = hash_get(rs->gens, path);
	return g && g->src == gen ? g->dst : UINT64_MAX;
}

static int
restore_node(struct restore *rs, const struct xss_node *rec)
{
	struct node n = {
		.path = (char *)rec->path,
		.gen = rec->gen,
		.perms = perms_in(rs->tmp, &rec->perms),
		.nperms = rec->perms.num,
		.value = (uint8_t *)rec->value,
		.len = rec->len,
	};

	if (!n.perms)
		return ENOMEM;
	if (rs->mode == RESTORE_IMPORT) {
		if (reown(rs, n.path, n.perms, &n.nperms))
			rs->reowned++;
		return import_node(rs, &n);
	}
	return rs->bulk ? store_bulk_add(rs->bulk, &n)
			: store_restore_node(rs->xsd->store, &n);
}

/*
 * An imported domain waits for its INTRODUCE with a detached connection
 * that holds what the import brought (conn_id 0: a new id).
 */
static int
imported_conn(struct restore *rs, struct domain *d,
	      const struct xss_domain *rec, uint32_t conn_id)
{
	struct conn *c = conn_new_detached(rs->xsd, true, rec->domid,
					   conn_id);

	if (!c)
		return ENOMEM;
	c->privileged = false;
	c->next_txid = rec->next_txid;
	c->target = d->target;
	d->conn = c;
	d->imported = true;
	rs->conn = c;
	return 0;
}

static int
restore_domain(struct restore *rs, const struct xss_domain *rec)
{
	struct domain *d = domain_get(rs->xsd, rec->domid, true);
	struct conn *c;

	rs->conn = NULL;
	rs->txn = NULL;
	if (!d)
		return ENOMEM;
	d->features = rec->features;
	d->features_set = rec->flags & XSS_DOM_FEATURES_SET;
	d->shutdown_reported = rec->flags & XSS_DOM_SHUTDOWN_REPORTED;
	d->target = rec->target == XSS_NO_TARGET ? PERM_NO_TARGET
						  : rec->target;
	d->gfn = rec->gfn;
	d->remote_port = rec->remote_port;
	d->introduced = rec->flags & XSS_DOM_INTRODUCED;
	if (rs->mode == RESTORE_IMPORT) {
		/* Here, the domain comes with its INTRODUCE. */
		d->introduced = false;
		d->shutdown_reported = false;
		d->remote_port = 0;
		/*
		 * The target is a domid of the source host: here it names
		 * whatever domain has that number.  The toolstack that
		 * set it there sets it again (SET_TARGET) once it knows
		 * the domain it means here.
		 */
		if (d->target != PERM_NO_TARGET)
			log_info("domain %u imported: its target %u dropped "
				 "(domids are per host: SET_TARGET sets it "
				 "again)", rec->domid, d->target);
		d->target = PERM_NO_TARGET;
		return imported_conn(rs, d, rec, 0);
	}
	/* Imported before a live update, its INTRODUCE still to come. */
	if (rec->flags & XSS_DOM_IMPORTED)
		return imported_conn(rs, d, rec, rec->conn_id);
	if (domain_set_port(d, rec->local_port))
		return ENOMEM;
	if (!(rec->flags & XSS_DOM_CONNECTION))
		return 0;
	if (rs->mode == RESTORE_LIVE) {
		struct backend *b = rs->xsd->backend;
		int ret;

		if (!b || !b->ops->restore_domain) {
			rs->err = talloc_strdup(rs->tmp, "no backend to serve "
						"the domain");
			return EINVAL;
		}
		ret = b->ops->restore_domain(b, rec->domid, rec->gfn,
					     rec->remote_port, rec->local_port,
					     rec->evtchn_fd, rec->page_fd,
					     &d->page);
		if (ret) {
			rs->err = talloc_asprintf(rs->tmp, "domain %u: event "
				"channel fd %d, page fd %d: %s", rec->domid,
				rec->evtchn_fd, rec->page_fd, strerror(ret));
			return ret;
		}
		c = conn_ring_restore(rs->xsd, d, rec->conn_id);
	} else {
		c = conn_new_detached(rs->xsd, true, rec->domid,
				      rec->conn_id);
	}
	if (!c)
		return ENOMEM;
	c->privileged = rec->domid == 0;	/* dom0's ring */
	c->next_txid = rec->next_txid;
	c->target = d->target;
	c->ignored = rec->flags & XSS_DOM_IGNORED;
	d->quiesced = rec->flags & XSS_DOM_QUIESCED;
	d->conn = c;
	rs->conn = c;
	return 0;
}

static int
restore_socket(struct restore *rs, const struct xss_socket *rec)
{
	struct conn *c;

	if (rs->mode == RESTORE_LIVE) {
		c = conn_socket_restore(rs->xsd, rec->fd, rec->conn_id);
		if (!c && errno == EBADF)
			rs->err = talloc_asprintf(rs->tmp, "connection %u: fd "
						  "%d is not a socket",
						  rec->conn_id, rec->fd);
		if (!c)
			return errno;
	} else {
		c = conn_new_detached(rs->xsd, false, 0, rec->conn_id);
	}
	rs->txn = NULL;
	rs->conn = c;
	if (!c)
		return ENOMEM;
	c->privileged = rec->flags & XSS_SOCK_PRIVILEGED;
	c->next_txid = rec->next_txid;
	return 0;
}

static int
restore_txn_node(struct restore *rs, const struct xss_txn_node *rec)
{
	struct node n = {
		.path = (char *)rec->path,
		.gen = rec->gen,
		.nperms = rec->perms.num,
		.value = (uint8_t *)rec->value,
		.len = rec->len,
	};
	bool exists = rec->flags & XSS_TNODE_EXISTS;
	char **kids = NULL;
	unsigned int nkids = 0;
	uint32_t off;

	if (exists && !(n.perms = perms_in(rs->tmp, &rec->perms)))
		return ENOMEM;
	if (exists && rs->mode == RESTORE_IMPORT)
		reown(rs, n.path, n.perms, &n.nperms);
	if (rec->flags & XSS_TNODE_CHILDREN) {
		for (off = 0; off < rec->children_len;
		     off += (uint32_t)strlen(rec->children + off) + 1)
			nkids++;
		kids = talloc_array(rs->tmp, char *, nkids + 1);
		if (!kids)
			return ENOMEM;
		for (off = 0, nkids = 0; off < rec->children_len;
		     off += (uint32_t)strlen(rec->children + off) + 1)
			kids[nkids++] = (char *)rec->children + off;
	}
	n.gen = import_gen(rs, rec->path, rec->gen);
	return txn_restore_entry(rs->txn, rec->path,
				 import_gen(rs, rec->path, rec->base_gen),
				 exists ? &n : NULL,
				 rec->flags & XSS_TNODE_CHANGED,
				 rec->flags & XSS_TNODE_RECREATED, kids, nkids);
}

/*
 * Migration: may the imported transaction fire this event?  Only for a
 * path of the domain's home that it may write here (the nodes are in
 * the store by now).  Nothing else can a commit change: a node outside
 * the home, read or written at the source, has a base generation no
 * node has here (import_gen), so such a transaction gets EAGAIN; and
 * a home node the domain may not write it could not have changed.  So
 * a genuine image loses nothing it could deliver, and a forged event
 * reaches nobody.  0 (fire it), EACCES (drop it) or an errno.
 */
static int
import_event_ok(struct restore *rs, const char *path)
{
	struct node *n = NULL;
	int ret;

	if (!path_is_child(path, rs->home))
		return EACCES;
	ret = tree_get(rs->tmp, rs->conn, NULL, path, PERM_WRITE, &n);
	return ret == ENOENT ? 0 : ret;	/* creating it needs write */
}

static int
restore_txn_event(struct restore *rs, const struct xss_txn_event *rec)
{
	struct perm *perms[2] = { perms_in(rs->tmp, &rec->before),
				  perms_in(rs->tmp, &rec->after) };
	struct watch_event ev = {
		.path = rec->path,
		.perms = { perms[0], perms[1] },
		.nperms = { rec->before.num, rec->after.num },
	};
	uint32_t i;
	int ret;

	if (!perms[0] || !perms[1])
		return ENOMEM;
	if (rs->mode == RESTORE_IMPORT) {
		ret = import_event_ok(rs, rec->path);
		if (ret == EACCES) {
			if (!rs->dropped++)
				rs->dropped_path = talloc_strdup(rs->bulk_ctx,
								 rec->path);
			return 0;
		}
		if (ret)
			return ret;
		/* Who hears of it: as the nodes, re-owned. */
		for (i = 0; i < 2; i++)
			reown(rs, rec->path, perms[i], &ev.nperms[i]);
	}
	if (rec->flags & XSS_TEVENT_REMOVAL) {
		ev.removed = hash_new(NULL);
		if (!ev.removed)
			return ENOMEM;
		for (i = 0; i < rec->nremoved; i++) {
			struct node *n = talloc_zero(ev.removed, struct node);

			if (!n)
				goto oom;
			n->path = talloc_strdup(n, rec->removed[i].path);
			n->perms = perms_in(n, &rec->removed[i].perms);
			n->nperms = rec->removed[i].perms.num;
			if (!n->path || !n->perms ||
			    hash_put(ev.removed, n->path, n))
				goto oom;
			if (rs->mode == RESTORE_IMPORT)
				reown(rs, n->path, n->perms, &n->nperms);
		}
	}
	ret = txn_event(rs->txn, &ev);	/* takes ev.removed */
	return ret;
oom:
	talloc_free(ev.removed);
	return ENOMEM;
}

/* s replaces the daemon's empty store. */
static void
replace_store(struct xsd *xsd, struct store *s)
{
	talloc_free(xsd->store);
	xsd->store = s;
	store_set_owner_fn(s, domain_owner_changed, xsd);
}

/*
 * A live update whose image carries NODE_DATA (the format allows it
 * instead of STORE_FD): main() made a provisional store, too small for
 * them, so they get a full one (with -I off, the file again).
 */
static int
full_store(struct restore *rs)
{
	struct store *s;
	int ret;

	if (!store_is_provisional(rs->xsd->store))
		return 0;
	s = store_open(rs->xsd, rs->mode == RESTORE_LIVE ?
		       rs->xsd->opt.db_file_walk : NULL, &ret);
	if (!s)
		return ret;
	replace_store(rs->xsd, s);
	return 0;
}

/*
 * The store as a file (live update): opened in place, replacing the
 * empty one; per-domain node counts from the record.  The pre-flight
 * check gets a copy and walks all of it.
 */
static int
restore_store_fd(struct restore *rs, const struct xss_store_fd *rec)
{
	struct xsd *xsd = rs->xsd;
	struct store *s;
	char *report = NULL;
	uint32_t i;
	int ret;

	if (rs->mode == RESTORE_DETACHED) {
		rs->err = talloc_strdup(rs->tmp, "the image holds the store "
					"as a descriptor: only a live update "
					"can restore it");
		return EINVAL;
	}
	s = store_adopt(xsd, rec->fd, rec->format, rec->nodes,
			rs->generation, &ret);
	if (!s) {
		rs->err = talloc_asprintf(rs->tmp, "store fd %d, format %u: "
			"%s", rec->fd, rec->format, ret == EPROTO ?
			talloc_asprintf(rs->tmp, STORE_FORMAT_REFUSAL " %u",
					store_format()) :
			strerror(ret));
		return ret;
	}
	if (rs->mode == RESTORE_CHECK) {
		ret = store_check(s, &report, rs->tmp);
		if (ret) {
			rs->err = talloc_asprintf(rs->tmp, "store: %s",
						  report ? report :
						  strerror(ret));
			talloc_free(s);
			return ret;
		}
	}
	replace_store(xsd, s);
	for (i = 0; i < rec->nowners; i++) {
		struct domain *d = domain_get(xsd, rec->owners[i].domid, true);

		if (!d)
			return ENOMEM;
		d->nodes = rec->owners[i].nodes;
		/* The nodes' memory, charged as the nodes would charge it. */
		domain_mem_add(d, (ssize_t)rec->owners[i].bytes -
				  (ssize_t)d->node_memory);
		d->node_memory = rec->owners[i].bytes;
	}
	rs->store_fd = rec->fd;
	return 0;
}

/* Live update: the listening socket and the backend, taken over. */
static int
restore_global(struct restore *rs, const struct xss_global *rec)
{
	struct xsd *xsd = rs->xsd;
	const struct backend_ops *ops = NULL;
	int ret;

	rs->generation = rec->generation;
	xsd->next_conn_id = rec->next_conn_id;
	if (rs->mode != RESTORE_LIVE)
		return 0;
	if (rec->socket_fd >= 0) {
		ret = conn_socket_adopt(xsd, rec->socket_fd);
		if (ret) {
			rs->err = talloc_asprintf(rs->tmp, "listening socket "
						  "fd %d: %s", rec->socket_fd,
						  strerror(ret));
			return ret;
		}
	}
	if (rec->backend == XSS_BACKEND_SIM)
		ops = &backend_sim_ops;
	else if (rec->backend == XSS_BACKEND_XEN)
		ops = &backend_xen_ops;
	if (!ops)
		return 0;
	xsd->backend = backend_adopt(xsd, ops, rec->backend_fd, &ret);
	if (!xsd->backend) {
		rs->err = talloc_asprintf(rs->tmp, "%s backend, fd %d: %s",
					  ops->name, rec->backend_fd,
					  strerror(ret));
		return ret;
	}
	return 0;
}

static int
restore_lu(struct restore *rs, const struct xss_live_update *rec)
{
	struct state_lu *lu = talloc_zero(rs->lu_ctx, struct state_lu);
	const char *p = rec->argv;
	uint32_t i;

	if (!lu)
		return ENOMEM;
	lu->conn_id = rec->conn_id;
	lu->hdr.type = XS_CONTROL;
	lu->hdr.req_id = rec->req_id;
	lu->hdr.tx_id = rec->tx_id;
	lu->rollback_fd = rec->rollback_fd;
	lu->store_fd = rs->store_fd;
	lu->argv = talloc_array(lu, char *, rec->argc + 1);
	if (!lu->argv)
		return ENOMEM;
	for (i = 0; i < rec->argc; i++, p += strlen(p) + 1)
		lu->argv[i] = (char *)p;
	lu->argv[i] = NULL;
	/* The strings point into the image: copy them. */
	for (i = 0; i < rec->argc; i++)
		if (!(lu->argv[i] = talloc_strdup(lu, lu->argv[i])))
			return ENOMEM;
	rs->lu = lu;
	return 0;
}

static int
apply(struct restore *rs, const struct xss_record *rec)
{
	/*
	 * The nodes come together: bulk-loaded from the first to where the
	 * first record of another type follows them.
	 */
	if (rec->type == XSS_REC_NODE_DATA && !rs->bulk && !rs->nodes_done &&
	    rs->mode != RESTORE_IMPORT) {
		int ret = full_store(rs);

		if (ret)
			return ret;
		rs->bulk = store_bulk_begin(rs->bulk_ctx, rs->xsd->store);
	}
	if (rs->bulk && rec->type != XSS_REC_NODE_DATA) {
		int ret = store_bulk_end(rs->bulk);

		rs->bulk = NULL;
		rs->nodes_done = true;
		if (ret)
			return ret;
	}
	switch (rec->type) {
	case XSS_REC_GLOBAL_DATA:
		return restore_global(rs, &rec->u.global);
	case XSS_REC_LIVE_UPDATE:
		return restore_lu(rs, &rec->u.lu);
	case XSS_REC_STORE_FD:
		return restore_store_fd(rs, &rec->u.store);
	case XSS_REC_QUOTA_DATA:
		return restore_quota(rs, &rec->u.quota);
	case XSS_REC_SPECIAL_PERMS:
		return restore_special(rs, &rec->u.special);
	case XSS_REC_NODE_DATA:
		return restore_node(rs, &rec->u.node);
	case XSS_REC_DOMAIN_START:
		return restore_domain(rs, &rec->u.domain);
	case XSS_REC_SOCKET_START:
		return restore_socket(rs, &rec->u.socket);
	case XSS_REC_WATCH_DATA:
		return watch_restore(rs->conn, rec->u.watch.path,
				     rec->u.watch.flags & XSS_WATCH_RELATIVE,
				     rec->u.watch.token,
				     rec->u.watch.depth == XSS_WATCH_NO_DEPTH
				     ? WATCH_NO_DEPTH
				     : (int)rec->u.watch.depth);
	case XSS_REC_TRANSACTION_DATA:
		return txn_restore(rs->conn, rec->u.txn.tx_id,
				   rec->u.txn.added, &rs->txn);
	case XSS_REC_TRANSACTION_NODE_DATA:
		return restore_txn_node(rs, &rec->u.txn_node);
	case XSS_REC_TRANSACTION_EVENT:
		return restore_txn_event(rs, &rec->u.txn_event);
	case XSS_REC_CONN_INPUT:
		return conn_restore_input(rs->conn, rec->u.buffer.data,
					  rec->u.buffer.len);
	case XSS_REC_PARTIAL_OUTPUT:
	case XSS_REC_GUEST_RING_DATA:
		return conn_restore_output(rs->conn, rec->u.buffer.data,
					   rec->u.buffer.len,
					   rec->type == XSS_REC_PARTIAL_OUTPUT);
	case XSS_REC_END:
		return 0;	/* handled after the loop */
	}
	return 0;	/* the reader hands out nothing else */
}

int
state_read_file(TALLOC_CTX *mem_ctx, const char *path, uint8_t **buf,
		size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return EINVAL;
	}
	*buf = talloc_size(mem_ctx, (size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		return ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, *buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			close(fd);
			return err;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 0;
}

int
state_restore_buf(struct xsd *xsd, const uint8_t *buf, size_t len,
		  enum restore_mode mode, struct state_lu **lu, char **errmsg,
		  TALLOC_CTX *mem_ctx)
{
	struct restore rs = { .xsd = xsd, .mode = mode, .lu_ctx = mem_ctx,
			      .store_fd = -1 };
	TALLOC_CTX *top = talloc_new(NULL);
	struct xss_reader *r;
	struct xss_header h;
	struct xss_record rec;
	int ret, got = 0;

	if (!top)
		return ENOMEM;
	/*
	 * 1: check everything.  A live update checks while it applies:
	 * the process is new and holds nothing else, and any error hands
	 * the image back to the previous binary, so half-applied state is
	 * never served.
	 */
	if (mode != RESTORE_LIVE) {
		r = xss_reader_new(top, xss_source_memory(top, buf, len));
		if (!r || xss_verify(r)) {
			*errmsg = talloc_strdup(mem_ctx, r ? xss_reader_error(r)
							   : "out of memory");
			ret = EINVAL;
			goto out;
		}
	}
	/* 2: apply. */
	r = xss_reader_new(top, xss_source_memory(top, buf, len));
	ret = r ? xss_read_header(r, &h) : ENOMEM;
	if (!ret && h.kind == XSS_KIND_MIGRATION) {
		*errmsg = talloc_strdup(mem_ctx, "a migration image holds one "
					"domain, not a daemon");
		ret = EINVAL;
		goto out;
	}
	if (!ret && mode == RESTORE_LIVE && h.kind != XSS_KIND_LIVE_UPDATE) {
		*errmsg = talloc_asprintf(mem_ctx, "a %s image, not a "
					  "LIVE_UPDATE one",
					  xss_kind_name(h.kind));
		ret = EINVAL;
		goto out;
	}
	rs.bulk_ctx = top;
	while (!ret && (got = xss_read_next(r, &rec)) == 1) {
		rs.tmp = talloc_new(top);
		rs.err = NULL;
		ret = rs.tmp ? apply(&rs, &rec) : ENOMEM;
		if (ret)
			*errmsg = talloc_asprintf(mem_ctx,
				"record #%u (%s): %s", rec.index,
				xss_type_name(rec.type),
				rs.err ? rs.err : strerror(ret));
		TALLOC_FREE(rs.tmp);
	}
	if (!ret && got < 0) {
		*errmsg = talloc_strdup(mem_ctx, xss_reader_error(r));
		ret = EINVAL;
	}
	if (!ret && rs.bulk)	/* an image of nodes only */
		ret = store_bulk_end(rs.bulk);
	if (ret)
		goto out;
	/* Generations go on from where the image left them. */
	store_set_last_gen(xsd->store, rs.generation);
	if (lu)
		*lu = rs.lu;
out:
	talloc_free(top);
	return ret;
}

int
state_lu_record(const uint8_t *buf, size_t len, struct state_lu **lu,
		TALLOC_CTX *mem_ctx)
{
	struct restore rs = { .lu_ctx = mem_ctx, .store_fd = -1 };
	TALLOC_CTX *top = talloc_new(NULL);
	struct xss_reader *r;
	struct xss_header h;
	struct xss_record rec;
	int got, ret = 0;

	if (!top)
		return ENOMEM;
	r = xss_reader_new(top, xss_source_memory(top, buf, len));
	if (!r || xss_read_header(r, &h)) {
		talloc_free(top);
		return EINVAL;
	}
	while (!ret && (got = xss_read_next(r, &rec)) == 1) {
		if (rec.type == XSS_REC_STORE_FD)
			rs.store_fd = rec.u.store.fd;
		if (rec.type == XSS_REC_LIVE_UPDATE)
			ret = restore_lu(&rs, &rec.u.lu);
	}
	talloc_free(top);
	if (ret || !rs.lu)
		return ret ? ret : EINVAL;
	*lu = rs.lu;
	return 0;
}

int
state_image_fds(const uint8_t *buf, size_t len, int **fds,
		unsigned int *n, TALLOC_CTX *mem_ctx)
{
	TALLOC_CTX *top = talloc_new(NULL);
	struct xss_reader *r;
	struct xss_header h;
	struct xss_record rec;
	int *v = NULL, add[3];
	unsigned int num = 0, k, i;

	if (!top)
		return ENOMEM;
	r = xss_reader_new(top, xss_source_memory(top, buf, len));
	if (!r || xss_read_header(r, &h)) {
		talloc_free(top);
		return EINVAL;
	}
	while (xss_read_next(r, &rec) == 1) {
		k = 0;
		switch (rec.type) {
		case XSS_REC_GLOBAL_DATA:
			add[k++] = rec.u.global.socket_fd;
			add[k++] = rec.u.global.backend_fd;
			break;
		case XSS_REC_STORE_FD:
			add[k++] = rec.u.store.fd;
			break;
		case XSS_REC_DOMAIN_START:
			add[k++] = rec.u.domain.evtchn_fd;
			add[k++] = rec.u.domain.page_fd;
			break;
		case XSS_REC_SOCKET_START:
			add[k++] = rec.u.socket.fd;
			break;
		case XSS_REC_LIVE_UPDATE:
			add[k++] = rec.u.lu.rollback_fd;
			break;
		}
		for (i = 0; i < k; i++) {
			int *nv;

			if (add[i] < 0)
				continue;
			nv = talloc_realloc(mem_ctx, v, int, num + 1);
			if (!nv) {
				talloc_free(top);
				return ENOMEM;
			}
			v = nv;
			v[num++] = add[i];
		}
	}
	talloc_free(top);
	*fds = v;
	*n = num;
	return 0;
}

int
state_restore_file(struct xsd *xsd, const char *path, char **errmsg,
		   TALLOC_CTX *mem_ctx)
{
	TALLOC_CTX *top = talloc_new(NULL);
	uint8_t *buf = NULL;
	size_t len = 0;
	char *why = NULL;
	int ret;

	if (!top)
		return ENOMEM;
	ret = state_read_file(top, path, &buf, &len);
	if (ret) {
		*errmsg = talloc_asprintf(mem_ctx, "%s: %s", path,
					  strerror(ret));
		goto out;
	}
	ret = state_restore_buf(xsd, buf, len, RESTORE_DETACHED, NULL, &why,
				top);
	if (ret)
		*errmsg = talloc_asprintf(mem_ctx, "%s: %s", path,
					  why ? why : strerror(ret));
out:
	talloc_free(top);
	return ret;
}

/* --- migration: importing one domain -------------------------------- */

/* Relocation: domain D's image imported as domain M (below). */
struct reloc {
	unsigned int from, to;
	char from_home[32], to_home[32];
	size_t from_len;
};

static const char *reloc_path(const struct reloc *rl, TALLOC_CTX *ctx,
			      const char *path);

struct import_check {
	struct xsd *xsd;
	unsigned int domid;
	const struct quota_set *q;	/* the domain's limits here */
	const struct reloc *rl;
	struct hash *txn_paths;		/* as relocated */
	unsigned int nodes, watches, txns;
	size_t output;			/* PARTIAL_OUTPUT + GUEST_RING_DATA */
	bool home_seen;
	char *why;
};

static bool
domain_known(struct import_check *ic, uint32_t domid)
{
	return domid == ic->domid || domid == 0 ||
	       domain_introduced(ic->xsd, domid);
}

static int XSD_PRINTF(2, 3)
refuse(struct import_check *ic, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ic->why = talloc_vasprintf(ic->xsd, fmt, ap);
	va_end(ap);
	return EINVAL;
}

static int
check_perms(struct import_check *ic, const char *path,
	    const struct xss_perms *p)
{
	uint32_t i = 0;

	if (quota_exceeded(ic->q->hard[Q_NODE_PERMS], p->num, 0))
		return refuse(ic, "%s: %u permission entries, the quota here "
			      "is %u", path, p->num, ic->q->hard[Q_NODE_PERMS]);
	/* Another domain owning a node of the home: it will be ours. */
	if (p->num && path_is_child(path, ic->rl->from_home))
		i = 1;
	for (; i < p->num; i++)
		if (!domain_known(ic, p->p[i].domid))
			return refuse(ic, "%s: permission for domain %u, which "
				      "does not exist here", path,
				      p->p[i].domid);
	return 0;
}

/* The rules of an import beyond the format's (all before any change). */
static int
check_import(struct import_check *ic, const struct xss_record *rec)
{
	switch (rec->type) {
	case XSS_REC_NODE_DATA: {
		const struct xss_node *n = &rec->u.node;

		if (!ic->home_seen && n->perms.p[0].domid != ic->domid)
			return refuse(ic, "%s is owned by domain %u, not by "
				      "domain %u", n->path, n->perms.p[0].domid,
				      ic->domid);
		ic->home_seen = true;
		if (quota_exceeded(ic->q->hard[Q_NODE_SIZE], n->len, 0))
			return refuse(ic, "%s: a value of %u bytes, the quota "
				      "here is %u", n->path, n->len,
				      ic->q->hard[Q_NODE_SIZE]);
		/*
		 * Every node counts, whoever the image says owns it: a
		 * home is the domain's, and what it holds is bounded by
		 * the domain's quota (nodes said to be dom0's would go
		 * uncounted, without bound).
		 */
		if (quota_exceeded(ic->q->hard[Q_NODES], ++ic->nodes, 0))
			return refuse(ic, "more than %u nodes, the nodes quota "
				      "here: %s is the image's node %u (every "
				      "node counts, whoever owns it)",
				      ic->q->hard[Q_NODES], n->path, ic->nodes);
		return check_perms(ic, n->path, &n->perms);
	}
	case XSS_REC_WATCH_DATA:
		if (quota_exceeded(ic->q->hard[Q_WATCHES], ++ic->watches, 0))
			return refuse(ic, "more than %u watches, the quota "
				      "here", ic->q->hard[Q_WATCHES]);
		return 0;
	case XSS_REC_PARTIAL_OUTPUT:
	case XSS_REC_GUEST_RING_DATA:
		/*
		 * A guest's connection here never holds more output than
		 * this (conn_queue_event; replies stop well before), so a
		 * genuine image has no more.  The format allows 64 MiB,
		 * held for the guest until INTRODUCE.
		 */
		ic->output += rec->u.buffer.len;
		if (ic->output > CONN_EVENTS_MAX)
			return refuse(ic, "%zu bytes of output waiting for the "
				      "guest, more than its connection holds "
				      "here (%u)", ic->output, CONN_EVENTS_MAX);
		return 0;
	case XSS_REC_TRANSACTION_DATA:
		if (quota_exceeded(ic->q->hard[Q_TRANSACTIONS], ++ic->txns, 0))
			return refuse(ic, "more than %u transactions, the "
				      "quota here", ic->q->hard[Q_TRANSACTIONS]);
		return 0;
	case XSS_REC_TRANSACTION_NODE_DATA: {
		const char *path = reloc_path(ic->rl, ic->txn_paths,
					      rec->u.txn_node.path);

		if (path == rec->u.txn_node.path)
			path = talloc_strdup(ic->txn_paths, path);
		if (!path || hash_put(ic->txn_paths, path, ic))
			return ENOMEM;
		if (rec->u.txn_node.flags & XSS_TNODE_EXISTS)
			return check_perms(ic, rec->u.txn_node.path,
					   &rec->u.txn_node.perms);
		return 0;
	}
	case XSS_REC_TRANSACTION_EVENT: {
		const struct xss_txn_event *te = &rec->u.txn_event;
		int ret;

		/* Those outside the home are dropped (import_event_ok). */
		if (!path_is_child(te->path, ic->rl->from_home))
			return 0;
		ret = check_perms(ic, te->path, &te->before);
		return ret ? ret : check_perms(ic, te->path, &te->after);
	}
	}
	return 0;
}

/* /local/domain, for a daemon that has none yet. */
static int
ensure_parents(struct xsd *xsd)
{
	static const char *const dirs[] = { "/local", "/local/domain" };
	struct perm p = { 0, PERM_NONE };
	unsigned int i;
	int ret;

	for (i = 0; i < 2; i++) {
		struct node n = {
			.path = (char *)dirs[i], .perms = &p, .nperms = 1,
			.value = (uint8_t *)"", .len = 0,
		};

		if (store_exists(xsd->store, dirs[i]))
			continue;
		ret = store_add(xsd->store, &n);
		if (ret)
			return ret;
	}
	return 0;
}

/* --- relocation: domain D's image imported as domain M ------------- */

/* path below (or at) the old home, moved below the new one. */
static const char *
reloc_path(const struct reloc *rl, TALLOC_CTX *ctx, const char *path)
{
	if (strncmp(path, rl->from_home, rl->from_len) ||
	    (path[rl->from_len] && path[rl->from_len] != '/'))
		return path;
	return talloc_asprintf(ctx, "%s%s", rl->to_home,
			       path + rl->from_len);
}

static struct xss_perms
reloc_perms(const struct reloc *rl, TALLOC_CTX *ctx,
	    const struct xss_perms *in)
{
	struct xss_perms out = *in;
	struct xss_perm *p;
	uint32_t i;

	if (!in->num)
		return out;
	p = talloc_memdup(ctx, in->p, in->num * sizeof(*p));
	if (!p)
		return out;	/* ENOMEM shows up as the old domid: refused */
	for (i = 0; i < in->num; i++)
		if (p[i].domid == rl->from)
			p[i].domid = rl->to;
	out.p = p;
	return out;
}

/*
 * Queued watch events name absolute paths (relative watches' events
 * are relative): those below the old home move.  Replies and the rest
 * of a half-sent message are left as they are: they answer what the
 * guest asked at the source.
 */
static const uint8_t *
reloc_output(const struct reloc *rl, TALLOC_CTX *ctx, const uint8_t *data,
	     uint32_t *len)
{
	/* A path grows by at most 5 octets ("5" to "32751"), per message. */
	size_t cap = *len + 8 * (*len / sizeof(struct xsd_sockmsg) + 1);
	uint8_t *out = talloc_size(ctx, cap);
	size_t in = 0, o = 0;

	if (!out)
		return NULL;
	while (in < *len) {
		struct xsd_sockmsg h, nh;
		const char *payload, *path;
		size_t old, new;

		if (*len - in < sizeof(h))
			goto verbatim;
		memcpy(&h, data + in, sizeof(h));
		if (*len - in - sizeof(h) < h.len)
			goto verbatim;
		payload = (const char *)data + in + sizeof(h);
		if (h.type != XS_WATCH_EVENT || !memchr(payload, 0, h.len)) {
			memcpy(out + o, data + in, sizeof(h) + h.len);
			o += sizeof(h) + h.len;
			in += sizeof(h) + h.len;
			continue;
		}
		old = strlen(payload);
		path = reloc_path(rl, ctx, payload);
		if (!path)
			return NULL;
		new = strlen(path);
		nh = h;
		nh.len = (uint32_t)(h.len - old + new);
		memcpy(out + o, &nh, sizeof(nh));
		memcpy(out + o + sizeof(nh), path, new);
		memcpy(out + o + sizeof(nh) + new, payload + old, h.len - old);
		o += sizeof(nh) + nh.len;
		in += sizeof(h) + h.len;
	}
	*len = (uint32_t)o;
	return out;
verbatim:
	/* A message cut short (the image's last): as it is. */
	memcpy(out + o, data + in, *len - in);
	*len = (uint32_t)(o + *len - in);
	return out;
}

/* The record as if it had been exported for domain M. */
static int
relocate(const struct reloc *rl, TALLOC_CTX *ctx, struct xss_record *rec)
{
	uint32_t i;

	switch (rec->type) {
	case XSS_REC_NODE_DATA:
		rec->u.node.path = reloc_path(rl, ctx, rec->u.node.path);
		rec->u.node.perms = reloc_perms(rl, ctx, &rec->u.node.perms);
		return rec->u.node.path ? 0 : ENOMEM;
	case XSS_REC_DOMAIN_START:
		rec->u.domain.domid = rl->to;
		return 0;
	case XSS_REC_QUOTA_DATA:
		if (rec->u.quota.domid == rl->from)
			rec->u.quota.domid = rl->to;
		return 0;
	case XSS_REC_WATCH_DATA:
		rec->u.watch.path = reloc_path(rl, ctx, rec->u.watch.path);
		return rec->u.watch.path ? 0 : ENOMEM;
	case XSS_REC_TRANSACTION_NODE_DATA:
		rec->u.txn_node.path = reloc_path(rl, ctx,
						  rec->u.txn_node.path);
		rec->u.txn_node.perms = reloc_perms(rl, ctx,
						    &rec->u.txn_node.perms);
		return rec->u.txn_node.path ? 0 : ENOMEM;
	case XSS_REC_TRANSACTION_EVENT: {
		struct xss_txn_event *te = &rec->u.txn_event;
		struct xss_removed *rm = NULL;

		te->path = reloc_path(rl, ctx, te->path);
		te->before = reloc_perms(rl, ctx, &te->before);
		te->after = reloc_perms(rl, ctx, &te->after);
		if (te->nremoved)
			rm = talloc_memdup(ctx, te->removed,
					   te->nremoved * sizeof(*rm));
		if ((te->nremoved && !rm) || !te->path)
			return ENOMEM;
		for (i = 0; i < te->nremoved; i++) {
			rm[i].path = reloc_path(rl, ctx, rm[i].path);
			rm[i].perms = reloc_perms(rl, ctx, &rm[i].perms);
			if (!rm[i].path)
				return ENOMEM;
		}
		te->removed = rm;
		return 0;
	}
	case XSS_REC_GUEST_RING_DATA:
		rec->u.buffer.data = reloc_output(rl, ctx, rec->u.buffer.data,
						  &rec->u.buffer.len);
		return rec->u.buffer.data ? 0 : ENOMEM;
	}
	return 0;
}

/*
 * Whatever the quotas, an import reads no more than this.  A domain at
 * the default quotas needs about 9 MiB; a toolstack that raised them
 * far enough to need more has an unusual guest.
 */
#define IMPORT_CEILING (32u << 20)
/* NODE_DATA without its strings and permissions: header, fields, padding */
#define NODE_RECORD_FIXED (8 + 24 + 7)

size_t
state_import_max(struct xsd *xsd, unsigned int as, char **how,
		 TALLOC_CTX *mem_ctx)
{
	const struct domain *d = domain_get(xsd, as, false);
	const struct quota_set *q = d ? &d->quota : &xsd->quota;
	unsigned int nodes = q->hard[Q_NODES], mem = q->hard[Q_MEMORY];
	unsigned int perms = q->hard[Q_NODE_PERMS] ? q->hard[Q_NODE_PERMS]
						   : XSS_MAX_PERMS;
	unsigned int size = q->hard[Q_NODE_SIZE] ? q->hard[Q_NODE_SIZE]
						 : XSS_MAX_VALUE;
	uint64_t node, max;

	/*
	 * Every node counts against the nodes quota (check_import), each
	 * at most a record of the largest path, value and permissions
	 * allowed.  Watches, transactions and what they hold are charged
	 * to the domain's memory at the source, each at least the bytes
	 * of its records.  Then the connection's buffers, and the few
	 * records around them.
	 */
	node = NODE_RECORD_FIXED + 8ull * perms + XSS_MAX_PATH + 1 + size;
	max = (uint64_t)nodes * node + mem + CONN_EVENTS_MAX +
	      XSS_MAX_PARTIAL + XSS_MAX_INPUT + 4096;
	if (!nodes || !mem || max > IMPORT_CEILING) {
		*how = talloc_asprintf(mem_ctx, "the most an import reads, "
				       "whatever the quotas");
		return IMPORT_CEILING;
	}
	*how = talloc_asprintf(mem_ctx, "the most an image needs at the "
			       "quotas here (%u nodes of up to %llu bytes, "
			       "%u bytes of memory, the connection's "
			       "buffers)", nodes, (unsigned long long)node,
			       mem);
	return (size_t)max;
}

int
state_import_buf(struct xsd *xsd, const uint8_t *buf, size_t len,
		 unsigned int domid, char **errmsg, TALLOC_CTX *mem_ctx)
{
	return state_import_as(xsd, buf, len, domid, domid, errmsg, mem_ctx);
}

int
state_import_as(struct xsd *xsd, const uint8_t *buf, size_t len,
		unsigned int domid, unsigned int as, char **errmsg,
		TALLOC_CTX *mem_ctx)
{
	struct restore rs = { .xsd = xsd, .mode = RESTORE_IMPORT,
			      .lu_ctx = mem_ctx, .store_fd = -1, .domid = as };
	struct domain *d = domain_get(xsd, as, false);
	struct reloc rl = { .from = domid, .to = as };
	struct import_check ic = { .xsd = xsd, .domid = domid,
				   .q = d ? &d->quota : &xsd->quota, .rl = &rl };
	TALLOC_CTX *top = talloc_new(NULL);
	struct xss_reader *r;
	struct xss_header h;
	struct xss_record rec;
	char home[32];
	int ret = 0, got;

	if (!top)
		return ENOMEM;
	snprintf(home, sizeof(home), "/local/domain/%u", as);
	rl.from_len = (size_t)snprintf(rl.from_home, sizeof(rl.from_home),
				       "/local/domain/%u", domid);
	snprintf(rl.to_home, sizeof(rl.to_home), "/local/domain/%u", as);
	rs.home = rl.to_home;
	if (d && (d->introduced || d->imported)) {
		*errmsg = talloc_asprintf(mem_ctx, "domain %u is already %s "
					  "here", as, d->imported ?
					  "imported" : "introduced");
		ret = EEXIST;
		goto out;
	}
	/* 1: the format's rules and ours, in one reading. */
	ic.txn_paths = hash_new(top);
	if (!ic.txn_paths) {
		ret = ENOMEM;
		goto out;
	}
	r = xss_reader_new(top, xss_source_memory(top, buf, len));
	ret = r ? xss_read_header(r, &h) : ENOMEM;
	if (ret && r)
		*errmsg = talloc_strdup(mem_ctx, xss_reader_error(r));
	if (!ret && h.kind != XSS_KIND_MIGRATION) {
		*errmsg = talloc_asprintf(mem_ctx, "a %s image, not a "
					  "MIGRATION one",
					  xss_kind_name(h.kind));
		ret = EINVAL;
	} else if (!ret && h.domid != domid) {
		*errmsg = talloc_asprintf(mem_ctx, "the image is of domain "
					  "%u, not %u", h.domid, domid);
		ret = EINVAL;
	}
	while (!ret && (got = xss_read_next(r, &rec)) == 1)
		ret = check_import(&ic, &rec);
	if (!ret && got < 0) {
		*errmsg = talloc_strdup(mem_ctx, xss_reader_error(r));
		ret = EINVAL;
	}
	if (ret) {
		if (!*errmsg)
			*errmsg = talloc_strdup(mem_ctx, ic.why ? ic.why :
						strerror(ret));
		goto out;
	}
	/* 2: apply. */
	rs.gens = hash_new(top);
	rs.txn_paths = ic.txn_paths;
	rs.bulk_ctx = top;
	ret = rs.gens ? ensure_parents(xsd) : ENOMEM;
	if (!ret) {
		ret = tree_rm(xsd->internal, NULL, home);
		if (ret == ENOENT)
			ret = 0;
	}
	r = ret ? NULL : xss_reader_new(top, xss_source_memory(top, buf,
								len));
	ret = ret ? ret : r ? xss_read_header(r, &h) : ENOMEM;
	while (!ret && (got = xss_read_next(r, &rec)) == 1) {
		rs.tmp = talloc_new(top);
		rs.err = NULL;
		ret = rs.tmp ? 0 : ENOMEM;
		if (!ret && as != domid)
			ret = relocate(&rl, rs.tmp, &rec);
		if (!ret)
			ret = apply(&rs, &rec);
		if (ret)
			*errmsg = talloc_asprintf(mem_ctx,
				"record #%u (%s): %s", rec.index,
				xss_type_name(rec.type),
				rs.err ? rs.err : strerror(ret));
		TALLOC_FREE(rs.tmp);
	}
	if (!ret && rs.reowned)
		log_info("domain %u imported: %u nodes owned by other domains "
			 "at the source are its own", as, rs.reowned);
	if (!ret && rs.dropped)
		log_info("domain %u imported: %u transaction events dropped "
			 "(%s%s: paths it may not write here)", as, rs.dropped,
			 rs.dropped_path ? rs.dropped_path : "?",
			 rs.dropped > 1 ? ", ..." : "");
out:
	talloc_free(ic.why);
	talloc_free(top);
	return ret;
}
