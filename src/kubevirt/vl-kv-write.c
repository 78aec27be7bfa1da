/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-write.c - writing an export: one YAML file per object and kustomization.yaml, or a stream
 */
#include "vl-kv-export.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-kv-yaml.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

/* Writes @text to DIR/FILE with @mode (0600 for files holding a private key). */
static gboolean
vl_kv_write_file(const char *dir, const char *file, const char *text, int mode, GError **error)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);

    /* a temporary file with exactly @mode, renamed over any earlier one */
    return vl_fs_write_output(path, text, strlen(text), mode, error);
}

gboolean
vl_kv_export_write(const VlKvExport *e, const char *dir, const char *namespace, GString *out,
                   GError **error)
{
    g_autoptr(json_object) kust = json_object_new_object();
    json_object *resources;
    g_autofree char *ktext = NULL;

    if (g_str_equal(dir, "-")) {
        for (guint i = 0; i < e->objects->len; i++) {
            const VlKvObject *o = g_ptr_array_index(e->objects, i);
            g_string_append(out, "---\n");
            vl_kv_yaml_append(out, o->doc);
        }
        return TRUE;
    }
    json_object_object_add(kust, "apiVersion",
                           json_object_new_string("kustomize.config.k8s.io/v1beta1"));
    json_object_object_add(kust, "kind", json_object_new_string("Kustomization"));
    if (namespace)
        json_object_object_add(kust, "namespace", json_object_new_string(namespace));
    resources = json_object_new_array();
    json_object_object_add(kust, "resources", resources);
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int saved = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot create %s: %s", dir, g_strerror(saved));
        return FALSE;
    }
    for (guint i = 0; i < e->objects->len; i++) {
        const VlKvObject *o = g_ptr_array_index(e->objects, i);
        g_autofree char *text = vl_kv_yaml_from_json(o->doc);

        if (!vl_kv_write_file(dir, o->file, text, o->mode, error))
            return FALSE;
        json_object_array_add(resources, json_object_new_string(o->file));
    }
    if (e->hook_config) {
        g_autofree char *text = g_strdup_printf("%s\n", vl_json_to_string(e->hook_config));
        if (!vl_kv_write_file(dir, "hook-config.json", text, e->hook_private ? 0600 : 0644, error))
            return FALSE;
    }
    ktext = vl_kv_yaml_from_json(kust);
    return vl_kv_write_file(dir, "kustomization.yaml", ktext, 0644, error);
}
