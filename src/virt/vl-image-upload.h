/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-upload.h - PROVISIONAL (lead's stub; replaced by helper "remote"'s module) */
#pragma once

#include "vl-conn.h"

typedef void (*VlUploadProgressFunc)(guint64 done, guint64 total, double seconds, gpointer data);

gboolean vl_image_upload_ensure(virConnectPtr conn, const char *path, VlUploadProgressFunc progress,
                                gpointer data, char **vol_path, GError **error);
virStoragePoolPtr vl_image_upload_pool_ensure(virConnectPtr conn, GError **error);
