/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-vm.c - expands resolved nodes into VMs: disks, data NICs and stable MAC addresses */
#include "vl-spec-private.h"

#include "vl-fs.h"
#include "vl-spec-settings.h"

#include <string.h>

/*
 * vl_spec_mac_make:
 * A locally administered MAC in QEMU's 52:54 space, from SHA-256 of "lab/vm/nic[#attempt]".
 * Return: (transfer full): "52:54:xx:xx:xx:xx".
 */
static char *
vl_spec_mac_make(const char *lab, const char *vm, guint nic, guint attempt)
{
    g_autofree char *input = g_strdup_printf("%s/%s/%u#%u", lab, vm, nic, attempt);
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    guint8 digest[32];
    gsize len = sizeof(digest);

    g_checksum_update(sum, (const guchar *)input, -1);
    g_checksum_get_digest(sum, digest, &len);
    return g_strdup_printf("52:54:%02x:%02x:%02x:%02x", digest[0], digest[1], digest[2], digest[3]);
}

/* Return: (transfer full): a MAC not yet in @used (which takes a copy). */
static char *
vl_spec_mac_unique(const char *lab, const char *vm, guint nic, GHashTable *used)
{
    for (guint attempt = 0;; attempt++) {
        char *mac = vl_spec_mac_make(lab, vm, nic, attempt);
        if (!g_hash_table_contains(used, mac)) {
            g_hash_table_add(used, g_strdup(mac));
            return mac;
        }
        g_free(mac);
    }
}

static const char *
vl_spec_image_format(const VlNode *node)
{
    const char *fmt = vl_spec_setting_string(node, "vm_image_format", NULL);

    if (fmt)
        return fmt;
    if (g_str_has_suffix(node->image, ".img") || g_str_has_suffix(node->image, ".raw"))
        return "raw";
    return "qcow2";
}

/*
 * vl_spec_link_address:
 * The address the end of a link on @node uses, @peer being the other end's device: 127.0.0.1
 * when both are on one host (or the spec has no hosts), else @node's host's address (a UDP end
 * binds it and its peer sends to it; a TCP listening end binds it and the connecting end
 * connects to it).
 * Return: (transfer none): an IP address.
 */
static const char *
vl_spec_link_address(const VlNode *node, const VlNode *peer)
{
    return node->server && node->server != peer->server ? node->server->address : "127.0.0.1";
}

/* Fills @nic's socket ends from the link of @iface, seen from @iface's side. */
static void
vl_spec_nic_wire(VlNic *nic, const VlIface *iface)
{
    const VlLink *link = iface->link;
    gboolean is_a = link->a == iface;
    const VlIface *peer = is_a ? link->z : link->a;

    if (link->transport == VL_TRANSPORT_TCP) {
        nic->kind = is_a ? VL_NIC_SERVER : VL_NIC_CLIENT;
        /* the listening (a) end's address: where it binds, and where the z end connects */
        nic->remote_addr = g_strdup(vl_spec_link_address(link->a->node, link->z->node));
        nic->remote_port = link->port_a;
        return;
    }
    nic->kind = VL_NIC_UDP;
    nic->local_addr = g_strdup(vl_spec_link_address(iface->node, peer->node));
    nic->local_port = is_a ? link->port_a : link->port_z;
    nic->remote_addr = g_strdup(vl_spec_link_address(peer->node, iface->node));
    nic->remote_port = is_a ? link->port_z : link->port_a;
}

/*
 * Data NICs of a VM: one per declared interface, in NIC-index order. Index gaps are filled with
 * unconnected NICs so that NIC n is always the guest's n-th network device.
 */
