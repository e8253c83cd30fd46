/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perms.h - node permissions: the "<letter><domid>" strings of the wire
 * and the access rules of docs/misc/xenstore.txt.
 *
 * The first entry names the owner, who always has full access; its
 * letter is the access of every domain without an entry of its own.
 */
#ifndef XSD_PERMS_H
#define XSD_PERMS_H

#include <stdint.h>
#include <talloc.h>

#define PERM_NONE 0u
#define PERM_READ 1u
#define PERM_WRITE 2u
#define PERM_BOTH (PERM_READ | PERM_WRITE)

/* No target domain (SET_TARGET never used). */
#define PERM_NO_TARGET UINT32_MAX

struct perm {
	uint32_t id;		/* domid */
	uint32_t access;	/* PERM_* bits */
};

/*
 * Parse count NUL-terminated strings starting at buf (len bytes in all)
 * into a talloc array.  Returns 0, EINVAL or ENOMEM.
 */
int perms_parse(TALLOC_CTX *mem_ctx, const char *buf, size_t len,
		struct perm **out, unsigned int *num);
/* One perm string, e.g. "r5". Returns 0 or EINVAL. */
int perm_parse_one(const char *s, struct perm *out);

/* NUL-separated wire form ("b0\0r5\0"); *len gets the byte count. */
char *perms_format(TALLOC_CTX *mem_ctx, const struct perm *p,
		   unsigned int num, size_t *len);
/* Human form, space separated: "b0 r5". */
char *perms_text(TALLOC_CTX *mem_ctx, const struct perm *p,
		 unsigned int num);

/* Access bits domid has (target: the domain it targets, if any). */
uint32_t perms_access(const struct perm *p, unsigned int num,
		      uint32_t domid, uint32_t target);

#endif /* XSD_PERMS_H */
