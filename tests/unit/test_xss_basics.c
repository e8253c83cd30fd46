// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_xss_basics.c - the small parts of the xs-state library: CRC-32C,
 * type and kind names, the library's own path syntax rules, the key set
 * behind the uniqueness checks.
 */
#include "xss_test.h"

#include "../../xs-state/xss_private.h"

static void
test_crc_vector(void **state)
{
	(void)state;
	assert_int_equal(xss_crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(xss_crc32c(0, "", 0), 0);
	assert_int_equal(xss_crc32c(0, NULL, 0), 0);
	/* RFC 3720 B.4: 32 octets of zeros, of 0xff. */
	{
		uint8_t z[32] = { 0 }, f[32];

		memset(f, 0xff, sizeof(f));
		assert_int_equal(xss_crc32c(0, z, sizeof(z)), 0x8A9136AAu);
		assert_int_equal(xss_crc32c(0, f, sizeof(f)), 0x62A8AB43u);
	}
}

static void
test_crc_chains(void **state)
{
	static const char text[] = "The quick brown fox jumps over the "
				   "lazy dog";
	size_t len = strlen(text), i;
	uint32_t whole = xss_crc32c(0, text, len);

	(void)state;
	for (i = 0; i <= len; i++)
		assert_int_equal(xss_crc32c(xss_crc32c(0, text, i), text + i,
					    len - i), whole);
}

/* The fast path (SSE4.2 where there is one) agrees with the table. */
static void
test_crc_paths_agree(void **state)
{
	uint8_t buf[1031];
	size_t off, len;
	uint32_t seed = 12345;

	(void)state;
	for (off = 0; off < sizeof(buf); off++) {
		seed = seed * 1103515245u + 12345u;
		buf[off] = (uint8_t)(seed >> 16);
	}
	/* every alignment and every tail length */
	for (off = 0; off < 9; off++)
		for (len = 0; len + off <= sizeof(buf); len += 1 + len / 3)
			assert_int_equal(xss_crc32c(7, buf + off, len),
					 xss_crc32c_portable(7, buf + off,
							     len));
	assert_int_equal(xss_crc32c_portable(0, "123456789", 9),
			 0xE3069283u);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(xss_type_name(XSS_REC_END), "END");
	assert_string_equal(xss_type_name(XSS_REC_NODE_DATA), "NODE_DATA");
	assert_string_equal(xss_type_name(XSS_REC_TRANSACTION_NODE_DATA),
			    "TRANSACTION_NODE_DATA");
	assert_string_equal(xss_type_name(XSS_REC_TRANSACTION_EVENT),
			    "TRANSACTION_EVENT");
	assert_string_equal(xss_type_name(XSS_REC_TYPE_COUNT), "UNKNOWN");
	assert_string_equal(xss_type_name(0x7fffffffu), "UNKNOWN");
	assert_string_equal(xss_type_name(0x80000000u), "OPTIONAL");
	assert_string_equal(xss_type_name(0xffffffffu), "OPTIONAL");
	assert_string_equal(xss_kind_name(XSS_KIND_LIVE_UPDATE),
			    "LIVE_UPDATE");
	assert_string_equal(xss_kind_name(XSS_KIND_MIGRATION), "MIGRATION");
	assert_string_equal(xss_kind_name(XSS_KIND_DUMP), "DUMP");
	assert_string_equal(xss_kind_name(0), "UNKNOWN");
	assert_string_equal(xss_kind_name(4), "UNKNOWN");
}

static const char *
path_why(const char *p, bool special)
{
	size_t at;

	return xss_path_invalid(p, strlen(p), special, &at);
}

static void
test_path_syntax(void **state)
{
	static const char *good[] = {
		"/", "/a", "/local/domain/0/backend/vbd/5/768",
		"/abcxyzABCXYZ0189-_@", "/a-b/c_d/@e",
	};
	static const char *bad[] = {
		"", "a", "a/b", "//", "/a//b", "/a/", "/a.b", "/a b", "/a:b",
		"/a\\b", "/a\tb", "/a\x80", "/a\xff", "/*", "/a~", "@a",
	};
	size_t i, at;
	char *p;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_null(path_why(good[i], false));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!path_why(bad[i], false))
			fail_msg("%s accepted", bad[i]);
	assert_null(path_why("@releaseDomain", true));
	assert_null(path_why("@a/b", true));
	assert_null(path_why("/a", true));
	assert_non_null(path_why("@", true));
	assert_non_null(path_why("@a/", true));
	assert_non_null(path_why("@a//b", true));
	assert_non_null(path_why("@a.b", true));
	assert_non_null(path_why("a", true));

	assert_string_equal(xss_path_invalid("/a.b", 4, false, &at),
			    "has an invalid character");
	assert_int_equal(at, 2);
	assert_string_equal(xss_path_invalid("/a//b", 5, false, &at),
			    "has \"//\"");
	assert_int_equal(at, 2);
	assert_string_equal(xss_path_invalid("/a/", 3, false, &at),
			    "ends with '/'");
	assert_int_equal(at, SIZE_MAX);
	assert_string_equal(xss_path_invalid("x", 1, false, &at),
			    "is not absolute");

	/* 3072 octets are fine, 3073 are not. */
	p = long_path(ROOT(state), "/x", XSS_MAX_PATH + 1);
	assert_string_equal(xss_path_invalid(p, XSS_MAX_PATH + 1, false, &at),
			    "is longer than 3072 octets");
	assert_null(xss_path_invalid(p, XSS_MAX_PATH, false, &at));
}

