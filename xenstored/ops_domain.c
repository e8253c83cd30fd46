// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_domain.c - handlers of the domain requests that need no guest
 * rings: GET_DOMAIN_PATH, IS_DOMAIN_INTRODUCED, GET/SET_FEATURE and
 * GET/SET_QUOTA.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "domain.h"
#include "handlers.h"
#include "path.h"
#include "proto.h"
#include "quota.h"
#include "xs_wire_ext.h"
#include "xsd.h"

/* A whole string of decimal digits, at most max.  0 or EINVAL. */
static int
parse_max(const char *s, unsigned long max, unsigned int *val)
{
	unsigned long v;
	char *end;

	if (!s[0] || s[0] == '-')
		return EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return EINVAL;
	*val = (unsigned int)v;
	return 0;
}

static int
parse_domid(const char *s, unsigned int *domid)
{
	return parse_max(s, 65535, domid);
}

static int
parse_uint(const char *s, unsigned int *val)
{
	return parse_max(s, 0xffffffffUL, val);
}

int
do_get_domain_path(struct req *r)
{
	const char *arg = proto_onearg(r);
	unsigned int domid;
	char *path;

	if (!arg || parse_domid(arg, &domid))
		return EINVAL;
	path = path_domain(r, domid);
	return path ? proto_reply_str(r, path) : ENOMEM;
}

int
do_is_domain_introduced(struct req *r)
{
	const char *arg = proto_onearg(r);
	unsigned int domid;

	if (!arg || parse_domid(arg, &domid))
		return EINVAL;
	return proto_reply_str(r, domid == 0 || domain_introduced(r->xsd, domid)
				  ? "T" : "F");
}

/* A real guest domid: not dom0, not one of the DOMID_* specials. */
static int
parse_guest(const char *s, unsigned int *domid)
{
	if (parse_domid(s, domid) || *domid == 0 || *domid >= 0x7ff0)
		return EINVAL;
	return 0;
}

/* INTRODUCE <domid>|<gfn>|<evtchn>|? */
int
do_introduce(struct req *r)
{
	const char *v[3];
	unsigned int domid, port;
	long long gfn;
	char *end;
	int ret;

	if (proto_strings(r, v, 3) < 3 || parse_guest(v[0], &domid) ||
	    parse_uint(v[2], &port) || port == 0)
		return EINVAL;
	errno = 0;
	gfn = strtoll(v[1], &end, 10);	/* signed decimal, says the spec */
	if (errno || end == v[1] || *end)
		return EINVAL;
	ret = domain_introduce(r->xsd, domid, (uint64_t)gfn, port);
	return ret ? ret : proto_ack(r);
}

/* The introduced guest named by the only argument. */
static int
onearg_domain(struct req *r, struct domain **d)
{
	const char *arg = proto_onearg(r);
	unsigned int domid;

	if (!arg || parse_guest(arg, &domid))
		return EINVAL;
	*d = domain_introduced(r->xsd, domid);
	return *d ? 0 : ENOENT;
}

int
do_release(struct req *r)
{
	struct domain *d;
	int ret = onearg_domain(r, &d);

	if (ret)
		return ret;
	domain_release(d);
	return proto_ack(r);
}

int
do_resume(struct req *r)
{
	struct domain *d;
	int ret = onearg_domain(r, &d);

	if (ret)
		return ret;
	d->shutdown_reported = false;
	return proto_ack(r);
}

/* SET_TARGET <domid>|<tdomid>|: domid acts with tdomid's rights too. */
int
do_set_target(struct req *r)
{
	const char *v[2];
	unsigned int domid, tdomid;
	struct domain *d, *td;

	if (proto_strings(r, v, 2) != 2 || parse_guest(v[0], &domid) ||
	    parse_guest(v[1], &tdomid))
		return EINVAL;
	d = domain_introduced(r->xsd, domid);
	td = domain_introduced(r->xsd, tdomid);
	if (!d || !td)
		return ENOENT;
	if (!d->conn)
		return EINVAL;
	d->target = tdomid;
	d->conn->target = tdomid;
	return proto_ack(r);
}

