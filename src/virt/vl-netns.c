/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-netns.c - coalesced hosts inside their shared VM: one network namespace per host */
#include "vl-netns.h"

/* Return: (transfer none): the interface a host's address goes on: its first linked one. */
static const VlIface *
vl_netns_address_iface(const VlNode *host)
{
    for (guint i = 0; i < host->ifaces->len; i++) {
        const VlIface *iface = g_ptr_array_index(host->ifaces, i);
        if (iface->link)
            return iface;
    }
    return host->ifaces->len ? g_ptr_array_index(host->ifaces, 0) : NULL;
}

char *
vl_netns_setup_script(const VlNode *host_vm)
{
    GString *s = g_string_new(NULL);

    /* Names are checked by the spec loader (letters, digits, '_', '.', '-'): no quoting needed. */
    g_string_append_printf(s, "# vmlab-virt: the hosts of %s, one network namespace each\nset -e\n",
                           host_vm->name);
    for (guint i = 0; i < host_vm->hosts->len; i++) {
        const VlNode *host = g_ptr_array_index(host_vm->hosts, i);
        const VlIface *addr_if = vl_netns_address_iface(host);
        const char *ns = host->name;

        g_string_append_printf(s, "if [ ! -e /run/netns/%s ]; then\nip netns add %s\n", ns, ns);
        /* through a temporary name: a topology name may be another NIC's name in the VM */
        for (guint j = 0; j < host->ifaces->len; j++) {
            const VlIface *iface = g_ptr_array_index(host->ifaces, j);
            g_string_append_printf(s, "ip link set dev eth%u netns %s\n", iface->nic, ns);
            g_string_append_printf(s, "ip -n %s link set dev eth%u name vltmp%u\n", ns, iface->nic,
                                   iface->nic);
        }
        for (guint j = 0; j < host->ifaces->len; j++) {
            const VlIface *iface = g_ptr_array_index(host->ifaces, j);
            g_string_append_printf(s, "ip -n %s link set dev vltmp%u name %s\n", ns, iface->nic,
                                   iface->name);
            g_string_append_printf(s, "ip -n %s link set dev %s up\n", ns, iface->name);
        }
        g_string_append_printf(s, "ip -n %s link set dev lo up\n", ns);
        if (host->host_ip && addr_if)
            g_string_append_printf(s, "ip -n %s addr add %s dev %s\n", ns, host->host_ip,
                                   addr_if->name);
        if (host->host_gateway)
            g_string_append_printf(s, "ip -n %s route add default via %s\n", ns,
                                   host->host_gateway);
        g_string_append(s, "fi\n");
    }
    return g_string_free(s, FALSE);
}

/* The shell a host gets: bash when the VM has it (busybox sh would run its own `ip` applet). */
#define VL_NETNS_SHELL "\"$(command -v bash || echo sh)\""

char *
vl_netns_wrap(const char *host, const char *command)
{
    g_autofree char *quoted = command ? g_shell_quote(command) : NULL;

    if (!command)
        return g_strdup_printf("exec ip netns exec %s " VL_NETNS_SHELL " -l", host);
    return g_strdup_printf("exec ip netns exec %s " VL_NETNS_SHELL " -c %s", host, quoted);
}

char *
vl_netns_console_line(const char *host)
{
    /* Ctrl-U first: whatever was half typed at the prompt goes */
    return g_strdup_printf("\025ip netns exec %s " VL_NETNS_SHELL " -l\r", host);
}
