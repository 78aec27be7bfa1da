/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-load.c - reads a spec folder into the lab model, reporting every problem at once */
#include "vl-spec-private.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-ifmap.h"
#include "vl-json.h"
#include "vl-spec-settings.h"

#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#define VL_TOPOLOGY_FILE  "topology.json"
#define VL_PLATFORMS_FILE "platforms.json"

/* Reads one JSON file of the spec; Return: (transfer full) (nullable): its document. */
static json_object *
vl_spec_load_json(const char *dir, const char *rel, gboolean required, VlDiag *diag)
{
    g_autofree char *path = g_build_filename(dir, rel, NULL);
    g_autoptr(GError) err = NULL;
    json_object *obj;

    if (!required && !g_file_test(path, G_FILE_TEST_EXISTS))
        return NULL;
    obj = vl_json_load_file(path, &err);
    if (!obj)
        vl_diag_error(diag, rel, "", "%s", err->message);
    return obj;
}

gboolean
vl_spec_name_is_valid(const char *name)
{
    if (!g_ascii_isalnum(name[0]) || strlen(name) > 64)
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("_.-", *p))
            return FALSE;
    }
    return TRUE;
}

gboolean
vl_spec_lab_name_check(const char *name, const char *where, GError **error)
{
    if (vl_spec_name_is_valid(name))
        return TRUE;
    g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s: " VL_LAB_NAME_RULE ", got '%s'", where, name);
    return FALSE;
}

/* Return: the port base at @key of the vmlab section, checked to be 1..65535. */
static guint
vl_spec_load_port_base(json_object *section, const char *section_name, const char *key, guint def,
                       VlDiag *diag)
{
    json_object *v = NULL;
    g_autofree char *path = vl_json_path_key(section_name, key);
    gint64 n;

    if (!section || !json_object_object_get_ex(section, key, &v))
        return def;
    if (!json_object_is_type(v, json_type_int)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "must be an integer port number, got %s",
                      vl_json_type_name(v));
        return 0;
    }
    n = json_object_get_int64(v);
    if (n < 1 || n > 65535) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                      "port %" G_GINT64_FORMAT " is out of range 1..65535", n);
        return 0;
    }
    return (guint)n;
}

static void
vl_spec_load_section(VlSpec *spec, VlDiag *diag)
{
    json_object *section = NULL;
    json_object *v = NULL;
    const char *sec = "vmlab";

    if (json_object_object_get_ex(spec->docs->topology, "vmlab", &section)) {
        json_object *other = NULL;
        if (json_object_object_get_ex(spec->docs->topology, "newtlab", &other))
            vl_diag_error(diag, VL_TOPOLOGY_FILE, "newtlab",
                          "both 'vmlab' and 'newtlab' sections are present; keep one");
    } else if (json_object_object_get_ex(spec->docs->topology, "newtlab", &section)) {
        sec = "newtlab";
    }
    spec->section = g_strdup(sec);
    if (section && !json_object_is_type(section, json_type_object)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, sec, "must be an object, got %s",
                      vl_json_type_name(section));
        section = NULL;
    }

    spec->link_port_base =
        vl_spec_load_port_base(section, sec, "link_port_base", VL_DEFAULT_LINK_PORT_BASE, diag);
    spec->console_port_base = vl_spec_load_port_base(section, sec, "console_port_base",
                                                     VL_DEFAULT_CONSOLE_PORT_BASE, diag);
    spec->ssh_port_base =
        vl_spec_load_port_base(section, sec, "ssh_port_base", VL_DEFAULT_SSH_PORT_BASE, diag);
    spec->fabric_port_base =
        vl_spec_load_port_base(section, sec, "fabric_port_base", VL_DEFAULT_FABRIC_PORT_BASE, diag);

    spec->domain_prefix = g_strdup("");
    if (section && json_object_object_get_ex(section, "domain_prefix", &v)) {
        g_autofree char *path = vl_json_path_key(sec, "domain_prefix");
        const char *p = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        if (p && (!*p || vl_spec_name_is_valid(p))) {
            g_free(spec->domain_prefix);
            spec->domain_prefix = g_strdup(p);
        } else {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                          "must be a name prefix (letters, digits, '_', '.', '-'), got %s",
                          p ? p : vl_json_type_name(v));
        }
    }

    vl_spec_load_ftp(spec, section, sec, diag);
    vl_spec_load_insecure_registries(spec, section, sec, diag);

    spec->transport = VL_TRANSPORT_UDP;
    if (section && json_object_object_get_ex(section, "link_transport", &v)) {
        g_autofree char *path = vl_json_path_key(sec, "link_transport");
        const char *t = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        if (t && g_str_equal(t, "tcp"))
            spec->transport = VL_TRANSPORT_TCP;
        else if (!t || !g_str_equal(t, "udp"))
            vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "must be \"udp\" or \"tcp\", got %s",
                          t ? t : vl_json_type_name(v));
    }

    if (section && json_object_object_get_ex(section, "coalesce_hosts", &v)) {
        g_autofree char *path = vl_json_path_key(sec, "coalesce_hosts");
        if (json_object_is_type(v, json_type_boolean))
            spec->coalesce_hosts = json_object_get_boolean(v);
        else
            vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "must be true or false, got %s",
                          vl_json_type_name(v));
    }

    if (section && json_object_object_get_ex(section, "virt_type", &v)) {
        g_autofree char *path = vl_json_path_key(sec, "virt_type");
        const char *t = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        if (t && (g_str_equal(t, "qemu") || g_str_equal(t, "kvm")))
            spec->virt_type = g_strdup(t);
        else
            vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "must be \"qemu\" or \"kvm\", got %s",
                          t ? t : vl_json_type_name(v));
    }

    vl_spec_load_servers(spec, section, sec, diag);
}

