/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ready.c - readiness by console: wait for a line matching a pattern on a telnet serial console
 */
#include "vl-ready.h"

#include "vl-error.h"

#include <gio/gio.h>
#include <string.h>

#define VL_TELNET_IAC 255

/* Appends @n bytes of console output to @line, dropping telnet commands (IAC sequences). */
static void
vl_ready_strip_telnet(GString *line, const guint8 *buf, gssize n, int *skip)
{
    for (gssize i = 0; i < n; i++) {
        if (*skip > 0) {
            (*skip)--;
            continue;
        }
        if (buf[i] == VL_TELNET_IAC) {
            *skip = 2; /* IAC WILL/WONT/DO/DONT option */
            continue;
        }
        g_string_append_c(line, (char)buf[i]);
    }
}

gboolean
vl_ready_console_wait(const char *host, guint port, const char *pattern, guint timeout_s,
                      GError **error)
{
    g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, error);
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
    g_autoptr(GString) text = g_string_new(NULL);

    if (!re)
        return FALSE;
    while (g_get_monotonic_time() < deadline) {
        g_autoptr(GSocketClient) client = g_socket_client_new();
        g_autoptr(GSocketConnection) conn = NULL;
        GInputStream *in;
        int skip = 0;

        g_socket_client_set_timeout(client, 5);
        conn = g_socket_client_connect_to_host(client, host, (guint16)port, NULL, NULL);
        if (!conn) {
            g_usleep(500 * 1000);
            continue;
        }
        g_socket_set_timeout(g_socket_connection_get_socket(conn), 1);
        in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
        while (g_get_monotonic_time() < deadline) {
            guint8 buf[4096];
            g_autoptr(GError) err = NULL;
            gssize n = g_input_stream_read(in, buf, sizeof(buf), NULL, &err);
            char *nl;

            if (n == 0 || (n < 0 && !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)))
                break; /* closed: reconnect */
            if (n < 0)
                continue;
            vl_ready_strip_telnet(text, buf, n, &skip);
            while ((nl = memchr(text->str, '\n', text->len))) {
                gsize len = (gsize)(nl - text->str);
                g_autofree char *line = g_strndup(text->str, len);
                g_string_erase(text, 0, (gssize)len + 1);
                if (g_regex_match(re, line, G_REGEX_MATCH_DEFAULT, NULL))
                    return TRUE;
            }
            if (text->len > 65536)
                g_string_truncate(text, 0);
        }
    }
    g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                "no console line on %s:%u matched '%s' within %u s", host, port, pattern,
                timeout_s);
    return FALSE;
}
