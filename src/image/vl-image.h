/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image.h - pulling containerDisk images into the store and pushing disks as such images */
#pragma once

#include "vl-image-store.h"
#include "vl-oci-ref.h"

/**
 * VlImageProgressFunc:
 * @bytes: bytes fetched so far
 * @seconds: time since the transfer began
 * @done: TRUE on the last call
 */
typedef void (*VlImageProgressFunc)(guint64 bytes, double seconds, gboolean done, gpointer data);

/**
 * vl_image_pull:
 * @digest: (nullable): the digest @ref resolved to; NULL resolves it now
 * @insecure: plain HTTP / unverified TLS for this registry
 *
 * Makes sure the store holds @ref's image: resolves the digest, reuses a stored copy, else
 * fetches it, checks the containerDisk layout (one regular file under /disk/), extracts the disk
 * sparse, checks it is raw or qcow2 without a backing file, and commits it by one rename.
 * SIGINT and SIGTERM interrupt it and leave the store as it was.
 * Return: (transfer full): the stored image, or NULL with an error.
 */
VlImage *vl_image_pull(const VlOciRef *ref, const char *digest, gboolean insecure,
                       VlImageProgressFunc progress, gpointer data, GError **error);

/**
 * vl_image_push:
 * @file: a raw or qcow2 disk (without a backing file)
 * @ref: where to push it; it must name a tag
 * @digest: (out) (transfer full): the pushed manifest's digest
 *
 * Builds a containerDisk image (one gzip layer holding /disk/<file>, 107:107, mode 0440) and
 * pushes it with skopeo.
 * Return: TRUE on success.
 */
gboolean vl_image_push(const char *file, const VlOciRef *ref, gboolean insecure, char **digest,
                       GError **error);

/**
 * vl_image_disk_info:
 * @format: (out) (transfer full): "raw" or "qcow2"
 *
 * Reads @path with `qemu-img info`; anything but raw or qcow2 without a backing file is refused
 * (a backing file inside an image could point anywhere on the host).
 * Return: TRUE, or FALSE with a VL_ERROR_INVALID error.
 */
gboolean vl_image_disk_info(const char *path, char **format, guint64 *virtual_size,
                            guint64 *actual_size, GError **error);
