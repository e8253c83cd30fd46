// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkgolden.c - writes the golden xs-state images of tests/golden/ through
 * the library's writer, and variants of them for the tool's diff tests.
 *
 *   mkgolden DIR                  dump-le.xss dump-be.xss migration.xss
 *                                 minimal.xss, live-update.xss into DIR
 *   mkgolden --variant NAME FILE  one variant of dump-le.xss (below)
 *
 * Everything is fixed (producer, generations, descriptors, values), so
 * running it again gives the same bytes: a change of the format or of the
 * writer shows up as a diff of the checked-in files (README.md).
 *
 * The dump image uses every record type: GLOBAL_DATA, the defaults'
 * QUOTA_DATA (with an id this version does not know), SPECIAL_PERMS,
 * NODE_DATA (binary and empty values, several permission entries), an
 * optional record of an unknown type, a domain known for its settings
 * only, a domain with a ring connection (its quota, watches, two
 * transactions with every kind of TRANSACTION_NODE_DATA and both kinds of
 * TRANSACTION_EVENT, a partial input message and pending output), and
 * two socket connections.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <talloc.h>

#include "xs_state.h"

#define PRODUCER "mkgolden 1"
#define OPTIONAL_TYPE (XSS_REC_OPTIONAL | 0x42)

/* Wire message types (<xen/io/xs_wire.h>), without the header. */
#define MSG_READ 2
#define MSG_WATCH_EVENT 15
#define MSG_ERROR 16

/* What a variant changes in the dump image. */
struct variant {
	const char *name;
	bool big_endian;
	bool changed;		/* a set of semantic changes (see below) */
	uint64_t gen_add;	/* added to every generation */
	int32_t fd_add;		/* added to every descriptor */
	const char *producer;
};

static const struct variant variants[] = {
	{ .name = "base", .producer = PRODUCER },
	{ .name = "be", .producer = PRODUCER, .big_endian = true },
	{ .name = "changed", .producer = PRODUCER, .changed = true },
	{ .name = "generations", .producer = PRODUCER, .gen_add = 100 },
	{ .name = "fds", .producer = PRODUCER, .fd_add = 100 },
	{ .name = "producer", .producer = "mkgolden 2" },
};

/* -- helpers ---------------------------------------------------------- */

#define PERMS(...) \
	((struct xss_perms){ \
		.num = sizeof((struct xss_perm[]){ __VA_ARGS__ }) / \
		       sizeof(struct xss_perm), \
		.p = (struct xss_perm[]){ __VA_ARGS__ } })
#define NO_PERMS ((struct xss_perms){ .num = 0, .p = NULL })
#define N(d) { (d), 0 }
#define R(d) { (d), XSS_PERM_READ }
#define W(d) { (d), XSS_PERM_WRITE }
#define B(d) { (d), XSS_PERM_READ | XSS_PERM_WRITE }

/* A message buffer in the byte order of the image (see xs-state.c). */
struct msgbuf {
	uint8_t data[1024];
	uint32_t len;
};

static void
put32(struct msgbuf *b, uint32_t v, bool big_endian)
{
	v = big_endian ? htobe32(v) : htole32(v);
	memcpy(b->data + b->len, &v, 4);
	b->len += 4;
}

/*
 * Append a message header announcing len payload octets, then have of
 * them (have < len: a partial message).
 */
static void
msg_add(struct msgbuf *b, bool big_endian, uint32_t type, uint32_t req_id,
	uint32_t len, const void *payload, uint32_t have)
{
	put32(b, type, big_endian);
	put32(b, req_id, big_endian);
	put32(b, 0, big_endian);
	put32(b, len, big_endian);
	memcpy(b->data + b->len, payload, have);
	b->len += have;
}

static void
node(struct xss_writer *w, const struct variant *v, const char *path,
     uint64_t gen, struct xss_perms perms, const void *value, uint32_t len)
{
	struct xss_node n = {
		.path = path, .gen = gen + v->gen_add, .perms = perms,
		.value = value, .len = len,
	};

	xss_write_node(w, &n);
}

