/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xs_state_format.h - the xenstore state image format, on-disk constants.
 *
 * Normative text: docs/xs-state-format.md.  This header mirrors it: the
 * numbers here never change meaning once released; new record types and
 * flag bits are added, old ones are not renumbered.  In-memory daemon
 * structures never use these values directly: the walker and restorer
 * convert.
 *
 * Only xs-state/ and code that builds or reads images through the
 * library (include/xs_state.h) include this file.
 */
#ifndef XS_STATE_FORMAT_H
#define XS_STATE_FORMAT_H

#include <stdint.h>

/* --- header (64 octets) --------------------------------------------- */

#define XSS_IDENT "xs-state"		/* 8 octets, no NUL */
#define XSS_IDENT_LEN 8
#define XSS_HEADER_LEN 64
#define XSS_VERSION 1			/* written by this implementation */
#define XSS_VERSION_OLDEST 1		/* oldest read: V and V-1, from 1 */
#define XSS_PRODUCER_LEN 32

/* flags (big-endian, like ident and version) */
#define XSS_FLAG_BIG_ENDIAN 0x00000001u	/* byte order of the rest */
#define XSS_FLAGS_KNOWN XSS_FLAG_BIG_ENDIAN

/* image kinds */
#define XSS_KIND_LIVE_UPDATE 1
#define XSS_KIND_MIGRATION 2
#define XSS_KIND_DUMP 3

#define XSS_NO_DOMID 0xffffffffu	/* header domid of non-migration */
#define XSS_NO_FD (-1)

/* --- records ------------------------------------------------------- */

#define XSS_REC_HEADER_LEN 8		/* type u32, len u32 */
#define XSS_ALIGN 8			/* records are padded to this */
#define XSS_REC_OPTIONAL 0x80000000u	/* type bit: readers may skip */

#define XSS_REC_END			0x00000000u
#define XSS_REC_NODE_DATA		0x00000001u
#define XSS_REC_WATCH_DATA		0x00000002u
#define XSS_REC_TRANSACTION_DATA	0x00000003u
#define XSS_REC_TRANSACTION_NODE_DATA	0x00000004u
#define XSS_REC_GUEST_RING_DATA		0x00000005u
#define XSS_REC_DOMAIN_START		0x00000006u
#define XSS_REC_SOCKET_START		0x00000007u
#define XSS_REC_GLOBAL_DATA		0x00000008u
#define XSS_REC_QUOTA_DATA		0x00000009u
#define XSS_REC_CONN_INPUT		0x0000000au
#define XSS_REC_SPECIAL_PERMS		0x0000000bu
#define XSS_REC_TRANSACTION_EVENT	0x0000000cu
#define XSS_REC_PARTIAL_OUTPUT		0x0000000du
#define XSS_REC_LIVE_UPDATE		0x0000000eu
#define XSS_REC_STORE_FD		0x0000000fu
#define XSS_REC_TYPE_COUNT		0x00000010u	/* known mandatory */

/* Fixed parts of record bodies (octets before the variable data). */
#define XSS_END_LEN 8			/* crc32c u32, reserved u32 */
#define XSS_NODE_FIXED 24
#define XSS_WATCH_FIXED 16
#define XSS_TXN_FIXED 16
#define XSS_TXN_NODE_FIXED 40
#define XSS_DOMAIN_FIXED 48
#define XSS_SOCKET_FIXED 16
#define XSS_GLOBAL_FIXED 32
#define XSS_QUOTA_FIXED 8
#define XSS_QUOTA_ENTRY 12
#define XSS_SPECIAL_FIXED 8
#define XSS_TXN_EVENT_FIXED 24
#define XSS_REMOVED_FIXED 8
#define XSS_LIVE_UPDATE_FIXED 24
#define XSS_STORE_FD_FIXED 16
#define XSS_OWNER_LEN 16		/* domid u32, nodes u32, bytes u64 */
#define XSS_MAX_OWNERS 65536
#define XSS_PERM_LEN 8			/* domid u32, access u32 */

