/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-hosts.c - host devices: which devices are hosts, their NICs, shared VMs, addresses */
#include "vl-spec-private.h"

#include "vl-ifmap.h"
#include "vl-json.h"
#include "vl-spec-settings.h"

#include <gio/gio.h>
#include <string.h>

/*
 * Host devices, as newtlab has them: a device is a host when its platform says
 * "device_type": "host" or topology.json marks it "type": "host". Its interfaces are named as the
 * host sees them (eth0, eth1, ...): all are data interfaces, ethN being its (N+1)-th data NIC.
 *
 * Coalescing (the default; "coalesce_hosts": false turns it off): hosts in file order share VMs
 * named hostvm-0, hostvm-1, ... A VM takes hosts of one platform and one vm_host, at most
 * VL_HOSTS_PER_VM of them; a host that does not fit opens the next VM. The hosts of a VM take
 * consecutive NICs after management, in file order, each as many as its highest ethN + 1. The VM
 * is a node of its own (a "host VM node", not in spec->nodes) whose settings are its first
 * host's, and whose console and SSH ports are that host's ports (its own slot in the port plan);
 * every host of the VM reports the VM's ports. Inside the VM each host is a network namespace
 * holding its NICs, renamed to the topology's names, with its address and default route.
 *
 * Without coalescing a host is one VM like any device: management on NIC 0, eth0 on NIC 1.
 */

gboolean
vl_spec_host_detect(VlNode *node, json_object *dev, const char *dpath, VlDiag *diag)
{
    json_object *v = NULL;

    if (json_object_object_get_ex(dev, "type", &v)) {
        g_autofree char *path = vl_json_path_key(dpath, "type");
        if (!json_object_is_type(v, json_type_string))
            vl_diag_error(diag, "topology.json", path, "must be a string (\"host\"), got %s",
                          vl_json_type_name(v));
        else if (g_str_equal(json_object_get_string(v), "host"))
            node->is_host = TRUE;
    }
    if (node->docs->platform &&
        json_object_object_get_ex(node->docs->platform, "device_type", &v) &&
        json_object_is_type(v, json_type_string) && g_str_equal(json_object_get_string(v), "host"))
        node->is_host = TRUE;
    return node->is_host;
}

void
vl_spec_host_place_interfaces(VlNode *node, VlDiag *diag)
{
    g_autofree char *dpath = vl_json_path_key("devices", node->name);
    g_autofree char *ipath = vl_json_path_key(dpath, "interfaces");

    for (guint i = 0; i < node->ifaces->len; i++) {
        VlIface *iface = g_ptr_array_index(node->ifaces, i);
        guint n = 0;

        if (!vl_ifmap_eth_number(iface->name, &n)) {
            g_autofree char *p = vl_json_path_key(ipath, iface->name);
            vl_diag_error(diag, "topology.json", p,
                          "host device '%s' names its interfaces as the host sees them (eth0, "
                          "eth1, ...), got '%s'",
                          node->name, iface->name);
            continue;
        }
        iface->nic = n + 1;
    }
}

/* Return: how many NICs @host takes: its highest ethN + 1. */
static guint
vl_spec_host_nic_count(const VlNode *host)
{
    guint max = 0;

    for (guint i = 0; i < host->ifaces->len; i++)
        max = MAX(max, ((const VlIface *)g_ptr_array_index(host->ifaces, i))->nic);
    return max;
}

/* Return: (transfer full): a host VM node named @name with @first's settings. */
static VlNode *
vl_spec_host_vm_node_new(const char *name, const VlNode *first)
{
    VlNode *n = g_new0(VlNode, 1);

    n->name = g_strdup(name);
    n->index = first->index;
    n->is_host_vm = TRUE;
    n->platform_name = g_strdup(first->platform_name);
    n->docs = g_new0(VlNodeDocs, 1);
    n->docs->platform = first->docs->platform;
    n->image = g_strdup(first->image);
    n->kernel = g_strdup(first->kernel);
    n->initrd = g_strdup(first->initrd);
    n->cmdline = g_strdup(first->cmdline);
    n->memory_mb = first->memory_mb;
    n->cpus = first->cpus;
    n->nic_model = g_strdup(first->nic_model);
    n->ifmap = first->ifmap;
    n->cpu_features = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < first->cpu_features->len; i++)
        g_ptr_array_add(n->cpu_features, g_strdup(g_ptr_array_index(first->cpu_features, i)));
    n->ssh_user = g_strdup(first->ssh_user);
    n->ssh_pass = g_strdup(first->ssh_pass);
    n->boot_timeout = first->boot_timeout;
    n->ready_pattern = g_strdup(first->ready_pattern);
    n->ansible_network_os = g_strdup(first->ansible_network_os);
    n->ansible_connection = g_strdup(first->ansible_connection);
    n->console = first->console;
    n->template = g_strdup(first->template);
    n->xslt = g_strdup(first->xslt);
    n->host = g_strdup(first->host);
    n->host_addr = g_strdup(first->host_addr);
    n->server = first->server; /* its hosts' pin (they share one vm_host), placed as one */
    n->console_port = first->console_port;
    n->ssh_port = first->ssh_port;
    /* its oci:// images are its first host's (up records their digests per VM) */
    n->images = first->images ? g_ptr_array_ref(first->images) : NULL;
    n->ifaces = g_ptr_array_new(); /* the hosts' interfaces (not owned) */
    n->vms = g_ptr_array_new();
    n->hosts = g_ptr_array_new();
    return n;
}

