// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * stream.c - where images go and come from: sinks (a growable memory
 * buffer, any file descriptor) and sources (memory, any descriptor).
 *
 * Errors are sticky, as in Redis rio: after the first failed write every
 * later write and flush returns the same errno, so a writer can check
 * once.  Descriptors are never closed here; short writes and reads,
 * EINTR and EAGAIN (non-blocking descriptors: wait with poll) are
 * handled.
 *
 * An fd sink collects small writes in a buffer; what it holds reaches
 * the descriptor at xss_sink_flush() (xss_write_end() calls it).
 *
 * An fd source reads through a buffer.  On a regular file it reads
 * ahead freely; on a pipe or socket (a stream, which may carry other
 * data after the image) it never asks for more than the caller says the
 * image must still hold, so nothing after END is consumed.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xss_private.h"

#define STREAM_BUF (64 * 1024)

struct xss_sink {
	bool memory;		/* a memory sink, else fd */
	int fd;
	uint8_t *buf;		/* memory: all; fd: not yet written */
	size_t len, cap;
	int err;		/* sticky */
};

struct xss_source {
	const uint8_t *mem;	/* memory source; NULL for an fd */
	size_t mem_len, mem_pos;
	int fd;
	bool stream;		/* pipe, socket, tty: no reading ahead */
	uint8_t *buf;		/* fd: read buffer of STREAM_BUF */
	size_t start, end;	/* unread octets are buf[start..end) */
	bool eof;
	int err;		/* sticky */
};

/* --- sinks ---------------------------------------------------------- */

struct xss_sink *
xss_sink_memory(TALLOC_CTX *mem_ctx)
{
	struct xss_sink *s = talloc_zero(mem_ctx, struct xss_sink);

	if (!s)
		return NULL;
	s->memory = true;
	s->fd = -1;
	return s;
}

struct xss_sink *
xss_sink_fd(TALLOC_CTX *mem_ctx, int fd)
{
	struct xss_sink *s = talloc_zero(mem_ctx, struct xss_sink);

	if (!s)
		return NULL;
	s->fd = fd;
	s->cap = STREAM_BUF;
	s->buf = talloc_size(s, s->cap);
	if (!s->buf) {
		talloc_free(s);
		return NULL;
	}
	return s;
}

const uint8_t *
xss_sink_data(const struct xss_sink *s, size_t *len)
{
	*len = s->memory ? s->len : 0;
	return s->memory ? s->buf : NULL;
}

int
xss_sink_errno(const struct xss_sink *s)
{
	return s->err;
}

static void
wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	/* Errors and hangups show up in the retried read or write. */
	(void)poll(&p, 1, -1);
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			wait_fd(fd, POLLOUT);
			continue;
		}
		if (k < 0)
			return errno;
		if (k == 0)
			return EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
memory_grow(struct xss_sink *s, size_t need)
{
	size_t cap = s->cap ? s->cap : 4096;
	uint8_t *p;

	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return ENOMEM;
		cap *= 2;
	}
	p = talloc_realloc_size(s, s->buf, cap);
	if (!p)
		return ENOMEM;
	s->buf = p;
	s->cap = cap;
	return 0;
}

int
xss_sink_flush(struct xss_sink *s)
{
	if (s->err || s->memory || !s->len)
		return s->err;
	s->err = write_all(s->fd, s->buf, s->len);
	s->len = 0;
	return s->err;
}

int
xss_sink_write(struct xss_sink *s, const void *buf, size_t n)
{
	if (s->err || !n)
		return s->err;
	if (s->memory) {
		if (n > SIZE_MAX - s->len)
			s->err = ENOMEM;
		else if (s->len + n > s->cap)
			s->err = memory_grow(s, s->len + n);
		if (s->err)
			return s->err;
		memcpy(s->buf + s->len, buf, n);
		s->len += n;
		return 0;
	}
	if (s->len + n <= s->cap) {
		memcpy(s->buf + s->len, buf, n);
		s->len += n;
		return 0;
	}
	if (xss_sink_flush(s))
		return s->err;
	if (n >= s->cap) {
		s->err = write_all(s->fd, buf, n);
		return s->err;
	}
	memcpy(s->buf, buf, n);
	s->len = n;
	return 0;
}

