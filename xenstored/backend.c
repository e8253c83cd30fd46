// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend.c - picking the backend implementation.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <talloc.h>

#include "backend.h"
#include "xsd.h"

static struct backend *
start(struct xsd *xsd, const struct backend_ops *ops, int fd, int *err)
{
	struct backend *b = talloc_zero(xsd, struct backend);

	if (!b) {
		*err = ENOMEM;
		return NULL;
	}
	b->ops = ops;
	b->xsd = xsd;
	if (fd < 0)
		*err = ops->open(b);
	else
		*err = ops->adopt ? ops->adopt(b, fd) : ENOTSUP;
	if (*err) {
		talloc_free(b);
		return NULL;
	}
	return b;
}

struct backend *
backend_adopt(struct xsd *xsd, const struct backend_ops *ops, int fd,
	      int *err)
{
	return start(xsd, ops, fd, err);
}

struct backend *
backend_open(struct xsd *xsd, const char *name, int *err)
{
	const struct backend_ops *ops;

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
	return start(xsd, ops, -1, err);
}

int
backend_tick(struct xsd *xsd)
{
	struct backend *b = xsd->backend;

	return b && b->ops->tick ? b->ops->tick(b) : -1;
}
