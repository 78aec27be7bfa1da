/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-listen.c - the FTP proxy's listen address: the one check for its syntax */
#include "vl-ftp-listen.h"

#include "vl-error.h"

#include <string.h>

GSocketAddress *
vl_ftp_parse_listen(const char *listen, GError **error)
{
    const char *colon = strrchr(listen, ':');
    g_autofree char *host = NULL;
    g_autoptr(GInetAddress) addr = NULL;
    guint64 port = 0;

    if (!colon || !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &port, NULL)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "listen address '%s' is not ADDR:PORT (port 0-65535)", listen);
        return NULL;
    }
    host = g_strndup(listen, (gsize)(colon - listen));
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    addr = g_inet_address_new_from_string(host);
    if (!addr) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "listen address '%s': '%s' is not an IP address", listen, host);
        return NULL;
    }
    return g_inet_socket_address_new(addr, (guint16)port);
}

gboolean
vl_ftp_listen_check(const char *listen, GError **error)
{
    g_autoptr(GSocketAddress) addr = vl_ftp_parse_listen(listen, error);

    return addr != NULL;
}
