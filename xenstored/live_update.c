// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * live_update.c - restarting the daemon in place into a new binary.
 *
 * The dialogue is upstream's (xenstore-control live-update):
 *   -f BINARY           the new binary: it must exist and be executable
 *   -c CMDLINE          its arguments, instead of ours
 *   -s [-t N] [-F]      start; answered "OK" by the new process, an
 *                       error text, or "BUSY" (ask again)
 *   -a                  abort
 * A session belongs to the connection that opened it (it is a talloc
 * child of it: closing the connection aborts the session).
 *
 * The update itself, in three steps (docs/live-update.md):
 *
 * 1. Pre-flight.  On -s a forked child writes a LIVE_UPDATE image of
 *    the state as it is into a memfd and execs the new binary on it with
 *    --live-check: the binary parses its command line, reads and checks
 *    the image and restores it detached, then exits.  We go on serving
 *    meanwhile; the -s request waits (deferred) for the verdict, for a
 *    second at most, after which it is answered BUSY and asked again.
 *    A binary that is missing, not executable, crashes, exits, or
 *    cannot read our image fails here, and nothing has changed.
 *
 * 2. In place.  At the end of a loop turn (between two requests, all
 *    output flushed as far as the peers take it) the whole state goes
 *    into a sealed memfd; exactly the descriptors the image names lose
 *    close-on-exec (the listening socket, every client socket, the
 *    backend's and each domain's), and we exec the new binary with its
 *    arguments plus --live-restore FD.  The image names the -s request,
 *    so the new process answers it; if exec itself fails we are still
 *    here and answer the error.
 *
 * 3. Rollback.  Should the new binary fail to restore after all, it
 *    execs the previous binary (an O_PATH descriptor of it is in the
 *    image, with its command line) on the same image with
 *    --live-rollback REASON: the old state serves again in the same
 *    process, and the requester is told why the update failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <talloc.h>

#include "backend.h"
#include "conn.h"
#include "conn_ring.h"
#include "domain.h"
#include "handback.h"
#include "live_update.h"
#include "log.h"
#include "loop.h"
#include "lu_guardian.h"
#include "notify.h"
#include "proto.h"
#include "state.h"
#include "store.h"
#include "takeover.h"
#include "xsd.h"
#include "xs_state.h"

/* How long -s waits for the pre-flight check before answering BUSY. */
#define LU_DEFER_MS 1000
#define LU_ERR_MAX 1024

enum lu_check {
	CHECK_NONE,
	CHECK_RUNNING,
	CHECK_OK,
	CHECK_FAILED,
};

struct lu {
	struct xsd *xsd;
	struct conn *conn;		/* the session's, our talloc parent */
	char *binary;
	int bin_fd;			/* O_PATH of it, opened at -f */
	struct stat bin_st;		/* ... as it was then */
	char **args;			/* -c: its arguments; NULL: ours */
	unsigned int timeout;		/* -t, seconds */

	enum lu_check check;
	pid_t child;			/* the pre-flight, until reaped */
	int err_fd;			/* its stderr */
	int verdict_fd;			/* its --live-verdict */
	struct loop_io *io;
	char err[LU_ERR_MAX];		/* what it said */
	size_t err_len;
	struct timespec check_start;

	bool waiting;			/* -s deferred */
	struct xsd_sockmsg hdr;		/* ... this one */
	struct timespec wait_start;
	bool go;			/* exec at the end of this turn */
	bool walk;			/* the store as NODE_DATA records */
	bool transfer_wait;		/* go, but a migration moves */
	struct timespec transfer_start;

	/* The guardian (lu_guardian.c), forked at -s, armed at the exec,
	 * with the memfd the image goes into. */
	int gfd;
	pid_t guardian;
	struct way_back {		/* what the guardian needs of it */
		int memfd;		/* the image, -1 until -s */
		int rollback_fd;	/* our binary */
	} wb;

	/* Into upstream's C xenstored (handback.c): no pre-flight check;
	 * open transactions are waited for, from the first -s on. */
	bool handback;
	bool force;			/* -F: then drop them */
	bool hb_started;
	struct timespec hb_first;
};

/*
 * What the pre-flight wrote to its --live-verdict pipe: first our line
 * (written before the exec: what the image is), then the binary's.  A
 * binary that exits 0 without saying it read this very image (/bin/true,
 * a binary too old to know the dialogue) has not passed.
 */
static const char *
verdict_problem(struct lu *lu)
{
	char buf[256], expect[96];
	ssize_t n = read(lu->verdict_fd, buf, sizeof(buf) - 1);
	char *nl;

	if (n <= 0)
		return "it gave no verdict on the image";
	buf[n] = 0;
	nl = strchr(buf, '\n');
	if (!nl || (size_t)(nl - buf) + 1 >= sizeof(expect) ||
	    strncmp(buf, "image ", 6))
		return "it gave no verdict on the image";
	snprintf(expect, sizeof(expect), "ok %.*s\n", (int)(nl - buf - 6),
		 buf + 6);
	if (strcmp(nl + 1, expect))
		return "it gave no verdict on the image";
	return NULL;
}

static void
check_ended(struct lu *lu, int status)
{
	const char *problem = NULL;
	char why[96];

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    !(problem = verdict_problem(lu))) {
		lu->check = CHECK_OK;
		return;
	}
	if (problem)
		snprintf(why, sizeof(why), "exit status 0, but %s", problem);
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(why, sizeof(why), "exit status %d",
			 WEXITSTATUS(status));
	lu->check = CHECK_FAILED;
	/* Keep its message, say how it ended. */
	while (lu->err_len && lu->err[lu->err_len - 1] == '\n')
		lu->err_len--;
	lu->err[lu->err_len] = 0;
	snprintf(lu->err + lu->err_len, sizeof(lu->err) - lu->err_len,
		 "%s%s", lu->err_len ? "\n" : "", why);
	lu->err_len = strlen(lu->err);
}

