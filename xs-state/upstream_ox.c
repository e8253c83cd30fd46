/*
 * upstream_ox.c - oxenstored 4.17's live-update dump (placeholder until
 * its reader lands: every file is refused).
 */
#include <errno.h>

#include "xs_state_upstream.h"

int
xsu_read_ox(TALLOC_CTX *ctx, const uint8_t *buf, size_t len,
	    struct xsu_state **st, char **err)
{
	(void)buf;
	(void)len;
	*st = NULL;
	*err = talloc_strdup(ctx, "oxenstored's dump format is not read yet");
	return ENOTSUP;
}
