// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_embed.c - "embed" and "extract": an xs-state image into a libxl
 * migration stream as its DOMAIN_XENSTORE_DATA record, and back out
 * (docs/libxl-stream.md).
 *
 * The stream passes through tool_libxl.c's walk, which checks all of it
 * on the way; the output is complete only if the walk reached END, so
 * files are written under a temporary name and renamed into place at the
 * end, and a failed command leaves no file behind (standard output, if
 * that is where the stream goes, is cut short and the exit status is 1).
 *
 * extract --strip writes every octet of the stream but the record, so a
 * stream that went through embed comes back byte for byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

/* An output: a file written under a temporary name, or standard output. */
struct output {
	const char *path;	/* NULL: standard output */
	char *tmp;
	FILE *f;
};

static int
output_destroy(struct output *o)
{
	if (o->path && o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	return 0;
}

/* NULL after printing why. */
static struct output *
output_open(TALLOC_CTX *mem_ctx, const char *path)
{
	struct output *o = talloc_zero(mem_ctx, struct output);
	mode_t mask;
	int fd;

	if (!o) {
		tool_warnx("out of memory");
		return NULL;
	}
	talloc_set_destructor(o, output_destroy);
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return o;
	}
	o->path = path;
	o->tmp = talloc_asprintf(o, "%s.XXXXXX", path);
	if (!o->tmp) {
		tool_warnx("out of memory");
		talloc_free(o);
		return NULL;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		tool_warnx("%s: %s", o->tmp, strerror(errno));
		o->tmp = NULL;
		talloc_free(o);
		return NULL;
	}
	/* mkstemp() makes it 0600; a new file of ours would be 0666 & ~umask */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) || !(o->f = fdopen(fd, "w"))) {
		tool_warnx("%s: %s", o->tmp, strerror(errno));
		close(fd);
		talloc_free(o);
		return NULL;
	}
	return o;
}

/* Flush and rename into place.  0, or EXIT_BAD after printing why. */
static int
output_commit(struct output *o)
{
	const char *name = o->path ? o->path : "standard output";
	int err = 0;

	if (fflush(o->f) || ferror(o->f))
		err = errno ? errno : EIO;
	if (o->path) {
		if (fclose(o->f) && !err)
			err = errno ? errno : EIO;
		o->f = NULL;
		if (!err && rename(o->tmp, o->path))
			err = errno;
		if (!err)
			o->tmp = NULL;	/* nothing to remove now */
	}
	if (err) {
		tool_warnx("%s: %s", name, strerror(err));
		return EXIT_BAD;
	}
	return 0;
}

/* The stream at path ("-": standard input).  NULL after printing why. */
static struct lx_stream *
stream_open(TALLOC_CTX *mem_ctx, const char *path)
{
	struct lx_stream *s;
	int fd = 0;

	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			tool_warnx("%s: %s", path, strerror(errno));
			return NULL;
		}
	}
	s = lx_open_fd(mem_ctx, strcmp(path, "-") ? path : "(stdin)", fd);
	if (s && !lx_probe(s)) {
		/* say what the walk would, with the reason it is not one */
		lx_walk(s, &(struct lx_visitor){ 0 }, NULL);
		lx_error(s);
		talloc_free(s);
		return NULL;
	}
	return s;
}