static void
vl_spec_vm_add_nics(VlSpec *spec, VlVm *vm, GHashTable *macs)
{
    const VlNode *node = vm->node;
    guint vm_index = 0;
    guint max = 0;
    g_autofree VlIface **by_index = NULL;
    gboolean fabric = node->sros && vl_sros_is_distributed(node->sros);

    while (g_ptr_array_index(node->vms, vm_index) != vm)
        vm_index++;
    for (guint i = 0; i < node->ifaces->len; i++) {
        const VlIface *iface = g_ptr_array_index(node->ifaces, i);
        if (iface->vm_index == vm_index)
            max = MAX(max, iface->nic);
    }
    if (fabric)
        max = MAX(max, 1);
    by_index = g_new0(VlIface *, max + 1);
    for (guint i = 0; i < node->ifaces->len; i++) {
        VlIface *iface = g_ptr_array_index(node->ifaces, i);
        if (iface->vm_index == vm_index)
            by_index[iface->nic] = iface;
    }
    for (guint n = 1; n <= max; n++) {
        VlNic *nic = g_new0(VlNic, 1);

        nic->index = n;
        nic->iface = by_index[n];
        nic->mac = vl_spec_mac_unique(spec->name, vm->name, n, macs);
        if (fabric && n == 1) {
            /* the router's internal segment: every card joins the same group */
            nic->kind = VL_NIC_MCAST;
            nic->local_addr = g_strdup("127.0.0.1");
            nic->remote_addr = g_strdup(node->sros->fabric_group);
            nic->remote_port = node->sros->fabric_port;
        } else if (nic->iface && nic->iface->link) {
            vl_spec_nic_wire(nic, nic->iface);
        } else {
            /* Unconnected: a UDP socket on an ephemeral port that sends to the discard port. */
            nic->kind = VL_NIC_UDP;
            nic->local_addr = g_strdup("127.0.0.1");
            nic->local_port = 0;
            nic->remote_addr = g_strdup("127.0.0.1");
            nic->remote_port = 9;
        }
        g_ptr_array_add(vm->nics, nic);
    }
}

static VlVm *
vl_spec_vm_new(VlSpec *spec, VlNode *node, const char *name, const char *role)
{
    VlVm *vm = g_new0(VlVm, 1);
    g_autofree char *lab_dir = vl_fs_lab_dir(spec->name);
    g_autofree char *log = g_strdup_printf("%s.log", name);

    vm->name = g_strdup(name);
    vm->log_path = g_build_filename(lab_dir, "logs", log, NULL);
    vm->node = node;
    vm->server = node->server;
    vm->role = g_strdup(role);
    vm->template = g_strdup(node->template);
    vm->xslt = g_strdup(node->xslt);
    vm->memory_mb = node->memory_mb;
    vm->cpus = node->cpus;
    vm->nics = g_ptr_array_new_with_free_func(vl_nic_free);
    g_ptr_array_add(spec->vms, vm);
    g_ptr_array_add(node->vms, vm);
    return vm;
}

/*
 * vl_spec_order_starts:
 * QEMU's connecting end of a TCP link gives up for good when nothing listens yet, so a VM starts
 * after the VMs it connects to (its "wave" is one more than theirs). A cycle cannot be ordered and
 * is reported at the link that closes it.
 */
static void
vl_spec_order_starts(VlSpec *spec, VlDiag *diag)
{
    gboolean changed = TRUE;
    guint rounds = 0;

    if (spec->transport != VL_TRANSPORT_TCP)
        return;
    while (changed && rounds++ <= spec->vms->len) {
        changed = FALSE;
        for (guint i = 0; i < spec->links->len; i++) {
            const VlLink *l = g_ptr_array_index(spec->links, i);
            VlVm *server = vl_iface_vm(l->a);
            VlVm *client = vl_iface_vm(l->z);
            if (server != client && client->start_wave < server->start_wave + 1) {
                client->start_wave = server->start_wave + 1;
                changed = TRUE;
            }
        }
    }
    if (!changed)
        return;
    /* Still changing after |VMs| rounds: a cycle. Name a link whose ends keep climbing. */
    for (guint i = 0; i < spec->links->len; i++) {
        const VlLink *l = g_ptr_array_index(spec->links, i);
        VlVm *server = vl_iface_vm(l->a);
        VlVm *client = vl_iface_vm(l->z);
        const char *path = l->where;
        if (server != client && client->start_wave < server->start_wave + 1) {
            vl_diag_error(diag, "topology.json", path,
                          "tcp links form a cycle through '%s' and '%s': a connecting (z) end "
                          "needs its listening (a) "
                          "end running first; reverse a link's a/z or use udp",
                          server->name, client->name);
            return;
        }
    }
}

