/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-layer.h - containerDisk layers: find the one disk file, extract it sparse, build one */
#pragma once

#include "vl-proc.h"

#include <glib.h>

/* KubeVirt's containerDisk contract: the disk is owned by the qemu user of its launcher pod. */
#define VL_IMAGE_DISK_UID 107

/**
 * vl_image_layers_find_disk:
 * @blobs: the layer files (tar, possibly compressed), lowest first
 * @ref: the reference, for messages
 * @layer: (out): the index in @blobs of the layer holding the disk
 * @member: (out) (transfer full): its member name in that layer's tar
 * @file: (out) (transfer full): its file name under /disk/
 * @size: (out): its size
 *
 * Applies the layers in order (whiteouts included) and checks the containerDisk layout: exactly
 * one regular file under /disk/ and nothing else there but folders.
 * Return: TRUE, or FALSE with a VL_ERROR_INVALID error naming @ref and what was found.
 */
gboolean vl_image_layers_find_disk(GPtrArray *blobs, const char *ref, guint *layer, char **member,
                                   char **file, guint64 *size, GError **error);

/**
 * vl_image_layer_extract:
 * @blob: the layer file
 * @member: the disk's member name
 * @dest: the file to create (it must not exist)
 * @size: the size the listing gave; anything else is an error
 *
 * Streams the member out of the layer and writes it sparse: runs of zero blocks become holes.
 * Return: TRUE on success.
 */
gboolean vl_image_layer_extract(const char *blob, const char *member, const char *dest,
                                guint64 size, VlProcInterrupt *pi, GError **error);

/**
 * vl_image_layer_build:
 * @file: the disk to package
 * @layer: the gzip-compressed layer tar to create, holding disk/<basename of @file> owned
 *   107:107, mode 0440 (its folder 0551)
 * @digest: (out) (transfer full): "sha256:..." of the compressed layer
 * @diff_id: (out) (transfer full): "sha256:..." of the uncompressed tar
 * @size: (out): the compressed layer's size
 *
 * Return: TRUE on success.
 */
gboolean vl_image_layer_build(const char *file, const char *layer, char **digest, char **diff_id,
                              guint64 *size, GError **error);

/* Return: TRUE when @name can be a containerDisk file name (no '/', no control characters). */
gboolean vl_image_disk_name_is_valid(const char *name);
