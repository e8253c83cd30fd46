// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * upstream_ox.c - oxenstored 4.17's live update dump ("$xenstored-dump-
 * format", tests/fakexen/OXENSTORED-LU.md) read into the upstream model
 * of xs_state_upstream.h, checked as strictly as our own images.
 *
 * The file is text, one record a line ending with '\n', fields split by
 * ',': numbers in decimal, strings as lowercase hex.  Lines come in the
 * order the daemon writes them: the header, global, evtchn-dev, the
 * connections (dom, socket) each with its watches, then the nodes (store)
 * from the root down.  The file has no end marker; its last line must
 * end with '\n', and the two special nodes, which every oxenstored has,
 * must be there.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xs_state_upstream.h"
#include "xss_private.h"

#define OX_HEADER "$xenstored-dump-format"
#define OX_MAX_FIELDS 6
#define OX_MAX_PORT 0x1ffffu		/* Xen's FIFO ABI: 2^17 ports */
#define OX_INTRODUCE "/@introduceDomain"
#define OX_RELEASE "/@releaseDomain"

struct field {
	const char *p;
	size_t len;
};

struct rd {
	TALLOC_CTX *ctx;		/* messages and scratch */
	struct xsu_state *st;
	char **err;
	unsigned int line;
	struct field f[OX_MAX_FIELDS];
	unsigned int nf;
	unsigned int cap_nodes, cap_conns;
	struct xss_set *paths;		/* nodes seen */
	struct xss_set *conn_ids;	/* "d<domid>" / "s<fd>": index */
	bool seen_introduce, seen_release;
};

static int XSS_PRINTF(2, 3)
bad(struct rd *r, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = talloc_vasprintf(r->ctx, fmt, ap);
	va_end(ap);
	if (!msg)
		return ENOMEM;
	*r->err = r->line ? talloc_asprintf(r->ctx, "line %u: %s", r->line,
					    msg)
			  : msg;
	return *r->err ? EBADMSG : ENOMEM;
}