static void
close_check_fds(struct lu *lu)
{
	TALLOC_FREE(lu->io);
	if (lu->err_fd >= 0)
		close(lu->err_fd);
	lu->err_fd = -1;
	if (lu->verdict_fd >= 0)
		close(lu->verdict_fd);
	lu->verdict_fd = -1;
}

/*
 * What the pre-flight says on its standard error (non-blocking): 1 when
 * something was read, 0 at its end, -1 when there is nothing yet.
 */
static int
read_check_output(struct lu *lu)
{
	char buf[256];
	ssize_t n = read(lu->err_fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -1 : 0;
	if (n > 0) {
		size_t room = sizeof(lu->err) - 1 - lu->err_len;
		size_t k = (size_t)n < room ? (size_t)n : room;

		memcpy(lu->err + lu->err_len, buf, k);
		lu->err_len += k;
		lu->err[lu->err_len] = 0;
		return 1;
	}
	return 0;
}

/*
 * Has the pre-flight ended?  Never waits: a binary that closes its
 * standard error and runs on must not stop the daemon (its time limit
 * is lu_tick's).  kill_it: end it now, no verdict.
 */
static void
reap(struct lu *lu, bool kill_it)
{
	int status;

	if (lu->child <= 0) {
		close_check_fds(lu);
		return;
	}
	if (kill_it) {
		kill(lu->child, SIGKILL);
		waitpid(lu->child, &status, 0);	/* SIGKILL: prompt */
		lu->child = 0;
		close_check_fds(lu);
		return;
	}
	if (waitpid(lu->child, &status, WNOHANG) != lu->child)
		return;
	lu->child = 0;
	/* What it wrote before it ended, not yet read by check_output. */
	while (lu->err_fd >= 0 && read_check_output(lu) == 1)
		;
	check_ended(lu, status);
	close_check_fds(lu);
}

static void
set_cloexec(int fd, bool on)
{
	int fl;

	if (fd < 0)
		return;
	fl = fcntl(fd, F_GETFD);
	if (fl < 0)
		return;
	fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

/* --- the guardian -------------------------------------------------- */

/*
 * Run the previous binary (rollback_fd) with its command line (prev)
 * on the image in memfd, to take the state back for why; with the
 * guardian's descriptor when there is one.  Returns if it cannot.
 */
static void
exec_previous(char *const *prev, int rollback_fd, int memfd,
	      const char *why, int guardian_fd)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	unsigned int n = 0, i;
	char **argv;

	while (prev[n])
		n++;
	argv = tmp ? talloc_array(tmp, char *, n + 7) : NULL;
	if (!argv) {
		talloc_free(tmp);
		return;
	}
	for (i = 0; i < n; i++)
		argv[i] = prev[i];
	argv[i++] = "--live-restore";
	argv[i++] = talloc_asprintf(tmp, "%d", memfd);
	argv[i++] = "--live-rollback";
	argv[i++] = (char *)why;
	if (guardian_fd >= 0) {
		set_cloexec(guardian_fd, false);
		argv[i++] = "--live-guardian";
		argv[i++] = talloc_asprintf(tmp, "%d", guardian_fd);
	}
	argv[i] = NULL;
	log_warnx("live-update: %s; back to the previous binary", why);
	unsetenv("XENSTORED_LU_FAIL");
	fflush(NULL);
	execveat(rollback_fd, "", argv, environ, AT_EMPTY_PATH);
	log_warn("live-update: exec of the previous binary");
	talloc_free(tmp);
}

/*
 * The guardian's way back: the previous binary (ours, held since
 * start-up) on the image and the descriptors the guardian holds, as
 * the new process itself does when it refuses the state.
 */
static void
way_back(struct xsd *xsd, void *arg, const char *why)
{
	const struct way_back *wb = arg;

	exec_previous(xsd->argv, wb->rollback_fd, wb->memfd, why, -1);
}

/*
 * At -s, while we still serve: the memfd the image will go into and a
 * guardian, forked now so that the update's pause holds only the
 * hand-over of the descriptors (guardian_arm).
 */
static int
prepare_guardian(struct lu *lu)
{
	int ret;

	if (lu->guardian > 0)
		return 0;
	if (lu->wb.memfd < 0) {
		lu->wb.memfd = memfd_create("xenstored-live-update",
					    MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (lu->wb.memfd < 0)
			return errno;
	}
	lu->wb.rollback_fd = lu->xsd->self_fd;
	ret = guardian_start(lu->xsd, way_back, &lu->wb, 0, &lu->gfd,
			     &lu->guardian);
	if (ret)
		lu->guardian = 0;
	return ret;
}

static void
drop_guardian(struct lu *lu)
{
	if (lu->guardian > 0)
		guardian_abandon(lu->gfd, lu->guardian);
	lu->guardian = 0;
	lu->gfd = -1;
	if (lu->wb.memfd >= 0)
		close(lu->wb.memfd);
	lu->wb.memfd = -1;
}

static int
lu_destroy(struct lu *lu)
{
	reap(lu, true);
	drop_guardian(lu);
	if (lu->bin_fd >= 0)
		close(lu->bin_fd);
	if (lu->xsd->lu == lu)
		lu->xsd->lu = NULL;
	/* (A connection being freed is no longer blocked.) */
	if (lu->waiting && lu->conn->blocked)
		conn_unblock(lu->conn);
	return 0;
}

/* Answer the deferred -s and take requests from its connection again. */
static void
answer(struct lu *lu, const char *text)
{
	if (!lu->waiting)
		return;
	lu->waiting = false;
	proto_answer_str(lu->conn, &lu->hdr, text);
	conn_unblock(lu->conn);
}

/*
 * The new binary refused our store's record layout: a binary with
 * another layout gets the nodes walked into the image instead, and is
 * checked again on that.
 */
static bool
walk_instead(struct lu *lu)
{
	if (lu->walk || !lu->waiting ||
	    !strstr(lu->err, STORE_FORMAT_REFUSAL))
		return false;
	log_info("live-update: %s has another store format: the store goes "
		 "as NODE_DATA records", lu->binary);
	lu->walk = true;
	lu->check = CHECK_NONE;		/* lu_tick checks again */
	return true;
}

static void
check_failed(struct lu *lu)
{
	char *s = talloc_asprintf(lu, "live-update: %s failed the "
				  "pre-flight check:\n%s", lu->binary,
				  lu->err);

	log_warnx("%s", s ? s : "live-update: pre-flight check failed");
	answer(lu, s ? s : "live-update: pre-flight check failed");
	talloc_free(s);
}

/* Reap the pre-flight if it ended, and act on its verdict. */
static void
check_verdict(struct lu *lu)
{
	if (lu->check != CHECK_RUNNING)
		return;
	reap(lu, false);
	if (lu->check == CHECK_FAILED && !walk_instead(lu))
		check_failed(lu);
	else if (lu->check == CHECK_OK && lu->waiting)
		lu->go = true;
}

static void
check_output(void *arg, short revents)
{
	struct lu *lu = arg;

	(void)revents;
	if (read_check_output(lu))
		return;
	/* End of its output: it has ended, or will; lu_tick reaps it. */
	TALLOC_FREE(lu->io);
	close(lu->err_fd);
	lu->err_fd = -1;
	check_verdict(lu);
}

/* Our own command line after argv[0], or the -c one; then each of the
 * options opt1, opt2 (if not NULL) with its descriptor (unless < 0). */
static char **
new_argv(TALLOC_CTX *ctx, const struct lu *lu, const char *opt1, int fd1,
	 const char *opt2, int fd2)
{
	char **src = lu->args ? lu->args : lu->xsd->argv + 1;
	unsigned int n = 0, i = 0;
	char **v;

	while (src[n])
		n++;
	v = talloc_array(ctx, char *, n + 6);
	if (!v)
		return NULL;
	v[i++] = lu->binary;
	for (n = 0; src[n]; n++)
		v[i++] = src[n];
	if (opt1) {
		v[i++] = (char *)opt1;
		if (fd1 >= 0 && !(v[i++] = talloc_asprintf(v, "%d", fd1)))
			return NULL;
	}
	if (opt2) {
		v[i++] = (char *)opt2;
		if (fd2 >= 0 && !(v[i++] = talloc_asprintf(v, "%d", fd2)))
			return NULL;
	}
	v[i] = NULL;
	return v;
}

static void
lu_record(struct lu *lu, struct state_lu *rec, int rollback_fd)
{
	rec->conn_id = lu->conn->id;
	rec->hdr = lu->hdr;
	rec->rollback_fd = rollback_fd;
	rec->argv = lu->xsd->argv;
	rec->store_fd = -1;
}

static int
map_image(int memfd, const uint8_t **buf, size_t *len)
{
	struct stat st;
	void *p;

	if (fstat(memfd, &st) < 0)
		return errno;
	if (st.st_size <= 0)
		return EINVAL;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, memfd, 0);
	if (p == MAP_FAILED)
		return errno;
	*buf = p;
	*len = (size_t)st.st_size;
	return 0;
}

/* "crc32c length" of an image: what a pre-flight verdict is about. */
static void
image_id(const uint8_t *img, size_t len, char *buf, size_t size)
{
	snprintf(buf, size, "%08x %zu", xss_crc32c(0, img, len), len);
}

/*
 * Has the file opened at -f been written to since?  (Renaming another
 * file over its path does not matter: we execute the one we opened.
 * That unlinks it, which changes its ctime, so only size and mtime are
 * compared.)
 */
static bool
binary_changed(const struct lu *lu)
{
	struct stat st;

	return fstat(lu->bin_fd, &st) < 0 ||
		st.st_size != lu->bin_st.st_size ||
		st.st_mtim.tv_sec != lu->bin_st.st_mtim.tv_sec ||
		st.st_mtim.tv_nsec != lu->bin_st.st_mtim.tv_nsec;
}

/*
 * The child of the pre-flight: the image of the state as forked, then
 * the new binary (the file opened at -f) on it.  Never returns.
 */
static void __attribute__((noreturn))
check_child(struct lu *lu, int err_fd, int verdict_fd)
{
	struct state_lu rec;
	char *err = NULL, **argv, id[64];
	const uint8_t *img;
	size_t len;
	int fd;

	if (dup2(err_fd, STDERR_FILENO) < 0)
		_exit(126);
	fd = memfd_create("xenstored-lu-check", 0);
	lu_record(lu, &rec, -1);
	/* A copy of the store: the check must not touch the live one.
	 * (Into another layout: the image carries the nodes.) */
	if (!lu->walk) {
		rec.store_fd = store_copy_fd(lu->xsd->store);
		if (rec.store_fd < 0) {
			fprintf(stderr, "copying the store: %s\n",
				strerror(errno));
			_exit(125);
		}
		set_cloexec(rec.store_fd, false);
	}
	if (fd < 0 || state_dump_live(lu->xsd, fd, &rec, &err, NULL)) {
		fprintf(stderr, "writing the image: %s\n",
			err ? err : strerror(errno));
		_exit(125);
	}
	/* What the verdict must be about, ahead of the binary's line. */
	if (map_image(fd, &img, &len))
		_exit(125);
	image_id(img, len, id, sizeof(id));
	if (dprintf(verdict_fd, "image %s\n", id) < 0)
		_exit(125);
	argv = new_argv(NULL, lu, "--live-check", fd, "--live-verdict",
			verdict_fd);
	if (!argv || lseek(fd, 0, SEEK_SET) < 0)
		_exit(125);
	set_cloexec(verdict_fd, false);
	set_cloexec(lu->bin_fd, false);		/* a script reads it */
	execveat(lu->bin_fd, "", argv, environ, AT_EMPTY_PATH);
	fprintf(stderr, "exec %s: %s\n", lu->binary, strerror(errno));
	_exit(127);
}

static int
start_check(struct lu *lu)
{
	int p[2], v[2];
	pid_t pid;

	if (binary_changed(lu))
		return ESTALE;
	if (pipe2(p, O_CLOEXEC) < 0)
		return errno;
	if (pipe2(v, O_CLOEXEC) < 0) {
		int err = errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(p[0]);
		close(p[1]);
		close(v[0]);
		close(v[1]);
		return err;
	}
	if (pid == 0)
		check_child(lu, p[1], v[1]);
	close(p[1]);
	close(v[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	fcntl(v[0], F_SETFL, O_NONBLOCK);
	lu->child = pid;
	lu->err_fd = p[0];
	lu->verdict_fd = v[0];
	lu->err_len = 0;
	lu->err[0] = 0;
	lu->check = CHECK_RUNNING;
	clock_gettime(CLOCK_MONOTONIC, &lu->check_start);
	lu->io = loop_add(lu->xsd->loop, lu, p[0], POLLIN, check_output, lu);
	if (!lu->io) {
		reap(lu, true);
		lu->check = CHECK_NONE;
		return ENOMEM;
	}
	log_info("live-update: pre-flight check of %s (pid %ld)",
		 lu->binary, (long)pid);
	return 0;
}

/* --- descriptors that cross exec ------------------------------------- */

/* Which of the descriptors below. */
enum {
	FDS_STORE = 1,		/* the store's file (not when it is walked) */
	FDS_DOMAINS = 2,	/* each domain's event channel and page */
	/* What upstream's state file names: the listening socket, the
	 * event channel handle, every socket connection. */
	FDS_UPSTREAM = 0,
	/* Exactly what a LIVE_UPDATE image names. */
	FDS_IMAGE = FDS_STORE | FDS_DOMAINS,
};

/*
 * The descriptors that cross an exec: the store's, the listening
 * socket, the backend's, every socket connection's and every served
 * domain's event channel and page, as which (FDS_*) says; fn(fd, arg)
 * on each (fd may be -1).
 */
static void
each_image_fd(struct xsd *xsd, unsigned int which,
	      void (*fn)(int fd, void *arg), void *arg)
{
	struct backend *b = xsd->backend;
	struct conn *c;

	if (which & FDS_STORE)
		fn(store_fd(xsd->store), arg);
	fn(xsd->listen_fd, arg);
	if (b && b->ops->fd)
		fn(b->ops->fd(b), arg);
	list_for_each(c, &xsd->conns, link) {
		struct domain *d = c->domain;
		int efd = -1, pfd = -1;

		fn(c->fd, arg);
		if (!(which & FDS_DOMAINS) || !d || d->conn != c ||
		    !d->page || !b || !b->ops->domain_fds)
			continue;
		b->ops->domain_fds(b, d->domid, d->local_port, &efd, &pfd);
		fn(efd, arg);
		fn(pfd, arg);
	}
}

static void
fd_inherit(int fd, void *arg)
{
	(void)arg;
	set_cloexec(fd, false);
}

static void
fd_own(int fd, void *arg)
{
	(void)arg;
	set_cloexec(fd, true);
}

/* inherit: clear close-on-exec on those descriptors (for the exec),
 * else set it again. */
static void
inherit_fds(struct xsd *xsd, bool inherit, unsigned int which)
{
	each_image_fd(xsd, which, inherit ? fd_inherit : fd_own, NULL);
}

struct fd_list {
	int *fds;
	unsigned int n, room;
};

static void
fd_collect(int fd, void *arg)
{
	struct fd_list *l = arg;

	if (fd < 0 || l->n > l->room)
		return;
	if (l->n == l->room) {
		int *v = talloc_realloc(l, l->fds, int, l->room * 2 + 16);

		if (!v) {
			l->n = l->room + 1;	/* failed */
			return;
		}
		l->fds = v;
		l->room = l->room * 2 + 16;
	}
	l->fds[l->n++] = fd;
}

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * The image's descriptors, with memfd and rollback, once each (domains
 * may share the backend's handle), for the guardian.  NULL: ENOMEM.
 */
static struct fd_list *
image_fds(TALLOC_CTX *ctx, struct xsd *xsd, unsigned int which, int memfd,
	  int rollback)
{
	struct fd_list *l = talloc_zero(ctx, struct fd_list);
	unsigned int i, n = 0;

	if (!l)
		return NULL;
	each_image_fd(xsd, which, fd_collect, l);
	fd_collect(memfd, l);
	fd_collect(rollback, l);
	if (l->n > l->room)
		return NULL;
	qsort(l->fds, l->n, sizeof(int), int_cmp);
	for (i = 0; i < l->n; i++)
		if (!n || l->fds[i] != l->fds[n - 1])
			l->fds[n++] = l->fds[i];
	l->n = n;
	return l;
}

/* The backend releases what the next process sets up itself... */
static void
before_exec(struct xsd *xsd)
{
	struct backend *b = xsd->backend;

	if (b && b->ops->before_exec)
		b->ops->before_exec(b);
}

/* ...and takes it up again when that exec failed. */
static void
after_failed_exec(struct xsd *xsd)
{
	struct backend *b = xsd->backend;
	int ret;

	if (b && b->ops->after_adopt && (ret = b->ops->after_adopt(b, 0)))
		log_warnx("live-update: %s backend: %s", b->ops->name,
			  strerror(ret));
}

/* --- step 2: in place -------------------------------------------------- */

static void
exec_failed(struct lu *lu, const char *what, int err, const char *detail)
{
	char *s = talloc_asprintf(lu, "live-update: %s: %s", what,
				  detail ? detail : strerror(err));

	log_warnx("%s", s ? s : "live-update failed");
	lu->go = false;
	answer(lu, s ? s : "live-update failed");
	talloc_free(lu);
}

/*
 * Our own binary, for the way back: opened at start-up (lu_open_self),
 * so that it is the code that wrote the image even when a package
 * upgrade has since replaced the file at our path.
 */
int
lu_open_self(void)
{
	const char *fn = (const char *)getauxval(AT_EXECFN);
	int fd = -1;

	/*
	 * The name we were executed by (AT_EXECFN) rather than
	 * /proc/self/exe, which under a tool such as valgrind is the tool.
	 * (A live update executes us through a descriptor, "/dev/fd/N":
	 * reopening that is the same file.)
	 */
	if (fn)
		fd = open(fn, O_PATH | O_CLOEXEC);
	return fd >= 0 ? fd : open("/proc/self/exe", O_PATH | O_CLOEXEC);
}

/*
 * The previous process executed us through an O_PATH descriptor of our
 * file, which a script (or valgrind's exec) passes on to us open: close
 * every O_PATH descriptor but our own.  After the update's pause: it
 * reads /proc.
 */
static void
close_stray_paths(struct xsd *xsd)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int fd, fl;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		fd = atoi(e->d_name);
		if (fd < 3 || fd == dirfd(dir) || fd == xsd->self_fd)
			continue;
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_PATH))
			close(fd);
	}
	closedir(dir);
}