static void
str_node(struct xss_writer *w, const struct variant *v, const char *path,
	 uint64_t gen, struct xss_perms perms, const char *value)
{
	node(w, v, path, gen, perms, value, (uint32_t)strlen(value));
}

static int32_t
fd(const struct variant *v, int32_t n)
{
	return n < 0 ? n : n + v->fd_add;
}

static void
watch(struct xss_writer *w, const char *path, const char *token,
      uint32_t depth, uint32_t flags)
{
	struct xss_watch wa = {
		.path = path, .token = token, .depth = depth, .flags = flags,
	};

	xss_write_watch(w, &wa);
}

static void
txn_node(struct xss_writer *w, const struct variant *v, uint32_t tx_id,
	 const char *path, uint32_t flags, uint64_t base_gen, uint64_t gen,
	 struct xss_perms perms, const char *value, const char *children,
	 uint32_t children_len)
{
	struct xss_txn_node tn = {
		.tx_id = tx_id, .flags = flags,
		.base_gen = base_gen ? base_gen + v->gen_add : 0,
		.gen = gen ? gen + v->gen_add : 0,
		.path = path, .perms = perms,
		.value = (const uint8_t *)value, .len = (uint32_t)strlen(value),
		.children = children, .children_len = children_len,
	};

	xss_write_txn_node(w, &tn);
}

static void
quota(struct xss_writer *w, uint32_t domid, const struct xss_quota_entry *e,
      uint32_t num)
{
	struct xss_quota q = { .domid = domid, .num = num, .e = e };

	xss_write_quota(w, &q);
}

/* -- the images ------------------------------------------------------- */

static const uint8_t bin_value[] = {
	0x00, 0x01, 'b', 'i', 'n', 0xff, '"', '\\', ' ', '\n', 0x7f,
};

/*
 * The dump image.  v->changed makes these differences from the base
 * (tests/integration/test_xs_state_tool.py lists the diff lines):
 * defaults' nodes quota, @introduceDomain perms, the value of
 * /local/domain/5/data, the perms of /tool/empty, /local/domain/5/old/x
 * removed, /tool/added added, dom1 gone, dom5's features and watches
 * quota, a watch's depth, a watch replaced, transaction 1's node value,
 * children and removal list, transaction 2 gone, dom5's output, sock4
 * gone.
 */
