// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - options, start-up, the main loop and shutdown.
 *
 * The only place that exits.  Options follow upstream xenstored where
 * they make sense here.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>

#include "backend.h"
#include "conn.h"
#include "domain.h"
#include "live_update.h"
#include "fdlimit.h"
#include "files.h"
#include "log.h"
#include "loop.h"
#include "quota.h"
#include "startup.h"
#include "state.h"
#include "store.h"
#include "takeover.h"
#include "watch.h"
#include "xsd.h"

#define DEFAULT_RUNDIR "/var/run/xenstored"
#define XSD_RELEASE "1.0"	/* also debian/changelog, xs-state.c */

enum { OPT_VERSION = 256, OPT_RESTORE, OPT_LIVE_VERDICT, OPT_LIVE_GUARDIAN, OPT_OX_LIVE, OPT_OX_IGNORED,
       OPT_OX_IGNORED_ARG };

/* prog: the name we were invoked by (xenstored-xss when installed). */
static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
"Usage: %s [options]\n"
"  -N, --no-fork              stay in the foreground\n"
"  -F, --pid-file FILE        write the daemon's pid to FILE\n"
"  -P, --output-pid           print the daemon's pid on stdout\n"
"  -T, --trace-file FILE      trace every message and connection to FILE\n"
"  -V, --verbose              log debugging detail\n"
"  -D, --no-domain-init       do not serve dom0's ring (as upstream)\n"
"  -I, --internal-db [on|off] keep the store in memory (default) or in\n"
"                             the file tdb of the database directory\n"
"  -K, --keep-orphans         keep a released domain's nodes\n"
"  -E, --entry-nb N           nodes per domain\n"
"  -S, --entry-size N         bytes per node\n"
"  -W, --watch-nb N           watches per domain\n"
"  -t, --transaction N        open transactions per connection\n"
"  -A, --perm-nb N            permission entries per node\n"
"  -M, --path-max N           path length below a domain's home\n"
"  -Q, --quota NAME=N         set any quota (see GET_QUOTA for names)\n"
"  -q, --quota-soft NAME=N    set a soft quota\n"
"      --restore IMG          start from a state image (a debug dump:\n"
"                             connections come back detached)\n"
"      --max-connections N    dom0 socket connections at once (default\n"
"                             1024, 0: no limit)\n"
"      --backend sim|xen      how guests are reached (default: xen when\n"
"                             /dev/xen exists, else sim)\n"
"      --live-restore FD      (live update) take the state and every\n"
"                             descriptor over from the image in FD\n"
"      --live-check FD        (live update) only check that the image in\n"
"                             FD restores, then exit 0\n"
"      --live-verdict FD      (live update) with --live-check: say on FD\n"
"                             which image was checked and accepted\n"
"      --live-guardian FD     (live update) with --live-restore: tell\n"
"                             the previous process's guardian on FD once\n"
"                             the state is taken over\n"
"  -U, --live-update          take over from upstream C xenstored's live\n"
"                             update: its state file, its descriptors\n"
"      --live --restart       take over from oxenstored's live update\n"
"      --config-file F, --no-access-log, --reraise-top-level\n"
"                             oxenstored's: accepted, ignored\n"
"  -R, -w, -e, -m, -p         upstream's --no-recovery, --timeout,\n"
"                             --event, --master-domid, --priv-domid:\n"
"                             accepted (the last three only as 0)\n"
"  -H, --help                 this text\n"
"      --version              the version\n"
"Socket: $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket (default %s).\n"
"Database and state files: $XENSTORED_ROOTDIR, else the run directory.\n"
"SIGTERM/SIGINT stop the daemon; SIGHUP reopens the trace file.\n",
		prog, DEFAULT_RUNDIR);
}

static bool
parse_num(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT_MAX)
		return false;
	*out = (unsigned int)v;
	return true;
}

static bool
parse_quota_opt(struct quota_set *q, const char *arg, bool soft_opt)
{
	char name[64];
	const char *eq = strchr(arg, '=');
	enum quota_kind k;
	unsigned int v;
	bool soft;

	if (!eq || (size_t)(eq - arg) >= sizeof(name))
		return false;
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = 0;
	if (quota_lookup(name, &k, &soft) || soft || !parse_num(eq + 1, &v))
		return false;
	if (soft_opt)
		q->soft[k] = v;
	else
		q->hard[k] = v;
	return true;
}

