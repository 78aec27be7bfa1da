/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-settings.c - the typed VM settings a platform or profile may hold, and their checks */
#include "vl-spec-settings.h"

#include "vl-ifmap.h"
#include "vl-json.h"

#include <gio/gio.h>
#include <string.h>

typedef enum {
    VL_SETTING_STRING,
    VL_SETTING_NAME, /* a short identifier: [A-Za-z0-9_.-]+ */
    VL_SETTING_POSINT,
    VL_SETTING_IFMAP,    /* "sequential" | "stride-4" | "custom" | "linux" | {name: nic} */
    VL_SETTING_NICTABLE, /* {name: nic} */
    VL_SETTING_FEATURES, /* "+a,-b" or ["+a", "-b"] */
    VL_SETTING_CREDENTIALS,
    VL_SETTING_REGEX,
    VL_SETTING_IMAGE_FORMAT,
    VL_SETTING_VMTYPE, /* vsim | magc | vpc | vsri */
    VL_SETTING_CARDS,  /* ["a", "b", 1, 2...] */
    VL_SETTING_UUID,
    VL_SETTING_SROS,    /* an object of SR OS settings (vl_sros_settings) */
    VL_SETTING_STRV,    /* an array of strings */
    VL_SETTING_CONSOLE, /* "pty" | "telnet" */
    VL_SETTING_CIDR,    /* "ADDR/LEN" */
    VL_SETTING_ADDR,    /* an IP address */
} VlSettingKind;

typedef struct {
    const char *key;
    VlSettingKind kind;
    guint64 max; /* for VL_SETTING_POSINT */
} VlSetting;

static const VlSetting vl_settings[] = {
    {"platform", VL_SETTING_NAME, 0},
    {"ssh_user", VL_SETTING_STRING, 0},
    {"ssh_pass", VL_SETTING_STRING, 0},
    {"vm_host", VL_SETTING_NAME, 0},
    {"vm_image", VL_SETTING_STRING, 0},
    {"vm_image_format", VL_SETTING_IMAGE_FORMAT, 0},
    {"vm_kernel", VL_SETTING_STRING, 0},
    {"vm_initrd", VL_SETTING_STRING, 0},
    {"vm_cmdline", VL_SETTING_STRING, 0},
    {"vm_nic_driver", VL_SETTING_NAME, 0},
    {"vm_template", VL_SETTING_STRING, 0},
    {"vm_xslt", VL_SETTING_STRING, 0},
    {"vm_ready_pattern", VL_SETTING_REGEX, 0},
    {"vm_console", VL_SETTING_CONSOLE, 0},
    {"vm_memory", VL_SETTING_POSINT, 16 * 1024 * 1024},
    {"vm_cpus", VL_SETTING_POSINT, 1024},
    {"vm_boot_timeout", VL_SETTING_POSINT, 86400},
    {"vm_interface_map", VL_SETTING_IFMAP, 0},
    {"vm_interface_custom_map", VL_SETTING_NICTABLE, 0},
    {"vm_interface_map_custom", VL_SETTING_NICTABLE, 0}, /* newtlab's name for the same table */
    {"vm_cpu_features", VL_SETTING_FEATURES, 0},
    {"vm_credentials", VL_SETTING_CREDENTIALS, 0},
    {"vm_type", VL_SETTING_VMTYPE, 0},
    {"vm_id", VL_SETTING_POSINT, 999},
    {"cards", VL_SETTING_CARDS, 0},
    {"vm_uuid", VL_SETTING_UUID, 0},
    {"sros", VL_SETTING_SROS, 0},
    {"device_type", VL_SETTING_NAME, 0}, /* newtron: "switch" (default) or "host" */
    {"host_ip", VL_SETTING_CIDR, 0},     /* a host's data address */
    {"host_gateway", VL_SETTING_ADDR, 0},
    /* for the Ansible inventory `up` writes (vl-handoff.c) */
    {"ansible_network_os", VL_SETTING_NAME, 0}, /* "cisco.ios.ios", "nokia.sros.md"... */
    {"ansible_connection", VL_SETTING_NAME, 0}, /* "ansible.netcommon.network_cli", "ssh"... */
};