static int
write_dump(struct xss_writer *w, const struct variant *v)
{
	static const struct xss_quota_entry defaults[] = {
		{ XSS_QUOTA_NODES, 1000, 0 },
		{ XSS_QUOTA_WATCHES, 128, 0 },
		{ XSS_QUOTA_OUTSTANDING, 20, 0 },
		{ XSS_QUOTA_MEMORY, 2621440, 2097152 },
		{ XSS_QUOTA_TRANSACTIONS, 10, 0 },
		{ XSS_QUOTA_TRANSACTION_NODES, 1024, 0 },
		{ XSS_QUOTA_PERMISSIONS, 5, 0 },
		{ XSS_QUOTA_PATH_MAX, 2048, 0 },
		{ XSS_QUOTA_NODE_SIZE, 2048, 0 },
		{ 77, 5, 1 },		/* unknown to this version */
	};
	struct xss_quota_entry defaults_changed[10];
	static const struct xss_quota_entry dom1_quota[] = {
		{ XSS_QUOTA_NODES, 2000, 0 },
	};
	static const struct xss_quota_entry dom5_quota[] = {
		{ XSS_QUOTA_NODES, 100, 90 },
		{ XSS_QUOTA_WATCHES, 16, 0 },
	};
	static const char optional_body[] = "a future record";
	static const char data_children[] = "bin\0new";
	static const char tool_children[] = "empty";
	const bool be = v->big_endian;
	struct xss_global g = {
		.generation = 40 + v->gen_add, .next_conn_id = 5,
		.socket_fd = fd(v, 3), .backend = XSS_BACKEND_SIM,
		.backend_fd = fd(v, 4),
	};
	struct xss_special special_intro = {
		.path = "@introduceDomain",
		.perms = v->changed ? PERMS(N(0), R(5)) : PERMS(N(0)),
	};
	struct xss_special special_release = {
		.path = "@releaseDomain", .perms = PERMS(N(0), R(5)),
	};
	struct xss_domain dom1 = {
		.domid = 1, .flags = XSS_DOM_FEATURES_SET, .features = 0x1,
		.target = XSS_NO_TARGET, .next_txid = 1,
		.evtchn_fd = -1, .page_fd = -1,
	};
	struct xss_domain dom5 = {
		.domid = 5, .conn_id = 2,
		.flags = XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION |
			 XSS_DOM_FEATURES_SET,
		.features = v->changed ? 0x1 : 0x5, .gfn = 0xfeffc,
		.remote_port = 7, .local_port = 11, .target = XSS_NO_TARGET,
		.next_txid = 3, .evtchn_fd = fd(v, 9), .page_fd = fd(v, 10),
	};
	struct xss_socket sock3 = {
		.conn_id = 3, .fd = fd(v, 12), .flags = XSS_SOCK_PRIVILEGED,
		.next_txid = 2,
	};
	struct xss_socket sock4 = {
		.conn_id = 4, .fd = fd(v, 13), .flags = 0, .next_txid = 1,
	};
	struct xss_txn tx1 = { .tx_id = 1, .added = 1 };
	struct xss_txn tx2 = { .tx_id = 2, .added = 0 };
	struct xss_txn sock_tx1 = { .tx_id = 1, .added = 0 };
	struct xss_removed removed[] = {
		{ "/local/domain/5/old", PERMS(N(5)) },
		{ "/local/domain/5/old/x",
		  v->changed ? PERMS(N(5)) : PERMS(N(5), R(0)) },
	};
	struct xss_txn_event ev_new = {
		.tx_id = 1, .flags = 0, .path = "/local/domain/5/data/new",
		.before = NO_PERMS, .after = PERMS(N(5)),
	};
	struct xss_txn_event ev_old = {
		.tx_id = 1, .flags = XSS_TEVENT_REMOVAL,
		.path = "/local/domain/5/old", .before = PERMS(N(5)),
		.after = NO_PERMS, .nremoved = 2, .removed = removed,
	};
	struct msgbuf in5 = { .len = 0 }, out5 = { .len = 0 };
	struct msgbuf in3 = { .len = 0 }, out3 = { .len = 0 };

	xss_write_global(w, &g);
	if (v->changed) {
		memcpy(defaults_changed, defaults, sizeof(defaults));
		defaults_changed[0].hard = 2000;
		quota(w, XSS_NO_DOMID, defaults_changed, 10);
	} else {
		quota(w, XSS_NO_DOMID, defaults, 10);
	}
	xss_write_special(w, &special_intro);
	xss_write_special(w, &special_release);

	str_node(w, v, "/", 1, PERMS(N(0)), "");
	str_node(w, v, "/local", 2, PERMS(N(0)), "");
	str_node(w, v, "/local/domain", 3, PERMS(N(0)), "");
	str_node(w, v, "/local/domain/0", 4, PERMS(N(0)), "");
	str_node(w, v, "/local/domain/0/name", 5, PERMS(N(0)), "Domain-0");
	str_node(w, v, "/local/domain/5", 6, PERMS(N(5)), "");
	str_node(w, v, "/local/domain/5/data", 7, PERMS(N(5)),
		 v->changed ? "HELLO" : "hello");
	node(w, v, "/local/domain/5/data/bin", 8, PERMS(N(5), R(0)),
	     bin_value, sizeof(bin_value));
	str_node(w, v, "/local/domain/5/old", 9, PERMS(N(5)), "");
	if (!v->changed)
		str_node(w, v, "/local/domain/5/old/x", 10, PERMS(N(5), R(0)),
			 "x");
	str_node(w, v, "/tool", 11, PERMS(N(0)), "");
	if (v->changed)
		str_node(w, v, "/tool/added", 16, PERMS(N(0)), "new");
	str_node(w, v, "/tool/empty", 12,
		 v->changed ? PERMS(B(0), R(5)) : PERMS(B(0), R(5), W(7)),
		 "");
	xss_write_raw(w, OPTIONAL_TYPE, optional_body, sizeof(optional_body));

	/* A domain known for its settings only. */
	if (!v->changed) {
		xss_write_domain(w, &dom1);
		quota(w, 1, dom1_quota, 1);
	}

	/* A domain with its ring connection. */
	xss_write_domain(w, &dom5);
	quota(w, 5, dom5_quota, v->changed ? 1 : 2);
	watch(w, "/local/domain/5/data", "rel", XSS_WATCH_NO_DEPTH,
	      XSS_WATCH_RELATIVE);
	watch(w, "@releaseDomain", "rd", XSS_WATCH_NO_DEPTH, 0);
	watch(w, "/tool", "tok with space", v->changed ? XSS_WATCH_NO_DEPTH : 2,
	      0);
	xss_write_txn(w, &tx1);
	txn_node(w, v, 1, "/local/domain/5/data",
		 XSS_TNODE_EXISTS | XSS_TNODE_CHANGED | XSS_TNODE_CHILDREN,
		 7, 13, PERMS(N(5)), v->changed ? "newer" : "new value",
		 data_children, v->changed ? 4 : sizeof(data_children));
	txn_node(w, v, 1, "/local/domain/5/data/new",
		 XSS_TNODE_EXISTS | XSS_TNODE_CHANGED, 0, 14, PERMS(N(5)),
		 "created", NULL, 0);
	txn_node(w, v, 1, "/local/domain/5/old", XSS_TNODE_CHANGED, 9, 0,
		 NO_PERMS, "", NULL, 0);
	txn_node(w, v, 1, "/local/domain/5/missing", 0, 0, 0, NO_PERMS, "",
		 NULL, 0);
	txn_node(w, v, 1, "/local/domain/5/data/bin",
		 XSS_TNODE_EXISTS | XSS_TNODE_CHANGED | XSS_TNODE_RECREATED,
		 8, 15, PERMS(N(5)), "again", NULL, 0);
	xss_write_txn_event(w, &ev_new);
	xss_write_txn_event(w, &ev_old);
	if (!v->changed)
		xss_write_txn(w, &tx2);
	/* READ /local/domain/5/data, 8 of its 21 payload octets received */
	msg_add(&in5, be, MSG_READ, 9, 21, "/local/domain/5/data", 8);
	xss_write_input(w, in5.data, in5.len);
	msg_add(&out5, be, MSG_WATCH_EVENT, 0, 9, "data\0rel", 9);
	if (v->changed)
		msg_add(&out5, be, MSG_WATCH_EVENT, 0, 9, "data\0rel", 9);
	msg_add(&out5, be, MSG_READ, 8, 5, "hello", 2);
	xss_write_output(w, out5.data, out5.len);

	/* A privileged socket connection with a transaction. */
	xss_write_socket(w, &sock3);
	watch(w, "/local", v->changed ? "sock2" : "sock", 1, 0);
	xss_write_txn(w, &sock_tx1);
	txn_node(w, v, 1, "/tool", XSS_TNODE_EXISTS | XSS_TNODE_CHILDREN,
		 11, 11, PERMS(N(0)), "", tool_children,
		 sizeof(tool_children));
	msg_add(&in3, be, MSG_READ, 5, 6, "/tool", 0);
	in3.len = 8;		/* 8 of the 16 header octets */
	xss_write_input(w, in3.data, in3.len);
	msg_add(&out3, be, MSG_ERROR, 4, 7, "ENOENT", 7);
	msg_add(&out3, be, MSG_WATCH_EVENT, 0, 12, "/local\0sock", 12);
	xss_write_output(w, out3.data, out3.len);

	/* An unprivileged socket connection with nothing pending. */
	if (!v->changed)
		xss_write_socket(w, &sock4);
	return xss_write_end(w);
}

