/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec.c - the lab model's life cycle, look-ups and enum names */
#include "vl-spec-private.h"

#include "vl-oci-ref.h"
#include "vl-fs.h"
#include "vl-spec-section.h"
#include "vl-spec-settings.h"

void
vl_nic_free(gpointer data)
{
    VlNic *nic = data;

    g_free(nic->mac);
    g_free(nic->local_addr);
    g_free(nic->remote_addr);
    g_free(nic);
}

static void
vl_vm_free(gpointer data)
{
    VlVm *vm = data;

    g_free(vm->name);
    g_free(vm->role);
    g_free(vm->template);
    g_free(vm->xslt);
    g_free(vm->disk_path);
    g_free(vm->log_path);
    g_free(vm->disk_format);
    g_free(vm->backing_path);
    g_free(vm->backing_format);
    g_free(vm->mgmt_mac);
    g_free(vm->card);
    g_free(vm->smbios_product);
    g_free(vm->uuid);
    g_free(vm->copy_from);
    g_free(vm->layout_xslt);
    if (vm->layout_params)
        g_ptr_array_unref(vm->layout_params);
    g_free(vm->mgmt_host);
    g_free(vm->mgmt_guest);
    g_free(vm->cmdline);
    g_ptr_array_unref(vm->nics);
    g_free(vm);
}

void
vl_iface_free(gpointer data)
{
    VlIface *iface = data;

    g_free(iface->name);
    g_free(iface);
}

static void
vl_node_free(gpointer data)
{
    VlNode *node = data;

    g_free(node->name);
    g_free(node->platform_name);
    g_free(node->role);
    g_free(node->group);
    g_free(node->profile_path);
    if (node->docs && node->docs->profile)
        json_object_put(node->docs->profile);
    g_free(node->docs);
    if (node->images)
        g_ptr_array_unref(node->images);
    g_free(node->image);
    g_free(node->kernel);
    g_free(node->initrd);
    g_free(node->cmdline);
    g_free(node->nic_model);
    g_ptr_array_unref(node->cpu_features);
    g_free(node->ssh_user);
    g_free(node->ssh_pass);
    g_free(node->ready_pattern);
    g_free(node->ansible_network_os);
    g_free(node->ansible_connection);
    g_free(node->template);
    g_free(node->xslt);
    g_free(node->host);
    g_free(node->host_addr);
    vl_sros_free(node->sros);
    g_ptr_array_unref(node->ifaces);
    g_ptr_array_unref(node->vms);
    if (node->hosts)
        g_ptr_array_unref(node->hosts);
    g_free(node->host_ip);
    g_free(node->host_gateway);
    g_free(node);
}

VlSpec *
vl_spec_new(void)
{
    VlSpec *spec = g_new0(VlSpec, 1);

    spec->docs = g_new0(VlSpecDocs, 1);

    spec->servers = g_ptr_array_new_with_free_func(vl_server_free);
    spec->nodes = g_ptr_array_new_with_free_func(vl_node_free);
    spec->links = g_ptr_array_new_with_free_func(vl_link_free);
    spec->vms = g_ptr_array_new_with_free_func(vl_vm_free);
    spec->nodes_by_name = g_hash_table_new(g_str_hash, g_str_equal);
    spec->host_vms = g_ptr_array_new_with_free_func(vl_node_free);
    spec->coalesce_hosts = TRUE;
    return spec;
}

void
vl_spec_free(VlSpec *spec)
{
    if (!spec)
        return;
    g_free(spec->dir);
    g_free(spec->name);
    g_free(spec->section);
    g_free(spec->domain_prefix);
    g_free(spec->ftp_listen);
    g_free(spec->virt_type);
    if (spec->insecure_registries)
        g_ptr_array_unref(spec->insecure_registries);
    if (spec->docs->topology)
        json_object_put(spec->docs->topology);
    if (spec->docs->platforms)
        json_object_put(spec->docs->platforms);
    g_free(spec->docs);
    /* VMs point at nodes and nodes at interfaces: free from the leaves up. */
    g_ptr_array_unref(spec->vms);
    g_ptr_array_unref(spec->links);
    g_ptr_array_unref(spec->host_vms);
    g_hash_table_unref(spec->nodes_by_name);
    g_ptr_array_unref(spec->nodes);
    g_ptr_array_unref(spec->servers); /* last: nodes and VMs point at them */
    g_free(spec);
}

