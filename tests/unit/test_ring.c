// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_ring.c - the shared-page byte queues (xenstored/ring.c): wrap
 * around the end of the buffer, free-running offsets crossing 2^32,
 * partial transfers when full or empty, inconsistent offsets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ring.h"

struct queue {
	char buf[XENSTORE_RING_SIZE];
	XENSTORE_RING_IDX cons, prod;
};

static void
fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void
test_used(void **state)
{
	(void)state;
	assert_int_equal(ring_used(0, 0), 0);
	assert_int_equal(ring_used(5, 1029), 1024);
	assert_int_equal(ring_used(5, 1030), -1);
	assert_int_equal(ring_used(0xfffffff0u, 0x10u), 0x20);
	assert_int_equal(ring_used(10, 9), -1);	/* producer behind */
}

static void
test_put_take_roundtrip(void **state)
{
	struct queue q = { .cons = 0, .prod = 0 };
	uint8_t in[300], out[300];

	(void)state;
	fill(in, sizeof(in), 1);
	assert_int_equal(ring_put(q.buf, &q.cons, &q.prod, in, 300), 300);
	assert_int_equal(q.prod, 300);
	assert_int_equal(ring_take(q.buf, &q.cons, &q.prod, out, 300), 300);
	assert_int_equal(q.cons, 300);
	assert_memory_equal(in, out, 300);
	assert_int_equal(ring_take(q.buf, &q.cons, &q.prod, out, 300), 0);
}

static void
test_wrap(void **state)
{
	struct queue q = { .cons = 1000, .prod = 1000 };
	uint8_t in[100], out[100];

	(void)state;
	fill(in, sizeof(in), 9);
	/* bytes 1000..1099: 24 at the end of the buffer, 76 at its start */
	assert_int_equal(ring_put(q.buf, &q.cons, &q.prod, in, 100), 100);
	assert_memory_equal(q.buf + 1000, in, 24);
	assert_memory_equal(q.buf, in + 24, 76);
	assert_int_equal(ring_take(q.buf, &q.cons, &q.prod, out, 100), 100);
	assert_memory_equal(in, out, 100);
}

static void
test_index_overflow(void **state)
{
	struct queue q = { .cons = 0xfffffe00u, .prod = 0xfffffe00u };
	uint8_t in[1024], out[1024];
	int round;

	(void)state;
	/* Several full rounds across the 2^32 boundary. */
	for (round = 0; round < 4; round++) {
		fill(in, sizeof(in), (uint8_t)round);
		assert_int_equal(ring_put(q.buf, &q.cons, &q.prod, in, 1024),
				 1024);
		assert_int_equal(ring_take(q.buf, &q.cons, &q.prod, out,
					   1024), 1024);
		assert_memory_equal(in, out, 1024);
	}
	assert_int_equal(q.prod, 0xfffffe00u + 4 * 1024);	/* wrapped */
	assert_true(q.prod < 0x1000);
}

static void
test_partial_when_full(void **state)
{
	struct queue q = { .cons = 7, .prod = 7 };
	uint8_t in[1500], out[1500];

	(void)state;
	fill(in, sizeof(in), 3);
	assert_int_equal(ring_put(q.buf, &q.cons, &q.prod, in, 1500), 1024);
	assert_int_equal(ring_put(q.buf, &q.cons, &q.prod, in, 10), 0);
	/* the reader takes a part; the writer continues where it stopped */
	assert_int_equal(ring_take(q.buf, &q.cons, &q.prod, out, 600), 600);
	assert_int_equal(ring_put(q.buf, &q.cons, &q.prod, in + 1024, 476),
			 476);
	assert_int_equal(ring_take(q.buf, &q.cons, &q.prod, out + 600, 1500),
			 900);
	assert_memory_equal(in, out, 1500);
}

static void
test_partial_message_bytes(void **state)
{
	struct queue q = { .cons = 50, .prod = 50 };
	uint8_t in[40], out[40];

	(void)state;
	fill(in, sizeof(in), 5);
	/* a message arriving in three pieces is read as it comes */
	assert_int_equal(ring_put(q.buf, &q.cons, &q.prod, in, 5), 5);
	assert_int_equal(ring_take(q.buf, &q.cons, &q.prod, out, 40), 5);
	assert_int_equal(ring_put(q.buf, &q.cons, &q.prod, in + 5, 30), 30);
	assert_int_equal(ring_put(q.buf, &q.cons, &q.prod, in + 35, 5), 5);
	assert_int_equal(ring_take(q.buf, &q.cons, &q.prod, out + 5, 40), 35);
	assert_memory_equal(in, out, 40);
}

static void
test_inconsistent(void **state)
{
	struct queue q = { .cons = 100, .prod = 100 + 5000 };
	uint8_t buf[16];

	(void)state;
	assert_int_equal(ring_take(q.buf, &q.cons, &q.prod, buf, 16), -1);
	assert_int_equal(q.cons, 100);		/* nothing consumed */
	assert_int_equal(ring_put(q.buf, &q.cons, &q.prod, buf, 16), -1);
	assert_int_equal(q.prod, 100 + 5000);	/* nothing produced */
	q.prod = 99;				/* producer behind consumer */
	assert_int_equal(ring_take(q.buf, &q.cons, &q.prod, buf, 16), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_used),
		cmocka_unit_test(test_put_take_roundtrip),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_index_overflow),
		cmocka_unit_test(test_partial_when_full),
		cmocka_unit_test(test_partial_message_bytes),
		cmocka_unit_test(test_inconsistent),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