/* The keys of a platform's or profile's "sros" object. */
static const VlSetting vl_sros_settings[] = {
    {"chassis", VL_SETTING_NAME, 0},       {"cpm_card", VL_SETTING_NAME, 0},
    {"iom_card", VL_SETTING_NAME, 0},      {"mdas", VL_SETTING_STRV, 0},
    {"timos_extra", VL_SETTING_STRING, 0}, {"cpm_image", VL_SETTING_STRING, 0},
    {"iom_image", VL_SETTING_STRING, 0},   {"timos_path", VL_SETTING_STRING, 0},
    {"license", VL_SETTING_STRING, 0},     {"cpm_memory", VL_SETTING_POSINT, 16 * 1024 * 1024},
    {"cpm_cpus", VL_SETTING_POSINT, 1024}, {"iom_memory", VL_SETTING_POSINT, 16 * 1024 * 1024},
    {"iom_cpus", VL_SETTING_POSINT, 1024}, {"ports_per_mda", VL_SETTING_POSINT, 64},
};

static const VlSetting *
vl_setting_find_in(const VlSetting *table, gsize n, const char *key)
{
    for (gsize i = 0; i < n; i++) {
        if (g_str_equal(table[i].key, key))
            return &table[i];
    }
    return NULL;
}

static void vl_setting_check_one(const VlSetting *s, json_object *v, const char *file,
                                 const char *path, VlDiag *diag);

static gboolean
vl_setting_is_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return FALSE;
    for (const char *p = s; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("_.-", *p))
            return FALSE;
    }
    return TRUE;
}

static gboolean
vl_setting_is_feature(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!*s)
        return FALSE;
    for (const char *p = s; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("_.-", *p))
            return FALSE;
    }
    return TRUE;
}

static void
vl_setting_check_nictable(json_object *v, const char *file, const char *path, VlDiag *diag)
{
    GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);

    json_object_object_foreach(v, name, nic)
    {
        g_autofree char *p = vl_json_path_key(path, name);
        gint64 n;

        if (!json_object_is_type(nic, json_type_int)) {
            vl_diag_error(diag, file, p, "must be a NIC index (an integer >= 1), got %s",
                          vl_json_type_name(nic));
            continue;
        }
        n = json_object_get_int64(nic);
        if (n < 1 || n > 4096) {
            vl_diag_error(diag, file, p,
                          "NIC index must be 1..4096 (NIC 0 is management), got %" G_GINT64_FORMAT,
                          n);
            continue;
        }
        if (g_hash_table_contains(seen, GINT_TO_POINTER(n))) {
            vl_diag_error(diag, file, p,
                          "NIC %" G_GINT64_FORMAT " is already mapped to interface '%s'", n,
                          (const char *)g_hash_table_lookup(seen, GINT_TO_POINTER(n)));
            continue;
        }
        g_hash_table_insert(seen, GINT_TO_POINTER(n), name);
    }
    g_hash_table_unref(seen);
}