static void
exec_new(struct lu *lu)
{
	struct xsd *xsd = lu->xsd;
	TALLOC_CTX *tmp = talloc_new(lu);
	struct fd_list *fds;
	struct state_lu rec;
	struct timespec t0;
	char *err = NULL, **argv = NULL;
	int memfd = lu->wb.memfd, rollback = xsd->self_fd, ret;

	if (binary_changed(lu)) {
		exec_failed(lu, lu->binary, 0, "changed since the pre-flight "
			    "check; start again with -f");
		return;
	}
	if (!tmp || lu->guardian <= 0 || memfd < 0) {
		exec_failed(lu, "no guardian", ENOMEM, NULL);
		return;
	}
	lu_record(lu, &rec, rollback);
	/* Into another store layout, the nodes go as NODE_DATA records. */
	rec.store_fd = lu->walk ? -1 : store_fd(xsd->store);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = state_dump_live(xsd, memfd, &rec, &err, tmp);
	if (!ret && fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
			  F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		ret = errno;
	if (ret) {
		exec_failed(lu, "writing the state", ret, err);
		return;
	}
	log_info("live-update: state written in %.1f ms (%lld bytes, the "
		 "store %s); exec %s", loop_ms_since(&t0),
		 (long long)lseek(memfd, 0, SEEK_CUR), lu->walk ?
		 "walked into NODE_DATA records" : "by its descriptor",
		 lu->binary);
	before_exec(xsd);
	inherit_fds(xsd, true, lu->walk ? FDS_DOMAINS : FDS_IMAGE);
	set_cloexec(memfd, false);
	set_cloexec(rollback, false);
	/* The guardian holds all of it from here on (lu_guardian.c). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fds = image_fds(tmp, xsd, lu->walk ? FDS_DOMAINS : FDS_IMAGE, memfd,
			rollback);
	ret = fds ? guardian_arm(lu->gfd, fds->fds, fds->n, lu->timeout)
		  : ENOMEM;
	if (!ret)
		argv = new_argv(tmp, lu, "--live-restore", memfd,
				"--live-guardian", lu->gfd);
	if (argv) {
		log_info("live-update: guardian (pid %ld) armed with %u "
			 "descriptors in %.2f ms", (long)lu->guardian, fds->n,
			 loop_ms_since(&t0));
		/*
		 * Under systemd the service's main process is the one that
		 * will serve if the new one dies: the guardian, until the
		 * new process takes over (docs/live-update.md).
		 */
		(void)notify_sendf("MAINPID=%ld", (long)lu->guardian);
		trace("LIVE-UPDATE exec %s\n", lu->binary);
		fflush(NULL);
		set_cloexec(lu->gfd, false);
		set_cloexec(lu->bin_fd, false);	/* a script reads it */
		execveat(lu->bin_fd, "", argv, environ, AT_EMPTY_PATH);
		ret = errno;
		(void)notify_sendf("MAINPID=%ld", (long)getpid());
		set_cloexec(lu->bin_fd, true);
		set_cloexec(lu->gfd, true);
	} else if (!ret) {
		ret = ENOMEM;
	}
	inherit_fds(xsd, false, FDS_IMAGE);
	set_cloexec(rollback, true);
	after_failed_exec(xsd);
	err = talloc_asprintf(tmp, "%s %s", argv ? "exec" : "guardian for",
			      lu->binary);
	exec_failed(lu, err ? err : "exec", ret, NULL);	/* drops it */
}

