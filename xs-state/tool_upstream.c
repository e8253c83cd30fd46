// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_upstream.c - "to-upstream": one of our images as the state file
 * of upstream's C xenstored 4.17 (what it reads when started with -U),
 * through the library's xsu_from_image() and xsu_write_c(); what the
 * conversion leaves out goes to standard error, one line each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"
#include "xs_state_upstream.h"

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* out: written under a temporary name, renamed when complete. */
static int
write_out(TALLOC_CTX *ctx, const char *out, const uint8_t *p, size_t len)
{
	char *tmp;
	int fd, err;

	if (!strcmp(out, "-")) {
		err = write_all(STDOUT_FILENO, p, len);
		if (err)
			tool_warnx("standard output: %s", strerror(err));
		return err ? EXIT_BAD : 0;
	}
	tmp = talloc_asprintf(ctx, "%s.XXXXXX", out);
	if (!tmp) {
		tool_warnx("out of memory");
		return EXIT_BAD;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		tool_warnx("%s: %s", tmp, strerror(errno));
		return EXIT_BAD;
	}
	err = write_all(fd, p, len);
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, out))
		err = errno;
	if (err) {
		tool_warnx("%s: %s", out, strerror(err));
		unlink(tmp);
		return EXIT_BAD;
	}
	return 0;
}

int
to_upstream(TALLOC_CTX *ctx, const char *image, const char *out)
{
	const char *name = strcmp(image, "-") ? image : "(stdin)";
	struct xss_sink *sink = xss_sink_memory(ctx);
	struct xsu_state *st;
	const uint8_t *p;
	char *err = NULL, *line, *next;
	uint8_t *data;
	size_t len;

	data = slurp(ctx, image, &len);
	if (!data)
		return EXIT_BAD;
	if (!sink) {
		tool_warnx("out of memory");
		return EXIT_BAD;
	}
	if (xsu_from_image(ctx, data, len, &st, &err) ||
	    xsu_write_c(ctx, st, sink, &err)) {
		tool_warnx("%s: %s", name, err ? err : "out of memory");
		return EXIT_BAD;
	}
	p = xss_sink_data(sink, &len);
	if (!p) {
		tool_warnx("out of memory");
		return EXIT_BAD;
	}
	for (line = (char *)st->dropped; *line; line = next + 1) {
		next = strchr(line, '\n');
		if (!next)
			break;
		tool_warnx("%s: dropped: %.*s", name, (int)(next - line),
			   line);
	}
	return write_out(ctx, out, p, len);
}
