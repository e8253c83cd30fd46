// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen_corpus.c - writes the seed images of the fuzz corpus with the
 * library's own writer: small valid images of every kind, in both byte
 * orders, that together hold every record type.
 *
 *   cc -Iinclude -o /tmp/gen_corpus tests/fuzz/gen_corpus.c \
 *	xs-state/libxsstate.a -ltalloc
 *   /tmp/gen_corpus tests/fuzz/corpus
 *
 * Not part of any build: the files it makes are checked in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "xs_state.h"

static const struct xss_perm p0[] = { { 0, 0 } };
static const struct xss_perm p5[] = { { 5, 0 }, { 0, XSS_PERM_READ } };
static const struct xss_perm p7[] = {
	{ 7, XSS_PERM_READ | XSS_PERM_WRITE }, { 1, 0 }, { 2, 1 },
};

#define PERMS(a) { sizeof(a) / sizeof(a[0]), a }

static void
die(const char *what, struct xss_writer *w)
{
	fprintf(stderr, "gen_corpus: %s: %s\n", what,
		w ? xss_writer_error(w) : "out of memory");
	exit(1);
}

static void
ok(int ret, struct xss_writer *w)
{
	if (ret)
		die("write", w);
}

static void
node(struct xss_writer *w, const char *path, uint64_t gen,
     struct xss_perms perms, const char *value, uint32_t len)
{
	struct xss_node n = { path, gen, perms, (const uint8_t *)value, len };

	ok(xss_write_node(w, &n), w);
}

/* The connection part of a group: every record it can hold. */
static void
conn(struct xss_writer *w, const char *home)
{
	char path[64], sub[64];
	struct xss_watch wa = { path, "token", XSS_WATCH_NO_DEPTH,
				XSS_WATCH_RELATIVE };
	struct xss_watch sp = { "@releaseDomain", "", 0, 0 };
	struct xss_txn t = { 1, 1 };
	struct xss_txn_node tn = {
		.tx_id = 1,
		.flags = XSS_TNODE_EXISTS | XSS_TNODE_CHANGED |
			 XSS_TNODE_CHILDREN,
		.base_gen = 3, .gen = 3, .path = home, .perms = PERMS(p5),
		.value = (const uint8_t *)"v", .len = 1,
		.children = "a\0new", .children_len = 6,
	};
	struct xss_txn_node gone = {
		.tx_id = 1, .flags = XSS_TNODE_CHANGED, .base_gen = 4,
		.path = path,
	};
	struct xss_txn_node missing = { .tx_id = 1, .path = sub };
	struct xss_removed rm[2] = {
		{ path, PERMS(p5) }, { sub, PERMS(p7) },
	};
	struct xss_txn_event ev = {
		.tx_id = 1, .flags = XSS_TEVENT_REMOVAL, .path = path,
		.before = PERMS(p5), .after = { 0, NULL },
		.nremoved = 2, .removed = rm,
	};
	struct xss_txn_event ch = {
		.tx_id = 1, .path = home, .before = PERMS(p5),
		.after = PERMS(p7),
	};

	snprintf(path, sizeof(path), "%s/a", home);
	snprintf(sub, sizeof(sub), "%s/a/b", home);
	ok(xss_write_watch(w, &wa), w);
	ok(xss_write_watch(w, &sp), w);
	ok(xss_write_txn(w, &t), w);
	ok(xss_write_txn_node(w, &tn), w);
	ok(xss_write_txn_node(w, &gone), w);
	ok(xss_write_txn_node(w, &missing), w);
	ok(xss_write_txn_event(w, &ev), w);
	ok(xss_write_txn_event(w, &ch), w);
	t.tx_id = 2;
	ok(xss_write_txn(w, &t), w);
	ok(xss_write_input(w, "\x01\0\0\0\0\0\0\0\0\0\0\0\x05\0\0\0/a", 18),
	   w);
	ok(xss_write_output(w, "\x0f\0\0\0\x07\0\0\0\0\0\0\0\x04\0\0\0a\0b",
			    19), w);
}

static void
save(const char *dir, const char *name, struct xss_sink *s)
{
	char path[512];
	size_t len;
	const uint8_t *p = xss_sink_data(s, &len);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
	if (len >= 4096) {
		fprintf(stderr, "gen_corpus: %s is %zu octets\n", name, len);
		exit(1);
	}
}

static struct xss_writer *
start(TALLOC_CTX *ctx, struct xss_sink **s, uint32_t kind, uint32_t domid,
      bool big)
{
	struct xss_writer *w;

	*s = xss_sink_memory(ctx);
	w = *s ? xss_writer_new(ctx, *s, kind, domid, "gen_corpus 1", big)
	       : NULL;
	if (!w || xss_writer_error(w))
		die("start", w);
	return w;
}

