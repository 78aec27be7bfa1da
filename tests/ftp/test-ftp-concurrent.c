/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ftp-concurrent.c - 64 concurrent downloads of a large file through the FTP proxy */
#include "ftp-test-util.h"

#include <string.h>

#define N_CLIENTS 64
#define FILE_SIZE (32 * 1024 * 1024 + 7)

/* Return: the proxy's peak resident memory in KiB (VmHWM), or 0 if unknown. */
static guint64
peak_rss_kib(GSubprocess *proc)
{
    g_autofree char *path = g_strdup_printf("/proc/%s/status", g_subprocess_get_identifier(proc));
    g_autofree char *status = vl_test_read_file(path, NULL);
    const char *hwm = status ? strstr(status, "VmHWM:") : NULL;

    return hwm ? g_ascii_strtoull(hwm + 6, NULL, 10) : 0;
}

static void
test_64_downloads(void)
{
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *root = g_build_filename(dir, "root", NULL);
    g_autofree char *file = g_build_filename(root, "image.bin", NULL);
    g_autofree char *want = NULL;
    g_autofree char *script = NULL;
    const char *args[] = {"--listen", "127.0.0.1:0", "--root", root, NULL};
    GSubprocess *clients[N_CLIENTS];
    FtpTestProxy *proxy;
    guint64 rss;

    g_assert_cmpint(g_mkdir_with_parents(root, 0755), ==, 0);
    ftp_test_write_random(file, FILE_SIZE, 64);
    want = ftp_test_sha256_file(file);
    proxy = ftp_test_proxy_start(dir, args);
    /* Each client streams into sha256sum: no 64 copies on disk. */
    script = g_strdup_printf("set -o pipefail; curl -sS ftp://u:p@127.0.0.1:%u/image.bin | "
                             "sha256sum",
                             proxy->port);
    for (int i = 0; i < N_CLIENTS; i++) {
        g_autoptr(GError) err = NULL;
        clients[i] = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err, "timeout", "-k", "5",
                                      "120", "bash", "-c", script, NULL);
        g_assert_no_error(err);
    }
    for (int i = 0; i < N_CLIENTS; i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *out = NULL;

        g_subprocess_communicate_utf8(clients[i], NULL, NULL, &out, NULL, &err);
        g_assert_no_error(err);
        g_assert_true(g_subprocess_get_if_exited(clients[i]));
        g_assert_cmpint(g_subprocess_get_exit_status(clients[i]), ==, 0);
        g_assert_true(g_str_has_prefix(out, want));
        g_object_unref(clients[i]);
    }
    rss = peak_rss_kib(proxy->proc);
    g_test_message("proxy peak RSS with %d concurrent downloads: %" G_GUINT64_FORMAT " KiB",
                   N_CLIENTS, rss);
    /* Streaming: memory stays far below even one copy of the file. ASan's shadow memory and
     * quarantine inflate RSS, so the bound only means something in a plain build. */
    g_assert_cmpuint(rss, >, 0);
#if !defined(__SANITIZE_ADDRESS__)
    g_assert_cmpuint(rss, <, 32 * 1024);
#endif
    {
        g_autofree char *log = ftp_test_proxy_log(proxy);
        guint n = 0;
        for (const char *p = log; (p = strstr(p, "RETR /image.bin: 33554439 bytes")); p++)
            n++;
        g_assert_cmpuint(n, ==, N_CLIENTS);
    }
    ftp_test_proxy_stop(proxy);
    vl_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ftp/concurrent/64-downloads", test_64_downloads);
    return g_test_run();
}
