// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xsu_c_read.c - xsu_read_c, the reader of C xenstored 4.17's live
 * update state file: the real file of tests/golden/xenstored-lu.state
 * read into the exact model, hostile variants of it each refused with
 * its message, every truncation refused and every octet flipped read
 * without a crash, and the model written back by xsu_write_c as the
 * same octets.
 *
 * The fixture is little-endian (its flags say so); the variants are
 * made by patching it as such, whatever the host's byte order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "xs_state_upstream.h"

#include "root_fix.h"

/* From the top of the tree, where `make unit` runs the tests. */
#define FIXTURE "tests/golden/xenstored-lu.state"
#define FIXTURE_LEN 1488

/*
 * The fixture's records: index as the reader counts them (GLOBAL is 1),
 * and offset of the header.
 */
enum {
	R_GLOBAL = 1,
	R_CONN_DOM0 = 2,	/* id 1 */
	R_WATCH_DOM0 = 3,
	R_CONN_DOM5 = 4,	/* id 2 */
	R_WATCH_REL5 = 5,
	R_WATCH_ABS5 = 6,
	R_CONN_DOM7 = 7,	/* id 3, target 5 */
	R_CONN_FD8 = 8,		/* id 4 */
	R_CONN_FD9 = 9,		/* id 5 */
	R_CONN_FD10 = 12,	/* id 6, an event queued */
	R_CONN_FD11 = 14,	/* id 7, 20 octets of input */
	R_CONN_FD12 = 15,	/* id 8, "OK" queued */
	R_RELEASE = 16,
	R_INTRODUCE = 17,
	R_ROOT = 18,
	R_TOOL = 19,
	R_TOOL_XENSTORED = 20,
	R_GONE = 21,		/* a stale permission */
	R_ACL = 22,		/* a stale permission */
	R_END = 35,
};

static const size_t rec_offs[] = {
	0, 16, 32, 64, 104, 136, 168, 208, 240, 272, 304, 336, 376, 440, 472,
	528, 584, 632, 688, 720, 760, 808, 856, 912, 960, 1000, 1048, 1088,
	1136, 1184, 1240, 1288, 1344, 1376, 1416, 1480,
};

/* A copy of the fixture being changed. */
struct var {
	uint8_t *p;
	size_t len;
};

static struct var *
load_fixture(TALLOC_CTX *ctx)
{
	struct var *v = talloc(ctx, struct var);
	FILE *f = fopen(FIXTURE, "rb");

	assert_non_null(f);
	assert_non_null(v);
	v->p = talloc_size(v, 65536);
	assert_non_null(v->p);
	v->len = fread(v->p, 1, 65536, f);
	fclose(f);
	assert_int_equal(v->len, FIXTURE_LEN);
	return v;
}

static struct var *
copy(TALLOC_CTX *ctx, const struct var *fix)
{
	struct var *v = talloc(ctx, struct var);

	assert_non_null(v);
	v->p = talloc_memdup(v, fix->p, fix->len);
	assert_non_null(v->p);
	v->len = fix->len;
	return v;
}

static size_t
rec(unsigned int i)
{
	assert_true(i < sizeof(rec_offs) / sizeof(rec_offs[0]));
	return rec_offs[i];
}

/* Octet off of record i's body. */
static size_t
body(unsigned int i, size_t off)
{
	return rec(i) + 8 + off;
}

static void
put8(struct var *v, size_t off, uint8_t x)
{
	assert_true(off < v->len);
	v->p[off] = x;
}

static void
put16(struct var *v, size_t off, uint16_t x)
{
	put8(v, off, (uint8_t)x);
	put8(v, off + 1, (uint8_t)(x >> 8));
}

static void
put32(struct var *v, size_t off, uint32_t x)
{
	put16(v, off, (uint16_t)x);
	put16(v, off + 2, (uint16_t)(x >> 16));
}

static uint32_t
get32(const struct var *v, size_t off)
{
	return (uint32_t)v->p[off] | (uint32_t)v->p[off + 1] << 8 |
	       (uint32_t)v->p[off + 2] << 16 | (uint32_t)v->p[off + 3] << 24;
}

/* del octets at off replaced by n octets of ins (NULL: zeros). */
static void
splice(struct var *v, size_t off, size_t del, const void *ins, size_t n)
{
	uint8_t *p = talloc_size(v, v->len - del + n);

	assert_non_null(p);
	assert_true(off + del <= v->len);
	memcpy(p, v->p, off);
	if (ins)
		memcpy(p + off, ins, n);
	else
		memset(p + off, 0, n);
	memcpy(p + off + n, v->p + off + del, v->len - off - del);
	talloc_free(v->p);
	v->p = p;
	v->len = v->len - del + n;
}

/* Record i of the fixture (header and body). */
static void
rec_of(const struct var *fix, unsigned int i, const uint8_t **p, size_t *n)
{
	*p = fix->p + rec(i);
	*n = 8 + get32(fix, rec(i) + 4);
}

/* Record i of fix inserted before record `at` of v. */
static void
insert_rec(struct var *v, size_t at, const struct var *fix, unsigned int i)
{
	const uint8_t *p;
	size_t n;

	rec_of(fix, i, &p, &n);
	splice(v, at, 0, p, n);
}

static void
delete_rec(struct var *v, unsigned int i)
{
	splice(v, rec(i), 8 + get32(v, rec(i) + 4), NULL, 0);
}

/* --- building records (little-endian) ------------------------------- */

struct bld {
	uint8_t *p;
	size_t len;
};