VlNode *
vl_spec_find_node(const VlSpec *spec, const char *name)
{
    return g_hash_table_lookup(spec->nodes_by_name, name);
}

VlNode *
vl_spec_find_host_vm(const VlSpec *spec, const char *name)
{
    for (guint i = 0; i < spec->host_vms->len; i++) {
        VlNode *n = g_ptr_array_index(spec->host_vms, i);
        if (g_str_equal(n->name, name))
            return n;
    }
    return NULL;
}

VlVm *
vl_spec_find_vm(const VlSpec *spec, const char *name)
{
    for (guint i = 0; i < spec->vms->len; i++) {
        VlVm *vm = g_ptr_array_index(spec->vms, i);
        if (g_str_equal(vm->name, name))
            return vm;
    }
    return NULL;
}

/* Finds where a setting (or an "sros.KEY") came from, for messages. */
json_object *
vl_iface_json(const VlIface *iface)
{
    json_object *device = iface->node->docs->device;
    json_object *ifaces = NULL;
    json_object *v = NULL;

    if (!device || !json_object_object_get_ex(device, "interfaces", &ifaces) ||
        !json_object_object_get_ex(ifaces, iface->name, &v))
        return NULL;
    return v;
}

json_object *
vl_spec_section_member(const VlSpec *spec, const char *key)
{
    json_object *section = NULL;
    json_object *v = NULL;

    if (!json_object_object_get_ex(spec->docs->topology, spec->section, &section) ||
        !json_object_is_type(section, json_type_object) ||
        !json_object_object_get_ex(section, key, &v))
        return NULL;
    return v;
}

void
vl_spec_report_lookup(const VlNode *node, const char *key, char **where)
{
    if (g_str_has_prefix(key, "sros."))
        vl_spec_sros_setting_lookup(node, key + 5, where);
    else
        vl_spec_setting_lookup(node, key, where);
}

gboolean
vl_spec_report_images(const VlSpec *spec, VlDiag *diag, VlDiagLevel level)
{
    gboolean ok = TRUE;
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < spec->nodes->len; i++) {
        const VlNode *node = g_ptr_array_index(spec->nodes, i);
        const struct {
            const char *key;
            const char *path;
        } files[] = {{"vm_image", node->image},
                     {"vm_kernel", node->kernel},
                     {"vm_initrd", node->initrd},
                     {"sros.cpm_image", node->sros ? node->sros->cpm_image : NULL},
                     {"sros.iom_image", node->sros ? node->sros->iom_image : NULL},
                     {"sros.license", node->sros ? node->sros->license : NULL}};

        for (guint j = 0; j < G_N_ELEMENTS(files); j++) {
            g_autofree char *where = NULL;

            /* A registry reference is pulled by `up`; its syntax was checked on load. */
            if (!files[j].path || vl_oci_ref_is(files[j].path) ||
                vl_fs_is_readable_file(files[j].path))
                continue;
            ok = FALSE;
            vl_spec_report_lookup(node, files[j].key, &where);
            /* A platform's image is shared by its devices: one report is enough. */
            if (g_hash_table_contains(seen, where))
                continue;
            vl_diag_add(diag, level, NULL, where, "file '%s' does not exist or cannot be read",
                        files[j].path);
            g_hash_table_add(seen, g_steal_pointer(&where));
        }
    }
    return ok;
}

gboolean
vl_spec_check_images(const VlSpec *spec, VlDiag *diag)
{
    return vl_spec_report_images(spec, diag, VL_DIAG_ERROR);
}

const char *
vl_vm_mgmt_address(const VlVm *vm)
{
    return vm->server ? vm->server->address : VL_DEFAULT_MGMT_ADDR;
}

VlVm *
vl_iface_vm(const VlIface *iface)
{
    return g_ptr_array_index(iface->node->vms, iface->vm_index);
}

const char *
vl_transport_to_string(VlTransport t)
{
    return t == VL_TRANSPORT_TCP ? "tcp" : "udp";
}

const char *
vl_nic_kind_to_string(VlNicKind k)
{
    switch (k) {
    case VL_NIC_MCAST:
        return "mcast";
    case VL_NIC_UDP:
        return "udp";
    case VL_NIC_SERVER:
        return "server";
    case VL_NIC_CLIENT:
        return "client";
    }
    return "udp";
}
