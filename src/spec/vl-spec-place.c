/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-place.c - placement: which libvirt host (server) each device's VMs run on */
#include "vl-spec-private.h"

#include "vl-json.h"

#include <string.h>

/*
 * Theory of operation. Placement runs once the hosts are coalesced and before any VM exists; it
 * computes the whole lab's answer from the spec alone, so every machine (and `up --host NAME`
 * on each host, newtlab's model) gets the same one. Without hosts it does nothing (every
 * node's server is NULL).
 *
 * Units. A unit goes to one host as a whole and counts its VMs against max_nodes:
 *   - a device: 1 VM, or all the cards of a distributed SR OS router (its fabric is a local
 *     multicast segment, so its VMs cannot be split);
 *   - a host VM (hostvm-N): 1 VM for all its coalesced hosts. Coalescing groups hosts by vm_host
 *     (vl-spec-hosts.c), so the hosts of one VM are all pinned to the same host or all unpinned;
 *     an unpinned host VM is placed like an unpinned device, under its name "hostvm-N";
 *   - a host device that is not coalesced: 1 VM, like any device.
 *
 * Rule (newtlab's spread, in VMs instead of nodes):
 *   1. Pinned units (vm_host) go to their host, in sorted name order; pins beyond a host's
 *      max_nodes are an error at that host's max_nodes.
 *   2. If every host has a max_nodes and the lab has more VMs than their sum: one error.
 *   3. The other units, in sorted name order (byte order, as newtlab sorts), each go to the host
 *      with the fewest VMs so far among those with room for the whole unit, ties broken by host
 *      name; a unit no host has room for is an error at its device.
 * newtlab's worked example: 6 nodes, 2 servers of max_nodes 4, leaf1 pinned to server-a gives
 * server-a leaf1, leaf3, spine2 and server-b leaf2, spine1, spine3.
 */

typedef struct {
    const char *name;  /* the device's, or the host VM's */
    VlNode *node;      /* the device, or the host VM node */
    const char *first; /* the device named in messages (a host VM: its first host) */
    guint vms;
    VlServer *server; /* the pin, then the placement */
} VlPlaceUnit;

static int
vl_place_unit_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(((const VlPlaceUnit *)a)->name, ((const VlPlaceUnit *)b)->name);
}

/* Return: (transfer full): the units, in sorted name order. */
static GArray *
vl_place_units(const VlSpec *spec)
{
    GArray *units = g_array_new(FALSE, TRUE, sizeof(VlPlaceUnit));

    for (guint i = 0; i < spec->nodes->len; i++) {
        VlNode *node = g_ptr_array_index(spec->nodes, i);
        VlPlaceUnit u = {node->name, node, node->name, vl_spec_sros_vm_count(node), node->server};
        if (!node->host_vm)
            g_array_append_val(units, u);
    }
    for (guint i = 0; i < spec->host_vms->len; i++) {
        VlNode *hvm = g_ptr_array_index(spec->host_vms, i);
        const VlNode *first = g_ptr_array_index(hvm->hosts, 0);
        VlPlaceUnit u = {hvm->name, hvm, first->name, 1, hvm->server};
        g_array_append_val(units, u);
    }
    g_array_sort(units, vl_place_unit_cmp);
    return units;
}

/* Puts @node on @s: its server, host name and address. */
static void
vl_place_node_set(VlNode *node, VlServer *s)
{
    node->server = s;
    g_free(node->host);
    node->host = g_strdup(s->name);
    g_free(node->host_addr);
    node->host_addr = g_strdup(s->address);
}

static void
vl_place_unit_set(VlPlaceUnit *u, VlServer *s)
{
    u->server = s;
    s->vm_count += u->vms;
    vl_place_node_set(u->node, s);
    for (guint i = 0; u->node->hosts && i < u->node->hosts->len; i++)
        vl_place_node_set(g_ptr_array_index(u->node->hosts, i), s);
}

