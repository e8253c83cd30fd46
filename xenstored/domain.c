/*
 * domain.c - the table of domains known to the daemon and their
 * accounting.
 */
#include <errno.h>
#include <stdio.h>

#include <talloc.h>

#include "domain.h"
#include "hash.h"
#include "xsd.h"

struct domain *
domain_get(struct xsd *xsd, unsigned int domid, bool create)
{
	struct domain *d;
	char key[12];

	snprintf(key, sizeof(key), "%u", domid);
	d = hash_get(xsd->domains, key);
	if (d || !create)
		return d;
	d = talloc_zero(xsd->domains, struct domain);
	if (!d)
		return NULL;
	d->xsd = xsd;
	d->domid = domid;
	snprintf(d->key, sizeof(d->key), "%u", domid);
	d->quota = xsd->quota;
	if (hash_put(xsd->domains, d->key, d)) {
		talloc_free(d);
		return NULL;
	}
	return d;
}

int
domain_init(struct xsd *xsd)
{
	struct domain *d;

	xsd->domains = hash_new(xsd);
	if (!xsd->domains)
		return ENOMEM;
	d = domain_get(xsd, 0, true);
	if (!d)
		return ENOMEM;
	d->introduced = true;
	return 0;
}

bool
domain_is_unprivileged(const struct domain *d)
{
	return d->domid != 0;
}

void
domain_nodes_add(struct xsd *xsd, unsigned int owner, int delta)
{
	struct domain *d = domain_get(xsd, owner, delta > 0);

	if (!d)
		return;
	if (delta < 0 && d->nodes < (unsigned int)-delta)
		d->nodes = 0;
	else
		d->nodes += (unsigned int)delta;
}