static void
test_name_syntax(void **state)
{
	size_t at;

	(void)state;
	assert_null(xss_name_invalid("a-b_C9@", 7, &at));
	assert_string_equal(xss_name_invalid("", 0, &at), "is empty");
	assert_string_equal(xss_name_invalid("a/b", 3, &at), "has a '/'");
	assert_int_equal(at, 1);
	assert_string_equal(xss_name_invalid("a.b", 3, &at),
			    "has an invalid character");
}

static void
test_below_and_home(void **state)
{
	char home[XSS_HOME_MAX];

	(void)state;
	assert_int_equal(xss_home(home, 5), strlen("/local/domain/5"));
	assert_string_equal(home, "/local/domain/5");
	assert_int_equal(xss_home(home, 0x7fef), strlen("/local/domain/32751"));
	assert_true(xss_path_below("/a/b", 4, "/a", 2));
	assert_true(xss_path_below("/a", 2, "/", 1));
	assert_false(xss_path_below("/", 1, "/", 1));
	assert_false(xss_path_below("/a", 2, "/a", 2));
	assert_false(xss_path_below("/ab", 3, "/a", 2));
	assert_false(xss_path_below("/b/a", 4, "/a", 2));
}

static void
test_quote(void **state)
{
	TALLOC_CTX *ctx = ROOT(state);
	char long_s[100];

	assert_string_equal(xss_quote(ctx, "/a", 2), "\"/a\"");
	assert_string_equal(xss_quote(ctx, "a\0\"\\\xff", 5),
			    "\"a\\x00\\x22\\x5c\\xff\"");
	memset(long_s, 'x', sizeof(long_s));
	assert_int_equal(strlen(xss_quote(ctx, long_s, sizeof(long_s))),
			 64 + 2 + 3);
}

static void
test_set(void **state)
{
	struct xss_set *s = xss_set_new(ROOT(state));
	char key[32];
	uint32_t i, v;

	assert_non_null(s);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "/k/%u", i);
		assert_int_equal(xss_set_add(s, key, strlen(key), i, NULL), 0);
	}
	assert_int_equal(xss_set_count(s), 20000);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "/k/%u", i);
		assert_true(xss_set_find(s, key, strlen(key), &v));
		assert_int_equal(v, i);
		assert_int_equal(xss_set_add(s, key, strlen(key), 0, &v),
				 EEXIST);
		assert_int_equal(v, i);
	}
	assert_false(xss_set_find(s, "/k/20000", 8, NULL));
	/* Prefixes and binary keys are keys of their own. */
	assert_false(xss_set_find(s, "/k/1", 3, NULL));
	assert_int_equal(xss_set_add(s, "", 0, 7, NULL), 0);
	assert_int_equal(xss_set_add(s, "\0", 1, 8, NULL), 0);
	assert_true(xss_set_find(s, "", 0, &v));
	assert_int_equal(v, 7);
	assert_true(xss_set_find(s, "\0", 1, &v));
	assert_int_equal(v, 8);
	/* A key larger than an arena chunk. */
	{
		char *big = talloc_zero_size(s, 100000);

		assert_int_equal(xss_set_add(s, big, 100000, 9, NULL), 0);
		assert_true(xss_set_find(s, big, 100000, &v));
		assert_int_equal(v, 9);
	}
	talloc_free(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, root_setup, root_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_crc_vector),
		T(test_crc_chains),
		T(test_crc_paths_agree),
		T(test_names),
		T(test_path_syntax),
		T(test_name_syntax),
		T(test_below_and_home),
		T(test_quote),
		T(test_set),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("xss_basics", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
