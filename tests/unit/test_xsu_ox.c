// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xsu_ox.c - xsu_read_ox, the reader of oxenstored 4.17's live
 * update dump (tests/fakexen/OXENSTORED-LU.md): the real dump of
 * tests/golden/oxenstored-lu.db read into the exact model, and hostile
 * variants of it each refused with its message; every truncation and
 * every octet changed read without a crash.
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
#define FIXTURE "tests/golden/oxenstored-lu.db"

static char *
load_fixture(TALLOC_CTX *ctx, size_t *len)
{
	FILE *f = fopen(FIXTURE, "rb");
	char *buf = talloc_size(ctx, 65536);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	assert_true(n > 0 && n < 65535);
	buf[n] = 0;
	*len = n;
	return buf;
}

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
assert_ring(const struct xsu_conn *c, uint32_t domid, uint32_t remote,
	    uint32_t local, unsigned int nwatches)
{
	assert_true(c->ring);
	assert_int_equal(c->id, 0);
	assert_int_equal(c->domid, domid);
	assert_int_equal(c->target, XSS_NO_TARGET);
	assert_int_equal(c->remote_port, remote);
	assert_int_equal(c->local_port, local);
	assert_int_equal(c->mfn, 0);
	assert_int_equal(c->fd, XSS_NO_FD);
	assert_int_equal(c->nwatches, nwatches);
}

static void
assert_socket(const struct xsu_conn *c, int32_t fd, unsigned int nwatches)
{
	assert_false(c->ring);
	assert_int_equal(c->fd, fd);
	assert_int_equal(c->nwatches, nwatches);
}

static void
test_fixture(void **state)
{
	static const char *const paths[] = {
		"/", "/vm", "/vm/half", "/vm/1", "/vm/1/name", "/tool",
		"/tool/xenstored", "/local", "/local/domain",
		"/local/domain/7", "/local/domain/5", "/local/domain/5/data",
		"/local/domain/0", "/local/domain/0/name",
	};
	struct root_fix *rf = *state;
	struct xsu_state *st;
	const struct xsu_node *n;
	char *err, *buf;
	size_t len;
	unsigned int i;

	buf = load_fixture(rf->root, &len);
	assert_int_equal(xsu_read_ox(rf->root, (uint8_t *)buf, len, &st,
				     &err), 0);
	assert_null(err);
	assert_int_equal(st->socket_fd, 3);
	assert_int_equal(st->evtchn_fd, 5);
	assert_int_equal(st->virq_port, 2);
	assert_string_equal(st->dropped, "");
	assert_perms(&st->introduce_perms, 1, 0, 0);
	assert_perms(&st->release_perms, 1, 0, 0);

	assert_int_equal(st->nconns, 6);
	assert_ring(&st->conns[0], 7, 3, 5, 2);
	assert_watch(&st->conns[0], 0, "@releaseDomain", "rel7", false);
	assert_watch(&st->conns[0], 1, "/local/domain/7", "abs7", false);
	assert_ring(&st->conns[1], 0, 1, 3, 1);
	assert_watch(&st->conns[1], 0, "/tool", "w0", false);
	assert_ring(&st->conns[2], 5, 2, 4, 1);
	assert_watch(&st->conns[2], 0, "data", "rel5", true);
	assert_socket(&st->conns[3], 9, 1);
	assert_watch(&st->conns[3], 0, "/local/domain/5", "b5", false);
	assert_socket(&st->conns[4], 10, 0);
	assert_socket(&st->conns[5], 8, 2);
	assert_watch(&st->conns[5], 0, "@introduceDomain", "intro", false);
	assert_watch(&st->conns[5], 1, "/vm", "tok a", false);
	for (i = 0; i < st->nconns; i++) {
		assert_int_equal(st->conns[i].in_len, 0);
		assert_int_equal(st->conns[i].partial_len, 0);
		assert_int_equal(st->conns[i].out_len, 0);
	}

	assert_int_equal(st->nnodes, sizeof(paths) / sizeof(paths[0]));
	for (i = 0; i < st->nnodes; i++)
		assert_string_equal(st->nodes[i].path, paths[i]);
	n = st->nodes;
	assert_int_equal(n[0].len, 0);
	assert_perms(&n[0].perms, 1, 0, 0);
	assert_int_equal(n[2].len, 5);
	assert_memory_equal(n[2].value, "value", 5);
	assert_perms(&n[3].perms, 2, 0, 0, 5, XSS_PERM_READ);
	assert_int_equal(n[4].len, 18);
	assert_memory_equal(n[4].value, "guest\nwith newline", 18);
	assert_int_equal(n[6].len, 32);
	assert_memory_equal(n[6].value, "/usr/lib/xen-4.17/bin/oxenstored",
			    32);
	assert_perms(&n[9].perms, 2, 7, XSS_PERM_READ | XSS_PERM_WRITE, 5,
		     XSS_PERM_READ);
	assert_perms(&n[10].perms, 1, 5, 0);
	assert_memory_equal(n[11].value, "five", 4);
	assert_memory_equal(n[13].value, "Domain-0", 8);
}

