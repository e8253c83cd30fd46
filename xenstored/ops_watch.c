// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_watch.c - handlers of WATCH, UNWATCH and RESET_WATCHES.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "handlers.h"
#include "path.h"
#include "proto.h"
#include "txn.h"
#include "watch.h"

/* WATCH <wpath>|<token>|[<depth>|]? */
int
do_watch(struct req *r)
{
	const char *v[3];
	unsigned int n = proto_strings(r, v, 3);
	int depth = WATCH_NO_DEPTH;
	char *path, *end;
	long d;
	int ret;

	if (n < 2)
		return EINVAL;
	if (n >= 3 && v[2][0]) {
		errno = 0;
		d = strtol(v[2], &end, 10);
		if (errno || *end || d < 0 || d > 65535)
			return EINVAL;
		depth = (int)d;
	}
	ret = proto_path(r, v[0], true, &path);
	if (ret)
		return ret;
	/* Ack first: clients expect the reply before the initial event. */
	ret = watch_add(r->conn, path, v[0][0] != '/' && v[0][0] != '@',
			v[1], depth);
	if (ret)
		return ret;
	proto_ack(r);
	watch_fire_initial(r->conn, path, v[1]);
	return 0;
}

/* UNWATCH <wpath>|<token>|? */
int
do_unwatch(struct req *r)
{
	const char *v[2];
	char *path;
	int ret;

	if (proto_strings(r, v, 2) < 2)
		return EINVAL;
	ret = proto_path(r, v[0], true, &path);
	if (!ret)
		ret = watch_remove(r->conn, path, v[1]);
	return ret ? ret : proto_ack(r);
}

/* RESET_WATCHES: drop every watch and transaction of the caller. */
int
do_reset_watches(struct req *r)
{
	struct txn *t, *tmp;

	watch_remove_all(r->conn);
	list_for_each_safe(t, tmp, &r->conn->txns, link)
		txn_end(t, false);
	return proto_ack(r);
}
