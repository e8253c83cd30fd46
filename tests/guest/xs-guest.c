// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xs-guest - a simulated Xen guest talking to xenstored over a ring
 * page, for tests (docs/xs-guest.1.md, docs/sim-backend.md).
 *
 *   xs-guest --domid N [--rundir DIR] [--port P] [--no-introduce]
 *            [--keep] [--count K] CMD ARGS...
 *   xs-guest --domid N [...] --stdin
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include "guest.h"

#define DEFAULT_RUNDIR "/var/run/xenstored"
#define DEFAULT_TOKEN "xs-guest"
#define DEFAULT_WAIT_S 5.0

static bool line_mode;		/* --stdin: escape values, one line each */

/* -- output --------------------------------------------------------- */

static void
out_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* Nobody reads us any more. */
		guest_stop = 1;
	}
}

/*
 * Print bytes; in line mode control characters (and DEL) become \xNN so
 * that a result stays on one line.
 */
static void
out_bytes(const char *s, size_t len)
{
	size_t i;

	if (!line_mode) {
		fwrite(s, 1, len, stdout);
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void
out_end(void)
{
	putchar('\n');
	out_flush();
}

static void
out_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
out_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	out_end();
}

static void
out_error(const char *name)
{
	out_line("ERROR %s", name && name[0] ? name : "EIO");
}

/* -- requests ------------------------------------------------------- */

struct payload {
	char data[XENSTORE_PAYLOAD_MAX];
	size_t len;
	bool over;
};

static void
pl_add(struct payload *p, const void *data, size_t len)
{
	if (p->over || len > sizeof(p->data) - p->len) {
		p->over = true;
		return;
	}
	memcpy(p->data + p->len, data, len);
	p->len += len;
}

/* A string with its NUL. */
static void
pl_str(struct payload *p, const char *s)
{
	pl_add(p, s, strlen(s) + 1);
}

static int
request(struct guest *g, uint32_t type, uint32_t tx, const struct payload *p,
	struct gmsg **reply)
{
	if (p->over) {
		guest_fail(g, "E2BIG", "request payload over %d bytes",
			   XENSTORE_PAYLOAD_MAX);
		return -1;
	}
	return guest_call(g, type, tx, p->data, p->len, reply);
}

/* A request whose payload is the given strings, each with its NUL. */
static int
request_strs(struct guest *g, uint32_t type, uint32_t tx, struct gmsg **reply,
	     int n, char *const *strs)
{
	struct payload p = { .len = 0 };
	int i;

	for (i = 0; i < n; i++)
		pl_str(&p, strs[i]);
	return request(g, type, tx, &p, reply);
}

static int
request_path(struct guest *g, uint32_t type, uint32_t tx, const char *path,
	     struct gmsg **reply)
{
	char *strs[1] = { (char *)path };

	return request_strs(g, type, tx, reply, 1, strs);
}

static int
op_write(struct guest *g, uint32_t tx, const char *path, const char *val,
	 size_t len)
{
	struct payload p = { .len = 0 };

	pl_str(&p, path);
	pl_add(&p, val, len);
	return request(g, XS_WRITE, tx, &p, NULL);
}

/* Whether a DIRECTORY_PART reply's child list is the complete rest. */
static bool
part_complete(const char *s, size_t len)
{
	return (len == 1 && s[0] == 0) ||
		(len >= 2 && s[len - 1] == 0 && s[len - 2] == 0);
}

/*
 * The children of path as NUL-terminated names one after the other:
 * *list (malloc'd) and *len.  Falls back to DIRECTORY_PART when the
 * list does not fit into one reply.
 */
static int
op_dir(struct guest *g, uint32_t tx, const char *path, char **list,
       size_t *len)
{
	struct gmsg *m;
	char *acc = NULL, *gen = NULL, *n;
	size_t acc_len = 0, off = 0, glen, rest;
	int restarts = 0;

	*list = NULL;
	*len = 0;
	if (request_path(g, XS_DIRECTORY, tx, path, &m) == 0) {
		*list = m->body;
		*len = m->hdr.len;
		m->body = NULL;
		gmsg_free(m);
		return 0;
	}
	if (strcmp(g->err, "E2BIG") != 0)
		return -1;

	for (;;) {
		struct payload p = { .len = 0 };
		char offs[24];

		snprintf(offs, sizeof(offs), "%zu", off);
		pl_str(&p, path);
		pl_str(&p, offs);
		if (request(g, XS_DIRECTORY_PART, tx, &p, &m) < 0)
			goto fail;
		glen = strnlen(m->body, m->hdr.len);
		if (glen == m->hdr.len) {
			guest_fail(g, "BADREPLY", "DIRECTORY_PART reply "
				   "without a generation");
			gmsg_free(m);
			goto fail;
		}
		if (gen && strcmp(gen, m->body) != 0) {
			/* The node changed meanwhile: start over. */
			gmsg_free(m);
			free(gen);
			gen = NULL;
			acc_len = off = 0;
			if (++restarts > 10) {
				guest_fail(g, "EAGAIN", "directory of %s keeps "
					   "changing", path);
				goto fail;
			}
			continue;
		}
		if (!gen && !(gen = strdup(m->body))) {
			gmsg_free(m);
			guest_fail(g, "ENOMEM", "out of memory");
			goto fail;
		}
		rest = m->hdr.len - glen - 1;
		n = realloc(acc, acc_len + rest + 1);
		if (!n) {
			gmsg_free(m);
			guest_fail(g, "ENOMEM", "out of memory");
			goto fail;
		}
		acc = n;
		memcpy(acc + acc_len, m->body + glen + 1, rest);
		if (part_complete(m->body + glen + 1, rest)) {
			acc_len += rest - 1;	/* without the extra "" */
			gmsg_free(m);
			break;
		}
		acc_len += rest;
		off += rest;
		gmsg_free(m);
		if (rest == 0) {
			guest_fail(g, "BADREPLY", "empty DIRECTORY_PART reply");
			goto fail;
		}
	}
	free(gen);
	*list = acc;
	*len = acc_len;
	return 0;
fail:
	free(gen);
	free(acc);
	return -1;
}

/* Print the NUL-separated strings of s with sep between them. */
static void
out_strings(const char *s, size_t len, const char *sep, bool each_line)
{
	size_t i = 0, l;
	bool first = true;

	while (i < len) {
		l = strnlen(s + i, len - i);
		if (l == 0 && i + 1 >= len)
			break;	/* a trailing empty string */
		if (each_line) {
			out_bytes(s + i, l);
			putchar('\n');
		} else {
			if (!first)
				fputs(sep, stdout);
			out_bytes(s + i, l);
		}
		first = false;
		i += l + 1;
	}
}

static void
out_event(const struct gmsg *ev)
{
	size_t plen = strnlen(ev->body, ev->hdr.len);
	const char *tok = "";
	size_t tlen = 0;

	if (plen < ev->hdr.len) {
		tok = ev->body + plen + 1;
		tlen = strnlen(tok, ev->hdr.len - plen - 1);
	}
	fputs("EVENT ", stdout);
	out_bytes(ev->body, plen);
	putchar(' ');
	out_bytes(tok, tlen);
	out_end();
}

/* -- one-shot commands ---------------------------------------------- */

struct cmd_spec {
	const char *name;
	int min_args, max_args;	/* max -1: any number */
};

static const struct cmd_spec oneshot_cmds[] = {
	{ "read", 1, 1 },
	{ "write", 2, 2 },
	{ "mkdir", 1, 1 },
	{ "rm", 1, 1 },
	{ "ls", 1, 1 },
	{ "getperms", 1, 1 },
	{ "setperms", 2, -1 },
	{ "watch", 1, 2 },
	{ "bench", 2, 2 },
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * bench read|write SECONDS: request/response round trips over the ring
 * on the guest's node "bench", one at a time, for that long.
 */
static int
run_bench(struct guest *g, const char *op, const char *secs)
{
	static const char path[] = "bench";
	static const char wr[] = "bench\0value";
	bool rd = !strcmp(op, "read");
	double t0, t, limit = atof(secs);
	unsigned long n = 0;

	if ((!rd && strcmp(op, "write")) || limit <= 0 || limit > 3600) {
		fprintf(stderr, "xs-guest: bench read|write SECONDS\n");
		return 2;
	}
	if (guest_call(g, XS_WRITE, 0, wr, sizeof(wr) - 1, NULL) < 0)
		goto fail;
	t0 = now_s();
	do {
		if (rd ? guest_call(g, XS_READ, 0, path, sizeof(path), NULL)
		       : guest_call(g, XS_WRITE, 0, wr, sizeof(wr) - 1, NULL))
			goto fail;
		n++;
		t = now_s();
	} while (t - t0 < limit && !guest_stop);
	printf("bench %s ops=%lu time=%.3f s rate=%.0f ops/s\n", op, n,
	       t - t0, (double)n / (t - t0));
	fflush(stdout);
	return 0;
fail:
	out_error(g->err);
	return 1;
}

static int
run_oneshot(struct guest *g, int argc, char **argv, long count)
{
	const char *cmd = argv[0];
	struct gmsg *m;
	char *list;
	size_t len;

	if (!strcmp(cmd, "bench"))
		return run_bench(g, argv[1], argv[2]);
	if (!strcmp(cmd, "read")) {
		if (request_path(g, XS_READ, 0, argv[1], &m) < 0)
			goto fail;
		out_bytes(m->body, m->hdr.len);
		out_end();
		gmsg_free(m);
	} else if (!strcmp(cmd, "write")) {
		if (op_write(g, 0, argv[1], argv[2], strlen(argv[2])) < 0)
			goto fail;
	} else if (!strcmp(cmd, "mkdir")) {
		if (request_path(g, XS_MKDIR, 0, argv[1], NULL) < 0)
			goto fail;
	} else if (!strcmp(cmd, "rm")) {
		if (request_path(g, XS_RM, 0, argv[1], NULL) < 0)
			goto fail;
	} else if (!strcmp(cmd, "ls")) {
		if (op_dir(g, 0, argv[1], &list, &len) < 0)
			goto fail;
		out_strings(list, len, NULL, true);
		out_flush();
		free(list);
	} else if (!strcmp(cmd, "getperms")) {
		if (request_path(g, XS_GET_PERMS, 0, argv[1], &m) < 0)
			goto fail;
		out_strings(m->body, m->hdr.len, " ", false);
		out_end();
		gmsg_free(m);
	} else if (!strcmp(cmd, "setperms")) {
		if (request_strs(g, XS_SET_PERMS, 0, NULL, argc - 1,
				 argv + 1) < 0)
			goto fail;
	} else if (!strcmp(cmd, "watch")) {
		char *w[2] = { argv[1], argc > 2 ? argv[2] :
			       (char *)DEFAULT_TOKEN };
		long seen = 0;
		int r;

		if (request_strs(g, XS_WATCH, 0, NULL, 2, w) < 0)
			goto fail;
		while (count <= 0 || seen < count) {
			r = guest_next_event(g, -1, &m);
			if (r < 0 && guest_stop)
				return 0;	/* killed: a normal end */
			if (r <= 0)
				goto fail;
			out_event(m);
			gmsg_free(m);
			seen++;
			if (guest_stop)
				return 0;
		}
	}
	return 0;
fail:
	out_error(g->err);
	return 1;
}

/* -- line commands (--stdin) ---------------------------------------- */

/*
 * The next space-separated word of *p (NUL-terminated in place); *p
 * then points just past the single space that ended it.
 */
static char *
word(char **p)
{
	char *s = *p, *e;

	while (*s == ' ')
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	e = strchr(s, ' ');
	if (e) {
		*e = 0;
		*p = e + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

static bool
rest_empty(const char *p)
{
	while (*p == ' ')
		p++;
	return !*p;
}

static bool
parse_u32(const char *s, uint32_t *v)
{
	unsigned long n;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return false;
	*v = (uint32_t)n;
	return true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex digits (spaces ignored) in place; -1 when malformed. */
static ssize_t
unhex(char *s)
{
	size_t o = 0;
	int hi = -1, v;

	for (char *c = s; *c; c++) {
		if (*c == ' ')
			continue;
		v = hexval(*c);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
		} else {
			s[o++] = (char)(hi << 4 | v);
			hi = -1;
		}
	}
	return hi < 0 ? (ssize_t)o : -1;
}

/* Commands allowed after "tx ID". */
static bool
tx_allowed(const char *cmd)
{
	static const char *const ok[] = { "read", "write", "mkdir", "rm",
					  "dir", "getperms", "setperms" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(cmd, ok[i]))
			return true;
	return false;
}

#define USAGE_ERR() do { out_error("USAGE"); return; } while (0)

/* Run one line; prints exactly one line. */
static void
line_cmd(struct guest *g, char *line)
{
	char *p = line, *cmd, *path, *args[2 + XENSTORE_PAYLOAD_MAX / 2];
	uint32_t tx = 0, id;
	struct gmsg *m;
	char *list;
	size_t len;
	int n;

	cmd = word(&p);
	if (cmd && !strcmp(cmd, "tx")) {
		if (!parse_u32(word(&p), &tx))
			USAGE_ERR();
		cmd = word(&p);
		if (!cmd || !tx_allowed(cmd))
			USAGE_ERR();
	}
	if (!cmd)
		USAGE_ERR();

	if (!strcmp(cmd, "write")) {
		path = word(&p);
		if (!path)
			USAGE_ERR();
		/* The value is the rest of the line, spaces and all. */
		if (op_write(g, tx, path, p, strlen(p)) < 0)
			goto fail;
		out_line("OK");
		return;
	}
	if (!strcmp(cmd, "flood")) {
		unsigned long copies;
		double secs;
		char *end;
		ssize_t r;

		path = word(&p);	/* the seconds */
		if (!path)
			USAGE_ERR();
		secs = strtod(path, &end);
		r = unhex(p);
		if (*end || !(secs > 0) || secs > 3600 || r <= 0)
			USAGE_ERR();
		if (guest_flood(g, p, (size_t)r, (int)(secs * 1000), &copies) < 0)
			goto fail;
		out_line("%lu", copies);
		return;
	}
	if (!strcmp(cmd, "storm")) {
		unsigned long count;
		double secs;
		char *end;

		path = word(&p);	/* the seconds */
		if (!path)
			USAGE_ERR();
		secs = strtod(path, &end);
		if (*end || !(secs > 0) || secs > 3600)
			USAGE_ERR();
		if (guest_storm(g, (int)(secs * 1000), &count) < 0)
			goto fail;
		out_line("%lu", count);
		return;
	}
	if (!strcmp(cmd, "raw")) {
		ssize_t r = unhex(p);

		if (r <= 0)
			USAGE_ERR();
		if (guest_raw(g, p, (size_t)r) < 0)
			goto fail;
		out_line("OK");
		return;
	}

	/* Everything else is a list of words. */
	n = 0;
	while (n < (int)(sizeof(args) / sizeof(args[0])) &&
	       (args[n] = word(&p)))
		n++;
	if (!rest_empty(p))
		USAGE_ERR();

	if (!strcmp(cmd, "read") && n == 1) {
		if (request_path(g, XS_READ, tx, args[0], &m) < 0)
			goto fail;
		out_bytes(m->body, m->hdr.len);
		out_end();
		gmsg_free(m);
	} else if ((!strcmp(cmd, "mkdir") || !strcmp(cmd, "rm")) && n == 1) {
		if (request_path(g, cmd[0] == 'm' ? XS_MKDIR : XS_RM, tx,
				 args[0], NULL) < 0)
			goto fail;
		out_line("OK");
	} else if (!strcmp(cmd, "dir") && n == 1) {
		if (op_dir(g, tx, args[0], &list, &len) < 0)
			goto fail;
		out_strings(list, len, " ", false);
		out_end();
		free(list);
	} else if (!strcmp(cmd, "getperms") && n == 1) {
		if (request_path(g, XS_GET_PERMS, tx, args[0], &m) < 0)
			goto fail;
		out_strings(m->body, m->hdr.len, " ", false);
		out_end();
		gmsg_free(m);
	} else if (!strcmp(cmd, "setperms") && n >= 2) {
		if (request_strs(g, XS_SET_PERMS, tx, NULL, n, args) < 0)
			goto fail;
		out_line("OK");
	} else if (!strcmp(cmd, "watch") && n >= 1 && n <= 3) {
		if (n == 1)
			args[n++] = (char *)DEFAULT_TOKEN;
		if (request_strs(g, XS_WATCH, 0, NULL, n, args) < 0)
			goto fail;
		out_line("OK");
	} else if (!strcmp(cmd, "unwatch") && (n == 1 || n == 2)) {
		if (n == 1)
			args[n++] = (char *)DEFAULT_TOKEN;
		if (request_strs(g, XS_UNWATCH, 0, NULL, n, args) < 0)
			goto fail;
		out_line("OK");
	} else if (!strcmp(cmd, "wait-event") && n <= 1) {
		double secs = DEFAULT_WAIT_S;
		char *end;
		int r;

		if (n == 1) {
			secs = strtod(args[0], &end);
			if (*end || !(secs >= 0) || secs > 86400)
				USAGE_ERR();
		}
		r = guest_next_event(g, (int)(secs * 1000 + 0.5), &m);
		if (r < 0)
			goto fail;
		if (r == 0) {
			out_line("TIMEOUT");
			return;
		}
		out_event(m);
		gmsg_free(m);
	} else if (!strcmp(cmd, "tx-start") && n == 0) {
		char *nul = (char *)"";

		if (request_strs(g, XS_TRANSACTION_START, 0, &m, 1, &nul) < 0)
			goto fail;
		out_bytes(m->body, strnlen(m->body, m->hdr.len));
		out_end();
		gmsg_free(m);
	} else if (!strcmp(cmd, "tx-end") && n == 2) {
		char *how[1];

		if (!parse_u32(args[0], &id))
			USAGE_ERR();
		if (!strcmp(args[1], "commit"))
			how[0] = (char *)"T";
		else if (!strcmp(args[1], "abort"))
			how[0] = (char *)"F";
		else
			USAGE_ERR();
		if (request_strs(g, XS_TRANSACTION_END, id, NULL, 1, how) < 0)
			goto fail;
		out_line("OK");
	} else if (!strcmp(cmd, "suspend") && n == 0) {
		guest_suspend(g, true);
		out_line("OK");
	} else if (!strcmp(cmd, "resume") && n == 0) {
		guest_suspend(g, false);
		out_line("OK");
	} else if (!strcmp(cmd, "move") && n == 1) {
		if (guest_move(g, args[0]) < 0)
			goto fail;
		out_line("OK");
	} else if (!strcmp(cmd, "introduce") && n == 3) {
		/* dom0's business: INTRODUCE D GFN PORT over this ring. */
		if (request_strs(g, XS_INTRODUCE, 0, NULL, n, args) < 0)
			goto fail;
		out_line("OK");
	} else if (!strcmp(cmd, "release") && n == 1) {
		if (request_strs(g, XS_RELEASE, 0, NULL, n, args) < 0)
			goto fail;
		out_line("OK");
	} else if (!strcmp(cmd, "reconnect") && n == 0) {
		if (guest_reconnect(g) < 0)
			goto fail;
		out_line("OK");
	} else if (!strcmp(cmd, "ring-garbage") && n == 0) {
		if (guest_ring_garbage(g) < 0)
			goto fail;
		out_line("OK");
	} else if (!strcmp(cmd, "error") && n <= 1) {
		double secs = 0;
		char *end;

		if (n == 1) {
			secs = strtod(args[0], &end);
			if (*end || !(secs >= 0) || secs > 86400)
				USAGE_ERR();
		}
		out_line("%u", guest_wait_error(g, (int)(secs * 1000 + 0.5)));
	} else {
		USAGE_ERR();
	}
	return;
fail:
	out_error(g->err);
}

/*
 * The next line of standard input without its newline (NULL at end of
 * input), serving the ring while none is there.
 */
static char *
next_line(struct guest *g)
{
	static char *buf;
	static size_t size, len, start;
	static bool eof;
	char *nl, *grown;
	ssize_t n;

	for (;;) {
		nl = buf ? memchr(buf + start, '\n', len - start) : NULL;
		if (nl) {
			size_t end = (size_t)(nl - buf);

			*nl = 0;
			nl = buf + start;
			start = end + 1;
			/* A NUL inside the line ends it early; fine. */
			return nl;
		}
		if (eof) {
			if (start < len) {
				buf[len] = 0;
				nl = buf + start;
				start = len;
				return nl;
			}
			return NULL;
		}
		if (start > 0) {
			memmove(buf, buf + start, len - start);
			len -= start;
			start = 0;
		}
		if (size - len < 4096) {
			grown = realloc(buf, size + 65536);
			if (!grown)
				return NULL;
			buf = grown;
			size += 65536;
		}
		if (guest_idle(g, STDIN_FILENO) < 0)
			return NULL;
		n = read(STDIN_FILENO, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			eof = true;
		else
			len += (size_t)n;
	}
}

static void
run_lines(struct guest *g)
{
	char *line, *p;

	while (!guest_stop && (line = next_line(g))) {
		p = line;
		while (*p == ' ')
			p++;
		if (!*p || *p == '#')
			continue;
		if (!strcmp(p, "quit") || !strncmp(p, "quit ", 5)) {
			out_line("OK");
			return;
		}
		line_cmd(g, line);
	}
}

/* -- set-up and exit ------------------------------------------------ */

/*
 * --keep: hand the event channel to a detached child that holds it (the
 * domain stays alive) until the daemon closes it or the child is killed.
 */
static void
keep_channel(struct guest *g)
{
	struct pollfd p;
	char buf[64];
	ssize_t n;
	pid_t pid;
	int fd;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "xs-guest: fork: %s\n", strerror(errno));
		return;
	}
	if (pid > 0) {
		fprintf(stderr, "xs-guest: dom%u kept alive by pid %d\n",
			g->domid, (int)pid);
		return;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	p.fd = g->evt_fd;
	p.events = POLLIN;
	for (;;) {
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (g->xen_dir) {
			if (guest_xen_drain(g) < 0)
				_exit(0);
			continue;
		}
		n = recv(g->evt_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			_exit(0);
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	guest_stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: xs-guest --domid N [--rundir DIR] [--port P] [--no-introduce]\n"
"                [--keep] [--count K] CMD ARGS...\n"
"       xs-guest --domid N [--rundir DIR] [--port P] [--no-introduce]\n"
"                [--keep] --stdin\n"
"--domid 0: dom0's own ring (no INTRODUCE); --xen DIR (or $FAKEXEN_DIR):\n"
"over the fake hypervisor of tests/fakexen instead of the sim backend;\n"
"--no-wait: no wait for the daemon's first notification\n"
"commands: read P | write P V | mkdir P | rm P | ls P | getperms P |\n"
"          setperms P SPEC... | watch P [TOKEN]\n"
"--stdin line commands: read P | write P V | mkdir P | rm P | dir P |\n"
"          getperms P | setperms P SPEC... | watch P TOKEN [DEPTH] |\n"
"          unwatch P TOKEN | wait-event [SECONDS] | tx-start |\n"
"          tx ID CMD... | tx-end ID commit|abort | reconnect | raw HEX |\n"
"          storm SECS (notify in a tight loop, nothing in the ring) |\n"
"          suspend | move RUNDIR | resume | flood SECONDS HEX |\n"
"          ring-garbage | error [SECONDS] | introduce D GFN PORT |\n"
"          release D | quit\n"
"see docs/xs-guest.1.md\n");
}

static bool
parse_num(const char *s, unsigned long min, unsigned long max,
	  unsigned long *v)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !errno && !*end && *v >= min && *v <= max;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: waits see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
main(int argc, char **argv)
{
	enum { O_DOMID = 256, O_RUNDIR, O_PORT, O_NOINTRO, O_STDIN, O_KEEP,
	       O_COUNT, O_HELP, O_XEN, O_NOWAIT };
	static const struct option lopts[] = {
		{ "domid", required_argument, NULL, O_DOMID },
		{ "rundir", required_argument, NULL, O_RUNDIR },
		{ "port", required_argument, NULL, O_PORT },
		{ "no-introduce", no_argument, NULL, O_NOINTRO },
		{ "stdin", no_argument, NULL, O_STDIN },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "count", required_argument, NULL, O_COUNT },
		{ "help", no_argument, NULL, O_HELP },
		{ "xen", required_argument, NULL, O_XEN },
		{ "no-wait", no_argument, NULL, O_NOWAIT },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long domid = 0, port = 1, count = 0;
	bool have_domid = false, no_intro = false, keep = false;
	bool no_wait = false;
	const char *rundir = getenv("XENSTORED_RUNDIR");
	const char *sockpath = getenv("XENSTORED_PATH");
	const char *xen_dir = getenv("FAKEXEN_DIR");
	char sockbuf[PATH_MAX], err[64];
	static struct guest g;
	char **cmdv;
	int c, cmdc, status = 0;

	if (!rundir || !*rundir)
		rundir = DEFAULT_RUNDIR;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", lopts, NULL)) != -1) {
		switch (c) {
		case O_DOMID:
			/* dom0 (its own ring), or a real domain: 1 up to
			 * DOMID_FIRST_RESERVED - 1. */
			if (!parse_num(optarg, 0, 0x7fef, &domid))
				goto bad_value;
			have_domid = true;
			break;
		case O_RUNDIR:
			rundir = optarg;
			break;
		case O_PORT:
			if (!parse_num(optarg, 1, 0x7fffffff, &port))
				goto bad_value;
			break;
		case O_NOINTRO:
			no_intro = true;
			break;
		case O_STDIN:
			line_mode = true;
			break;
		case O_KEEP:
			keep = true;
			break;
		case O_COUNT:
			if (!parse_num(optarg, 1, 0x7fffffff, &count))
				goto bad_value;
			break;
		case O_HELP:
			usage(stdout);
			return 0;
		case O_XEN:
			xen_dir = optarg;
			break;
		case O_NOWAIT:
			no_wait = true;
			break;
		default:
			fprintf(stderr, "xs-guest: bad option %s\n",
				argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	cmdc = argc - optind;
	cmdv = argv + optind;
	if (!have_domid) {
		fprintf(stderr, "xs-guest: --domid is required\n");
		usage(stderr);
		return 2;
	}
	if (line_mode && cmdc > 0) {
		fprintf(stderr, "xs-guest: --stdin takes no command\n");
		return 2;
	}
	if (!line_mode) {
		const struct cmd_spec *spec = NULL;
		int i;

		if (cmdc == 0) {
			fprintf(stderr, "xs-guest: no command\n");
			usage(stderr);
			return 2;
		}
		/* watch P [TOKEN] may carry --count K too. */
		if (!strcmp(cmdv[0], "watch")) {
			for (i = 1; i < cmdc; i++) {
				if (strcmp(cmdv[i], "--count") &&
				    strncmp(cmdv[i], "--count=", 8))
					continue;
				if (cmdv[i][7] == '=') {
					if (!parse_num(cmdv[i] + 8, 1,
						       0x7fffffff, &count))
						goto bad_count;
					memmove(cmdv + i, cmdv + i + 1,
						(size_t)(cmdc - i - 1) *
						sizeof(*cmdv));
					cmdc -= 1;
				} else {
					if (i + 1 >= cmdc ||
					    !parse_num(cmdv[i + 1], 1,
						       0x7fffffff, &count))
						goto bad_count;
					memmove(cmdv + i, cmdv + i + 2,
						(size_t)(cmdc - i - 2) *
						sizeof(*cmdv));
					cmdc -= 2;
				}
				i--;
			}
		}
		for (i = 0; i < (int)(sizeof(oneshot_cmds) /
				      sizeof(oneshot_cmds[0])); i++)
			if (!strcmp(cmdv[0], oneshot_cmds[i].name))
				spec = &oneshot_cmds[i];
		if (!spec) {
			fprintf(stderr, "xs-guest: unknown command %s\n",
				cmdv[0]);
			usage(stderr);
			return 2;
		}
		if (cmdc - 1 < spec->min_args ||
		    (spec->max_args >= 0 && cmdc - 1 > spec->max_args)) {
			fprintf(stderr, "xs-guest: wrong number of arguments "
				"for %s\n", cmdv[0]);
			usage(stderr);
			return 2;
		}
	}
	if (!sockpath || !*sockpath) {
		if ((size_t)snprintf(sockbuf, sizeof(sockbuf), "%s/socket",
				     rundir) >= sizeof(sockbuf)) {
			fprintf(stderr, "xs-guest: run directory name too "
				"long\n");
			return 2;
		}
		sockpath = sockbuf;
	}

	if (xen_dir && !*xen_dir)
		xen_dir = NULL;
	install_signals();
	if (domid == 0) {
		/* dom0's own ring: served from the daemon's start-up. */
		if (guest_open_dom0(&g, rundir, xen_dir) < 0)
			goto setup_failed;
	} else if (xen_dir ? guest_open_xen(&g, xen_dir, (unsigned int)domid,
					    (unsigned int)port) < 0
			   : guest_open(&g, rundir, (unsigned int)domid,
					(unsigned int)port) < 0) {
		goto setup_failed;
	}
	if (domid == 0) {
		/* connected already */
	} else if (no_intro) {
		fprintf(stderr, "xs-guest: dom%lu port %lu waiting for "
			"INTRODUCE\n", domid, port);
	} else if (dom0_introduce(sockpath, (unsigned int)domid,
				  (unsigned int)port, err, sizeof(err)) < 0) {
		snprintf(g.err, sizeof(g.err), "%s", err);
		goto setup_failed;
	}
	/*
	 * --no-wait: talk at once, as Linux's xenbus does, to a daemon that
	 * neither notifies nor sets server_features at INTRODUCE (upstream
	 * 4.17's C xenstored).
	 */
	if (domid != 0 && !no_wait &&
	    guest_wait_ready(&g, GUEST_TIMEOUT_MS) < 0)
		goto setup_failed;

	if (line_mode)
		run_lines(&g);
	else
		status = run_oneshot(&g, cmdc, cmdv, (long)count);
	out_flush();
	if (keep && !g.dead)
		keep_channel(&g);
	guest_close(&g);
	return status;

setup_failed:
	out_error(g.err);
	guest_close(&g);
	return 1;

bad_value:
	fprintf(stderr, "xs-guest: bad option value: %s\n", optarg);
	usage(stderr);
	return 2;
bad_count:
	fprintf(stderr, "xs-guest: --count needs a positive number\n");
	return 2;
}
