// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_domain.c - the domain table's port index (domain_set_port): an
 * event channel notification finds its domain with one lookup.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "backend.h"
#include "hash.h"
#include "xsd_fixture.h"

static int
setup(void **state)
{
	return fix_setup(state, 0);
}

static struct domain *
by_port(struct fix *f, uint32_t port)
{
	char key[12];

	snprintf(key, sizeof(key), "%u", port);
	return hash_get(f->xsd->ports, key);
}

static void
test_set_move_clear(void **state)
{
	struct fix *f = *state;
	struct domain *d5 = domain_get(f->xsd, 5, false);
	struct domain *d7 = domain_get(f->xsd, 7, false);

	assert_int_equal(domain_set_port(d5, 10), 0);
	assert_ptr_equal(by_port(f, 10), d5);
	assert_int_equal(d5->local_port, 10);
	/* A new channel (re-INTRODUCE) moves the domain to its new port. */
	assert_int_equal(domain_set_port(d5, 11), 0);
	assert_null(by_port(f, 10));
	assert_ptr_equal(by_port(f, 11), d5);
	assert_int_equal(domain_set_port(d7, 10), 0);
	assert_ptr_equal(by_port(f, 10), d7);
	assert_int_equal(domain_set_port(d5, 0), 0);
	assert_int_equal(d5->local_port, 0);
	assert_null(by_port(f, 11));
	assert_ptr_equal(by_port(f, 10), d7);
	assert_int_equal(hash_count(f->xsd->ports), 1);
	/* Clearing twice is harmless. */
	assert_int_equal(domain_set_port(d5, 0), 0);
	assert_int_equal(domain_set_port(d7, 0), 0);
	assert_int_equal(hash_count(f->xsd->ports), 0);
}

/* A port claimed by a second domain: clearing the first keeps the second. */
static void
test_port_taken_over(void **state)
{
	struct fix *f = *state;
	struct domain *d5 = domain_get(f->xsd, 5, false);
	struct domain *d7 = domain_get(f->xsd, 7, false);

	assert_int_equal(domain_set_port(d5, 20), 0);
	assert_int_equal(domain_set_port(d7, 20), 0);
	assert_ptr_equal(by_port(f, 20), d7);
	assert_int_equal(domain_set_port(d5, 0), 0);
	assert_ptr_equal(by_port(f, 20), d7);
	assert_int_equal(domain_set_port(d7, 0), 0);
	assert_null(by_port(f, 20));
}

/* Thousands of domains: each port finds its own. */
static void
test_many_ports(void **state)
{
	struct fix *f = *state;
	unsigned int i;

	for (i = 1000; i < 6000; i++) {
		struct domain *d = domain_get(f->xsd, i, true);

		assert_non_null(d);
		assert_int_equal(domain_set_port(d, 100000 + i), 0);
	}
	for (i = 1000; i < 6000; i++)
		assert_int_equal(by_port(f, 100000 + i)->domid, i);
	/* A notification on a port nobody owns is ignored. */
	backend_port_fired(f->xsd, 99);
	for (i = 1000; i < 6000; i++) {
		struct domain *d = domain_get(f->xsd, i, false);

		assert_int_equal(domain_set_port(d, 0), 0);
		/* The table never forgets a domain; the fixture wants it. */
		assert_ptr_equal(hash_del(f->xsd->domains, d->key), d);
		talloc_free(d);
	}
	assert_int_equal(hash_count(f->xsd->ports), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_set_move_clear),
		T(test_port_taken_over),
		T(test_many_ports),
	};
	int ret;

	talloc_enable_null_tracking();
	ret = cmocka_run_group_tests_name("domain", tests, NULL, NULL);
	talloc_disable_null_tracking();
	return ret;
}