static void
b_bytes(struct bld *b, const void *p, size_t n)
{
	b->p = talloc_realloc_size(NULL, b->p, b->len + n);
	assert_non_null(b->p);
	if (p)
		memcpy(b->p + b->len, p, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static void
b_u16(struct bld *b, uint16_t x)
{
	uint8_t o[2] = { (uint8_t)x, (uint8_t)(x >> 8) };

	b_bytes(b, o, 2);
}

static void
b_u32(struct bld *b, uint32_t x)
{
	b_u16(b, (uint16_t)x);
	b_u16(b, (uint16_t)(x >> 16));
}

/* A record header for a body of n octets then the body's padding. */
static void
b_rec(struct bld *b, uint32_t type, size_t n)
{
	b_u32(b, type);
	b_u32(b, (uint32_t)((n + 7) & ~(size_t)7));
}

static void
b_pad(struct bld *b)
{
	while (b->len % 8)
		b_bytes(b, NULL, 1);
}

/* b inserted into v at off, and freed. */
static void
b_insert(struct var *v, size_t off, struct bld *b)
{
	splice(v, off, 0, b->p, b->len);
	talloc_free(b->p);
	b->p = NULL;
	b->len = 0;
}

/* A NODE of path with nperm permissions "n0 r1 r2..." and dlen zeros. */
static void
b_node(struct bld *b, const char *path, unsigned int nperm, size_t dlen)
{
	size_t plen = strlen(path) + 1;
	unsigned int i;

	b_rec(b, XSU_C_NODE, 16 + 4 * nperm + plen + dlen);
	b_u32(b, 0);
	b_u32(b, 0);
	b_u16(b, (uint16_t)plen);
	b_u16(b, (uint16_t)dlen);
	b_u16(b, 0);
	b_u16(b, (uint16_t)nperm);
	for (i = 0; i < nperm; i++) {
		b_bytes(b, i ? "r" : "n", 1);
		b_bytes(b, NULL, 1);
		b_u16(b, (uint16_t)i);
	}
	b_bytes(b, path, plen);
	b_bytes(b, NULL, dlen);
	b_pad(b);
}

static void
b_watch(struct bld *b, uint32_t conn, const char *path, const char *token)
{
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;

	b_rec(b, XSU_C_WATCH, 8 + plen + tlen);
	b_u32(b, conn);
	b_u16(b, (uint16_t)plen);
	b_u16(b, (uint16_t)tlen);
	b_bytes(b, path, plen);
	b_bytes(b, token, tlen);
	b_pad(b);
}

/* A socket CONN of fd with in_len octets of input and out as output. */
static void
b_sock(struct bld *b, uint32_t id, int32_t fd, const void *in,
       uint16_t in_len, uint16_t resp_len, const void *out, uint32_t out_len)
{
	b_rec(b, XSU_C_CONN, 24 + (size_t)in_len + out_len);
	b_u32(b, id);
	b_u16(b, XSU_C_CONN_SOCKET);
	b_u16(b, 0);
	b_u32(b, (uint32_t)fd);
	b_u32(b, 0);
	b_u16(b, in_len);
	b_u16(b, resp_len);
	b_u32(b, out_len);
	b_bytes(b, in, in_len);
	b_bytes(b, out, out_len);
	b_pad(b);
}

/* --- the model ------------------------------------------------------ */

static void
assert_perms(const struct xss_perms *p, unsigned int num, ...)
{
	va_list ap;
	unsigned int i;

	assert_int_equal(p->num, num);
	va_start(ap, num);
	for (i = 0; i < num; i++) {
		assert_int_equal(p->p[i].domid, va_arg(ap, unsigned int));
		assert_int_equal(p->p[i].access, va_arg(ap, unsigned int));
	}
	va_end(ap);
}

static void
assert_watch(const struct xsu_conn *c, unsigned int i, const char *path,
	     const char *token, bool relative)
{
	assert_true(i < c->nwatches);
	assert_string_equal(c->watches[i].path, path);
	assert_string_equal(c->watches[i].token, token);
	assert_int_equal(c->watches[i].relative, relative);
}

static void
assert_common(const struct xsu_conn *c, uint32_t id, unsigned int nwatches)
{
	assert_int_equal(c->id, id);
	assert_int_equal(c->image_conn_id, 0);
	assert_int_equal(c->mfn, 0);
	assert_int_equal(c->remote_port, 0);
	assert_int_equal(c->nwatches, nwatches);
	assert_int_equal(c->partial_len, 0);
	assert_null(c->partial);
}

static void
assert_ring(const struct xsu_conn *c, uint32_t id, uint32_t domid,
	    uint32_t target, uint32_t local, unsigned int nwatches)
{
	assert_common(c, id, nwatches);
	assert_true(c->ring);
	assert_int_equal(c->domid, domid);
	assert_int_equal(c->target, target);
	assert_int_equal(c->local_port, local);
	assert_int_equal(c->fd, XSS_NO_FD);
	assert_int_equal(c->in_len, 0);
	assert_null(c->in);
	assert_int_equal(c->out_len, 0);
	assert_null(c->out);
}

static void
assert_socket(const struct xsu_conn *c, uint32_t id, int32_t fd,
	      unsigned int nwatches, uint32_t in_len, uint32_t out_len)
{
	assert_common(c, id, nwatches);
	assert_false(c->ring);
	assert_int_equal(c->fd, fd);
	assert_int_equal(c->domid, 0);
	assert_int_equal(c->target, XSS_NO_TARGET);
	assert_int_equal(c->local_port, 0);
	assert_int_equal(c->in_len, in_len);
	assert_int_equal(c->in == NULL, in_len == 0);
	assert_int_equal(c->out_len, out_len);
	assert_int_equal(c->out == NULL, out_len == 0);
}

static void
test_fixture(void **state)
{
	static const char *const paths[] = {
		"/", "/tool", "/tool/xenstored", "/tool/gone", "/tool/acl",
		"/tool/bin", "/tool/empty", "/tool/flood", "/local",
		"/local/domain", "/local/domain/5", "/local/domain/5/name",
		"/local/domain/7", "/local/domain/7/name", "/vm", "/vm/1",
		"/vm/1/name",
	};
	/* the first event of the watch (path, token) never read */
	static const uint8_t event[] = {
		15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 14, 0, 0, 0,
		'/', 't', 'o', 'o', 'l', '/', 'f', 'l', 'o', 'o', 'd', 0,
		'f', 0,
	};
	/* a WRITE (11) of req_id 77, payload length 14: 4 octets of it */
	static const uint8_t half[] = {
		11, 0, 0, 0, 77, 0, 0, 0, 0, 0, 0, 0, 14, 0, 0, 0,
		'/', 't', 'o', 'o',
	};
	/* the live update's answer to xenstore-control */
	static const uint8_t ok[] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 'O', 'K', 0,
	};
	struct root_fix *rf = *state;
	struct var *fix = load_fixture(rf->root);
	struct xsu_state *st;
	const struct xsu_conn *c;
	const struct xsu_node *n;
	char *err;
	unsigned int i;

	assert_int_equal(xsu_read_c(rf->root, fix->p, fix->len, &st, &err),
			 0);
	assert_null(err);
	assert_int_equal(st->socket_fd, 3);
	assert_int_equal(st->evtchn_fd, 6);
	assert_int_equal(st->virq_port, 0);
	assert_string_equal(st->dropped,
			    "node /tool/gone: 1 stale permission left out\n"
			    "node /tool/acl: 1 stale permission left out\n");
	assert_perms(&st->release_perms, 2, 0, 0, 5, XSS_PERM_READ);
	assert_perms(&st->introduce_perms, 2, 0, 0, 7, XSS_PERM_READ);

	assert_int_equal(st->nconns, 8);
	c = st->conns;
	assert_ring(&c[0], 1, 0, XSS_NO_TARGET, 3, 1);
	assert_watch(&c[0], 0, "/tool/dom0", "d0tok", false);
	assert_ring(&c[1], 2, 5, XSS_NO_TARGET, 4, 2);
	assert_watch(&c[1], 0, "device", "g5", true);
	assert_watch(&c[1], 1, "/local/domain/5/abs", "a5", false);
	assert_ring(&c[2], 3, 7, 5, 5, 0);
	assert_socket(&c[3], 4, 8, 0, 0, 0);
	assert_socket(&c[4], 5, 9, 2, 0, 0);
	assert_watch(&c[4], 0, "/tool/sock", "stok", false);
	assert_watch(&c[4], 1, "@introduceDomain", "intro", false);
	assert_socket(&c[5], 6, 10, 1, 0, sizeof(event));
	assert_memory_equal(c[5].out, event, sizeof(event));
	assert_watch(&c[5], 0, "/tool/flood", "f", false);
	assert_socket(&c[6], 7, 11, 0, sizeof(half), 0);
	assert_memory_equal(c[6].in, half, sizeof(half));
	assert_socket(&c[7], 8, 12, 0, 0, sizeof(ok));
	assert_memory_equal(c[7].out, ok, sizeof(ok));

	assert_int_equal(st->nnodes, sizeof(paths) / sizeof(paths[0]));
	n = st->nodes;
	for (i = 0; i < st->nnodes; i++) {
		assert_string_equal(n[i].path, paths[i]);
		assert_int_equal(n[i].value == NULL, n[i].len == 0);
	}
	assert_perms(&n[0].perms, 1, 0, 0);
	assert_int_equal(n[0].len, 0);
	assert_perms(&n[1].perms, 1, 0, 0);
	assert_int_equal(n[1].len, 0);
	assert_perms(&n[2].perms, 1, 0, 0);
	assert_int_equal(n[2].len, 0);
	/* n0 r9 b5, r9 stale */
	assert_perms(&n[3].perms, 2, 0, 0, 5, XSS_PERM_READ | XSS_PERM_WRITE);
	assert_int_equal(n[3].len, 1);
	assert_memory_equal(n[3].value, "g", 1);
	/* w5 r0 b7 n9, n9 stale */
	assert_perms(&n[4].perms, 3, 5, XSS_PERM_WRITE, 0, XSS_PERM_READ,
		     7, XSS_PERM_READ | XSS_PERM_WRITE);
	assert_int_equal(n[4].len, 3);
	assert_memory_equal(n[4].value, "acl", 3);
	assert_perms(&n[5].perms, 1, 0, 0);
	assert_int_equal(n[5].len, 9);
	assert_memory_equal(n[5].value, "\0\1\xfe\xff\nbin\0", 9);
	assert_perms(&n[6].perms, 1, 0, 0);
	assert_int_equal(n[6].len, 0);
	assert_perms(&n[7].perms, 1, 0, 0);
	assert_int_equal(n[7].len, 4);
	assert_memory_equal(n[7].value, "2999", 4);
	for (i = 8; i <= 9; i++) {
		assert_perms(&n[i].perms, 1, 0, 0);
		assert_int_equal(n[i].len, 0);
	}
	assert_perms(&n[10].perms, 1, 5, 0);
	assert_int_equal(n[10].len, 0);
	assert_perms(&n[11].perms, 1, 5, 0);
	assert_int_equal(n[11].len, 6);
	assert_memory_equal(n[11].value, "guest5", 6);
	assert_perms(&n[12].perms, 1, 7, 0);
	assert_int_equal(n[12].len, 0);
	assert_perms(&n[13].perms, 1, 7, 0);
	assert_int_equal(n[13].len, 6);
	assert_memory_equal(n[13].value, "guest7", 6);
	for (i = 14; i <= 15; i++) {
		assert_perms(&n[i].perms, 1, 0, 0);
		assert_int_equal(n[i].len, 0);
	}
	assert_perms(&n[16].perms, 1, 0, 0);
	assert_int_equal(n[16].len, 18);
	assert_memory_equal(n[16].value, "guest\nwith newline", 18);
	talloc_free(st);
}

/* --- refusals ------------------------------------------------------- */

static void
refused(TALLOC_CTX *ctx, const struct var *v, const char *want)
{
	struct xsu_state *st = (struct xsu_state *)&st;
	char *err = NULL;
	int ret = xsu_read_c(ctx, v->p, v->len, &st, &err);

	if (ret != EBADMSG || !err || strcmp(err, want))
		fail_msg("want \"%s\", got %d \"%s\"", want, ret,
			 err ? err : "(none)");
	assert_null(st);
	talloc_free(err);
}

static void
accepted(TALLOC_CTX *ctx, const struct var *v, struct xsu_state **st)
{
	char *err = NULL;
	int ret = xsu_read_c(ctx, v->p, v->len, st, &err);

	if (ret)
		fail_msg("refused (%d): %s", ret, err ? err : "(none)");
	assert_null(err);
}

static void
test_preamble(void **state)
{
	struct root_fix *rf = *state;
	struct var *fix = load_fixture(rf->root), *v;

	v = copy(rf->root, fix);
	v->len = 15;
	refused(rf->root, v, "15 octets: too short for the preamble (16)");
	v->len = 0;
	refused(rf->root, v, "0 octets: too short for the preamble (16)");

	v = copy(rf->root, fix);
	put8(v, 7, 'E');
	refused(rf->root, v, "ident \"xenstorE\", not \"xenstore\"");
	put8(v, 7, 0);
	refused(rf->root, v, "ident \"xenstor\\x00\", not \"xenstore\"");

	v = copy(rf->root, fix);
	put8(v, 11, 2);
	refused(rf->root, v, "version 2 (only 1 is known)");
	put8(v, 11, 0);
	refused(rf->root, v, "version 0 (only 1 is known)");
	put8(v, 11, 1);
	put8(v, 8, 1);
	refused(rf->root, v, "version 16777217 (only 1 is known)");

	v = copy(rf->root, fix);
	put8(v, 15, 2);
	refused(rf->root, v, "flags octets 00 00 00 02 (0: little endian, "
		"1: big)");
	put8(v, 15, 0);
	put8(v, 12, 1);
	refused(rf->root, v, "flags octets 01 00 00 00 (0: little endian, "
		"1: big)");
	/* Big endian: the first record's length is 0x08000000. */
	put8(v, 12, 0);
	put8(v, 15, 1);
	refused(rf->root, v, "record 1 at offset 16: length 134217728 runs "
		"past the end of the file (1464 octets left)");
}

static void
test_framing(void **state)
{
	struct root_fix *rf = *state;
	struct var *fix = load_fixture(rf->root), *v;
	struct bld b = { 0 };
	unsigned int i;

	/* Each record's length: not a multiple of 8, past the end. */
	for (i = R_GLOBAL; i <= R_END; i++) {
		uint32_t len = get32(fix, rec(i) + 4);
		size_t left = fix->len - rec(i) - 8;

		v = copy(rf->root, fix);
		put32(v, rec(i) + 4, len + 4);
		refused(rf->root, v, talloc_asprintf(rf->root, "record %u at "
			"offset %zu: length %u is not a multiple of 8", i,
			rec(i), len + 4));
		put32(v, rec(i) + 4, len | 1);
		refused(rf->root, v, talloc_asprintf(rf->root, "record %u at "
			"offset %zu: length %u is not a multiple of 8", i,
			rec(i), len | 1));
		put32(v, rec(i) + 4, (uint32_t)left + 8);
		refused(rf->root, v, talloc_asprintf(rf->root, "record %u at "
			"offset %zu: length %zu runs past the end of the file "
			"(%zu octets left)", i, rec(i), left + 8, left));
		put32(v, rec(i) + 4, 0xfffffff8u);
		refused(rf->root, v, talloc_asprintf(rf->root, "record %u at "
			"offset %zu: length 4294967288 runs past the end of "
			"the file (%zu octets left)", i, rec(i), left));
		talloc_free(v);
	}

	/* Too short for the fixed part. */
	v = copy(rf->root, fix);
	put32(v, rec(R_GLOBAL) + 4, 0);
	refused(rf->root, v, "record 1 at offset 16: length 0, but the fields "
		"take 8 octets (8 with padding)");
	v = copy(rf->root, fix);
	put32(v, rec(R_CONN_DOM0) + 4, 16);
	refused(rf->root, v, "record 2 at offset 32: CONN record of 16 octets "
		"(at least 24)");
	v = copy(rf->root, fix);
	put32(v, rec(R_WATCH_DOM0) + 4, 0);
	refused(rf->root, v, "record 3 at offset 64: WATCH record of 0 octets "
		"(at least 8)");
	v = copy(rf->root, fix);
	put32(v, rec(R_ROOT) + 4, 8);
	refused(rf->root, v, "record 18 at offset 688: NODE record of 8 "
		"octets (at least 16)");

	/* Longer than the fields. */
	v = copy(rf->root, fix);
	put32(v, rec(R_GLOBAL) + 4, 16);
	refused(rf->root, v, "record 1 at offset 16: length 16, but the "
		"fields take 8 octets (8 with padding)");
	v = copy(rf->root, fix);
	put32(v, rec(R_CONN_DOM0) + 4, 32);
	refused(rf->root, v, "record 2 at offset 32: length 32, but the "
		"fields take 24 octets (24 with padding)");
	v = copy(rf->root, fix);
	put32(v, rec(R_WATCH_DOM0) + 4, 40);
	refused(rf->root, v, "record 3 at offset 64: length 40, but the "
		"fields take 25 octets (32 with padding)");
	v = copy(rf->root, fix);
	put32(v, rec(R_ROOT) + 4, 32);
	refused(rf->root, v, "record 18 at offset 688: length 32, but the "
		"fields take 22 octets (24 with padding)");
	v = copy(rf->root, fix);
	put32(v, rec(R_END) + 4, 8);
	splice(v, v->len, 0, NULL, 8);
	refused(rf->root, v, "record 35 at offset 1480: END has length 8");

	/* Fields past the length. */
	v = copy(rf->root, fix);
	put16(v, body(R_CONN_FD11, 16), 40);	/* in_len 20 */
	refused(rf->root, v, "record 14 at offset 472: length 48, but the "
		"fields take 64 octets (64 with padding)");
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_FD12, 20), 0xffffffffu);	/* out_len 19 */
	refused(rf->root, v, "record 15 at offset 528: length 48, but the "
		"fields take 4294967319 octets (24 with padding)");
	v = copy(rf->root, fix);
	put16(v, body(R_WATCH_DOM0, 6), 13);	/* token_length 6 */
	refused(rf->root, v, "record 3 at offset 64: watch token "
		"\"d0tok\\x00\\x00\\x00\\x00\\x00\\x00\\x00\" has a NUL "
		"inside");
	v = copy(rf->root, fix);
	put16(v, body(R_WATCH_DOM0, 6), 14);
	refused(rf->root, v, "record 3 at offset 64: length 32, but the "
		"fields take 33 octets (40 with padding)");
	v = copy(rf->root, fix);
	put16(v, body(R_GONE, 14), 100);	/* perm_n 3 */
	refused(rf->root, v, "record 21 at offset 808: length 40, but the "
		"fields take 428 octets (432 with padding)");
	v = copy(rf->root, fix);
	put16(v, body(R_GONE, 10), 2);		/* data_len 1 */
	refused(rf->root, v, "record 21 at offset 808: length 40, but the "
		"fields take 41 octets (48 with padding)");

	/* Nonzero padding: "/" takes 22 of its 24 octets. */
	v = copy(rf->root, fix);
	put8(v, body(R_ROOT, 23), 1);
	refused(rf->root, v, "record 18 at offset 688: padding octet 23 is "
		"not zero");
	v = copy(rf->root, fix);
	put8(v, body(R_WATCH_DOM0, 25), 0x80);
	refused(rf->root, v, "record 3 at offset 64: padding octet 25 is not "
		"zero");

	/* Unknown types. */
	v = copy(rf->root, fix);
	put32(v, rec(R_GLOBAL), 6);
	refused(rf->root, v, "record 1 at offset 16: unknown record type 6");
	put32(v, rec(R_GLOBAL), 0xffffffffu);
	refused(rf->root, v, "record 1 at offset 16: unknown record type "
		"4294967295");

	/* END: missing, not last, followed by data. */
	v = copy(rf->root, fix);
	v->len -= 8;
	refused(rf->root, v, "record 35 at offset 1480: the file ends without "
		"an END record (0 octets left)");
	v->len += 4;
	refused(rf->root, v, "record 35 at offset 1480: the file ends without "
		"an END record (4 octets left)");
	v = copy(rf->root, fix);
	splice(v, v->len, 0, NULL, 8);
	refused(rf->root, v, "record 35 at offset 1480: 8 octets after END");
	v = copy(rf->root, fix);
	splice(v, v->len, 0, "x", 1);
	refused(rf->root, v, "record 35 at offset 1480: 1 octets after END");
	v = copy(rf->root, fix);
	splice(v, rec(R_ROOT), 0, NULL, 8);	/* END before the tree */
	refused(rf->root, v, "record 18 at offset 688: 800 octets after END");

	/* TA records: upstream writes none, its reader skips them. */
	v = copy(rf->root, fix);
	b_rec(&b, XSU_C_TA, 8);
	b_u32(&b, 9);
	b_u32(&b, 1);
	b_insert(v, rec(R_RELEASE), &b);
	refused(rf->root, v, "record 16 at offset 584: transaction of "
		"connection 9, which no CONN record before it has");
	v = copy(rf->root, fix);
	b_rec(&b, XSU_C_TA, 8);
	b_u32(&b, 2);
	b_u32(&b, 3);
	b_insert(v, rec(R_RELEASE), &b);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_string_equal(st->dropped, "transaction 3 of connection "
				    "2 (upstream restores none)\n"
				    "node /tool/gone: 1 stale permission left "
				    "out\n"
				    "node /tool/acl: 1 stale permission left "
				    "out\n");
		talloc_free(st);
	}
	put32(v, rec(R_RELEASE) + 4, 16);
	splice(v, rec(R_RELEASE) + 16, 0, NULL, 8);
	refused(rf->root, v, "record 16 at offset 584: length 16, but the "
		"fields take 8 octets (8 with padding)");
}

