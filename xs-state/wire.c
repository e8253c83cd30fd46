// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * wire.c - walking the xenstore messages that queued input and pending
 * output hold (xss_private.h), for the readers and writers that check
 * such buffers.
 */
#include "xss_private.h"

#define MSG_HDR 16		/* struct xsd_sockmsg */
#define MSG_LEN_AT 12		/* its len field */

void
xss_walk_msgs(const uint8_t *p, uint32_t n, bool big, uint32_t max,
	      struct xss_msgs *w)
{
	uint32_t at = 0, len;

	while (at < n) {
		w->at = at;
		if (n - at < MSG_HDR) {
			w->end = XSS_MSGS_HDR_CUT;
			return;
		}
		len = xss_dec_u32(p + at + MSG_LEN_AT, big);
		w->len = len;
		if (len > max) {
			w->end = XSS_MSGS_TOO_LONG;
			return;
		}
		if (n - at - MSG_HDR < len) {
			w->end = XSS_MSGS_BODY_CUT;
			return;
		}
		at += MSG_HDR + len;
	}
	w->at = n;
	w->end = XSS_MSGS_WHOLE;
}
