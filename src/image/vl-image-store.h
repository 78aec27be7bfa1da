/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-store.h - the content-addressed store of registry images under $VMLAB_HOME/images/oci */
#pragma once

#include <glib.h>

/**
 * VlImage:
 * @digest: the manifest digest the image was pulled by ("sha256:...")
 * @file: the name of the one file under /disk/ in the image
 * @path: the extracted disk's absolute path in the store
 * @format: "raw" or "qcow2" (from qemu-img)
 * @refs: the oci:// references seen resolving to it
 */
typedef struct {
    char *digest;
    char *file;
    char *path;
    char *format;
    guint64 virtual_size;
    guint64 actual_size;
    GPtrArray *refs;
    char *pulled;
} VlImage;

void vl_image_free(VlImage *img);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlImage, vl_image_free)

/* Return: (transfer full): the store folder, $VMLAB_HOME/images/oci. */
char *vl_image_store_dir(void);

/**
 * vl_image_store_get:
 * @digest: "sha256:..."
 *
 * Return: (transfer full) (nullable): the stored image, NULL (without an error) when the store
 *   does not hold it, or NULL with an error when its record cannot be read.
 */
VlImage *vl_image_store_get(const char *digest, GError **error);

/* Return: (transfer full) (nullable): the digest @ref (an oci:// string) last resolved to here. */
char *vl_image_store_ref_digest(const char *ref);

/**
 * vl_image_store_stage:
 *
 * Return: (transfer full): a new empty folder inside the store for a pull in progress (left-overs
 *   of pulls whose process is gone are removed by later calls and never count as images).
 */
char *vl_image_store_stage(GError **error);

/* Removes a folder from vl_image_store_stage() and all it holds. */
void vl_image_store_unstage(const char *staged);

/**
 * vl_image_store_commit:
 * @staged: a folder from vl_image_store_stage() holding disk/@img->file
 * @img: the image's record (path is set by this call)
 * @ref: (nullable): the oci:// reference it was pulled as
 *
 * Moves @staged into place by one rename (an image is there whole or not at all) and records
 * @ref -> digest. When the digest is already stored, @staged is removed and the record kept.
 * Return: TRUE on success.
 */
gboolean vl_image_store_commit(const char *staged, VlImage *img, const char *ref, GError **error);

/* Records that @ref resolved to @digest (already stored). */
gboolean vl_image_store_tag(const char *ref, const char *digest, GError **error);

/* Return: (transfer full): every stored VlImage, by digest. */
GPtrArray *vl_image_store_list(GError **error);

/* Removes @digest's folder and the references to it. */
gboolean vl_image_store_remove(const char *digest, GError **error);

/**
 * vl_image_store_users:
 *
 * Reads every lab's state.json for the images its VMs use.
 * Return: (transfer full): digest -> GPtrArray of lab names (sorted, unique).
 */
GHashTable *vl_image_store_users(void);
