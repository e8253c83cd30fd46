/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * migration.h - carrying one domain's xenstore state to another host
 * (docs/migration.md): CONTROL migrate-export, migrate-import and
 * migrate-resume, the image passing through a descriptor the client
 * hands over with the request (SCM_RIGHTS).
 */
#ifndef XSD_MIGRATION_H
#define XSD_MIGRATION_H

struct req;

int migration_control(struct req *r, const char **argv, unsigned int argc,
		      const char *cmd);

#endif /* XSD_MIGRATION_H */
