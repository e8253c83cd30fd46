/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quota.h - the per-domain resource limits and their names.
 *
 * Names and defaults follow upstream xenstored (docs/misc/xenstore.txt,
 * GET_QUOTA/SET_QUOTA): a value of 0 disables a check.  Each quota has a
 * hard value (requests beyond it fail) and a soft value (crossing it is
 * logged once).  dom0 and other privileged connections are not limited.
 */
#ifndef XSD_QUOTA_H
#define XSD_QUOTA_H

#include <stdbool.h>

enum quota_kind {
	Q_NODES,		/* nodes owned by a domain */
	Q_WATCHES,		/* watches of a domain */
	Q_OUTSTANDING,		/* reported; rings apply back-pressure instead */
	Q_MEMORY,		/* bytes held for a domain (domain_mem_check) */
	Q_TRANSACTIONS,		/* open transactions of a connection */
	Q_TRANSACTION_NODES,	/* nodes one transaction may touch */
	Q_NODE_PERMS,		/* permission entries of one node */
	Q_PATH_MAX,		/* path length below /local/domain/<id>/ */
	Q_NODE_SIZE,		/* bytes of a node's value */
	Q_N
};

struct quota_set {
	unsigned int hard[Q_N];
	unsigned int soft[Q_N];
};

void quota_defaults(struct quota_set *q);
const char *quota_name(enum quota_kind k);
/* "nodes" or "soft-nodes".  Returns 0 or EINVAL. */
int quota_lookup(const char *name, enum quota_kind *k, bool *soft);
/* True when adding to cur would exceed limit (0 means unlimited). */
bool quota_exceeded(unsigned int limit, unsigned int cur, unsigned int add);

#endif /* XSD_QUOTA_H */