static const struct option longopts[] = {
	{ "no-fork", no_argument, NULL, 'N' },
	{ "pid-file", required_argument, NULL, 'F' },
	{ "output-pid", no_argument, NULL, 'P' },
	{ "trace-file", required_argument, NULL, 'T' },
	{ "verbose", no_argument, NULL, 'V' },
	{ "no-domain-init", no_argument, NULL, 'D' },
	{ "internal-db", optional_argument, NULL, 'I' },
	{ "keep-orphans", no_argument, NULL, 'K' },
	{ "entry-nb", required_argument, NULL, 'E' },
	{ "entry-size", required_argument, NULL, 'S' },
	{ "watch-nb", required_argument, NULL, 'W' },
	{ "transaction", required_argument, NULL, 't' },
	{ "perm-nb", required_argument, NULL, 'A' },
	{ "path-max", required_argument, NULL, 'M' },
	{ "quota", required_argument, NULL, 'Q' },
	{ "quota-soft", required_argument, NULL, 'q' },
	{ "backend", required_argument, NULL, 'B' },
	{ "restore", required_argument, NULL, OPT_RESTORE },
	/* upstream C xenstored's, accepted so it can live-update into us */
	{ "live-update", no_argument, NULL, 'U' },
	{ "no-recovery", no_argument, NULL, 'R' },
	{ "timeout", required_argument, NULL, 'w' },
	{ "event", required_argument, NULL, 'e' },
	{ "master-domid", required_argument, NULL, 'm' },
	{ "priv-domid", required_argument, NULL, 'p' },
	/* oxenstored's, for the same reason */
	{ "live", no_argument, NULL, OPT_OX_LIVE },
	{ "restart", no_argument, NULL, OPT_OX_IGNORED },
	{ "config-file", required_argument, NULL, OPT_OX_IGNORED_ARG },
	{ "no-access-log", no_argument, NULL, OPT_OX_IGNORED },
	{ "reraise-top-level", no_argument, NULL, OPT_OX_IGNORED },
	{ "live-restore", required_argument, NULL, 'L' },
	{ "live-check", required_argument, NULL, 'Y' },
	{ "live-rollback", required_argument, NULL, 'J' },
	{ "live-verdict", required_argument, NULL, OPT_LIVE_VERDICT },
	{ "live-guardian", required_argument, NULL, OPT_LIVE_GUARDIAN },
	{ "max-connections", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'H' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* Returns -1 to go on, or the exit status: 0 (--help, --version), 2. */
static int
parse_args(struct xsd *xsd, int argc, char **argv, bool *on_disk)
{
	struct xsd_options *o = &xsd->opt;
	struct quota_set *q = &xsd->quota;
	unsigned int *num, ignored;
	int c;

	while ((c = getopt_long(argc, argv, "NF:PT:VDI::KE:S:W:t:A:M:Q:q:HURw:e:m:p:",
				longopts, NULL)) != -1) {
		num = NULL;
		switch (c) {
		case 'N': o->no_fork = true; break;
		case 'F': o->pid_file = optarg; break;
		case 'P': o->output_pid = true; break;
		case 'T': o->trace_file = optarg; break;
		case 'V': o->verbose = true; break;
		case 'D': o->no_domain_init = true; break;
		case 'K': o->keep_orphans = true; break;
		case 'I':
			/* Accept "-I off" as well as "-Ioff". */
			if (!optarg && optind < argc &&
			    (!strcmp(argv[optind], "on") ||
			     !strcmp(argv[optind], "off")))
				optarg = argv[optind++];
			if (!optarg || !strcmp(optarg, "on")) {
				*on_disk = false;
			} else if (!strcmp(optarg, "off")) {
				*on_disk = true;
			} else {
				fprintf(stderr, "xenstored: -I takes on|off\n");
				return 2;
			}
			break;
		case 'E': num = &q->hard[Q_NODES]; break;
		case 'S': num = &q->hard[Q_NODE_SIZE]; break;
		case 'W': num = &q->hard[Q_WATCHES]; break;
		case 't': num = &q->hard[Q_TRANSACTIONS]; break;
		case 'A': num = &q->hard[Q_NODE_PERMS]; break;
		case 'M': num = &q->hard[Q_PATH_MAX]; break;
		case 'Q':
		case 'q':
			if (!parse_quota_opt(q, optarg, c == 'q')) {
				fprintf(stderr, "xenstored: bad quota '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'B':
			o->backend = optarg;
			break;
		case OPT_RESTORE:
			o->restore = optarg;
			break;
		case 'U':
			o->takeover = TAKEOVER_C;
			break;
		case OPT_OX_LIVE:	/* with --restart: oxenstored's update */
			o->takeover = TAKEOVER_OX;
			break;
		case OPT_OX_IGNORED:
		case OPT_OX_IGNORED_ARG:
			/* oxenstored's --restart (implied by --live here),
			 * its config file and logging: nothing for us */
			break;
		case 'R':	/* upstream: no tdb recovery; ours needs none */
			break;
		case 'w':
			/* upstream: watch-event=<seconds>, a delivery timeout
			 * we do not have (our queues are bounded instead) */
			if (strncmp(optarg, "watch-event=", 12) ||
			    !parse_num(optarg + 12, &ignored)) {
				fprintf(stderr, "xenstored: bad timeout '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'e':
		case 'm':
		case 'p':
			/* upstream: dom0's event channel, master and
			 * privileged domids; only the defaults are served */
			if (!parse_num(optarg, &ignored) || ignored != 0) {
				fprintf(stderr, "xenstored: -%c %s: only 0 is "
					"supported\n", c, optarg);
				return 2;
			}
			break;
		case 'L':
		case 'Y':
		case OPT_LIVE_VERDICT:
		case OPT_LIVE_GUARDIAN: {
			unsigned int fd;

			if (!parse_num(optarg, &fd) || fd > INT_MAX) {
				fprintf(stderr, "xenstored: bad descriptor "
					"'%s'\n", optarg);
				return 2;
			}
			if (c == 'L')
				o->live_restore_fd = (int)fd;
			else if (c == 'Y')
				o->live_check_fd = (int)fd;
			else if (c == OPT_LIVE_VERDICT)
				o->live_verdict_fd = (int)fd;
			else
				o->live_guardian_fd = (int)fd;
			break;
		}
		case 'J':
			o->live_rollback = optarg;
			break;
		case 'C':
			num = &o->max_conns;
			break;
		case 'H':
			usage(stdout, basename(argv[0]));
			return 0;
		case OPT_VERSION:
			printf("xenstored (xenstored-xss) %s\n", XSD_RELEASE);
			return 0;
		default:
			usage(stderr, basename(argv[0]));
			return 2;
		}
		if (num && !parse_num(optarg, num)) {
			fprintf(stderr, "xenstored: bad number '%s'\n", optarg);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, basename(argv[0]));
		return 2;
	}
	return -1;
}

/*
 * Our command line without the options a live update adds, as the next
 * binary (or this one again, on a rollback) should get it.
 */
static char **
own_argv(TALLOC_CTX *ctx, int argc, char **argv)
{
	char **v = talloc_array(ctx, char *, argc + 1);
	int i, n = 0;

	if (!v)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i > 0 && (!strcmp(argv[i], "--live-restore") ||
			      !strcmp(argv[i], "--live-check") ||
			      !strcmp(argv[i], "--live-verdict") ||
			      !strcmp(argv[i], "--live-guardian") ||
			      !strcmp(argv[i], "--live-rollback"))) {
			i++;	/* and its value */
			continue;
		}
		/* a takeover's: not ours to pass on */
		if (i > 0 && (!strcmp(argv[i], "-U") ||
			      !strcmp(argv[i], "--live-update") ||
			      !strcmp(argv[i], "--live") ||
			      !strcmp(argv[i], "--restart")))
			continue;
		if (i > 0 && (!strncmp(argv[i], "--live-restore=", 15) ||
			      !strncmp(argv[i], "--live-check=", 13) ||
			      !strncmp(argv[i], "--live-verdict=", 15) ||
			      !strncmp(argv[i], "--live-guardian=", 16) ||
			      !strncmp(argv[i], "--live-rollback=", 16)))
			continue;
		v[n] = talloc_strdup(v, argv[i]);
		if (!v[n])
			return NULL;
		n++;
	}
	v[n] = NULL;
	return v;
}

static int
close_fd(int *fdp)
{
	close(*fdp);
	return 0;
}

static void
signal_event(void *arg, short revents)
{
	int *fdp = arg;
	struct xsd *xsd = talloc_get_type_abort(talloc_parent(fdp),
						struct xsd);
	struct signalfd_siginfo si;
	char why[FILES_WHY_LEN];
	const char *path;
	int ret;

	(void)revents;
	while (read(*fdp, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			log_info("signal %u, shutting down", si.ssi_signo);
			xsd->stop = true;
			continue;
		}
		/*
		 * As upstream: SIGHUP reopens the trace file (logrotate
		 * moved it).  Syslog needs no reopening.
		 */
		if (!trace_path())
			continue;
		ret = trace_reopen(why, sizeof(why));	/* the path changes */
		path = trace_path();
		if (ret)
			log_warnx("SIGHUP: reopening trace file %s: %s", path,
				  why);
		else
			log_info("SIGHUP: trace file %s reopened", path);
	}
}

/* SIGTERM and SIGINT stop the loop, SIGHUP reopens the trace file;
 * SIGPIPE is ignored. */
static int
setup_signals(struct xsd *xsd)
{
	sigset_t set;
	int *fdp;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return errno;
	fdp = talloc(xsd, int);
	if (!fdp)
		return ENOMEM;
	*fdp = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (*fdp < 0) {
		talloc_free(fdp);
		return errno;
	}
	talloc_set_destructor(fdp, close_fd);
	if (!loop_add(xsd->loop, fdp, *fdp, POLLIN, signal_event, fdp))
		return ENOMEM;
	return 0;
}

int
main(int argc, char **argv)
{
	struct xsd *xsd = talloc_zero(NULL, struct xsd);
	const char *rundir = getenv("XENSTORED_RUNDIR");
	const char *sock = getenv("XENSTORED_PATH");
	char why[FILES_WHY_LEN];
	char *db = NULL;
	bool on_disk = false;
	int ret, status = 1;

	/*
	 * Nothing we create is anyone else's unless its mode says so, under
	 * whatever umask we were started: a Unix socket takes its mode from
	 * the umask at bind() (chmod() comes after, too late), and a file
	 * created without a mode of ours (fopen(), a library) would be
	 * 0666 & ~umask.  Every file names its mode all the same.
	 */
	umask(077);
	if (!xsd) {
		fprintf(stderr, "xenstored: out of memory\n");
		return 1;
	}
	/* Executed through a descriptor, our name would be its number. */
	prctl(PR_SET_NAME, basename(argv[0]));
	xsd->self_fd = lu_open_self();
	talloc_set_name_const(xsd, "struct xsd");
	list_init(&xsd->conns);
	list_init(&xsd->flush);
	list_init(&xsd->busy);
	xsd->listen_fd = -1;
	xsd->opt.live_restore_fd = -1;
	xsd->opt.live_check_fd = -1;
	xsd->opt.live_verdict_fd = -1;
	xsd->opt.live_guardian_fd = -1;
	xsd->opt.takeover = -1;
	xsd->orig_argv = argv;
	quota_defaults(&xsd->quota);
	xsd->opt.max_conns = XSD_MAX_CONNS;
	xsd->argv = own_argv(xsd, argc, argv);
	if (!xsd->argv) {
		fprintf(stderr, "xenstored: out of memory\n");
		talloc_free(xsd);
		return 1;
	}
	ret = parse_args(xsd, argc, argv, &on_disk);
	if (ret >= 0) {
		talloc_free(xsd);
		return ret;
	}
	/*
	 * Nothing we were handed crosses our own next exec unless we say
	 * so (a live update names each descriptor it passes on).  Not so
	 * on a takeover: what upstream handed over goes back to it as it
	 * is if we give up (takeover.c).
	 */
	if (xsd->opt.takeover < 0)
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (!rundir || !*rundir)
		rundir = DEFAULT_RUNDIR;
	if (!sock || !*sock)
		sock = talloc_asprintf(xsd, "%s/socket", rundir);
	/*
	 * A pre-flight check must not touch the running daemon's files,
	 * and a live update adopts the store it was handed (opening the
	 * file here would truncate it).
	 */
	if (on_disk && xsd->opt.live_check_fd < 0 &&
	    xsd->opt.live_restore_fd < 0 && xsd->opt.takeover < 0)
		db = talloc_asprintf(xsd, "%s/tdb", startup_rootdir(rundir));
	/* ...unless its image carries the nodes (another store layout):
	 * they go into the file then, so that it is not left stale. */
	if (on_disk && xsd->opt.live_restore_fd >= 0)
		xsd->opt.db_file_walk = talloc_asprintf(xsd, "%s/tdb",
						startup_rootdir(rundir));
	xsd->opt.rundir = rundir;
	xsd->opt.socket_path = sock;
	xsd->opt.db_file = db;

	/*
	 * Standard error until the daemon serves; syslog once detached.
	 * A process that continues a detached daemon (a live update's, a
	 * takeover's: no -N) logs where that one did from its first line:
	 * its standard error is /dev/null.
	 */
	log_init("xenstored", xsd->opt.no_fork || xsd->opt.live_check_fd >= 0 ||
		 (xsd->opt.live_restore_fd < 0 && xsd->opt.takeover < 0),
		 xsd->opt.verbose);
	/* Before anything can go wrong on a takeover: a way back. */
	if (xsd->opt.takeover >= 0 &&
	    (ret = takeover_guard(xsd, xsd->opt.takeover)))
		log_warnx("takeover: no guardian: %s", strerror(ret));
	/*
	 * A pre-flight check leaves the running daemon's trace alone.  A
	 * live update's new process goes on without one rather than die
	 * before it has taken the state over (its way back would meet the
	 * same file).
	 */
	if (xsd->opt.trace_file && xsd->opt.live_check_fd < 0 &&
	    trace_open(xsd->opt.trace_file, why, sizeof(why))) {
		log_warnx("trace file %s: %s", xsd->opt.trace_file, why);
		if (xsd->opt.live_restore_fd < 0)
			goto out;
	}
	/*
	 * Whoever may write in the run directory can put a socket of their
	 * own in place of ours and hear dom0's requests, or a state file
	 * of their own there for a takeover: it must be ours and nobody
	 * else's to write.  A pre-flight check creates nothing, but it
	 * refuses what its update's new process would meet, while a
	 * refusal still changes nothing.  That process (and the way back,
	 * the same code) only warns: it already holds every descriptor,
	 * and ending now could only lose them.
	 */
	if (xsd->opt.live_check_fd < 0)
		mkdir(rundir, 0700);	/* only root's tools look inside */
	if (files_check_dir(rundir, why, sizeof(why))) {
		log_warnx("run directory %s: %s", rundir, why);
		if (xsd->opt.live_restore_fd < 0)
			goto out;
	}
	xsd->rbuf = talloc_size(xsd, XSD_RBUF_SIZE);
	xsd->loop = loop_new(xsd);
	if (!sock || (on_disk && !db && xsd->opt.live_check_fd < 0 &&
		      xsd->opt.live_restore_fd < 0 &&
		      xsd->opt.takeover < 0) ||
	    !xsd->rbuf || !xsd->loop) {
		log_warnx("out of memory");
		goto out;
	}
	ret = fdlimit_init(xsd);
	if (ret) {
		log_warnx("open file limit: %s",
			  strerror(ret));
		goto out;
	}
	/* A live update's image brings the store: this one stands in. */
	if (xsd->opt.live_restore_fd >= 0 || xsd->opt.live_check_fd >= 0)
		xsd->store = store_open_provisional(xsd, &ret);
	else
		xsd->store = store_open(xsd, db, &ret);
	if (!xsd->store) {
		log_warnx("cannot open the store%s%s: %s",
			  db ? " " : "", db ? db : "", strerror(ret));
		goto out;
	}
	ret = domain_init(xsd);
	if (ret) {
		log_warnx("domains: %s", strerror(ret));
		goto out;
	}
	store_set_owner_fn(xsd->store, domain_owner_changed, xsd);
	xsd->internal = conn_internal(xsd);
	ret = xsd->internal ? watch_specials_init(xsd) : ENOMEM;
	if (ret) {
		log_warnx("%s", strerror(ret));
		goto out;
	}
	domain_nodes_add(xsd, 0, 1);	/* the root */
	if (xsd->opt.live_check_fd >= 0) {
		char *err = NULL;

		/* A pre-flight check: no socket, no backend, no guests. */
		ret = lu_check_image(xsd, xsd->opt.live_check_fd, &err);
		if (ret)
			log_warnx("%s", err ? err :
				  strerror(ret));
		status = ret ? 1 : 0;
		goto out_quiet;
	}
	if (xsd->opt.live_restore_fd >= 0) {
		char *err = NULL;

		/* Same process, same descriptors: no fork, no new socket. */
		ret = lu_restore(xsd, xsd->opt.live_restore_fd,
				 xsd->opt.live_rollback, &err);
		if (ret) {
			/* The socket is not ours to remove: a guardian
			 * holds it, and everything else, for a rollback. */
			log_warnx("%s", err ? err :
				  strerror(ret));
			goto out_quiet;
		}
		goto serve;	/* already in the background, if at all */
	}
	if (xsd->opt.takeover >= 0) {
		char *err = NULL;

		/* Upstream's process, its descriptors: as a live update. */
		ret = takeover_restore(xsd, xsd->opt.takeover, &err);
		if (ret) {
			log_warnx("%s", err ? err :
				  strerror(ret));
			goto out;
		}
		goto serve;
	}
	xsd->backend = backend_open(xsd, xsd->opt.backend, &ret);
	if (!xsd->backend) {
		log_warnx("%s backend: %s",
			  xsd->opt.backend ? xsd->opt.backend : "default",
			  strerror(ret));
		goto out;
	}
	if (xsd->opt.restore) {
		char *err = NULL;

		ret = state_restore_file(xsd, xsd->opt.restore, &err, xsd);
		if (ret) {
			log_warnx("restore: %s",
				  err ? err : strerror(ret));
			goto out;
		}
	}
	if (!xsd->opt.no_domain_init && (ret = domain_dom0_init(xsd))) {
		log_warnx("dom0's ring (%s backend): %s",
			  xsd->backend->ops->name, strerror(ret));
		goto out;
	}
	ret = conn_socket_listen(xsd, sock);
	if (ret) {
		log_warnx("cannot listen on %s: %s", sock,
			  strerror(ret));
		goto out;
	}
serve:
	if (!xsd->opt.no_fork && xsd->opt.live_restore_fd < 0 &&
	    xsd->opt.takeover < 0 && (ret = startup_daemonize())) {
		log_warnx("fork: %s", strerror(ret));
		goto out;
	}
	ret = setup_signals(xsd);
	if (ret) {
		log_warnx("signals: %s", strerror(ret));
		goto out;
	}
	{
		const char *what = NULL;

		ret = startup_ready(xsd, &what);
		if (ret) {
			log_warnx("%s: %s", what,
				  strerror(ret));
			goto out;
		}
	}
	if (!xsd->opt.no_fork)
		log_init("xenstored", false, xsd->opt.verbose);
	log_info("serving on %s", sock);

	conn_flush_all(xsd);	/* what a restore queued */
	while (!xsd->stop) {
		/*
		 * Connections with input left over: just look, don't wait;
		 * a live update under way, and ports the backend set aside,
		 * have deadlines.
		 */
		int wait = backend_tick(xsd);

		if (lu_active(xsd) && (wait < 0 || wait > 50))
			wait = 50;
		ret = loop_once(xsd->loop, !list_empty(&xsd->busy) ? 0 : wait);
		if (ret) {
			log_warnx("poll: %s", strerror(ret));
			goto out;
		}
		conn_flush_all(xsd);
		conn_run_busy(xsd);
		conn_flush_all(xsd);
		lu_tick(xsd);
	}
	status = 0;
	startup_stopping();
out:
	if (xsd->listen_fd >= 0)
		unlink(sock);
out_quiet:
	if (xsd->opt.pid_file && status == 0 && xsd->opt.live_check_fd < 0)
		unlink(xsd->opt.pid_file);
	trace_open(NULL, NULL, 0);
	talloc_free(xsd);
	return status;
}
