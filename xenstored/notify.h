/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify.h - telling the service manager about the daemon's state: the
 * protocol of sd_notify(3), spoken without libsystemd.
 *
 * The protocol is one datagram of newline-separated VAR=value lines
 * ("READY=1", "MAINPID=<pid>", "STATUS=<text>", "STOPPING=1") sent to
 * the Unix socket named by $NOTIFY_SOCKET.  libsystemd would bring
 * seven shared objects (libcap, libgcrypt, liblzma, ...) into every
 * start of the binary, and a live update's new process starts inside
 * the downtime that guests see.
 *
 * $NOTIFY_SOCKET is never unset: it must still be there for the process
 * that a live update execs.
 */
#ifndef XSD_NOTIFY_H
#define XSD_NOTIFY_H

#include "log.h"	/* XSD_PRINTF */

/*
 * Send msg as one datagram to $NOTIFY_SOCKET.  0 when it was sent or
 * when NOTIFY_SOCKET is unset (nobody listens for it), else an errno:
 * EINVAL for an address that is neither an absolute path nor '@' with
 * an abstract name, or too long; EAFNOSUPPORT for a "vsock:" address;
 * the socket's error otherwise (ECONNREFUSED, ENOENT: nobody bound).
 */
int notify_send(const char *msg);

/* notify_send of a formatted message; EMSGSIZE above 1 KiB. */
int notify_sendf(const char *fmt, ...) XSD_PRINTF(1, 2);

#endif /* XSD_NOTIFY_H */