static void
vl_spec_load_platforms(VlSpec *spec, VlDiag *diag)
{
    json_object *platforms = NULL;

    if (!spec->docs->platforms)
        return;
    if (!json_object_is_type(spec->docs->platforms, json_type_object) ||
        !json_object_object_get_ex(spec->docs->platforms, "platforms", &platforms)) {
        vl_diag_error(diag, VL_PLATFORMS_FILE, "platforms",
                      "missing: expected {\"platforms\": {NAME: {...}}}");
        return;
    }
    if (!json_object_is_type(platforms, json_type_object)) {
        vl_diag_error(diag, VL_PLATFORMS_FILE, "platforms", "must be an object, got %s",
                      vl_json_type_name(platforms));
        return;
    }
    json_object_object_foreach(platforms, name, p)
    {
        g_autofree char *path = vl_json_path_key("platforms", name);

        if (!json_object_is_type(p, json_type_object)) {
            vl_diag_error(diag, VL_PLATFORMS_FILE, path, "must be an object, got %s",
                          vl_json_type_name(p));
            continue;
        }
        vl_spec_settings_check(p, VL_PLATFORMS_FILE, path, diag);
    }
}

/* Return: (transfer none) (nullable): the platform entry named @name. */
static json_object *
vl_spec_platform_find(const VlSpec *spec, const char *name)
{
    json_object *platforms = NULL;
    json_object *p = NULL;

    if (!spec->docs->platforms ||
        !json_object_object_get_ex(spec->docs->platforms, "platforms", &platforms) ||
        !json_object_is_type(platforms, json_type_object) ||
        !json_object_object_get_ex(platforms, name, &p) ||
        !json_object_is_type(p, json_type_object))
        return NULL;
    return p;
}

static void
vl_spec_load_node_interfaces(VlSpec *spec, VlNode *node, json_object *dev, const char *dpath,
                             VlDiag *diag)
{
    json_object *ifaces = NULL;
    g_autofree char *ipath = vl_json_path_key(dpath, "interfaces");

    if (!json_object_object_get_ex(dev, "interfaces", &ifaces))
        return;
    if (!json_object_is_type(ifaces, json_type_object)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, ipath,
                      "must be an object of interface name -> {...}, got %s",
                      vl_json_type_name(ifaces));
        return;
    }
    json_object_object_foreach(ifaces, name, v)
    {
        VlIface *iface = g_new0(VlIface, 1);
        g_autofree char *p = vl_json_path_key(ipath, name);

        iface->name = g_strdup(name);
        iface->node = node;
        g_ptr_array_add(node->ifaces, iface);
        if (!*name || strpbrk(name, ": \t\n\r")) {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p, "'%s' is not a valid interface name", name);
        }
        if (!json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_null))
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p, "must be an object, got %s",
                          vl_json_type_name(v));
    }
}