/* Domain 5 on its way to another host. */
static int
write_migration(struct xss_writer *w, const struct variant *v)
{
	static const struct xss_quota_entry dom5_quota[] = {
		{ XSS_QUOTA_NODES, 100, 90 },
	};
	struct xss_domain dom5 = {
		.domid = 5, .conn_id = 2,
		.flags = XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION,
		.features = 0x5, .gfn = 0xfeffc, .remote_port = 7,
		.local_port = 11, .target = 3, .next_txid = 2,
		.evtchn_fd = -1, .page_fd = -1,
	};
	struct xss_txn tx1 = { .tx_id = 1, .added = 0 };
	struct msgbuf out = { .len = 0 };

	str_node(w, v, "/local/domain/5", 6, PERMS(N(5)), "");
	str_node(w, v, "/local/domain/5/data", 7, PERMS(N(5)), "hello");
	node(w, v, "/local/domain/5/data/bin", 8, PERMS(N(5), R(0)),
	     bin_value, sizeof(bin_value));
	xss_write_domain(w, &dom5);
	quota(w, 5, dom5_quota, 1);
	watch(w, "/local/domain/5/data", "rel", 1, XSS_WATCH_RELATIVE);
	xss_write_txn(w, &tx1);
	txn_node(w, v, 1, "/local/domain/5/data", XSS_TNODE_EXISTS, 7, 7,
		 PERMS(N(5)), "hello", NULL, 0);
	msg_add(&out, v->big_endian, MSG_WATCH_EVENT, 0, 9, "data\0rel", 9);
	xss_write_output(w, out.data, out.len);
	return xss_write_end(w);
}

