/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-images.c - makes a lab's oci:// images local before `up` changes anything */
#include "vl-lab-images.h"

#include "vl-error.h"

#include <string.h>

static gboolean
vl_lab_images_insecure(const VlSpec *spec, char **extra, const char *registry)
{
    for (guint i = 0; extra && extra[i]; i++) {
        if (g_str_equal(extra[i], registry))
            return TRUE;
    }
    return vl_spec_registry_is_insecure(spec, registry);
}

/* Return: (transfer full) (nullable): the stored image @ref names, without asking its registry. */
static VlImage *
vl_lab_images_cached(const VlOciRef *ref, const char *name)
{
    g_autofree char *digest = ref->digest ? g_strdup(ref->digest) : vl_image_store_ref_digest(name);

    return digest ? vl_image_store_get(digest, NULL) : NULL;
}

gboolean
vl_lab_images_resolve(VlSpec *spec, VlLabImagesMode mode, char **insecure,
                      VlImageProgressFunc progress, GError **error)
{
    g_autoptr(GPtrArray) refs = vl_spec_image_refs(spec);
    g_autoptr(GString) failed = g_string_new(NULL);

    for (guint i = 0; i < refs->len; i++) {
        const char *text = g_ptr_array_index(refs, i);
        g_autoptr(VlOciRef) ref = vl_oci_ref_parse(text, NULL);
        g_autoptr(VlImage) img = NULL;
        g_autoptr(GError) err = NULL;
        g_autofree char *name = NULL;

        if (!ref)
            continue; /* the spec loader reported it */
        name = vl_oci_ref_to_string(ref);
        if (mode != VL_LAB_IMAGES_REFRESH || ref->digest)
            img = vl_lab_images_cached(ref, name);
        if (!img && mode == VL_LAB_IMAGES_OFFLINE)
            continue;
        if (!img)
            img = vl_image_pull(ref, NULL, vl_lab_images_insecure(spec, insecure, ref->registry),
                                progress, (gpointer)text, &err);
        if (!img) {
            g_string_append_printf(failed, "%s%s", failed->len ? "\n" : "", err->message);
            continue;
        }
        if (!vl_spec_image_substitute(spec, text, img->path, img->format, img->digest, &err)) {
            g_string_append_printf(failed, "%s%s", failed->len ? "\n" : "", err->message);
            continue;
        }
    }
    if (failed->len) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s", failed->str);
        return FALSE;
    }
    return TRUE;
}

json_object *
vl_lab_images_state(const VlVm *vm)
{
    const GPtrArray *uses = vm->node->images;
    json_object *arr = NULL;

    for (guint i = 0; uses && i < uses->len; i++) {
        const VlImageUse *u = g_ptr_array_index(uses, i);
        json_object *o;

        /* A CPM does not run on the line-card image, nor a line card on the CPM's. */
        if (!u->digest || (g_str_equal(u->key, "sros.cpm_image") && g_str_equal(vm->role, "iom")) ||
            (g_str_equal(u->key, "sros.iom_image") && !g_str_equal(vm->role, "iom")))
            continue;
        if (!arr)
            arr = json_object_new_array();
        o = json_object_new_object();
        json_object_object_add(o, "key", json_object_new_string(u->key));
        json_object_object_add(o, "ref", json_object_new_string(u->ref));
        json_object_object_add(o, "digest", json_object_new_string(u->digest));
        json_object_array_add(arr, o);
    }
    return arr;
}
