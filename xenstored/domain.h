/*
 * domain.h - per-domain bookkeeping: accounting against quotas, the
 * quota values in force for the domain and its feature bits.
 *
 * Connections find their domain here; dom0 (the socket clients) always
 * exists.  Ring connections of guests arrive with the guest-domain work.
 */
#ifndef XSD_DOMAIN_H
#define XSD_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "quota.h"

struct xsd;

struct domain {
	struct xsd *xsd;
	unsigned int domid;
	char key[12];			/* decimal domid, the hash key */
	struct quota_set quota;		/* copied from the defaults */
	unsigned int nodes;		/* nodes owned */
	unsigned int watches;
	unsigned int txns;
	uint32_t features;		/* valid when features_set */
	bool features_set;
	bool introduced;
};

/* Find a domain; create it when create is set.  NULL when absent/OOM. */
struct domain *domain_get(struct xsd *xsd, unsigned int domid, bool create);
int domain_init(struct xsd *xsd);
/* Is the domain limited by quotas? */
bool domain_is_unprivileged(const struct domain *d);
/* Count nodes gained (+) or lost (-) by an owner. */
void domain_nodes_add(struct xsd *xsd, unsigned int owner, int delta);

#endif /* XSD_DOMAIN_H */
