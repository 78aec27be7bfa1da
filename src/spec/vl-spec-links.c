/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-links.c - links between interfaces, and the ports of links, consoles and SSH forwards */
#include "vl-spec-private.h"

#include "vl-ifmap.h"
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

/* Return: (transfer none) (nullable): the interface named by @v ("device:interface"), reporting
 * at @path why not. */
static VlIface *
vl_spec_endpoint_parse(VlSpec *spec, json_object *v, const char *path, VlDiag *diag)
{
    const char *s;
    const char *colon;
    g_autofree char *dev = NULL;
    VlNode *node;

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

/* Return: (transfer none) (nullable): the interface at links[i].@key, reporting why not. */
static VlIface *
vl_spec_link_endpoint(VlSpec *spec, json_object *link, const char *key, const char *lpath,
                      VlDiag *diag)
{
    json_object *v = NULL;
    g_autofree char *path = vl_json_path_key(lpath, key);

    if (!json_object_object_get_ex(link, key, &v)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "missing: expected \"device:interface\"");
        return NULL;
    }
    return vl_spec_endpoint_parse(spec, v, path, diag);
}

/* Joins @iface to @link at @path, unless it is already used or is a management interface. */
static void
vl_spec_link_claim(VlIface *iface, VlLink *link, const char *path, VlDiag *diag)
{
    if (iface->mgmt) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                      "interface '%s:%s' is the management NIC (NIC 0) of platform '%s' (%s map: "
                      "ethN is NIC N) and cannot be in a link; use eth1 and up",
                      iface->node->name, iface->name, iface->node->platform_name,
                      vl_ifmap_kind_to_string(iface->node->ifmap));
        return;
    }
    if (iface->link) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "interface '%s:%s' is already used by %s",
                      iface->node->name, iface->name, iface->link->where);
        return;
    }
    iface->link = link;
}

/* Return: (transfer none): a new link from @a to @z, owned by @spec's list; takes @where. */
static VlLink *
vl_spec_link_add(VlSpec *spec, VlIface *a, VlIface *z, char *where)
{
    VlLink *link = g_new0(VlLink, 1);

    link->index = spec->links->len;
    link->a = a;
    link->z = z;
    link->where = where;
    link->transport = spec->transport;
    g_ptr_array_add(spec->links, link);
    return link;
}

void
vl_link_free(gpointer data)
{
    VlLink *link = data;

    g_free(link->where);
    g_free(link);
}

/* The links list: one link per valid entry, in file order. */
static void
vl_spec_load_links_list(VlSpec *spec, json_object *links, VlDiag *diag)
{
    for (size_t i = 0; i < json_object_array_length(links); i++) {
        json_object *l = json_object_array_get_idx(links, i);
        g_autofree char *lpath = vl_json_path_index("links", i);
        g_autofree char *apath = vl_json_path_key(lpath, "a");
        g_autofree char *zpath = vl_json_path_key(lpath, "z");
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
        link = vl_spec_link_add(spec, a, z, g_strdup(lpath));
        /* the list may skip bad entries: ports stay those of the entry's position */
        link->index = (guint)i;
        vl_spec_link_claim(a, link, apath, diag);
        vl_spec_link_claim(z, link, zpath, diag);
    }
}

/* One interface's "link" field, resolved. */
typedef struct {
    VlIface *iface;
    VlIface *peer; /* (nullable): NULL when the field is invalid (reported) */
    char *path;    /* devices.X.interfaces.Y.link */
} VlLinkField;

static void
vl_link_field_free(gpointer data)
{
    VlLinkField *f = data;

    g_free(f->path);
    g_free(f);
}

/* Return: (transfer full): every interface's "link" field, devices then interfaces in file
 * order, with @by_iface mapping each interface to its field. */
static GPtrArray *
vl_spec_read_link_fields(VlSpec *spec, GHashTable *by_iface, VlDiag *diag)
{
    GPtrArray *fields = g_ptr_array_new_with_free_func(vl_link_field_free);

    for (guint i = 0; i < spec->nodes->len; i++) {
        VlNode *node = g_ptr_array_index(spec->nodes, i);
        g_autofree char *dpath = vl_json_path_key("devices", node->name);
        g_autofree char *ipath = vl_json_path_key(dpath, "interfaces");

        for (guint j = 0; j < node->ifaces->len; j++) {
            VlIface *iface = g_ptr_array_index(node->ifaces, j);
            g_autofree char *p = vl_json_path_key(ipath, iface->name);
            json_object *json = vl_iface_json(iface);
            json_object *v = NULL;
            VlLinkField *f;

            if (!json_object_is_type(json, json_type_object) ||
                !json_object_object_get_ex(json, "link", &v))
                continue;
            f = g_new0(VlLinkField, 1);
            f->iface = iface;
            f->path = vl_json_path_key(p, "link");
            f->peer = vl_spec_endpoint_parse(spec, v, f->path, diag);
            if (f->peer == iface) {
                vl_diag_error(diag, VL_TOPOLOGY_FILE, f->path, "links interface '%s:%s' to itself",
                              node->name, iface->name);
                f->peer = NULL;
            }
            g_ptr_array_add(fields, f);
            g_hash_table_insert(by_iface, iface, f);
        }
    }
    return fields;
}

