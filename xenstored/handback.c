// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * handback.c - a live update into upstream's C xenstored 4.17: our state
 * written in its format to the file it reads with -U, and its binary
 * exec'd in our place (docs/takeover.md).
 *
 * Upstream restores no transactions.  As upstream's own live update
 * does, -s waits for open transactions to end (answering BUSY, as the
 * pre-flight check of our own updates does), refuses after the timeout
 * with the list of what would be lost, and with -F drops them (their
 * clients then get ENOENT for them).  What else upstream cannot hold
 * (quotas, features, transaction-less settings) is logged at the exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>

#include "xs_state_upstream.h"

#include "backend.h"
#include "conn.h"
#include "domain.h"
#include "handback.h"
#include "log.h"
#include "proto.h"
#include "state.h"
#include "takeover.h"
#include "txn.h"
#include "xsd.h"

/* Found in C xenstored 4.17's binary (the name of its state file), and
 * not in ours. */
#define UPSTREAM_MARK "%s/" XSU_C_STATE_FILE
/* Found in ours (also keeps it in the binary). */
const char handback_own_mark[] = "xenstored-xss live-update image v1";

static bool
contains(const uint8_t *p, size_t n, const char *s)
{
	return memmem(p, n, s, strlen(s)) != NULL;
}

bool
handback_target(const char *binary)
{
	struct stat st;
	void *p;
	bool up = false;
	int fd = open(binary, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0);
		if (p != MAP_FAILED) {
			up = contains(p, (size_t)st.st_size, UPSTREAM_MARK) &&
			     !contains(p, (size_t)st.st_size,
				       handback_own_mark);
			munmap(p, (size_t)st.st_size);
		}
	}
	close(fd);
	return up;
}

static int
list_txn(struct txn *t, void *arg)
{
	char **s = arg;

	*s = talloc_asprintf_append_buffer(*s, " %u", t->id);
	return *s ? 0 : ENOMEM;
}

char *
handback_blockers(struct xsd *xsd, TALLOC_CTX *ctx)
{
	char *s = talloc_strdup(ctx, "");
	unsigned int n = 0;
	struct conn *c;

	list_for_each(c, &xsd->conns, link) {
		if (!c->ntxns || !s)
			continue;
		n += c->ntxns;
		if (c->domain && c->domain->conn == c)
			s = talloc_asprintf_append_buffer(s, "\ndomain %u's "
					"ring: transaction%s", c->domid,
					c->ntxns == 1 ? "" : "s");
		else
			s = talloc_asprintf_append_buffer(s, "\nsocket "
					"connection %u (fd %d): transaction%s",
					c->id, c->fd,
					c->ntxns == 1 ? "" : "s");
		if (s)
			txn_foreach(c, list_txn, &s);
	}
	if (!n || !s) {
		talloc_free(s);
		return NULL;
	}
	return talloc_asprintf(ctx, "%u open transaction%s would be lost "
			       "(upstream's xenstored restores none):%s", n,
			       n == 1 ? "" : "s", s);
}

/* The first transaction (stops the walk: ending it frees it). */
static int
first_txn(struct txn *t, void *arg)
{
	*(struct txn **)arg = t;
	return 1;
}

void
handback_drop_txns(struct xsd *xsd)
{
	struct txn *t;
	struct conn *c;

	list_for_each(c, &xsd->conns, link) {
		while (c->ntxns) {
			t = NULL;
			txn_foreach(c, first_txn, &t);
			if (!t)
				break;
			txn_end(t, false);
		}
	}
}

/*
 * Our command line as upstream's parser takes it: the options both
 * have pass, ours alone are left out (with their values), and quotas
 * upstream does not know are left out too (it would refuse to start).
 */
static const struct {
	const char *name;
	bool arg;
} own_long[] = {
	/* ours */
	{ "backend", true }, { "restore", true }, { "live-restore", true },
	{ "live-check", true }, { "live-rollback", true },
	{ "max-connections", true },
	/* oxenstored's, after a takeover from it */
	{ "config-file", true }, { "no-access-log", false },
	{ "reraise-top-level", false }, { "live", false },
	{ "restart", false },
	{ NULL, false },
};
static const char *const upstream_quotas[] = {
	"outstanding=", "transaction-nodes=", "memory=", NULL,
};

/* Is the long option s (n octets) ours alone?  *arg: takes a value. */
static bool
own_option(const char *s, size_t n, bool *arg)
{
	unsigned int i;

	for (i = 0; own_long[i].name; i++)
		if (strlen(own_long[i].name) == n &&
		    !strncmp(own_long[i].name, s, n)) {
			*arg = own_long[i].arg;
			return true;
		}
	return false;
}