/* Step 1; Return: whether a host got more pins than its max_nodes (each reported). */
static gboolean
vl_place_pinned(VlSpec *spec, GArray *units, VlDiag *diag)
{
    gboolean over = FALSE;

    for (guint i = 0; i < units->len; i++) {
        VlPlaceUnit *u = &g_array_index(units, VlPlaceUnit, i);
        if (u->server)
            vl_place_unit_set(u, u->server);
    }
    for (guint i = 0; i < spec->servers->len; i++) {
        const VlServer *s = g_ptr_array_index(spec->servers, i);
        g_autoptr(GString) names = g_string_new(NULL);
        g_autofree char *path = NULL;

        if (!s->max_nodes || s->vm_count <= s->max_nodes)
            continue;
        for (guint j = 0; j < units->len; j++) {
            const VlPlaceUnit *u = &g_array_index(units, VlPlaceUnit, j);
            if (u->server != s)
                continue;
            g_string_append_printf(names, "%s%s", names->len ? ", " : "", u->name);
            if (u->vms > 1)
                g_string_append_printf(names, " (%u VMs)", u->vms);
        }
        path = vl_json_path_key(s->where, "max_nodes");
        vl_diag_error(diag, "topology.json", path,
                      "host '%s' takes at most %u VM%s, but vm_host pins %u to it: %s", s->name,
                      s->max_nodes, s->max_nodes == 1 ? "" : "s", s->vm_count, names->str);
        over = TRUE;
    }
    return over;
}

/* Step 2; Return: whether the lab has more VMs than all the hosts take (reported). */
static gboolean
vl_place_check_total(VlSpec *spec, GArray *units, VlDiag *diag)
{
    const VlServer *first = g_ptr_array_index(spec->servers, 0);
    guint64 cap = 0, vms = 0;
    g_autofree char *path = NULL;

    for (guint i = 0; i < spec->servers->len; i++) {
        const VlServer *s = g_ptr_array_index(spec->servers, i);
        if (!s->max_nodes)
            return FALSE; /* no limit */
        cap += s->max_nodes;
    }
    for (guint i = 0; i < units->len; i++)
        vms += g_array_index(units, VlPlaceUnit, i).vms;
    if (vms <= cap)
        return FALSE;
    path = g_strdup_printf("%s.%s", spec->section,
                           strstr(first->where, ".servers[") ? "servers" : "hosts");
    vl_diag_error(diag, "topology.json", path,
                  "the lab has %" G_GUINT64_FORMAT
                  " VMs, but its %u hosts take at most %" G_GUINT64_FORMAT
                  " (the sum of their max_nodes)",
                  vms, spec->servers->len, cap);
    return TRUE;
}

void
vl_spec_place(VlSpec *spec, VlDiag *diag)
{
    g_autoptr(GArray) units = NULL;
    gboolean reported;

    if (!spec->servers->len)
        return;
    units = vl_place_units(spec);
    reported = vl_place_pinned(spec, units, diag);
    reported = vl_place_check_total(spec, units, diag) || reported;
    for (guint i = 0; i < units->len; i++) {
        VlPlaceUnit *u = &g_array_index(units, VlPlaceUnit, i);
        VlServer *best = NULL;

        if (u->server)
            continue;
        for (guint j = 0; j < spec->servers->len; j++) {
            VlServer *s = g_ptr_array_index(spec->servers, j);
            if (s->max_nodes && s->vm_count + u->vms > s->max_nodes)
                continue;
            if (!best || s->vm_count < best->vm_count)
                best = s;
        }
        if (best) {
            vl_place_unit_set(u, best);
        } else if (!reported) {
            g_autofree char *path = vl_json_path_key("devices", u->first);
            vl_diag_error(diag, "topology.json", path,
                          "'%s' (%u VM%s) fits on no host: none has room for it within its "
                          "max_nodes",
                          u->name, u->vms, u->vms == 1 ? "" : "s");
        }
    }
}

char *
vl_spec_placement_describe(const VlSpec *spec)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < spec->servers->len; i++) {
        const VlServer *s = g_ptr_array_index(spec->servers, i);
        guint n = 0;

        g_string_append_printf(out, "host %s (%s, %s", s->name, s->address,
                               s->uri ? s->uri : "the -c connection");
        if (s->max_nodes)
            g_string_append_printf(out, ", at most %u VM%s", s->max_nodes,
                                   s->max_nodes == 1 ? "" : "s");
        g_string_append(out, "):");
        for (guint j = 0; j < spec->vms->len; j++) {
            const VlVm *vm = g_ptr_array_index(spec->vms, j);
            if (vm->server == s)
                g_string_append_printf(out, "%s %s", n++ ? "," : "", vm->name);
        }
        g_string_append(out, n ? "\n" : " no VMs\n");
    }
    return g_string_free(out, FALSE);
}
