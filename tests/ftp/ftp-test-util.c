/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ftp-test-util.c - helpers for the FTP proxy tests: the proxy process, clients, test files */
#include "ftp-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void
ftp_test_write_random(const char *path, gsize size, guint32 seed)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    g_autofree guint32 *buf = g_new(guint32, 16384);
    FILE *f = fopen(path, "wb");
    gsize done = 0;

    g_assert_nonnull(f);
    while (done < size) {
        gsize chunk = MIN(size - done, 16384 * sizeof(guint32));
        for (gsize i = 0; i < 16384; i++)
            buf[i] = g_rand_int(rand);
        g_assert_cmpuint(fwrite(buf, 1, chunk, f), ==, chunk);
        done += chunk;
    }
    g_assert_cmpint(fclose(f), ==, 0);
}

char *
ftp_test_sha256_file(const char *path)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autofree guchar *buf = g_malloc(1 << 16);
    FILE *f = fopen(path, "rb");
    size_t n;

    if (!f)
        return NULL;
    while ((n = fread(buf, 1, 1 << 16, f)) > 0)
        g_checksum_update(sum, buf, (gssize)n);
    fclose(f);
    return g_strdup(g_checksum_get_string(sum));
}

char *
ftp_test_build_path(const char *name)
{
    /* The helpers are built next to the test programs. */
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = NULL;

    g_assert_nonnull(self);
    dir = g_path_get_dirname(self);
    return g_build_filename(dir, name, NULL);
}

gboolean
ftp_test_wait_exit(GSubprocess *proc, guint timeout_ms)
{
    for (guint waited = 0; waited <= timeout_ms; waited += 20) {
        /* GLib's worker thread reaps the child; the identifier goes NULL then. */
        if (!g_subprocess_get_identifier(proc)) {
            g_subprocess_wait(proc, NULL, NULL);
            return TRUE;
        }
        g_usleep(20 * 1000);
    }
    return FALSE;
}

FtpTestProxy *
ftp_test_proxy_start(const char *dir, const char *const *args)
{
    g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE);
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    FtpTestProxy *p = g_new0(FtpTestProxy, 1);
    g_autofree char *port_file = g_build_filename(dir, "port", NULL);

    p->dir = g_strdup(dir);
    p->log_path = g_build_filename(dir, "proxy.log", NULL);
    g_unlink(port_file);
    g_ptr_array_add(argv, ftp_test_build_path("ftp-proxy-run"));
    for (guint i = 0; args[i]; i++)
        g_ptr_array_add(argv, g_strdup(args[i]));
    g_ptr_array_add(argv, g_strdup("--port-file"));
    g_ptr_array_add(argv, g_strdup(port_file));
    g_ptr_array_add(argv, NULL);
    g_subprocess_launcher_set_child_setup(launcher, vl_test_child_die_with_parent, NULL, NULL);
    g_subprocess_launcher_set_stderr_file_path(launcher, p->log_path);
    g_subprocess_launcher_set_stdout_file_path(launcher, p->log_path);
    p->proc = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &err);
    g_assert_no_error(err);
    for (guint waited = 0;; waited += 20) {
        g_autofree char *text = NULL;
        if (g_file_get_contents(port_file, &text, NULL, NULL)) {
            p->port = (guint16)g_ascii_strtoull(text, NULL, 10);
            break;
        }
        if (!g_subprocess_get_identifier(p->proc) || waited > FTP_TEST_START_TIMEOUT_MS) {
            g_autofree char *log = ftp_test_proxy_log(p);
            g_error("the proxy did not start; its log:\n%s", log);
        }
        g_usleep(20 * 1000);
    }
    g_assert_cmpuint(p->port, >, 0);
    return p;
}

char *
ftp_test_proxy_log(FtpTestProxy *proxy)
{
    char *text = vl_test_read_file(proxy->log_path, NULL);

    return text ? text : g_strdup("");
}

gboolean
ftp_test_proxy_wait_log(FtpTestProxy *proxy, const char *needle, guint timeout_ms)
{
    for (guint waited = 0; waited <= timeout_ms; waited += 20) {
        g_autofree char *log = ftp_test_proxy_log(proxy);
        if (strstr(log, needle))
            return TRUE;
        g_usleep(20 * 1000);
    }
    return FALSE;
}

void
ftp_test_proxy_stop(FtpTestProxy *p)
{
    gboolean exited;

    g_subprocess_send_signal(p->proc, SIGTERM);
    exited = ftp_test_wait_exit(p->proc, 15000);
    if (!exited) {
        g_subprocess_force_exit(p->proc);
        ftp_test_wait_exit(p->proc, 5000);
    }
    g_assert_true(exited);
    g_assert_true(g_subprocess_get_if_exited(p->proc));
    g_assert_cmpint(g_subprocess_get_exit_status(p->proc), ==, 0);
    g_object_unref(p->proc);
    g_free(p->dir);
    g_free(p->log_path);
    g_free(p);
}