static void
test_global(void **state)
{
	struct root_fix *rf = *state;
	struct var *fix = load_fixture(rf->root), *v;
	const uint8_t *p;
	size_t n;

	/* Twice, and after a CONN (one before it is needed). */
	v = copy(rf->root, fix);
	insert_rec(v, rec(R_CONN_DOM0), fix, R_GLOBAL);
	refused(rf->root, v, "record 2 at offset 32: a second GLOBAL record");
	v = copy(rf->root, fix);
	insert_rec(v, rec(R_RELEASE), fix, R_GLOBAL);
	refused(rf->root, v, "record 16 at offset 584: a second GLOBAL "
		"record");
	v = copy(rf->root, fix);
	insert_rec(v, rec(R_END), fix, R_GLOBAL);
	refused(rf->root, v, "record 35 at offset 1480: a second GLOBAL "
		"record");

	/* Missing: the first CONN, or the first node, or END says so. */
	v = copy(rf->root, fix);
	delete_rec(v, R_GLOBAL);
	refused(rf->root, v, "record 1 at offset 16: CONN before GLOBAL");
	v = copy(rf->root, fix);
	splice(v, rec(R_GLOBAL), rec(R_RELEASE) - rec(R_GLOBAL), NULL, 0);
	refused(rf->root, v, "record 1 at offset 16: NODE before GLOBAL");
	v = copy(rf->root, fix);
	splice(v, rec(R_GLOBAL), rec(R_END) - rec(R_GLOBAL), NULL, 0);
	refused(rf->root, v, "record 1 at offset 16: no GLOBAL record");
	/* GLOBAL alone: no nodes; the connections alone: no nodes either */
	v = copy(rf->root, fix);
	splice(v, rec(R_CONN_DOM0), rec(R_END) - rec(R_CONN_DOM0), NULL, 0);
	refused(rf->root, v, "record 2 at offset 32: no nodes (not even "
		"\"/\")");
	v = copy(rf->root, fix);
	splice(v, rec(R_RELEASE), rec(R_END) - rec(R_RELEASE), NULL, 0);
	refused(rf->root, v, "record 16 at offset 584: no nodes (not even "
		"\"/\")");
	/* the special nodes without the tree */
	v = copy(rf->root, fix);
	splice(v, rec(R_ROOT), rec(R_END) - rec(R_ROOT), NULL, 0);
	refused(rf->root, v, "record 18 at offset 688: no nodes (not even "
		"\"/\")");

	/* The descriptors. */
	v = copy(rf->root, fix);
	put32(v, body(R_GLOBAL, 0), (uint32_t)-2);
	refused(rf->root, v, "record 1 at offset 16: socket fd -2");
	v = copy(rf->root, fix);
	put32(v, body(R_GLOBAL, 4), (uint32_t)-1);
	refused(rf->root, v, "record 1 at offset 16: event channel fd -1");
	put32(v, body(R_GLOBAL, 4), 0x80000000u);
	refused(rf->root, v, "record 1 at offset 16: event channel fd "
		"-2147483648");
	v = copy(rf->root, fix);
	put32(v, body(R_GLOBAL, 4), 3);
	refused(rf->root, v, "record 1 at offset 16: socket and event channel "
		"share fd 3");

	/* No listening socket (-1) is fine. */
	v = copy(rf->root, fix);
	put32(v, body(R_GLOBAL, 0), (uint32_t)-1);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(st->socket_fd, -1);
		talloc_free(st);
	}
	/* ... and then fd 3 may be a connection's. */
	put32(v, body(R_CONN_FD8, 8), 3);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(st->conns[3].fd, 3);
		talloc_free(st);
	}
	rec_of(fix, R_GLOBAL, &p, &n);
	assert_int_equal(n, 16);
}

