/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-pull.c - pulls a containerDisk image into the store: fetch, check, extract, commit */
#include "vl-image.h"

#include "vl-error.h"
#include "vl-image-layer.h"
#include "vl-image-registry.h"
#include "vl-json.h"
#include "vl-proc.h"

#include <glib/gstdio.h>
#include <string.h>

gboolean
vl_image_disk_info(const char *path, char **format, guint64 *virtual_size, guint64 *actual_size,
                   GError **error)
{
    const char *argv[] = {"qemu-img", "info", "--output=json", "-U", path, NULL};
    g_autofree char *out = NULL;
    g_autoptr(json_object) info = NULL;
    json_object *v = NULL;
    const char *fmt;

    if (!vl_proc_run(argv, NULL, &out, error))
        return FALSE;
    info = vl_json_parse(out, strlen(out), NULL);
    if (!info || !json_object_object_get_ex(info, "format", &v)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: qemu-img cannot tell its format", path);
        return FALSE;
    }
    fmt = json_object_get_string(v);
    if (!g_str_equal(fmt, "raw") && !g_str_equal(fmt, "qcow2")) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s: a containerDisk holds a raw or qcow2 disk, this one is %s", path, fmt);
        return FALSE;
    }
    if (json_object_object_get_ex(info, "backing-filename", &v) ||
        json_object_object_get_ex(info, "full-backing-filename", &v)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s: has a backing file ('%s'); a containerDisk must stand alone", path,
                    json_object_get_string(v));
        return FALSE;
    }
    *format = g_strdup(fmt);
    if (json_object_object_get_ex(info, "virtual-size", &v))
        *virtual_size = (guint64)json_object_get_int64(v);
    if (json_object_object_get_ex(info, "actual-size", &v))
        *actual_size = (guint64)json_object_get_int64(v);
    return TRUE;
}

/* Return: bytes held by the files directly in @dir (skopeo's dir: layout is flat). */
static guint64
vl_image_dir_bytes(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    guint64 total = 0;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        GStatBuf st;
        if (g_stat(p, &st) == 0 && S_ISREG(st.st_mode))
            total += (guint64)st.st_size;
    }
    return total;
}

typedef struct {
    const char *dir;
    GTimer *timer;
    VlImageProgressFunc func;
    gpointer data;
} VlPullProgress;

static gboolean
vl_image_pull_tick_cb(gpointer data)
{
    VlPullProgress *p = data;

    p->func(vl_image_dir_bytes(p->dir), g_timer_elapsed(p->timer, NULL), FALSE, p->data);
    return G_SOURCE_CONTINUE;
}

/* Return: (transfer full): the layer blobs named by skopeo's manifest.json in @dir, lowest first.
 */
static GPtrArray *
vl_image_pull_layers(const char *dir, const char *name, GError **error)
{
    g_autofree char *path = g_build_filename(dir, "manifest.json", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) m = vl_json_load_file(path, &err);
    g_autoptr(GPtrArray) blobs = g_ptr_array_new_with_free_func(g_free);
    json_object *layers = NULL;

    if (!m || !json_object_object_get_ex(m, "layers", &layers) ||
        !json_object_is_type(layers, json_type_array) || !json_object_array_length(layers)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: not an image manifest with layers%s%s",
                    name, err ? ": " : "", err ? err->message : "");
        return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(layers); i++) {
        json_object *digest = NULL;
        const char *d;

        if (!json_object_object_get_ex(json_object_array_get_idx(layers, i), "digest", &digest) ||
            !vl_oci_digest_is_valid((d = json_object_get_string(digest)))) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: layer %zu has no valid digest",
                        name, i + 1);
            return NULL;
        }
        g_ptr_array_add(blobs, g_build_filename(dir, d + strlen("sha256:"), NULL));
    }
    return g_steal_pointer(&blobs);
}

static void
vl_image_pull_rm_flat(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        g_unlink(p);
    }
    g_rmdir(dir);
}

VlImage *
vl_image_pull(const VlOciRef *ref, const char *digest, gboolean insecure,
              VlImageProgressFunc progress, gpointer data, GError **error)
{
    g_autoptr(VlProcInterrupt) pi = vl_proc_interrupt_new();
    GCancellable *cancel = vl_proc_interrupt_cancellable(pi);
    g_autofree char *name = vl_oci_ref_to_string(ref);
    g_autofree char *resolved = NULL;
    g_autofree char *stage = NULL;
    g_autofree char *dl = NULL;
    g_autofree char *disk_dir = NULL;
    g_autofree char *member = NULL;
    g_autofree char *dest = NULL;
    g_autoptr(GPtrArray) blobs = NULL;
    g_autoptr(VlImage) img = NULL;
    g_autoptr(GTimer) timer = g_timer_new();
    VlPullProgress tick = {0};
    guint tick_id = 0;
    guint layer = 0;
    guint64 size = 0;
    gboolean ok;

    resolved = digest ? g_strdup(digest) : vl_image_registry_resolve(ref, insecure, cancel, error);
    if (!resolved)
        return NULL;
    {
        g_autoptr(GError) err = NULL;
        g_autoptr(VlImage) stored = vl_image_store_get(resolved, &err);

        if (err) {
            g_propagate_error(error, g_steal_pointer(&err));
            return NULL;
        }
        if (stored) {
            /* One copy per digest: a new tag for stored content costs nothing. */
            if (!vl_image_store_tag(name, resolved, error))
                return NULL;
            return vl_image_store_get(resolved, error);
        }
    }
    img = g_new0(VlImage, 1);
    img->digest = g_strdup(resolved);
    if (!(stage = vl_image_store_stage(error)))
        return NULL;
    dl = g_build_filename(stage, "download", NULL);
    disk_dir = g_build_filename(stage, "disk", NULL);
    if (progress) {
        tick = (VlPullProgress){.dir = dl, .timer = timer, .func = progress, .data = data};
        tick_id = g_timeout_add(500, vl_image_pull_tick_cb, &tick);
    }
    ok = vl_image_registry_fetch(ref, resolved, insecure, dl, cancel, error);
    if (tick_id)
        g_source_remove(tick_id);
    if (ok && progress)
        progress(vl_image_dir_bytes(dl), g_timer_elapsed(timer, NULL), TRUE, data);
    ok = ok && (blobs = vl_image_pull_layers(dl, name, error)) &&
         vl_image_layers_find_disk(blobs, name, &layer, &member, &img->file, &size, error);
    if (ok) {
        dest = g_build_filename(disk_dir, img->file, NULL);
        ok = g_mkdir_with_parents(disk_dir, 0755) == 0 &&
             vl_image_layer_extract(g_ptr_array_index(blobs, layer), member, dest, size, pi, error);
    }
    if (ok)
        vl_image_pull_rm_flat(dl);
    ok = ok && vl_image_disk_info(dest, &img->format, &img->virtual_size, &img->actual_size, error);
    if (ok) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        img->pulled = g_date_time_format_iso8601(now);
        ok = vl_image_store_commit(stage, img, name, error);
    }
    if (!ok) {
        if (error && !*error)
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create %s", name, disk_dir);
        vl_image_store_unstage(stage);
        return NULL;
    }
    return g_steal_pointer(&img);
}
