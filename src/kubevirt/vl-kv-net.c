/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-net.c - a lab's links as Multus networks and the VM interfaces attached to them */
#include "vl-kv-net.h"

#include "vl-json.h"

#include <string.h>

/* Return: (transfer full): the NetworkAttachmentDefinition name of @nic of @vm. */
static char *
vl_kv_net_nad_name(const VlSpec *spec, const VlVm *vm, const VlNic *nic)
{
    if (nic->kind == VL_NIC_MCAST)
        return g_strdup_printf("%s-%s-fabric", spec->name, vm->node->name);
    if (nic->iface && nic->iface->link)
        return g_strdup_printf("%s-link-%u", spec->name, nic->iface->link->index);
    return g_strdup_printf("%s-%s-nic%u", spec->name, vm->name, nic->index);
}

/* KubeVirt's name for the spec's NIC driver, or NULL to leave its default. */
static const char *
vl_kv_net_model(const char *driver)
{
    static const char *const models[] = {"e1000", "e1000e", "rtl8139", "pcnet", "ne2k_pci", NULL};

    if (!driver)
        return NULL;
    if (g_str_has_prefix(driver, "virtio"))
        return "virtio";
    return g_strv_contains(models, driver) ? driver : NULL;
}

static json_object *
vl_kv_net_iface(const char *name, const char *binding, const char *mac, const char *model)
{
    json_object *i = json_object_new_object();

    json_object_object_add(i, "name", json_object_new_string(name));
    json_object_object_add(i, binding, json_object_new_object());
    if (mac)
        json_object_object_add(i, "macAddress", json_object_new_string(mac));
    if (model)
        json_object_object_add(i, "model", json_object_new_string(model));
    return i;
}

void
vl_kv_net_vm_attach(const VlSpec *spec, const VlVm *vm, json_object *ifaces, json_object *networks)
{
    const char *model = vl_kv_net_model(vm->node->nic_model);
    json_object *mgmt = vl_kv_net_iface("mgmt", "masquerade", vm->mgmt_mac, model);
    json_object *ports = json_object_new_array();
    json_object *ssh = json_object_new_object();
    json_object *net = json_object_new_object();

    /* Listing ports keeps masquerade from DNATing everything else (FTP, telnet) to the guest. */
    json_object_object_add(ssh, "name", json_object_new_string("ssh"));
    json_object_object_add(ssh, "port", json_object_new_int(22));
    json_object_object_add(ssh, "protocol", json_object_new_string("TCP"));
    json_object_array_add(ports, ssh);
    json_object_object_add(mgmt, "ports", ports);
    json_object_array_add(ifaces, mgmt);
    json_object_object_add(net, "name", json_object_new_string("mgmt"));
    json_object_object_add(net, "pod", json_object_new_object());
    json_object_array_add(networks, net);

    for (guint i = 0; i < vm->nics->len; i++) {
        const VlNic *nic = g_ptr_array_index(vm->nics, i);
        g_autofree char *name =
            nic->kind == VL_NIC_MCAST ? g_strdup("fabric") : g_strdup_printf("nic%u", nic->index);
        g_autofree char *nad = vl_kv_net_nad_name(spec, vm, nic);
        json_object *multus = json_object_new_object();

        json_object_array_add(ifaces, vl_kv_net_iface(name, "bridge", nic->mac, model));
        net = json_object_new_object();
        json_object_object_add(net, "name", json_object_new_string(name));
        json_object_object_add(multus, "networkName", json_object_new_string(nad));
        json_object_object_add(net, "multus", multus);
        json_object_array_add(networks, net);
    }
}

/* A Linux bridge name (at most 15 bytes) for NAD @nad: stable and unique per name. */
static char *
vl_kv_net_bridge_name(const char *nad)
{
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, nad, -1);

    return g_strdup_printf("vl%.11s", sum);
}

