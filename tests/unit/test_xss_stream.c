// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xss_stream.c - sinks and sources: memory, regular files, pipes and
 * sockets written by another process (blocking and not), stopping at END
 * on streams, trailing data in files, sticky write errors, read errors,
 * and the writer's own argument checks.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xss_test.h"

/* Read all of an image from src and compare with s. */
static void
read_sample(TALLOC_CTX *ctx, struct xss_source *src, const struct sample *s)
{
	struct xss_reader *r = xss_reader_new(ctx, src);
	struct xss_header h;
	struct xss_record rec;
	size_t i;
	int ret;

	assert_int_equal(xss_read_header(r, &h), 0);
	assert_int_equal(h.kind, s->kind);
	for (i = 0; i < s->n; i++) {
		ret = xss_read_next(r, &rec);
		if (ret != 1)
			fail_msg("record %zu: %s", i + 1, xss_reader_error(r));
		assert_rec_equal(&s->recs[i], &rec);
	}
	assert_int_equal(xss_read_next(r, &rec), 0);
	assert_null(xss_reader_error(r));
	talloc_free(r);
}

/* Write s through an fd sink; the writer is left for the caller. */
static struct xss_writer *
write_fd(TALLOC_CTX *ctx, int fd, const struct sample *s, bool big)
{
	struct xss_sink *sink = xss_sink_fd(ctx, fd);
	struct xss_writer *w = xss_writer_new(ctx, sink, s->kind, s->domid,
					      PRODUCER, big);
	size_t i;

	for (i = 0; i < s->n; i++)
		if (write_record(w, &s->recs[i]))
			return w;
	xss_write_end(w);
	return w;
}

static void
test_memory_sink_grows(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = img_lu(ctx, false);
	char path[32];
	int i;

	assert_int_equal(xss_sink_data(im->sink, &(size_t){ 0 }) != NULL, 1);
	for (i = 0; i < 20000; i++) {
		snprintf(path, sizeof(path), "/n%d", i);
		img_node(im, path, 2);
	}
	img_end(im);
	assert_int_equal(im->len, xss_writer_offset(im->w));
	assert_true(im->len > 20000 * 40);
	expect_ok(ctx, im);
	/* A fresh memory sink holds nothing. */
	{
		struct xss_sink *s = xss_sink_memory(ctx);
		size_t len = 99;

		xss_sink_data(s, &len);
		assert_int_equal(len, 0);
	}
}

static void
test_regular_file(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct sample *s = sample_full(ctx, XSS_KIND_DUMP, false);
	struct img *im = sample_write(ctx, s, true, NULL);
	FILE *f = tmpfile();
	int fd = fileno(f);
	struct xss_writer *w;
	struct xss_source *src;
	uint8_t *back;
	size_t len;
	char *msg;

	assert_non_null(f);
	w = write_fd(ctx, fd, s, true);
	assert_null(xss_writer_error(w));
	assert_int_equal(xss_writer_offset(w), im->len);
	len = (size_t)lseek(fd, 0, SEEK_CUR);
	assert_int_equal(len, im->len);
	back = talloc_size(ctx, len);
	assert_int_equal(pread(fd, back, len, 0), (ssize_t)len);
	assert_memory_equal(back, im->data, len);
	xss_sink_data(xss_sink_fd(ctx, fd), &len); /* fd sinks: nothing */
	assert_int_equal(len, 0);

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	src = xss_source_fd(ctx, fd);
	read_sample(ctx, src, s);

	/* A file must end with END. */
	assert_int_equal(write(fd, "x", 1), 1);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	src = xss_source_fd(ctx, fd);
	{
		struct xss_reader *r = xss_reader_new(ctx, src);

		assert_int_equal(xss_verify(r), -1);
		msg = talloc_asprintf(ctx, "record #%zu (END) at offset 0x%zx: "
				      "data after END, from offset 0x%zx",
				      s->n + 1, im->len - 16, im->len);
		assert_string_equal(xss_reader_error(r), msg);
	}
	fclose(f);
}

static pid_t
child(void (*fn)(int fd, void *arg), int fd, int other, void *arg)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid) {
		close(other);
		fn(fd, arg);
		_exit(0);
	}
	close(fd);
	return pid;
}

static void
reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Child: the whole image through an fd sink, then a trailer. */
static void
write_image_then_trailer(int fd, void *arg)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct xss_writer *w = write_fd(ctx, fd, arg, false);

	if (xss_writer_error(w))
		_exit(1);
	if (write(fd, "TRAILER", 7) != 7)
		_exit(2);
	_exit(0);
}