/* Places every interface of @node on a NIC of its platform's map. */
static void
vl_spec_place_interfaces(VlNode *node, VlDiag *diag)
{
    json_object *map = vl_spec_setting_lookup(node, "vm_interface_map", NULL);
    json_object *custom = NULL;
    g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *ipath = NULL;
    g_autofree char *dpath = vl_json_path_key("devices", node->name);

    ipath = vl_json_path_key(dpath, "interfaces");
    if (node->is_host) {
        vl_spec_host_place_interfaces(node, diag);
        return;
    }
    node->ifmap = VL_IFMAP_STRIDE4;
    if (map && json_object_is_type(map, json_type_object)) {
        node->ifmap = VL_IFMAP_CUSTOM;
        custom = map;
    } else if (map && json_object_is_type(map, json_type_string)) {
        if (!vl_ifmap_kind_from_string(json_object_get_string(map), &node->ifmap))
            return; /* reported by the settings check */
        if (node->ifmap == VL_IFMAP_CUSTOM) {
            /* vm_interface_map_custom is newtlab's name for it */
            custom = vl_spec_setting_lookup(node, "vm_interface_custom_map", NULL);
            if (!custom)
                custom = vl_spec_setting_lookup(node, "vm_interface_map_custom", NULL);
            if (!custom || !json_object_is_type(custom, json_type_object)) {
                g_autofree char *where = NULL;
                vl_spec_setting_lookup(node, "vm_interface_map", &where);
                vl_diag_error(diag, VL_PLATFORMS_FILE, "",
                              "%s: the custom map of device '%s' needs vm_interface_custom_map "
                              "(or newtlab's vm_interface_map_custom)",
                              where, node->name);
                return;
            }
        }
    }

    for (guint i = 0; i < node->ifaces->len; i++) {
        VlIface *iface = g_ptr_array_index(node->ifaces, i);
        g_autofree char *why = NULL;
        g_autofree char *p = vl_json_path_key(ipath, iface->name);
        g_autofree char *slot = NULL;
        const char *other;

        if (!node->sros && vl_ifmap_is_mgmt(node->ifmap, iface->name)) {
            iface->mgmt = TRUE; /* declared, but no data NIC; a link to it is refused */
            continue;
        }
        iface->nic = node->sros ? vl_spec_sros_place(node, iface, &why)
                                : vl_ifmap_place(node->ifmap, custom, iface->name, &why);
        if (!iface->nic) {
            if (node->sros)
                vl_diag_error(diag, VL_TOPOLOGY_FILE, p,
                              "SR OS device '%s' cannot place port '%s': %s", node->name,
                              iface->name, why);
            else
                vl_diag_error(diag, VL_TOPOLOGY_FILE, p,
                              "platform '%s' (%s map) cannot place interface '%s': %s",
                              node->platform_name, vl_ifmap_kind_to_string(node->ifmap),
                              iface->name, why);
            continue;
        }
        /* NICs are per VM: an SR OS device's cards each have their own. */
        slot = g_strdup_printf("%u/%u", iface->vm_index, iface->nic);
        other = g_hash_table_lookup(used, slot);
        if (other) {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p,
                          "interface '%s' maps to NIC %u, already used by interface '%s'",
                          iface->name, iface->nic, other);
            continue;
        }
        g_hash_table_insert(used, g_steal_pointer(&slot), iface->name);
    }
}

/* Resolves a path setting: relative to the spec folder, ~ expanded. */
static char *
vl_spec_resolve_path(const VlSpec *spec, const VlNode *node, const char *key)
{
    const char *v = vl_spec_setting_string(node, key, NULL);

    return v ? vl_fs_expand_path(v, spec->dir) : NULL;
}

/* Resolves an image setting: an oci:// reference is kept for `up` to pull, else as a path. */
static char *
vl_spec_resolve_image(const VlSpec *spec, const VlNode *node, const char *key)
{
    return vl_spec_image_value(vl_spec_setting_string(node, key, NULL), spec->dir);
}

