/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-handoff-topo.c - topology-data.json: the deployed lab's nodes and links, for other tools */
#include "vl-handoff.h"

#include "vl-json.h"

#include <json-c/json.h>

static json_object *
vl_topo_str_or_null(const char *s)
{
    return s && *s ? json_object_new_string(s) : NULL;
}

/* Return: (transfer full): one of a node's VMs: its domain and how it is reached. */
static json_object *
vl_topo_vm(const VlVm *vm)
{
    json_object *o = json_object_new_object();
    gboolean telnet = vm->node->console == VL_CONSOLE_TELNET;
    gboolean ssh = vl_handoff_vm_has_ssh(vm); /* a line card has no management plane */

    json_object_object_add(o, "domain", json_object_new_string(vm->name));
    json_object_object_add(o, "role", json_object_new_string(vm->role));
    json_object_object_add(o, "card", vl_topo_str_or_null(vm->card));
    json_object_object_add(o, "host", vl_topo_str_or_null(vm->server ? vm->server->name : NULL));
    json_object_object_add(o, "mgmt_address", json_object_new_string(vl_vm_mgmt_address(vm)));
    json_object_object_add(o, "ssh", json_object_new_boolean(ssh));
    json_object_object_add(o, "ssh_port", ssh ? json_object_new_int((int)vm->ssh_port) : NULL);
    json_object_object_add(o, "console", json_object_new_string(telnet ? "telnet" : "pty"));
    json_object_object_add(o, "console_port",
                           telnet ? json_object_new_int((int)vm->console_port) : NULL);
    return o;
}

/* Return: (transfer full): a node (device, coalesced host or host VM) and its VMs. */
static json_object *
vl_topo_node(const VlSpec *spec, const VlNode *node)
{
    json_object *o = json_object_new_object();
    json_object *vms = json_object_new_array();
    const VlNode *vm_node = node->host_vm ? node->host_vm : node;
    const char *kind = node->is_host_vm ? "hostvm" : node->is_host ? "host" : "device";

    json_object_object_add(o, "name", json_object_new_string(node->name));
    json_object_object_add(o, "kind", json_object_new_string(kind));
    json_object_object_add(o, "platform", json_object_new_string(node->platform_name));
    json_object_object_add(o, "role", vl_topo_str_or_null(node->role));
    json_object_object_add(o, "host", vl_topo_str_or_null(node->host));
    json_object_object_add(o, "ssh_user", json_object_new_string(node->ssh_user));
    for (guint i = 0; i < vm_node->vms->len; i++)
        json_object_array_add(vms, vl_topo_vm(g_ptr_array_index(vm_node->vms, i)));
    json_object_object_add(o, "vms", vms);
    if (node->host_vm) {
        /* a coalesced host: a namespace in its host VM, which the "vms" entry is */
        json_object_object_add(o, "namespace", json_object_new_string(node->name));
        json_object_object_add(o, "host_vm", json_object_new_string(node->host_vm->name));
    }
    if (node->is_host) {
        json_object_object_add(o, "address", vl_topo_str_or_null(node->host_ip));
        json_object_object_add(o, "gateway", vl_topo_str_or_null(node->host_gateway));
    }
    if (node->is_host_vm) {
        json_object *hosts = json_object_new_array();
        for (guint i = 0; node->hosts && i < node->hosts->len; i++)
            json_object_array_add(
                hosts,
                json_object_new_string(((const VlNode *)g_ptr_array_index(node->hosts, i))->name));
        json_object_object_add(o, "hosts", hosts);
    }
    return o;
}

/* Return: (transfer full): one end of a link. */
static json_object *
vl_topo_end(const VlIface *iface, guint port)
{
    json_object *o = json_object_new_object();
    const VlVm *vm = vl_iface_vm(iface);

    json_object_object_add(o, "node", json_object_new_string(iface->node->name));
    json_object_object_add(o, "interface", json_object_new_string(iface->name));
    json_object_object_add(o, "domain", json_object_new_string(vm->name));
    json_object_object_add(o, "nic", json_object_new_int((int)iface->nic));
    json_object_object_add(o, "port", json_object_new_int((int)port));
    return o;
}

char *
vl_handoff_topology(const VlSpec *spec)
{
    g_autoptr(json_object) doc = json_object_new_object();
    json_object *nodes = json_object_new_array();
    json_object *links = json_object_new_array();

    json_object_object_add(doc, "version", json_object_new_int(1));
    json_object_object_add(doc, "lab", json_object_new_string(spec->name));
    json_object_object_add(doc, "domain_prefix", json_object_new_string(spec->domain_prefix));
    for (guint i = 0; i < spec->nodes->len; i++)
        json_object_array_add(nodes, vl_topo_node(spec, g_ptr_array_index(spec->nodes, i)));
    for (guint i = 0; spec->host_vms && i < spec->host_vms->len; i++)
        json_object_array_add(nodes, vl_topo_node(spec, g_ptr_array_index(spec->host_vms, i)));
    json_object_object_add(doc, "nodes", nodes);
    for (guint i = 0; i < spec->links->len; i++) {
        const VlLink *l = g_ptr_array_index(spec->links, i);
        json_object *o = json_object_new_object();

        /* UDP: each end binds its port and sends to the other's; TCP: a listens, z connects */
        json_object_object_add(o, "transport",
                               json_object_new_string(vl_transport_to_string(l->transport)));
        json_object_object_add(o, "a", vl_topo_end(l->a, l->port_a));
        json_object_object_add(o, "z", vl_topo_end(l->z, l->port_z));
        json_object_array_add(links, o);
    }
    json_object_object_add(doc, "links", links);
    return g_strdup_printf("%s\n", vl_json_to_string(doc));
}
