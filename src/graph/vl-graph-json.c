/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-graph-json.c - the topology graph as JSON (version 1) for other tools */
#include "vl-graph.h"

#include "vl-json.h"

static json_object *
vl_graph_json_vm(const VlGraphVm *vm)
{
    json_object *o = json_object_new_object();
    g_autofree char *ssh = vl_graph_vm_ssh_command(vm);

    json_object_object_add(o, "domain", json_object_new_string(vm->domain));
    json_object_object_add(o, "card", vm->card ? json_object_new_string(vm->card) : NULL);
    json_object_object_add(o, "host", json_object_new_string(vm->host));
    json_object_object_add(o, "state", json_object_new_string(vm->state));
    json_object_object_add(o, "running", json_object_new_boolean(vm->running));
    json_object_object_add(o, "ready", json_object_new_boolean(vm->ready));
    json_object_object_add(o, "ssh_port", json_object_new_int((int)vm->ssh_port));
    json_object_object_add(o, "console_port", json_object_new_int((int)vm->console_port));
    json_object_object_add(o, "ssh", json_object_new_string(ssh));
    return o;
}

static json_object *
vl_graph_json_end(const char *node, const char *iface)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "node", json_object_new_string(node));
    json_object_object_add(o, "interface", json_object_new_string(iface));
    return o;
}

char *
vl_graph_to_json(const VlGraph *g)
{
    g_autoptr(json_object) doc = json_object_new_object();
    json_object *nodes = json_object_new_array();
    json_object *links = json_object_new_array();

    json_object_object_add(doc, "version", json_object_new_int(1));
    json_object_object_add(doc, "lab", json_object_new_string(g->lab));
    json_object_object_add(doc, "deployed", json_object_new_boolean(g->deployed));
    for (guint i = 0; i < g->nodes->len; i++) {
        const VlGraphNode *n = g_ptr_array_index(g->nodes, i);
        json_object *o = json_object_new_object();
        json_object *cards = json_object_new_array();
        json_object *vms = json_object_new_array();

        json_object_object_add(o, "name", json_object_new_string(n->name));
        json_object_object_add(o, "platform", json_object_new_string(n->platform));
        json_object_object_add(o, "group", json_object_new_string(n->group));
        json_object_object_add(o, "rank", json_object_new_int((int)n->rank));
        json_object_object_add(o, "status", json_object_new_string(vl_graph_node_status(g, n)));
        for (guint c = 0; c < n->cards->len; c++)
            json_object_array_add(cards, json_object_new_string(g_ptr_array_index(n->cards, c)));
        json_object_object_add(o, "cards", cards);
        for (guint v = 0; v < n->vms->len; v++)
            json_object_array_add(vms, vl_graph_json_vm(g_ptr_array_index(n->vms, v)));
        json_object_object_add(o, "vms", vms);
        json_object_array_add(nodes, o);
    }
    for (guint i = 0; i < g->edges->len; i++) {
        const VlGraphEdge *e = g_ptr_array_index(g->edges, i);
        json_object *o = json_object_new_object();

        json_object_object_add(o, "index", json_object_new_int((int)e->index));
        json_object_object_add(o, "a", vl_graph_json_end(e->a_node, e->a_iface));
        json_object_object_add(o, "z", vl_graph_json_end(e->z_node, e->z_iface));
        json_object_object_add(o, "transport", json_object_new_string(e->transport));
        json_object_object_add(o, "port_a", json_object_new_int((int)e->port_a));
        json_object_object_add(o, "port_z", json_object_new_int((int)e->port_z));
        json_object_array_add(links, o);
    }
    json_object_object_add(doc, "nodes", nodes);
    json_object_object_add(doc, "links", links);
    return g_strdup_printf("%s\n", json_object_to_json_string_ext(
                                       doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
}
