/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-local.h - the local folder backend of the FTP proxy */
#pragma once

#include "vl-ftp-backend.h"

/**
 * vl_ftp_local_fs_open:
 * @backend: a VL_FTP_BACKEND_LOCAL backend
 *
 * Return: (transfer full): a handle on the local file system; jails are the rule targets,
 * opened by fd (see vl-ftp-jail.h).
 */
VlFtpFs *vl_ftp_local_fs_open(const VlFtpBackend *backend, GError **error);
