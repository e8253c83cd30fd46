// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xsload.c - load client for bench/run.sh, speaking the raw xenstore wire
 * protocol over a Unix socket.
 *
 * It owns the one measurement the shared xsbench tool cannot make (the
 * insert rate of the first and last chunk of a large fill of one directory)
 * and stands in for xsbench and uds_pingpong when ../shared/anchors is
 * absent.  The rr and pipe loops do what xsbench's do (same paths, values,
 * batch of 64, same output lines), so run.sh parses either tool; unlike
 * xsbench, pipe here fails on error replies.
 *
 *   xsload [-s SOCKET] fill N [CHUNK] [WINDOW] [PREFIX] [FANOUT]
 *	write PREFIX/<i> = "v<i>" for i in [0,N), up to WINDOW (256) requests
 *	in flight (xsbench fill's loop); also times each CHUNK (10000) replies
 *	and prints the rate of the first and the last chunk.  With FANOUT,
 *	PREFIX/d<i/FANOUT>/<i%FANOUT> instead: FANOUT nodes per directory.
 *   xsload [-s SOCKET] probe PATH
 *	READ PATH in a tight loop (one request outstanding) until SIGTERM or
 *	SIGINT; then print the number of reads and the longest gap between
 *	two replies (what a client sees of a live update's downtime).
 *   xsload [-s SOCKET] rr read|write SECONDS [NCLIENTS]
 *   xsload [-s SOCKET] pipe read|write SECONDS [WINDOW]
 *   xsload [-s SOCKET] check [WINDOW]
 *	pipelined sanity check: WINDOW writes then WINDOW reads of one node in
 *	a single burst; every reply must match its request's type, id and
 *	value.  Exit 1 otherwise.
 *   xsload echo SECONDS
 *	round trips/s of a trivial poll/read/write echo over a socketpair
 *	(uds_pingpong): the ceiling for one client.
 *
 * SOCKET defaults to $XENSTORED_PATH.  Exit status: 0 ok, 1 protocol or
 * I/O failure, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
	XS_READ = 2,
	XS_WRITE = 11,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
};

struct hdr {
	uint32_t type, req_id, tx_id, len;
};

#define MAX_PAYLOAD 4096	/* XENSTORE_PAYLOAD_MAX */

static const char *sockpath;
static char rbuf[MAX_PAYLOAD + 1];

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void
die(const char *what)
{
	fprintf(stderr, "xsload: %s\n", what);
	exit(1);
}

static int
xconnect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!sockpath)
		die("no socket: set XENSTORED_PATH or pass -s");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("xsload: socket");
		exit(1);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockpath);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("xsload: connect");
		exit(1);
	}
	return fd;
}

static void
writeall(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			perror("xsload: write");
			exit(1);
		}
		p += r;
		len -= r;
	}
}

static void
readall(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "xsload: read: %s\n",
				r ? strerror(errno) : "EOF from daemon");
			exit(1);
		}
		p += r;
		len -= r;
	}
}

/* One message (header + a + b) into buf; returns its length. */
static size_t
build(char *buf, uint32_t type, uint32_t req_id, const char *a, size_t alen,
      const char *b, size_t blen)
{
	struct hdr h = { type, req_id, 0, (uint32_t)(alen + blen) };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), a, alen);
	if (blen)
		memcpy(buf + sizeof(h) + alen, b, blen);
	return sizeof(h) + alen + blen;
}

/* Next reply other than a watch event, payload NUL-terminated in rbuf. */
static uint32_t
read_reply(int fd, struct hdr *h)
{
	for (;;) {
		readall(fd, h, sizeof(*h));
		if (h->len > MAX_PAYLOAD) {
			fprintf(stderr, "xsload: reply length %u too big\n",
				h->len);
			exit(1);
		}
		readall(fd, rbuf, h->len);
		rbuf[h->len] = 0;
		if (h->type != XS_WATCH_EVENT)
			return h->type;
	}
}

