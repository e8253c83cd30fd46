// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * takeover.c - the new process of another xenstored's live update: the
 * state that upstream's C xenstored (-U) or oxenstored (--live) left in
 * its file becomes ours, in the same process, with the same descriptors
 * (docs/takeover.md).
 *
 * The file is read and checked by the xs-state library
 * (include/xs_state_upstream.h), turned into one of our LIVE_UPDATE
 * images and restored as our own live update restores.  When that
 * fails, the upstream binary is run again on its untouched file, if one
 * can be found: the way back the upstream daemons lack themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xs_state_upstream.h"

#include "backend.h"
#include "live_update.h"
#include "log.h"
#include "loop.h"
#include "lu_guardian.h"
#include "state.h"
#include "takeover.h"
#include "xsd.h"

#define UPSTREAM_RUNDIR "/var/run/xenstored"	/* XEN_RUN_STORED */
#define FALLBACK_C "/usr/lib/xen-4.17/bin/xenstored"
#define FALLBACK_OX "/usr/lib/xen-4.17/bin/oxenstored"
/* How long the guardian gives us to take the state over. */
#define TAKEOVER_GUARD_S 60

static enum takeover_from guarded_from;

/* Upstream 4.17's xs_daemon_rootdir() is its run directory. */
const char *
takeover_c_file(TALLOC_CTX *ctx)
{
	const char *dir = getenv("XENSTORED_RUNDIR");

	return talloc_asprintf(ctx, "%s/%s", dir && *dir ? dir :
			       UPSTREAM_RUNDIR, XSU_C_STATE_FILE);
}

static const char *
state_file(TALLOC_CTX *ctx, enum takeover_from from)
{
	const char *f = getenv("XENSTORED_TAKEOVER_FILE");

	if (f && *f)
		return f;
	return from == TAKEOVER_C ? takeover_c_file(ctx)
				  : talloc_strdup(ctx, XSU_OX_STATE_FILE);
}

/* A socket as upstream keeps it: blocking (we made it non-blocking). */
static void
give_back_socket(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFD, 0);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

/* What upstream handed over must cross the fallback's exec too, as it
 * handed it over. */
static void
keep_fds(const struct xsu_state *st)
{
	unsigned int i;

	if (!st)
		return;
	if (st->socket_fd >= 0)
		give_back_socket(st->socket_fd);
	if (st->evtchn_fd >= 0)
		fcntl(st->evtchn_fd, F_SETFD, 0);
	for (i = 0; i < st->nconns; i++)
		if (!st->conns[i].ring && st->conns[i].fd >= 0)
			give_back_socket(st->conns[i].fd);
}

/*
 * Run the upstream daemon again on its own file, with the command line
 * it gave us: it restores as after an update into itself.  Returns only
 * when that is impossible.
 */
static void
fallback(struct xsd *xsd, enum takeover_from from,
	 const struct xsu_state *st, const char *why)
{
	const char *bin = getenv("XENSTORED_TAKEOVER_FALLBACK");
	char **argv;
	unsigned int n = 0, i;

	if (!bin || !*bin)
		bin = from == TAKEOVER_C ? FALLBACK_C : FALLBACK_OX;
	if (access(bin, X_OK) < 0) {
		log_warnx("takeover: %s; no upstream binary to go back to "
			  "(%s: %s)", why, bin, strerror(errno));
		return;
	}
	while (xsd->orig_argv[n])
		n++;
	argv = talloc_array(xsd, char *, n + 1);
	if (!argv)
		return;
	argv[0] = (char *)bin;
	for (i = 1; i < n; i++)
		argv[i] = xsd->orig_argv[i];
	argv[n] = NULL;
	keep_fds(st);
	log_warnx("takeover: %s; back to %s", why, bin);
	fflush(NULL);
	execv(bin, argv);
	log_warn("takeover: exec %s", bin);
}

/* The guardian's fallback: upstream on its untouched file. */
static void
guardian_fallback(struct xsd *xsd, void *arg, const char *why)
{
	/*
	 * What upstream handed over is inheritable still (we start a
	 * takeover without close_range) in this fork of the process as it
	 * was before it touched anything.
	 */
	fallback(xsd, *(enum takeover_from *)arg, NULL, why);
}

