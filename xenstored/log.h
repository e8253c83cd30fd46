/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - diagnostics (syslog or stderr) and the message trace file.
 *
 * log_warn appends strerror(errno); log_warnx does not.  The trace file
 * (-T, CONTROL logfile) records every message in and out plus connection
 * events, one line each, for debugging clients.
 */
#ifndef XSD_LOG_H
#define XSD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define XSD_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_init(const char *ident, bool to_stderr, bool verbose);
void log_warn(const char *fmt, ...) XSD_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) XSD_PRINTF(1, 2);
void log_info(const char *fmt, ...) XSD_PRINTF(1, 2);
void log_debug(const char *fmt, ...) XSD_PRINTF(1, 2);

/*
 * Open (or with NULL close) the trace file: mode 0600, appended to, and
 * only a file of ours (files_open()).  Returns 0, or an errno with the
 * reason in why (the trace file in use, if any, is kept then).
 */
int trace_open(const char *path, char *why, size_t whylen);
/* Open the trace file again under its name (SIGHUP, after logrotate);
 * tracing stays on or off as it was.  0 or an errno (file unchanged). */
int trace_reopen(char *why, size_t whylen);
bool trace_enabled(void);
const char *trace_path(void);
void trace_set(bool on);
/* The open trace file while tracing is on, else NULL. */
FILE *trace_stream(void);
void trace(const char *fmt, ...) XSD_PRINTF(1, 2);
/* One message: dir is "IN" or "OUT", conn is a short connection name. */
void trace_msg(const char *dir, const char *conn, uint32_t type,
	       uint32_t req_id, uint32_t tx_id, const void *payload,
	       uint32_t len);

#endif /* XSD_LOG_H */
