/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-upload.h - images sent to a remote libvirt host once, by content, as sparse streams */
#pragma once

#include "vl-conn.h"

/* @done of @total bytes (holes count as sent) after @seconds; called once with @done == @total. */
typedef void (*VlUploadProgressFunc)(guint64 done, guint64 total, double seconds, gpointer data);

/**
 * vl_image_upload_pool_ensure:
 *
 * The pool `vmlab-images` on @conn's host, defined, built and started if needed. Its folder is
 * `vmlab-images` beside the folder of the host's pool `default` when there is one, else beside
 * libvirt's usual images folder: /var/lib/libvirt/images for a system URI,
 * ~USER/.local/share/libvirt/images for a session (USER from the URI, else this user).
 * Return: (transfer full): the pool, or NULL with @error.
 */
virStoragePoolPtr vl_image_upload_pool_ensure(virConnectPtr conn, GError **error);

/**
 * vl_image_upload_ensure:
 * @path: a base image, kernel or initrd on this machine
 * @vol_path: (out) (transfer full): the volume's path on @conn's host
 *
 * Names the file by its content (sha256-HEX.qcow2 or .raw; hashes are cached in the state
 * folder by path, size, mtime and inode) and, unless the pool holds it complete, uploads it with
 * a sparse stream (virsh vol-upload --sparse does the same), then marks it complete with an
 * empty volume NAME.done. A volume without its mark (an interrupted upload) is sent again. A
 * qcow2 image with a backing file is refused: the host could not resolve it.
 * Return: TRUE, or FALSE with @error.
 */
gboolean vl_image_upload_ensure(virConnectPtr conn, const char *path, VlUploadProgressFunc progress,
                                gpointer data, char **vol_path, GError **error);

/**
 * vl_image_upload_hash:
 *
 * Return: (transfer full): the sha256 of @path's content in hex, from the cache when the file
 * is unchanged, or NULL with @error.
 */
char *vl_image_upload_hash(const char *path, GError **error);
