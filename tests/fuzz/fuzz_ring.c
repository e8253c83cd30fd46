// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_ring.c - libFuzzer harness for the ring consumer: a guest page
 * under a hostile guest's control, served by the daemon's ring
 * transport (conn_ring.c, ring.c) and everything behind it, on a whole
 * daemon in memory (fuzz_daemon.h).
 *
 * Input: a list of steps, each an opcode octet and its operands:
 *   0 n bytes[n]   the guest produces n octets into the request queue
 *   1 u32 u32      the guest sets req_cons, req_prod to anything
 *   2 u32          the guest sets rsp_cons to anything
 *   3              the guest consumes every response octet
 *   4              the guest asks for a ring reconnection
 *   5              a notification: the daemon looks at the page
 *   6              one loop turn (connections left over, flushing)
 *   7 u32          the guest scribbles on server_features/error
 * Checks: the daemon never touches memory outside the page (ASan); once
 * it stopped serving the guest (error set) it takes nothing more from
 * the ring until a reconnection; the response queue it fills is never
 * more than a ring ahead of rsp_cons unless the guest made rsp_cons
 * inconsistent; the store stays consistent; nothing leaks
 * (LeakSanitizer).
 */
#include <stdint.h>
#include <string.h>

#include "conn_ring.h"
#include "fuzz_daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t
u32_at(const uint8_t **p, size_t *left)
{
	uint32_t v = 0;
	size_t n = *left < 4 ? *left : 4;

	memcpy(&v, *p, n);
	*p += n;
	*left -= n;
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	struct xenstore_domain_interface *intf;
	const uint8_t *p = data;
	size_t left = size;
	struct xsd *xsd;
	struct domain *d;
	bool hostile_rsp = false;
	uint32_t cons, prod;
	size_t n, i;

	if (!quiet) {
		log_init("fuzz_ring", false, false);
		quiet = true;
	}
	intf = fuzz_page = calloc(1, 4096);
	CHECK(intf);
	xsd = fuzz_daemon();
	CHECK(domain_introduce(xsd, 5, 0, 1) == 0);
	d = domain_introduced(xsd, 5);
	CHECK(d && d->conn);

	while (left) {
		uint8_t op = *p++ % 8;
		bool ignored;

		left--;
		switch (op) {
		case 0:
			n = left ? *p++ : 0;
			left -= left ? 1 : 0;
			n = n < left ? n : left;
			prod = intf->req_prod;
			for (i = 0; i < n; i++)
				intf->req[MASK_XENSTORE_IDX(prod + i)] =
					(char)p[i];
			intf->req_prod = prod + (uint32_t)n;
			p += n;
			left -= n;
			break;
		case 1:
			intf->req_cons = u32_at(&p, &left);
			intf->req_prod = u32_at(&p, &left);
			break;
		case 2:
			intf->rsp_cons = u32_at(&p, &left);
			hostile_rsp = true;
			break;
		case 3:
			intf->rsp_cons = intf->rsp_prod;
			hostile_rsp = false;
			break;
		case 4:
			intf->connection = XENSTORE_RECONNECT;
			break;
		case 5:
		case 6:
			/* Reconnecting is how a guest gets served again. */
			ignored = d->conn->ignored &&
				  intf->connection != XENSTORE_RECONNECT;
			cons = intf->req_cons;
			if (op == 5)
				backend_port_fired(xsd, d->local_port);
			fuzz_settle(xsd);
			if (ignored)
				CHECK(intf->req_cons == cons);
			if (!hostile_rsp && !d->conn->ignored)
				CHECK(intf->rsp_prod - intf->rsp_cons <=
				      XENSTORE_RING_SIZE);
			break;
		case 7:
			intf->error = u32_at(&p, &left);
			intf->server_features = intf->error;
			break;
		}
	}
	fuzz_check(xsd);
	domain_release(d);
	talloc_free(xsd);
	free(intf);
	fuzz_page = NULL;
	return 0;
}
