/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-state.c - state.json: what `up` deployed, where, and how it is wired */
#include "vl-lab-state.h"

#include "vl-lab.h"
#include "vl-lab-images.h"
#include "vl-spec-profiles.h"
#include "vl-json.h"

/* Return: (transfer full): state.json's "hosts": each host device, its VM and its namespace. */
static json_object *
vl_lab_state_hosts(const VlSpec *spec)
{
    json_object *hosts = json_object_new_array();

    for (guint i = 0; i < spec->nodes->len; i++) {
        const VlNode *node = g_ptr_array_index(spec->nodes, i);
        json_object *h;
        json_object *ifs;

        if (!node->is_host || !node->vms->len)
            continue;
        h = json_object_new_object();
        ifs = json_object_new_array();
        json_object_object_add(h, "name", json_object_new_string(node->name));
        json_object_object_add(
            h, "domain", json_object_new_string(((VlVm *)g_ptr_array_index(node->vms, 0))->name));
        /* coalesced: a namespace of the shared VM; else the VM is the host's own */
        json_object_object_add(h, "namespace",
                               node->host_vm ? json_object_new_string(node->name) : NULL);
        for (guint j = 0; j < node->ifaces->len; j++) {
            const VlIface *iface = g_ptr_array_index(node->ifaces, j);
            json_object *o = json_object_new_object();
            json_object_object_add(o, "name", json_object_new_string(iface->name));
            json_object_object_add(o, "nic", json_object_new_int((int)iface->nic));
            json_object_array_add(ifs, o);
        }
        json_object_object_add(h, "interfaces", ifs);
        json_object_object_add(h, "address",
                               node->host_ip ? json_object_new_string(node->host_ip) : NULL);
        json_object_object_add(
            h, "gateway", node->host_gateway ? json_object_new_string(node->host_gateway) : NULL);
        json_object_array_add(hosts, h);
    }
    return hosts;
}

/* Return: whether @n (a node of an earlier state) is on a host this operation did not open. */
static gboolean
vl_lab_state_node_kept(json_object *n, const VlLabHosts *hosts, const VlSpec *spec)
{
    json_object *server = NULL;
    json_object *domain = NULL;

    if (!json_object_object_get_ex(n, "server", &server) ||
        !json_object_object_get_ex(n, "domain", &domain))
        return FALSE;
    return vl_lab_hosts_find(hosts, json_object_get_string(server)) == NULL &&
           vl_spec_find_vm(spec, json_object_get_string(domain)) != NULL;
}

/* Return: (transfer full): "servers": the hosts of this operation, then earlier ones kept. */
static json_object *
vl_lab_state_servers(const VlLabHosts *hosts, json_object *old)
{
    json_object *servers = vl_lab_hosts_state(hosts);
    json_object *prev = NULL;

    if (old && json_object_object_get_ex(old, "servers", &prev) &&
        json_object_is_type(prev, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(prev); i++) {
            json_object *s = json_object_array_get_idx(prev, i);
            json_object *name = NULL;
            if (json_object_object_get_ex(s, "name", &name) &&
                !vl_lab_hosts_find(hosts, json_object_get_string(name)))
                json_object_array_add(servers, json_object_get(s));
        }
    }
    return servers;
}

