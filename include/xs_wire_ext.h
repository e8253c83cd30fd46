/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xs_wire_ext.h - the parts of the xenstore wire ABI that newer Xen
 * releases define and Debian's Xen 4.17 <xen/io/xs_wire.h> lacks.
 *
 * Everything else (message header, type numbers up to DIRECTORY_PART,
 * error table, ring layout, payload limits) comes from <xen/io/xs_wire.h>
 * itself.  The names here carry an XSX_ prefix so that building against
 * a newer header, which defines XS_GET_FEATURE etc. as enum members,
 * does not clash.
 */
#ifndef XS_WIRE_EXT_H
#define XS_WIRE_EXT_H

#include <stdint.h>
#include <xen/io/xs_wire.h>

/* Message types added in Xen 4.18 (docs/misc/xenstore.txt). */
enum {
	XSX_GET_FEATURE = 23,
	XSX_SET_FEATURE = 24,
	XSX_GET_QUOTA = 25,
	XSX_SET_QUOTA = 26,
	XSX_TYPE_COUNT = 27,
};

/* Server feature bits of the ring page (docs/misc/xenstore-ring.txt). */
#ifndef XENSTORE_SERVER_FEATURE_WATCHDEPTH
#define XENSTORE_SERVER_FEATURE_WATCHDEPTH 4
#endif
#ifndef XENSTORE_SERVER_FEATURE_DOMID_ANY
#define XENSTORE_SERVER_FEATURE_DOMID_ANY 8
#endif

#endif /* XS_WIRE_EXT_H */