static void
write_node(int fd, const char *path, const char *val)
{
	char buf[MAX_PAYLOAD + sizeof(struct hdr)];
	struct hdr h;
	size_t n;

	n = build(buf, XS_WRITE, 0, path, strlen(path) + 1, val, strlen(val));
	writeall(fd, buf, n);
	if (read_reply(fd, &h) == XS_ERROR) {
		fprintf(stderr, "xsload: error %s writing %s\n", rbuf, path);
		exit(1);
	}
}

static double
rate(long n, uint64_t ns)
{
	return ns ? n / (ns / 1e9) : 0;
}

static int
cmd_fill(int argc, char **argv)
{
	static char out[1 << 20];
	long n = atol(argv[0]);
	long chunk = argc > 1 ? atol(argv[1]) : 10000;
	long window = argc > 2 ? atol(argv[2]) : 256;
	const char *prefix = argc > 3 ? argv[3] : "/local/domain/0/bench";
	long fanout = argc > 4 ? atol(argv[4]) : 0;
	long sent = 0, done = 0, errors = 0, nchunks, k;
	uint64_t t0, t1, tlast = 0, *mark;
	struct hdr h;
	int fd;

	if (n <= 0 || window <= 0)
		die("fill: N and WINDOW must be > 0");
	if (chunk <= 0 || chunk > n)
		chunk = n;
	nchunks = n / chunk;
	mark = calloc(nchunks + 1, sizeof(*mark));
	if (!mark)
		die("out of memory");
	fd = xconnect();
	t0 = mark[0] = now_ns();
	if (n == chunk)
		tlast = t0;
	while (done < n) {
		size_t olen = 0;

		while (sent < n && sent - done < window &&
		       olen < sizeof(out) - 512) {
			char path[256], val[32];
			int pl = fanout > 0 ?
				snprintf(path, sizeof(path), "%s/d%ld/%ld",
					 prefix, sent / fanout, sent % fanout) :
				snprintf(path, sizeof(path), "%s/%ld", prefix,
					 sent);
			int vl = snprintf(val, sizeof(val), "v%ld", sent);

			olen += build(out + olen, XS_WRITE, (uint32_t)sent,
				      path, pl + 1, val, vl);
			sent++;
		}
		if (olen)
			writeall(fd, out, olen);
		/* one reply, then more until half the window is free */
		do {
			if (read_reply(fd, &h) == XS_ERROR && !errors++)
				fprintf(stderr, "xsload: fill error: %s\n",
					rbuf);
			done++;
			if (done % chunk == 0 || done == n - chunk) {
				uint64_t t = now_ns();

				if (done % chunk == 0)
					mark[done / chunk] = t;
				if (done == n - chunk)
					tlast = t;
			}
		} while (done < n && sent - done > window / 2);
	}
	t1 = now_ns();
	printf("fill n=%ld errors=%ld time=%.3f s rate=%.0f writes/s "
	       "chunk=%ld first=%.0f last=%.0f\n", n, errors, (t1 - t0) / 1e9,
	       rate(n, t1 - t0), chunk, rate(chunk, mark[1] - mark[0]),
	       rate(chunk, t1 - tlast));
	printf("fill-profile chunk=%ld writes/s:", chunk);
	for (k = 1; k <= nchunks; k++)
		printf(" %.0f", rate(chunk, mark[k] - mark[k - 1]));
	printf("\n");
	free(mark);
	return errors != 0;
}

static long
rr_loop(int write_mode, double secs, int id)
{
	char path[64], buf[256];
	struct hdr h;
	long ops = 0;
	uint64_t end;
	size_t n;
	int fd = xconnect(), i;

	snprintf(path, sizeof(path), "/local/domain/0/rr/c%d", id);
	write_node(fd, path, "initial-value");
	if (write_mode)
		n = build(buf, XS_WRITE, 1, path, strlen(path) + 1,
			  "small-value", 11);
	else
		n = build(buf, XS_READ, 1, path, strlen(path) + 1, NULL, 0);
	end = now_ns() + (uint64_t)(secs * 1e9);
	do {
		for (i = 0; i < 64; i++) {
			writeall(fd, buf, n);
			if (read_reply(fd, &h) == XS_ERROR) {
				fprintf(stderr, "xsload: rr error %s\n", rbuf);
				exit(1);
			}
		}
		ops += 64;
	} while (now_ns() < end);
	close(fd);
	return ops;
}

