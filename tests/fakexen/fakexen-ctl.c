// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fakexen-ctl - the fake hypervisor's control tool (README.md here):
 *
 *   fakexen-ctl DIR boot [PORT]   a machine with dom0 only: directories,
 *                                 dom0's page (xsd_kva) and its unbound
 *                                 port for xenstored (xsd_port); prints
 *                                 the port
 *   fakexen-ctl DIR create D      domain D with a zeroed xenstore page
 *   fakexen-ctl DIR shutdown D    D shuts down: VIRQ_DOM_EXC
 *   fakexen-ctl DIR destroy D     D is gone: its ports close, its page
 *                                 goes, VIRQ_DOM_EXC
 *   fakexen-ctl DIR hv            lifeline server on DIR/hv: a process
 *                                 connects and sends its domid (u32);
 *                                 when the connection ends the domain is
 *                                 destroyed.  Prints "ready", runs until
 *                                 SIGTERM.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <stdint.h>
#include <xen/xen.h>

#include "fx.h"

#define MAX_LIVES 1024

static int
fail(const char *what)
{
	fprintf(stderr, "fakexen-ctl: %s: %s\n", what, strerror(errno));
	return 1;
}

static int
make_page(const char *dir, const char *name)
{
	static const char zero[FX_PAGE];
	char path[4096];
	int fd;

	if (fx_path(path, sizeof(path), dir, "%s", name) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, zero, sizeof(zero)) != sizeof(zero)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int
boot(const char *dir, unsigned long want)
{
	static const char *const sub[] = { "", "domains", "grant", "evtchn",
					   "run" };
	struct fx_port p = { .kind = FX_UNBOUND };
	char path[4096], buf[32];
	unsigned int i;
	int port, fd;

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if (fx_path(path, sizeof(path), dir, "%s", sub[i]) < 0 ||
		    (mkdir(path, 0755) < 0 && errno != EEXIST))
			return fail(path);
	}
	if (make_page(dir, "xsd_kva") < 0)
		return fail("xsd_kva");
	if (want) {
		port = (int)want;
		snprintf(p.sock, sizeof(p.sock), "0.%d.sock", port);
		if (fx_port_write(dir, 0, (uint32_t)port, &p, true) < 0)
			return fail("dom0 port");
	} else {
		/* Name the socket after the port once it is known. */
		snprintf(p.sock, sizeof(p.sock), "0.new.sock");
		port = fx_port_alloc(dir, 0, &p);
		if (port < 0)
			return fail("dom0 port");
		snprintf(p.sock, sizeof(p.sock), "0.%d.sock", port);
		if (fx_port_write(dir, 0, (uint32_t)port, &p, false) < 0)
			return fail("dom0 port");
	}
	if (fx_path(path, sizeof(path), dir, "xsd_port") < 0)
		return fail("xsd_port");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	snprintf(buf, sizeof(buf), "%d", port);	/* as the kernel: no \n */
	if (fd < 0 || write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf) ||
	    close(fd) < 0)
		return fail(path);
	printf("%d\n", port);
	return 0;
}

static int
create(const char *dir, uint32_t d)
{
	char name[32];

	snprintf(name, sizeof(name), "grant/%u", d);
	if (make_page(dir, name) < 0)
		return fail(name);
	if (fx_domain_set(dir, d, "running") < 0)
		return fail("domain");
	return 0;
}

/* Close every port of domain d, as Xen does when it dies. */
static void
close_ports(const char *dir, uint32_t d)
{
	char path[4096];
	struct dirent *de;
	unsigned int dom, port;
	char end;
	DIR *dd;

	if (fx_path(path, sizeof(path), dir, "evtchn") < 0 ||
	    !(dd = opendir(path)))
		return;
	while ((de = readdir(dd)))
		if (sscanf(de->d_name, "%u.%u%c", &dom, &port, &end) == 2 &&
		    dom == d)
			fx_unbind(dir, dom, port);
	closedir(dd);
}

static int
destroy(const char *dir, uint32_t d)
{
	char path[4096];

	if (d == 0) {
		errno = EINVAL;
		return fail("dom0 cannot be destroyed");
	}
	if (fx_domain_state(dir, d) < 0)
		return fail("no such domain");
	close_ports(dir, d);
	fx_domain_set(dir, d, NULL);
	if (fx_path(path, sizeof(path), dir, "grant/%u", d) == 0)
		unlink(path);
	fx_fire_virq(dir, VIRQ_DOM_EXC);
	return 0;
}

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int
hv(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd p[MAX_LIVES + 1];
	uint32_t domid[MAX_LIVES + 1];
	struct sigaction act = { .sa_handler = on_term };
	nfds_t n = 1, i;
	uint32_t d;
	ssize_t r;

	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	if (fx_path(sa.sun_path, sizeof(sa.sun_path), dir, "hv") < 0)
		return fail("hv");
	p[0].fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	unlink(sa.sun_path);
	if (p[0].fd < 0 || bind(p[0].fd, (struct sockaddr *)&sa,
				sizeof(sa)) < 0 || listen(p[0].fd, 64) < 0)
		return fail(sa.sun_path);
	p[0].events = POLLIN;
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return fail("poll");
		}
		for (i = n; i-- > 1;) {
			if (!p[i].revents)
				continue;
			r = recv(p[i].fd, &d, sizeof(d), MSG_DONTWAIT);
			if (r == sizeof(d) && domid[i] == 0) {
				domid[i] = d;
				continue;
			}
			if (r < 0 && errno == EAGAIN)
				continue;
			/* The domain's last process is gone. */
			if (domid[i] && fx_domain_state(dir, domid[i]) >= 0)
				destroy(dir, domid[i]);
			close(p[i].fd);
			p[i] = p[--n];
			domid[i] = domid[n];
		}
		if ((p[0].revents & POLLIN) && n <= MAX_LIVES) {
			int fd = accept4(p[0].fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				p[n].fd = fd;
				p[n].events = POLLIN;
				p[n].revents = 0;
				domid[n++] = 0;
			}
		}
	}
	unlink(sa.sun_path);
	return 0;
}

static int
domid_arg(const char *s, uint32_t *d)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v >= DOMID_FIRST_RESERVED) {
		fprintf(stderr, "fakexen-ctl: bad domid %s\n", s);
		return -1;
	}
	*d = (uint32_t)v;
	return 0;
}

int
main(int argc, char **argv)
{
	uint32_t d = 0;

	if (argc >= 3 && !strcmp(argv[2], "boot") && argc <= 4)
		return boot(argv[1], argc == 4 ? strtoul(argv[3], NULL, 10) : 0);
	if (argc == 3 && !strcmp(argv[2], "hv"))
		return hv(argv[1]);
	if (argc == 4 && domid_arg(argv[3], &d) == 0) {
		if (!strcmp(argv[2], "create"))
			return create(argv[1], d);
		if (!strcmp(argv[2], "destroy"))
			return destroy(argv[1], d);
		if (!strcmp(argv[2], "shutdown")) {
			if (fx_domain_set(argv[1], d, "shutdown") < 0)
				return fail("domain");
			fx_fire_virq(argv[1], VIRQ_DOM_EXC);
			return 0;
		}
	}
	fprintf(stderr, "usage: fakexen-ctl DIR boot [PORT] | create D | "
		"shutdown D | destroy D | hv\n");
	return 2;
}
