/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-sftp.h - the SFTP backend of the FTP proxy (libssh2, connections shared per backend) */
#pragma once

#include "vl-ftp-backend.h"

/**
 * vl_ftp_sftp_fs_open:
 * @backend: a VL_FTP_BACKEND_SFTP backend
 *
 * Leases a connection from the backend's pool (vl-ftp-sftp-pool.h), which shares at most
 * max_connections SSH connections among all sessions. Setting up a new one blocks (with the
 * backend's timeout and bounded retries: call it from a session thread, never from the main
 * loop), checks the host key against the backend's known_hosts file (an unknown or changed key
 * is refused), authenticates with the key and/or the password and starts SFTP.
 * Return: (transfer full): the connection, or NULL with an error saying which step failed.
 */
VlFtpFs *vl_ftp_sftp_fs_open(const VlFtpBackend *backend, GError **error);
