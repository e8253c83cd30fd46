/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xsd.h - the daemon's root object.
 *
 * One struct xsd owns everything (talloc root): the store, the loop, the
 * connections, the domains.  It is passed down explicitly; there is no
 * global daemon state.
 */
#ifndef XSD_XSD_H
#define XSD_XSD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "list.h"
#include "quota.h"

struct store;
struct loop;
struct hash;
struct backend;
struct conn;
struct perm;
struct lu;
struct watch_index;
struct fdlimit;
struct domain;

/* Permissions of the special watch paths @introduceDomain/@releaseDomain. */
struct special_node {
	const char *path;
	struct perm *perms;
	unsigned int nperms;
};
#define XSD_NSPECIAL 2

struct xsd_options {
	const char *rundir;
	const char *socket_path;	/* where to listen */
	const char *db_file;		/* NULL: tdb in memory */
	const char *db_file_walk;	/* -I off, live update: the file for
					 * an image's NODE_DATA, or NULL */
	const char *backend;		/* NULL: choose */
	const char *restore;		/* --restore image */
	int live_restore_fd;		/* --live-restore: image memfd, -1 */
	int live_check_fd;		/* --live-check: image memfd, -1 */
	const char *live_rollback;	/* --live-rollback: why */
	int live_verdict_fd;		/* --live-verdict: pre-flight's, -1 */
	int live_guardian_fd;		/* --live-guardian: lu_guardian.c, -1 */
	const char *pid_file;
	const char *trace_file;
	bool no_fork;
	bool output_pid;
	bool verbose;
	bool no_domain_init;
	bool keep_orphans;
	int takeover;			/* -U / --live: from whom, or -1 */
	unsigned int max_conns;		/* socket connections; 0: no limit */
};

#define XSD_RBUF_SIZE 65536
/* Default limit on dom0 socket connections (--max-connections). */
#define XSD_MAX_CONNS 1024

struct xsd {
	struct xsd_options opt;
	struct store *store;
	struct loop *loop;
	struct backend *backend;
	struct conn *internal;		/* the daemon acting on its own */
	struct special_node specials[XSD_NSPECIAL];
	struct list_node conns;		/* every struct conn */
	struct list_node flush;		/* conns with output to send */
	struct list_node busy;		/* conns with input for next turn */
	struct domain *cause;		/* unprivileged requester being run */
	struct hash *domains;		/* domid text -> struct domain */
	struct hash *ports;		/* local port text -> struct domain */
	struct watch_index *watch_index; /* watches by path; NULL: none */
	struct fdlimit *fdlimit;	/* NULL until fdlimit_init */
	struct quota_set quota;		/* defaults for new domains */
	uint32_t next_conn_id;
	uint64_t releases;		/* domains released so far */
	unsigned int nconns;
	unsigned int nsockets;		/* socket connections (opt.max_conns) */
	int listen_fd;
	uint8_t *rbuf;			/* XSD_RBUF_SIZE bytes: socket reads */
	char **argv;			/* our command line, for live update */
	char **orig_argv;		/* as given, for a takeover's way back */
	int self_fd;			/* our binary (O_PATH), the way back */
	pid_t guardian;			/* a live update's, until reaped */
	bool takeover_ack;		/* answer the next live-update -s OK */
	struct lu *lu;			/* a live update session, or NULL */
	unsigned int transfers;		/* migration images on the move */
	bool stop;
};

#endif /* XSD_XSD_H */
