// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xs-state.c - the xs-state tool: dump, verify, diff and measure xenstore
 * state images (docs/xs-state.1.md, docs/xs-state-format.md), and carry
 * them in libxl migration streams (docs/libxl-stream.md).  This file
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

#include <unistd.h>

#include <talloc.h>

#include "tool.h"

#define XSS_RELEASE "1.0"	/* xenstored's XSD_RELEASE, debian/changelog */

enum {
	OPT_JSON = 256,
	OPT_LIVE,
	OPT_SOCKET,
	OPT_GENERATIONS,
	OPT_STRICT,
	OPT_IGNORE_FDS,
	OPT_STRIP,
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
"  embed STREAM IMG [-o OUT]   IMG into a libxl stream as its\n"
"                              DOMAIN_XENSTORE_DATA record\n"
"  extract STREAM [-o IMG] [--strip OUT]\n"
"                              the image out (and the stream without it)\n"
"  to-upstream IMG OUT         IMG as upstream C xenstored 4.17's state\n"
"                              file (what it reads with -U); what cannot\n"
"                              go there is listed on stderr\n"
"  --help, --version           this text, the version\n"
"IMG and STREAM are files or - for standard input.  dump and verify\n"
"also take a libxl migration STREAM (an xl save file too).  dump,\n"
"verify and stats take --live [--socket PATH] instead of IMG: ask the\n"
"running xenstored for a dump (socket: PATH, else $XENSTORED_PATH,\n"
"else $XENSTORED_RUNDIR/socket, else " DEFAULT_RUNDIR "/socket).\n"
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
 * open, or with *img NULL and the exit status (0 after --help).  Where
 * st is not NULL (dump, verify), IMG may also be a libxl stream: then
 * *st is open instead.
 */
static int
source_open(TALLOC_CTX *ctx, int argc, char **argv, const char *cmd,
	    bool *json, struct image **img, struct lx_stream **st)
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
	if (!live && st)
		return input_open(ctx, argv[optind], img, st);
	*img = live ? live_open(ctx, sock) : image_open(ctx, argv[optind]);
	return *img ? 0 : EXIT_BAD;
}

static int
cmd_dump(TALLOC_CTX *ctx, int argc, char **argv)
{
	struct lx_stream *st = NULL;
	struct image *img;
	bool json = false;
	int ret;

	ret = source_open(ctx, argc, argv, "dump", &json, &img, &st);
	if (st)
		return stream_dump(st, json);
	return img ? dump_image(img, json) : ret;
}

static int
cmd_verify(TALLOC_CTX *ctx, int argc, char **argv)
{
	struct lx_stream *st = NULL;
	struct image *img;
	int ret;

	ret = source_open(ctx, argc, argv, "verify", NULL, &img, &st);
	if (st)
		return stream_verify(st);
	return img ? stats_verify(img) : ret;
}

static int
cmd_stats(TALLOC_CTX *ctx, int argc, char **argv)
{
	struct image *img;
	int ret;

	ret = source_open(ctx, argc, argv, "stats", NULL, &img, NULL);
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

/* Streams, unlike text, do not go to a terminal. */
static bool
stdout_ok(const char *cmd, const char *what)
{
	if (!isatty(STDOUT_FILENO))
		return true;
	bad_usage("%s: not writing %s to a terminal (use -o)", cmd, what);
	return false;
}

static int
cmd_embed(TALLOC_CTX *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		if (c != 'o')
			return other_opt(c);
		out = optarg;
	}
	if (argc - optind != 2)
		return bad_usage("embed: expected a STREAM and an IMG");
	if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
		return bad_usage("embed: only one of STREAM and IMG can be -");
	if ((!out || !strcmp(out, "-")) && !stdout_ok("embed", "a stream"))
		return EXIT_USAGE;
	return embed_image(ctx, argv[optind], argv[optind + 1], out);
}

static int
cmd_extract(TALLOC_CTX *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "strip", required_argument, NULL, OPT_STRIP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL, *strip = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_STRIP:
			strip = optarg;
			break;
		default:
			return other_opt(c);
		}
	}
	if (argc - optind != 1)
		return bad_usage("extract: expected one STREAM");
	if (out && !strcmp(out, "-"))
		out = NULL;
	if (!out && strip && !strcmp(strip, "-"))
		return bad_usage("extract: the image and the stripped stream "
				 "cannot both go to standard output");
	if (!out && !stdout_ok("extract", "an image"))
		return EXIT_USAGE;
	if (strip && !strcmp(strip, "-") && !stdout_ok("extract", "a stream"))
		return EXIT_USAGE;
	return extract_image(ctx, argv[optind], out, strip);
}

static int
cmd_to_upstream(TALLOC_CTX *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	c = getopt_long(argc, argv, "h", opts, NULL);
	if (c != -1)
		return other_opt(c);
	if (argc - optind != 2)
		return bad_usage("to-upstream: expected an IMG and an OUT");
	if (!strcmp(argv[optind + 1], "-") &&
	    !stdout_ok("to-upstream", "a state file"))
		return EXIT_USAGE;
	return to_upstream(ctx, argv[optind], argv[optind + 1]);
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
	{ "embed", cmd_embed },
	{ "extract", cmd_extract },
	{ "to-upstream", cmd_to_upstream },
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
	if (!strcmp(argv[1], "--version")) {
		printf(PROG " (xenstored-xss) %s\n", XSS_RELEASE);
		return finish_stdout();
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
