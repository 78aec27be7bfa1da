/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-graph.c - the graph model: nodes and edges from the spec, state from libvirt */
#include "vl-graph.h"

#include "vl-conn.h"
#include "vl-error.h"
#include "vl-ready.h"

#include <string.h>

static void
vl_graph_vm_free(gpointer data)
{
    VlGraphVm *v = data;

    g_free(v->domain);
    g_free(v->card);
    g_free(v->role);
    g_free(v->host);
    g_free(v->ssh_user);
    g_free(v->state);
    g_free(v);
}

static void
vl_graph_node_free(gpointer data)
{
    VlGraphNode *n = data;

    g_free(n->name);
    g_free(n->platform);
    g_free(n->group);
    g_ptr_array_unref(n->cards);
    g_ptr_array_unref(n->vms);
    g_free(n);
}

static void
vl_graph_edge_free(gpointer data)
{
    VlGraphEdge *e = data;

    g_free(e->a_node);
    g_free(e->a_iface);
    g_free(e->z_node);
    g_free(e->z_iface);
    g_free(e);
}

void
vl_graph_free(VlGraph *g)
{
    if (!g)
        return;
    g_free(g->lab);
    g_ptr_array_unref(g->nodes);
    g_ptr_array_unref(g->edges);
    g_free(g);
}

guint
vl_graph_group_rank(const char *group)
{
    g_autofree char *low = g_ascii_strdown(group ? group : "", -1);

    if (!*low)
        return 2;
    if (strstr(low, "super") || strstr(low, "core"))
        return 0;
    if (strstr(low, "spine"))
        return 1;
    if (strstr(low, "leaf") || strstr(low, "tor"))
        return 3;
    if (strstr(low, "host") || strstr(low, "server") || strstr(low, "client"))
        return 4;
    return 2;
}

VlGraph *
vl_graph_new(const VlSpec *spec)
{
    VlGraph *g = g_new0(VlGraph, 1);

    g->lab = g_strdup(spec->name);
    g->nodes = g_ptr_array_new_with_free_func(vl_graph_node_free);
    g->edges = g_ptr_array_new_with_free_func(vl_graph_edge_free);
    for (guint i = 0; i < spec->nodes->len; i++) {
        const VlNode *node = g_ptr_array_index(spec->nodes, i);
        VlGraphNode *n = g_new0(VlGraphNode, 1);

        n->name = g_strdup(node->name);
        n->platform = g_strdup(node->platform_name ? node->platform_name : "");
        n->group = g_strdup(node->group ? node->group : "");
        n->rank = vl_graph_group_rank(n->group);
        n->cards = g_ptr_array_new_with_free_func(g_free);
        n->vms = g_ptr_array_new_with_free_func(vl_graph_vm_free);
        if (node->sros && node->sros->cards) {
            for (guint c = 0; c < node->sros->cards->len; c++)
                g_ptr_array_add(n->cards, g_strdup(g_ptr_array_index(node->sros->cards, c)));
        }
        for (guint v = 0; v < node->vms->len; v++) {
            const VlVm *vm = g_ptr_array_index(node->vms, v);
            VlGraphVm *gv = g_new0(VlGraphVm, 1);

            gv->domain = g_strdup(vm->name);
            gv->card = g_strdup(vm->card);
            gv->role = g_strdup(vm->role);
            gv->host = g_strdup(vl_vm_mgmt_address(vm));
            gv->ssh_port = vm->ssh_port;
            gv->console_port = vm->console_port;
            gv->ssh_user = g_strdup(node->ssh_user);
            gv->state = g_strdup("not deployed");
            g_ptr_array_add(n->vms, gv);
        }
        g_ptr_array_add(g->nodes, n);
    }
    for (guint i = 0; i < spec->links->len; i++) {
        const VlLink *l = g_ptr_array_index(spec->links, i);
        VlGraphEdge *e = g_new0(VlGraphEdge, 1);

        e->index = l->index;
        e->a_node = g_strdup(l->a->node->name);
        e->a_iface = g_strdup(l->a->name);
        e->z_node = g_strdup(l->z->node->name);
        e->z_iface = g_strdup(l->z->name);
        e->transport = vl_transport_to_string(l->transport);
        e->port_a = l->port_a;
        e->port_z = l->port_z;
        g_ptr_array_add(g->edges, e);
    }
    return g;
}

