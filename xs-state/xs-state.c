/*
 * xs-state.c - the xs-state tool: dump, verify, diff and measure xenstore
 * state images (docs/xs-state.1.md, docs/xs-state-format.md).  This file
 * owns the command line: the commands, their options and arguments, the
 * usage text and the exit status; the work is done in the tool_*.c files
 * (see tool.h).
 *
 * Exit status: 0 success (diff: equal), 1 bad image or failure (diff:
 * different), 2 usage errors (diff: also errors).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <talloc.h>

#include "tool.h"

enum {
	OPT_JSON = 256,
	OPT_LIVE,
	OPT_SOCKET,
	OPT_GENERATIONS,
	OPT_STRICT,
	OPT_IGNORE_FDS,
};

static void
vwarnx(const char *fmt, va_list ap)
{
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
}

void
tool_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

int
finish_stdout(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		tool_warnx("standard output: %s",
			   strerror(errno ? errno : EIO));
		return EXIT_BAD;
	}
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: xs-state COMMAND [OPTIONS] ARGS\n"
"  dump [--json] IMG           every record with its index and offset\n"
"  verify IMG                  check an image; \"OK: ...\" or the error\n"
"  stats IMG                   records and bytes per record type\n"
"  diff [--generations] [--strict] [--ignore-fds] A B\n"
"                              semantic differences, one line each\n"
"  export --domid D [-o FILE]  quiesce domain D, write its MIGRATION image\n"
"  import --domid D [--as-domid M] FILE|-\n"
"                              give the daemon a domain's image\n"
"  resume --domid D            serve a quiesced domain again\n"
"IMG is a file or - for standard input.  dump, verify and stats take\n"
"--live [--socket PATH] instead of IMG: ask the running xenstored for a\n"
"dump (socket: PATH, else $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket,\n"
"else " DEFAULT_RUNDIR "/socket).\n"
"Exit status: 0 ok (diff: equal), 1 bad image (diff: different),\n"
"2 usage (diff: any error).  See xs-state(1).\n");
}

static int
bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	usage(stderr);
	return EXIT_USAGE;
}

/* A getopt_long() result that no command handles: --help or an error. */
static int
other_opt(int c)
{
	if (c == 'h') {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}

/*
 * The command line of dump, verify and stats: IMG, or --live [--socket
 * PATH]; and --json where json is not NULL (dump).  Returns with *img
 * open, or with *img NULL and the exit status (0 after --help).
 */
static int
source_open(TALLOC_CTX *ctx, int argc, char **argv, const char *cmd,
	    bool *json, struct image **img)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },  /* dump only */
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL;
	bool live = false;
	int c;

	*img = NULL;
	while ((c = getopt_long(argc, argv, "h", json ? opts : opts + 1,
				NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			*json = true;
			break;
		case OPT_LIVE:
			live = true;
			break;
		case OPT_SOCKET:
			sock = optarg;
			break;
		default:
			return other_opt(c);
		}
	}
	argc -= optind;
	if (sock && !live)
		return bad_usage("%s: --socket needs --live", cmd);
	if (live && argc != 0)
		return bad_usage("%s: --live takes no IMG", cmd);
	if (!live && argc != 1)
		return bad_usage("%s: expected one IMG", cmd);
	*img = live ? live_open(ctx, sock) : image_open(ctx, argv[optind]);
	return *img ? 0 : EXIT_BAD;
}

static int
cmd_dump(TALLOC_CTX *ctx, int argc, char **argv)
{
	struct image *img;
	bool json = false;
	int ret;

	ret = source_open(ctx, argc, argv, "dump", &json, &img);
	return img ? dump_image(img, json) : ret;
}

static int
cmd_verify(TALLOC_CTX *ctx, int argc, char **argv)
{
	struct image *img;
	int ret;

	ret = source_open(ctx, argc, argv, "verify", NULL, &img);
	return img ? stats_verify(img) : ret;
}

static int
cmd_stats(TALLOC_CTX *ctx, int argc, char **argv)
{
	struct image *img;
	int ret;

	ret = source_open(ctx, argc, argv, "stats", NULL, &img);
	return img ? stats_print(img) : ret;
}

static int
cmd_diff(TALLOC_CTX *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "generations", no_argument, NULL, OPT_GENERATIONS },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "ignore-fds", no_argument, NULL, OPT_IGNORE_FDS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct diff_opts o = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_GENERATIONS:
			o.generations = true;
			break;
		case OPT_STRICT:
			o.strict = true;
			break;
		case OPT_IGNORE_FDS:
			o.ignore_fds = true;
			break;
		default:
			return other_opt(c);
		}
	}
	if (argc - optind != 2)
		return bad_usage("diff: expected two images A and B");
	if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
		return bad_usage("diff: only one image can be -");
	return diff_images(ctx, &o, argv[optind], argv[optind + 1]);
}

static const struct {
	const char *name;
	int (*fn)(TALLOC_CTX *ctx, int argc, char **argv);
} commands[] = {
	{ "dump", cmd_dump },
	{ "verify", cmd_verify },
	{ "stats", cmd_stats },
	{ "diff", cmd_diff },
	{ "export", cmd_export },
	{ "import", cmd_import },
	{ "resume", cmd_resume },
};

int
main(int argc, char **argv)
{
	TALLOC_CTX *ctx = NULL;
	unsigned int i;
	int ret;

	if (argc < 2)
		return bad_usage("no command");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		ctx = talloc_new(NULL);
		/* getopt's messages then start with "xs-state dump: " */
		argv[1] = ctx ? talloc_asprintf(ctx, PROG " %s", argv[1]) :
			  NULL;
		if (!argv[1]) {
			tool_warnx("out of memory");
			talloc_free(ctx);
			return EXIT_USAGE;
		}
		ret = commands[i].fn(ctx, argc - 1, argv + 1);
		talloc_free(ctx);
		return ret;
	}
	return bad_usage("unknown command '%s'", argv[1]);
}