static void
vl_spec_resolve_cpu_features(VlNode *node)
{
    json_object *v = vl_spec_setting_lookup(node, "vm_cpu_features", NULL);

    if (!v)
        return;
    if (json_object_is_type(v, json_type_string)) {
        g_auto(GStrv) parts = g_strsplit(json_object_get_string(v), ",", -1);
        for (guint i = 0; parts[i]; i++) {
            g_strstrip(parts[i]);
            if (*parts[i])
                g_ptr_array_add(node->cpu_features, g_strdup(parts[i]));
        }
    } else if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *f = json_object_array_get_idx(v, i);
            if (json_object_is_type(f, json_type_string))
                g_ptr_array_add(node->cpu_features, g_strdup(json_object_get_string(f)));
        }
    }
}

static void
vl_spec_resolve_credentials(VlNode *node)
{
    json_object *cred = NULL;
    json_object *platform_cred = NULL;
    json_object *v = NULL;
    const char *user = NULL;
    const char *pass = NULL;

    if (node->docs->profile &&
        json_object_object_get_ex(node->docs->profile, "vm_credentials", &cred) &&
        json_object_is_type(cred, json_type_object)) {
        if (json_object_object_get_ex(cred, "user", &v) && json_object_is_type(v, json_type_string))
            user = json_object_get_string(v);
        if (json_object_object_get_ex(cred, "pass", &v) && json_object_is_type(v, json_type_string))
            pass = json_object_get_string(v);
    }
    if (node->docs->platform &&
        json_object_object_get_ex(node->docs->platform, "vm_credentials", &platform_cred) &&
        json_object_is_type(platform_cred, json_type_object)) {
        if (!user && json_object_object_get_ex(platform_cred, "user", &v) &&
            json_object_is_type(v, json_type_string))
            user = json_object_get_string(v);
        if (!pass && json_object_object_get_ex(platform_cred, "pass", &v) &&
            json_object_is_type(v, json_type_string))
            pass = json_object_get_string(v);
    }
    /* The profile's ssh_user/ssh_pass win over any vm_credentials. */
    if (node->docs->profile && json_object_object_get_ex(node->docs->profile, "ssh_user", &v) &&
        json_object_is_type(v, json_type_string))
        user = json_object_get_string(v);
    if (node->docs->profile && json_object_object_get_ex(node->docs->profile, "ssh_pass", &v) &&
        json_object_is_type(v, json_type_string))
        pass = json_object_get_string(v);
    node->ssh_user = g_strdup(user ? user : VL_DEFAULT_SSH_USER);
    node->ssh_pass = g_strdup(pass ? pass : "");
}