/* Return: TRUE if @f's peer names @f's interface back; reports a one-sided or crossed field. */
static gboolean
vl_spec_link_field_mirrored(const VlLinkField *f, GHashTable *by_iface, VlDiag *diag)
{
    const VlLinkField *back = g_hash_table_lookup(by_iface, f->peer);

    if (!back) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, f->path,
                      "names '%s:%s', which has no \"link\" naming '%s:%s' back (a one-sided "
                      "link: give both ends a \"link\")",
                      f->peer->node->name, f->peer->name, f->iface->node->name, f->iface->name);
        return FALSE;
    }
    if (back->peer && back->peer != f->iface) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, f->path,
                      "names '%s:%s', whose \"link\" names '%s:%s' instead of '%s:%s'",
                      f->peer->node->name, f->peer->name, back->peer->node->name, back->peer->name,
                      f->iface->node->name, f->iface->name);
        return FALSE;
    }
    return back->peer != NULL;
}

/* With a links list too: every "link" field must name the interface its links entry joins. */
static void
vl_spec_link_field_agrees(const VlLinkField *f, VlDiag *diag)
{
    const VlLink *link = f->iface->link;
    const VlIface *other;

    if (!link) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, f->path,
                      "names '%s:%s', but no entry of links joins '%s:%s' to it",
                      f->peer->node->name, f->peer->name, f->iface->node->name, f->iface->name);
        return;
    }
    other = link->a == f->iface ? link->z : link->a;
    if (other != f->peer)
        vl_diag_error(diag, VL_TOPOLOGY_FILE, f->path,
                      "names '%s:%s', but %s joins '%s:%s' to '%s:%s'", f->peer->node->name,
                      f->peer->name, link->where, f->iface->node->name, f->iface->name,
                      other->node->name, other->name);
}

/*
 * Links come from topology.json's "links" list when it is present, else from the interfaces'
 * "link" fields: one link per pair, at the pair's first mention (devices in file order, then
 * interfaces in file order; json-c keeps objects in file order), the first-mentioned interface
 * being the a end; there every "link" field must be mirrored by its peer's. With a links list,
 * the list is the truth and a "link" field (one end may have one alone) must agree with it.
 */
void
vl_spec_load_links(VlSpec *spec, VlDiag *diag)
{
    json_object *links = NULL;
    g_autoptr(GHashTable) by_iface = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_autoptr(GPtrArray) fields = NULL;
    gboolean listed = json_object_object_get_ex(spec->docs->topology, "links", &links);

    if (listed && !json_object_is_type(links, json_type_array)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, "links",
                      "must be an array of {\"a\": ..., \"z\": ...}, got %s",
                      vl_json_type_name(links));
        return;
    }
    if (listed)
        vl_spec_load_links_list(spec, links, diag);
    fields = vl_spec_read_link_fields(spec, by_iface, diag);
    for (guint i = 0; i < fields->len; i++) {
        const VlLinkField *f = g_ptr_array_index(fields, i);
        VlLink *link;

        if (!f->peer)
            continue;
        if (listed) {
            vl_spec_link_field_agrees(f, diag);
            continue;
        }
        if (!vl_spec_link_field_mirrored(f, by_iface, diag))
            continue;
        if (f->iface->link && (f->iface->link->a == f->peer || f->iface->link->z == f->peer))
            continue; /* the pair's second mention */
        link = vl_spec_link_add(spec, f->iface, f->peer, g_strdup(f->path));
        vl_spec_link_claim(f->iface, link, f->path, diag);
        {
            const VlLinkField *back = g_hash_table_lookup(by_iface, f->peer);
            vl_spec_link_claim(f->peer, link, back->path, diag);
        }
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

    /* a links list's range counts its bad entries too: ports follow entry positions */
    if (json_object_object_get_ex(spec->docs->topology, "links", &links) &&
        json_object_is_type(links, json_type_array))
        nlinks = (guint)json_object_array_length(links);
    else
        nlinks = spec->links->len;
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