/* Permission access bits. */
#define XSS_PERM_READ 0x1u
#define XSS_PERM_WRITE 0x2u

/* WATCH_DATA */
#define XSS_WATCH_RELATIVE 0x1u
#define XSS_WATCH_NO_DEPTH 0xffffffffu
#define XSS_MAX_WATCH_DEPTH 65535	/* as the WATCH request allows */

/* TRANSACTION_NODE_DATA flags */
#define XSS_TNODE_EXISTS 0x1u		/* the node exists in the txn view */
#define XSS_TNODE_CHANGED 0x2u		/* value, perms or existence changed */
#define XSS_TNODE_RECREATED 0x4u	/* removed, then created again */
#define XSS_TNODE_CHILDREN 0x8u		/* the child list is present */
#define XSS_TNODE_FLAGS_KNOWN 0xfu

/* TRANSACTION_EVENT flags */
#define XSS_TEVENT_REMOVAL 0x1u

/* DOMAIN_START flags */
#define XSS_DOM_INTRODUCED 0x1u
#define XSS_DOM_CONNECTION 0x2u		/* a ring connection follows */
#define XSS_DOM_IGNORED 0x4u		/* ring in error, not served */
#define XSS_DOM_SHUTDOWN_REPORTED 0x8u
#define XSS_DOM_FEATURES_SET 0x10u
#define XSS_DOM_IMPORTED 0x20u		/* migrate-import done, INTRODUCE to
					 * come: the connection is detached */
#define XSS_DOM_QUIESCED 0x40u		/* migrate-export done: the ring is
					 * left alone */
#define XSS_DOM_FLAGS_KNOWN 0x7fu
#define XSS_NO_TARGET 0xffffffffu
/* A DOMAIN_START of domid 0 (dom0's ring) has at least these flags. */
#define XSS_DOM_DOM0_REQUIRED (XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION)

/* SOCKET_START flags */
#define XSS_SOCK_PRIVILEGED 0x1u
#define XSS_SOCK_FLAGS_KNOWN 0x1u

/* GLOBAL_DATA backend */
#define XSS_BACKEND_NONE 0
#define XSS_BACKEND_SIM 1
#define XSS_BACKEND_XEN 2

/* QUOTA_DATA ids; readers ignore ids they do not know. */
#define XSS_QUOTA_NODES 1
#define XSS_QUOTA_WATCHES 2
#define XSS_QUOTA_OUTSTANDING 3
#define XSS_QUOTA_MEMORY 4
#define XSS_QUOTA_TRANSACTIONS 5
#define XSS_QUOTA_TRANSACTION_NODES 6
#define XSS_QUOTA_PERMISSIONS 7
#define XSS_QUOTA_PATH_MAX 8
#define XSS_QUOTA_NODE_SIZE 9

/* Bounds every reader enforces. */
#define XSS_MAX_PATH 3072		/* XENSTORE_ABS_PATH_MAX */
#define XSS_MAX_VALUE 4096		/* XENSTORE_PAYLOAD_MAX */
#define XSS_MAX_PERMS 2048
#define XSS_MAX_PERM_DOMID 0xffff	/* a domid, as the protocol's perms */
#define XSS_MAX_TOKEN 4096
#define XSS_MAX_INPUT (1u << 20)	/* whole requests, then a partial */
#define XSS_MAX_PARTIAL (16 + 4096 - 1)	/* the rest of one message */
#define XSS_MAX_ARGC 1024		/* LIVE_UPDATE command line */
#define XSS_MAX_ARGV (64u << 10)
#define XSS_MAX_OUTPUT (64u << 20)
#define XSS_MAX_CHILDREN_LEN (64u << 20)
#define XSS_MAX_REMOVED (16u << 20)
#define XSS_MAX_QUOTAS 64
#define XSS_MAX_RECORD (XSS_MAX_OUTPUT + 64)

#endif /* XS_STATE_FORMAT_H */