static char *
hex(TALLOC_CTX *ctx, const void *p, size_t len)
{
	const uint8_t *s = p;
	char *h = talloc_size(ctx, 2 * len + 1);
	size_t i;

	assert_non_null(h);
	for (i = 0; i < len; i++)
		sprintf(h + 2 * i, "%02x", s[i]);
	h[2 * len] = 0;
	return h;
}

/* The fixture with the first `old` replaced by `new`. */
static char *
variant(TALLOC_CTX *ctx, const char *fix, const char *old, const char *new)
{
	const char *at = strstr(fix, old);

	assert_non_null(at);
	return talloc_asprintf(ctx, "%.*s%s%s", (int)(at - fix), fix, new,
			       at + strlen(old));
}

static void
refused(TALLOC_CTX *ctx, const char *text, size_t len, const char *want)
{
	struct xsu_state *st = (struct xsu_state *)&st;
	char *err;
	int ret = xsu_read_ox(ctx, (const uint8_t *)text, len, &st, &err);

	if (ret != EBADMSG || !err || strcmp(err, want))
		fail_msg("want \"%s\", got %d \"%s\"", want, ret,
			 err ? err : "(none)");
	assert_null(st);
	talloc_free(err);
}

struct hostile {
	const char *old, *new;	/* in the fixture */
	const char *msg;
};