static void
test_pipe_from_child(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct sample *s = sample_full(ctx, XSS_KIND_LIVE_UPDATE, false);
	char rest[16] = { 0 };
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = child(write_image_then_trailer, p[1], p[0], s);
	read_sample(ctx, xss_source_fd(ctx, p[0]), s);
	/* A stream reader stops after END and takes nothing more. */
	assert_int_equal(read(p[0], rest, sizeof(rest)), 7);
	assert_string_equal(rest, "TRAILER");
	close(p[0]);
	reap(pid);
}

/* Child: the image in small pieces, slowly. */
static void
write_slowly(int fd, void *arg)
{
	const struct img *im = arg;
	size_t at = 0, n;

	while (at < im->len) {
		n = im->len - at < 997 ? im->len - at : 997;
		if (write(fd, im->data + at, n) != (ssize_t)n)
			_exit(1);
		at += n;
		if (at % 16 == 0)
			usleep(200);
	}
	_exit(0);
}

static void
test_nonblocking_socket(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct sample *s = sample_migration(ctx);
	struct img *im = sample_write(ctx, s, true, NULL);
	int sv[2];
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	pid = child(write_slowly, sv[1], sv[0], im);
	read_sample(ctx, xss_source_fd(ctx, sv[0]), s);
	close(sv[0]);
	reap(pid);

	s = sample_full(ctx, XSS_KIND_LIVE_UPDATE, false);
	im = sample_write(ctx, s, false, NULL);
	assert_int_equal(pipe(sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	pid = child(write_slowly, sv[1], sv[0], im);
	read_sample(ctx, xss_source_fd(ctx, sv[0]), s);
	close(sv[0]);
	reap(pid);
}

/* Child: part of the image, then close. */
static void
write_part(int fd, void *arg)
{
	const struct img *im = arg;

	if (write(fd, im->data, im->len / 2) != (ssize_t)(im->len / 2))
		_exit(1);
	_exit(0);
}

static void
test_pipe_truncated(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct img *im = sample_write(ctx, sample_small(ctx), false, NULL);
	struct xss_reader *r;
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = child(write_part, p[1], p[0], im);
	r = xss_reader_new(ctx, xss_source_fd(ctx, p[0]));
	assert_int_equal(xss_verify(r), -1);
	assert_non_null(strstr(xss_reader_error(r), "truncated"));
	close(p[0]);
	reap(pid);
}

static void
test_write_errors(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	static uint8_t big[200000];
	struct xss_writer *w;
	struct sigaction sa = { .sa_handler = SIG_IGN }, old;
	int p[2], fd;

	/* A pipe nobody reads: EPIPE, then the same for every call. */
	assert_int_equal(sigaction(SIGPIPE, &sa, &old), 0);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	w = xss_writer_new(ctx, xss_sink_fd(ctx, p[1]), XSS_KIND_DUMP,
			   XSS_NO_DOMID, "t", false);
	assert_null(xss_writer_error(w));
	assert_int_equal(xss_write_output(w, big, sizeof(big)), EPIPE);
	assert_string_equal(xss_writer_error(w), "GUEST_RING_DATA at offset "
			    "0x40: write failed: Broken pipe");
	assert_int_equal(xss_write_txn(w, &(struct xss_txn){ 1, 0 }), EPIPE);
	assert_int_equal(xss_write_end(w), EPIPE);
	assert_string_equal(xss_writer_error(w), "GUEST_RING_DATA at offset "
			    "0x40: write failed: Broken pipe");
	close(p[1]);
	assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);

	/* A bad descriptor. */
	w = xss_writer_new(ctx, xss_sink_fd(ctx, -1), XSS_KIND_DUMP,
			   XSS_NO_DOMID, "t", false);
	assert_int_equal(xss_write_end(w), EBADF);
	assert_string_equal(xss_writer_error(w), "END at offset 0x40: write "
			    "failed: Bad file descriptor");

	/* A full disk shows when the buffer is flushed at the latest. */
	fd = open("/dev/full", O_WRONLY);
	if (fd >= 0) {
		w = xss_writer_new(ctx, xss_sink_fd(ctx, fd),
				   XSS_KIND_DUMP, XSS_NO_DOMID, "t", false);
		assert_int_equal(xss_write_end(w), ENOSPC);
		assert_string_equal(xss_writer_error(w), "END at offset 0x40: "
				    "write failed: No space left on device");
		close(fd);
	}
}

static void
test_read_errors(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct xss_reader *r;
	struct xss_header h;
	int p[2], fd;

	assert_int_equal(pipe(p), 0);
	close(p[0]);
	close(p[1]);
	r = xss_reader_new(ctx, xss_source_fd(ctx, p[0]));
	assert_int_equal(xss_read_header(r, &h), EBADF);
	assert_string_equal(xss_reader_error(r),
			    "header: read failed: Bad file descriptor");

	fd = open(".", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	r = xss_reader_new(ctx, xss_source_fd(ctx, fd));
	assert_int_equal(xss_verify(r), -1);
	assert_string_equal(xss_reader_error(r),
			    "header: read failed: Is a directory");
	close(fd);

	/* An empty pipe at its end. */
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	r = xss_reader_new(ctx, xss_source_fd(ctx, p[0]));
	assert_int_equal(xss_verify(r), -1);
	assert_string_equal(xss_reader_error(r), "header: empty image");
	close(p[0]);
}

static void
test_writer_arguments(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	struct xss_sink *sink = xss_sink_memory(ctx);
	struct xss_writer *w;
	struct img *im;
	size_t len;

	w = xss_writer_new(ctx, sink, XSS_KIND_DUMP, XSS_NO_DOMID,
			   "0123456789012345678901234567890x", false);
	assert_non_null(w);
	assert_string_equal(xss_writer_error(w), "header: producer of 32 "
			    "octets, at most 31 fit");
	assert_int_equal(xss_write_end(w), EINVAL);
	xss_sink_data(sink, &len);
	assert_int_equal(len, 0);
	w = xss_writer_new(ctx, NULL, XSS_KIND_DUMP, XSS_NO_DOMID, "", false);
	assert_string_equal(xss_writer_error(w), "header: no sink");
	assert_int_equal(xss_write_global(w, &(struct xss_global){ 0 }),
			 EINVAL);

	im = img_lu(ctx, false);
	assert_int_equal(xss_write_node(im->w, &(struct xss_node){ 0 }),
			 EINVAL);
	assert_string_equal(xss_writer_error(im->w),
			    "NODE_DATA: path is NULL");
	/* Sticky: a good record now fails the same way. */
	assert_int_equal(xss_write_node(im->w, &(struct xss_node){
		.path = "/b", .perms = PERMS0 }), EINVAL);
	assert_string_equal(xss_writer_error(im->w),
			    "NODE_DATA: path is NULL");

	im = img_lu(ctx, false);
	assert_int_equal(xss_write_node(im->w, &(struct xss_node){
		.path = "/a", .perms = { 2, NULL } }), EINVAL);
	assert_string_equal(xss_writer_error(im->w),
			    "NODE_DATA: 2 perms at NULL");
	im = img_lu(ctx, false);
	assert_int_equal(xss_write_node(im->w, &(struct xss_node){
		.path = "/a", .perms = PERMS0, .len = 3 }), EINVAL);
	assert_string_equal(xss_writer_error(im->w),
			    "NODE_DATA: 3 octets of value at NULL");
	im = img_lu(ctx, false);
	assert_int_equal(xss_write_quota(im->w, &(struct xss_quota){
		XSS_NO_DOMID, 2, NULL }), EINVAL);
	assert_string_equal(xss_writer_error(im->w),
			    "QUOTA_DATA: 2 entries at NULL");
	im = img_lu(ctx, false);
	assert_int_equal(xss_write_raw(im->w, 0x80000000u, "x",
				       XSS_MAX_RECORD + 1), EINVAL);
	assert_string_equal(xss_writer_error(im->w), "OPTIONAL: body of "
			    "67108929 octets exceeds the maximum record length "
			    "67108928");
	im = img_lu(ctx, false);
	assert_int_equal(xss_write_output(im->w, NULL, 5), EINVAL);
	assert_string_equal(xss_writer_error(im->w),
			    "GUEST_RING_DATA: 5 octets of body at NULL");
	im = img_lu(ctx, false);
	assert_int_equal(xss_write_txn_event(im->w, &(struct xss_txn_event){
		.path = "/a", .nremoved = 1 }), EINVAL);
	assert_string_equal(xss_writer_error(im->w),
			    "TRANSACTION_EVENT: 1 removed nodes at NULL");

	/* After END the writer takes nothing. */
	im = img_lu(ctx, false);
	img_end(im);
	assert_null(xss_writer_error(im->w));
	assert_int_equal(xss_write_input(im->w, "x", 1), EINVAL);
	assert_string_equal(xss_writer_error(im->w),
			    "CONN_INPUT: the image has already ended");
	assert_int_equal(xss_write_end(im->w), EINVAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_memory_sink_grows),
		T(test_regular_file),
		T(test_pipe_from_child),
		T(test_nonblocking_socket),
		T(test_pipe_truncated),
		T(test_write_errors),
		T(test_read_errors),
		T(test_writer_arguments),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xss_stream", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
