/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-server.h - the FTP proxy's listener: one thread per session, limits, live reload */
#pragma once

#include "vl-ftp-config.h"

#include <gio/gio.h>

typedef struct _VlFtpServer VlFtpServer;

/**
 * vl_ftp_server_new:
 * @config: the configuration; its listen address is bound now
 *
 * Return: (transfer full): a listening server (not yet accepting), or NULL with a VL_ERROR_IO
 * error naming the address.
 */
VlFtpServer *vl_ftp_server_new(VlFtpConfig *config, GError **error);
void vl_ftp_server_free(VlFtpServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpServer, vl_ftp_server_free)

/* Starts accepting sessions; each runs in its own thread. */
void vl_ftp_server_start(VlFtpServer *server);

/* Return: the bound port (useful after binding port 0). */
guint16 vl_ftp_server_get_port(VlFtpServer *server);

/**
 * vl_ftp_server_set_config:
 * @config: the new configuration
 *
 * Replaces the configuration for new sessions; running sessions keep theirs. The listen
 * address cannot change without a restart (a message says so).
 */
void vl_ftp_server_set_config(VlFtpServer *server, VlFtpConfig *config);

/**
 * vl_ftp_server_stop:
 * @grace: seconds to wait for sessions to end after their control connections are shut down
 *
 * Stops accepting, shuts down every session's control connection and waits for the session
 * threads.
 * Return: the number of sessions still running when the wait ended.
 */
guint vl_ftp_server_stop(VlFtpServer *server, guint grace);

/* For sessions. */

/* Return: (transfer full): the current configuration. */
VlFtpConfig *vl_ftp_server_dup_config(VlFtpServer *server);

/**
 * vl_ftp_server_session_enter:
 * @control: the session's control socket (shut down by vl_ftp_server_stop())
 * @max: the session limit of the session's configuration
 * @id: (out): a number identifying the session in log lines
 *
 * Return: FALSE if @max sessions are running already or the server is stopping.
 */
gboolean vl_ftp_server_session_enter(VlFtpServer *server, GSocket *control, guint max, guint *id);
void vl_ftp_server_session_leave(VlFtpServer *server, GSocket *control);

/* Return: FALSE if @router has @max logged-in sessions already. */
gboolean vl_ftp_server_router_enter(VlFtpServer *server, const char *router, guint max);
void vl_ftp_server_router_leave(VlFtpServer *server, const char *router);

/* Return: TRUE once vl_ftp_server_stop() has begun. */
gboolean vl_ftp_server_is_stopping(VlFtpServer *server);
