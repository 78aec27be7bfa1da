/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-upload.c - PROVISIONAL stub */
#include "vl-image-upload.h"

#include "vl-error.h"

gboolean
vl_image_upload_ensure(virConnectPtr conn, const char *path, VlUploadProgressFunc progress,
                       gpointer data, char **vol_path, GError **error)
{
    (void)conn;
    (void)progress;
    (void)data;
    (void)vol_path;
    g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s: uploads are not there yet", path);
    return FALSE;
}

virStoragePoolPtr
vl_image_upload_pool_ensure(virConnectPtr conn, GError **error)
{
    (void)conn;
    g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "uploads are not there yet");
    return NULL;
}