/* GET_FEATURE [<domid>|] -> <value>| */
int
do_get_feature(struct req *r)
{
	const char *v[1];
	unsigned int n = proto_strings(r, v, 1), domid;
	uint32_t features = XSD_FEATURES;
	struct domain *d;
	char buf[16];

	if (n > 1)
		return EINVAL;
	if (n == 1) {
		if (!r->conn->privileged)
			return EACCES;
		if (parse_domid(v[0], &domid))
			return EINVAL;
		d = domain_get(r->xsd, domid, false);
		if (!d)
			return ENOENT;
		if (d->features_set)
			features = d->features;
	}
	snprintf(buf, sizeof(buf), "%u", features);
	return proto_reply_str(r, buf);
}

/* SET_FEATURE <domid>|<value>| : only before the domain is introduced. */
int
do_set_feature(struct req *r)
{
	const char *v[2];
	unsigned int domid, val;
	struct domain *d;

	if (proto_strings(r, v, 2) != 2 || parse_domid(v[0], &domid) ||
	    parse_uint(v[1], &val))
		return EINVAL;
	if (val & ~(uint32_t)XSD_FEATURES)
		return EINVAL;
	d = domain_get(r->xsd, domid, true);
	if (!d)
		return ENOMEM;
	if (d->introduced)
		return EBUSY;
	d->features = val;
	d->features_set = true;
	return proto_ack(r);
}

/* Quota values of a domain (NULL: the defaults for new domains). */
static int
quota_target(struct req *r, const char *domid_s, struct quota_set **q)
{
	unsigned int domid;
	struct domain *d;

	if (!domid_s) {
		*q = &r->xsd->quota;
		return 0;
	}
	if (parse_domid(domid_s, &domid))
		return EINVAL;
	d = domain_get(r->xsd, domid, false);
	if (!d)
		return ENOENT;
	*q = &d->quota;
	return 0;
}

/* GET_QUOTA [[<domid>|]<quota>|] -> <value>| or the list of names */
int
do_get_quota(struct req *r)
{
	const char *v[2];
	unsigned int n = proto_strings(r, v, 2), i;
	struct quota_set *q = NULL;
	enum quota_kind k;
	char *s;
	bool soft;
	int ret;

	if (n > 2)
		return EINVAL;
	if (n == 0) {
		s = talloc_strdup(r, "");
		for (i = 0; s && i < Q_N; i++) {
			s = talloc_asprintf_append(s, "%s%s", *s ? " " : "",
						   quota_name(i));
			if (s && r->xsd->quota.soft[i])
				s = talloc_asprintf_append(s, " soft-%s",
							   quota_name(i));
		}
		return s ? proto_reply_str(r, s) : ENOMEM;
	}
	ret = quota_target(r, n == 2 ? v[0] : NULL, &q);
	if (ret)
		return ret;
	if (quota_lookup(v[n - 1], &k, &soft))
		return EINVAL;
	s = talloc_asprintf(r, "%u", soft ? q->soft[k] : q->hard[k]);
	return s ? proto_reply_str(r, s) : ENOMEM;
}

/* SET_QUOTA [<domid>|]<quota>|<value>| */
int
do_set_quota(struct req *r)
{
	const char *v[3];
	unsigned int n = proto_strings(r, v, 3), val;
	struct quota_set *q = NULL;
	enum quota_kind k;
	bool soft;
	int ret;

	if (n < 2 || n > 3)
		return EINVAL;
	ret = quota_target(r, n == 3 ? v[0] : NULL, &q);
	if (ret)
		return ret;
	if (quota_lookup(v[n - 2], &k, &soft) || parse_uint(v[n - 1], &val))
		return EINVAL;
	if (soft)
		q->soft[k] = val;
	else
		q->hard[k] = val;
	return proto_ack(r);
}
