// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * control.c - the CONTROL request: administrative commands used by
 * xenstore-control.  Replies are text for a person to read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "domain.h"
#include "files.h"
#include "handlers.h"
#include "live_update.h"
#include "migration.h"
#include "log.h"
#include "proto.h"
#include "quota.h"
#include "state.h"
#include "store.h"
#include "xsd.h"

struct control_cmd {
	const char *name;
	int (*fn)(struct req *r, const char **argv, unsigned int argc);
	const char *args;
};

static int ctl_help(struct req *r, const char **argv, unsigned int argc);

static int
ctl_check(struct req *r, const char **argv, unsigned int argc)
{
	char *report = NULL;
	int ret;

	(void)argv;
	if (argc)
		return EINVAL;
	ret = store_check(r->xsd->store, &report, r);
	if (ret == EIO) {
		log_warnx("store check failed:\n%s", report);
		return proto_reply_str(r, report);
	}
	return ret ? ret : proto_reply_str(r, "OK");
}

static int
ctl_log(struct req *r, const char **argv, unsigned int argc)
{
	if (argc == 0)
		return proto_reply_str(r, trace_enabled() ? "on\n" : "off\n");
	if (argc != 1)
		return EINVAL;
	if (!strcmp(argv[0], "on")) {
		if (!trace_path())
			return EINVAL;	/* no file: see logfile */
		trace_set(true);
	} else if (!strcmp(argv[0], "off")) {
		trace_set(false);
	} else {
		return EINVAL;
	}
	return proto_reply_str(r, "OK");
}

static int
ctl_logfile(struct req *r, const char **argv, unsigned int argc)
{
	char why[FILES_WHY_LEN];
	int ret;

	if (argc != 1 || !argv[0][0])
		return EINVAL;
	ret = trace_open(argv[0], why, sizeof(why));
	if (ret) {
		log_warnx("logfile %s: %s", argv[0], why);
		return ret;
	}
	return proto_reply_str(r, "OK");
}

static int
ctl_memreport(struct req *r, const char **argv, unsigned int argc)
{
	char why[FILES_WHY_LEN];
	FILE *f;
	int fd, ret;

	if (argc > 1)
		return EINVAL;
	if (argc == 0 && trace_stream()) {
		talloc_report_full(r->xsd, trace_stream());
		return proto_reply_str(r, "OK");
	}
	if (argc == 0) {
		char *s = talloc_asprintf(r,
			"talloc: %zu bytes in %zu blocks; %u nodes, %u "
			"connections\n", talloc_total_size(r->xsd),
			talloc_total_blocks(r->xsd),
			store_count(r->xsd->store) + 1, r->xsd->nconns);

		return s ? proto_reply_str(r, s) : ENOMEM;
	}
	/* The whole talloc tree, names and sizes: root's alone. */
	ret = files_open(argv[0], false, 0600, &fd, why, sizeof(why));
	if (ret) {
		log_warnx("memreport %s: %s", argv[0], why);
		return ret == EACCES ? EACCES : EINVAL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return ENOMEM;
	}
	talloc_report_full(r->xsd, f);
	fclose(f);
	return proto_reply_str(r, "OK");
}

static int
ctl_print(struct req *r, const char **argv, unsigned int argc)
{
	if (argc != 1)
		return EINVAL;
	log_info("%s", argv[0]);
	trace("PRINT %s\n", argv[0]);
	return proto_reply_str(r, "OK");
}

static char *
quota_list(TALLOC_CTX *mem_ctx, const struct quota_set *q, bool soft)
{
	char *s = talloc_strdup(mem_ctx, "");
	unsigned int i;

	for (i = 0; s && i < Q_N; i++)
		s = talloc_asprintf_append(s, "%-18s %u\n", quota_name(i),
					   soft ? q->soft[i] : q->hard[i]);
	return s;
}