static void
test_conn(void **state)
{
	struct root_fix *rf = *state;
	struct var *fix = load_fixture(rf->root), *v;
	struct bld b = { 0 };

	/* ids */
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_DOM0, 0), 0);
	refused(rf->root, v, "record 2 at offset 32: connection id 0");
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_DOM5, 0), 1);
	refused(rf->root, v, "record 4 at offset 104: connection id 1 twice");
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_FD12, 0), 4);
	refused(rf->root, v, "record 15 at offset 528: connection id 4 "
		"twice");
	v = copy(rf->root, fix);
	put16(v, body(R_CONN_DOM0, 6), 1);
	refused(rf->root, v, "record 2 at offset 32: connection 1: pad is 1, "
		"not 0");
	v = copy(rf->root, fix);
	put16(v, body(R_CONN_FD8, 4), 2);
	refused(rf->root, v, "record 8 at offset 240: connection 4: type 2 "
		"(0 ring, 1 socket)");

	/* CONN after the nodes. */
	v = copy(rf->root, fix);
	insert_rec(v, rec(R_END), fix, R_CONN_FD8);
	delete_rec(v, R_CONN_FD8);
	refused(rf->root, v, "record 34 at offset 1448: CONN after the "
		"nodes");

	/* rings */
	v = copy(rf->root, fix);
	put16(v, body(R_CONN_DOM5, 8), 0x7ff0);
	refused(rf->root, v, "record 4 at offset 104: connection 2: domid "
		"32752");
	put16(v, body(R_CONN_DOM5, 8), 0x7fef);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(st->conns[1].domid, 0x7fef);
		/* its relative watch is below its home */
		assert_string_equal(st->conns[1].watches[0].path, "device");
		talloc_free(st);
	}
	put16(v, body(R_CONN_DOM5, 8), 0xffff);
	refused(rf->root, v, "record 4 at offset 104: connection 2: domid "
		"65535");
	v = copy(rf->root, fix);
	put16(v, body(R_CONN_DOM0, 10), 0x7ff0);
	refused(rf->root, v, "record 2 at offset 32: connection 1: target "
		"domid 32752");
	put16(v, body(R_CONN_DOM0, 10), 0x7ff5);
	refused(rf->root, v, "record 2 at offset 32: connection 1: target "
		"domid 32757");
	v = copy(rf->root, fix);
	put16(v, body(R_CONN_DOM7, 10), 7);
	refused(rf->root, v, "record 7 at offset 208: connection 3: domain 7 "
		"is its own target");
	put16(v, body(R_CONN_DOM7, 10), 9);	/* a domain without a ring */
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(st->conns[2].target, 9);
		talloc_free(st);
	}
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_DOM0, 12), 0);
	refused(rf->root, v, "record 2 at offset 32: connection 1: domain 0 "
		"has no event channel (port 0)");
	v = copy(rf->root, fix);
	put16(v, body(R_CONN_DOM5, 8), 0);
	refused(rf->root, v, "record 4 at offset 104: connection 2: a second "
		"ring of domain 0");
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_DOM7, 12), 3);
	refused(rf->root, v, "record 7 at offset 208: connection 3: local "
		"port 3 is connection 1's already");

	/* sockets */
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_FD8, 8), (uint32_t)-1);
	refused(rf->root, v, "record 8 at offset 240: connection 4: socket fd "
		"-1");
	put32(v, body(R_CONN_FD8, 8), 3);
	refused(rf->root, v, "record 8 at offset 240: connection 4: fd 3 is "
		"the daemon's own");
	put32(v, body(R_CONN_FD8, 8), 6);
	refused(rf->root, v, "record 8 at offset 240: connection 4: fd 6 is "
		"the daemon's own");
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_FD9, 8), 8);
	refused(rf->root, v, "record 9 at offset 272: connection 5: fd 8 "
		"twice");
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_FD12, 8), 8);
	refused(rf->root, v, "record 15 at offset 528: connection 8: fd 8 "
		"twice");
	v = copy(rf->root, fix);
	put8(v, body(R_CONN_FD8, 15), 1);
	refused(rf->root, v, "record 8 at offset 240: connection 4: unused "
		"octets of a socket's spec are not 0");

	/*
	 * Queued input: whole requests, then perhaps the start of one; the
	 * fixture's is 20 octets of a WRITE of 14.
	 */
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_FD11, 24 + 12), 4097);
	refused(rf->root, v, "record 14 at offset 472: queued request at "
		"input octet 0 has length 4097 (more than 4096)");
	put32(v, body(R_CONN_FD11, 24 + 12), 4096);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(st->conns[6].in_len, 20);
		talloc_free(st);
	}
	/* a whole empty request, then a header begun */
	put32(v, body(R_CONN_FD11, 24 + 12), 0);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		talloc_free(st);
	}
	v = copy(rf->root, fix);
	{
		/* two requests, the second's length too big */
		static const uint8_t in[36] = {
			[12] = 4, [16] = 'a', [17] = 'b', [18] = 'c',
			[20 + 12] = 0x01, [20 + 13] = 0x10,
		};

		b_sock(&b, 9, 20, in, 36, 0, NULL, 0);
		b_insert(v, rec(R_RELEASE), &b);
		refused(rf->root, v, "record 16 at offset 584: queued request "
			"at input octet 20 has length 4097 (more than 4096)");
	}

	/* Pending output: the "OK" message's length 3 */
	v = copy(rf->root, fix);
	put32(v, body(R_CONN_FD12, 24 + 12), 4);
	refused(rf->root, v, "record 15 at offset 528: pending output ends "
		"inside a message body at octet 16");
	put32(v, body(R_CONN_FD12, 24 + 12), 2);
	refused(rf->root, v, "record 15 at offset 528: pending output ends "
		"inside a message header at octet 18");
	put32(v, body(R_CONN_FD12, 24 + 12), 4097);
	refused(rf->root, v, "record 15 at offset 528: pending message at "
		"output octet 0 has length 4097 (more than 4096)");

	/* the partial response */
	v = copy(rf->root, fix);
	put16(v, body(R_CONN_FD12, 18), 20);	/* resp_len; out_len 19 */
	refused(rf->root, v, "record 15 at offset 528: connection 8: partial "
		"response of 20 octets but only 19 pending");
	/* all 19 octets the rest of a message; then none whole */
	put16(v, body(R_CONN_FD12, 18), 19);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(st->conns[7].partial_len, 19);
		assert_memory_equal(st->conns[7].partial, "\0\0\0\0", 4);
		assert_int_equal(st->conns[7].out_len, 0);
		assert_null(st->conns[7].out);
		talloc_free(st);
	}
	/* 3 octets the rest of a message: the next "header" is off */
	put16(v, body(R_CONN_FD12, 18), 3);
	refused(rf->root, v, "record 15 at offset 528: pending message at "
		"output octet 0 has length 4935424 (more than 4096)");
	put16(v, body(R_CONN_FD12, 18), 4);
	refused(rf->root, v, "record 15 at offset 528: pending output ends "
		"inside a message header at octet 0");

	/*
	 * The rest of a message is shorter than a whole one (16 + 4096):
	 * 4111 octets of it, then a whole empty message.
	 */
	{
		uint8_t *out = talloc_zero_size(rf->root, 4127);
		struct xsu_state *st;

		assert_non_null(out);
		v = copy(rf->root, fix);
		b_sock(&b, 9, 20, NULL, 0, 4111, out, 4127);
		b_insert(v, rec(R_RELEASE), &b);
		accepted(rf->root, v, &st);
		assert_int_equal(st->conns[8].partial_len, 4111);
		assert_true(st->conns[8].partial == st->conns[8].out - 4111);
		assert_int_equal(st->conns[8].out_len, 16);
		talloc_free(st);
		put16(v, body(R_RELEASE, 18), 4112);
		refused(rf->root, v, "record 16 at offset 584: connection 9: "
			"partial response of 4112 octets (a message has at "
			"most 4112)");
	}
}


