/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * handlers.h - the request handlers, one per message type, grouped in
 * files by subject: ops_node.c (the tree), ops_watch.c, ops_txn.c,
 * ops_domain.c (domain paths, features, quotas) and control.c.
 */
#ifndef XSD_HANDLERS_H
#define XSD_HANDLERS_H

struct req;

int do_read(struct req *r);
int do_write(struct req *r);
int do_mkdir(struct req *r);
int do_rm(struct req *r);
int do_directory(struct req *r);
int do_directory_part(struct req *r);
int do_get_perms(struct req *r);
int do_set_perms(struct req *r);

int do_watch(struct req *r);
int do_unwatch(struct req *r);
int do_reset_watches(struct req *r);

int do_transaction_start(struct req *r);
int do_transaction_end(struct req *r);

int do_get_domain_path(struct req *r);
int do_is_domain_introduced(struct req *r);
int do_introduce(struct req *r);
int do_release(struct req *r);
int do_resume(struct req *r);
int do_set_target(struct req *r);
int do_get_feature(struct req *r);
int do_set_feature(struct req *r);
int do_get_quota(struct req *r);
int do_set_quota(struct req *r);

int do_control(struct req *r);

#endif /* XSD_HANDLERS_H */