int
takeover_guard(struct xsd *xsd, enum takeover_from from)
{
	int fd, ret;
	pid_t pid;

	guarded_from = from;
	ret = guardian_start(xsd, guardian_fallback, &guarded_from,
			     TAKEOVER_GUARD_S, &fd, &pid);
	if (ret)
		return ret;
	xsd->opt.live_guardian_fd = fd;
	xsd->guardian = pid;
	return 0;
}

/* We give up on our own terms (fallback), or none is needed. */
static void
unguard(struct xsd *xsd)
{
	if (xsd->opt.live_guardian_fd < 0)
		return;
	guardian_abandon(xsd->opt.live_guardian_fd, xsd->guardian);
	xsd->opt.live_guardian_fd = -1;
	xsd->guardian = 0;
}

int
takeover_restore(struct xsd *xsd, enum takeover_from from, char **errmsg)
{
	TALLOC_CTX *tmp = talloc_new(xsd);
	const char *what = from == TAKEOVER_C ? "xenstored 4.17"
					      : "oxenstored 4.17";
	const char *path;
	struct xsu_state *st = NULL;
	struct xss_sink *sink;
	struct state_lu *lu = NULL;
	const uint8_t *img;
	struct timespec t0;
	uint8_t *buf = NULL;
	size_t len = 0, ilen;
	char *err = NULL;
	int ret;

	if (!tmp)
		return ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	path = state_file(tmp, from);
	ret = path ? state_read_file(tmp, path, &buf, &len) : ENOMEM;
	if (ret) {
		err = talloc_asprintf(tmp, "reading %s's state %s: %s", what,
				      path ? path : "", strerror(ret));
		goto failed;
	}
	ret = from == TAKEOVER_C ? xsu_read_c(tmp, buf, len, &st, &err)
				 : xsu_read_ox(tmp, buf, len, &st, &err);
	if (ret) {
		err = talloc_asprintf(tmp, "%s's state %s refused: %s", what,
				      path, err ? err : strerror(ret));
		goto failed;
	}
	sink = xss_sink_memory(tmp);
	ret = sink ? xsu_write_image(tmp, st, what, sink, &err) : ENOMEM;
	if (ret) {
		err = talloc_asprintf(tmp, "converting %s's state: %s", what,
				      err ? err : strerror(ret));
		goto failed;
	}
	img = xss_sink_data(sink, &ilen);
	/* A crash of ours on the way, on request: exercises the guardian. */
	if (getenv("XENSTORED_TAKEOVER_DIE"))
		kill(getpid(), SIGKILL);
	ret = state_restore_buf(xsd, img, ilen, RESTORE_LIVE, &lu, &err, tmp);
	/* A restore that fails after adopting everything, on request. */
	if (!ret && getenv("XENSTORED_TAKEOVER_FAIL")) {
		err = "refused after the restore (XENSTORED_TAKEOVER_FAIL "
		      "is set)";
		ret = EINVAL;
	}
	/* Taken over, nothing changed yet (VIRQ_DOM_EXC is next). */
	if (!ret && xsd->opt.live_guardian_fd >= 0) {
		xsd->guardian = guardian_release(xsd->opt.live_guardian_fd);
		xsd->opt.live_guardian_fd = -1;
	}
	if (!ret && xsd->backend && xsd->backend->ops->after_adopt &&
	    (ret = xsd->backend->ops->after_adopt(xsd->backend,
						  st->virq_port)))
		err = talloc_asprintf(tmp, "%s backend: %s",
				      xsd->backend->ops->name, strerror(ret));
	if (ret) {
		err = talloc_asprintf(tmp, "restoring %s's state: %s", what,
				      err ? err : strerror(ret));
		goto failed;
	}
	/* As upstream after reading its file: it is used up. */
	unlink(path);
	lu_own_fds(xsd);
	if (st->dropped && *st->dropped)
		log_warnx("takeover: left out of %s's state:\n%s", what,
			  st->dropped);
	backend_domains_changed(xsd);	/* who died meanwhile */
	xsd->takeover_ack = from == TAKEOVER_OX;
	lu_resume(xsd);
	log_info("takeover: %s's state restored (%u nodes, %u connections) "
		 "in %.1f ms", what, st->nnodes, st->nconns,
		 loop_ms_since(&t0));
	talloc_free(tmp);
	return 0;

failed:
	unguard(xsd);
	fallback(xsd, from, st, err ? err : strerror(ret));
	*errmsg = talloc_strdup(xsd, err ? err : strerror(ret));
	talloc_free(tmp);
	return ret ? ret : EINVAL;
}
