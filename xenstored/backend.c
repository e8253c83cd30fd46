/*
 * backend.c - picking the backend implementation.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <talloc.h>

#include "backend.h"
#include "xsd.h"

struct backend *
backend_open(struct xsd *xsd, const char *name, int *err)
{
	const struct backend_ops *ops;
	struct backend *b;

	if (!name)
		name = access("/dev/xen", F_OK) == 0 ? "xen" : "sim";
	if (!strcmp(name, "sim"))
		ops = &backend_sim_ops;
	else if (!strcmp(name, "xen"))
		ops = &backend_xen_ops;
	else {
		*err = EINVAL;
		return NULL;
	}
	b = talloc_zero(xsd, struct backend);
	if (!b) {
		*err = ENOMEM;
		return NULL;
	}
	b->ops = ops;
	b->xsd = xsd;
	*err = ops->open(b);
	if (*err) {
		talloc_free(b);
		return NULL;
	}
	return b;
}
