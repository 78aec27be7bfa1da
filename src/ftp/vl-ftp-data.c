/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-data.c - FTP data connections: passive listeners, active connects and peer checks */
#include "vl-ftp-data.h"

#include "vl-ftp-pasv.h"
#include "vl-random.h"

#include <stdio.h>
#include <string.h>

/* Passive ports without a configured range: Linux's default ephemeral range, unless readable. */
#define DATA_EPHEMERAL_MIN 32768
#define DATA_EPHEMERAL_MAX 60999

struct _VlFtpData {
    GInetAddress *local;
    GInetAddress *peer;
    guint16 pasv_min;
    guint16 pasv_max;
    guint pasv_window;
    VlFtpPasv *pasv;            /* passive mode */
    GInetSocketAddress *target; /* active mode */
};

VlFtpData *
vl_ftp_data_new(GInetAddress *local, GInetAddress *peer, guint16 pasv_min, guint16 pasv_max,
                guint pasv_window)
{
    VlFtpData *data = g_new0(VlFtpData, 1);

    data->local = g_object_ref(local);
    data->peer = g_object_ref(peer);
    data->pasv_min = pasv_min;
    data->pasv_max = pasv_max;
    data->pasv_window = pasv_window;
    return data;
}

void
vl_ftp_data_reset(VlFtpData *data)
{
    g_clear_pointer(&data->pasv, vl_ftp_pasv_free);
    g_clear_object(&data->target);
}

void
vl_ftp_data_free(VlFtpData *data)
{
    if (!data)
        return;
    vl_ftp_data_reset(data);
    g_object_unref(data->local);
    g_object_unref(data->peer);
    g_free(data);
}

char *
vl_ftp_data_address_to_string(GInetAddress *addr, guint16 port)
{
    g_autofree char *ip = g_inet_address_to_string(addr);

    if (g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV6)
        return g_strdup_printf("[%s]:%u", ip, port);
    return g_strdup_printf("%s:%u", ip, port);
}

/* Return: (transfer full): a listening socket on @port of the local address, or NULL. */
static GSocket *
data_listen_on(VlFtpData *data, guint16 port, GError **error)
{
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketAddress) addr = NULL;

    sock = g_socket_new(g_inet_address_get_family(data->local), G_SOCKET_TYPE_STREAM,
                        G_SOCKET_PROTOCOL_TCP, error);
    if (!sock)
        return NULL;
    addr = g_inet_socket_address_new(data->local, port);
    if (!g_socket_bind(sock, addr, TRUE, error))
        return NULL;
    g_socket_set_listen_backlog(sock, 1);
    if (!g_socket_listen(sock, error))
        return NULL;
    return g_steal_pointer(&sock);
}

/* Sets *@lo and *@hi to the kernel's ephemeral port range. */
static void
data_ephemeral_range(guint16 *lo, guint16 *hi)
{
    g_autofree char *text = NULL;
    unsigned a = 0, b = 0;

    *lo = DATA_EPHEMERAL_MIN;
    *hi = DATA_EPHEMERAL_MAX;
    if (g_file_get_contents("/proc/sys/net/ipv4/ip_local_port_range", &text, NULL, NULL) &&
        sscanf(text, "%u %u", &a, &b) == 2 && a >= 1024 && a <= b && b <= 65535) {
        *lo = (guint16)a;
        *hi = (guint16)b;
    }
}

guint16
vl_ftp_data_listen(VlFtpData *data, GError **error)
{
    g_autoptr(GSocket) listener = NULL;
    g_autoptr(GSocketAddress) bound = NULL;
    guint16 lo = data->pasv_min;
    guint16 hi = data->pasv_max;
    guint32 start = 0;
    guint span;
    guint16 port;

    vl_ftp_data_reset(data);
    if (lo == 0)
        data_ephemeral_range(&lo, &hi);
    span = (guint)hi - lo + 1;
    /* Unpredictable: every VM's data connections come from 127.0.0.1 (see vl-ftp-data.h). */
    if (!vl_random_below(span, &start, error))
        return 0;
    for (guint i = 0; i < span && !listener; i++) {
        g_autoptr(GError) err = NULL;
        port = (guint16)(lo + (start + i) % span);
        listener = data_listen_on(data, port, &err);
        if (!listener && !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return 0;
        }
    }
    if (!listener) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                    "every passive port in %u-%u is in use", lo, hi);
        return 0;
    }
    bound = g_socket_get_local_address(listener, error);
    if (!bound)
        return 0;
    port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    data->pasv = vl_ftp_pasv_start(g_steal_pointer(&listener), data->peer, data->pasv_window);
    return port;
}