static void
test_watch(void **state)
{
	struct root_fix *rf = *state;
	struct var *fix = load_fixture(rf->root), *v;
	struct bld b = { 0 };
	char *s;

	/* of a connection the file has not had yet */
	v = copy(rf->root, fix);
	put32(v, body(R_WATCH_DOM0, 0), 9);
	refused(rf->root, v, "record 3 at offset 64: watch of connection 9, "
		"which no CONN record before it has");
	v = copy(rf->root, fix);
	put32(v, body(R_WATCH_DOM0, 0), 2);
	refused(rf->root, v, "record 3 at offset 64: watch of connection 2, "
		"which no CONN record before it has");
	v = copy(rf->root, fix);
	put32(v, body(R_WATCH_DOM0, 0), 0);
	refused(rf->root, v, "record 3 at offset 64: watch of connection 0, "
		"which no CONN record before it has");

	/* "/tool/dom0\0" (11) "d0tok\0" (6): NULs in the wrong places */
	v = copy(rf->root, fix);
	put16(v, body(R_WATCH_DOM0, 4), 10);
	put16(v, body(R_WATCH_DOM0, 6), 7);
	refused(rf->root, v, "record 3 at offset 64: watch path "
		"\"/tool/dom0\" is not NUL-terminated");
	v = copy(rf->root, fix);
	put16(v, body(R_WATCH_DOM0, 4), 12);
	put16(v, body(R_WATCH_DOM0, 6), 5);
	refused(rf->root, v, "record 3 at offset 64: watch path "
		"\"/tool/dom0\\x00d\" is not NUL-terminated");
	v = copy(rf->root, fix);
	put8(v, body(R_WATCH_DOM0, 8 + 5), 0);
	refused(rf->root, v, "record 3 at offset 64: watch path "
		"\"/tool\\x00dom0\" has a NUL inside");
	v = copy(rf->root, fix);
	put8(v, body(R_WATCH_DOM0, 8 + 16), 'x');
	refused(rf->root, v, "record 3 at offset 64: watch token \"d0tokx\" "
		"is not NUL-terminated");
	v = copy(rf->root, fix);
	put8(v, body(R_WATCH_DOM0, 8 + 11 + 2), 0);
	refused(rf->root, v, "record 3 at offset 64: watch token "
		"\"d0\\x00ok\" has a NUL inside");
	v = copy(rf->root, fix);
	put16(v, body(R_WATCH_DOM0, 4), 0);
	put16(v, body(R_WATCH_DOM0, 6), 17);
	refused(rf->root, v, "record 3 at offset 64: watch path has length 0 "
		"(the NUL counts)");
	v = copy(rf->root, fix);
	put16(v, body(R_WATCH_DOM0, 4), 17);
	put16(v, body(R_WATCH_DOM0, 6), 0);
	refused(rf->root, v, "record 3 at offset 64: watch path "
		"\"/tool/dom0\\x00d0tok\" has a NUL inside");

	/* absolute paths */
	v = copy(rf->root, fix);
	memcpy(v->p + body(R_WATCH_ABS5, 8), "/local//omain/5/abs", 19);
	refused(rf->root, v, "record 6 at offset 168: watch path "
		"\"/local//omain/5/abs\" has \"//\" at octet 6");
	v = copy(rf->root, fix);
	memcpy(v->p + body(R_WATCH_ABS5, 8), "/local/domain/5/ab/", 19);
	refused(rf->root, v, "record 6 at offset 168: watch path "
		"\"/local/domain/5/ab/\" ends with '/'");
	v = copy(rf->root, fix);
	memcpy(v->p + body(R_WATCH_ABS5, 8), "/local/domain/5/a*s", 19);
	refused(rf->root, v, "record 6 at offset 168: watch path "
		"\"/local/domain/5/a*s\" has an invalid character at octet "
		"17");
	v = copy(rf->root, fix);
	memcpy(v->p + body(R_WATCH_ABS5, 8), "/local/domain/5/a s", 19);
	refused(rf->root, v, "record 6 at offset 168: watch path "
		"\"/local/domain/5/a s\" has an invalid character at octet "
		"17");
	/* special paths: any name of path characters (as upstream) */
	v = copy(rf->root, fix);
	memcpy(v->p + body(R_WATCH_ABS5, 8), "@", 1);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_watch(&st->conns[1], 1, "@local/domain/5/abs", "a5",
			     false);
		talloc_free(st);
	}
	memcpy(v->p + body(R_WATCH_ABS5, 8), "@l.", 3);
	refused(rf->root, v, "record 6 at offset 168: watch path "
		"\"@l.cal/domain/5/abs\" has an invalid character at octet "
		"2");
	v = copy(rf->root, fix);
	b_watch(&b, 4, "@", "t");
	b_insert(v, rec(R_CONN_FD9), &b);
	refused(rf->root, v, "record 9 at offset 272: watch path \"@\" is a "
		"special path shorter than 2 octets");

	/* relative paths, made absolute below the connection's home */
	v = copy(rf->root, fix);
	memcpy(v->p + body(R_WATCH_REL5, 8), "dev!ce", 6);
	refused(rf->root, v, "record 5 at offset 136: relative watch path, "
		"made absolute, \"/local/domain/5/dev!ce\" has an invalid "
		"character at octet 19");
	v = copy(rf->root, fix);
	memcpy(v->p + body(R_WATCH_REL5, 8), "devic/", 6);
	refused(rf->root, v, "record 5 at offset 136: relative watch path, "
		"made absolute, \"/local/domain/5/devic/\" ends with '/'");
	v = copy(rf->root, fix);
	memcpy(v->p + body(R_WATCH_REL5, 8), "/devic", 6);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_watch(&st->conns[1], 0, "/devic", "g5", false);
		talloc_free(st);
	}
	memcpy(v->p + body(R_WATCH_REL5, 8), "-devic", 6);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_watch(&st->conns[1], 0, "-devic", "g5", true);
		talloc_free(st);
	}

	/* an empty relative path: the home with a '/' */
	v = copy(rf->root, fix);
	b_watch(&b, 2, "", "e");
	b_insert(v, rec(R_CONN_DOM7), &b);
	refused(rf->root, v, "record 7 at offset 208: relative watch path, "
		"made absolute, \"/local/domain/5/\" ends with '/'");

	/* a socket's relative path is below dom0's home */
	v = copy(rf->root, fix);
	b_watch(&b, 4, "x//y", "t");
	b_insert(v, rec(R_CONN_FD9), &b);
	refused(rf->root, v, "record 9 at offset 272: relative watch path, "
		"made absolute, \"/local/domain/0/x//y\" has \"//\" at octet "
		"17");

	/* 3072 octets, absolute or made so, are fine; 3073 are not */
	s = talloc_zero_size(rf->root, 3074);
	assert_non_null(s);
	memset(s, 'a', 3073);
	s[0] = '/';
	v = copy(rf->root, fix);
	b_watch(&b, 4, s, "t");
	b_insert(v, rec(R_CONN_FD9), &b);
	refused(rf->root, v, talloc_asprintf(rf->root, "record 9 at offset "
		"272: watch path \"%.64s\"... is longer than 3072 octets", s));
	s[3072] = 0;
	v = copy(rf->root, fix);
	b_watch(&b, 4, s, "t");
	b_insert(v, rec(R_CONN_FD9), &b);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(strlen(st->conns[3].watches[0].path), 3072);
		talloc_free(st);
	}
	/* "/local/domain/0/" is 16 octets */
	s[3072 - 15] = 0;
	v = copy(rf->root, fix);
	b_watch(&b, 4, s + 1, "t");
	b_insert(v, rec(R_CONN_FD9), &b);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(strlen(st->conns[3].watches[0].path), 3056);
		talloc_free(st);
	}
	s[3072 - 15] = 'a';
	s[3072 - 14] = 0;
	v = copy(rf->root, fix);
	b_watch(&b, 4, s + 1, "t");
	b_insert(v, rec(R_CONN_FD9), &b);
	refused(rf->root, v, talloc_asprintf(rf->root, "record 9 at offset "
		"272: relative watch path, made absolute, "
		"\"/local/domain/0/%.48s\"... is longer than 3072 octets",
		s + 1));

	/* a token of 4096 octets is fine, 4097 are not */
	s = talloc_zero_size(rf->root, 4098);
	assert_non_null(s);
	memset(s, 't', 4097);
	v = copy(rf->root, fix);
	b_watch(&b, 4, "/a", s);
	b_insert(v, rec(R_CONN_FD9), &b);
	refused(rf->root, v, "record 9 at offset 272: watch token of 4097 "
		"octets (at most 4096)");
	s[4096] = 0;
	v = copy(rf->root, fix);
	b_watch(&b, 4, "/a", s);
	b_insert(v, rec(R_CONN_FD9), &b);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(strlen(st->conns[3].watches[0].token), 4096);
		talloc_free(st);
	}
}

