/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-profiles.c - the deploy fields of device profiles: written at up, taken back at down */
#include "vl-spec-profiles.h"

#include "vl-error.h"
#include "vl-fs.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

/* The fields `up` owns in a profile. */
#define VL_PROFILE_MGMT_IP      "mgmt_ip"
#define VL_PROFILE_SSH_PORT     "ssh_port"
#define VL_PROFILE_CONSOLE_PORT "console_port"

/* Return: (transfer none) (nullable): the string member @key of @obj. */
static const char *
vl_spec_profiles_get_string(json_object *obj, const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* Return: (transfer full): the record of @node's profile as it is now. */
static json_object *
vl_spec_profiles_snapshot(const VlNode *node)
{
    json_object *rec = json_object_new_object();
    g_autofree char *text = NULL;
    gsize len = 0;

    json_object_object_add(rec, "device", json_object_new_string(node->name));
    json_object_object_add(rec, "path", json_object_new_string(node->profile_path));
    if (g_file_get_contents(node->profile_path, &text, &len, NULL)) {
        g_autoptr(json_object) prof = vl_json_parse(text, len, NULL);
        json_object *ip = NULL;

        json_object_object_add(rec, "existed", json_object_new_boolean(TRUE));
        if (prof && json_object_object_get_ex(prof, VL_PROFILE_MGMT_IP, &ip))
            json_object_object_add(rec, VL_PROFILE_MGMT_IP, json_object_get(ip));
        json_object_object_add(rec, "text", json_object_new_string_len(text, (int)len));
    } else {
        json_object_object_add(rec, "existed", json_object_new_boolean(FALSE));
    }
    return rec;
}

json_object *
vl_spec_profiles_record(const VlSpec *spec, json_object *old)
{
    json_object *out = json_object_new_array();
    g_autoptr(GHashTable) done = g_hash_table_new(g_str_hash, g_str_equal);
    size_t n_old =
        old && json_object_is_type(old, json_type_array) ? json_object_array_length(old) : 0;

    /* Earlier records first: the first `up` saw the profiles as the user left them. */
    for (size_t i = 0; i < n_old; i++) {
        json_object *rec = json_object_array_get_idx(old, i);
        const char *path = vl_spec_profiles_get_string(rec, "path");

        if (!path || g_hash_table_contains(done, path))
            continue;
        g_hash_table_add(done, (gpointer)path);
        json_object_array_add(out, json_object_get(rec));
    }
    for (guint i = 0; i < spec->nodes->len; i++) {
        const VlNode *node = g_ptr_array_index(spec->nodes, i);

        if (g_hash_table_contains(done, node->profile_path))
            continue;
        g_hash_table_add(done, node->profile_path);
        json_object_array_add(out, vl_spec_profiles_snapshot(node));
    }
    return out;
}

gboolean
vl_spec_profiles_write(const VlSpec *spec, GError **error)
{
    for (guint i = 0; i < spec->nodes->len; i++) {
        const VlNode *node = g_ptr_array_index(spec->nodes, i);
        g_autoptr(json_object) prof = NULL;
        g_autoptr(GError) err = NULL;
        gboolean changed = FALSE;
        const struct {
            const char *key;
            json_object *val;
        } fields[] = {
            {VL_PROFILE_MGMT_IP, json_object_new_string(node->host_addr)},
            {VL_PROFILE_SSH_PORT, json_object_new_int((int)node->ssh_port)},
            /* only a telnet console has a port; a pty console's stale one is removed */
            {VL_PROFILE_CONSOLE_PORT, node->console == VL_CONSOLE_TELNET
                                          ? json_object_new_int((int)node->console_port)
                                          : NULL},
        };

        prof = g_file_test(node->profile_path, G_FILE_TEST_EXISTS)
                   ? vl_json_load_file(node->profile_path, &err)
                   : json_object_new_object();
        if (!prof) {
            for (guint j = 0; j < G_N_ELEMENTS(fields); j++)
                json_object_put(fields[j].val);
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: %s", node->profile_path, err->message);
            return FALSE;
        }
        for (guint j = 0; j < G_N_ELEMENTS(fields); j++) {
            json_object *cur = NULL;
            gboolean present = json_object_object_get_ex(prof, fields[j].key, &cur);
            if (!fields[j].val) {
                if (present) {
                    json_object_object_del(prof, fields[j].key);
                    changed = TRUE;
                }
                continue;
            }
            if (present && json_object_equal(cur, fields[j].val)) {
                json_object_put(fields[j].val);
                continue;
            }
            json_object_object_add(prof, fields[j].key, fields[j].val);
            changed = TRUE;
        }
        if (changed) {
            g_autofree char *dir = g_path_get_dirname(node->profile_path);
            g_mkdir_with_parents(dir, 0755);
            if (!vl_json_write_file(node->profile_path, prof, 0644, error))
                return FALSE;
        }
    }
    return TRUE;
}

/* Puts back one profile from its record. Return: TRUE on success. */
static gboolean
vl_spec_profiles_restore_one(json_object *rec, GError **error)
{
    const char *path = vl_spec_profiles_get_string(rec, "path");
    const char *text = vl_spec_profiles_get_string(rec, "text");
    json_object *existed = NULL;
    json_object *ip = NULL;
    g_autoptr(json_object) cur = NULL;
    g_autoptr(json_object) orig = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *cur_text = NULL;
    gsize cur_len = 0;

    if (!path)
        return TRUE;
    /* Removed by the user since: nothing to put back. */
    if (!g_file_get_contents(path, &cur_text, &cur_len, NULL))
        return TRUE;
    cur = vl_json_parse(cur_text, cur_len, &err);
    if (!cur || !json_object_is_type(cur, json_type_object)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot restore: %s", path,
                    err ? err->message : "not a JSON object");
        return FALSE;
    }
    json_object_object_get_ex(rec, "existed", &existed);
    if (!json_object_get_boolean(existed)) {
        json_object_object_del(cur, VL_PROFILE_MGMT_IP);
        json_object_object_del(cur, VL_PROFILE_SSH_PORT);
        json_object_object_del(cur, VL_PROFILE_CONSOLE_PORT);
        if (json_object_object_length(cur) == 0) {
            if (g_unlink(path) < 0) {
                g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot remove: %s", path,
                            g_strerror(errno));
                return FALSE;
            }
            return TRUE;
        }
        return vl_json_write_file(path, cur, 0644, error);
    }

    /* cur becomes the restored document: our fields out, the original mgmt_ip back in place. */
    {
        g_autoptr(json_object) before = vl_json_parse(cur_text, cur_len, NULL);

        json_object_object_del(cur, VL_PROFILE_SSH_PORT);
        json_object_object_del(cur, VL_PROFILE_CONSOLE_PORT);
        if (json_object_object_get_ex(rec, VL_PROFILE_MGMT_IP, &ip))
            json_object_object_add(cur, VL_PROFILE_MGMT_IP, json_object_get(ip));
        else
            json_object_object_del(cur, VL_PROFILE_MGMT_IP);
        orig = text ? vl_json_parse(text, strlen(text), NULL) : NULL;
        /* Nothing else changed since: the file as the user wrote it, byte for byte. */
        if (orig && json_object_equal(orig, cur)) {
            if (g_str_equal(text, cur_text))
                return TRUE;
            return vl_fs_write_atomic(path, text, strlen(text), 0644, error);
        }
        if (json_object_equal(before, cur))
            return TRUE;
    }
    return vl_json_write_file(path, cur, 0644, error);
}

gboolean
vl_spec_profiles_restore(json_object *records, GError **error)
{
    if (!records || !json_object_is_type(records, json_type_array))
        return TRUE;
    for (size_t i = 0; i < json_object_array_length(records); i++) {
        if (!vl_spec_profiles_restore_one(json_object_array_get_idx(records, i), error))
            return FALSE;
    }
    return TRUE;
}