static int
cmd_rr(int argc, char **argv)
{
	int write_mode = !strcmp(argv[0], "write");
	double secs = atof(argv[1]);
	int nc = argc > 2 ? atoi(argv[2]) : 1, i, status, ok = 1;
	long total = 0, ops;
	uint64_t t0, t1;
	int pfd[2];

	if (pipe(pfd))
		die("pipe failed");
	t0 = now_ns();
	for (i = 0; i < nc; i++) {
		if (fork() == 0) {
			close(pfd[0]);
			ops = rr_loop(write_mode, secs, i);
			if (write(pfd[1], &ops, sizeof(ops)) != sizeof(ops))
				_exit(1);
			_exit(0);
		}
	}
	close(pfd[1]);
	for (i = 0; i < nc; i++) {
		if (read(pfd[0], &ops, sizeof(ops)) != sizeof(ops)) {
			ok = 0;
			break;
		}
		total += ops;
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			ok = 0;
	t1 = now_ns();
	if (!ok)
		die("rr: a client failed");
	printf("rr %s clients=%d ops=%ld time=%.3f s rate=%.0f ops/s\n",
	       argv[0], nc, total, (t1 - t0) / 1e9, rate(total, t1 - t0));
	return 0;
}

static int
cmd_pipe(int argc, char **argv)
{
	static char out[1 << 16];
	const char *path = "/local/domain/0/rr/pipe";
	int write_mode = !strcmp(argv[0], "write");
	double secs = atof(argv[1]);
	int window = argc > 2 ? atoi(argv[2]) : 64, i;
	long ops = 0, errors = 0;
	uint64_t t0, end, t1;
	size_t one, olen;
	struct hdr h;
	int fd = xconnect();

	write_node(fd, path, "initial-value");
	if (write_mode)
		one = build(out, XS_WRITE, 1, path, strlen(path) + 1,
			    "small-value", 11);
	else
		one = build(out, XS_READ, 1, path, strlen(path) + 1, NULL, 0);
	if (window < 1 || (size_t)window * one > sizeof(out))
		die("pipe: bad window");
	for (olen = one, i = 1; i < window; i++, olen += one)
		memcpy(out + olen, out, one);
	t0 = now_ns();
	end = t0 + (uint64_t)(secs * 1e9);
	while (now_ns() < end) {
		writeall(fd, out, olen);
		for (i = 0; i < window; i++)
			if (read_reply(fd, &h) == XS_ERROR)
				errors++;
		ops += window;
	}
	t1 = now_ns();
	if (errors) {
		fprintf(stderr, "xsload: pipe: %ld error replies\n", errors);
		return 1;
	}
	printf("pipe %s window=%d ops=%ld time=%.3f s rate=%.0f ops/s\n",
	       argv[0], window, ops, (t1 - t0) / 1e9, rate(ops, t1 - t0));
	return 0;
}

static int
cmd_check(int argc, char **argv)
{
	static char out[1 << 16];
	const char *path = "/local/domain/0/rr/check";
	int window = argc > 0 ? atoi(argv[0]) : 64, i, bad = 0;
	char val[32], want[32];
	size_t olen = 0;
	struct hdr h;
	int fd = xconnect();

	if (window < 1 || window > 256)
		die("check: window must be 1..256");
	write_node(fd, path, "x");
	for (i = 0; i < window; i++) {
		int vl = snprintf(val, sizeof(val), "v%d", i);

		olen += build(out + olen, XS_WRITE, 1000 + i, path,
			      strlen(path) + 1, val, vl);
	}
	for (i = 0; i < window; i++)
		olen += build(out + olen, XS_READ, 2000 + i, path,
			      strlen(path) + 1, NULL, 0);
	writeall(fd, out, olen);
	snprintf(want, sizeof(want), "v%d", window - 1);
	for (i = 0; i < 2 * window; i++) {
		int is_write = i < window;
		uint32_t id = is_write ? 1000 + i : 2000 + i - window;
		uint32_t type = read_reply(fd, &h);

		if (type != (is_write ? XS_WRITE : XS_READ) ||
		    h.req_id != id ||
		    (!is_write && strcmp(rbuf, want))) {
			if (!bad++)
				fprintf(stderr, "xsload: check: reply %d: "
					"type %u id %u \"%s\"; expected type "
					"%u id %u%s%s\n", i, type, h.req_id,
					rbuf, is_write ? XS_WRITE : XS_READ,
					id, is_write ? "" : " value ",
					is_write ? "" : want);
		}
	}
	if (bad) {
		fprintf(stderr, "xsload: check: %d bad replies of %d\n", bad,
			2 * window);
		return 1;
	}
	printf("check window=%d ok\n", window);
	return 0;
}

static double
now_s(void)
{
	return now_ns() / 1e9;
}

static int
cmd_echo(int argc, char **argv)
{
	double secs = atof(argv[0]), t0, end;
	char buf[64] = { 0 };
	long n = 0;
	int sv[2], i;

	(void)argc;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair failed");
	if (fork() == 0) {	/* echo server: poll, read, write */
		close(sv[0]);
		for (;;) {
			struct pollfd p = { sv[1], POLLIN, 0 };
			ssize_t r;

			poll(&p, 1, -1);
			r = read(sv[1], buf, sizeof(buf));
			if (r <= 0)
				_exit(0);
			if (write(sv[1], buf, r) != r)
				_exit(1);
		}
	}
	close(sv[1]);
	t0 = now_s();
	end = t0 + secs;
	while (now_s() < end) {
		for (i = 0; i < 64; i++)
			if (write(sv[0], buf, 36) != 36 ||
			    read(sv[0], buf, sizeof(buf)) <= 0)
				die("echo: socket failed");
		n += 64;
	}
	printf("uds pingpong: %.0f round trips/s\n", n / (now_s() - t0));
	close(sv[0]);
	wait(NULL);
	return 0;
}

static volatile sig_atomic_t probe_stop;

static void
probe_signal(int sig)
{
	(void)sig;
	probe_stop = 1;
}

static int
cmd_probe(int argc, char **argv)
{
	char buf[MAX_PAYLOAD + sizeof(struct hdr)];
	const char *path = argv[0];
	uint64_t last, t, maxgap = 0;
	struct sigaction sa = { .sa_handler = probe_signal };
	struct hdr h;
	long n = 0;
	size_t len;
	int fd;

	(void)argc;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = xconnect();
	len = build(buf, XS_READ, 1, path, strlen(path) + 1, NULL, 0);
	last = now_ns();
	while (!probe_stop) {
		writeall(fd, buf, len);
		if (read_reply(fd, &h) == XS_ERROR) {
			fprintf(stderr, "xsload: probe: error %s\n", rbuf);
			return 1;
		}
		t = now_ns();
		if (t - last > maxgap)
			maxgap = t - last;
		last = t;
		n++;
	}
	printf("probe reads=%ld maxgap_us=%.0f\n", n, maxgap / 1e3);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: xsload [-s SOCKET] fill N [CHUNK] [WINDOW] "
		"[PREFIX] [FANOUT]\n"
		"       xsload [-s SOCKET] probe PATH\n"
		"       xsload [-s SOCKET] rr|pipe read|write SECONDS [N]\n"
		"       xsload [-s SOCKET] check [WINDOW]\n"
		"       xsload echo SECONDS\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	sockpath = getenv("XENSTORED_PATH");
	if (argc > 2 && !strcmp(argv[1], "-s")) {
		sockpath = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2)
		return usage();
	cmd = argv[1];
	argv += 2;
	argc -= 2;
	if (!strcmp(cmd, "fill") && argc >= 1)
		return cmd_fill(argc, argv);
	if (!strcmp(cmd, "rr") && argc >= 2)
		return cmd_rr(argc, argv);
	if (!strcmp(cmd, "pipe") && argc >= 2)
		return cmd_pipe(argc, argv);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc, argv);
	if (!strcmp(cmd, "probe") && argc >= 1)
		return cmd_probe(argc, argv);
	if (!strcmp(cmd, "echo") && argc >= 1)
		return cmd_echo(argc, argv);
	return usage();
}
