/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-sftp.h - the SFTP backend of the FTP proxy (libssh2) */
#pragma once

#include "vl-ftp-backend.h"

/**
 * vl_ftp_sftp_fs_open:
 * @backend: a VL_FTP_BACKEND_SFTP backend
 *
 * Connects to the SSH server (blocking, with the backend's timeout: call it from a session
 * thread, never from the main loop), checks its host key against the backend's known_hosts
 * file (an unknown or changed key is refused), authenticates with the key and/or the password
 * and starts SFTP.
 * Return: (transfer full): the connection, or NULL with an error saying which step failed.
 */
VlFtpFs *vl_ftp_sftp_fs_open(const VlFtpBackend *backend, GError **error);