/* --- into upstream's C xenstored ---------------------------------------- */

static void
exec_upstream(struct lu *lu)
{
	struct xsd *xsd = lu->xsd;
	struct conn *c = lu->conn;
	TALLOC_CTX *tmp = talloc_new(lu);
	char *err = NULL, *left = "", *dropped = NULL, **argv;
	sigset_t none, pending, mask;
	struct timespec t0;
	int ret;

	if (!tmp) {
		exec_failed(lu, "handing over", ENOMEM, NULL);
		return;
	}
	/* -c: its own words, as upstream takes them; else ours it knows */
	argv = lu->args ? new_argv(tmp, lu, "-U", -1, NULL, -1)
			: handback_argv(tmp, lu->binary, xsd->argv, &left);
	if (!argv) {
		exec_failed(lu, "handing over", ENOMEM, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = handback_write(xsd, c, &lu->hdr, &dropped, &err, tmp);
	if (ret) {
		exec_failed(lu, "handing over to upstream's xenstored", ret,
			    err);
		return;
	}
	if (*left)
		log_warnx("live-update: options %s does not know, left "
			  "out:%s", lu->binary, left);
	if (dropped && *dropped)
		log_warnx("live-update: what %s cannot hold, left out:\n%s",
			  lu->binary, dropped);
	log_info("live-update: upstream's state written in %.1f ms; exec %s",
		 loop_ms_since(&t0), lu->binary);
	/*
	 * The signals our signalfd takes are blocked, and a blocked mask
	 * crosses exec: upstream would never see SIGTERM or SIGHUP.  It
	 * gets an empty mask, as when it starts; a signal already pending
	 * is ours to handle: no exec then.
	 */
	sigemptyset(&none);
	if (sigpending(&pending) == 0 && !sigisemptyset(&pending)) {
		unlink(takeover_c_file(tmp));
		exec_failed(lu, "handing over", EINTR, "a signal is pending");
		return;
	}
	before_exec(xsd);
	inherit_fds(xsd, true, FDS_UPSTREAM);
	trace("LIVE-UPDATE exec %s (upstream)\n", lu->binary);
	fflush(NULL);
	sigprocmask(SIG_SETMASK, &none, &mask);
	execv(lu->binary, argv);
	ret = errno;
	sigprocmask(SIG_SETMASK, &mask, NULL);
	inherit_fds(xsd, false, FDS_UPSTREAM);
	after_failed_exec(xsd);
	unlink(takeover_c_file(tmp));
	err = talloc_asprintf(tmp, "exec %s", lu->binary);
	exec_failed(lu, err ? err : "exec", ret, NULL);
}

/* -s into upstream: wait for transactions, then refuse, or drop them (-F). */
static void
handback_tick(struct lu *lu)
{
	char *blockers = handback_blockers(lu->xsd, lu);
	char *s;

	if (blockers) {
		/*
		 * As upstream: the -s is held (xenstore-control waits for
		 * its answer) until they end or the timeout (-t) passes.
		 */
		if (loop_ms_since(&lu->hb_first) < (long)lu->timeout * 1000) {
			talloc_free(blockers);
			return;
		}
		if (!lu->force) {
			s = talloc_asprintf(lu, "live-update: %s\nwait for "
					    "them to end, or use -F to drop "
					    "them", blockers);
			log_warnx("%s", s ? s : blockers);
			lu->go = false;
			answer(lu, s ? s : blockers);
			talloc_free(lu);
			return;
		}
		log_warnx("live-update: -F: %s: dropped", blockers);
		handback_drop_txns(lu->xsd);
		talloc_free(blockers);
	}
	exec_upstream(lu);
}

/*
 * A migration image on the move (migrate-export to a slow reader, an
 * import from a slow writer) would be cut by the exec: the update waits
 * for it, for -t seconds at most, then is refused.  False while it
 * waits (or once refused).
 */
static bool
transfers_done(struct lu *lu)
{
	char *s;

	if (!lu->xsd->transfers)
		return true;
	if (!lu->transfer_wait) {
		lu->transfer_wait = true;
		clock_gettime(CLOCK_MONOTONIC, &lu->transfer_start);
		log_info("live-update: waiting for %u migration transfer(s) "
			 "to end", lu->xsd->transfers);
	}
	if (loop_ms_since(&lu->transfer_start) < (long)lu->timeout * 1000)
		return false;
	s = talloc_asprintf(lu, "live-update: %u migration transfer(s) "
			    "(migrate-export or migrate-import) still in "
			    "progress after %u s (-t): try again when they "
			    "have ended", lu->xsd->transfers, lu->timeout);
	log_warnx("%s", s ? s : "live-update: a migration is in progress");
	lu->go = false;
	answer(lu, s ? s : "live-update: a migration is in progress");
	talloc_free(lu);
	return false;
}

bool
lu_active(const struct xsd *xsd)
{
	return (xsd->lu && (xsd->lu->waiting || xsd->lu->child > 0)) ||
		xsd->guardian > 0;
}

void
lu_tick(struct xsd *xsd)
{
	struct lu *lu = xsd->lu;

	if (xsd->guardian > 0 && waitpid(xsd->guardian, NULL, WNOHANG) != 0)
		xsd->guardian = 0;	/* it served its purpose */
	if (!lu)
		return;
	if (lu->check == CHECK_RUNNING) {
		check_verdict(lu);
		if (!xsd->lu)
			return;
	}
	if (lu->check == CHECK_RUNNING &&
	    loop_ms_since(&lu->check_start) > (long)lu->timeout * 1000) {
		reap(lu, true);
		lu->check = CHECK_FAILED;
		snprintf(lu->err, sizeof(lu->err), "no verdict after %u s "
			 "(-t)", lu->timeout);
		check_failed(lu);
		return;
	}
	if (lu->waiting && lu->check == CHECK_NONE && !lu->handback) {
		int ret = start_check(lu);

		if (ret) {
			snprintf(lu->err, sizeof(lu->err), "pre-flight "
				 "check: %s", strerror(ret));
			lu->err_len = strlen(lu->err);
			check_failed(lu);
			return;
		}
	}
	if (lu->waiting && lu->check == CHECK_RUNNING &&
	    loop_ms_since(&lu->wait_start) > LU_DEFER_MS) {
		answer(lu, "BUSY");
		return;
	}
	if (lu->go && !transfers_done(lu))
		return;
	if (lu->go && lu->handback)
		handback_tick(lu);
	else if (lu->go)
		exec_new(lu);
}

/* --- CONTROL live-update ----------------------------------------------- */

static int
reply_text(struct req *r, const char *fmt, const char *a, const char *b)
{
	char *s = talloc_asprintf(r, fmt, a, b);

	return s ? proto_reply_str(r, s) : ENOMEM;
}

static int
set_binary(struct req *r, struct lu *lu, const char *path)
{
	struct stat st;
	int fd, ret;

	if (path[0] != '/')
		return reply_text(r, "live-update: %s: not an absolute "
				  "path%s", path, "");
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || access(path, X_OK) < 0) {
		ret = reply_text(r, "live-update: %s: %s", path,
				 strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return reply_text(r, "live-update: %s: %s", path,
				  "not a regular file");
	}
	/* This file, whatever is at the path later (docs/live-update.md) */
	if (lu->bin_fd >= 0)
		close(lu->bin_fd);
	lu->bin_fd = fd;
	lu->bin_st = st;
	/* A check of the previous -f's binary is not this one's. */
	reap(lu, true);
	lu->walk = false;
	talloc_free(lu->binary);
	lu->binary = talloc_strdup(lu, path);
	if (!lu->binary)
		return ENOMEM;
	lu->handback = handback_target(path);
	if (lu->handback)
		log_info("live-update: %s is upstream's C xenstored: handing "
			 "over in its format", path);
	lu->check = CHECK_NONE;
	return proto_ack(r);
}

/* -c: split on blanks, as upstream does. */
static int
set_cmdline(struct req *r, struct lu *lu, const char *line)
{
	char *copy = talloc_strdup(lu, line), *tok, *save = NULL;
	unsigned int n = 0;
	char **v;

	if (!copy)
		return ENOMEM;
	v = talloc_array(copy, char *, strlen(line) / 2 + 2);
	if (!v)
		return ENOMEM;
	for (tok = strtok_r(copy, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save))
		v[n++] = tok;
	v[n] = NULL;
	if (lu->args)
		talloc_free(talloc_parent(lu->args));
	lu->args = v;
	reap(lu, true);		/* a check with other arguments */
	lu->check = CHECK_NONE;
	return proto_ack(r);
}

static int
start(struct req *r, struct lu *lu, const char **argv, unsigned int argc)
{
	unsigned int i;
	char *end;
	int ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-F")) {
			/* we keep transactions; upstream does not */
			lu->force = true;
			continue;
		}
		if (strcmp(argv[i], "-t") || i + 1 == argc)
			return EINVAL;
		lu->timeout = (unsigned int)strtoul(argv[++i], &end, 10);
		if (*end || !lu->timeout)
			return EINVAL;
	}
	if (!lu->binary)
		return reply_text(r, "live-update: no binary given (-f)%s%s",
				  "", "");
	if (lu->handback) {
		lu->waiting = true;
		lu->hdr = r->hdr;
		clock_gettime(CLOCK_MONOTONIC, &lu->wait_start);
		if (!lu->hb_started) {
			lu->hb_first = lu->wait_start;
			lu->hb_started = true;
		}
		lu->go = true;
		return PROTO_DEFERRED;
	}
	ret = prepare_guardian(lu);
	if (ret)
		return reply_text(r, "live-update: guardian: %s%s",
				  strerror(ret), "");
	if (lu->check == CHECK_NONE || lu->check == CHECK_FAILED) {
		ret = start_check(lu);
		if (ret == ESTALE)
			return reply_text(r, "live-update: %s: changed since "
					  "-f; start again with -f%s",
					  lu->binary, "");
		if (ret)
			return reply_text(r, "live-update: pre-flight check: "
					  "%s%s", strerror(ret), "");
	}
	lu->waiting = true;
	lu->hdr = r->hdr;
	clock_gettime(CLOCK_MONOTONIC, &lu->wait_start);
	if (lu->check == CHECK_OK)
		lu->go = true;
	return PROTO_DEFERRED;
}

