/*
 * state_restore.c - the restorer: an xs-state image back into daemon
 * state, through the library's reader (which alone knows the bytes).
 *
 * Check first, apply second: the whole image is read and verified
 * before anything changes; then it is read again and each record handed
 * to the module that owns what it describes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>

#include "xs_state.h"

#include "conn.h"
#include "domain.h"
#include "hash.h"
#include "node.h"
#include "perms.h"
#include "quota.h"
#include "state.h"
#include "store.h"
#include "txn.h"
#include "watch.h"
#include "xsd.h"

struct restore {
	struct xsd *xsd;
	TALLOC_CTX *tmp;		/* freed per record */
	struct conn *conn;		/* of the group started last */
	struct txn *txn;		/* started last in that group */
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

	return n.perms ? store_restore_node(rs->xsd->store, &n) : ENOMEM;
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
	d->local_port = rec->local_port;
	d->introduced = rec->flags & XSS_DOM_INTRODUCED;
	if (!(rec->flags & XSS_DOM_CONNECTION))
		return 0;
	c = conn_new_detached(rs->xsd, true, rec->domid, rec->conn_id);
	if (!c)
		return ENOMEM;
	c->privileged = rec->domid == 0;	/* dom0's ring */
	c->next_txid = rec->next_txid;
	c->target = d->target;
	c->ignored = rec->flags & XSS_DOM_IGNORED;
	d->conn = c;
	rs->conn = c;
	return 0;
}

static int
restore_socket(struct restore *rs, const struct xss_socket *rec)
{
	struct conn *c = conn_new_detached(rs->xsd, false, 0, rec->conn_id);

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
	return txn_restore_entry(rs->txn, rec->path, rec->base_gen,
				 exists ? &n : NULL,
				 rec->flags & XSS_TNODE_CHANGED,
				 rec->flags & XSS_TNODE_RECREATED, kids, nkids);
}

static int
restore_txn_event(struct restore *rs, const struct xss_txn_event *rec)
{
	struct watch_event ev = {
		.path = rec->path,
		.perms = { perms_in(rs->tmp, &rec->before),
			   perms_in(rs->tmp, &rec->after) },
		.nperms = { rec->before.num, rec->after.num },
	};
	uint32_t i;
	int ret;

	if (!ev.perms[0] || !ev.perms[1])
		return ENOMEM;
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
		}
	}
	ret = txn_event(rs->txn, &ev);	/* takes ev.removed */
	return ret;
oom:
	talloc_free(ev.removed);
	return ENOMEM;
}

static int
apply(struct restore *rs, const struct xss_record *rec)
{
	switch (rec->type) {
	case XSS_REC_GLOBAL_DATA:
		rs->generation = rec->u.global.generation;
		rs->xsd->next_conn_id = rec->u.global.next_conn_id;
		return 0;
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
	case XSS_REC_GUEST_RING_DATA:
		return conn_restore_output(rs->conn, rec->u.buffer.data,
					   rec->u.buffer.len);
	case XSS_REC_END:
		store_set_last_gen(rs->xsd->store, rs->generation);
		return 0;
	}
	return 0;	/* the reader hands out nothing else */
}

/* Read a whole file into memory. */
static int
slurp(TALLOC_CTX *mem_ctx, const char *path, uint8_t **buf, size_t *len)
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
		if (n <= 0) {
			close(fd);
			return n < 0 ? errno : EIO;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 0;
}

int
state_restore_file(struct xsd *xsd, const char *path, char **errmsg,
		   TALLOC_CTX *mem_ctx)
{
	struct restore rs = { .xsd = xsd };
	TALLOC_CTX *top = talloc_new(NULL);
	struct xss_reader *r;
	struct xss_header h;
	struct xss_record rec;
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret, got = 0;

	if (!top)
		return ENOMEM;
	ret = slurp(top, path, &buf, &len);
	if (ret) {
		*errmsg = talloc_asprintf(mem_ctx, "%s: %s", path,
					  strerror(ret));
		goto out;
	}
	/* 1: check everything. */
	r = xss_reader_new(top, xss_source_memory(top, buf, len));
	if (!r || xss_verify(r)) {
		*errmsg = talloc_asprintf(mem_ctx, "%s: %s", path,
					  r ? xss_reader_error(r)
					    : "out of memory");
		ret = EINVAL;
		goto out;
	}
	/* 2: apply. */
	r = xss_reader_new(top, xss_source_memory(top, buf, len));
	ret = r ? xss_read_header(r, &h) : ENOMEM;
	if (!ret && h.kind == XSS_KIND_MIGRATION) {
		*errmsg = talloc_asprintf(mem_ctx, "%s: a migration image "
					  "holds one domain, not a daemon",
					  path);
		ret = EINVAL;
		goto out;
	}
	while (!ret && (got = xss_read_next(r, &rec)) == 1) {
		rs.tmp = talloc_new(top);
		rs.err = NULL;
		ret = rs.tmp ? apply(&rs, &rec) : ENOMEM;
		if (ret)
			*errmsg = talloc_asprintf(mem_ctx,
				"%s: record #%u (%s): %s", path, rec.index,
				xss_type_name(rec.type),
				rs.err ? rs.err : strerror(ret));
		TALLOC_FREE(rs.tmp);
	}
	if (!ret && got < 0) {
		*errmsg = talloc_asprintf(mem_ctx, "%s: %s", path,
					  xss_reader_error(r));
		ret = EINVAL;
	}
out:
	talloc_free(top);
	return ret;
}