/* The whole file at path ("-": standard input) into memory. */
uint8_t *
slurp(TALLOC_CTX *mem_ctx, const char *path, size_t *len)
{
	const char *name = strcmp(path, "-") ? path : "(stdin)";
	uint8_t *data = NULL;
	size_t cap = 0;
	ssize_t n;
	int fd = 0;

	*len = 0;
	if (strcmp(path, "-") && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		tool_warnx("%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			data = talloc_realloc_size(mem_ctx, data, cap);
			if (!data) {
				tool_warnx("out of memory");
				break;
			}
		}
		n = read(fd, data + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tool_warnx("%s: %s", name, strerror(errno));
			talloc_free(data);
			data = NULL;
			break;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	if (fd > 0)
		close(fd);
	return data;
}

/* --- embed ----------------------------------------------------------- */

struct embed {
	const uint8_t *image;
	uint32_t len;
};

/* Before END goes out, the image goes out as DOMAIN_XENSTORE_DATA. */
static int
embed_record(void *arg, struct lx_stream *s, const struct lx_record *rec)
{
	static const uint8_t zero[LX_ALIGN];
	const struct embed *e = arg;
	uint8_t hdr[LX_REC_HEADER_LEN];
	size_t pad = (LX_ALIGN - e->len % LX_ALIGN) % LX_ALIGN;

	if (rec->type == LX_REC_DOMAIN_XENSTORE_DATA)
		return lx_fail(s, "libxl record #%" PRIu32 " (DOMAIN_XENSTORE_"
			       "DATA) at offset 0x%" PRIx64 ": the stream "
			       "carries an image already", rec->index,
			       rec->offset);
	if (rec->type != LX_REC_END)
		return LX_KEEP;
	lx_record_header(s, hdr, LX_REC_DOMAIN_XENSTORE_DATA, e->len);
	if (fwrite(hdr, 1, sizeof(hdr), s->out) != sizeof(hdr) ||
	    fwrite(e->image, 1, e->len, s->out) != e->len ||
	    fwrite(zero, 1, pad, s->out) != pad)
		return lx_fail(s, "write: %s", strerror(errno ? errno : EIO));
	return LX_KEEP;
}

int
embed_image(TALLOC_CTX *ctx, const char *stream, const char *image,
	    const char *out)
{
	static const struct lx_visitor visitor = { .record = embed_record };
	struct lx_stream *s;
	struct output *o;
	struct image *img;
	struct embed e;
	size_t len;
	uint8_t *data;

	/* The image first: nothing is written unless it is a good one. */
	data = slurp(ctx, image, &len);
	if (!data)
		return EXIT_BAD;
	if (len > UINT32_MAX) {
		tool_warnx("%s: %zu octets, more than a record can hold",
			   image, len);
		return EXIT_BAD;
	}
	img = image_open_memory(ctx, strcmp(image, "-") ? image : "(stdin)",
				data, len);
	if (!img || xsd_image_check(img, len))
		return EXIT_BAD;
	e.image = data;
	e.len = (uint32_t)len;

	s = stream_open(ctx, stream);
	if (!s)
		return EXIT_BAD;
	o = output_open(ctx, out);
	if (!o)
		return EXIT_BAD;
	s->out = o->f;
	if (lx_walk(s, &visitor, &e)) {
		lx_error(s);
		return EXIT_BAD;	/* the destructor removes the file */
	}
	return output_commit(o);
}

/* --- extract --------------------------------------------------------- */

static int
extract_record(void *arg, struct lx_stream *s, const struct lx_record *rec)
{
	(void)arg;
	(void)s;
	return rec->type == LX_REC_DOMAIN_XENSTORE_DATA ? LX_DROP : LX_KEEP;
}

int
extract_image(TALLOC_CTX *ctx, const char *stream, const char *image,
	      const char *strip)
{
	static const struct lx_visitor visitor = { .record = extract_record };
	struct output *io, *so = NULL;
	struct lx_stream *s;

	s = stream_open(ctx, stream);
	if (!s)
		return EXIT_BAD;
	if (strip) {
		so = output_open(ctx, strip);
		if (!so)
			return EXIT_BAD;
		s->out = so->f;
	}
	if (lx_walk(s, &visitor, NULL)) {
		lx_error(s);
		return EXIT_BAD;
	}
	if (!s->xsd.index) {
		tool_warnx("%s: no DOMAIN_XENSTORE_DATA record (%" PRIu32
			   " records up to END)", s->name, s->records);
		return EXIT_BAD;
	}
	io = output_open(ctx, image);
	if (!io)
		return EXIT_BAD;
	if (fwrite(s->image, 1, s->xsd.len, io->f) != s->xsd.len) {
		tool_warnx("%s: %s", image ? image : "standard output",
			   strerror(errno ? errno : EIO));
		return EXIT_BAD;
	}
	if (output_commit(io))
		return EXIT_BAD;
	return so ? output_commit(so) : 0;
}