int
lu_control(struct req *r, const char **argv, unsigned int argc)
{
	struct xsd *xsd = r->xsd;
	struct lu *lu = xsd->lu;

	if (argc == 0)
		return EINVAL;
	if (lu && lu->conn != r->conn)
		return reply_text(r, "live-update: a session of another "
				  "connection is active%s%s", "", "");
	if (!strcmp(argv[0], "-a")) {
		talloc_free(lu);
		return proto_ack(r);
	}
	if (!lu && !strcmp(argv[0], "-s") && xsd->takeover_ack) {
		/*
		 * oxenstored's new process answers the -s its
		 * xenstore-control asks again after the exec: we are it.
		 */
		xsd->takeover_ack = false;
		return proto_reply_str(r, "OK");
	}
	if (!lu) {
		if (strcmp(argv[0], "-f"))
			return reply_text(r, "live-update: no session: start "
					  "with -f BINARY%s%s", "", "");
		lu = talloc_zero(r->conn, struct lu);
		if (!lu)
			return ENOMEM;
		lu->xsd = xsd;
		lu->conn = r->conn;
		lu->err_fd = -1;
		lu->verdict_fd = -1;
		lu->bin_fd = -1;
		lu->gfd = -1;
		lu->wb.memfd = -1;
		lu->timeout = 60;
		talloc_set_destructor(lu, lu_destroy);
		xsd->lu = lu;
	}
	if (!strcmp(argv[0], "-f") && argc == 2)
		return set_binary(r, lu, argv[1]);
	if (!strcmp(argv[0], "-c") && argc == 2)
		return set_cmdline(r, lu, argv[1]);
	if (!strcmp(argv[0], "-s"))
		return start(r, lu, argv + 1, argc - 1);
	return EINVAL;
}

