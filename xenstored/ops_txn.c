// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_txn.c - handlers of TRANSACTION_START and TRANSACTION_END.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "handlers.h"
#include "proto.h"
#include "txn.h"

/* TRANSACTION_START | -> <transid>| */
int
do_transaction_start(struct req *r)
{
	struct txn *t = NULL;
	char id[16];
	int ret;

	/* Transactions do not nest. */
	if (r->hdr.tx_id)
		return EBUSY;
	ret = txn_start(r->conn, &t);
	if (ret)
		return ret;
	snprintf(id, sizeof(id), "%u", t->id);
	return proto_reply_str(r, id);
}

/* TRANSACTION_END T| or F| */
int
do_transaction_end(struct req *r)
{
	const char *arg = proto_onearg(r);
	bool commit;
	int ret;

	if (!r->txn)
		return ENOENT;
	if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
		return EINVAL;
	commit = arg[0] == 'T';
	ret = txn_end(r->txn, commit);
	r->txn = NULL;
	return ret ? ret : proto_ack(r);
}
