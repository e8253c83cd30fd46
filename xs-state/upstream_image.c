// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * upstream_image.c - an upstream daemon's state (the model of
 * include/xs_state_upstream.h) written as one of our LIVE_UPDATE
 * images, which the daemon's ordinary live-update restore then takes.
 *
 * What the upstream files do not say is filled in as a fresh start
 * would: generations 1, 2, ... in node order, our own connection ids,
 * transaction ids from 1, the daemon's default features, and the
 * privilege that every dom0 socket connection has.
 */
#include <errno.h>
#include <string.h>

#include "xs_state_upstream.h"
#include "xss_private.h"

static int
write_conn(struct xss_writer *w, const struct xsu_conn *c, uint32_t id,
	   TALLOC_CTX *tmp)
{
	char home[XSS_HOME_MAX];
	unsigned int i;
	int ret;

	if (c->ring) {
		struct xss_domain d = {
			.domid = c->domid,
			.conn_id = id,
			.flags = XSS_DOM_INTRODUCED | XSS_DOM_CONNECTION,
			.gfn = c->mfn,
			.remote_port = c->remote_port,
			.local_port = c->local_port,
			.target = c->target,
			.next_txid = 1,
			.evtchn_fd = XSS_NO_FD,
			.page_fd = XSS_NO_FD,
		};

		ret = xss_write_domain(w, &d);
	} else {
		struct xss_socket s = {
			.conn_id = id,
			.fd = c->fd,
			.flags = XSS_SOCK_PRIVILEGED,
			.next_txid = 1,
		};

		ret = xss_write_socket(w, &s);
	}
	xss_home(home, c->ring ? c->domid : 0);
	for (i = 0; !ret && i < c->nwatches; i++) {
		const struct xsu_watch *uw = &c->watches[i];
		struct xss_watch wa = {
			.path = uw->path,
			.token = uw->token,
			.depth = XSS_WATCH_NO_DEPTH,
			.flags = uw->relative ? XSS_WATCH_RELATIVE : 0,
		};

		if (uw->relative) {
			wa.path = talloc_asprintf(tmp, "%s/%s", home,
						  uw->path);
			if (!wa.path)
				return ENOMEM;
		}
		ret = xss_write_watch(w, &wa);
	}
	if (!ret && c->in_len)
		ret = xss_write_input(w, c->in, c->in_len);
	if (!ret && c->partial_len)
		ret = xss_write_partial_output(w, c->partial, c->partial_len);
	if (!ret && c->out_len)
		ret = xss_write_output(w, c->out, c->out_len);
	return ret;
}

int
xsu_write_image(TALLOC_CTX *ctx, const struct xsu_state *st,
		const char *producer, struct xss_sink *sink, char **err)
{
	TALLOC_CTX *tmp = talloc_new(ctx);
	struct xss_writer *w;
	struct xss_global g = {
		.generation = st->nnodes,
		.next_conn_id = st->nconns + 1,
		.socket_fd = st->socket_fd,
		.backend = XSS_BACKEND_XEN,
		.backend_fd = st->evtchn_fd,
	};
	struct xss_special sp;
	unsigned int i;
	int ret;

	*err = NULL;
	if (!tmp)
		return ENOMEM;
	w = xss_writer_new(tmp, sink, XSS_KIND_LIVE_UPDATE, XSS_NO_DOMID,
			   producer, false);
	if (!w) {
		talloc_free(tmp);
		return ENOMEM;
	}
	ret = xss_write_global(w, &g);
	if (!ret && st->introduce_perms.num) {
		sp.path = "@introduceDomain";
		sp.perms = st->introduce_perms;
		ret = xss_write_special(w, &sp);
	}
	if (!ret && st->release_perms.num) {
		sp.path = "@releaseDomain";
		sp.perms = st->release_perms;
		ret = xss_write_special(w, &sp);
	}
	for (i = 0; !ret && i < st->nnodes; i++) {
		struct xss_node n = {
			.path = st->nodes[i].path,
			.gen = i + 1,
			.perms = st->nodes[i].perms,
			.value = st->nodes[i].value,
			.len = st->nodes[i].len,
		};

		ret = xss_write_node(w, &n);
	}
	for (i = 0; !ret && i < st->nconns; i++)
		ret = write_conn(w, &st->conns[i], i + 1, tmp);
	if (!ret)
		ret = xss_write_end(w);
	if (ret)
		*err = talloc_asprintf(ctx, "writing the image: %s",
				       xss_writer_error(w) ?
				       xss_writer_error(w) : strerror(ret));
	talloc_free(tmp);
	return ret;
}