/* --- the new process ----------------------------------------------------- */


/*
 * Hand everything back to the previous binary; returns if it cannot.
 * The guardian, if any, watches that binary's restore in turn.
 */
static void
rollback(const uint8_t *buf, size_t len, int memfd, int guardian_fd,
	 const char *reason)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct state_lu *lu = NULL;
	unsigned int i, nfds = 0;
	int *fds = NULL;

	/*
	 * What the image names goes back across the exec, whatever this
	 * binary (or a library it used, as xenevtchn_fdopen) did to it.
	 */
	if (tmp && !state_image_fds(buf, len, &fds, &nfds, tmp))
		for (i = 0; i < nfds; i++)
			set_cloexec(fds[i], false);
	set_cloexec(memfd, false);
	if (!tmp || state_lu_record(buf, len, &lu, tmp) ||
	    lu->rollback_fd < 0 || !lu->argv || !lu->argv[0]) {
		log_warnx("live-update: no way back to the previous binary");
		talloc_free(tmp);
		return;
	}
	exec_previous(lu->argv, lu->rollback_fd, memfd, reason, guardian_fd);
	talloc_free(tmp);
}

void
lu_own_fds(struct xsd *xsd)
{
	inherit_fds(xsd, false, FDS_IMAGE);
}

void
lu_resume(struct xsd *xsd)
{
	struct conn *c, *next;

	/* Requests that arrived before the update are handled now (an
	 * imported domain's wait for its INTRODUCE). */
	list_for_each_safe(c, next, &xsd->conns, link) {
		if (c->domain && c->domain->conn == c && c->domain->imported)
			continue;
		if (c->domain && c->domain->conn == c && c->domain->page)
			conn_ring_event(c);
		else
			conn_process_input(c);
	}
}