static void
test_node(void **state)
{
	struct root_fix *rf = *state;
	struct var *fix = load_fixture(rf->root), *v;
	struct bld b = { 0 };
	char *s;

	/* "/": owner n0, "/\0", 2 octets of padding */
	v = copy(rf->root, fix);
	b_node(&b, "/tool/z", 0, 0);
	b_insert(v, rec(R_END), &b);
	refused(rf->root, v, "record 35 at offset 1480: node \"/tool/z\" has "
		"no permissions (an owner is needed)");
	v = copy(rf->root, fix);
	put8(v, body(R_ROOT, 16), 'x');
	refused(rf->root, v, "record 18 at offset 688: node \"/\": permission "
		"0 has access 0x78 (not n, r, w or b)");
	put8(v, body(R_ROOT, 16), 0);
	refused(rf->root, v, "record 18 at offset 688: node \"/\": permission "
		"0 has access 0x00 (not n, r, w or b)");
	put8(v, body(R_ROOT, 16), 'B');
	refused(rf->root, v, "record 18 at offset 688: node \"/\": permission "
		"0 has access 0x42 (not n, r, w or b)");
	v = copy(rf->root, fix);
	put8(v, body(R_ROOT, 17), 2);
	refused(rf->root, v, "record 18 at offset 688: node \"/\": permission "
		"0 has flags 0x02");
	put8(v, body(R_ROOT, 17), 0x81);
	refused(rf->root, v, "record 18 at offset 688: node \"/\": permission "
		"0 has flags 0x81");
	v = copy(rf->root, fix);
	put8(v, body(R_GONE, 16 + 4 + 1), 3);
	refused(rf->root, v, "record 21 at offset 808: node \"/tool/gone\": "
		"permission 1 has flags 0x03");
	/* the owner's IGNORE: kept (it still owns the node) */
	v = copy(rf->root, fix);
	put8(v, body(R_ROOT, 17), 1);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_perms(&st->nodes[0].perms, 1, 0, 0);
		talloc_free(st);
	}

	/* the path */
	v = copy(rf->root, fix);
	put8(v, body(R_ROOT, 21), 'x');
	refused(rf->root, v, "record 18 at offset 688: node path \"/x\" is "
		"not NUL-terminated");
	v = copy(rf->root, fix);
	put16(v, body(R_ROOT, 8), 0);
	put16(v, body(R_ROOT, 10), 2);
	refused(rf->root, v, "record 18 at offset 688: node path has length 0 "
		"(the NUL counts)");
	v = copy(rf->root, fix);
	put8(v, body(R_TOOL, 16 + 4 + 2), 0);
	refused(rf->root, v, "record 19 at offset 720: node path "
		"\"/t\\x00ol\" has a NUL inside");
	v = copy(rf->root, fix);
	put8(v, body(R_TOOL, 16 + 4 + 2), 'O');
	refused(rf->root, v, "record 20 at offset 760: node \"/tool/"
		"xenstored\" comes before its parent");
	put8(v, body(R_TOOL, 16 + 4 + 2), '.');
	refused(rf->root, v, "record 19 at offset 720: node path \"/t.ol\" "
		"has an invalid character at octet 2");
	put8(v, body(R_TOOL, 16 + 4 + 2), '/');
	refused(rf->root, v, "record 19 at offset 720: node \"/t/ol\" "
		"comes before its parent");
	v = copy(rf->root, fix);
	put8(v, body(R_TOOL, 16 + 4 + 4), '/');
	refused(rf->root, v, "record 19 at offset 720: node path \"/too/\" "
		"ends with '/'");
	v = copy(rf->root, fix);
	put8(v, body(R_TOOL, 16 + 4 + 1), '/');
	refused(rf->root, v, "record 19 at offset 720: node path \"//ool\" "
		"has \"//\" at octet 0");
	v = copy(rf->root, fix);
	put8(v, body(R_TOOL, 16 + 4), 't');
	refused(rf->root, v, "record 19 at offset 720: node path \"ttool\" is "
		"not absolute");
	put8(v, body(R_TOOL, 16 + 4), '@');
	refused(rf->root, v, "record 19 at offset 720: special node "
		"\"@tool\" (only @releaseDomain and @introduceDomain are)");

	/* the tree's order */
	v = copy(rf->root, fix);
	delete_rec(v, R_ROOT);
	refused(rf->root, v, "record 18 at offset 688: the first node is "
		"\"/tool\", not \"/\"");
	v = copy(rf->root, fix);
	delete_rec(v, R_TOOL);
	refused(rf->root, v, "record 19 at offset 720: node \"/tool/"
		"xenstored\" comes before its parent");
	v = copy(rf->root, fix);
	insert_rec(v, rec(R_TOOL_XENSTORED), fix, R_TOOL);
	refused(rf->root, v, "record 20 at offset 760: node \"/tool\" twice");
	v = copy(rf->root, fix);
	insert_rec(v, rec(R_END), fix, R_ROOT);
	refused(rf->root, v, "record 35 at offset 1480: node \"/\" twice");
	v = copy(rf->root, fix);
	insert_rec(v, rec(R_END), fix, R_GONE);
	refused(rf->root, v, "record 35 at offset 1480: node \"/tool/gone\" "
		"twice");

	/* transactions' nodes, which upstream 4.17 does not write */
	v = copy(rf->root, fix);
	put32(v, body(R_TOOL, 0), 1);
	refused(rf->root, v, "record 19 at offset 720: a node of transaction "
		"0 of connection 1 (upstream 4.17 writes none)");
	v = copy(rf->root, fix);
	put32(v, body(R_TOOL, 4), 2);
	refused(rf->root, v, "record 19 at offset 720: a node of transaction "
		"2 of connection 0 (upstream 4.17 writes none)");
	v = copy(rf->root, fix);
	put16(v, body(R_TOOL, 12), 1);
	refused(rf->root, v, "record 19 at offset 720: node outside a "
		"transaction with ta_access 1");

	/* special nodes */
	v = copy(rf->root, fix);
	put8(v, body(R_RELEASE, 16 + 8 + 13), 'X');
	refused(rf->root, v, "record 16 at offset 584: special node "
		"\"@releaseDomaiX\" (only @releaseDomain and "
		"@introduceDomain are)");
	v = copy(rf->root, fix);
	insert_rec(v, rec(R_INTRODUCE), fix, R_RELEASE);
	refused(rf->root, v, "record 17 at offset 632: special node "
		"@releaseDomain twice");
	v = copy(rf->root, fix);
	insert_rec(v, rec(R_ROOT), fix, R_INTRODUCE);
	refused(rf->root, v, "record 18 at offset 688: special node "
		"@introduceDomain twice");
	v = copy(rf->root, fix);
	put16(v, body(R_RELEASE, 10), 1);	/* the padding octet */
	refused(rf->root, v, "record 16 at offset 584: special node "
		"@releaseDomain has data");
	v = copy(rf->root, fix);
	insert_rec(v, rec(R_TOOL), fix, R_RELEASE);
	delete_rec(v, R_RELEASE);
	refused(rf->root, v, "record 18 at offset 672: special node "
		"@releaseDomain after the tree");
	v = copy(rf->root, fix);
	put8(v, body(R_INTRODUCE, 16 + 8), '/');
	refused(rf->root, v, "record 17 at offset 632: the first node is "
		"\"/introduceDomain\", not \"/\"");
	/* without them: the defaults (num 0) */
	v = copy(rf->root, fix);
	splice(v, rec(R_RELEASE), rec(R_ROOT) - rec(R_RELEASE), NULL, 0);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(st->release_perms.num, 0);
		assert_int_equal(st->introduce_perms.num, 0);
		talloc_free(st);
	}

	/* limits: path 3072, 2048 permissions, 4096 octets of data */
	s = talloc_zero_size(rf->root, 3074);
	assert_non_null(s);
	memcpy(s, "/tool/", 6);
	memset(s + 6, 'a', 3067);
	v = copy(rf->root, fix);
	b_node(&b, s, 1, 0);
	b_insert(v, rec(R_END), &b);
	refused(rf->root, v, talloc_asprintf(rf->root, "record 35 at offset "
		"1480: node path \"%.64s\"... is longer than 3072 octets",
		s));
	s[3072] = 0;
	v = copy(rf->root, fix);
	b_node(&b, s, 2048, 4096);
	b_insert(v, rec(R_END), &b);
	{
		struct xsu_state *st;

		accepted(rf->root, v, &st);
		assert_int_equal(st->nnodes, 18);
		assert_int_equal(strlen(st->nodes[17].path), 3072);
		assert_int_equal(st->nodes[17].perms.num, 2048);
		assert_int_equal(st->nodes[17].perms.p[2047].domid, 2047);
		assert_int_equal(st->nodes[17].perms.p[2047].access,
				 XSS_PERM_READ);
		assert_int_equal(st->nodes[17].len, 4096);
		talloc_free(st);
	}
	v = copy(rf->root, fix);
	b_node(&b, "/tool/p", 2049, 0);
	b_insert(v, rec(R_END), &b);
	refused(rf->root, v, "record 35 at offset 1480: node \"/tool/p\" has "
		"2049 permissions (at most 2048)");
	v = copy(rf->root, fix);
	b_node(&b, "/tool/d", 1, 4097);
	b_insert(v, rec(R_END), &b);
	refused(rf->root, v, "record 35 at offset 1480: node \"/tool/d\" has "
		"4097 octets of data (at most 4096)");
}