gboolean
vl_graph_read_state(VlGraph *g, const VlLabHosts *hosts, GError **error)
{
    g_autoptr(GHashTable) doms = vl_lab_hosts_domains(hosts, g->lab, error);
    g_autoptr(GPtrArray) probed = g_ptr_array_new(); /* VlGraphVm (not owned) */
    g_autoptr(GArray) probes = g_array_new(FALSE, TRUE, sizeof(VlReadyProbe));

    if (!doms)
        return FALSE;
    /* A lab with no domain at all is not deployed: drawn as from the spec alone. */
    g->deployed = g_hash_table_size(doms) > 0;
    for (guint i = 0; i < g->nodes->len; i++) {
        VlGraphNode *n = g_ptr_array_index(g->nodes, i);

        for (guint v = 0; v < n->vms->len; v++) {
            VlGraphVm *gv = g_ptr_array_index(n->vms, v);
            g_autoptr(virDomain) dom = NULL;
            virConnectPtr conn;
            int st = VIR_DOMAIN_NOSTATE;
            VlReadyProbe p;

            /* Only the lab's own domains count: a namesake of another lab is not this VM. Each
             * is asked on the host it was found on. */
            conn = vl_lab_domains_conn(doms, gv->domain);
            if (!conn)
                continue;
            dom = virDomainLookupByName(conn, gv->domain);
            if (!dom || virDomainGetState(dom, &st, NULL, 0) < 0)
                continue;
            g_free(gv->state);
            gv->state = g_strdup(vl_domain_state_name(st));
            gv->running = st == VIR_DOMAIN_RUNNING;
            p = (VlReadyProbe){gv->role, gv->running, gv->host, gv->ssh_port, FALSE};
            g_array_append_val(probes, p);
            g_ptr_array_add(probed, gv);
        }
    }
    /* as `status` has it (line cards: running is ready), all at once; no SSH port: running */
    vl_ready_probe_all((VlReadyProbe *)probes->data, probes->len, NULL, 0);
    for (guint i = 0; i < probed->len; i++) {
        VlGraphVm *gv = g_ptr_array_index(probed, i);
        gv->ready = g_array_index(probes, VlReadyProbe, i).ready || (gv->running && !gv->ssh_port);
    }
    return TRUE;
}

const char *
vl_graph_node_status(const VlGraph *g, const VlGraphNode *n)
{
    gboolean all_ready = n->vms->len > 0;
    gboolean any_running = FALSE;

    if (!g->deployed)
        return "offline";
    for (guint v = 0; v < n->vms->len; v++) {
        const VlGraphVm *gv = g_ptr_array_index(n->vms, v);
        all_ready = all_ready && gv->ready;
        any_running = any_running || gv->running;
    }
    return all_ready ? "ready" : any_running ? "running" : "down";
}

const VlGraphNode *
vl_graph_find_node(const VlGraph *g, const char *name)
{
    for (guint i = 0; i < g->nodes->len; i++) {
        const VlGraphNode *n = g_ptr_array_index(g->nodes, i);
        if (g_str_equal(n->name, name))
            return n;
    }
    return NULL;
}

GPtrArray *
vl_graph_groups(const VlGraph *g)
{
    GPtrArray *out = g_ptr_array_new();

    for (guint rank = 0; rank <= 4; rank++) {
        for (guint i = 0; i < g->nodes->len; i++) {
            const VlGraphNode *n = g_ptr_array_index(g->nodes, i);
            gboolean seen = FALSE;

            if (!*n->group || n->rank != rank)
                continue;
            for (guint j = 0; j < out->len && !seen; j++)
                seen = g_str_equal(g_ptr_array_index(out, j), n->group);
            if (!seen)
                g_ptr_array_add(out, n->group);
        }
    }
    return out;
}

void
vl_graph_edge_ends(const VlGraph *g, const VlGraphEdge *e, const char **tail_node,
                   const char **tail_iface, const char **head_node, const char **head_iface)
{
    const VlGraphNode *a = vl_graph_find_node(g, e->a_node);
    const VlGraphNode *z = vl_graph_find_node(g, e->z_node);
    gboolean flip = a && z && z->rank < a->rank;

    *tail_node = flip ? e->z_node : e->a_node;
    *tail_iface = flip ? e->z_iface : e->a_iface;
    *head_node = flip ? e->a_node : e->z_node;
    *head_iface = flip ? e->a_iface : e->z_iface;
}

char *
vl_graph_node_label(const VlGraph *g, const VlGraphNode *n)
{
    GString *label = g_string_new(n->name);

    g_string_append_printf(label, "\n%s", n->platform);
    if (n->cards->len) {
        g_string_append(label, "\ncards:");
        for (guint c = 0; c < n->cards->len; c++)
            g_string_append_printf(label, " %s", (const char *)g_ptr_array_index(n->cards, c));
    }
    if (g->deployed) {
        for (guint v = 0; v < n->vms->len; v++) {
            const VlGraphVm *vm = g_ptr_array_index(n->vms, v);
            g_autofree char *sum = vl_graph_vm_summary(vm);
            g_string_append_printf(label, "\n%s: %s", vm->card ? vm->card : vm->host, sum);
        }
    }
    return g_string_free(label, FALSE);
}

char *
vl_graph_vm_ssh_command(const VlGraphVm *vm)
{
    if (!vm->ssh_port || !vl_ready_role_has_mgmt(vm->role))
        return g_strdup("");
    return g_strdup_printf("ssh -p %u %s@%s", vm->ssh_port,
                           vm->ssh_user ? vm->ssh_user : VL_DEFAULT_SSH_USER, vm->host);
}

char *
vl_graph_vm_summary(const VlGraphVm *vm)
{
    if (vm->running)
        return g_strdup(vm->ready ? "running, ready" : "running, not ready");
    return g_strdup(vm->state);
}
