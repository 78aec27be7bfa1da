/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-xfer.c - FTP transfers: RETR, STOR/APPE and listings over the data connection */
#include "vl-ftp-session-priv.h"

#include <errno.h>
#include <string.h>
#include <sys/sendfile.h>

#define VL_FTP_IO_BUF   (256 * 1024) /* bytes per read from a backend or data socket */
#define VL_FTP_SFTP_BUF 960000       /* SFTP reads: a multiple of libssh2's 30000-byte requests */
#define VL_FTP_SENDFILE (1024 * 1024)

/*
 * Opens the data connection for a transfer and sends 150.
 * Return: (transfer full): the data socket, or NULL after answering 425.
 */
static GSocket *
xfer_open_data(VlFtpSession *s, const char *what)
{
    g_autoptr(GError) err = NULL;
    GSocket *data;

    if (!vl_ftp_data_is_ready(s->data)) {
        vl_ftp_control_reply(s, 425, "Use PORT or PASV first.");
        return NULL;
    }
    data = vl_ftp_data_open(s->data, s->config->data_timeout, &err);
    if (!data) {
        vl_ftp_control_log(s, "%s: data connection failed: %s", what, err->message);
        if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
            vl_ftp_control_reply(s, 425, "Security: Bad IP connecting.");
        else
            vl_ftp_control_reply(s, 425, "Failed to establish connection.");
        return NULL;
    }
    return data;
}

/* Writes @len bytes to the data socket. Return: TRUE on success. */
static gboolean
xfer_send_all(GSocket *data, const char *buf, gsize len, GError **error)
{
    while (len > 0) {
        gssize n = g_socket_send(data, buf, len, NULL, error);
        if (n < 0)
            return FALSE;
        buf += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* Closes the data socket so the client sees the end of the data. Return: TRUE if clean. */
static gboolean
xfer_finish(GSocket *data, GError **error)
{
    gboolean ok = g_socket_shutdown(data, FALSE, TRUE, error);

    return g_socket_close(data, ok ? error : NULL) && ok;
}

typedef enum {
    XFER_OK,
    XFER_ABORTED,     /* ABOR, or the control connection went away */
    XFER_DATA_FAILED, /* the data connection failed (client side) */
    XFER_FILE_FAILED, /* the backend failed */
} XferResult;

/*
 * Waits until the data socket is ready for @cond or the control connection has input (maybe
 * ABOR), at most the data timeout.
 * Return: TRUE when either is ready (the caller polls for ABOR, then retries), FALSE with a
 * G_IO_ERROR_TIMED_OUT error.
 */
static gboolean
xfer_wait_data(VlFtpSession *s, GSocket *data, GIOCondition cond, GError **error)
{
    GPollFD fds[2] = {
        {.fd = g_socket_get_fd(data), .events = (gushort)cond},
        {.fd = g_socket_get_fd(s->sock), .events = G_IO_IN},
    };
    /* A full input buffer stays readable: leave the control connection out then. */
    guint n_fds = s->in_len < sizeof(s->inbuf) ? 2 : 1;
    int rc;

    do {
        rc = g_poll(fds, n_fds, (gint)s->config->data_timeout * 1000);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "data connection timed out");
        return FALSE;
    }
    return TRUE;
}

/* Streams @file to @data with sendfile(2). Return: the outcome; *@bytes counts what was sent. */
static XferResult
xfer_sendfile(VlFtpSession *s, GSocket *data, VlFtpFile *file, guint64 *bytes, GError **error)
{
    int out = g_socket_get_fd(data);

    for (;;) {
        gssize n;

        if (vl_ftp_control_poll_abort(s))
            return XFER_ABORTED;
        n = sendfile(out, file->fd, NULL, VL_FTP_SENDFILE);
        if (n > 0) {
            *bytes += (guint64)n;
            continue;
        }
        if (n == 0)
            return XFER_OK;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN) {
            if (!xfer_wait_data(s, data, G_IO_OUT, error))
                return XFER_DATA_FAILED;
            continue;
        }
        if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN) {
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "data connection: %s",
                        g_strerror(errno));
            return XFER_DATA_FAILED;
        }
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "sendfile: %s",
                    g_strerror(errno));
        return XFER_FILE_FAILED;
    }
}