static void
vl_setting_check_one(const VlSetting *s, json_object *v, const char *file, const char *path,
                     VlDiag *diag)
{
    const char *str = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    VlIfmapKind kind;

    switch (s->kind) {
    case VL_SETTING_STRING:
    case VL_SETTING_NAME:
    case VL_SETTING_REGEX:
    case VL_SETTING_IMAGE_FORMAT:
        if (!str) {
            vl_diag_error(diag, file, path, "must be a string, got %s", vl_json_type_name(v));
            return;
        }
        if (s->kind == VL_SETTING_NAME && !vl_setting_is_name(str))
            vl_diag_error(diag, file, path,
                          "'%s' is not a valid name (letters, digits, '_', '.', '-'; at most 64)",
                          str);
        if (s->kind == VL_SETTING_STRING && !*str)
            vl_diag_error(diag, file, path, "must not be empty");
        if (s->kind == VL_SETTING_IMAGE_FORMAT && !g_str_equal(str, "qcow2") &&
            !g_str_equal(str, "raw"))
            vl_diag_error(diag, file, path, "must be 'qcow2' or 'raw', got '%s'", str);
        if (s->kind == VL_SETTING_REGEX) {
            g_autoptr(GError) err = NULL;
            g_autoptr(GRegex) re = g_regex_new(str, G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, &err);
            if (!re)
                vl_diag_error(diag, file, path, "'%s' is not a valid regular expression: %s", str,
                              err->message);
        }
        return;
    case VL_SETTING_POSINT: {
        gint64 n;
        if (!json_object_is_type(v, json_type_int)) {
            vl_diag_error(diag, file, path, "must be a positive integer, got %s",
                          vl_json_type_name(v));
            return;
        }
        n = json_object_get_int64(v);
        if (n <= 0 || (guint64)n > s->max)
            vl_diag_error(diag, file, path,
                          "must be between 1 and %" G_GUINT64_FORMAT ", got %" G_GINT64_FORMAT,
                          s->max, n);
        return;
    }
    case VL_SETTING_IFMAP:
        if (json_object_is_type(v, json_type_object)) {
            vl_setting_check_nictable(v, file, path, diag);
            return;
        }
        if (!str) {
            vl_diag_error(
                diag, file, path,
                "must be 'sequential', 'stride-4', 'custom', 'linux' or an object, got %s",
                vl_json_type_name(v));
            return;
        }
        if (!vl_ifmap_kind_from_string(str, &kind))
            vl_diag_error(diag, file, path,
                          "unknown interface map '%s' (expected sequential, stride-4, custom or "
                          "linux)",
                          str);
        return;
    case VL_SETTING_NICTABLE:
        if (!json_object_is_type(v, json_type_object)) {
            vl_diag_error(diag, file, path,
                          "must be an object of interface name -> NIC index, got %s",
                          vl_json_type_name(v));
            return;
        }
        vl_setting_check_nictable(v, file, path, diag);
        return;
    case VL_SETTING_FEATURES:
        if (str) {
            g_auto(GStrv) parts = g_strsplit(str, ",", -1);
            for (guint i = 0; parts[i]; i++) {
                g_strstrip(parts[i]);
                if (!vl_setting_is_feature(parts[i]))
                    vl_diag_error(diag, file, path, "'%s' is not a CPU feature (like '+sse4.2')",
                                  parts[i]);
            }
        } else if (json_object_is_type(v, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *f = json_object_array_get_idx(v, i);
                g_autofree char *p = vl_json_path_index(path, i);
                if (!json_object_is_type(f, json_type_string) ||
                    !vl_setting_is_feature(json_object_get_string(f)))
                    vl_diag_error(diag, file, p, "must be a CPU feature string like '+sse4.2'");
            }
        } else {
            vl_diag_error(diag, file, path, "must be a string or an array of strings, got %s",
                          vl_json_type_name(v));
        }
        return;
    case VL_SETTING_VMTYPE:
        if (!str || (!g_str_equal(str, "vsim") && !g_str_equal(str, "magc") &&
                     !g_str_equal(str, "vpc") && !g_str_equal(str, "vsri")))
            vl_diag_error(diag, file, path,
                          "must be \"vsim\", \"magc\", \"vpc\" or \"vsri\", got %s",
                          str ? str : vl_json_type_name(v));
        return;
    case VL_SETTING_CONSOLE:
        if (!str || (!g_str_equal(str, "pty") && !g_str_equal(str, "telnet")))
            vl_diag_error(diag, file, path, "must be \"pty\" or \"telnet\", got %s",
                          str ? str : vl_json_type_name(v));
        return;
    case VL_SETTING_UUID:
        if (!str || !g_uuid_string_is_valid(str))
            vl_diag_error(diag, file, path, "must be a UUID (8-4-4-4-12 hex digits), got %s",
                          str ? str : vl_json_type_name(v));
        return;
    case VL_SETTING_CARDS:
    case VL_SETTING_STRV:
        if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0) {
            vl_diag_error(diag, file, path, "must be a non-empty array, got %s",
                          vl_json_type_name(v));
            return;
        }
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *c = json_object_array_get_idx(v, i);
            g_autofree char *p = vl_json_path_index(path, i);
            const char *cs =
                json_object_is_type(c, json_type_string) ? json_object_get_string(c) : NULL;
            if (s->kind == VL_SETTING_STRV) {
                if (!cs || !*cs)
                    vl_diag_error(diag, file, p, "must be a non-empty string, got %s",
                                  vl_json_type_name(c));
            } else if (json_object_is_type(c, json_type_int)) {
                if (json_object_get_int64(c) < 1 || json_object_get_int64(c) > 64)
                    vl_diag_error(diag, file, p,
                                  "a line card number must be 1..64, got %" G_GINT64_FORMAT,
                                  json_object_get_int64(c));
            } else if (!cs || (!g_str_equal(cs, "a") && !g_str_equal(cs, "b"))) {
                vl_diag_error(diag, file, p,
                              "a card is \"a\", \"b\" (CPMs) or a line card number, got %s",
                              cs ? cs : vl_json_type_name(c));
            }
        }
        return;
    case VL_SETTING_CIDR:
    case VL_SETTING_ADDR: {
        g_auto(GStrv) parts = str ? g_strsplit(str, "/", 2) : NULL;
        g_autoptr(GInetAddress) ia =
            parts && parts[0] ? g_inet_address_new_from_string(parts[0]) : NULL;
        guint64 len = 0;
        guint max = ia && g_inet_address_get_family(ia) == G_SOCKET_FAMILY_IPV6 ? 128 : 32;
        gboolean ok =
            ia && (s->kind == VL_SETTING_CIDR
                       ? parts[1] && g_ascii_string_to_unsigned(parts[1], 10, 0, max, &len, NULL)
                       : !parts[1]);
        /* newtron writes "" for an unset field */
        if (str && !*str)
            return;
        if (!ok)
            vl_diag_error(diag, file, path, "must be %s, got %s",
                          s->kind == VL_SETTING_CIDR ? "an address with its prefix length "
                                                       "(\"10.1.100.10/24\")"
                                                     : "an IP address",
                          str ? str : vl_json_type_name(v));
        return;
    }
    case VL_SETTING_SROS:
        if (!json_object_is_type(v, json_type_object)) {
            vl_diag_error(diag, file, path, "must be an object of SR OS settings, got %s",
                          vl_json_type_name(v));
            return;
        }
        json_object_object_foreach(v, key, sv)
        {
            const VlSetting *sub =
                vl_setting_find_in(vl_sros_settings, G_N_ELEMENTS(vl_sros_settings), key);
            g_autofree char *p = vl_json_path_key(path, key);
            if (sub)
                vl_setting_check_one(sub, sv, file, p, diag);
        }
        return;
    case VL_SETTING_CREDENTIALS: {
        static const char *const keys[] = {"user", "pass"};
        if (!json_object_is_type(v, json_type_object)) {
            vl_diag_error(diag, file, path,
                          "must be an object {\"user\": ..., \"pass\": ...}, got %s",
                          vl_json_type_name(v));
            return;
        }
        for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
            json_object *c = NULL;
            g_autofree char *p = vl_json_path_key(path, keys[i]);
            if (json_object_object_get_ex(v, keys[i], &c) &&
                !json_object_is_type(c, json_type_string))
                vl_diag_error(diag, file, p, "must be a string, got %s", vl_json_type_name(c));
        }
        return;
    }
    }
}