int
lu_restore(struct xsd *xsd, int memfd, const char *rollback_reason,
	   char **errmsg)
{
	TALLOC_CTX *tmp = talloc_new(xsd);
	struct state_lu *lu = NULL;
	const uint8_t *buf = NULL;
	char *why = NULL;
	struct conn *c;
	struct timespec t0, t1;
	double released_ms = 0;
	size_t len = 0;
	int ret;

	if (!tmp)
		return ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = map_image(memfd, &buf, &len);
	if (ret) {
		*errmsg = talloc_asprintf(xsd, "live-update image fd %d: %s",
					  memfd, strerror(ret));
		return ret;
	}
	ret = state_restore_buf(xsd, buf, len, RESTORE_LIVE, &lu, &why, tmp);
	/* A broken new binary, on request: exercises the way back. */
	if (!ret && !rollback_reason && getenv("XENSTORED_LU_FAIL")) {
		why = "refused (XENSTORED_LU_FAIL is set)";
		ret = EINVAL;
	}
	/*
	 * Taken over, nothing changed yet (no answer, no ring read, no
	 * VIRQ_DOM_EXC): the guardian may go.  From here on a failure is
	 * this process's to handle.
	 */
	if (!ret && xsd->opt.live_guardian_fd >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* Main process again before the guardian goes: systemd
		 * reads its notifications before it sees a process end. */
		(void)notify_sendf("MAINPID=%ld", (long)getpid());
		xsd->guardian = guardian_release(xsd->opt.live_guardian_fd);
		xsd->opt.live_guardian_fd = -1;
		released_ms = loop_ms_since(&t1);
	}
	/* Last, so that a way back finds it released as it left it. */
	if (!ret && xsd->backend && xsd->backend->ops->after_adopt &&
	    (ret = xsd->backend->ops->after_adopt(xsd->backend, 0)))
		why = talloc_asprintf(tmp, "%s backend: %s",
				      xsd->backend->ops->name, strerror(ret));
	if (ret) {
		*errmsg = talloc_asprintf(xsd, "live-update: restoring the "
					  "state: %s",
					  why ? why : strerror(ret));
		if (!rollback_reason)
			rollback(buf, len, memfd, xsd->opt.live_guardian_fd,
				 *errmsg ? *errmsg : "");
		return ret;
	}
	/* Ours now: nothing more crosses the next exec by accident. */
	inherit_fds(xsd, false, FDS_IMAGE);
	if (lu && lu->rollback_fd >= 0)
		close(lu->rollback_fd);
	if (lu && lu->store_fd >= 0)
		close(lu->store_fd);	/* the store opened its own */
	munmap((void *)buf, len);
	close(memfd);
	if (lu && lu->conn_id) {
		list_for_each(c, &xsd->conns, link) {
			if (c->id != lu->conn_id)
				continue;
			if (rollback_reason) {
				char *s = talloc_asprintf(tmp, "live-update "
					"failed, still running the previous "
					"binary: %s", rollback_reason);

				proto_answer_str(c, &lu->hdr, s ? s :
						 "live-update failed");
			} else {
				proto_answer_str(c, &lu->hdr, "OK");
			}
			break;
		}
	}
	backend_domains_changed(xsd);	/* who died during the exec */
	lu_resume(xsd);
	close_stray_paths(xsd);
	log_info("live-update: %s in %.1f ms (the guardian released in "
		 "%.2f ms)", rollback_reason ? "rolled back" : "state restored",
		 loop_ms_since(&t0), released_ms);
	talloc_free(tmp);
	return 0;
}

int
lu_check_image(struct xsd *xsd, int memfd, char **errmsg)
{
	const uint8_t *buf = NULL;
	char *why = NULL;
	size_t len = 0;
	int ret = map_image(memfd, &buf, &len);

	if (ret) {
		*errmsg = talloc_asprintf(xsd, "image fd %d: %s", memfd,
					  strerror(ret));
		return ret;
	}
	ret = state_restore_buf(xsd, buf, len, RESTORE_CHECK, NULL, &why,
				xsd);
	if (ret) {
		*errmsg = talloc_asprintf(xsd, "reading the image: %s",
					  why ? why : strerror(ret));
		return ret;
	}
	/* The positive answer: this image, read and accepted. */
	if (xsd->opt.live_verdict_fd >= 0) {
		char id[64];

		image_id(buf, len, id, sizeof(id));
		if (dprintf(xsd->opt.live_verdict_fd, "ok %s\n", id) < 0) {
			ret = errno;
			*errmsg = talloc_asprintf(xsd, "the verdict: %s",
						  strerror(ret));
		}
	}
	return ret;
}
