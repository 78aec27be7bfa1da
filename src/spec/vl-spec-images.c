/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-images.c - image settings that name registry images (oci://) and their local copies */
#include "vl-spec-private.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-oci-ref.h"
#include "vl-spec-settings.h"

#include <string.h>

#define VL_TOPOLOGY_FILE "topology.json"

char *
vl_spec_image_value(const char *value, const char *dir)
{
    if (!value)
        return NULL;
    return vl_oci_ref_is(value) ? g_strdup(value) : vl_fs_expand_path(value, dir);
}

static void
vl_image_use_free(gpointer data)
{
    VlImageUse *u = data;

    g_free(u->key);
    g_free(u->ref);
    g_free(u->digest);
    g_free(u);
}

/* The image settings of @node, as (key, value) pairs; values may be NULL. */
#define VL_SPEC_IMAGE_KEYS(node)                                                                   \
    {                                                                                              \
        {"vm_image", &(node)->image}, {"vm_kernel", &(node)->kernel},                              \
            {"vm_initrd", &(node)->initrd},                                                        \
            {"sros.cpm_image", (node)->sros ? &(node)->sros->cpm_image : NULL},                    \
            {"sros.iom_image", (node)->sros ? &(node)->sros->iom_image : NULL},                    \
    }

typedef struct {
    const char *key;
    char **value;
} VlSpecImageKey;

void
vl_spec_check_image_refs(VlSpec *spec, VlDiag *diag)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < spec->nodes->len; i++) {
        VlNode *node = g_ptr_array_index(spec->nodes, i);
        const VlSpecImageKey keys[] = VL_SPEC_IMAGE_KEYS(node);

        if (!node->images)
            node->images = g_ptr_array_new_with_free_func(vl_image_use_free);
        for (guint j = 0; j < G_N_ELEMENTS(keys); j++) {
            g_autoptr(VlOciRef) ref = NULL;
            g_autoptr(GError) err = NULL;
            g_autofree char *where = NULL;
            VlImageUse *use;

            if (!keys[j].value || !vl_oci_ref_is(*keys[j].value))
                continue;
            ref = vl_oci_ref_parse(*keys[j].value, &err);
            if (!ref) {
                vl_spec_report_lookup(node, keys[j].key, &where);
                /* A platform's setting is shared by its devices: one report is enough. */
                if (!g_hash_table_contains(seen, where))
                    vl_diag_error(diag, NULL, where, "%s", err->message);
                g_hash_table_add(seen, g_steal_pointer(&where));
                continue;
            }
            use = g_new0(VlImageUse, 1);
            use->key = g_strdup(keys[j].key);
            use->ref = g_strdup(*keys[j].value);
            g_ptr_array_add(node->images, use);
        }
    }
}

void
vl_spec_load_insecure_registries(VlSpec *spec, json_object *section, const char *sec, VlDiag *diag)
{
    g_autofree char *path = vl_json_path_key(sec, "insecure_registries");
    json_object *v = NULL;

    spec->insecure_registries = g_ptr_array_new_with_free_func(g_free);
    if (!section || !json_object_object_get_ex(section, "insecure_registries", &v))
        return;
    if (!json_object_is_type(v, json_type_array)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "must be a list of \"HOST[:PORT]\", got %s",
                      vl_json_type_name(v));
        return;
    }
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        g_autofree char *epath = vl_json_path_index(path, i);
        g_autofree char *probe = NULL;
        g_autoptr(VlOciRef) ref = NULL;

        if (json_object_is_type(e, json_type_string)) {
            probe = g_strdup_printf(VL_OCI_REF_SCHEME "%s/x", json_object_get_string(e));
            ref = vl_oci_ref_parse(probe, NULL);
        }
        if (!ref) {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, epath,
                          "must be a registry \"HOST[:PORT]\", got %s",
                          json_object_is_type(e, json_type_string) ? json_object_get_string(e)
                                                                   : vl_json_type_name(e));
            continue;
        }
        g_ptr_array_add(spec->insecure_registries, g_strdup(ref->registry));
    }
}

gboolean
vl_spec_registry_is_insecure(const VlSpec *spec, const char *registry)
{
    for (guint i = 0; spec->insecure_registries && i < spec->insecure_registries->len; i++) {
        if (g_str_equal(g_ptr_array_index(spec->insecure_registries, i), registry))
            return TRUE;
    }
    return FALSE;
}

GPtrArray *
vl_spec_image_refs(const VlSpec *spec)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < spec->nodes->len; i++) {
        const VlNode *node = g_ptr_array_index(spec->nodes, i);

        for (guint j = 0; node->images && j < node->images->len; j++) {
            const VlImageUse *u = g_ptr_array_index(node->images, j);
            if (g_hash_table_contains(seen, u->ref))
                continue;
            g_hash_table_add(seen, u->ref);
            g_ptr_array_add(out, g_strdup(u->ref));
        }
    }
    return out;
}

/* Replaces *@slot by @path when it holds @ref. Return: whether it did. */
static gboolean
vl_spec_image_swap(char **slot, const char *ref, const char *path)
{
    if (!slot || !*slot || !g_str_equal(*slot, ref))
        return FALSE;
    g_free(*slot);
    *slot = g_strdup(path);
    return TRUE;
}

/* Checks that a device's use of @ref fits a disk of @format. */
static gboolean
vl_spec_image_format_fits(const VlNode *node, const char *key, const char *ref, const char *format,
                          GError **error)
{
    const char *want = NULL;
    g_autofree char *where = NULL;

    if (g_str_equal(key, "vm_image"))
        want = vl_spec_setting_string(node, "vm_image_format", NULL);
    else if (g_str_equal(key, "sros.cpm_image"))
        want = "raw";
    else if (g_str_equal(key, "sros.iom_image"))
        want = "qcow2";
    if (!want || g_str_equal(want, format))
        return TRUE;
    vl_spec_report_lookup(node, key, &where);
    g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: %s holds a %s disk, %s needs %s", where,
                ref, format, key, want);
    return FALSE;
}

gboolean
vl_spec_image_substitute(VlSpec *spec, const char *ref, const char *path, const char *format,
                         const char *digest, GError **error)
{
    for (guint i = 0; i < spec->nodes->len; i++) {
        VlNode *node = g_ptr_array_index(spec->nodes, i);
        const VlSpecImageKey keys[] = VL_SPEC_IMAGE_KEYS(node);

        for (guint j = 0; node->images && j < node->images->len; j++) {
            VlImageUse *u = g_ptr_array_index(node->images, j);
            if (!g_str_equal(u->ref, ref))
                continue;
            if (!vl_spec_image_format_fits(node, u->key, ref, format, error))
                return FALSE;
            g_free(u->digest);
            u->digest = g_strdup(digest);
        }
        for (guint j = 0; j < G_N_ELEMENTS(keys); j++)
            vl_spec_image_swap(keys[j].value, ref, path);
        for (guint j = 0; j < node->vms->len; j++) {
            VlVm *vm = g_ptr_array_index(node->vms, j);

            if (vl_spec_image_swap(&vm->backing_path, ref, path)) {
                g_free(vm->backing_format);
                vm->backing_format = g_strdup(format);
            }
            vl_spec_image_swap(&vm->copy_from, ref, path);
            for (guint k = 1; vm->layout_params && k < vm->layout_params->len; k += 2)
                vl_spec_image_swap((char **)&vm->layout_params->pdata[k], ref, path);
        }
    }
    return TRUE;
}