/* LIVE_UPDATE or DUMP with every record type. */
static void
full(TALLOC_CTX *ctx, const char *dir, const char *name, uint32_t kind,
     bool big)
{
	static const struct xss_quota_entry qe[] = {
		{ XSS_QUOTA_NODES, 1000, 900 }, { XSS_QUOTA_WATCHES, 128, 0 },
		{ XSS_QUOTA_NODE_SIZE, 2048, 0 }, { 42, 1, 1 },
	};
	struct xss_sink *s;
	struct xss_writer *w = start(ctx, &s, kind, XSS_NO_DOMID, big);
	struct xss_global g = { 40, 9, 3, XSS_BACKEND_SIM, 4 };
	struct xss_quota q = { XSS_NO_DOMID, 4, qe };
	struct xss_special sp = { "@introduceDomain", PERMS(p0) };
	struct xss_domain d = {
		.domid = 5, .conn_id = 1,
		.flags = XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION |
			 XSS_DOM_FEATURES_SET,
		.features = 1, .gfn = 0xfeffc, .remote_port = 3,
		.local_port = 7, .target = XSS_NO_TARGET, .next_txid = 3,
		.evtchn_fd = 11, .page_fd = 12,
	};
	struct xss_domain settings = {
		.domid = 6, .target = 5, .evtchn_fd = XSS_NO_FD,
		.page_fd = XSS_NO_FD, .flags = XSS_DOM_FEATURES_SET,
	};
	struct xss_socket so = { 2, 13, XSS_SOCK_PRIVILEGED, 1 };

	ok(xss_write_global(w, &g), w);
	ok(xss_write_quota(w, &q), w);
	ok(xss_write_special(w, &sp), w);
	sp.path = "@releaseDomain";
	sp.perms = (struct xss_perms)PERMS(p5);
	ok(xss_write_special(w, &sp), w);
	node(w, "/", 1, (struct xss_perms)PERMS(p0), NULL, 0);
	node(w, "/local", 2, (struct xss_perms)PERMS(p0), "", 0);
	node(w, "/local/domain", 2, (struct xss_perms)PERMS(p0), NULL, 0);
	node(w, "/local/domain/5", 3, (struct xss_perms)PERMS(p5), "a\0b", 3);
	node(w, "/local/domain/5/a", 4, (struct xss_perms)PERMS(p5), "x", 1);
	node(w, "/local/domain/0", 5, (struct xss_perms)PERMS(p0), NULL, 0);
	node(w, "/tool", 6, (struct xss_perms)PERMS(p7), "\xff\x80", 2);
	ok(xss_write_domain(w, &d), w);
	q.domid = 5;
	q.num = 2;
	ok(xss_write_quota(w, &q), w);
	conn(w, "/local/domain/5");
	ok(xss_write_domain(w, &settings), w);
	q.domid = 6;
	q.num = 0;
	ok(xss_write_quota(w, &q), w);
	ok(xss_write_socket(w, &so), w);
	conn(w, "/local/domain/0");
	so.conn_id = 3;
	so.fd = XSS_NO_FD;
	so.flags = 0;
	ok(xss_write_socket(w, &so), w);
	ok(xss_write_end(w), w);
	save(dir, name, s);
}

static void
migration(TALLOC_CTX *ctx, const char *dir, const char *name, bool big)
{
	struct xss_sink *s;
	struct xss_writer *w = start(ctx, &s, XSS_KIND_MIGRATION, 5, big);
	struct xss_domain d = {
		.domid = 5, .conn_id = 4,
		.flags = XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION |
			 XSS_DOM_SHUTDOWN_REPORTED,
		.gfn = 0xfeffc, .remote_port = 3, .target = XSS_NO_TARGET,
		.next_txid = 9, .evtchn_fd = XSS_NO_FD, .page_fd = XSS_NO_FD,
	};
	struct xss_quota q = { 5, 0, NULL };

	node(w, "/local/domain/5", 3, (struct xss_perms)PERMS(p5), "", 0);
	node(w, "/local/domain/5/a", 4, (struct xss_perms)PERMS(p5), "1", 1);
	node(w, "/local/domain/5/a/b", 5, (struct xss_perms)PERMS(p7), NULL,
	     0);
	ok(xss_write_domain(w, &d), w);
	ok(xss_write_quota(w, &q), w);
	conn(w, "/local/domain/5");
	ok(xss_write_end(w), w);
	save(dir, name, s);
}

/* The smallest images, and optional records among the mandatory ones. */
static void
small(TALLOC_CTX *ctx, const char *dir)
{
	struct xss_sink *s;
	struct xss_writer *w = start(ctx, &s, XSS_KIND_DUMP, XSS_NO_DOMID,
				     false);
	struct xss_global g = { 1, 1, XSS_NO_FD, XSS_BACKEND_NONE, XSS_NO_FD };
	struct xss_domain d = {
		.domid = 1, .target = XSS_NO_TARGET, .evtchn_fd = XSS_NO_FD,
		.page_fd = XSS_NO_FD,
	};

	ok(xss_write_global(w, &g), w);
	node(w, "/", 1, (struct xss_perms)PERMS(p0), NULL, 0);
	ok(xss_write_end(w), w);
	save(dir, "min-dump-le", s);

	w = start(ctx, &s, XSS_KIND_MIGRATION, 1, true);
	ok(xss_write_domain(w, &d), w);
	ok(xss_write_end(w), w);
	save(dir, "min-migration-be", s);

	w = start(ctx, &s, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, true);
	ok(xss_write_raw(w, 0x80000001u, "optional", 8), w);
	ok(xss_write_global(w, &g), w);
	ok(xss_write_raw(w, 0xfffffffeu, NULL, 0), w);
	node(w, "/", 1, (struct xss_perms)PERMS(p0), NULL, 0);
	ok(xss_write_raw(w, 0x80000000u, "abc", 3), w);
	ok(xss_write_end(w), w);
	save(dir, "optional-lu-be", s);
}

int
main(int argc, char **argv)
{
	TALLOC_CTX *ctx = talloc_new(NULL);

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	full(ctx, argv[1], "full-lu-le", XSS_KIND_LIVE_UPDATE, false);
	full(ctx, argv[1], "full-lu-be", XSS_KIND_LIVE_UPDATE, true);
	full(ctx, argv[1], "full-dump-le", XSS_KIND_DUMP, false);
	migration(ctx, argv[1], "migration-le", false);
	migration(ctx, argv[1], "migration-be", true);
	small(ctx, argv[1]);
	talloc_free(ctx);
	return 0;
}