/* Replaces ${name}, ${index} and ${bridge} in every string of @v (in place). */
static void
vl_kv_net_fill(json_object *v, const char *name, guint index, const char *bridge)
{
    if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, key, val)
        {
            if (json_object_is_type(val, json_type_string)) {
                g_autoptr(GString) s = g_string_new(json_object_get_string(val));
                g_autofree char *idx = g_strdup_printf("%u", index);
                g_string_replace(s, "${name}", name, 0);
                g_string_replace(s, "${index}", idx, 0);
                g_string_replace(s, "${bridge}", bridge, 0);
                json_object_object_add(v, key, json_object_new_string(s->str));
            } else {
                vl_kv_net_fill(val, name, index, bridge);
            }
        }
    } else if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++)
            vl_kv_net_fill(json_object_array_get_idx(v, i), name, index, bridge);
    }
}

/* The NAD @name: the cluster's template for links when set, else an isolated bridge. */
static json_object *
vl_kv_net_nad(const char *name, guint index, gboolean fabric, const VlKvConfig *cfg,
              const VlKvExportOptions *opts)
{
    json_object *doc =
        vl_kv_object_new("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", name, opts);
    json_object *spec = json_object_new_object();
    g_autofree char *bridge = vl_kv_net_bridge_name(name);
    g_autoptr(json_object) conf = NULL;

    if (cfg->link_nad_template && !fabric) {
        json_object_deep_copy(cfg->link_nad_template, &conf, NULL);
        vl_kv_net_fill(conf, name, index, bridge);
        if (!json_object_object_get(conf, "cniVersion"))
            json_object_object_add(conf, "cniVersion", json_object_new_string("0.3.1"));
        if (!json_object_object_get(conf, "name"))
            json_object_object_add(conf, "name", json_object_new_string(name));
    } else {
        conf = json_object_new_object();
        json_object_object_add(conf, "cniVersion", json_object_new_string("0.3.1"));
        json_object_object_add(conf, "name", json_object_new_string(name));
        json_object_object_add(conf, "type", json_object_new_string("bridge"));
        json_object_object_add(conf, "bridge", json_object_new_string(bridge));
        json_object_object_add(conf, "isGateway", json_object_new_boolean(FALSE));
        json_object_object_add(conf, "ipMasq", json_object_new_boolean(FALSE));
        if (fabric)
            json_object_object_add(conf, "mtu", json_object_new_int(9000));
        json_object_object_add(conf, "ipam", json_object_new_object());
    }
    json_object_object_add(spec, "config",
                           json_object_new_string(json_object_to_json_string_ext(
                               conf, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
    json_object_object_add(doc, "spec", spec);
    return doc;
}

void
vl_kv_net_build(VlKvExport *e, const VlSpec *spec, const VlKvConfig *cfg,
                const VlKvExportOptions *opts)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    guint index = 0;

    /* links first, in file order, then per VM what is its own (fabric, unlinked NICs) */
    for (guint i = 0; i < spec->links->len; i++) {
        const VlLink *link = g_ptr_array_index(spec->links, i);
        g_autofree char *name = g_strdup_printf("%s-link-%u", spec->name, link->index);

        vl_kv_export_add(e, "nad", vl_kv_net_nad(name, ++index, FALSE, cfg, opts));
        g_hash_table_add(seen, g_steal_pointer(&name));
    }
    for (guint i = 0; i < spec->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        for (guint n = 0; n < vm->nics->len; n++) {
            const VlNic *nic = g_ptr_array_index(vm->nics, n);
            g_autofree char *name = vl_kv_net_nad_name(spec, vm, nic);

            if (g_hash_table_contains(seen, name))
                continue;
            vl_kv_export_add(e, "nad",
                             vl_kv_net_nad(name, ++index, nic->kind == VL_NIC_MCAST, cfg, opts));
            g_hash_table_add(seen, g_steal_pointer(&name));
        }
    }
}
