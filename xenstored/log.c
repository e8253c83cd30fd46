// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - diagnostics and the message trace.
 *
 * The logging state is process-wide by nature (like syslog itself), so it
 * lives in this file alone.  Nothing here exits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "log.h"

static struct {
	bool to_stderr;
	bool verbose;
	FILE *trace;
	char *trace_path;
	bool trace_on;
} lg = { .to_stderr = true };

void
log_init(const char *ident, bool to_stderr, bool verbose)
{
	lg.to_stderr = to_stderr;
	lg.verbose = verbose;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
log_vout(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (lg.to_stderr)
		fprintf(stderr, "xenstored: %s%s%s\n", buf,
			suffix ? ": " : "", suffix ? suffix : "");
	else
		syslog(prio, "%s%s%s", buf, suffix ? ": " : "",
		       suffix ? suffix : "");
	if (lg.trace && lg.trace_on)
		fprintf(lg.trace, "LOG %s%s%s\n", buf, suffix ? ": " : "",
			suffix ? suffix : "");
}

void
log_warn(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vout(LOG_WARNING, fmt, ap, err);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vout(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vout(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!lg.verbose)
		return;
	va_start(ap, fmt);
	log_vout(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

int
trace_open(const char *path, char *why, size_t whylen)
{
	FILE *f = NULL;
	char *p = NULL;
	int fd, ret;

	if (path) {
		/* Every payload goes there: root's alone (files.c). */
		ret = files_open(path, true, 0600, &fd, why, whylen);
		if (ret)
			return ret;
		f = fdopen(fd, "a");
		p = f ? strdup(path) : NULL;
		if (!p) {
			snprintf(why, whylen, "%s", strerror(ENOMEM));
			if (f)
				fclose(f);
			else
				close(fd);
			return ENOMEM;
		}
		setvbuf(f, NULL, _IOLBF, 0);
	}
	if (lg.trace)
		fclose(lg.trace);
	free(lg.trace_path);
	lg.trace = f;
	lg.trace_path = p;
	lg.trace_on = f != NULL;
	return 0;
}

int
trace_reopen(char *why, size_t whylen)
{
	bool on = lg.trace_on;
	char *p;
	int ret;

	if (!lg.trace_path)
		return 0;
	p = strdup(lg.trace_path);
	if (!p)
		return ENOMEM;
	ret = trace_open(p, why, whylen);
	free(p);
	if (!ret)
		lg.trace_on = on;
	return ret;
}

bool
trace_enabled(void)
{
	return lg.trace && lg.trace_on;
}

const char *
trace_path(void)
{
	return lg.trace_path;
}

FILE *
trace_stream(void)
{
	return trace_enabled() ? lg.trace : NULL;
}

void
trace_set(bool on)
{
	lg.trace_on = on;
}

void
trace(const char *fmt, ...)
{
	va_list ap;

	if (!trace_enabled())
		return;
	va_start(ap, fmt);
	vfprintf(lg.trace, fmt, ap);
	va_end(ap);
}

void
trace_msg(const char *dir, const char *conn, uint32_t type, uint32_t req_id,
	  uint32_t tx_id, const void *payload, uint32_t len)
{
	const unsigned char *p = payload;
	struct timespec ts;
	uint32_t i;

	if (!trace_enabled())
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(lg.trace, "%lld.%06ld %s %s type=%u req=%u tx=%u len=%u \"",
		(long long)ts.tv_sec, ts.tv_nsec / 1000, dir, conn, type,
		req_id, tx_id, len);
	for (i = 0; i < len && i < 256; i++) {
		if (p[i] == 0)
			fputc('|', lg.trace);
		else if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '"' ||
			 p[i] == '\\')
			fprintf(lg.trace, "\\x%02x", p[i]);
		else
			fputc(p[i], lg.trace);
	}
	fprintf(lg.trace, "%s\"\n", i < len ? "..." : "");
}
