/*
 * state.h - the daemon's state as an xs-state image: the walker
 * (state_dump.c) and the restorer (state_restore.c).
 *
 * These two files are the daemon's only users of the xs-state library;
 * modules give them iteration and restore hooks and never see records.
 */
#ifndef XSD_STATE_H
#define XSD_STATE_H

#include <stdint.h>

#include <talloc.h>

struct conn;
struct xsd;
struct xss_sink;

#define XSD_VERSION "0.1"

/*
 * Write the whole state as an image of the given kind (XSS_KIND_*),
 * leaving out the connection exclude (NULL: none) - for a debug dump,
 * the one that asked for it.  0 or an errno; *errmsg (may be NULL)
 * says why.
 */
int state_dump(struct xsd *xsd, struct xss_sink *sink, uint32_t kind,
	       const struct conn *exclude, char **errmsg,
	       TALLOC_CTX *mem_ctx);
/* A DUMP image into a new file (mode 0600). */
int state_dump_file(struct xsd *xsd, const char *path,
		    const struct conn *exclude, char **errmsg,
		    TALLOC_CTX *mem_ctx);

/* The image id of a daemon quota kind (enum quota_kind). */
uint32_t state_quota_id(unsigned int kind);

/*
 * Rebuild the state of a freshly started daemon (empty store, no
 * connections) from an image.  The whole image is read and checked
 * first; nothing changes when that fails.  Connections come back
 * detached (their descriptors belong to another process): they keep
 * their watches, transactions and buffers for inspection.
 */
int state_restore_file(struct xsd *xsd, const char *path, char **errmsg,
		       TALLOC_CTX *mem_ctx);

#endif /* XSD_STATE_H */