/* Return: TRUE and *@out set if @s is a decimal number <= @max. */
static gboolean
parse_number(const char *s, guint64 max, guint64 *out)
{
    return g_ascii_string_to_unsigned(s, 10, 0, max, out, NULL);
}

gboolean
vl_ftp_data_set_active(VlFtpData *data, const char *arg, gboolean extended, GError **error)
{
    g_autoptr(GInetAddress) addr = NULL;
    guint64 port = 0;

    if (!extended) {
        g_auto(GStrv) f = g_strsplit(arg, ",", -1);
        guint64 v[6];
        guint8 bytes[4];
        if (g_strv_length(f) != 6)
            goto malformed;
        for (int i = 0; i < 6; i++) {
            g_strstrip(f[i]);
            if (!parse_number(f[i], 255, &v[i]))
                goto malformed;
        }
        for (int i = 0; i < 4; i++)
            bytes[i] = (guint8)v[i];
        addr = g_inet_address_new_from_bytes(bytes, G_SOCKET_FAMILY_IPV4);
        port = v[4] * 256 + v[5];
    } else {
        char delim = arg[0];
        g_auto(GStrv) f = NULL;
        char sep[2] = {delim, '\0'};
        guint64 proto = 0;
        if (delim < 33 || delim > 126)
            goto malformed;
        f = g_strsplit(arg, sep, -1);
        /* "|1|ip|port|" splits into "", "1", "ip", "port", "" */
        if (g_strv_length(f) != 5 || *f[0] || *f[4] || !parse_number(f[1], 2, &proto) ||
            !parse_number(f[3], 65535, &port))
            goto malformed;
        addr = g_inet_address_new_from_string(f[2]);
        if (!addr || (proto == 1 && g_inet_address_get_family(addr) != G_SOCKET_FAMILY_IPV4) ||
            (proto == 2 && g_inet_address_get_family(addr) != G_SOCKET_FAMILY_IPV6) || proto == 0)
            goto malformed;
    }
    if (!g_inet_address_equal(addr, data->peer)) {
        g_autofree char *a = g_inet_address_to_string(addr);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "active data connection to %s refused: not the client's address", a);
        return FALSE;
    }
    if (port < 1024) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "active data connection to port %u refused: below 1024", (guint)port);
        return FALSE;
    }
    vl_ftp_data_reset(data);
    data->target = G_INET_SOCKET_ADDRESS(g_inet_socket_address_new(addr, (guint16)port));
    return TRUE;

malformed:
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "malformed %s argument",
                extended ? "EPRT" : "PORT");
    return FALSE;
}

gboolean
vl_ftp_data_is_ready(const VlFtpData *data)
{
    return data->pasv || data->target;
}

GSocket *
vl_ftp_data_open(VlFtpData *data, guint timeout, GError **error)
{
    g_autoptr(GSocket) sock = NULL;

    if (data->pasv) {
        sock = vl_ftp_pasv_take(data->pasv, error);
        vl_ftp_data_reset(data);
        if (!sock)
            return NULL;
    } else if (data->target) {
        g_autoptr(GInetSocketAddress) target = g_steal_pointer(&data->target);

        sock = g_socket_new(g_inet_address_get_family(g_inet_socket_address_get_address(target)),
                            G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
        if (!sock)
            return NULL;
        g_socket_set_timeout(sock, timeout);
        if (!g_socket_connect(sock, G_SOCKET_ADDRESS(target), NULL, error))
            return NULL;
    } else {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "use PASV or PORT first");
        return NULL;
    }
    g_socket_set_timeout(sock, timeout);
    return g_steal_pointer(&sock);
}