/* The least an image holds: header, GLOBAL_DATA, the root, END. */
static int
write_minimal(struct xss_writer *w, const struct variant *v)
{
	struct xss_global g = {
		.generation = 1, .next_conn_id = 1, .socket_fd = -1,
		.backend = XSS_BACKEND_NONE, .backend_fd = -1,
	};

	xss_write_global(w, &g);
	str_node(w, v, "/", 1, PERMS(N(0)), "");
	return xss_write_end(w);
}

/*
 * What a live update carries beyond a dump: a socket connection with two
 * whole requests held back and half of a third as input, the end of a
 * half-sent reply (PARTIAL_OUTPUT), a whole event after it, and the
 * LIVE_UPDATE record naming the request to answer.
 */
static int
write_live_update(struct xss_writer *w, const struct variant *v)
{
	static const char argv[] = "/usr/sbin/xenstored\0-N\0";
	struct xss_global g = {
		.generation = 3, .next_conn_id = 4, .socket_fd = fd(v, 3),
		.backend = XSS_BACKEND_SIM, .backend_fd = fd(v, 4),
	};
	struct xss_socket sock = {
		.conn_id = 3, .fd = fd(v, 7), .flags = XSS_SOCK_PRIVILEGED,
		.next_txid = 1,
	};
	struct xss_live_update lu = {
		.conn_id = 3, .req_id = 42, .tx_id = 0,
		.rollback_fd = fd(v, 9), .argc = 2, .argv = argv,
		.argv_len = sizeof(argv) - 1,
	};
	struct msgbuf in = { .len = 0 }, out = { .len = 0 };
	static const char reply[] = "world";

	xss_write_global(w, &g);
	str_node(w, v, "/", 1, PERMS(N(0)), "");
	str_node(w, v, "/a", 3, PERMS(N(0)), "hello");
	xss_write_socket(w, &sock);
	watch(w, "/a", "tok", XSS_WATCH_NO_DEPTH, 0);
	msg_add(&in, v->big_endian, 2 /* READ */, 7, 3, "/a", 3);
	msg_add(&in, v->big_endian, 1 /* DIRECTORY */, 8, 2, "/", 2);
	msg_add(&in, v->big_endian, 2 /* READ */, 9, 5, "/a/b", 2);
	xss_write_input(w, in.data, in.len);
	/* "world" of a READ reply whose header and "wo" went out. */
	xss_write_partial_output(w, reply + 2, 4);
	msg_add(&out, v->big_endian, 15 /* WATCH_EVENT */, 0, 7, "/a\0tok",
		7);
	xss_write_output(w, out.data, out.len);
	xss_write_live_update(w, &lu);
	return xss_write_end(w);
}

