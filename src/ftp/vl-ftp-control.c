/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-control.c - the FTP control connection: replies, log lines, command lines, ABOR polling */
#include "vl-ftp-session-priv.h"

#include <string.h>

/* Sends @text on the control connection. Return: TRUE if all of it was sent. */
gboolean
vl_ftp_control_send(VlFtpSession *s, const char *text, gsize len)
{
    while (len > 0) {
        g_autoptr(GError) err = NULL;
        gssize n = g_socket_send(s->sock, text, len, NULL, &err);
        if (n <= 0) {
            s->quit = TRUE;
            return FALSE;
        }
        text += n;
        len -= (gsize)n;
    }
    return TRUE;
}

void
vl_ftp_control_reply(VlFtpSession *s, int code, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;
    g_autofree char *line = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    line = g_strdup_printf("%d %s\r\n", code, msg);
    vl_ftp_control_send(s, line, strlen(line));
}

void
vl_ftp_control_log(VlFtpSession *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_message("session %u %s%s%s: %s", s->id, s->peer_str, s->router ? " router " : "",
              s->router ? s->router->name : "", msg);
}

/*
 * Removes Telnet commands (IAC x; IAC IAC is a literal 0xff) and anything before the first
 * letter, so lftp's "IAC IP IAC Synch ABOR" reads as "ABOR". Works in place.
 */
static gsize
control_clean_telnet(char *line, gsize len)
{
    gsize out = 0;
    gsize start = 0;

    for (gsize i = 0; i < len; i++) {
        guchar c = (guchar)line[i];
        if (c == 0xff && i + 1 < len) {
            guchar next = (guchar)line[i + 1];
            i++;
            if (next == 0xff)
                line[out++] = (char)0xff;
            else if (next < 0xf0)
                line[out++] = (char)next;
            continue;
        }
        if (c == 0xff)
            continue;
        line[out++] = (char)c;
    }
    while (start < out && !g_ascii_isalpha(line[start]))
        start++;
    memmove(line, line + start, out - start);
    return out - start;
}

/* Takes the first complete line out of the input buffer. Return: TRUE if there was one. */
static gboolean
control_take_line(VlFtpSession *s, char **line, gsize *len)
{
    char *nl = memchr(s->inbuf, '\n', s->in_len);
    gsize n;

    if (!nl)
        return FALSE;
    n = (gsize)(nl - s->inbuf);
    *line = g_malloc(n + 1);
    memcpy(*line, s->inbuf, n);
    (*line)[n] = '\0';
    memmove(s->inbuf, nl + 1, s->in_len - n - 1);
    s->in_len -= n + 1;
    if (n > 0 && (*line)[n - 1] == '\r')
        (*line)[--n] = '\0';
    *len = control_clean_telnet(*line, n);
    (*line)[*len] = '\0';
    return TRUE;
}

/* Reads the next command line (blocking up to the socket's timeout). Return: what happened. */
VlFtpReadResult
vl_ftp_control_read_line(VlFtpSession *s, char **line, gsize *len, GError **error)
{
    for (;;) {
        gssize n;

        if (control_take_line(s, line, len))
            return *len > VL_FTP_LINE_MAX ? VL_FTP_READ_TOO_LONG : VL_FTP_READ_LINE;
        if (s->in_len >= sizeof(s->inbuf))
            return VL_FTP_READ_TOO_LONG;
        n = g_socket_receive(s->sock, s->inbuf + s->in_len, sizeof(s->inbuf) - s->in_len, NULL,
                             error);
        if (n < 0)
            return VL_FTP_READ_ERROR;
        if (n == 0)
            return VL_FTP_READ_EOF;
        s->in_len += (gsize)n;
    }
}

/*
 * Looks at the control connection without blocking during a transfer.
 * Return: TRUE if the client sent ABOR (consumed) or closed the control connection.
 */
gboolean
vl_ftp_control_poll_abort(VlFtpSession *s)
{
    char *nl;

    if (vl_ftp_server_is_stopping(s->server)) {
        s->quit = TRUE;
        return TRUE;
    }
    if (g_socket_condition_check(s->sock, G_IO_IN | G_IO_HUP | G_IO_ERR) &&
        s->in_len < sizeof(s->inbuf)) {
        g_autoptr(GError) err = NULL;
        gssize n = g_socket_receive_with_blocking(s->sock, s->inbuf + s->in_len,
                                                  sizeof(s->inbuf) - s->in_len, FALSE, NULL, &err);
        if (n == 0 || (n < 0 && !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))) {
            s->quit = TRUE;
            return TRUE;
        }
        if (n > 0)
            s->in_len += (gsize)n;
    }
    nl = memchr(s->inbuf, '\n', s->in_len);
    if (nl) {
        g_autofree char *copy = g_strndup(s->inbuf, (gsize)(nl - s->inbuf));
        gsize len = control_clean_telnet(copy, strlen(copy));
        copy[len] = '\0';
        g_strstrip(copy);
        if (g_ascii_strcasecmp(copy, "ABOR") == 0) {
            gsize n = (gsize)(nl - s->inbuf) + 1;
            memmove(s->inbuf, s->inbuf + n, s->in_len - n);
            s->in_len -= n;
            return TRUE;
        }
    }
    return FALSE;
}

/* Return: TRUE if @err is a backend or connection failure rather than the client's mistake. */
static gboolean
control_error_is_backend_failure(const GError *err)
{
    if (err->domain != G_IO_ERROR)
        return TRUE;
    switch (err->code) {
    case G_IO_ERROR_NOT_FOUND:
    case G_IO_ERROR_EXISTS:
    case G_IO_ERROR_IS_DIRECTORY:
    case G_IO_ERROR_NOT_DIRECTORY:
    case G_IO_ERROR_NOT_EMPTY:
    case G_IO_ERROR_NOT_REGULAR_FILE:
    case G_IO_ERROR_FILENAME_TOO_LONG:
    case G_IO_ERROR_INVALID_FILENAME:
    case G_IO_ERROR_PERMISSION_DENIED:
    case G_IO_ERROR_NOT_SUPPORTED:
    case G_IO_ERROR_FAILED:
    case G_IO_ERROR_INVALID_ARGUMENT:
        return FALSE;
    default:
        return TRUE;
    }
}

/*
 * Answers a failed file operation: the detail (which may name real backend paths) goes to the
 * log only; the client gets a short reason.
 */
void
vl_ftp_control_reply_error(VlFtpSession *s, const char *what, const GError *err)
{
    if (control_error_is_backend_failure(err)) {
        vl_ftp_control_log(s, "%s: backend error: %s", what, err->message);
        vl_ftp_control_reply(s, 451, "Backend error, try again later.");
        return;
    }
    vl_ftp_control_log(s, "%s: %s", what, err->message);
    if (err->domain == G_IO_ERROR && err->code == G_IO_ERROR_NOT_FOUND)
        vl_ftp_control_reply(s, 550, "No such file or folder.");
    else if (err->domain == G_IO_ERROR && (err->code == G_IO_ERROR_PERMISSION_DENIED ||
                                           err->code == G_IO_ERROR_INVALID_FILENAME))
        vl_ftp_control_reply(s, 550, "Permission denied.");
    else
        vl_ftp_control_reply(s, 550, "Failed.");
}

/* Resolves @arg against the cwd and the router's rules. Return: TRUE, or FALSE with an error. */
