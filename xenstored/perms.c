// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perms.c - parse, format and evaluate node permissions.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "perms.h"

static const char perm_letters[] = "nrwb";	/* indexed by PERM_* bits */

int
perm_parse_one(const char *s, struct perm *out)
{
	const char *l = strchr(perm_letters, s[0]);
	unsigned long id = 0;
	const char *d;

	if (!s[0] || !l)
		return EINVAL;
	d = s + 1;
	if (!*d || strlen(d) > 5)
		return EINVAL;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return EINVAL;
		id = id * 10 + (unsigned long)(*d - '0');
	}
	if (id > 65535)
		return EINVAL;
	out->id = (uint32_t)id;
	out->access = (uint32_t)(l - perm_letters);
	return 0;
}

int
perms_parse(TALLOC_CTX *mem_ctx, const char *buf, size_t len,
	    struct perm **out, unsigned int *num)
{
	struct perm *p;
	unsigned int n = 0, i;
	size_t off;
	int ret;

	if (len == 0 || buf[len - 1] != 0)
		return EINVAL;
	for (off = 0; off < len; off++)
		if (buf[off] == 0)
			n++;
	p = talloc_array(mem_ctx, struct perm, n);
	if (!p)
		return ENOMEM;
	for (i = 0, off = 0; i < n; i++) {
		ret = perm_parse_one(buf + off, &p[i]);
		if (ret) {
			talloc_free(p);
			return ret;
		}
		off += strlen(buf + off) + 1;
	}
	*out = p;
	*num = n;
	return 0;
}

/* A letter, up to ten digits (any uint32_t id) and the NUL. */
#define PERM_TEXT_MAX 12

char *
perms_format(TALLOC_CTX *mem_ctx, const struct perm *p, unsigned int num,
	     size_t *len)
{
	char *s = talloc_array(mem_ctx, char, (size_t)num * PERM_TEXT_MAX + 1);
	size_t off = 0;
	unsigned int i;
	int n;

	if (!s)
		return NULL;
	for (i = 0; i < num; i++) {
		n = snprintf(s + off, PERM_TEXT_MAX, "%c%u",
			     perm_letters[p[i].access & 3], p[i].id);
		if (n < 0 || n >= PERM_TEXT_MAX) {
			talloc_free(s);
			return NULL;
		}
		off += (size_t)n + 1;
	}
	*len = off;
	return s;
}

char *
perms_text(TALLOC_CTX *mem_ctx, const struct perm *p, unsigned int num)
{
	char *s = talloc_strdup(mem_ctx, "");
	unsigned int i;

	for (i = 0; s && i < num; i++)
		s = talloc_asprintf_append(s, "%s%c%u", i ? " " : "",
					   perm_letters[p[i].access & 3],
					   p[i].id);
	return s;
}

static uint32_t
perms_entry(const struct perm *p, unsigned int num, uint32_t domid,
	    bool *found)
{
	unsigned int i;

	*found = true;
	if (p[0].id == domid)
		return PERM_BOTH;
	for (i = 1; i < num; i++)
		if (p[i].id == domid)
			return p[i].access;
	*found = false;
	return p[0].access;
}

uint32_t
perms_access(const struct perm *p, unsigned int num, uint32_t domid,
	     uint32_t target)
{
	uint32_t mine, theirs;
	bool found, tfound;

	if (num == 0)
		return PERM_NONE;
	mine = perms_entry(p, num, domid, &found);
	if (target == PERM_NO_TARGET)
		return mine;
	/* A domain acting for its target gets the target's rights too. */
	theirs = perms_entry(p, num, target, &tfound);
	if (!found && !tfound)
		return mine;
	return (found ? mine : 0) | (tfound ? theirs : 0);
}
