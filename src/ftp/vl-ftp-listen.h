/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-listen.h - the FTP proxy's listen address: the one check for its syntax */
#pragma once

#include <gio/gio.h>

/**
 * vl_ftp_parse_listen:
 * @listen: "ADDR:PORT" or "[ADDR]:PORT", ADDR an IP address (no host names), PORT 0-65535
 *
 * Return: (transfer full): the socket address, or NULL with a VL_ERROR_INVALID error naming
 * @listen.
 */
GSocketAddress *vl_ftp_parse_listen(const char *listen, GError **error);

/**
 * vl_ftp_listen_check:
 * @listen: as for vl_ftp_parse_listen()
 *
 * For validators (the spec loader): what the proxy accepts, and nothing else.
 * Return: TRUE if the proxy accepts @listen, FALSE with the error of vl_ftp_parse_listen().
 */
gboolean vl_ftp_listen_check(const char *listen, GError **error);