static const struct hostile hostile[] = {
	{ "$xenstored-dump-format\n", "$xenstored-dump-formaT\n",
	  "line 1: not \"$xenstored-dump-format\"" },
	{ "socket,10\n", "sock,10\n", "line 13: unknown line kind \"sock\"" },
	{ "watch,0,2f746f6f6c,", "watch,0,2f746f6g6c,",
	  "line 8: watch path: bad hex digit \"g\" at 7" },
	{ "watch,0,2f746f6f6c,", "watch,0,2f746f6f6,",
	  "line 8: watch path: odd number of hex digits (9)" },
	{ "watch,0,2f746f6f6c,", "watch,0,2F746f6f6c,",
	  "line 8: watch path: bad hex digit \"F\" at 1" },
	{ "watch,0,2f746f6f6c,7730", "watch,0,2f746f6f6c,7700",
	  "line 8: watch token has a NUL" },
	{ "watch,0,2f746f6f6c,", "watch,6,2f746f6f6c,",
	  "line 8: watch of unknown connection 6 (domain 6)" },
	{ "watch,-9,", "watch,-11,",
	  "line 12: watch of unknown connection -11 (socket fd 11)" },
	{ "watch,0,2f746f6f6c,7730\n",
	  "watch,0,2f746f6f6c,7730\nwatch,0,2f746f6f6c,7730\n",
	  "line 9: watch \"/tool\" with token \"w0\" twice" },
	{ "watch,5,64617461,", "watch,5,64612f2f7461,",
	  "line 10: watch path \"da//ta\" has \"//\" (at 2)" },
	{ "watch,5,64617461,", "watch,5,6461746121,",
	  "line 10: watch path \"data!\" has an invalid character (at 4)" },
	{ "dom,0,0,1,3\n", "dom,0,0,1,x3\n",
	  "line 7: local port is not a number: \"x3\"" },
	{ "dom,0,0,1,3\n", "dom,0,0,0,3\n",
	  "line 7: remote port 0 is out of range 1..131071" },
	{ "dom,0,0,1,3\n", "dom,0,0,1\n",
	  "line 7: dom line without the local port (from an oxenstored "
	  "older than 4.17?)" },
	{ "dom,0,0,1,3\n", "dom,0,0,1,3,4,5\n",
	  "line 7: more than 5 fields" },
	{ "dom,5,0,2,4\n", "dom,32752,0,2,4\n",
	  "line 9: domid 32752 is out of range 0..32751" },
	{ "dom,5,0,2,4\n", "dom,7,0,2,4\n",
	  "line 9: the connection of line 4 again" },
	{ "dom,5,0,2,4\n", "dom,5,0,2,5\n",
	  "line 9: local port 5 is domain 7's already" },
	{ "dom,5,0,2,4\n", "dom,5,0,2,2\n",
	  "line 9: local port 2 is VIRQ_DOM_EXC's" },
	{ "global,3\n", "global,03\n",
	  "line 2: listening socket fd has a leading zero: \"03\"" },
	{ "global,3\n", "global,3,4\n",
	  "line 2: global line with 2 fields, not 1" },
	{ "global,3\n", "global,99999999999999999999\n",
	  "line 2: listening socket fd is out of range: "
	  "\"99999999999999999999\"" },
	{ "global,3\n", "global,3\r\n", "line 2: a NUL or CR in the line" },
	{ "global,3\n", "global,3\n\n", "line 3: empty line" },
	{ "global,3\n", "",
	  "line 2: \"evtchn-dev\" line before the global line" },
	{ "evtchn-dev,5,2\n", "evtchn-dev,-1,2\n",
	  "line 3: event channel fd is not a number: \"-1\"" },
	{ "evtchn-dev,5,2\n", "evtchn-dev,3,2\n",
	  "line 3: event channel fd 3 is the listening socket's" },
	{ "socket,8\n", "socket,-8\n",
	  "line 14: socket fd is not a number: \"-8\"" },
	{ "socket,10\n", "socket,5\n",
	  "line 13: socket fd 5 is the event channel handle's" },
	{ "socket,10\n", "socket,9\n",
	  "line 13: socket fd 9 is a socket connection's already" },
	{ "socket,10\n", "socket,0\n", "line 13: socket fd 0" },
	{ "store,2f,6e30,\n", "",
	  "line 17: first node \"/vm\", not the root" },
	{ "store,2f,6e30,\n", "store,2f,,\n", "line 17: no permissions" },
	{ "store,2f,6e30,\n", "store,2f,6e,\n",
	  "line 17: permission 1: bad domid \"\"" },
	{ "store,2f,6e30,\n", "store,2f,6e3030,\n",
	  "line 17: permission 1: bad domid \"00\"" },
	{ "store,2f,6e30,\n", "store,2f,6e3635353336,\n",
	  "line 17: permission 1: bad domid" },
	{ "store,2f,6e30,\n", "store,2f,6e30,,\n",
	  "line 17: store line with 4 fields, not 3" },
	{ "store,2f766d2f31,6e30007235,", "store,2f766d2f31,6e30007835,",
	  "line 20: permission 2: unknown letter \"x\"" },
	{ "store,2f766d2f31,6e30007235,", "store,2f766d2f31,6e3000723500,",
	  "line 20: permission 3 is empty" },
	{ "store,2f766d2f31,6e30007235,", "store,2f766d2f31,6e30000072,",
	  "line 20: permission 2 is empty" },
	{ "2f766d2f68616c66,", "766d2f68616c66,",
	  "line 19: path \"vm/half\" is not absolute" },
	{ "2f766d2f68616c66,", "2f766d2f682a6c66,",
	  "line 19: path \"/vm/h*lf\" has an invalid character (at 5)" },
	{ "2f766d2f68616c66,", "2f766d2f68616c662f,",
	  "line 19: path \"/vm/half/\" ends with '/'" },
	{ "2f766d2f68616c66,", "2f766d2f78002f79,",
	  "line 19: path \"/vm/x\\x00/y\" has an invalid character (at 5)" },
	{ "2f766d2f68616c66,", "2f766d2f782f79,",
	  "line 19: node \"/vm/x/y\" before its parent" },
	{ "2f766d2f68616c66,", "2f766d,",
	  "line 19: node \"/vm\" again (first on line 18)" },
	{ "store,2f40696e74726f64756365446f6d61696e,6e30,\n", "",
	  "the file ends without the node /@introduceDomain: cut short?" },
	{ "store,2f40696e74726f64756365446f6d61696e,6e30,\n",
	  "store,2f40696e74726f64756365446f6d61696e,6e30,\nsocket,11\n",
	  "line 33: socket line after the nodes" },
	{ "store,2f40696e74726f64756365446f6d61696e,6e30,\n",
	  "store,2f4072656c65617365446f6d61696e2f78,6e30,\n",
	  "line 32: node \"/@releaseDomain/x\" below a special node" },
	{ "store,2f40696e74726f64756365446f6d61696e,6e30,\n",
	  "store,2f40696e74726f64756365446f6d61696e,6e30,",
	  "line 32: no end of line: the file is cut short" },
};

static void
test_hostile(void **state)
{
	struct root_fix *rf = *state;
	size_t len, i;
	char *fix = load_fixture(rf->root, &len), *v;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		v = variant(rf->root, fix, hostile[i].old, hostile[i].new);
		refused(rf->root, v, strlen(v), hostile[i].msg);
		talloc_free(v);
	}
}

