// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_image.c - an image as the xs-state tool reads it: opened from a
 * file, standard input or a descriptor, its header read, and its records
 * walked in order for dump, stats and diff.
 *
 * Every byte of an image is read through the library's reader
 * (include/xs_state.h): the tool never decodes the image format itself,
 * so it cannot drift from the daemon's reader.  image_walk() is the one
 * loop over the reader that the commands share (CRIU's collect_image()).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

/* Octets a record takes in the image: header, body and padding. */
uint64_t
rec_size(uint32_t len)
{
	return ((uint64_t)XSS_REC_HEADER_LEN + len + XSS_ALIGN - 1) &
	       ~(uint64_t)(XSS_ALIGN - 1);
}

static int
image_destroy(struct image *img)
{
	if (img->fd > 0)
		close(img->fd);
	return 0;
}

void
image_error(const struct image *img)
{
	fflush(stdout);
	tool_warnx("%s: %s", img->name, xss_reader_error(img->r));
}

/* An image on fd ("name" for messages).  NULL after printing why. */
struct image *
image_open_fd(TALLOC_CTX *mem_ctx, const char *name, int fd)
{
	struct image *img = talloc_zero(mem_ctx, struct image);
	struct xss_source *src = NULL;

	if (!img) {
		tool_warnx("out of memory");
		if (fd > 0)
			close(fd);
		return NULL;
	}
	img->fd = fd;
	talloc_set_destructor(img, image_destroy);
	img->name = talloc_strdup(img, name);
	src = xss_source_fd(img, fd);
	img->r = src ? xss_reader_new(img, src) : NULL;
	if (!img->name || !img->r) {
		tool_warnx("out of memory");
		talloc_free(img);
		return NULL;
	}
	return img;
}

/* An image in memory (not copied: buf must outlive it). */
struct image *
image_open_memory(TALLOC_CTX *mem_ctx, const char *name, const void *buf,
		  size_t len)
{
	struct image *img = talloc_zero(mem_ctx, struct image);
	struct xss_source *src;

	if (!img) {
		tool_warnx("out of memory");
		return NULL;
	}
	img->fd = -1;
	img->name = talloc_strdup(img, name);
	src = xss_source_memory(img, buf, len);
	img->r = src ? xss_reader_new(img, src) : NULL;
	if (!img->name || !img->r) {
		tool_warnx("out of memory");
		talloc_free(img);
		return NULL;
	}
	return img;
}

/* The file at path, or standard input for "-". */
struct image *
image_open(TALLOC_CTX *mem_ctx, const char *path)
{
	int fd;

	if (!strcmp(path, "-"))
		return image_open_fd(mem_ctx, "(stdin)", 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tool_warnx("%s: %s", path, strerror(errno));
		return NULL;
	}
	return image_open_fd(mem_ctx, path, fd);
}

/* 0, or -1 after printing the reader's error. */
int
image_read_header(struct image *img)
{
	if (xss_read_header(img->r, &img->hdr) == 0)
		return 0;
	image_error(img);
	return -1;
}

int
image_walk(struct image *img, const struct image_visitor *v, void *arg)
{
	uint64_t next = XSS_HEADER_LEN;
	uint32_t last = 0;
	struct xss_record rec;
	int ret, err;

	/* xss_read_next() returns 0 for END and leaves END in rec. */
	do {
		ret = xss_read_next(img->r, &rec);
		if (ret < 0)
			return -1;
		if (rec.offset > next && v->skipped)
			v->skipped(arg, next, rec.offset - next, last + 1,
				   rec.index - 1);
		err = v->record(arg, &rec);
		if (err)
			return err;
		next = rec.offset + rec_size(rec.len);
		last = rec.index;
	} while (ret > 0);
	img->records = last;
	img->size = next;
	return 0;
}