void
vl_spec_settings_check(json_object *obj, const char *file, const char *path, VlDiag *diag)
{
    json_object_object_foreach(obj, key, v)
    {
        const VlSetting *s = vl_setting_find_in(vl_settings, G_N_ELEMENTS(vl_settings), key);
        g_autofree char *p = NULL;

        if (!s)
            continue;
        p = vl_json_path_key(path, key);
        vl_setting_check_one(s, v, file, p, diag);
    }
}

json_object *
vl_spec_setting_lookup(const VlNode *node, const char *key, char **where)
{
    json_object *v = NULL;

    if (node->docs->profile && json_object_object_get_ex(node->docs->profile, key, &v)) {
        if (where) {
            g_autofree char *rel = g_strdup_printf("profiles/%s.json", node->name);
            *where = g_strdup_printf("%s: %s", rel, key);
        }
        return v;
    }
    if (node->docs->platform && json_object_object_get_ex(node->docs->platform, key, &v)) {
        if (where) {
            g_autofree char *p = vl_json_path_key("platforms", node->platform_name);
            g_autofree char *pk = vl_json_path_key(p, key);
            *where = g_strdup_printf("platforms.json: %s", pk);
        }
        return v;
    }
    return NULL;
}

guint64
vl_spec_setting_posint(const VlNode *node, const char *key, guint64 def)
{
    json_object *v = vl_spec_setting_lookup(node, key, NULL);

    if (v && json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0)
        return (guint64)json_object_get_int64(v);
    return def;
}

const char *
vl_spec_setting_string(const VlNode *node, const char *key, const char *def)
{
    json_object *v = vl_spec_setting_lookup(node, key, NULL);

    if (v && json_object_is_type(v, json_type_string) && *json_object_get_string(v))
        return json_object_get_string(v);
    return def;
}

json_object *
vl_spec_sros_setting_lookup(const VlNode *node, const char *key, char **where)
{
    json_object *obj = NULL;
    json_object *v = NULL;

    if (node->docs->profile && json_object_object_get_ex(node->docs->profile, "sros", &obj) &&
        json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, key, &v)) {
        if (where)
            *where = g_strdup_printf("profiles/%s.json: sros.%s", node->name, key);
        return v;
    }
    if (node->docs->platform && json_object_object_get_ex(node->docs->platform, "sros", &obj) &&
        json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, key, &v)) {
        if (where) {
            g_autofree char *p = vl_json_path_key("platforms", node->platform_name);
            *where = g_strdup_printf("platforms.json: %s.sros.%s", p, key);
        }
        return v;
    }
    return NULL;
}
