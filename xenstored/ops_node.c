// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_node.c - handlers of the node requests: READ, WRITE, MKDIR, RM,
 * DIRECTORY, DIRECTORY_PART, GET_PERMS and SET_PERMS.
 *
 * They parse the payload, canonicalise the path and leave the semantics
 * to tree.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "domain.h"
#include "quota.h"
#include "watch.h"
#include "xsd.h"
#include "handlers.h"
#include "path.h"
#include "proto.h"
#include "tree.h"

static int
canonical(struct req *r, const char *in, char **out)
{
	return proto_path(r, in, false, out);
}

int
do_read(struct req *r)
{
	struct node *n = NULL;
	char *path;
	int ret;

	ret = canonical(r, proto_onearg(r), &path);
	if (!ret)
		ret = tree_get(r, r->conn, r->txn, path, PERM_READ, &n);
	if (ret)
		return ret;
	return proto_reply(r, n->value, n->len);
}

int
do_write(struct req *r)
{
	const char *v[1];
	char *path;
	size_t off;
	int ret;

	/* The value is binary: everything after the path's NUL. */
	if (proto_strings(r, v, 1) < 1)
		return EINVAL;
	ret = canonical(r, v[0], &path);
	if (ret)
		return ret;
	off = strlen(v[0]) + 1;
	ret = tree_write(r->conn, r->txn, path, r->data + off,
			 (uint32_t)(r->len - off));
	return ret ? ret : proto_ack(r);
}

int
do_mkdir(struct req *r)
{
	char *path;
	int ret;

	ret = canonical(r, proto_onearg(r), &path);
	if (!ret)
		ret = tree_mkdir(r->conn, r->txn, path);
	return ret ? ret : proto_ack(r);
}

int
do_rm(struct req *r)
{
	char *path;
	int ret;

	ret = canonical(r, proto_onearg(r), &path);
	if (!ret)
		ret = tree_rm(r->conn, r->txn, path);
	return ret ? ret : proto_ack(r);
}

/* Children as "a\0b\0...": *len bytes. */
static char *
join_names(TALLOC_CTX *mem_ctx, char **names, unsigned int num, size_t *len)
{
	size_t total = 0, l;
	unsigned int i;
	char *buf;

	for (i = 0; i < num; i++)
		total += strlen(names[i]) + 1;
	buf = talloc_size(mem_ctx, total + 1);
	if (!buf)
		return NULL;
	for (i = 0, total = 0; i < num; i++) {
		l = strlen(names[i]) + 1;
		memcpy(buf + total, names[i], l);
		total += l;
	}
	*len = total;
	return buf;
}

int
do_directory(struct req *r)
{
	struct node *n = NULL;
	char **names = NULL, *path, *buf;
	unsigned int num = 0;
	size_t len;
	int ret;

	ret = canonical(r, proto_onearg(r), &path);
	if (!ret)
		ret = tree_children(r, r->conn, r->txn, path, &n, &names, &num);
	if (ret)
		return ret;
	buf = join_names(r, names, num, &len);
	if (!buf)
		return ENOMEM;
	if (len > XENSTORE_PAYLOAD_MAX)
		return E2BIG;
	return proto_reply(r, buf, len);
}

/*
 * DIRECTORY_PART <path>|<offset>| -> <gencnt>|<child>|*
 * From byte offset into the joined child list, as many whole names as
 * fit; an extra empty string marks the end of the list.
 */
int
do_directory_part(struct req *r)
{
	const char *v[2];
	struct node *n = NULL;
	char **names = NULL, *path, *list, *reply, gen[24], *end;
	unsigned int num = 0;
	size_t len, genlen, off, maxlen, take = 0, l;
	unsigned long offset;
	int ret;

	if (proto_strings(r, v, 2) != 2)
		return EINVAL;
	errno = 0;
	offset = strtoul(v[1], &end, 10);
	if (errno || end == v[1] || *end)
		return EINVAL;
	ret = canonical(r, v[0], &path);
	if (!ret)
		ret = tree_children(r, r->conn, r->txn, path, &n, &names, &num);
	if (ret)
		return ret;
	list = join_names(r, names, num, &len);
	if (!list)
		return ENOMEM;
	genlen = (size_t)snprintf(gen, sizeof(gen) - 1, "%" PRIu64, n->gen) + 1;
	gen[genlen] = 0;
	if (offset >= len)
		return proto_reply(r, gen, genlen + 1);	/* gen, "" */
	off = offset;
	maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
	while (off + take < len) {
		l = strlen(list + off + take) + 1;
		if (take + l > maxlen)
			break;
		take += l;
	}
	reply = talloc_size(r, genlen + take + 1);
	if (!reply)
		return ENOMEM;
	memcpy(reply, gen, genlen);
	memcpy(reply + genlen, list + off, take);
	if (off + take == len) {
		reply[genlen + take] = 0;
		take++;
	}
	return proto_reply(r, reply, genlen + take);
}

int
do_get_perms(struct req *r)
{
	struct special_node *sp;
	struct node *n = NULL;
	char *path, *buf;
	size_t len;
	int ret;

	ret = proto_path(r, proto_onearg(r), true, &path);
	if (ret)
		return ret;
	if (path[0] == '@') {
		sp = watch_special(r->xsd, path);
		if (!sp)
			return ENOENT;
		if (!r->conn->privileged &&
		    !(perms_access(sp->perms, sp->nperms, r->conn->domid,
				   r->conn->target) & PERM_READ))
			return EACCES;
		buf = perms_format(r, sp->perms, sp->nperms, &len);
		return buf ? proto_reply(r, buf, len) : ENOMEM;
	}
	ret = tree_get(r, r->conn, r->txn, path, PERM_READ, &n);
	if (ret)
		return ret;
	buf = perms_format(r, n->perms, n->nperms, &len);
	return buf ? proto_reply(r, buf, len) : ENOMEM;
}

/* Permissions of @introduceDomain / @releaseDomain: dom0's business. */
static int
set_special_perms(struct req *r, const char *path, struct perm *perms,
		  unsigned int nperms)
{
	struct special_node *sp = watch_special(r->xsd, path);

	if (!sp)
		return ENOENT;
	if (!r->conn->privileged)
		return EACCES;
	talloc_free(sp->perms);
	sp->perms = talloc_steal(r->xsd, perms);
	sp->nperms = nperms;
	return proto_ack(r);
}

int
do_set_perms(struct req *r)
{
	struct perm *perms = NULL;
	unsigned int nperms = 0;
	const char *v[1];
	char *path;
	size_t off;
	int ret;

	if (proto_strings(r, v, 1) < 2)
		return EINVAL;
	off = strlen(v[0]) + 1;
	ret = perms_parse(r, r->data + off, r->len - off, &perms, &nperms);
	if (!ret)
		ret = proto_path(r, v[0], true, &path);
	if (ret)
		return ret;
	if (path[0] == '@')
		return set_special_perms(r, path, perms, nperms);
	ret = tree_set_perms(r->conn, r->txn, path, perms, nperms);
	return ret ? ret : proto_ack(r);
}
