// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_migrate.c - export, import, resume: one domain's state out of the
 * running xenstored and into another (docs/migration.md).  The image
 * travels through a descriptor passed to the daemon with the request
 * (SCM_RIGHTS): the daemon writes to or reads from it directly, so an
 * image of any size goes through a file, a pipe or a socket.
 *
 *   xs-state export --domid D [-o FILE] [--socket PATH]
 *   xs-state import --domid D [--as-domid M] FILE|- [--socket PATH]
 *   xs-state resume --domid D [--socket PATH]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

enum { OPT_DOMID = 256, OPT_AS_DOMID, OPT_SOCKET };

struct mig_opts {
	const char *domid, *as_domid, *out, *sock;
	int argc;
	char **argv;		/* what getopt left */
};

static int
mig_usage(const char *cmd, const char *what)
{
	tool_warnx("%s: %s", cmd, what);
	fprintf(stderr,
"Usage: xs-state export --domid D [-o FILE] [--socket PATH]\n"
"       xs-state import --domid D [--as-domid M] FILE|- [--socket PATH]\n"
"       xs-state resume --domid D [--socket PATH]\n");
	return EXIT_USAGE;
}

static bool
domid_ok(const char *s)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	return !errno && !*end && v >= 1 && v <= 0x7fef;
}

static int
mig_parse(int argc, char **argv, const char *cmd, struct mig_opts *o)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, OPT_DOMID },
		{ "as-domid", required_argument, NULL, OPT_AS_DOMID },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DOMID:
			o->domid = optarg;
			break;
		case OPT_AS_DOMID:
			o->as_domid = optarg;
			break;
		case OPT_SOCKET:
			o->sock = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'h':
			mig_usage(cmd, "help");
			return -1;
		default:
			return mig_usage(cmd, "bad option");
		}
	}
	if (!domid_ok(o->domid))
		return mig_usage(cmd, "--domid D (1..32751) is needed");
	if (o->as_domid && !domid_ok(o->as_domid))
		return mig_usage(cmd, "--as-domid M takes 1..32751");
	o->argc = argc - optind;
	o->argv = argv + optind;
	return 0;
}

/* Send the request; the answer "OK" is success, anything else says why. */
static int
mig_request(TALLOC_CTX *ctx, const struct mig_opts *o, const char *const *a,
	    unsigned int n, int fd)
{
	const char *sock = live_socket_path(ctx, o->sock);
	char *answer = NULL;

	if (!sock || live_control(ctx, sock, a, n, fd, &answer))
		return EXIT_BAD;
	if (strcmp(answer, "OK")) {
		tool_warnx("%s", answer);
		return EXIT_BAD;
	}
	return 0;
}

int
cmd_export(TALLOC_CTX *ctx, int argc, char **argv)
{
	struct mig_opts o = { 0 };
	const char *args[2] = { "migrate-export" };
	int ret = mig_parse(argc, argv, "export", &o), fd;

	if (ret)
		return ret < 0 ? 0 : ret;
	if (o.argc || o.as_domid)
		return mig_usage("export", "takes no image and no --as-domid");
	if (o.out) {
		fd = open(o.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0600);
		if (fd < 0) {
			tool_warnx("%s: %s", o.out, strerror(errno));
			return EXIT_BAD;
		}
	} else if (isatty(STDOUT_FILENO)) {
		return mig_usage("export", "standard output is a terminal: "
				 "use -o FILE or a pipe");
	} else {
		fd = STDOUT_FILENO;
	}
	args[1] = o.domid;
	ret = mig_request(ctx, &o, args, 2, fd);
	if (fd != STDOUT_FILENO && close(fd) && !ret) {
		tool_warnx("%s: %s", o.out, strerror(errno));
		ret = EXIT_BAD;
	}
	return ret;
}

int
cmd_import(TALLOC_CTX *ctx, int argc, char **argv)
{
	struct mig_opts o = { 0 };
	const char *args[3] = { "migrate-import" };
	int ret = mig_parse(argc, argv, "import", &o), fd;

	if (ret)
		return ret < 0 ? 0 : ret;
	if (o.argc != 1 || o.out)
		return mig_usage("import", "expected one image, FILE or -");
	if (!strcmp(o.argv[0], "-")) {
		fd = STDIN_FILENO;
	} else {
		fd = open(o.argv[0], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			tool_warnx("%s: %s", o.argv[0], strerror(errno));
			return EXIT_BAD;
		}
	}
	args[1] = o.domid;
	args[2] = o.as_domid;
	ret = mig_request(ctx, &o, args, o.as_domid ? 3 : 2, fd);
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

int
cmd_resume(TALLOC_CTX *ctx, int argc, char **argv)
{
	struct mig_opts o = { 0 };
	const char *args[2] = { "migrate-resume" };
	int ret = mig_parse(argc, argv, "resume", &o);

	if (ret)
		return ret < 0 ? 0 : ret;
	if (o.argc || o.out || o.as_domid)
		return mig_usage("resume", "takes --domid D only");
	args[1] = o.domid;
	return mig_request(ctx, &o, args, 2, -1);
}