/* --- sources -------------------------------------------------------- */

struct xss_source *
xss_source_memory(TALLOC_CTX *mem_ctx, const void *buf, size_t len)
{
	static const uint8_t empty[1];
	struct xss_source *s = talloc_zero(mem_ctx, struct xss_source);

	if (!s)
		return NULL;
	s->mem = buf ? buf : empty;
	s->mem_len = buf ? len : 0;
	s->fd = -1;
	return s;
}

struct xss_source *
xss_source_fd(TALLOC_CTX *mem_ctx, int fd)
{
	struct xss_source *s = talloc_zero(mem_ctx, struct xss_source);
	struct stat st;

	if (!s)
		return NULL;
	s->fd = fd;
	s->stream = fstat(fd, &st) != 0 ||
		    !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
	s->buf = talloc_size(s, STREAM_BUF);
	if (!s->buf) {
		talloc_free(s);
		return NULL;
	}
	return s;
}

/* One read(2): *got 0 means end of file. */
static int
read_some(struct xss_source *s, uint8_t *dst, size_t max, size_t *got)
{
	for (;;) {
		ssize_t k = read(s->fd, dst, max);

		if (k >= 0) {
			*got = (size_t)k;
			if (!k)
				s->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			wait_fd(s->fd, POLLIN);
			continue;
		}
		s->err = errno;
		return s->err;
	}
}

/* Copy up to n octets to dst; *got < n only at the end of the file. */
static int
fd_read(struct xss_source *s, uint8_t *dst, size_t n, size_t ahead,
	size_t *got)
{
	size_t done = 0, k;

	while (done < n) {
		size_t avail = s->end - s->start, need = n - done, want;

		if (avail) {
			k = avail < need ? avail : need;
			memcpy(dst + done, s->buf + s->start, k);
			s->start += k;
			done += k;
			continue;
		}
		if (s->eof || s->err)
			break;
		if (need >= STREAM_BUF) {
			/* Large: straight to the caller, exactly as asked. */
			if (read_some(s, dst + done, need, &k))
				break;
			done += k;
			continue;
		}
		want = STREAM_BUF;
		if (s->stream && ahead < STREAM_BUF - need)
			want = need + ahead;
		s->start = s->end = 0;
		if (read_some(s, s->buf, want, &k))
			break;
		s->end = k;
	}
	*got = done;
	return s->err;
}

int
xss_source_take(struct xss_source *s, TALLOC_CTX *ctx, size_t n,
		size_t ahead, const uint8_t **out, size_t *got)
{
	static const uint8_t empty[1];
	uint8_t *dst;

	*out = empty;
	*got = 0;
	if (s->err)
		return s->err;
	if (s->mem) {
		size_t left = s->mem_len - s->mem_pos;

		*out = s->mem + s->mem_pos;
		*got = n < left ? n : left;
		s->mem_pos += *got;
		return 0;
	}
	if (!n)
		return 0;
	dst = talloc_size(ctx, n);
	if (!dst)
		return ENOMEM;
	*out = dst;
	return fd_read(s, dst, n, ahead, got);
}

int
xss_source_more(struct xss_source *s, uint64_t *more)
{
	size_t k;

	*more = 0;
	if (s->mem) {
		*more = s->mem_len - s->mem_pos;
		return 0;
	}
	if (s->err)
		return s->err;
	if (s->end > s->start) {
		*more = s->end - s->start;
		return 0;
	}
	if (s->stream || s->eof)
		return 0;
	s->start = s->end = 0;
	if (read_some(s, s->buf, STREAM_BUF, &k))
		return s->err;
	s->end = k;
	*more = k;
	return 0;
}