/*
 * Cut at every octet: refused, with what the cut left (too short for
 * the preamble, a record without its END, a length past the end).
 */
static void
test_truncation(void **state)
{
	struct root_fix *rf = *state;
	struct var *fix = load_fixture(rf->root);
	size_t i;
	unsigned int r = 0;

	for (i = 0; i < fix->len; i++) {
		struct xsu_state *st = (struct xsu_state *)&st;
		char *err = NULL, *want;

		while (r + 1 <= R_END && rec(r + 1) <= i)
			r++;
		if (i < 16)
			want = talloc_asprintf(rf->root, "%zu octets: too "
					       "short for the preamble (16)",
					       i);
		else if (i - rec(r) < 8)
			want = talloc_asprintf(rf->root, "record %u at offset "
					       "%zu: the file ends without an "
					       "END record (%zu octets left)",
					       r, rec(r), i - rec(r));
		else
			want = talloc_asprintf(rf->root, "record %u at offset "
					       "%zu: length %u runs past the "
					       "end of the file (%zu octets "
					       "left)", r, rec(r),
					       get32(fix, rec(r) + 4),
					       i - rec(r) - 8);
		assert_int_equal(xsu_read_c(rf->root, fix->p, i, &st, &err),
				 EBADMSG);
		assert_null(st);
		assert_non_null(err);
		if (strcmp(err, want))
			fail_msg("cut at %zu: want \"%s\", got \"%s\"", i,
				 want, err);
		talloc_free(err);
		talloc_free(want);
	}
}