static void
vl_spec_resolve_node(VlSpec *spec, VlNode *node, VlDiag *diag)
{
    g_autofree char *rel = g_strdup_printf("profiles/%s.json", node->name);
    g_autofree char *tdir = vl_fs_data_dir("templates");
    const char *model;
    const char *host;

    node->image = vl_spec_resolve_image(spec, node, "vm_image");
    node->kernel = vl_spec_resolve_image(spec, node, "vm_kernel");
    node->initrd = vl_spec_resolve_image(spec, node, "vm_initrd");
    node->cmdline = g_strdup(vl_spec_setting_string(node, "vm_cmdline", NULL));
    node->memory_mb = vl_spec_setting_posint(node, "vm_memory", VL_DEFAULT_MEMORY_MB);
    node->cpus = (guint)vl_spec_setting_posint(node, "vm_cpus", VL_DEFAULT_CPUS);
    node->boot_timeout =
        (guint)vl_spec_setting_posint(node, "vm_boot_timeout", VL_DEFAULT_BOOT_TIMEOUT);
    node->ready_pattern = g_strdup(vl_spec_setting_string(node, "vm_ready_pattern", NULL));
    node->ansible_network_os = g_strdup(vl_spec_setting_string(node, "ansible_network_os", NULL));
    node->ansible_connection = g_strdup(vl_spec_setting_string(node, "ansible_connection", NULL));
    node->console = g_strcmp0(vl_spec_setting_string(node, "vm_console", "pty"), "telnet") == 0
                        ? VL_CONSOLE_TELNET
                        : VL_CONSOLE_PTY;
    model = vl_spec_setting_string(node, "vm_nic_driver", VL_DEFAULT_NIC_MODEL);
    /* libvirt spells QEMU's virtio-net-pci as "virtio". */
    node->nic_model = g_strdup(g_str_equal(model, "virtio-net-pci") ? "virtio" : model);
    vl_spec_resolve_cpu_features(node);
    vl_spec_resolve_credentials(node);

    if (!node->image && !node->kernel && !vl_spec_setting_string(node, "vm_type", NULL)) {
        vl_diag_error(diag, rel, "vm_image",
                      "device '%s' has no image: set vm_image (or vm_kernel) in its profile or in "
                      "platform '%s'",
                      node->name, node->platform_name);
    }
    if (node->initrd && !node->kernel) {
        g_autofree char *where = NULL;
        vl_spec_setting_lookup(node, "vm_initrd", &where);
        vl_diag_error(diag, rel, "vm_kernel", "vm_initrd is set (%s) but vm_kernel is not", where);
    }

    node->template = vl_spec_resolve_path(spec, node, "vm_template");
    if (!node->template)
        node->template = g_build_filename(tdir,
                                          vl_spec_setting_string(node, "vm_type", NULL) ? "sros.xml"
                                          : node->kernel ? "linux-kernel.xml"
                                                         : "generic.xml",
                                          NULL);
    node->xslt = vl_spec_resolve_path(spec, node, "vm_xslt");
    if (!vl_fs_is_readable_file(node->template)) {
        g_autofree char *where = NULL;
        if (vl_spec_setting_lookup(node, "vm_template", &where))
            vl_diag_error(diag, rel, "vm_template", "template '%s' (%s) cannot be read",
                          node->template, where);
        else
            vl_diag_error(diag, rel, "vm_template", "built-in template '%s' cannot be read",
                          node->template);
    }
    if (node->xslt && !vl_fs_is_readable_file(node->xslt)) {
        g_autofree char *where = NULL;
        vl_spec_setting_lookup(node, "vm_xslt", &where);
        vl_diag_error(diag, rel, "vm_xslt", "stylesheet '%s' (%s) cannot be read", node->xslt,
                      where);
    }

    host = vl_spec_setting_string(node, "vm_host", NULL);
    node->host = g_strdup(host ? host : "");
    node->server = host ? vl_spec_find_server(spec, host) : NULL; /* a pin; see vl-spec-place.c */
    if (host && !node->server) {
        vl_diag_error(diag, rel, "vm_host",
                      "host '%s' is not defined in topology.json %s.hosts (or %s.servers)", host,
                      spec->section, spec->section);
    }
    node->host_addr = g_strdup(VL_DEFAULT_MGMT_ADDR); /* until placed */
}

/* Return: (transfer full) (nullable): @node's group: the first non-empty string of @dev's "group"
 * and "role", then the profile's. */
static char *
vl_spec_node_group(const VlNode *node, json_object *dev)
{
    json_object *sources[] = {dev, node->docs->profile};
    const char *keys[] = {"group", "role"};

    for (guint s = 0; s < G_N_ELEMENTS(sources); s++) {
        for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
            json_object *v = NULL;
            if (sources[s] && json_object_object_get_ex(sources[s], keys[k], &v) &&
                json_object_is_type(v, json_type_string) && *json_object_get_string(v))
                return g_strdup(json_object_get_string(v));
        }
    }
    return NULL;
}