/* Decimal: an optional '-' when neg is allowed, digits, no leading 0. */
static int
number(struct rd *r, unsigned int i, const char *what, int64_t min,
       int64_t max, int64_t *out)
{
	const struct field *f = &r->f[i];
	size_t k = 0;
	bool minus = false;
	uint64_t v = 0;

	if (f->len && f->p[0] == '-' && min < 0) {
		minus = true;
		k = 1;
	}
	if (k == f->len)
		return bad(r, "%s is not a number: %s", what,
			   xss_quote(r->ctx, f->p, f->len));
	if (f->p[k] == '0' && f->len > k + 1)
		return bad(r, "%s has a leading zero: %s", what,
			   xss_quote(r->ctx, f->p, f->len));
	for (; k < f->len; k++) {
		if (f->p[k] < '0' || f->p[k] > '9')
			return bad(r, "%s is not a number: %s", what,
				   xss_quote(r->ctx, f->p, f->len));
		if (v > ((uint64_t)INT64_MAX - 9) / 10)
			return bad(r, "%s is out of range: %s", what,
				   xss_quote(r->ctx, f->p, f->len));
		v = v * 10 + (uint64_t)(f->p[k] - '0');
	}
	*out = minus ? -(int64_t)v : (int64_t)v;
	if (*out < min || *out > max)
		return bad(r, "%s %lld is out of range %lld..%lld", what,
			   (long long)*out, (long long)min, (long long)max);
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Field i as hex into a new NUL-terminated buffer on st (*len octets
 * before the NUL), at most max octets.
 */
static int
unhex(struct rd *r, unsigned int i, const char *what, size_t max,
      uint8_t **out, size_t *len)
{
	const struct field *f = &r->f[i];
	size_t k;
	int hi, lo;

	if (f->len % 2)
		return bad(r, "%s: odd number of hex digits (%zu)", what,
			   f->len);
	if (f->len / 2 > max)
		return bad(r, "%s is longer than %zu octets", what, max);
	*len = f->len / 2;
	*out = talloc_size(r->st, *len + 1);
	if (!*out)
		return ENOMEM;
	for (k = 0; k < *len; k++) {
		hi = hexval(f->p[2 * k]);
		lo = hexval(f->p[2 * k + 1]);
		if (hi < 0 || lo < 0) {
			k = 2 * k + (hi >= 0);
			return bad(r, "%s: bad hex digit %s at %zu", what,
				   xss_quote(r->ctx, &f->p[k], 1), k);
		}
		(*out)[k] = (uint8_t)(hi << 4 | lo);
	}
	(*out)[*len] = 0;
	return 0;
}

static int
nfields(struct rd *r, unsigned int want)
{
	if (r->nf != want)
		return bad(r, "%.*s line with %u fields, not %u",
			   (int)r->f[0].len, r->f[0].p, r->nf - 1, want - 1);
	return 0;
}

/* Split the line [p, p + len) at ',' into r->f. */
static int
split(struct rd *r, const char *p, size_t len)
{
	const char *end = p + len, *c;

	r->nf = 0;
	for (;;) {
		if (r->nf == OX_MAX_FIELDS)
			return bad(r, "more than %u fields",
				   OX_MAX_FIELDS - 1);
		c = memchr(p, ',', (size_t)(end - p));
		r->f[r->nf].p = p;
		r->f[r->nf].len = (size_t)((c ? c : end) - p);
		r->nf++;
		if (!c)
			return 0;
		p = c + 1;
	}
}

static bool
is(const struct field *f, const char *word)
{
	return f->len == strlen(word) && !memcmp(f->p, word, f->len);
}

static int
fd_taken(struct rd *r, int64_t fd, const char *what)
{
	const struct xsu_state *st = r->st;
	unsigned int i;

	if (fd == st->socket_fd)
		return bad(r, "%s %lld is the listening socket's", what,
			   (long long)fd);
	if (fd == st->evtchn_fd)
		return bad(r, "%s %lld is the event channel handle's", what,
			   (long long)fd);
	for (i = 0; i < st->nconns; i++)
		if (!st->conns[i].ring && st->conns[i].fd == fd)
			return bad(r, "%s %lld is a socket connection's "
				   "already", what, (long long)fd);
	return 0;
}

static int
global_line(struct rd *r)
{
	int64_t fd;
	int ret = nfields(r, 2);

	if (!ret)
		ret = number(r, 1, "listening socket fd", -1, INT32_MAX, &fd);
	if (!ret)
		r->st->socket_fd = (int32_t)fd;
	return ret;
}

static int
evtchn_line(struct rd *r)
{
	int64_t fd, port;
	int ret = nfields(r, 3);

	if (!ret)
		ret = number(r, 1, "event channel fd", 0, INT32_MAX, &fd);
	if (!ret)
		ret = number(r, 2, "VIRQ_DOM_EXC port", 1, OX_MAX_PORT, &port);
	if (!ret && fd == r->st->socket_fd)
		ret = bad(r, "event channel fd %lld is the listening "
			  "socket's", (long long)fd);
	if (ret)
		return ret;
	r->st->evtchn_fd = (int32_t)fd;
	r->st->virq_port = (uint32_t)port;
	return 0;
}

static int
new_conn(struct rd *r, const char *key, struct xsu_conn **c)
{
	struct xsu_state *st = r->st;
	struct xsu_conn *n;
	uint32_t first;
	int ret;

	ret = xss_set_add(r->conn_ids, key, strlen(key), r->line, &first);
	if (ret == EEXIST)
		return bad(r, "the connection of line %u again", first);
	if (ret)
		return ret;
	if (st->nconns == r->cap_conns) {
		r->cap_conns = r->cap_conns ? r->cap_conns * 2 : 16;
		n = talloc_realloc(st, st->conns, struct xsu_conn,
				   r->cap_conns);
		if (!n)
			return ENOMEM;
		st->conns = n;
	}
	*c = &st->conns[st->nconns++];
	memset(*c, 0, sizeof(**c));
	(*c)->fd = XSS_NO_FD;
	(*c)->target = XSS_NO_TARGET;
	return 0;
}

static int
dom_line(struct rd *r)
{
	int64_t domid, mfn, remote, local;
	struct xsu_conn *c;
	char key[32];
	unsigned int i;
	int ret;

	if (r->nf == 4)
		return bad(r, "dom line without the local port (from an "
			   "oxenstored older than 4.17?)");
	ret = nfields(r, 5);
	if (!ret)
		ret = number(r, 1, "domid", 0, XSS_MAX_DOMID, &domid);
	if (!ret)
		ret = number(r, 2, "mfn", 0, INT64_MAX, &mfn);
	if (!ret)
		ret = number(r, 3, "remote port", 1, OX_MAX_PORT, &remote);
	if (!ret)
		ret = number(r, 4, "local port", 1, OX_MAX_PORT, &local);
	if (ret)
		return ret;
	if ((uint32_t)local == r->st->virq_port)
		return bad(r, "local port %lld is VIRQ_DOM_EXC's",
			   (long long)local);
	for (i = 0; i < r->st->nconns; i++)
		if (r->st->conns[i].ring &&
		    r->st->conns[i].local_port == (uint32_t)local)
			return bad(r, "local port %lld is domain %u's already",
				   (long long)local, r->st->conns[i].domid);
	snprintf(key, sizeof(key), "d%lld", (long long)domid);
	ret = new_conn(r, key, &c);
	if (ret)
		return ret;
	c->ring = true;
	c->domid = (uint32_t)domid;
	c->mfn = (uint64_t)mfn;
	c->remote_port = (uint32_t)remote;
	c->local_port = (uint32_t)local;
	return 0;
}

static int
socket_line(struct rd *r)
{
	struct xsu_conn *c;
	char key[32];
	int64_t fd;
	int ret = nfields(r, 2);

	if (!ret)
		ret = number(r, 1, "socket fd", 0, INT32_MAX, &fd);
	if (ret)
		return ret;
	/* Its watches would name it 0, as dom0's. */
	if (!fd)
		return bad(r, "socket fd 0");
	ret = fd_taken(r, fd, "socket fd");
	if (ret)
		return ret;
	snprintf(key, sizeof(key), "s%lld", (long long)fd);
	ret = new_conn(r, key, &c);
	if (ret)
		return ret;
	c->fd = (int32_t)fd;
	return 0;
}

/* A watch's path: special, absolute, or relative to the home. */
static int
watch_path(struct rd *r, const struct xsu_conn *c, const char *p,
	   size_t len, bool *relative)
{
	char full[XSS_HOME_MAX + 1 + XSS_MAX_PATH + 1];
	const char *why;
	size_t at, n;

	*relative = len && p[0] != '/' && p[0] != '@';
	if (!*relative) {
		why = xss_path_invalid(p, len, true, &at);
	} else {
		n = xss_home(full, c->ring ? c->domid : 0);
		full[n++] = '/';
		memcpy(full + n, p, len);
		why = xss_path_invalid(full, n + len, false, &at);
		if (at != SIZE_MAX)
			at = at >= n ? at - n : SIZE_MAX;
	}
	if (!why)
		return 0;
	if (at != SIZE_MAX)
		return bad(r, "watch path %s %s (at %zu)",
			   xss_quote(r->ctx, p, len), why, at);
	return bad(r, "watch path %s %s%s", xss_quote(r->ctx, p, len), why,
		   *relative ? " once below its connection's home" : "");
}

static int
watch_line(struct rd *r)
{
	struct xsu_conn *c;
	struct xsu_watch *w;
	uint8_t *path, *token;
	size_t plen, tlen;
	int64_t id;
	bool rel;
	unsigned int i;
	int ret = nfields(r, 4);

	if (!ret)
		ret = number(r, 1, "connection id", -(int64_t)INT32_MAX,
			     XSS_MAX_DOMID, &id);
	if (ret)
		return ret;
	for (i = 0; i < r->st->nconns; i++) {
		c = &r->st->conns[i];
		if (c->ring ? id >= 0 && c->domid == (uint32_t)id
			    : id < 0 && c->fd == -id)
			break;
	}
	if (i == r->st->nconns)
		return bad(r, "watch of unknown connection %lld (%s %lld)",
			   (long long)id, id < 0 ? "socket fd" : "domain",
			   (long long)(id < 0 ? -id : id));
	ret = unhex(r, 2, "watch path", XSS_MAX_PATH, &path, &plen);
	if (!ret)
		ret = unhex(r, 3, "watch token", XSS_MAX_TOKEN, &token, &tlen);
	if (ret)
		return ret;
	if (memchr(path, 0, plen))
		return bad(r, "watch path has a NUL");
	if (memchr(token, 0, tlen))
		return bad(r, "watch token has a NUL");
	ret = watch_path(r, c, (const char *)path, plen, &rel);
	if (ret)
		return ret;
	for (i = 0; i < c->nwatches; i++)
		if (!strcmp(c->watches[i].path, (const char *)path) &&
		    !strcmp(c->watches[i].token, (const char *)token))
			return bad(r, "watch %s with token %s twice",
				   xss_quote(r->ctx, path, plen),
				   xss_quote(r->ctx, token, tlen));
	w = talloc_realloc(r->st, c->watches, struct xsu_watch,
			   c->nwatches + 1);
	if (!w)
		return ENOMEM;
	c->watches = w;
	w = &c->watches[c->nwatches++];
	w->path = (const char *)path;
	w->token = (const char *)token;
	w->relative = rel;
	return 0;
}

/* "n0\0r5": letter and domid per entry, owner first. */
static int
perms(struct rd *r, const uint8_t *s, size_t len, struct xss_perms *out)
{
	struct xss_perm *p;
	size_t i = 0, j, n = 1;
	uint32_t k = 0, v;

	if (!len)
		return bad(r, "no permissions");
	for (j = 0; j < len; j++)
		n += !s[j];
	if (n > XSS_MAX_PERMS)
		return bad(r, "%zu permissions, more than %u", n,
			   XSS_MAX_PERMS);
	p = talloc_array(r->st, struct xss_perm, n);
	if (!p)
		return ENOMEM;
	while (i <= len) {
		j = i;
		while (j < len && s[j])
			j++;
		/* s[i] is the letter, s[i+1..j) the domid */
		if (j == i)
			return bad(r, "permission %u is empty", k + 1);
		switch (s[i]) {
		case 'n':
			p[k].access = 0;
			break;
		case 'r':
			p[k].access = XSS_PERM_READ;
			break;
		case 'w':
			p[k].access = XSS_PERM_WRITE;
			break;
		case 'b':
			p[k].access = XSS_PERM_READ | XSS_PERM_WRITE;
			break;
		default:
			return bad(r, "permission %u: unknown letter %s", k + 1,
				   xss_quote(r->ctx, &s[i], 1));
		}
		if (j == i + 1 || (s[i + 1] == '0' && j > i + 2))
			return bad(r, "permission %u: bad domid %s", k + 1,
				   xss_quote(r->ctx, &s[i + 1], j - i - 1));
		for (v = 0, i++; i < j; i++) {
			if (s[i] < '0' || s[i] > '9' ||
			    (v = v * 10 + (uint32_t)(s[i] - '0')) >
			    XSS_MAX_PERM_DOMID)
				return bad(r, "permission %u: bad domid", k + 1);
		}
		p[k++].domid = v;
		i = j + 1;
	}
	out->num = k;
	out->p = p;
	return 0;
}

static int
store_line(struct rd *r)
{
	struct xsu_state *st = r->st;
	struct xss_perms pm;
	struct xsu_node *n;
	uint8_t *path, *ps, *value;
	size_t plen, pslen, vlen, at, parent;
	const char *why;
	uint32_t first;
	int ret = nfields(r, 4);

	if (!ret)
		ret = unhex(r, 1, "path", XSS_MAX_PATH, &path, &plen);
	if (!ret)
		ret = unhex(r, 2, "permissions", XSS_MAX_PERMS * 12, &ps,
			    &pslen);
	if (!ret)
		ret = unhex(r, 3, "value", XSS_MAX_VALUE, &value, &vlen);
	if (ret)
		return ret;
	why = xss_path_invalid((const char *)path, plen, false, &at);
	if (why && at != SIZE_MAX)
		return bad(r, "path %s %s (at %zu)",
			   xss_quote(r->ctx, path, plen), why, at);
	if (why)
		return bad(r, "path %s %s", xss_quote(r->ctx, path, plen), why);
	ret = xss_set_add(r->paths, path, plen, r->line, &first);
	if (ret == EEXIST)
		return bad(r, "node %s again (first on line %u)",
			   xss_quote(r->ctx, path, plen), first);
	if (ret)
		return ret;
	if (!st->nnodes && strcmp((const char *)path, "/"))
		return bad(r, "first node %s, not the root",
			   xss_quote(r->ctx, path, plen));
	if (st->nnodes) {
		parent = (size_t)((const uint8_t *)memrchr(path, '/', plen) -
				  path);
		if (!xss_set_find(r->paths, path, parent ? parent : 1, NULL))
			return bad(r, "node %s before its parent",
				   xss_quote(r->ctx, path, plen));
		if (xss_path_below((const char *)path, plen, OX_INTRODUCE,
				   strlen(OX_INTRODUCE)) ||
		    xss_path_below((const char *)path, plen, OX_RELEASE,
				   strlen(OX_RELEASE)))
			return bad(r, "node %s below a special node",
				   xss_quote(r->ctx, path, plen));
	}
	ret = perms(r, ps, pslen, &pm);
	if (ret)
		return ret;
	if (!strcmp((const char *)path, OX_INTRODUCE)) {
		st->introduce_perms = pm;
		r->seen_introduce = true;
		return 0;
	}
	if (!strcmp((const char *)path, OX_RELEASE)) {
		st->release_perms = pm;
		r->seen_release = true;
		return 0;
	}
	if (st->nnodes == r->cap_nodes) {
		r->cap_nodes = r->cap_nodes ? r->cap_nodes * 2 : 64;
		n = talloc_realloc(st, st->nodes, struct xsu_node,
				   r->cap_nodes);
		if (!n)
			return ENOMEM;
		st->nodes = n;
	}
	n = &st->nodes[st->nnodes++];
	n->path = (const char *)path;
	n->perms = pm;
	n->value = value;
	n->len = (uint32_t)vlen;
	return 0;
}

enum stage { S_GLOBAL, S_EVTCHN, S_CONNS, S_STORE };

static int
one_line(struct rd *r, enum stage *stage)
{
	const struct field *k = &r->f[0];

	if (is(k, "global")) {
		if (*stage != S_GLOBAL)
			return bad(r, "global line not right after the header");
		*stage = S_EVTCHN;
		return global_line(r);
	}
	if (*stage == S_GLOBAL)
		return bad(r, "%s line before the global line",
			   xss_quote(r->ctx, k->p, k->len));
	if (is(k, "evtchn-dev")) {
		if (*stage != S_EVTCHN)
			return bad(r, "evtchn-dev line not right after the "
				   "global line");
		*stage = S_CONNS;
		return evtchn_line(r);
	}
	if (*stage == S_EVTCHN)
		return bad(r, "%s line before the evtchn-dev line",
			   xss_quote(r->ctx, k->p, k->len));
	if (is(k, "store")) {
		*stage = S_STORE;
		return store_line(r);
	}
	if (!is(k, "dom") && !is(k, "socket") && !is(k, "watch"))
		return bad(r, "unknown line kind %s",
			   xss_quote(r->ctx, k->p, k->len));
	if (*stage == S_STORE)
		return bad(r, "%.*s line after the nodes", (int)k->len, k->p);
	if (is(k, "dom"))
		return dom_line(r);
	if (is(k, "socket"))
		return socket_line(r);
	return watch_line(r);
}

int
xsu_read_ox(TALLOC_CTX *ctx, const uint8_t *buf, size_t len,
	    struct xsu_state **stp, char **err)
{
	struct rd r = { .err = err };
	const char *p = (const char *)buf, *end = p + len, *nl;
	enum stage stage = S_GLOBAL;
	struct xsu_state *st;
	int ret = 0;

	*stp = NULL;
	*err = NULL;
	r.ctx = talloc_new(ctx);
	st = talloc_zero(ctx, struct xsu_state);
	if (!r.ctx || !st) {
		talloc_free(r.ctx);
		talloc_free(st);
		return ENOMEM;
	}
	r.st = st;
	st->socket_fd = XSS_NO_FD;
	st->evtchn_fd = XSS_NO_FD;
	st->dropped = "";
	r.paths = xss_set_new(r.ctx);
	r.conn_ids = xss_set_new(r.ctx);
	if (!r.paths || !r.conn_ids)
		ret = ENOMEM;
	while (!ret && p < end) {
		r.line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			ret = bad(&r, "no end of line: the file is cut short");
			break;
		}
		if (memchr(p, 0, (size_t)(nl - p)) ||
		    memchr(p, '\r', (size_t)(nl - p))) {
			ret = bad(&r, "a NUL or CR in the line");
			break;
		}
		if (r.line == 1) {
			if ((size_t)(nl - p) != strlen(OX_HEADER) ||
			    memcmp(p, OX_HEADER, strlen(OX_HEADER)))
				ret = bad(&r, "not \"" OX_HEADER "\"");
		} else if (nl == p) {
			ret = bad(&r, "empty line");
		} else {
			ret = split(&r, p, (size_t)(nl - p));
			if (!ret)
				ret = one_line(&r, &stage);
		}
		p = nl + 1;
	}
	if (!ret) {
		r.line = 0;
		if (!len)
			ret = bad(&r, "empty file");
		else if (stage != S_STORE)
			ret = bad(&r, "the file ends before its nodes");
		else if (!r.seen_introduce || !r.seen_release)
			ret = bad(&r, "the file ends without the node %s: cut "
				  "short?", r.seen_introduce ? OX_RELEASE
							     : OX_INTRODUCE);
	}
	if (ret) {
		if (*err)
			*err = talloc_steal(ctx, *err);
		talloc_free(st);
	} else {
		*stp = st;
	}
	talloc_free(r.ctx);
	return ret;
}