/* Variants too big for the table: lengths and counts at their limits. */
static void
test_limits(void **state)
{
	struct root_fix *rf = *state;
	size_t len, i;
	char *fix = load_fixture(rf->root, &len), *v, *h, *s;
	struct xsu_state *st;
	char *err;

	/* a path of 3072 octets is fine, one more is not */
	s = talloc_asprintf(rf->root, "/vm/%3068s", "");
	memset(s + 4, 'a', 3068);
	h = hex(rf->root, s, strlen(s));
	v = variant(rf->root, fix, "2f766d2f68616c66,",
		    talloc_asprintf(rf->root, "%s,", h));
	assert_int_equal(xsu_read_ox(rf->root, (uint8_t *)v, strlen(v), &st,
				     &err), 0);
	assert_int_equal(strlen(st->nodes[2].path), 3072);
	s = talloc_asprintf_append(s, "a");
	h = hex(rf->root, s, strlen(s));
	v = variant(rf->root, fix, "2f766d2f68616c66,",
		    talloc_asprintf(rf->root, "%s,", h));
	refused(rf->root, v, strlen(v),
		"line 19: path is longer than 3072 octets");

	/* 2048 permissions are fine, 2049 are not */
	s = talloc_size(rf->root, 2048 * 8);
	assert_non_null(s);
	len = (size_t)sprintf(s, "n0");
	for (i = 1; i < 2048; i++)
		len += (size_t)sprintf(s + len, "%cr%zu", 0, i);
	h = hex(rf->root, s, len);
	v = variant(rf->root, fix, "6e30007235,", talloc_asprintf(rf->root,
								  "%s,", h));
	assert_int_equal(xsu_read_ox(rf->root, (uint8_t *)v, strlen(v), &st,
				     &err), 0);
	assert_int_equal(st->nodes[3].perms.num, 2048);
	assert_int_equal(st->nodes[3].perms.p[2047].domid, 2047);
	h = talloc_asprintf(rf->root, "%s0072393939", h);	/* r999 */
	v = variant(rf->root, fix, "6e30007235,", talloc_asprintf(rf->root,
								  "%s,", h));
	refused(rf->root, v, strlen(v),
		"line 20: 2049 permissions, more than 2048");

	/* a value of 4096 octets is fine, one more is not */
	s = talloc_zero_size(rf->root, 4097);
	h = hex(rf->root, s, 4096);
	v = variant(rf->root, fix, ",76616c7565\n",
		    talloc_asprintf(rf->root, ",%s\n", h));
	assert_int_equal(xsu_read_ox(rf->root, (uint8_t *)v, strlen(v), &st,
				     &err), 0);
	assert_int_equal(st->nodes[2].len, 4096);
	h = hex(rf->root, s, 4097);
	v = variant(rf->root, fix, ",76616c7565\n",
		    talloc_asprintf(rf->root, ",%s\n", h));
	refused(rf->root, v, strlen(v),
		"line 19: value is longer than 4096 octets");
}

/*
 * Cut at every octet: refused (the last line is a node every oxenstored
 * has), with the line where it was cut or the missing node named.
 */
static void
test_truncation(void **state)
{
	struct root_fix *rf = *state;
	size_t len, i, line = 1;
	char *fix = load_fixture(rf->root, &len), *want;

	refused(rf->root, fix, 0, "empty file");
	for (i = 1; i < len; i++) {
		if (fix[i - 1] == '\n') {
			line++;
			want = talloc_strdup(rf->root, line <= 17 ?
				"the file ends before its nodes" :
				"the file ends without the node "
				"/@introduceDomain: cut short?");
		} else {
			want = talloc_asprintf(rf->root, "line %zu: ", line);
		}
		{
			struct xsu_state *st;
			char *err;

			assert_int_equal(xsu_read_ox(rf->root, (uint8_t *)fix,
						     i, &st, &err), EBADMSG);
			assert_non_null(err);
			assert_null(st);
			if (strncmp(err, want, strlen(want)))
				fail_msg("cut at %zu: want \"%s\", got \"%s\"",
					 i, want, err);
			talloc_free(err);
		}
		talloc_free(want);
	}
}

/* Every octet set to each of a few values: no crash, a clear answer. */
static void
test_octets(void **state)
{
	static const uint8_t vals[] = { 0, ',', '\n', '-', '0', '9', 'a',
					'f', 'g', 0xff };
	struct root_fix *rf = *state;
	size_t len, i, j;
	char *fix = load_fixture(rf->root, &len);
	char *v = talloc_memdup(rf->root, fix, len);
	struct xsu_state *st;
	char *err;
	int ret;

	for (i = 0; i < len; i++) {
		for (j = 0; j < sizeof(vals); j++) {
			v[i] = (char)vals[j];
			ret = xsu_read_ox(rf->root, (uint8_t *)v, len, &st,
					  &err);
			if (ret) {
				assert_int_equal(ret, EBADMSG);
				assert_non_null(err);
				talloc_free(err);
			} else {
				assert_null(err);
				talloc_free(st);
			}
		}
		v[i] = fix[i];
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fixture),
		T(test_hostile),
		T(test_limits),
		T(test_truncation),
		T(test_octets),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xsu_ox", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
