/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-links.c - links between interfaces, and the ports of links, consoles and SSH forwards */
#include "vl-spec-private.h"

#include "vl-json.h"

#include <string.h>

#define VL_TOPOLOGY_FILE "topology.json"

/*
 * Port plan (deterministic across runs and hosts; documented in README.md):
 *   UDP link i:  the a end binds link_port_base + 2i, the z end binds link_port_base + 2i + 1,
 *                each sending to the other's port; the range is [base, base + 2 * links).
 *   TCP link i:  the a end listens on link_port_base + i, the z end connects to it;
 *                the range is [base, base + links).
 *   VM ports:    the first VM of node j gets console_port_base + j and ssh_port_base + j; the
 *                extra VMs of multi-VM devices follow after the last node, in node order.
 *   SR OS fabric: the cards of distributed router j share UDP port fabric_port_base + j on a
 *                multicast group of their own (239.255.x.y), bound to loopback.
 */

/* Return: (transfer none) (nullable): the interface at "device:interface", reporting why not. */
static VlIface *
vl_spec_link_endpoint(VlSpec *spec, json_object *link, const char *key, const char *lpath,
                      VlDiag *diag)
{
    json_object *v = NULL;
    g_autofree char *path = vl_json_path_key(lpath, key);
    const char *s;
    const char *colon;
    g_autofree char *dev = NULL;
    VlNode *node;

    if (!json_object_object_get_ex(link, key, &v)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "missing: expected \"device:interface\"");
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "must be a string \"device:interface\", got %s",
                      vl_json_type_name(v));
        return NULL;
    }
    s = json_object_get_string(v);
    colon = strchr(s, ':');
    if (!colon || colon == s || !colon[1]) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "'%s' is not of the form \"device:interface\"",
                      s);
        return NULL;
    }
    dev = g_strndup(s, (gsize)(colon - s));
    node = vl_spec_find_node(spec, dev);
    if (!node) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "device '%s' is not defined", dev);
        return NULL;
    }
    for (guint i = 0; i < node->ifaces->len; i++) {
        VlIface *iface = g_ptr_array_index(node->ifaces, i);
        if (g_str_equal(iface->name, colon + 1))
            return iface;
    }
    vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "interface '%s' is not declared by device '%s'",
                  colon + 1, dev);
    return NULL;
}

static void
vl_spec_link_claim(VlIface *iface, VlLink *link, const char *key, const char *lpath, VlDiag *diag)
{
    g_autofree char *path = vl_json_path_key(lpath, key);

    if (iface->link) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                      "interface '%s:%s' is already used by links[%u]", iface->node->name,
                      iface->name, iface->link->index);
        return;
    }
    iface->link = link;
}

void
vl_spec_load_links(VlSpec *spec, VlDiag *diag)
{
    json_object *links = NULL;

    if (!json_object_object_get_ex(spec->topology, "links", &links))
        return;
    if (!json_object_is_type(links, json_type_array)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, "links",
                      "must be an array of {\"a\": ..., \"z\": ...}, got %s",
                      vl_json_type_name(links));
        return;
    }
    for (size_t i = 0; i < json_object_array_length(links); i++) {
        json_object *l = json_object_array_get_idx(links, i);
        g_autofree char *lpath = vl_json_path_index("links", i);
        VlLink *link;
        VlIface *a;
        VlIface *z;

        if (!json_object_is_type(l, json_type_object)) {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, lpath,
                          "must be an object {\"a\": ..., \"z\": ...}, got %s",
                          vl_json_type_name(l));
            continue;
        }
        a = vl_spec_link_endpoint(spec, l, "a", lpath, diag);
        z = vl_spec_link_endpoint(spec, l, "z", lpath, diag);
        if (!a || !z)
            continue;
        if (a == z) {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, lpath, "links interface '%s:%s' to itself",
                          a->node->name, a->name);
            continue;
        }
        link = g_new0(VlLink, 1);
        link->index = (guint)i;
        link->a = a;
        link->z = z;
        link->transport = spec->transport;
        g_ptr_array_add(spec->links, link);
        vl_spec_link_claim(a, link, "a", lpath, diag);
        vl_spec_link_claim(z, link, "z", lpath, diag);
    }
}

typedef struct {
    const char *what;
    const char *key;
    guint first;
    guint count;
} VlPortRange;

void
vl_spec_assign_ports(VlSpec *spec, VlDiag *diag)
{
    json_object *links = NULL;
    guint nlinks = 0;
    guint nvms = 0;
    gboolean udp = spec->transport == VL_TRANSPORT_UDP;
    gboolean fabric = FALSE;
    VlPortRange ranges[4];

    if (json_object_object_get_ex(spec->topology, "links", &links) &&
        json_object_is_type(links, json_type_array))
        nlinks = (guint)json_object_array_length(links);
    for (guint i = 0; i < spec->nodes->len; i++) {
        VlNode *node = g_ptr_array_index(spec->nodes, i);
        node->console_port = spec->console_port_base + node->index;
        node->ssh_port = spec->ssh_port_base + node->index;
        /* extra VMs of multi-VM devices before this one */
        node->first_extra_vm = nvms - i;
        nvms += vl_spec_sros_vm_count(node);
        fabric |= node->sros && vl_sros_is_distributed(node->sros);
    }
    for (guint i = 0; i < spec->links->len; i++) {
        VlLink *link = g_ptr_array_index(spec->links, i);
        if (udp) {
            link->port_a = spec->link_port_base + 2 * link->index;
            link->port_z = link->port_a + 1;
        } else {
            link->port_a = link->port_z = spec->link_port_base + link->index;
        }
    }

    /* A base of 0 means it was invalid and is already reported. */
    if (!spec->link_port_base || !spec->console_port_base || !spec->ssh_port_base ||
        !spec->fabric_port_base)
        return;
    ranges[0] =
        (VlPortRange){"link", "link_port_base", spec->link_port_base, udp ? 2 * nlinks : nlinks};
    ranges[1] = (VlPortRange){"console", "console_port_base", spec->console_port_base, nvms};
    ranges[2] = (VlPortRange){"ssh", "ssh_port_base", spec->ssh_port_base, nvms};
    ranges[3] = (VlPortRange){"fabric", "fabric_port_base", spec->fabric_port_base,
                              fabric ? spec->nodes->len : 0};
    for (guint i = 0; i < G_N_ELEMENTS(ranges); i++) {
        g_autofree char *path = vl_json_path_key(spec->section, ranges[i].key);
        guint64 last = (guint64)ranges[i].first + ranges[i].count - 1;

        if (ranges[i].count && last > 65535)
            vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                          "%s ports %u-%" G_GUINT64_FORMAT " go past 65535", ranges[i].what,
                          ranges[i].first, last);
        for (guint j = 0; j < i; j++) {
            guint64 a0 = ranges[i].first, a1 = a0 + ranges[i].count;
            guint64 b0 = ranges[j].first, b1 = b0 + ranges[j].count;
            if (!ranges[i].count || !ranges[j].count || a1 <= b0 || b1 <= a0)
                continue;
            vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                          "%s ports %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                          " collide with %s ports %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
                          ranges[i].what, a0, a1 - 1, ranges[j].what, b0, b1 - 1);
        }
    }
}
