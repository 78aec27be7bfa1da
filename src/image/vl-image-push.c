/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-push.c - packages a disk as a containerDisk image (an OCI layout) and pushes it */
#include "vl-image.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-image-layer.h"
#include "vl-image-registry.h"
#include "vl-json.h"

#include <glib/gstdio.h>
#include <string.h>

/* Writes @text as a blob of @layout; returns its digest. */
static char *
vl_image_push_blob(const char *layout, const char *text, gsize *size, GError **error)
{
    g_autofree char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
    g_autofree char *path = g_build_filename(layout, "blobs", "sha256", hex, NULL);

    *size = strlen(text);
    if (!vl_fs_write_atomic(path, text, *size, 0644, error))
        return NULL;
    return g_strdup_printf("sha256:%s", hex);
}

static char *
vl_image_push_json(json_object *o)
{
    return g_strdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static json_object *
vl_image_push_descriptor(const char *media_type, const char *digest, gsize size)
{
    json_object *d = json_object_new_object();

    json_object_object_add(d, "mediaType", json_object_new_string(media_type));
    json_object_object_add(d, "digest", json_object_new_string(digest));
    json_object_object_add(d, "size", json_object_new_int64((int64_t)size));
    return d;
}

/* Builds the OCI layout: the layer, the config naming its diff_id, the manifest, the index. */
static gboolean
vl_image_push_layout(const char *file, const char *layout, const char *tag, const char *format,
                     GError **error)
{
    g_autofree char *blobs = g_build_filename(layout, "blobs", "sha256", NULL);
    g_autofree char *tmp_layer = g_build_filename(layout, "layer.tmp", NULL);
    g_autofree char *layer_digest = NULL;
    g_autofree char *diff_id = NULL;
    g_autofree char *layer_path = NULL;
    g_autofree char *config_text = NULL;
    g_autofree char *config_digest = NULL;
    g_autofree char *manifest_text = NULL;
    g_autofree char *manifest_digest = NULL;
    g_autofree char *index_text = NULL;
    g_autofree char *index_path = g_build_filename(layout, "index.json", NULL);
    g_autofree char *marker_path = g_build_filename(layout, "oci-layout", NULL);
    g_autoptr(json_object) config = json_object_new_object();
    g_autoptr(json_object) manifest = json_object_new_object();
    g_autoptr(json_object) index = json_object_new_object();
    json_object *rootfs = json_object_new_object();
    json_object *diff_ids = json_object_new_array();
    json_object *layers = json_object_new_array();
    json_object *labels = json_object_new_object();
    json_object *cfg = json_object_new_object();
    json_object *manifests = json_object_new_array();
    json_object *desc = NULL;
    json_object *annotations = json_object_new_object();
    guint64 layer_size = 0;
    gsize config_size = 0;
    gsize manifest_size = 0;
    const char *marker = "{\"imageLayoutVersion\":\"1.0.0\"}";

    if (g_mkdir_with_parents(blobs, 0755) < 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create", blobs);
        return FALSE;
    }
    if (!vl_image_layer_build(file, tmp_layer, &layer_digest, &diff_id, &layer_size, error))
        return FALSE;
    layer_path = g_build_filename(blobs, layer_digest + strlen("sha256:"), NULL);
    if (g_rename(tmp_layer, layer_path) < 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot rename", layer_path);
        return FALSE;
    }

    json_object_object_add(config, "architecture", json_object_new_string("amd64"));
    json_object_object_add(config, "os", json_object_new_string("linux"));
    json_object_object_add(labels, "dev.vmlab-virt.disk-format", json_object_new_string(format));
    json_object_object_add(cfg, "Labels", labels);
    json_object_object_add(config, "config", cfg);
    json_object_object_add(rootfs, "type", json_object_new_string("layers"));
    json_object_array_add(diff_ids, json_object_new_string(diff_id));
    json_object_object_add(rootfs, "diff_ids", diff_ids);
    json_object_object_add(config, "rootfs", rootfs);
    config_text = vl_image_push_json(config);
    if (!(config_digest = vl_image_push_blob(layout, config_text, &config_size, error)))
        return FALSE;

    json_object_object_add(manifest, "schemaVersion", json_object_new_int(2));
    json_object_object_add(manifest, "mediaType",
                           json_object_new_string("application/vnd.oci.image.manifest.v1+json"));
    json_object_object_add(manifest, "config",
                           vl_image_push_descriptor("application/vnd.oci.image.config.v1+json",
                                                    config_digest, config_size));
    json_object_array_add(layers,
                          vl_image_push_descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
                                                   layer_digest, (gsize)layer_size));
    json_object_object_add(manifest, "layers", layers);
    manifest_text = vl_image_push_json(manifest);
    if (!(manifest_digest = vl_image_push_blob(layout, manifest_text, &manifest_size, error)))
        return FALSE;

    desc = vl_image_push_descriptor("application/vnd.oci.image.manifest.v1+json", manifest_digest,
                                    manifest_size);
    json_object_object_add(annotations, "org.opencontainers.image.ref.name",
                           json_object_new_string(tag));
    json_object_object_add(desc, "annotations", annotations);
    json_object_array_add(manifests, desc);
    json_object_object_add(index, "schemaVersion", json_object_new_int(2));
    json_object_object_add(index, "manifests", manifests);
    index_text = vl_image_push_json(index);
    return vl_fs_write_atomic(index_path, index_text, strlen(index_text), 0644, error) &&
           vl_fs_write_atomic(marker_path, marker, strlen(marker), 0644, error);
}

static void
vl_image_push_rmtree(const char *path)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            vl_image_push_rmtree(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}

gboolean
vl_image_push(const char *file, const VlOciRef *ref, gboolean insecure, char **digest,
              GError **error)
{
    g_autoptr(VlProcInterrupt) pi = vl_proc_interrupt_new();
    g_autofree char *format = NULL;
    g_autofree char *work = NULL;
    g_autofree char *layout = NULL;
    guint64 vsize = 0;
    guint64 asize = 0;
    gboolean ok;

    if (ref->digest) {
        g_autofree char *name = vl_oci_ref_to_string(ref);
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s: a push needs a tag, not a digest", name);
        return FALSE;
    }
    if (!vl_image_disk_info(file, &format, &vsize, &asize, error))
        return FALSE;
    work = g_dir_make_tmp("vmlab-push-XXXXXX", NULL);
    if (!work) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot create a temporary folder");
        return FALSE;
    }
    layout = g_build_filename(work, "layout", NULL);
    ok = vl_image_push_layout(file, layout, ref->tag, format, error) &&
         vl_image_registry_push(layout, ref->tag, ref, insecure, digest,
                                vl_proc_interrupt_cancellable(pi), error);
    vl_image_push_rmtree(work);
    return ok;
}
