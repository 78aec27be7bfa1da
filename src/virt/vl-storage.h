/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-storage.h - a lab's disks through the libvirt storage API: one dir pool, a volume per VM */
#pragma once

#include "vl-conn.h"
#include "vl-spec.h"

/* Return: (transfer full): the pool name of lab @lab: "vmlab-<lab>". */
char *vl_storage_pool_name(const char *lab);

/**
 * vl_storage_pool_ensure:
 * @dir: the pool's folder
 *
 * Defines, builds and starts the lab's directory pool if needed. A pool of the lab's name whose
 * folder is not @dir (left by another VMLAB_HOME) is stopped and undefined first, its files left.
 * Return: (transfer full): the active pool, or NULL with an error.
 */
virStoragePoolPtr vl_storage_pool_ensure(virConnectPtr conn, const char *lab, const char *dir,
                                         GError **error);

/* Return: (transfer full) (nullable): the lab's pool if it exists. */
/* vl_storage_pool_ensure() for a pool of any name (the shared `vmlab-images`). */
virStoragePoolPtr vl_storage_pool_ensure_named(virConnectPtr conn, const char *name,
                                               const char *dir, GError **error);

/* Return: (transfer full) (nullable): the target folder of @pool, NULL if it cannot be read. */
char *vl_storage_pool_path(virStoragePoolPtr pool);

virStoragePoolPtr vl_storage_pool_lookup(virConnectPtr conn, const char *lab);

/**
 * vl_storage_volume_create:
 * @recreate: delete an existing volume of the same name first (fresh overlay)
 *
 * Creates @vm's overlay volume on its backing image in @pool.
 * Return: TRUE on success.
 */
gboolean vl_storage_volume_create(virStoragePoolPtr pool, const VlVm *vm, gboolean recreate,
                                  GError **error);

/* Deletes the volume named @name from @pool if it exists. Return: FALSE on a libvirt failure. */
gboolean vl_storage_volume_delete(virStoragePoolPtr pool, const char *name, GError **error);

/* Deletes every volume of @pool, then the pool itself. */
gboolean vl_storage_pool_delete(virStoragePoolPtr pool, GError **error);

/* Return: the virtual size of the image at @path (qcow2 header or file size), 0 when unknown. */
guint64 vl_storage_image_size(const char *path);