static void
vl_spec_load_node(VlSpec *spec, const char *name, json_object *dev, VlDiag *diag)
{
    VlNode *node = g_new0(VlNode, 1);
    g_autofree char *dpath = vl_json_path_key("devices", name);
    g_autofree char *rel = g_strdup_printf("profiles/%s.json", name);
    json_object *v = NULL;
    const char *platform = NULL;
    const char *platform_file = rel;

    node->name = g_strdup(name);
    node->docs = g_new0(VlNodeDocs, 1);
    node->index = spec->nodes->len;
    node->ifaces = g_ptr_array_new_with_free_func(vl_iface_free);
    node->vms = g_ptr_array_new();
    node->cpu_features = g_ptr_array_new_with_free_func(g_free);
    node->profile_path = g_build_filename(spec->dir, rel, NULL);
    g_ptr_array_add(spec->nodes, node);

    if (!vl_spec_name_is_valid(name)) {
        vl_diag_error(
            diag, VL_TOPOLOGY_FILE, dpath,
            "'%s' is not a valid device name (letters, digits, '_', '.', '-'; at most 64)", name);
        return;
    }
    if (g_hash_table_contains(spec->nodes_by_name, name)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, dpath, "device '%s' is defined twice", name);
        return;
    }
    g_hash_table_insert(spec->nodes_by_name, node->name, node);
    if (!json_object_is_type(dev, json_type_object)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, dpath, "must be an object, got %s",
                      vl_json_type_name(dev));
        return;
    }
    node->docs->device = dev;
    if (json_object_object_get_ex(dev, "role", &v) && json_object_is_type(v, json_type_string))
        node->role = g_strdup(json_object_get_string(v));
    vl_spec_load_node_interfaces(spec, node, dev, dpath, diag);

    node->docs->profile = vl_spec_load_json(spec->dir, rel, FALSE, diag);
    if (node->docs->profile && !json_object_is_type(node->docs->profile, json_type_object)) {
        vl_diag_error(diag, rel, "", "must be a JSON object, got %s",
                      vl_json_type_name(node->docs->profile));
        g_clear_pointer(&node->docs->profile, json_object_put);
    }
    node->group = vl_spec_node_group(node, dev);
    if (node->docs->profile) {
        vl_spec_settings_check(node->docs->profile, rel, "", diag);
        if (json_object_object_get_ex(node->docs->profile, "platform", &v) &&
            json_object_is_type(v, json_type_string))
            platform = json_object_get_string(v);
    }
    if (!platform && json_object_object_get_ex(dev, "platform", &v)) {
        g_autofree char *ppath = vl_json_path_key(dpath, "platform");
        if (json_object_is_type(v, json_type_string)) {
            platform = json_object_get_string(v);
            platform_file = VL_TOPOLOGY_FILE;
        } else {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, ppath, "must be a string, got %s",
                          vl_json_type_name(v));
            return;
        }
    }
    if (!platform) {
        vl_diag_error(diag, rel, "platform", "device '%s' has no platform (set \"platform\" in %s)",
                      name, rel);
        return;
    }
    node->platform_name = g_strdup(platform);
    node->docs->platform = vl_spec_platform_find(spec, platform);
    if (!node->docs->platform) {
        if (platform_file == rel)
            vl_diag_error(diag, rel, "platform", "platform '%s' is not defined in platforms.json",
                          platform);
        else
            vl_diag_error(diag, VL_TOPOLOGY_FILE, dpath,
                          "platform '%s' is not defined in platforms.json", platform);
        return;
    }
    vl_spec_host_detect(node, dev, dpath, diag);
    vl_spec_resolve_node(spec, node, diag);
    vl_spec_sros_resolve(spec, node, node->index, diag);
    vl_spec_place_interfaces(node, diag);
}

static void
vl_spec_load_devices(VlSpec *spec, VlDiag *diag)
{
    json_object *devices = NULL;

    if (!json_object_object_get_ex(spec->docs->topology, "devices", &devices)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, "devices",
                      "missing: a topology needs at least one device");
        return;
    }
    if (!json_object_is_type(devices, json_type_object)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, "devices",
                      "must be an object of device name -> {...}, got %s",
                      vl_json_type_name(devices));
        return;
    }
    json_object_object_foreach(devices, name, dev)
    {
        vl_spec_load_node(spec, name, dev, diag);
    }
    if (spec->nodes->len == 0)
        vl_diag_error(diag, VL_TOPOLOGY_FILE, "devices", "no device is defined");
}