/* Return: (transfer none): the one VM of a one-VM device or of a host VM node, with its disk. */
static VlVm *
vl_spec_vm_single(VlSpec *spec, VlNode *node, const char *role, const char *disks, GHashTable *macs)
{
    g_autofree char *name = g_strconcat(spec->domain_prefix, node->name, NULL);
    VlVm *vm = vl_spec_vm_new(spec, node, name, role);

    vm->console_port = node->console_port;
    vm->ssh_port = node->ssh_port;
    vm->mgmt_mac = vl_spec_mac_unique(spec->name, vm->name, 0, macs);
    if (node->image) {
        g_autofree char *file = g_strdup_printf("%s.qcow2", vm->name);
        vm->disk_path = g_build_filename(disks, file, NULL);
        vm->disk_format = g_strdup("qcow2");
        vm->backing_path = g_strdup(node->image);
        vm->backing_format = g_strdup(vl_spec_image_format(node));
    }
    return vm;
}

/* Fills in ${vm}, ${card} and ${index} of @node's vm_cmdline for each of its VMs. */
static void
vl_spec_vm_cmdlines(VlNode *node)
{
    for (guint j = 0; node->cmdline && j < node->vms->len; j++) {
        VlVm *vm = g_ptr_array_index(node->vms, j);
        g_autoptr(GString) c = g_string_new(node->cmdline);
        g_autofree char *index = g_strdup_printf("%u", j);
        g_string_replace(c, "${vm}", vm->name, 0);
        g_string_replace(c, "${card}", vm->card ? vm->card : "", 0);
        g_string_replace(c, "${index}", index, 0);
        vm->cmdline = g_string_free(g_steal_pointer(&c), FALSE);
    }
}

void
vl_spec_expand_vms(VlSpec *spec, VlDiag *diag)
{
    g_autofree char *disks = NULL;
    g_autoptr(GHashTable) macs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *lab_dir = vl_fs_lab_dir(spec->name);

    disks = g_build_filename(lab_dir, "disks", NULL);
    for (guint i = 0; i < spec->nodes->len; i++) {
        VlNode *node = g_ptr_array_index(spec->nodes, i);
        VlVm *vm;

        if (node->sros) {
            vl_spec_sros_expand(spec, node, vl_spec_vm_new);
            for (guint j = 0; j < node->vms->len; j++) {
                VlVm *card = g_ptr_array_index(node->vms, j);
                card->mgmt_mac = vl_spec_mac_unique(spec->name, card->name, 0, macs);
            }
            continue;
        }
        if (node->host_vm) {
            /* a coalesced host: its VM is made at the VM's first host, and is every host's */
            if (g_ptr_array_index(node->host_vm->hosts, 0) != node)
                continue;
            vm = vl_spec_vm_single(spec, node->host_vm, "hostvm", disks, macs);
            for (guint j = 0; j < node->host_vm->hosts->len; j++)
                g_ptr_array_add(((VlNode *)g_ptr_array_index(node->host_vm->hosts, j))->vms, vm);
            continue;
        }
        vl_spec_vm_single(spec, node, node->is_host ? "host" : "router", disks, macs);
    }
    /* Domain names are unique per libvirt host; SR OS names come from vm_type and vm_id. */
    {
        g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < spec->vms->len; i++) {
            VlVm *vm = g_ptr_array_index(spec->vms, i);
            VlVm *other = g_hash_table_lookup(names, vm->name);
            if (other) {
                g_autofree char *rel = g_strdup_printf("profiles/%s.json", vm->node->name);
                vl_diag_error(diag, rel, vm->node->sros ? "vm_id" : "",
                              "domain name '%s' is also the name of a VM of device '%s'", vm->name,
                              other->node->name);
                return;
            }
            g_hash_table_insert(names, vm->name, vm);
        }
    }
    /* Kernel command lines per VM: ${vm} is the domain name, ${card} the SR OS card ("" for a
     * one-VM device), ${index} the VM's position in its device (0, 1, ...). */
    for (guint i = 0; i < spec->nodes->len; i++) {
        VlNode *node = g_ptr_array_index(spec->nodes, i);
        /* a coalesced host's VM is its host VM's: its line comes from that node, once */
        if (!node->host_vm)
            vl_spec_vm_cmdlines(node);
    }
    for (guint i = 0; i < spec->host_vms->len; i++)
        vl_spec_vm_cmdlines(g_ptr_array_index(spec->host_vms, i));
    /* NICs after every VM exists: a NIC may need its peer's VM. */
    for (guint i = 0; i < spec->vms->len; i++) {
        VlVm *vm = g_ptr_array_index(spec->vms, i);
        vl_spec_vm_add_nics(spec, vm, macs);
    }
    vl_spec_order_starts(spec, diag);
}