static int
quota_cmd(struct req *r, const char **argv, unsigned int argc, bool soft)
{
	struct quota_set *q = &r->xsd->quota;
	enum quota_kind k;
	struct domain *d;
	unsigned long v;
	char *s, *end;
	bool dummy;

	if (argc == 0) {
		s = quota_list(r, q, soft);
		return s ? proto_reply_str(r, s) : ENOMEM;
	}
	if (!strcmp(argv[0], "set")) {
		if (argc != 3 || quota_lookup(argv[1], &k, &dummy) || dummy)
			return EINVAL;
		errno = 0;
		v = strtoul(argv[2], &end, 10);
		if (errno || *end || !argv[2][0] || v > 0xffffffffUL)
			return EINVAL;
		if (soft)
			q->soft[k] = (unsigned int)v;
		else
			q->hard[k] = (unsigned int)v;
		return proto_reply_str(r, "OK");
	}
	if (soft || argc != 1)
		return EINVAL;
	errno = 0;
	v = strtoul(argv[0], &end, 10);
	if (errno || *end || !argv[0][0] || v > 65535)
		return EINVAL;
	d = domain_get(r->xsd, (unsigned int)v, false);
	if (!d)
		return ENOENT;
	s = talloc_asprintf(r,
		"Domain %u:\nnodes %u/%u\nwatches %u/%u\ntransactions %u/%u\n"
		"memory %zu/%u\n",
		d->domid, d->nodes, d->quota.hard[Q_NODES], d->watches,
		d->quota.hard[Q_WATCHES], d->txns,
		d->quota.hard[Q_TRANSACTIONS], d->memory,
		d->quota.hard[Q_MEMORY]);
	return s ? proto_reply_str(r, s) : ENOMEM;
}

static int
ctl_quota(struct req *r, const char **argv, unsigned int argc)
{
	return quota_cmd(r, argv, argc, false);
}

static int
ctl_quota_soft(struct req *r, const char **argv, unsigned int argc)
{
	return quota_cmd(r, argv, argc, true);
}

/* dump-state <file>: a debug image of the whole state, written to file. */
static int
ctl_dump_state(struct req *r, const char **argv, unsigned int argc)
{
	char *err = NULL;
	int ret;

	if (argc != 1 || argv[0][0] != '/')
		return EINVAL;
	ret = state_dump_file(r->xsd, argv[0], r->conn, &err, r);
	if (ret) {
		log_warnx("dump-state %s: %s", argv[0],
			  err ? err : strerror(ret));
		return ret == ENOENT || ret == EACCES ? ret : EIO;
	}
	return proto_reply_str(r, "OK");
}

static int
ctl_migrate_export(struct req *r, const char **argv, unsigned int argc)
{
	return migration_control(r, argv, argc, "migrate-export");
}

static int
ctl_migrate_import(struct req *r, const char **argv, unsigned int argc)
{
	return migration_control(r, argv, argc, "migrate-import");
}

static int
ctl_migrate_resume(struct req *r, const char **argv, unsigned int argc)
{
	return migration_control(r, argv, argc, "migrate-resume");
}

static const struct control_cmd cmds[] = {
	{ "check", ctl_check, "" },
	{ "dump-state", ctl_dump_state, "<file>" },
	{ "live-update", lu_control,
	  "[-c <cmdline>] [-F] [-t <timeout>] <file>|-a|-s" },
	{ "log", ctl_log, "[on|off]" },
	{ "logfile", ctl_logfile, "<file>" },
	{ "memreport", ctl_memreport, "[<file>]" },
	{ "migrate-export", ctl_migrate_export, "<domid> (+ a descriptor)" },
	{ "migrate-import", ctl_migrate_import, "<domid> (+ a descriptor)" },
	{ "migrate-resume", ctl_migrate_resume, "<domid>" },
	{ "print", ctl_print, "<string>" },
	{ "quota", ctl_quota, "[set <name> <val>|<domid>]" },
	{ "quota-soft", ctl_quota_soft, "[set <name> <val>]" },
	{ "help", ctl_help, "" },
};

static int
ctl_help(struct req *r, const char **argv, unsigned int argc)
{
	char *s = talloc_strdup(r, "Supported commands:\n");
	unsigned int i;

	(void)argv;
	if (argc)
		return EINVAL;
	for (i = 0; s && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		s = talloc_asprintf_append(s, "%-12s %s\n", cmds[i].name,
					   cmds[i].args);
	return s ? proto_reply_str(r, s) : ENOMEM;
}

int
do_control(struct req *r)
{
	const char *v[8];
	unsigned int n = proto_strings(r, v, 8), i;

	if (n == 0 || n > 8)
		return EINVAL;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(v[0], cmds[i].name))
			return cmds[i].fn(r, v + 1, n - 1);
	return EINVAL;
}