static int
vl_spec_strptr_cmp(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* Warns about profiles that belong to no device: usually a typo in a file name. */
static void
vl_spec_check_stray_profiles(VlSpec *spec, VlDiag *diag)
{
    g_autofree char *pdir = g_build_filename(spec->dir, "profiles", NULL);
    g_autoptr(GDir) d = g_dir_open(pdir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *ent;

    if (!d)
        return;
    while ((ent = g_dir_read_name(d))) {
        if (g_str_has_suffix(ent, ".json"))
            g_ptr_array_add(names, g_strndup(ent, strlen(ent) - 5));
    }
    g_ptr_array_sort(names, vl_spec_strptr_cmp);
    for (guint i = 0; i < names->len; i++) {
        const char *n = g_ptr_array_index(names, i);
        if (!g_hash_table_contains(spec->nodes_by_name, n)) {
            g_autofree char *rel = g_strdup_printf("profiles/%s.json", n);
            vl_diag_warning(diag, rel, "", "no device named '%s' in topology.json; profile ignored",
                            n);
        }
    }
}

VlSpec *
vl_spec_load(const char *dir, VlDiag *diag)
{
    g_autoptr(VlSpec) spec = vl_spec_new();
    guint errors_before = vl_diag_count(diag, VL_DIAG_ERROR);
    json_object *v = NULL;

    spec->dir = vl_fs_expand_path(dir, NULL);
    if (!g_file_test(spec->dir, G_FILE_TEST_IS_DIR)) {
        vl_diag_error(diag, dir, "",
                      "not a spec folder (expected topology.json, platforms.json, profiles/)");
        return NULL;
    }
    spec->docs->topology = vl_spec_load_json(spec->dir, VL_TOPOLOGY_FILE, TRUE, diag);
    spec->docs->platforms = vl_spec_load_json(spec->dir, VL_PLATFORMS_FILE, TRUE, diag);
    if (spec->docs->topology && !json_object_is_type(spec->docs->topology, json_type_object)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, "", "must be a JSON object, got %s",
                      vl_json_type_name(spec->docs->topology));
        g_clear_pointer(&spec->docs->topology, json_object_put);
    }
    vl_spec_load_platforms(spec, diag);
    if (!spec->docs->topology)
        return NULL;

    if (json_object_object_get_ex(spec->docs->topology, "name", &v)) {
        if (json_object_is_type(v, json_type_string) &&
            vl_spec_name_is_valid(json_object_get_string(v)))
            spec->name = g_strdup(json_object_get_string(v));
        else
            vl_diag_error(diag, VL_TOPOLOGY_FILE, "name", VL_LAB_NAME_RULE ", got %s%s%s",
                          json_object_is_type(v, json_type_string) ? "'" : "",
                          json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                   : vl_json_type_name(v),
                          json_object_is_type(v, json_type_string) ? "'" : "");
    }
    if (!spec->name) {
        g_autofree char *base = g_path_get_basename(spec->dir);
        if (vl_spec_name_is_valid(base))
            spec->name = g_strdup(base);
        else if (!v)
            vl_diag_error(diag, VL_TOPOLOGY_FILE, "name",
                          "the folder name '%s' is not a valid lab name; set \"name\"", base);
        if (!spec->name)
            spec->name = g_strdup("lab");
    }

    vl_spec_load_section(spec, diag);
    vl_spec_load_devices(spec, diag);
    vl_spec_check_stray_profiles(spec, diag);
    vl_spec_load_links(spec, diag);
    vl_spec_hosts_address(spec, diag);
    vl_spec_assign_ports(spec, diag);
    vl_spec_check_image_refs(spec, diag);
    vl_spec_hosts_coalesce(spec); /* after the image refs: a host VM shares its first host's */
    vl_spec_place(spec, diag);    /* after coalescing: a host VM is placed as one */
    if (vl_diag_count(diag, VL_DIAG_ERROR) > errors_before)
        return NULL;
    vl_spec_expand_vms(spec, diag);
    vl_spec_report_images(spec, diag, VL_DIAG_WARNING);
    if (vl_diag_count(diag, VL_DIAG_ERROR) > errors_before)
        return NULL;
    return g_steal_pointer(&spec);
}

char *
vl_spec_read_lab_name(const char *dir, GError **error)
{
    g_autofree char *abs = vl_fs_expand_path(dir, NULL);
    g_autofree char *path = g_build_filename(abs, VL_TOPOLOGY_FILE, NULL);
    g_autofree char *base = g_path_get_basename(abs);
    g_autoptr(json_object) topo = vl_json_load_file(path, NULL);
    json_object *v = NULL;

    if (topo && json_object_is_type(topo, json_type_object) &&
        json_object_object_get_ex(topo, "name", &v)) {
        /* A bad name is an error, never a reason to fall back to the folder's name. */
        if (json_object_is_type(v, json_type_string) &&
            vl_spec_name_is_valid(json_object_get_string(v)))
            return g_strdup(json_object_get_string(v));
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s/" VL_TOPOLOGY_FILE ": name: " VL_LAB_NAME_RULE ", got %s%s%s", dir,
                    json_object_is_type(v, json_type_string) ? "'" : "",
                    json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                             : vl_json_type_name(v),
                    json_object_is_type(v, json_type_string) ? "'" : "");
        return NULL;
    }
    if (vl_spec_name_is_valid(base) && g_file_test(abs, G_FILE_TEST_IS_DIR))
        return g_steal_pointer(&base);
    g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                "%s: cannot tell the lab's name (no valid topology.json \"name\")", dir);
    return NULL;
}