gboolean
vl_lab_state_write(const VlSpec *spec, GPtrArray *vms, GPtrArray *reports, const VlLabHosts *hosts,
                   GError **error)
{
    g_autofree char *path = vl_lab_state_path(spec->name);
    g_autoptr(json_object) old = vl_json_load_file(path, NULL);
    g_autoptr(json_object) st = json_object_new_object();
    json_object *nodes = json_object_new_array();
    json_object *links = json_object_new_array();
    json_object *created = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);
    const VlLabHost *first = g_ptr_array_index(hosts->hosts, 0);
    g_autofree char *uri = virConnectGetURI(first->conn);
    json_object *old_nodes = NULL;

    json_object_object_add(st, "lab", json_object_new_string(spec->name));
    if (old && json_object_object_get_ex(old, "created", &created) &&
        json_object_is_type(created, json_type_string))
        json_object_object_add(st, "created", json_object_get(created));
    else
        json_object_object_add(st, "created", json_object_new_string(stamp));
    json_object_object_add(st, "updated", json_object_new_string(stamp));
    json_object_object_add(st, "spec_dir", json_object_new_string(spec->dir));
    json_object_object_add(st, "uri", json_object_new_string(uri ? uri : ""));
    for (guint i = 0; i < vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(vms, i);
        const VlVmReport *rep = g_ptr_array_index(reports, i);
        const VlLabHost *host = vl_lab_hosts_for_vm(hosts, vm);
        g_autofree char *host_uri = host ? virConnectGetURI(host->conn) : NULL;
        json_object *n = json_object_new_object();
        json_object *images;

        json_object_object_add(n, "domain", json_object_new_string(vm->name));
        json_object_object_add(n, "node", json_object_new_string(vm->node->name));
        json_object_object_add(n, "role", json_object_new_string(vm->role));
        json_object_object_add(n, "state",
                               json_object_new_string(rep->error     ? "failed"
                                                      : rep->running ? "running"
                                                                     : "defined"));
        json_object_object_add(n, "ready", json_object_new_boolean(rep->ready));
        json_object_object_add(n, "host", json_object_new_string(vm->node->host_addr));
        json_object_object_add(n, "server", json_object_new_string(vl_lab_vm_host_name(vm)));
        json_object_object_add(n, "uri", json_object_new_string(host_uri ? host_uri : ""));
        json_object_object_add(n, "ssh_port", json_object_new_int((int)vm->ssh_port));
        json_object_object_add(
            n, "console",
            json_object_new_string(vm->node->console == VL_CONSOLE_TELNET ? "telnet" : "pty"));
        if (vm->node->console == VL_CONSOLE_TELNET)
            json_object_object_add(n, "console_port", json_object_new_int((int)vm->console_port));
        json_object_object_add(n, "log", json_object_new_string(vm->log_path));
        if (vm->disk_path)
            json_object_object_add(n, "disk", json_object_new_string(vm->disk_path));
        if ((images = vl_lab_images_state(vm)))
            json_object_object_add(n, "images", images);
        json_object_array_add(nodes, n);
    }
    /* Another host's share, deployed by an earlier `up --host`, stays recorded. */
    if (old && json_object_object_get_ex(old, "nodes", &old_nodes) &&
        json_object_is_type(old_nodes, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(old_nodes); i++) {
            json_object *n = json_object_array_get_idx(old_nodes, i);
            if (vl_lab_state_node_kept(n, hosts, spec))
                json_object_array_add(nodes, json_object_get(n));
        }
    }
    json_object_object_add(st, "nodes", nodes);
    json_object_object_add(st, "servers", vl_lab_state_servers(hosts, old));
    for (guint i = 0; i < spec->links->len; i++) {
        const VlLink *l = g_ptr_array_index(spec->links, i);
        json_object *o = json_object_new_object();
        g_autofree char *a = g_strdup_printf("%s:%s", l->a->node->name, l->a->name);
        g_autofree char *z = g_strdup_printf("%s:%s", l->z->node->name, l->z->name);
        json_object *ports = json_object_new_array();

        json_object_object_add(o, "index", json_object_new_int((int)l->index));
        json_object_object_add(o, "a", json_object_new_string(a));
        json_object_object_add(o, "z", json_object_new_string(z));
        json_object_object_add(o, "transport",
                               json_object_new_string(vl_transport_to_string(l->transport)));
        json_object_array_add(ports, json_object_new_int((int)l->port_a));
        if (l->transport == VL_TRANSPORT_UDP)
            json_object_array_add(ports, json_object_new_int((int)l->port_z));
        json_object_object_add(o, "ports", ports);
        json_object_array_add(links, o);
    }
    json_object_object_add(st, "links", links);
    /* What down puts back into the profiles; kept from the first up of the lab. */
    json_object_object_add(
        st, "profiles",
        vl_spec_profiles_record(spec, old ? json_object_object_get(old, "profiles") : NULL));
    json_object_object_add(st, "hosts", vl_lab_state_hosts(spec));
    return vl_json_write_file(path, st, 0600, error);
}

guint
vl_lab_state_drop_host(json_object *state, const char *host)
{
    json_object *nodes = NULL;
    json_object *servers = NULL;
    json_object *kept = json_object_new_array();
    json_object *kept_servers = json_object_new_array();
    guint left;

    if (json_object_object_get_ex(state, "nodes", &nodes) &&
        json_object_is_type(nodes, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(nodes); i++) {
            json_object *n = json_object_array_get_idx(nodes, i);
            json_object *s = NULL;
            if (!json_object_object_get_ex(n, "server", &s) ||
                !g_str_equal(json_object_get_string(s), host))
                json_object_array_add(kept, json_object_get(n));
        }
    }
    if (json_object_object_get_ex(state, "servers", &servers) &&
        json_object_is_type(servers, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(servers); i++) {
            json_object *o = json_object_array_get_idx(servers, i);
            json_object *s = NULL;
            if (!json_object_object_get_ex(o, "name", &s) ||
                !g_str_equal(json_object_get_string(s), host))
                json_object_array_add(kept_servers, json_object_get(o));
        }
    }
    left = (guint)json_object_array_length(kept);
    json_object_object_add(state, "nodes", kept);
    json_object_object_add(state, "servers", kept_servers);
    return left;
}
