/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-capture-run.c - one capture: anonymous pcap file, filter on, copy records, filter off */
#include "vl-capture-priv.h"

#include "vl-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* See vl-capture.c for the theory of operation. */

#define VL_PCAP_HEADER 24
#define VL_PCAP_RECORD 16

typedef struct {
    int out_fd;
    VlCaptureFill fill;
    gpointer fill_data;
    GByteArray *buf;
    gboolean header_done;
    guint64 limit;
    guint64 frames;
    gboolean done; /* the count is reached or the output is gone */
    GError *error;
    GMainLoop *loop;
} VlCaptureStream;

/* Writes all of @data. Return: FALSE (and sets s->done, with an error unless the reader left). */
static gboolean
vl_capture_write(VlCaptureStream *s, const guint8 *data, gsize len)
{
    while (len > 0) {
        ssize_t n = write(s->out_fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            s->done = TRUE;
            if (e != EPIPE && !s->error)
                g_set_error(&s->error, VL_ERROR, VL_ERROR_IO, "cannot write the capture: %s",
                            g_strerror(e));
            return FALSE;
        }
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* Copies what QEMU wrote since the last call: the pcap header, then whole records only. */
static void
vl_capture_pump(VlCaptureStream *s)
{
    gsize used = 0;

    if (s->done)
        return;
    if (!s->fill(s->buf, s->fill_data, s->error ? NULL : &s->error)) {
        s->done = TRUE;
        return;
    }
    if (!s->header_done && s->buf->len >= VL_PCAP_HEADER) {
        if (!vl_capture_write(s, s->buf->data, VL_PCAP_HEADER))
            return;
        s->header_done = TRUE;
        used = VL_PCAP_HEADER;
    }
    while (s->header_done && !s->done && s->buf->len - used >= VL_PCAP_RECORD) {
        guint32 caplen;
        memcpy(&caplen, s->buf->data + used + 8, sizeof caplen); /* host order, as QEMU wrote */
        if (s->buf->len - used < VL_PCAP_RECORD + (gsize)caplen)
            break;
        if (s->limit && s->frames >= s->limit) {
            s->done = TRUE;
            break;
        }
        if (!vl_capture_write(s, s->buf->data + used, VL_PCAP_RECORD + caplen))
            break;
        used += VL_PCAP_RECORD + caplen;
        s->frames++;
        if (s->limit && s->frames >= s->limit)
            s->done = TRUE;
    }
    g_byte_array_remove_range(s->buf, 0, (guint)used);
}

static gboolean
vl_capture_tick_cb(gpointer data)
{
    VlCaptureStream *s = data;

    vl_capture_pump(s);
    if (s->done)
        g_main_loop_quit(s->loop);
    return G_SOURCE_CONTINUE;
}

static gboolean
vl_capture_stop_cb(gpointer data)
{
    VlCaptureStream *s = data;

    g_main_loop_quit(s->loop);
    return G_SOURCE_CONTINUE;
}

/* Opens an anonymous file in $TMPDIR, mode 0622 (see vl-capture.c). Return: its read-write fd and
 * (in @wfd) a write-only one, or -1 with an error. */
static int
vl_capture_tmpfile(int *wfd, GError **error)
{
    const char *tmp = g_get_tmp_dir();
    g_autofree char *self = NULL;
    int fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

    if (fd < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create the capture file: %s", tmp,
                    g_strerror(e));
        return -1;
    }
    if (fchmod(fd, 0622) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot set the capture file's mode: %s", tmp,
                    g_strerror(e));
        close(fd);
        return -1;
    }
    self = g_strdup_printf("/proc/self/fd/%d", fd);
    *wfd = open(self, O_WRONLY | O_CLOEXEC);
    if (*wfd < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot reopen the capture file: %s", self,
                    g_strerror(e));
        close(fd);
        return -1;
    }
    return fd;
}

/* The local capture's file: read from our own descriptor as it grows. */
typedef struct {
    int fd;
    off_t off;
} VlCaptureLocal;

static gboolean
vl_capture_local_fill(GByteArray *buf, gpointer data, GError **error)
{
    VlCaptureLocal *l = data;
    guint8 chunk[65536];
    ssize_t n;

    while ((n = pread(l->fd, chunk, sizeof chunk, l->off)) > 0) {
        g_byte_array_append(buf, chunk, (guint)n);
        l->off += n;
    }
    if (n < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot read the capture file: %s",
                    g_strerror(e));
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_capture_loop(virDomainPtr dom, const char *id, guint interval_ms, VlCaptureFill fill,
                gpointer data, VlCaptureOptions *opts, GError **error)
{
    VlCaptureStream s = {
        .out_fd = opts->out_fd, .limit = opts->count, .fill = fill, .fill_data = data};
    g_autoptr(GMainContext) ctx = g_main_context_new();
    GSource *sources[5] = {NULL};
    int signals[] = {SIGINT, SIGTERM, SIGHUP};
    gboolean ok;

    signal(SIGPIPE, SIG_IGN);
    s.buf = g_byte_array_new();
    s.loop = g_main_loop_new(ctx, FALSE);
    for (guint i = 0; i < G_N_ELEMENTS(signals); i++) {
        sources[i] = g_unix_signal_source_new(signals[i]);
        g_source_set_callback(sources[i], vl_capture_stop_cb, &s, NULL);
    }
    sources[3] = g_timeout_source_new(interval_ms);
    g_source_set_callback(sources[3], vl_capture_tick_cb, &s, NULL);
    if (opts->duration_s) {
        sources[4] = g_timeout_source_new_seconds(opts->duration_s);
        g_source_set_callback(sources[4], vl_capture_stop_cb, &s, NULL);
    }
    for (guint i = 0; i < G_N_ELEMENTS(sources); i++) {
        if (sources[i])
            g_source_attach(sources[i], ctx);
    }
    g_main_loop_run(s.loop);
    /* TEARDOWN: the filter goes first, so the last records are complete when we copy them. */
    ok = vl_capture_detach(dom, id, error);
    vl_capture_pump(&s);
    for (guint i = 0; i < G_N_ELEMENTS(sources); i++) {
        if (sources[i]) {
            g_source_destroy(sources[i]);
            g_source_unref(sources[i]);
        }
    }
    g_main_loop_unref(s.loop);
    g_byte_array_unref(s.buf);
    opts->frames_out = s.frames;
    if (s.error) {
        if (ok)
            g_propagate_error(error, s.error);
        else
            g_error_free(s.error);
        return FALSE;
    }
    return ok;
}

gboolean
vl_capture_run(virDomainPtr dom, const char *netdev, VlCaptureOptions *opts, GError **error)
{
    g_autofree char *id = vl_capture_id_new(FALSE);
    VlCaptureLocal l = {-1, 0};
    int wfd = -1;
    gboolean ok;

    l.fd = vl_capture_tmpfile(&wfd, error);
    if (l.fd < 0)
        return FALSE;
    ok = vl_capture_attach(dom, netdev, id, wfd, error);
    close(wfd);
    /* SETUP done: from here on, TEARDOWN always runs. */
    if (ok)
        ok = vl_capture_loop(dom, id, 100, vl_capture_local_fill, &l, opts, error);
    close(l.fd);
    return ok;
}
