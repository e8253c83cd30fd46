// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * names.c - the names of record types and image kinds, as the spec
 * spells them, for messages and the xs-state tool.
 */
#include "xss_private.h"

static const char *const type_names[XSS_REC_TYPE_COUNT] = {
	[XSS_REC_END] = "END",
	[XSS_REC_NODE_DATA] = "NODE_DATA",
	[XSS_REC_WATCH_DATA] = "WATCH_DATA",
	[XSS_REC_TRANSACTION_DATA] = "TRANSACTION_DATA",
	[XSS_REC_TRANSACTION_NODE_DATA] = "TRANSACTION_NODE_DATA",
	[XSS_REC_GUEST_RING_DATA] = "GUEST_RING_DATA",
	[XSS_REC_DOMAIN_START] = "DOMAIN_START",
	[XSS_REC_SOCKET_START] = "SOCKET_START",
	[XSS_REC_GLOBAL_DATA] = "GLOBAL_DATA",
	[XSS_REC_QUOTA_DATA] = "QUOTA_DATA",
	[XSS_REC_CONN_INPUT] = "CONN_INPUT",
	[XSS_REC_SPECIAL_PERMS] = "SPECIAL_PERMS",
	[XSS_REC_TRANSACTION_EVENT] = "TRANSACTION_EVENT",
	[XSS_REC_PARTIAL_OUTPUT] = "PARTIAL_OUTPUT",
	[XSS_REC_LIVE_UPDATE] = "LIVE_UPDATE",
	[XSS_REC_STORE_FD] = "STORE_FD",
};

const char *
xss_type_name(uint32_t type)
{
	if (type < XSS_REC_TYPE_COUNT)
		return type_names[type];
	return (type & XSS_REC_OPTIONAL) ? "OPTIONAL" : "UNKNOWN";
}

const char *
xss_kind_name(uint32_t kind)
{
	switch (kind) {
	case XSS_KIND_LIVE_UPDATE:
		return "LIVE_UPDATE";
	case XSS_KIND_MIGRATION:
		return "MIGRATION";
	case XSS_KIND_DUMP:
		return "DUMP";
	default:
		return "UNKNOWN";
	}
}

static const char *const quota_names[] = {
	[XSS_QUOTA_NODES] = "nodes",
	[XSS_QUOTA_WATCHES] = "watches",
	[XSS_QUOTA_OUTSTANDING] = "outstanding",
	[XSS_QUOTA_MEMORY] = "memory",
	[XSS_QUOTA_TRANSACTIONS] = "transactions",
	[XSS_QUOTA_TRANSACTION_NODES] = "transaction-nodes",
	[XSS_QUOTA_PERMISSIONS] = "permissions",
	[XSS_QUOTA_PATH_MAX] = "path-max",
	[XSS_QUOTA_NODE_SIZE] = "node-size",
};

const char *
xss_quota_name(uint32_t id)
{
	if (id < sizeof(quota_names) / sizeof(quota_names[0]))
		return quota_names[id];
	return NULL;
}
