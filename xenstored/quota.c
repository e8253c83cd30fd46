// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quota.c - quota names, defaults and the limit test.
 */
#include <errno.h>
#include <string.h>

#include "xs_wire_ext.h"

#include "quota.h"

static const char *const names[Q_N] = {
	[Q_NODES] = "nodes",
	[Q_WATCHES] = "watches",
	[Q_OUTSTANDING] = "outstanding",
	[Q_MEMORY] = "memory",
	[Q_TRANSACTIONS] = "transactions",
	[Q_TRANSACTION_NODES] = "transaction-nodes",
	[Q_NODE_PERMS] = "permissions",	/* the spec's name */
	[Q_PATH_MAX] = "path-max",
	[Q_NODE_SIZE] = "node-size",
};

void
quota_defaults(struct quota_set *q)
{
	memset(q, 0, sizeof(*q));
	q->hard[Q_NODES] = 1000;
	q->hard[Q_WATCHES] = 128;
	q->hard[Q_OUTSTANDING] = 20;
	q->hard[Q_MEMORY] = 2560 * 1024;
	q->soft[Q_MEMORY] = 2048 * 1024;
	q->hard[Q_TRANSACTIONS] = 10;
	q->hard[Q_TRANSACTION_NODES] = 1024;
	q->hard[Q_NODE_PERMS] = 5;
	q->hard[Q_PATH_MAX] = XENSTORE_REL_PATH_MAX;
	q->hard[Q_NODE_SIZE] = 2048;
}

const char *
quota_name(enum quota_kind k)
{
	return names[k];
}

int
quota_lookup(const char *name, enum quota_kind *k, bool *soft)
{
	unsigned int i;

	*soft = !strncmp(name, "soft-", 5);
	if (*soft)
		name += 5;
	if (!strcmp(name, "node-permissions")) {	/* upstream's name */
		*k = Q_NODE_PERMS;
		return 0;
	}
	for (i = 0; i < Q_N; i++) {
		if (!strcmp(name, names[i])) {
			*k = (enum quota_kind)i;
			return 0;
		}
	}
	return EINVAL;
}

bool
quota_exceeded(unsigned int limit, unsigned int cur, unsigned int add)
{
	return limit && cur + add > limit;
}