/* Every octet flipped (xor 0xff), then set to a few values: no crash. */
static void
test_octets(void **state)
{
	static const uint8_t vals[] = { 0, 1, 7, 8, '/', 'a', 0x7f, 0x80 };
	struct root_fix *rf = *state;
	struct var *fix = load_fixture(rf->root);
	struct var *v = copy(rf->root, fix);
	size_t i, j, refusals = 0;

	for (i = 0; i < fix->len; i++) {
		for (j = 0; j <= sizeof(vals); j++) {
			struct xsu_state *st = (struct xsu_state *)&st;
			char *err = (char *)&err;
			int ret;

			v->p[i] = j ? vals[j - 1] : fix->p[i] ^ 0xff;
			ret = xsu_read_c(rf->root, v->p, v->len, &st, &err);
			if (ret) {
				assert_int_equal(ret, EBADMSG);
				assert_null(st);
				assert_non_null(err);
				assert_true(*err);
				talloc_free(err);
				if (!j)
					refusals++;
			} else {
				assert_null(err);
				assert_non_null(st);
				talloc_free(st);
			}
		}
		v->p[i] = fix->p[i];
	}
	/* most flips are caught; some (fds, ports, values) are not */
	assert_true(refusals > fix->len / 2);
}

/*
 * Written back by xsu_write_c, the model is the same octets as the
 * file: upstream writes exactly this format.  But for the stale
 * permissions, which the reader leaves out: the fixture without them
 * is what comes back (the records keep their lengths, the padding
 * grows by the 4 octets of the entry).
 */
static void
test_round_trip(void **state)
{
	struct root_fix *rf = *state;
	struct var *fix = load_fixture(rf->root), *want;
	struct xsu_state *st, *st2;
	struct xss_sink *sink;
	const uint8_t *got;
	size_t len;
	char *err;

	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
		skip();			/* the writer uses the host's order */
	want = copy(rf->root, fix);
	/* /tool/gone: n0 r9(stale) b5 */
	put16(want, body(R_GONE, 14), 2);
	splice(want, body(R_GONE, 20), 4, NULL, 0);
	splice(want, rec(R_ACL) - 4, 0, NULL, 4);
	/* /tool/acl: w5 r0 b7 n9(stale) */
	put16(want, body(R_ACL, 14), 3);
	splice(want, body(R_ACL, 28), 4, NULL, 0);
	splice(want, rec(R_ACL + 1) - 4, 0, NULL, 4);
	assert_int_equal(want->len, fix->len);

	accepted(rf->root, fix, &st);
	sink = xss_sink_memory(rf->root);
	assert_non_null(sink);
	assert_int_equal(xsu_write_c(rf->root, st, sink, &err), 0);
	got = xss_sink_data(sink, &len);
	assert_int_equal(len, want->len);
	assert_memory_equal(got, want->p, len);

	/* and the file without stale entries comes back whole */
	accepted(rf->root, want, &st2);
	assert_string_equal(st2->dropped, "");
	sink = xss_sink_memory(rf->root);
	assert_non_null(sink);
	assert_int_equal(xsu_write_c(rf->root, st2, sink, &err), 0);
	got = xss_sink_data(sink, &len);
	assert_int_equal(len, want->len);
	assert_memory_equal(got, want->p, len);
	talloc_free(st);
	talloc_free(st2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fixture),
		T(test_preamble),
		T(test_framing),
		T(test_global),
		T(test_conn),
		T(test_watch),
		T(test_node),
		T(test_truncation),
		T(test_octets),
		T(test_round_trip),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xsu_c_read", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
