/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ready.c - readiness: which VMs need it and how, where to reach them, and the checks */
#include "vl-ready.h"

#include "vl-error.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VL_READY_POLL_US  (200 * 1000)
#define VL_READY_MAX_LINE 65536

gboolean
vl_ready_role_has_mgmt(const char *role)
{
    return g_strcmp0(role, "iom") != 0;
}

VlReadyHow
vl_ready_how(const char *role, const char *pattern)
{
    if (pattern)
        return VL_READY_CONSOLE;
    return vl_ready_role_has_mgmt(role) ? VL_READY_SSH : VL_READY_RUNNING;
}

VlReadyHow
vl_ready_vm_how(const VlVm *vm)
{
    return vl_ready_how(vm->role, vm->node->ready_pattern);
}

gboolean
vl_ready_vm_waits(const VlVm *vm, gboolean started)
{
    return started || vl_ready_vm_how(vm) != VL_READY_CONSOLE;
}

const char *
vl_ready_address(const char *addr)
{
    return addr && !g_str_equal(addr, "0.0.0.0") ? addr : VL_DEFAULT_MGMT_ADDR;
}

const char *
vl_ready_user(const VlVm *vm)
{
    return vm ? vm->node->ssh_user : VL_DEFAULT_SSH_USER;
}

const char *
vl_ready_pass(const VlVm *vm)
{
    return vm ? vm->node->ssh_pass : "";
}

/* Matches every complete line of @text against @re, consuming them. Return: TRUE on a match. */
static gboolean
vl_ready_match_lines(GString *text, GRegex *re)
{
    char *nl;

    while ((nl = memchr(text->str, '\n', text->len))) {
        gsize len = (gsize)(nl - text->str);
        g_autofree char *line = g_strndup(text->str, len);

        g_string_erase(text, 0, (gssize)len + 1);
        if (len && line[len - 1] == '\r')
            line[len - 1] = '\0';
        if (g_regex_match(re, line, G_REGEX_MATCH_DEFAULT, NULL))
            return TRUE;
    }
    if (text->len > VL_READY_MAX_LINE)
        g_string_truncate(text, 0);
    return FALSE;
}

gboolean
vl_ready_log_wait(const char *log_path, gint64 offset, const char *pattern, guint timeout_s,
                  GError **error)
{
    g_autoptr(GError) re_err = NULL;
    g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, &re_err);
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
    g_autoptr(GString) text = g_string_new(NULL);
    struct stat cur = {0};
    gint64 pos = offset;
    int fd = -1;

    if (!re) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "bad console pattern '%s': %s", pattern,
                    re_err->message);
        return FALSE;
    }
    while (g_get_monotonic_time() < deadline) {
        struct stat st;
        char buf[8192];
        ssize_t n;

        /* (Re)open when the log appears, is replaced (rotation) or shrinks. */
        if (stat(log_path, &st) == 0 &&
            (fd < 0 || st.st_ino != cur.st_ino || st.st_dev != cur.st_dev || st.st_size < pos)) {
            if (fd >= 0) {
                close(fd);
                pos = 0;
                g_string_truncate(text, 0);
            }
            fd = open(log_path, O_RDONLY | O_CLOEXEC);
            if (fd >= 0 && fstat(fd, &cur) < 0) {
                close(fd);
                fd = -1;
            }
            if (fd >= 0 && cur.st_size < pos)
                pos = 0;
        }
        if (fd < 0) {
            g_usleep(VL_READY_POLL_US);
            continue;
        }
        n = pread(fd, buf, sizeof(buf), (off_t)pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            g_usleep(VL_READY_POLL_US);
            continue;
        }
        pos += n;
        g_string_append_len(text, buf, n);
        if (vl_ready_match_lines(text, re)) {
            close(fd);
            return TRUE;
        }
    }
    if (fd >= 0)
        close(fd);
    g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "no line of %s matched '%s' within %u s",
                log_path, pattern, timeout_s);
    return FALSE;
}

gboolean
vl_ready_ssh_banner(const char *host, guint port)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketConnection) conn = NULL;
    char buf[8] = {0};
    gssize n;

    g_socket_client_set_timeout(client, 1);
    conn = g_socket_client_connect_to_host(client, host, (guint16)port, NULL, NULL);
    if (!conn)
        return FALSE;
    g_socket_set_timeout(g_socket_connection_get_socket(conn), 1);
    n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), buf, 4, NULL, NULL);
    return n == 4 && memcmp(buf, "SSH-", 4) == 0;
}

/* What the workers of vl_ready_probe_all() share. */
typedef struct {
    VlReadyProbeFunc probe;
} VlReadyProbeRun;

/* Worker: one probe of vl_ready_probe_all(). */
static void
vl_ready_probe_one(gpointer data, gpointer user_data)
{
    VlReadyProbe *p = data;
    const VlReadyProbeRun *run = user_data;

    p->ready = run->probe(p->host, p->ssh_port);
}

void
vl_ready_probe_all(VlReadyProbe *probes, guint n, VlReadyProbeFunc probe, guint max_threads)
{
    VlReadyProbeRun run = {probe ? probe : vl_ready_ssh_banner};
    guint threads = MIN(MAX(n, 1), max_threads ? max_threads : VL_READY_PROBE_THREADS);
    GThreadPool *tp = g_thread_pool_new(vl_ready_probe_one, &run, (gint)threads, FALSE, NULL);

    for (guint i = 0; i < n; i++) {
        /* running is all a line card can show (no pattern: status reads no spec) */
        probes[i].ready =
            probes[i].running && vl_ready_how(probes[i].role, NULL) == VL_READY_RUNNING;
        if (probes[i].running && probes[i].ssh_port && !probes[i].ready)
            g_thread_pool_push(tp, &probes[i], NULL);
    }
    g_thread_pool_free(tp, FALSE, TRUE);
}