/* Streams @file to @data through a bounded buffer. Return: the outcome. */
static XferResult
xfer_copy_to_data(VlFtpSession *s, GSocket *data, VlFtpFile *file, guint64 *bytes, GError **error)
{
    g_autofree char *buf = g_malloc(VL_FTP_SFTP_BUF);

    for (;;) {
        gssize n;
        gsize off = 0;

        if (vl_ftp_control_poll_abort(s))
            return XFER_ABORTED;
        n = vl_ftp_file_read(file, buf, VL_FTP_SFTP_BUF, error);
        if (n < 0)
            return XFER_FILE_FAILED;
        if (n == 0)
            return XFER_OK;
        while (off < (gsize)n) {
            g_autoptr(GError) err = NULL;
            gssize w =
                g_socket_send_with_blocking(data, buf + off, (gsize)n - off, FALSE, NULL, &err);
            if (w >= 0) {
                off += (gsize)w;
                *bytes += (guint64)w;
                continue;
            }
            if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
                g_propagate_error(error, g_steal_pointer(&err));
                return XFER_DATA_FAILED;
            }
            if (!xfer_wait_data(s, data, G_IO_OUT, error))
                return XFER_DATA_FAILED;
            if (vl_ftp_control_poll_abort(s))
                return XFER_ABORTED;
        }
    }
}

/* Streams the data connection into @file. Return: the outcome; *@bytes counts what arrived. */
static XferResult
xfer_copy_from_data(VlFtpSession *s, GSocket *data, VlFtpFile *file, guint64 *bytes, GError **error)
{
    g_autofree char *buf = g_malloc(VL_FTP_IO_BUF);

    for (;;) {
        g_autoptr(GError) err = NULL;
        gssize n;

        if (vl_ftp_control_poll_abort(s))
            return XFER_ABORTED;
        n = g_socket_receive_with_blocking(data, buf, VL_FTP_IO_BUF, FALSE, NULL, &err);
        if (n == 0)
            return XFER_OK;
        if (n < 0) {
            if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
                g_propagate_error(error, g_steal_pointer(&err));
                return XFER_DATA_FAILED;
            }
            if (!xfer_wait_data(s, data, G_IO_IN, error))
                return XFER_DATA_FAILED;
            continue;
        }
        if (!vl_ftp_file_write(file, buf, (gsize)n, error))
            return XFER_FILE_FAILED;
        *bytes += (guint64)n;
    }
}

/* Answers the end of a transfer and logs it. */
static void
xfer_end(VlFtpSession *s, const char *verb, const char *vpath, XferResult res, guint64 bytes,
         gint64 start, const GError *err)
{
    double secs = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    double rate = secs > 0 ? (double)bytes / secs / 1e6 : 0;

    switch (res) {
    case XFER_OK:
        vl_ftp_control_log(s, "%s %s: %" G_GUINT64_FORMAT " bytes in %.3f s (%.1f MB/s)", verb,
                           vpath, bytes, secs, rate);
        vl_ftp_control_reply(s, 226, "Transfer complete.");
        break;
    case XFER_ABORTED:
        vl_ftp_control_log(s, "%s %s: aborted after %" G_GUINT64_FORMAT " bytes", verb, vpath,
                           bytes);
        vl_ftp_control_reply(s, 426, "Transfer aborted.");
        vl_ftp_control_reply(s, 226, "ABOR successful.");
        break;
    case XFER_DATA_FAILED:
        vl_ftp_control_log(s, "%s %s: data connection failed after %" G_GUINT64_FORMAT " bytes: %s",
                           verb, vpath, bytes, err ? err->message : "unknown error");
        vl_ftp_control_reply(s, 426, "Connection closed; transfer aborted.");
        break;
    case XFER_FILE_FAILED:
        vl_ftp_control_log(s, "%s %s: backend failed after %" G_GUINT64_FORMAT " bytes: %s", verb,
                           vpath, bytes, err ? err->message : "unknown error");
        vl_ftp_control_reply(s, 451, "Backend error; transfer aborted.");
        break;
    }
}

