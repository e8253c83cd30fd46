// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * migration.c - one domain's xenstore state out of this daemon and into
 * another (docs/migration.md).
 *
 *   migrate-export <domid>   quiesce the domain, then write its
 *                            MIGRATION image to the descriptor passed
 *                            with the request
 *   migrate-import <domid>   read an image from the descriptor passed
 *                            with the request, check all of it, apply it
 *                            for the INTRODUCE to come
 *   migrate-resume <domid>   the migration was aborted: serve the
 *                            quiesced domain again
 *
 * Quiesced, a domain's ring is left alone: nothing more is taken from
 * it, nothing is put into it, so the page and the image agree (requests
 * still in the ring stay there; a half-read one is in the image, with
 * the replies and events not yet delivered).  It stays so until RELEASE
 * or migrate-resume.
 *
 * The image may be large and the descriptor a pipe whose reader is
 * slow, or a pipe the writer fills slowly (or endlessly): the bytes
 * move a chunk per loop turn as the loop finds the descriptor ready,
 * and the request is answered (deferred) when they have all moved.
 * The requester's connection waits; everybody else is served
 * meanwhile.  An import reads no more than an image can need at the
 * domain's quotas here (state_import_max).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <talloc.h>

#include "xs_state.h"

#include "conn.h"
#include "conn_ring.h"
#include "domain.h"
#include "log.h"
#include "loop.h"
#include "migration.h"
#include "proto.h"
#include "state.h"
#include "xsd.h"

/* What moves per loop turn: the daemon serves everybody else between. */
#define IO_CHUNK 65536

struct transfer {
	struct xsd *xsd;
	struct conn *conn;		/* the requester: our talloc parent */
	struct xsd_sockmsg hdr;		/* its request, answered at the end */
	const char *cmd;
	unsigned int domid;
	unsigned int as;		/* import: as this domain */
	int fd;
	struct loop_io *io;
	bool export;
	bool deferred;			/* the request waits (else answered
					 * before the handler returns) */
	struct timespec start;
	const uint8_t *out;		/* export: the image, in its sink */
	uint8_t *buf;			/* import: what came so far */
	size_t len, off, cap;
	size_t max;			/* import: the most it reads */
	char *max_how;			/* ... and why that much */
};

static int
transfer_destroy(struct transfer *t)
{
	t->xsd->transfers--;
	TALLOC_FREE(t->io);
	if (t->fd >= 0)
		close(t->fd);
	return 0;
}

/* Answer, take requests again, and go. */
static void
finish(struct transfer *t, const char *text)
{
	struct conn *c = t->conn;
	bool deferred = t->deferred;

	proto_answer_str(c, &t->hdr, text);
	talloc_free(t);
	if (deferred)
		conn_unblock(c);
}

static void
finish_err(struct transfer *t, const char *fmt, const char *detail)
{
	char *s = talloc_asprintf(t, "%s %u: %s%s", t->cmd, t->domid, fmt,
				  detail ? detail : "");

	log_warnx("%s", s ? s : "migration failed");
	finish(t, s ? s : "migration failed");
}

static void
import_done(struct transfer *t)
{
	char *err = NULL;
	int ret = state_import_as(t->xsd, t->buf, t->len, t->domid, t->as,
				  &err, t);

	if (ret) {
		finish_err(t, "", err ? err : strerror(ret));
		return;
	}
	log_info("domain %u imported as %u (%zu bytes) in %.1f ms", t->domid,
		 t->as, t->len, loop_ms_since(&t->start));
	finish(t, "OK");
}

/* One step: true when there is nothing more to do now. */
static bool
step(struct transfer *t)
{
	ssize_t n;

	if (t->export) {
		n = write(t->fd, t->out + t->off, t->len - t->off > IO_CHUNK ?
			  IO_CHUNK : t->len - t->off);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ?
			       true : (finish_err(t, "writing the image: ",
						  strerror(errno)), true);
		t->off += (size_t)n;
		if (t->off == t->len) {
			log_info("domain %u exported (%zu bytes) in %.1f ms",
				 t->domid, t->len, loop_ms_since(&t->start));
			finish(t, "OK");
			return true;
		}
		return false;
	}
	if (t->len == t->cap) {
		/* One octet past the most: that says the image is larger. */
		size_t cap = t->cap ? t->cap * 2 : IO_CHUNK;
		uint8_t *p;

		if (cap > t->max + 1)
			cap = t->max + 1;
		p = talloc_realloc_size(t, t->buf, cap);
		if (!p) {
			finish_err(t, "", strerror(ENOMEM));
			return true;
		}
		t->buf = p;
		t->cap = cap;
	}
	n = read(t->fd, t->buf + t->len, t->cap - t->len > IO_CHUNK ?
		 IO_CHUNK : t->cap - t->len);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ?
		       true : (finish_err(t, "reading the image: ",
					  strerror(errno)), true);
	if (n == 0) {
		import_done(t);
		return true;
	}
	t->len += (size_t)n;
	if (t->len > t->max) {
		char *s = talloc_asprintf(t, "the image is larger than %zu "
					  "bytes, %s", t->max, t->max_how);

		finish_err(t, "", s ? s : strerror(ENOMEM));
		return true;
	}
	return false;
}

