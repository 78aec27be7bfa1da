/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-session.h - one FTP control connection, served in its own thread */
#pragma once

#include "vl-ftp-server.h"

/* Bytes in a command line, without its line end; longer lines get 500 and a disconnect. */
#define VL_FTP_LINE_MAX 4096

/**
 * vl_ftp_session_run:
 * @server: the server that accepted @connection
 * @connection: the control connection
 *
 * Serves the session until the client quits, times out or the server stops. Blocks: call it in
 * a worker thread.
 */
void vl_ftp_session_run(VlFtpServer *server, GSocketConnection *connection);