static bool
quota_known(const char *v, bool soft)
{
	const char *const *q;

	for (q = upstream_quotas; *q; q++)
		if (!strncmp(v, *q, strlen(*q)))
			return !soft || !strcmp(*q, "memory=");
	return false;
}

char **
handback_argv(TALLOC_CTX *ctx, const char *binary, char **own, char **left)
{
	unsigned int n = 0, i, k = 0;
	char **v;

	while (own[n])
		n++;
	v = talloc_array(ctx, char *, n + 3);
	*left = talloc_strdup(ctx, "");
	if (!v || !*left)
		return NULL;
	v[k++] = (char *)binary;
	for (i = 1; i < n; i++) {
		const char *a = own[i];
		const char *eq = strchr(a, '=');
		bool val = false;
		size_t len;

		if (!strncmp(a, "--", 2)) {
			len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			if (own_option(a + 2, len, &val)) {
				bool next = val && !eq && i + 1 < n;

				*left = talloc_asprintf_append_buffer(*left,
					" %s%s%s", a, next ? " " : "",
					next ? own[i + 1] : "");
				if (next)
					i++;
				continue;
			}
			if ((!strncmp(a, "--quota=", 8) &&
			     !quota_known(a + 8, false)) ||
			    (!strncmp(a, "--quota-soft=", 13) &&
			     !quota_known(a + 13, true))) {
				*left = talloc_asprintf_append_buffer(*left,
							" %s", a);
				continue;
			}
			if ((!strcmp(a, "--quota") || !strcmp(a, "--quota-soft"))
			    && i + 1 < n &&
			    !quota_known(own[i + 1], a[7] == '-')) {
				*left = talloc_asprintf_append_buffer(*left,
						" %s %s", a, own[i + 1]);
				i++;
				continue;
			}
		} else if ((!strcmp(a, "-Q") || !strcmp(a, "-q")) &&
			   i + 1 < n && !quota_known(own[i + 1], a[1] == 'q')) {
			*left = talloc_asprintf_append_buffer(*left, " %s %s",
							      a, own[i + 1]);
			i++;
			continue;
		} else if ((!strncmp(a, "-Q", 2) || !strncmp(a, "-q", 2)) &&
			   a[2] && !quota_known(a + 2, a[1] == 'q')) {
			*left = talloc_asprintf_append_buffer(*left, " %s", a);
			continue;
		}
		v[k++] = (char *)a;
		if (!*left)
			return NULL;
	}
	v[k++] = "-U";
	v[k] = NULL;
	return *left ? v : NULL;
}

int
handback_write(struct xsd *xsd, const struct conn *requester,
	       const struct xsd_sockmsg *req, char **dropped, char **errmsg,
	       TALLOC_CTX *ctx)
{
	TALLOC_CTX *tmp = talloc_new(ctx);
	struct xss_sink *img = xss_sink_memory(tmp), *out;
	struct xsu_state *st = NULL;
	const uint8_t *buf;
	const char *path, *part;
	size_t len;
	char *err = NULL;
	int fd, ret;

	if (!tmp || !img)
		return ENOMEM;
	ret = state_dump(xsd, img, XSS_KIND_DUMP, NULL, &err, tmp);
	if (ret) {
		*errmsg = talloc_asprintf(ctx, "writing the state: %s",
					  err ? err : strerror(ret));
		goto out;
	}
	buf = xss_sink_data(img, &len);
	ret = xsu_from_image(tmp, buf, len, &st, &err);
	/* Upstream answers the -s from its file: the OK goes in there. */
	if (!ret)
		ret = xsu_add_lu_ok(st, requester->id, req->req_id,
				    req->tx_id, &err);
	if (ret) {
		*errmsg = talloc_asprintf(ctx, "the state in upstream's terms:"
					  " %s", err ? err : strerror(ret));
		goto out;
	}
	path = takeover_c_file(tmp);
	part = talloc_asprintf(tmp, "%s.new", path ? path : "");
	if (!path || !part) {
		ret = ENOMEM;
		goto out;
	}
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		ret = errno;
		*errmsg = talloc_asprintf(ctx, "%s: %s", part, strerror(ret));
		goto out;
	}
	out = xss_sink_fd(tmp, fd);
	ret = out ? xsu_write_c(tmp, st, out, &err) : ENOMEM;
	if (!ret && fsync(fd) < 0)
		ret = errno;
	close(fd);
	if (!ret && rename(part, path) < 0)
		ret = errno;
	if (ret) {
		unlink(part);
		*errmsg = talloc_asprintf(ctx, "writing %s: %s", path,
					  err ? err : strerror(ret));
		goto out;
	}
	*dropped = talloc_strdup(ctx, st->dropped ? st->dropped : "");
out:
	talloc_free(tmp);
	return ret;
}
