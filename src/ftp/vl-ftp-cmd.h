/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-cmd.h - the `vmlab-virt ftp-proxy` command */
#pragma once

#include <glib.h>

/**
 * vl_cmd_ftp_proxy:
 * @argc: argument count, argv[0] being "ftp-proxy"
 * @argv: arguments
 *
 * Runs the FTP proxy until it is told to stop.
 * Return: TRUE on a clean stop; FALSE with @error set otherwise.
 */
gboolean vl_cmd_ftp_proxy(int argc, char **argv, GError **error);
