/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-ports.c - before `up` starts VMs: the host ports their QEMUs will bind are free */
#include "vl-lab-ports.h"

#include "vl-error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Return: whether @addr:@port (IPv4) is taken for @type (SOCK_STREAM or SOCK_DGRAM). An address
 * that is not this machine's, or that is not IPv4, counts as free: QEMU reports it itself. */
static gboolean
vl_lab_port_in_use(const char *addr, guint port, int type)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1;
    int fd;
    int rc;
    int e;

    if (!port || inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
        return FALSE;
    fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return FALSE;
    /* as QEMU's listening sockets: a port left in TIME_WAIT by a stopped VM is free */
    if (type == SOCK_STREAM)
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    e = errno;
    close(fd);
    return rc < 0 && e == EADDRINUSE;
}

static void
vl_lab_port_note(GString *busy, guint *n, const VlVm *vm, const char *addr, guint port, int type,
                 const char *what)
{
    if (!vl_lab_port_in_use(addr, port, type))
        return;
    g_string_append_printf(busy, "%s%s: %s:%u/%s (%s)", *n ? "; " : "", vm->name, addr, port,
                           type == SOCK_STREAM ? "tcp" : "udp", what);
    (*n)++;
}

gboolean
vl_lab_ports_check(GPtrArray *vms, GError **error)
{
    g_autoptr(GString) busy = g_string_new(NULL);
    guint n = 0;

    for (guint i = 0; i < vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(vms, i);
        const char *mgmt = vl_vm_mgmt_address(vm);

        vl_lab_port_note(busy, &n, vm, mgmt, vm->ssh_port, SOCK_STREAM, "its SSH forward");
        if (vm->node->console == VL_CONSOLE_TELNET)
            vl_lab_port_note(busy, &n, vm, mgmt, vm->console_port, SOCK_STREAM,
                             "its telnet console");
        for (guint j = 0; j < vm->nics->len; j++) {
            const VlNic *nic = g_ptr_array_index(vm->nics, j);
            const char *iface = nic->iface ? nic->iface->name : "an unlinked NIC";

            if (nic->kind == VL_NIC_UDP)
                vl_lab_port_note(busy, &n, vm, nic->local_addr, nic->local_port, SOCK_DGRAM, iface);
            else if (nic->kind == VL_NIC_SERVER)
                vl_lab_port_note(busy, &n, vm, nic->remote_addr, nic->remote_port, SOCK_STREAM,
                                 iface);
        }
    }
    if (n) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "%u port%s the lab's VMs need %s in use on this host: %s; stop what holds "
                    "them, or move the lab's ports (vmlab.ssh_port_base, link_port_base, "
                    "console_port_base); nothing was changed",
                    n, n == 1 ? "" : "s", n == 1 ? "is" : "are", busy->str);
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_lab_ports_host_checked(const VlLabHost *host)
{
    const char *type = virConnectGetType(host->conn);
    g_autofree char *uri = virConnectGetURI(host->conn);
    g_autoptr(GUri) parsed = uri ? g_uri_parse(uri, G_URI_FLAGS_NONE, NULL) : NULL;
    const char *server = parsed ? g_uri_get_host(parsed) : NULL;

    return type && g_str_equal(type, "QEMU") && parsed && (!server || !*server);
}
