/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-local.h - the local folder backend of the FTP proxy */
#pragma once

#include "vl-ftp-backend.h"

/**
 * vl_ftp_local_fs_open:
 * @backend: a VL_FTP_BACKEND_LOCAL backend
 *
 * Return: (transfer full): a handle on the local file system; jails are the rule targets.
 */
VlFtpFs *vl_ftp_local_fs_open(const VlFtpBackend *backend, GError **error);

/**
 * vl_ftp_local_resolve:
 * @root: the jail (a folder or a file)
 * @rel: a path below @root without "." or ".." components, "" for @root itself
 * @parent_only: resolve only the folder holding the last component (for creating, removing or
 *               renaming it); @rel must then not be ""
 *
 * Resolves symlinks with realpath(3) and checks the result is @root's real path or below it.
 * Return: (transfer full): the real path (with the unresolved last component appended when
 * @parent_only), or NULL with G_IO_ERROR_PERMISSION_DENIED when it lies outside the jail, or
 * the errno-derived error.
 */
char *vl_ftp_local_resolve(const char *root, const char *rel, gboolean parent_only, GError **error);