void
vl_spec_hosts_coalesce(VlSpec *spec)
{
    VlNode *open = NULL; /* the VM taking hosts */
    guint next_nic = 1;

    if (!spec->coalesce_hosts)
        return;
    for (guint i = 0; i < spec->nodes->len; i++) {
        VlNode *host = g_ptr_array_index(spec->nodes, i);
        guint count;

        if (!host->is_host || !host->docs->platform)
            continue;
        count = vl_spec_host_nic_count(host);
        if (!open || open->hosts->len >= VL_HOSTS_PER_VM ||
            !g_str_equal(open->platform_name, host->platform_name) ||
            !g_str_equal(open->host, host->host)) {
            g_autofree char *name = g_strdup_printf("hostvm-%u", spec->host_vms->len);
            open = vl_spec_host_vm_node_new(name, host);
            g_ptr_array_add(spec->host_vms, open);
            next_nic = 1;
        }
        host->host_vm = open;
        host->console_port = open->console_port;
        host->ssh_port = open->ssh_port;
        g_ptr_array_add(open->hosts, host);
        for (guint j = 0; j < host->ifaces->len; j++) {
            VlIface *iface = g_ptr_array_index(host->ifaces, j);
            if (!iface->nic)
                continue;
            iface->nic += next_nic - 1;
            g_ptr_array_add(open->ifaces, iface);
        }
        next_nic += count;
    }
}

/* Return: TRUE and sets @addr (host order) and @len from "A.B.C.D/LEN". */
static gboolean
vl_spec_ipv4_parse(const char *s, guint32 *addr, guint *len)
{
    g_auto(GStrv) parts = g_strsplit(s, "/", 2);
    g_autoptr(GInetAddress) ia = NULL;
    guint64 l = 0;
    const guint8 *b;

    if (!parts[0] || !parts[1] || !g_ascii_string_to_unsigned(parts[1], 10, 0, 32, &l, NULL))
        return FALSE;
    ia = g_inet_address_new_from_string(parts[0]);
    if (!ia || g_inet_address_get_family(ia) != G_SOCKET_FAMILY_IPV4)
        return FALSE;
    b = g_inet_address_to_bytes(ia);
    *addr = (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3];
    *len = (guint)l;
    return TRUE;
}

static char *
vl_spec_ipv4_format(guint32 a)
{
    return g_strdup_printf("%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/*
 * vl_spec_host_derive:
 * From the switch end's "ip" (A/LEN): /31 the other address, /30 A + 1, wider the network's
 * address + 10 * (the host's ordinal + 1), as newtlab does; the gateway is A.
 * Return: TRUE when an address results.
 */
static gboolean
vl_spec_host_derive(VlNode *host, const char *switch_ip)
{
    guint32 a = 0, mask, net, h;
    guint len = 0;

    if (!vl_spec_ipv4_parse(switch_ip, &a, &len) || len > 31 || len < 8)
        return FALSE;
    mask = 0xffffffffu << (32 - len);
    net = a & mask;
    if (len == 31)
        h = a ^ 1;
    else if (len == 30)
        h = a + 1;
    else
        h = net + 10 * (host->host_ordinal + 1);
    /* inside the prefix, not the switch, not the network or broadcast address */
    if ((h & mask) != net || h == a || (len < 31 && (h == net || h == (net | ~mask))))
        return FALSE;
    {
        g_autofree char *hs = vl_spec_ipv4_format(h);
        host->host_ip = g_strdup_printf("%s/%u", hs, len);
        host->host_gateway = vl_spec_ipv4_format(a);
    }
    return TRUE;
}

void
vl_spec_hosts_address(VlSpec *spec, VlDiag *diag)
{
    guint ordinal = 0;

    for (guint i = 0; i < spec->nodes->len; i++) {
        VlNode *host = g_ptr_array_index(spec->nodes, i);
        g_autofree char *rel = NULL;
        const VlIface *peer = NULL;
        json_object *ip = NULL;

        if (!host->is_host)
            continue;
        host->host_ordinal = ordinal++;
        host->host_ip = g_strdup(vl_spec_setting_string(host, "host_ip", NULL));
        host->host_gateway = g_strdup(vl_spec_setting_string(host, "host_gateway", NULL));
        if (host->host_ip)
            continue;
        for (guint j = 0; j < host->ifaces->len && !peer; j++) {
            const VlIface *iface = g_ptr_array_index(host->ifaces, j);
            if (iface->link)
                peer = iface->link->a == iface ? iface->link->z : iface->link->a;
        }
        if (peer && json_object_is_type(vl_iface_json(peer), json_type_object) &&
            json_object_object_get_ex(vl_iface_json(peer), "ip", &ip) &&
            json_object_is_type(ip, json_type_string) &&
            vl_spec_host_derive(host, json_object_get_string(ip)))
            continue;
        g_clear_pointer(&host->host_gateway, g_free);
        rel = g_strdup_printf("profiles/%s.json", host->name);
        if (peer)
            vl_diag_warning(diag, rel, "host_ip",
                            "host '%s' gets no address: set host_ip (and host_gateway) here, or "
                            "an IPv4 \"ip\" on '%s:%s' in topology.json",
                            host->name, peer->node->name, peer->name);
        else
            vl_diag_warning(diag, rel, "host_ip",
                            "host '%s' gets no address: set host_ip (and host_gateway) here",
                            host->name);
    }
}