/* -- main ------------------------------------------------------------- */

static int
write_image(const char *path, uint32_t kind, uint32_t domid,
	    const struct variant *v,
	    int (*fn)(struct xss_writer *, const struct variant *))
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct xss_writer *w = NULL;
	struct xss_sink *sink = NULL;
	int fdo, ret = 1;

	fdo = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fdo < 0) {
		fprintf(stderr, "mkgolden: %s: %s\n", path, strerror(errno));
		talloc_free(ctx);
		return 1;
	}
	sink = ctx ? xss_sink_fd(ctx, fdo) : NULL;
	w = sink ? xss_writer_new(ctx, sink, kind, domid, v->producer,
				  v->big_endian) : NULL;
	if (!w)
		fprintf(stderr, "mkgolden: %s: cannot start the writer\n",
			path);
	else if (fn(w, v))
		fprintf(stderr, "mkgolden: %s: %s\n", path,
			xss_writer_error(w));
	else
		ret = 0;
	if (close(fdo) && !ret) {
		fprintf(stderr, "mkgolden: %s: %s\n", path, strerror(errno));
		ret = 1;
	}
	talloc_free(ctx);
	return ret;
}

static int
write_all(const char *dir)
{
	static const struct variant le = { .producer = PRODUCER };
	static const struct variant be = {
		.producer = PRODUCER, .big_endian = true,
	};
	char path[4096];
	int ret = 0;

	snprintf(path, sizeof(path), "%s/dump-le.xss", dir);
	ret |= write_image(path, XSS_KIND_DUMP, XSS_NO_DOMID, &le, write_dump);
	snprintf(path, sizeof(path), "%s/dump-be.xss", dir);
	ret |= write_image(path, XSS_KIND_DUMP, XSS_NO_DOMID, &be, write_dump);
	snprintf(path, sizeof(path), "%s/migration.xss", dir);
	ret |= write_image(path, XSS_KIND_MIGRATION, 5, &le, write_migration);
	snprintf(path, sizeof(path), "%s/minimal.xss", dir);
	ret |= write_image(path, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, &le,
			   write_minimal);
	snprintf(path, sizeof(path), "%s/live-update.xss", dir);
	ret |= write_image(path, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID, &le,
			   write_live_update);
	return ret;
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: mkgolden DIR\n"
		   "       mkgolden --variant NAME FILE\n"
		   "Variants of dump-le.xss:");
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		fprintf(f, " %s", variants[i].name);
	fputc('\n', f);
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc == 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))
		return write_all(argv[1]);
	if (argc == 4 && !strcmp(argv[1], "--variant")) {
		for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
			if (!strcmp(argv[2], variants[i].name))
				return write_image(argv[3], XSS_KIND_DUMP,
						   XSS_NO_DOMID, &variants[i],
						   write_dump);
		fprintf(stderr, "mkgolden: unknown variant '%s'\n", argv[2]);
	}
	usage(argc == 2 ? stdout : stderr);
	return argc == 2 ? 0 : 2;
}