int
ftp_test_run(const char *const *argv, const char *cwd, char **out, char **err)
{
    g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                  G_SUBPROCESS_FLAGS_STDIN_PIPE);
    g_autoptr(GPtrArray) full = g_ptr_array_new();
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GBytes) ob = NULL;
    g_autoptr(GBytes) eb = NULL;
    g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
    g_autoptr(GError) error = NULL;

    g_ptr_array_add(full, (gpointer) "timeout");
    g_ptr_array_add(full, (gpointer) "-k");
    g_ptr_array_add(full, (gpointer) "5");
    g_ptr_array_add(full, (gpointer)FTP_TEST_CLIENT_TIMEOUT_S);
    for (guint i = 0; argv[i]; i++)
        g_ptr_array_add(full, (gpointer)argv[i]);
    g_ptr_array_add(full, NULL);
    if (cwd)
        g_subprocess_launcher_set_cwd(launcher, cwd);
    /* Clients must not read user configuration (~/.lftprc, ~/.netrc). */
    g_subprocess_launcher_setenv(launcher, "HOME", g_get_tmp_dir(), TRUE);
    proc = g_subprocess_launcher_spawnv(launcher, (const char *const *)full->pdata, &error);
    g_assert_no_error(error);
    g_subprocess_communicate(proc, empty, NULL, &ob, &eb, &error);
    g_assert_no_error(error);
    if (out)
        *out = g_bytes_get_size(ob) ? g_strndup(g_bytes_get_data(ob, NULL), g_bytes_get_size(ob))
                                    : g_strdup("");
    if (err)
        *err = g_bytes_get_size(eb) ? g_strndup(g_bytes_get_data(eb, NULL), g_bytes_get_size(eb))
                                    : g_strdup("");
    if (!g_subprocess_get_if_exited(proc))
        return 128 + g_subprocess_get_term_sig(proc);
    return g_subprocess_get_exit_status(proc);
}

FtpTestClient *
ftp_test_client_new(guint16 port, int *code)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GError) err = NULL;
    FtpTestClient *c = g_new0(FtpTestClient, 1);

    g_socket_client_set_enable_proxy(client, FALSE);
    g_socket_client_set_timeout(client, FTP_TEST_SOCKET_TIMEOUT_S);
    c->conn = g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, &err);
    g_assert_no_error(err);
    c->sock = g_socket_connection_get_socket(c->conn);
    g_socket_set_timeout(c->sock, FTP_TEST_SOCKET_TIMEOUT_S);
    *code = ftp_test_client_reply(c, NULL);
    return c;
}

void
ftp_test_client_free(FtpTestClient *c)
{
    if (!c)
        return;
    g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
    g_object_unref(c->conn);
    g_free(c);
}

void
ftp_test_client_send_raw(FtpTestClient *c, const char *data, gsize len)
{
    while (len > 0) {
        g_autoptr(GError) err = NULL;
        gssize n = g_socket_send(c->sock, data, len, NULL, &err);
        if (n < 0)
            return; /* the server may have closed: the next reply read says so */
        data += n;
        len -= (gsize)n;
    }
}

/* Return: (transfer full): the next line without CRLF, or NULL on EOF/timeout. */
static char *
client_line(FtpTestClient *c)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        gssize n;
        if (nl) {
            gsize l = (gsize)(nl - c->buf);
            char *line = g_strndup(c->buf, l > 0 && c->buf[l - 1] == '\r' ? l - 1 : l);
            memmove(c->buf, nl + 1, c->len - l - 1);
            c->len -= l + 1;
            return line;
        }
        if (c->len == sizeof(c->buf))
            return NULL;
        n = g_socket_receive(c->sock, c->buf + c->len, sizeof(c->buf) - c->len, NULL, NULL);
        if (n <= 0)
            return NULL;
        c->len += (gsize)n;
    }
}

int
ftp_test_client_reply(FtpTestClient *c, char **text)
{
    g_autoptr(GString) all = g_string_new(NULL);
    g_autofree char *first = client_line(c);
    int code;

    if (!first || strlen(first) < 3 || !g_ascii_isdigit(first[0]))
        return -1;
    code = atoi(first);
    g_string_append(all, first);
    if (first[3] == '-') {
        for (;;) {
            g_autofree char *line = client_line(c);
            if (!line)
                return -1;
            g_string_append_printf(all, "\n%s", line);
            if (strlen(line) >= 4 && atoi(line) == code && line[3] == ' ' &&
                g_ascii_isdigit(line[0]))
                break;
        }
    }
    if (text)
        *text = g_string_free(g_steal_pointer(&all), FALSE);
    return code;
}

int
ftp_test_client_cmd(FtpTestClient *c, const char *line, char **text)
{
    g_autofree char *full = g_strdup_printf("%s\r\n", line);

    ftp_test_client_send_raw(c, full, strlen(full));
    return ftp_test_client_reply(c, text);
}

int
ftp_test_client_login(FtpTestClient *c, const char *user, const char *pass)
{
    g_autofree char *u = g_strdup_printf("USER %s", user);
    g_autofree char *p = g_strdup_printf("PASS %s", pass);

    g_assert_cmpint(ftp_test_client_cmd(c, u, NULL), ==, 331);
    return ftp_test_client_cmd(c, p, NULL);
}

GSocket *
ftp_test_client_epsv(FtpTestClient *c)
{
    g_autofree char *text = NULL;
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GError) err = NULL;
    GSocket *sock;
    const char *bar;
    guint port;

    g_assert_cmpint(ftp_test_client_cmd(c, "EPSV", &text), ==, 229);
    bar = strstr(text, "(|||");
    g_assert_nonnull(bar);
    port = (guint)atoi(bar + 4);
    g_assert_cmpuint(port, >, 0);
    addr = g_inet_socket_address_new(lo, (guint16)port);
    sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);
    g_assert_no_error(err);
    g_socket_set_timeout(sock, FTP_TEST_SOCKET_TIMEOUT_S);
    g_socket_connect(sock, addr, NULL, &err);
    g_assert_no_error(err);
    return sock;
}

GBytes *
ftp_test_data_read_all(GSocket *data)
{
    g_autoptr(GByteArray) all = g_byte_array_new();
    char buf[65536];

    for (;;) {
        gssize n = g_socket_receive(data, buf, sizeof(buf), NULL, NULL);
        if (n <= 0)
            break;
        g_byte_array_append(all, (guint8 *)buf, (guint)n);
    }
    return g_byte_array_free_to_bytes(g_steal_pointer(&all));
}