/* The descriptor is ready: one chunk, and back to the loop. */
static void
transfer_event(void *arg, short revents)
{
	(void)revents;
	step(arg);
}

static struct transfer *
transfer_new(struct req *r, const char *cmd, unsigned int domid, int fd,
	     bool export)
{
	struct transfer *t = talloc_zero(r->conn, struct transfer);

	if (!t) {
		close(fd);
		return NULL;
	}
	t->xsd = r->xsd;
	t->xsd->transfers++;	/* a live update waits for it */
	t->conn = r->conn;
	t->hdr = r->hdr;
	t->cmd = cmd;
	t->domid = domid;
	t->fd = fd;
	t->export = export;
	clock_gettime(CLOCK_MONOTONIC, &t->start);
	talloc_set_destructor(t, transfer_destroy);
	return t;
}

/* Start moving bytes; the request waits for the answer. */
static int
transfer_start(struct transfer *t)
{
	struct stat st;

	if (fstat(t->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		/* A file never blocks: all of it now, answered now. */
		while (!step(t))
			;
		return 0;
	}
	t->deferred = true;
	fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
	t->io = loop_add(t->xsd->loop, t, t->fd, t->export ? POLLOUT : POLLIN,
			 transfer_event, t);
	if (!t->io) {
		talloc_free(t);
		return ENOMEM;
	}
	return PROTO_DEFERRED;
}

static bool
parse_domid(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v == 0 || v > 0x7fef)
		return false;
	*out = v;
	return true;
}

static int
reply_text(struct req *r, const char *cmd, unsigned int domid,
	   const char *why)
{
	char *s = talloc_asprintf(r, "%s %u: %s", cmd, domid, why);

	return s ? proto_reply_str(r, s) : ENOMEM;
}

static int
do_export(struct req *r, struct domain *d, int fd)
{
	struct xss_sink *sink = xss_sink_memory(r);
	struct transfer *t;
	struct timespec start;
	char *err = NULL;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &start);
	d->quiesced = true;
	ret = sink ? state_dump_domain(r->xsd, d, sink, &err, r) : ENOMEM;
	if (ret) {
		d->quiesced = false;
		close(fd);
		return reply_text(r, "migrate-export", d->domid,
				  err ? err : strerror(ret));
	}
	log_info("domain %u quiesced for export", d->domid);
	t = transfer_new(r, "migrate-export", d->domid, fd, true);
	if (!t)
		return ENOMEM;
	t->start = start;	/* from the quiesce */
	t->out = xss_sink_data(talloc_steal(t, sink), &t->len);
	return transfer_start(t);
}

int
migration_control(struct req *r, const char **argv, unsigned int argc,
		  const char *cmd)
{
	struct domain *d;
	unsigned int v, as;
	int fd;

	if (argc != 1 && !(argc == 2 && !strcmp(cmd, "migrate-import")))
		return EINVAL;
	if (!parse_domid(argv[0], &v) ||
	    (argc == 2 && !parse_domid(argv[1], &as)))
		return EINVAL;
	if (argc == 1)
		as = v;
	d = domain_get(r->xsd, v, false);
	if (!strcmp(cmd, "migrate-resume")) {
		if (!d || !d->quiesced)
			return reply_text(r, cmd, v,
					  "not quiesced");
		d->quiesced = false;
		log_info("domain %u resumed", d->domid);
		if (d->conn)
			conn_ring_event(d->conn);
		return proto_ack(r);
	}
	fd = conn_take_fd(r->conn);
	if (fd < 0)
		return reply_text(r, cmd, v, "no descriptor "
				  "came with the request (SCM_RIGHTS)");
	if (!strcmp(cmd, "migrate-export")) {
		if (!d || !d->introduced || !d->conn || !d->page) {
			close(fd);
			return reply_text(r, cmd, v,
					  "not an introduced domain");
		}
		if (d->quiesced) {
			close(fd);
			return reply_text(r, cmd, v,
					  "already quiesced (exported)");
		}
		return do_export(r, d, fd);
	}
	{
		struct transfer *t = transfer_new(r, cmd, v, fd, false);

		if (!t)
			return ENOMEM;
		t->as = as;
		t->max = state_import_max(r->xsd, as, &t->max_how, t);
		if (!t->max_how) {
			talloc_free(t);
			return ENOMEM;
		}
		return transfer_start(t);
	}
}