/* RETR: sends a file, from the REST offset, over the data connection. */
void
vl_ftp_xfer_retr(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocket) data = NULL;
    VlFtpFile *file = NULL;
    VlFtpEntry st;
    VlFtpFs *fs;
    guint64 offset = s->rest;
    guint64 bytes = 0;
    gint64 start;
    XferResult res;

    s->rest = 0;
    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_vfs_stat(s->vfs, &t, &st, &err)) {
        vl_ftp_control_reply_error(s, "RETR", err);
        return;
    }
    if (st.is_dir || !t.rule) {
        vl_ftp_control_reply(s, 550, "Failed to open file.");
        return;
    }
    fs = vl_ftp_vfs_get_fs(s->vfs, t.rule, &err);
    if (fs)
        file = vl_ftp_fs_open_read(fs, t.rule->target, t.rel, offset, &err);
    if (!file) {
        vl_ftp_control_reply_error(s, "RETR", err);
        return;
    }
    data = xfer_open_data(s, "RETR");
    if (!data) {
        vl_ftp_file_close(file, FALSE, NULL);
        return;
    }
    vl_ftp_control_reply(s, 150,
                         "Opening %s mode data connection for %s (%" G_GUINT64_FORMAT " bytes).",
                         s->binary ? "BINARY" : "ASCII", t.vpath, st.size);
    start = g_get_monotonic_time();
    if (file->fd >= 0)
        res = xfer_sendfile(s, data, file, &bytes, &err);
    else
        res = xfer_copy_to_data(s, data, file, &bytes, &err);
    vl_ftp_file_close(file, FALSE, NULL);
    if (res == XFER_OK && !xfer_finish(data, &err))
        res = XFER_DATA_FAILED;
    else
        g_socket_close(data, NULL);
    xfer_end(s, "RETR", t.vpath, res, bytes, start, err);
}

/* STOR and APPE: receives a file over the data connection. */
void
vl_ftp_xfer_store(VlFtpSession *s, const char *arg, gboolean append)
{
    const char *verb = append ? "APPE" : "STOR";
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocket) data = NULL;
    g_autofree char *root = NULL;
    g_autofree char *rel = NULL;
    VlFtpFile *file = NULL;
    VlFtpWriteMode mode = VL_FTP_WRITE_REPLACE;
    guint64 offset = s->rest;
    guint64 bytes = 0;
    XferResult res;
    gint64 start;
    VlFtpFs *fs;

    s->rest = 0;
    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_vfs_writable_entry(&t, TRUE, &root, &rel, &err)) {
        vl_ftp_control_reply_error(s, verb, err);
        return;
    }
    if (append)
        mode = VL_FTP_WRITE_APPEND;
    else if (offset > 0)
        mode = VL_FTP_WRITE_AT;
    fs = vl_ftp_vfs_get_fs(s->vfs, t.rule, &err);
    if (fs)
        file = vl_ftp_fs_open_write(fs, root, rel, mode, offset, &err);
    if (!file) {
        vl_ftp_control_reply_error(s, verb, err);
        return;
    }
    data = xfer_open_data(s, verb);
    if (!data) {
        vl_ftp_file_close(file, FALSE, NULL);
        return;
    }
    vl_ftp_control_reply(s, 150, "Ok to send data.");
    start = g_get_monotonic_time();
    res = xfer_copy_from_data(s, data, file, &bytes, &err);
    g_socket_close(data, NULL);
    if (!vl_ftp_file_close(file, res == XFER_OK, res == XFER_OK ? &err : NULL) && res == XFER_OK)
        res = XFER_FILE_FAILED;
    xfer_end(s, verb, t.vpath, res, bytes, start, err);
}

/* LIST, NLST and MLSD: a listing sent over the data connection. */
void
vl_ftp_xfer_list(VlFtpSession *s, const char *arg, VlFtpListingFormat format, const char *verb)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocket) data = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    XferResult res = XFER_OK;
    gint64 start = g_get_monotonic_time();

    /* ls-style options ("-la") are accepted and ignored. */
    while (format != VL_FTP_LISTING_MLSD && arg[0] == '-') {
        const char *sp = strchr(arg, ' ');
        arg = sp ? sp + 1 : "";
        while (*arg == ' ')
            arg++;
    }
    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_listing_build(s->vfs, &t, format, format == VL_FTP_LISTING_MLSD, out, &err)) {
        if (format == VL_FTP_LISTING_MLSD &&
            g_error_matches(err, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY)) {
            vl_ftp_control_reply(s, 501, "Not a folder.");
            return;
        }
        vl_ftp_control_reply_error(s, verb, err);
        return;
    }
    data = xfer_open_data(s, verb);
    if (!data)
        return;
    vl_ftp_control_reply(s, 150, "Here comes the directory listing.");
    if (!xfer_send_all(data, out->str, out->len, &err) || !xfer_finish(data, &err))
        res = XFER_DATA_FAILED;
    if (res != XFER_OK)
        g_socket_close(data, NULL);
    if (res == XFER_OK)
        vl_ftp_control_reply(s, 226, "Directory send OK.");
    else
        xfer_end(s, verb, t.vpath, res, out->len, start, err);
}
