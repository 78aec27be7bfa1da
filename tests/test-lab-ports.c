/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-lab-ports.c - `up`'s check that the ports the VMs' QEMUs bind are free (vl-lab-ports.h) */
#include "vl-lab-ports.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"

#include "vl-error.h"

#include <arpa/inet.h>
#include <libvirt/virterror.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Return: a socket of @type bound to 127.0.0.1:@port (a listening one for TCP). */
static int
hold_port(guint port, int type)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, type, 0);

    g_assert_cmpint(fd, >=, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    if (type == SOCK_STREAM)
        g_assert_cmpint(listen(fd, 1), ==, 0);
    return fd;
}

static VlSpec *
example_spec(void)
{
    g_autofree char *dir = vl_test_srcpath("../specs/example");

    return vl_test_spec_load(dir, NULL);
}

static void
test_ports_free(void)
{
    g_autoptr(VlSpec) spec = example_spec();
    g_autoptr(GError) err = NULL;

    g_assert_true(vl_lab_ports_check(spec->vms, &err));
    g_assert_no_error(err);
}

/* An SSH forward and a UDP link end held by someone else: both named, with their VMs; once they
 * are let go, the check passes. */
static void
test_ports_in_use(void)
{
    g_autoptr(VlSpec) spec = example_spec();
    g_autoptr(GError) err = NULL;
    const VlVm *r1 = vl_spec_find_vm(spec, "r1");
    const VlVm *r2 = vl_spec_find_vm(spec, "r2");
    const VlNic *nic = NULL;
    g_autofree char *want_ssh = NULL;
    g_autofree char *want_udp = NULL;
    int tcp;
    int udp;

    g_assert_nonnull(r1);
    g_assert_nonnull(r2);
    for (guint i = 0; i < r1->nics->len && !nic; i++) {
        const VlNic *n = g_ptr_array_index(r1->nics, i);
        if (n->kind == VL_NIC_UDP && n->local_port)
            nic = n;
    }
    g_assert_nonnull(nic);
    tcp = hold_port(r2->ssh_port, SOCK_STREAM);
    udp = hold_port(nic->local_port, SOCK_DGRAM);
    want_ssh = g_strdup_printf("r2: 127.0.0.1:%u/tcp (its SSH forward)", r2->ssh_port);
    want_udp = g_strdup_printf("r1: 127.0.0.1:%u/udp (%s)", nic->local_port, nic->iface->name);

    g_assert_false(vl_lab_ports_check(spec->vms, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
    g_assert_true(g_str_has_prefix(err->message, "2 ports the lab's VMs need are in use"));
    g_assert_nonnull(strstr(err->message, want_ssh));
    g_assert_nonnull(strstr(err->message, want_udp));
    g_clear_error(&err);

    close(tcp);
    close(udp);
    g_assert_true(vl_lab_ports_check(spec->vms, &err));
    g_assert_no_error(err);
}

/* The test driver runs no QEMU: its hosts' ports are not checked here. */
static void
test_ports_host_checked(void)
{
    g_autoptr(GError) err = NULL;
    VlLabHost host = {.name = (char *)""};

    host.conn = vl_conn_open("test:///default", &err);
    g_assert_no_error(err);
    g_assert_false(vl_lab_ports_host_checked(&host));
    virConnectClose(host.conn);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    virSetErrorFunc(NULL, NULL);
    g_test_add_func("/lab/ports/free", test_ports_free);
    g_test_add_func("/lab/ports/in-use", test_ports_in_use);
    g_test_add_func("/lab/ports/test-driver-not-checked", test_ports_host_checked);
    return g_test_run();
}
