/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-sftp-pool.h - shared SSH connections of an SFTP backend, bounded per backend */
#pragma once

#include "vl-ftp-backend.h"
#include "vl-ssh-session.h"

/* Default of a backend's max_connections: SSH connections open at once to one server. */
#define VL_FTP_SFTP_DEFAULT_MAX_CONNECTIONS 4

typedef struct _VlFtpSftpPool VlFtpSftpPool;
typedef struct _VlFtpSftpConn VlFtpSftpConn;

/**
 * vl_ftp_sftp_pool_new:
 * @backend: a VL_FTP_BACKEND_SFTP backend; it owns the pool and outlives it
 *
 * Creates an empty pool: nothing connects until the first vl_ftp_sftp_pool_acquire().
 * Return: (transfer full): the pool.
 */
VlFtpSftpPool *vl_ftp_sftp_pool_new(const VlFtpBackend *backend);

/**
 * vl_ftp_sftp_pool_free:
 *
 * Frees the pool once no connection is leased any more (its configuration is gone). Idle
 * connections are cut at the TCP level before libssh2 frees them, so this never waits for the
 * server (it may run in the main loop, on a reload).
 */
void vl_ftp_sftp_pool_free(VlFtpSftpPool *pool);

/**
 * vl_ftp_sftp_pool_acquire:
 *
 * Leases a connection for the calling session: the least used live one, or a new one while
 * the pool has fewer than the backend's max_connections and every live one already serves a
 * few sessions. A new connection is set up (host key checked against known_hosts, then
 * authentication, then SFTP) with bounded retries and exponential backoff when the server
 * refuses or drops it early, as sshd does beyond MaxStartups. Sessions that chose a
 * connection still being set up wait for it. Blocking: call it from a session thread only.
 * Return: (transfer full): the leased connection (give it back with
 * vl_ftp_sftp_conn_release()), or NULL with an error saying which step failed.
 */
VlFtpSftpConn *vl_ftp_sftp_pool_acquire(VlFtpSftpPool *pool, GError **error);

/* Gives back a lease taken with vl_ftp_sftp_pool_acquire(). */
void vl_ftp_sftp_conn_release(VlFtpSftpConn *conn);

/**
 * vl_ftp_sftp_conn_open_file:
 *
 * Counts a file opened on @conn; the file keeps the connection alive until
 * vl_ftp_sftp_conn_close_file().
 * Return: (transfer full): @conn.
 */
VlFtpSftpConn *vl_ftp_sftp_conn_open_file(VlFtpSftpConn *conn);
void vl_ftp_sftp_conn_close_file(VlFtpSftpConn *conn);

/**
 * vl_ftp_sftp_conn_read_size:
 * @len: the caller's buffer size
 *
 * libssh2 keeps up to four times the size passed to libssh2_sftp_read() in flight, and on a
 * shared channel the replies for every file land in memory as soon as any of its users reads.
 * So the connection's read-ahead budget (four times @len) is split among its open files.
 * Return: how many bytes to ask for in one read: at most @len, at least 120000, a multiple of
 * libssh2's 30000-byte requests.
 */
gsize vl_ftp_sftp_conn_read_size(VlFtpSftpConn *conn, gsize len);

/**
 * vl_ftp_sftp_conn_lock:
 *
 * Takes the connection's mutex: libssh2 sessions are not thread-safe, so every libssh2 call on
 * the connection (and reading its last error) happens between this and
 * vl_ftp_sftp_conn_unlock().
 * Return: (transfer none): the SFTP channel, or NULL (the mutex is taken all the same) when the
 * connection broke; its handles must not be used then.
 */
LIBSSH2_SFTP *vl_ftp_sftp_conn_lock(VlFtpSftpConn *conn);
void vl_ftp_sftp_conn_unlock(VlFtpSftpConn *conn);

/* Return: (transfer none): the SSH session of a locked connection. */
LIBSSH2_SESSION *vl_ftp_sftp_conn_get_session(VlFtpSftpConn *conn);

/**
 * vl_ftp_sftp_conn_set_broken:
 *
 * With the connection locked: marks it broken after a session-level failure. The pool stops
 * handing it out; its users get NULL from vl_ftp_sftp_conn_lock() and lease another one.
 */
void vl_ftp_sftp_conn_set_broken(VlFtpSftpConn *conn);

/**
 * vl_ftp_sftp_conn_set_ssh_error:
 * @what: the failed step, for the message
 *
 * With the connection locked: sets @error from the SSH session's last error
 * (G_IO_ERROR_TIMED_OUT for a timeout, G_IO_ERROR_CONNECTION_CLOSED otherwise).
 */
void vl_ftp_sftp_conn_set_ssh_error(VlFtpSftpConn *conn, GError **error, const char *what);
