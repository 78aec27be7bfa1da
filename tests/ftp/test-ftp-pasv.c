/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ftp-pasv.c - passive data connections: one per PASV/EPSV, within a window, random ports */
#include "ftp-test-util.h"

#include <stdlib.h>
#include <string.h>

/* The proxy's passive window in these tests (timeouts.passive), seconds. */
#define WINDOW_S 2

typedef struct {
    char *dir;
    FtpTestProxy *proxy;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *root = NULL, *p = NULL, *pw = NULL, *cfg = NULL, *json = NULL;
    const char *args[] = {"--config", NULL, "--foreground", "--listen", "127.0.0.1:0", NULL};

    f->dir = vl_test_mkdtemp();
    root = g_build_filename(f->dir, "root", NULL);
    p = g_build_filename(root, "a.txt", NULL);
    vl_test_write_file(p, "hello\n", -1, 0644);
    pw = g_build_filename(f->dir, "pw", NULL);
    vl_test_write_file(pw, "pass1\n", -1, 0600);
    json = g_strdup_printf(
        "{\"timeouts\": {\"passive\": %d},\n"
        " \"passive_ports\": {\"min\": 42000, \"max\": 42999},\n"
        " \"backends\": {\"disk\": {\"type\": \"local\"}},\n"
        " \"routers\": {\"lab/r1\": {\"login\": \"r1\", \"password_file\": \"%s\",\n"
        "   \"rules\": [{\"path\": \"/\", \"target\": \"%s\"}]}}}\n",
        WINDOW_S, pw, root);
    cfg = g_build_filename(f->dir, "ftp.json", NULL);
    vl_test_write_file(cfg, json, -1, 0644);
    args[1] = cfg;
    f->proxy = ftp_test_proxy_start(f->dir, args);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    ftp_test_proxy_stop(f->proxy);
    vl_test_rmtree(f->dir);
    g_free(f->dir);
}

/* Sends PASV or EPSV. Return: the announced port. */
static guint16
passive_port(FtpTestClient *c, gboolean epsv)
{
    g_autofree char *text = NULL;
    const char *p;

    if (epsv) {
        g_assert_cmpint(ftp_test_client_cmd(c, "EPSV", &text), ==, 229);
        p = strstr(text, "(|||");
        g_assert_nonnull(p);
        return (guint16)atoi(p + 4);
    } else {
        g_auto(GStrv) f = NULL;
        g_assert_cmpint(ftp_test_client_cmd(c, "PASV", &text), ==, 227);
        p = strchr(text, '(');
        g_assert_nonnull(p);
        f = g_strsplit(p + 1, ",", -1);
        g_assert_cmpuint(g_strv_length(f), ==, 6);
        return (guint16)(atoi(f[4]) * 256 + atoi(f[5]));
    }
}

/* Return: (transfer full): a socket connected to 127.0.0.1:@port within 1 s, or NULL with an
 * error. */
static GSocket *
try_connect(guint16 port, GError **error)
{
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, port);
    g_autoptr(GSocket) sock =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);

    g_assert_nonnull(sock);
    g_socket_set_timeout(sock, 1);
    if (!g_socket_connect(sock, addr, NULL, error))
        return NULL;
    g_socket_set_timeout(sock, FTP_TEST_SOCKET_TIMEOUT_S);
    return g_steal_pointer(&sock);
}

/* Return: TRUE once a connection to @port is refused, trying for at most 3 s. */
static gboolean
wait_refused(guint16 port)
{
    gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;

    while (g_get_monotonic_time() < end) {
        g_autoptr(GError) err = NULL;
        g_autoptr(GSocket) s = try_connect(port, &err);
        if (!s && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
            return TRUE;
        g_usleep(50 * 1000);
    }
    return FALSE;
}

/* Downloads a.txt over @d after the command. */
static void
retr_over(FtpTestClient *c, GSocket *d)
{
    g_autoptr(GBytes) got = NULL;

    g_assert_cmpint(ftp_test_client_cmd(c, "RETR a.txt", NULL), ==, 150);
    got = ftp_test_data_read_all(d);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), "hello\n", 6);
}

/* The first connection is the data connection; the port refuses every later one. */
static void
test_one_connection(Fixture *f, gconstpointer data)
{
    gboolean epsv = GPOINTER_TO_INT(data);
    int code = 0;
    g_autoptr(FtpTestClient) c = ftp_test_client_new(f->proxy->port, &code);
    g_autoptr(GSocket) d = NULL;
    g_autoptr(GError) err = NULL;
    guint16 port;

    g_assert_cmpint(ftp_test_client_login(c, "r1", "pass1"), ==, 230);
    port = passive_port(c, epsv);
    d = try_connect(port, &err);
    g_assert_no_error(err);
    /* Before any RETR: a second client (another VM, any local process) gets nothing. */
    g_assert_true(wait_refused(port));
    retr_over(c, d);
}

/* Nobody connects: the listener closes when the window is over and the transfer gets 425. */
static void
test_window(Fixture *f, gconstpointer data)
{
    int code = 0;
    g_autoptr(FtpTestClient) c = ftp_test_client_new(f->proxy->port, &code);
    g_autoptr(GSocket) d = NULL;
    g_autoptr(GSocket) late = NULL;
    g_autoptr(GError) err = NULL;
    guint16 port;

    g_assert_cmpint(ftp_test_client_login(c, "r1", "pass1"), ==, 230);
    /* Within the window a connection is taken. */
    port = passive_port(c, TRUE);
    g_usleep(G_USEC_PER_SEC / 2);
    d = try_connect(port, &err);
    g_assert_no_error(err);
    retr_over(c, d);
    /* After it, the port is closed. */
    port = passive_port(c, TRUE);
    g_usleep((WINDOW_S * G_USEC_PER_SEC) + G_USEC_PER_SEC / 2);
    late = try_connect(port, &err);
    g_assert_null(late);
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
    g_assert_cmpint(ftp_test_client_cmd(c, "RETR a.txt", NULL), ==, 425);
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "no passive data connection within", 5000));
}

/* Ports come from the whole range, not one after another. */
static void
test_ports_random(Fixture *f, gconstpointer data)
{
    int code = 0;
    g_autoptr(FtpTestClient) c = ftp_test_client_new(f->proxy->port, &code);
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
    guint consecutive = 0;
    guint16 prev = 0;

    g_assert_cmpint(ftp_test_client_login(c, "r1", "pass1"), ==, 230);
    for (int i = 0; i < 32; i++) {
        guint16 port = passive_port(c, TRUE);
        g_assert_cmpuint(port, >=, 42000);
        g_assert_cmpuint(port, <=, 42999);
        g_hash_table_add(seen, GUINT_TO_POINTER(port));
        if (prev && (port == prev + 1 || port == prev))
            consecutive++;
        prev = port;
    }
    g_assert_cmpuint(g_hash_table_size(seen), >=, 24);
    g_assert_cmpuint(consecutive, <, 4);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/ftp/pasv/epsv/second-connection-refused", Fixture, GINT_TO_POINTER(1),
               fixture_setup, test_one_connection, fixture_teardown);
    g_test_add("/ftp/pasv/pasv/second-connection-refused", Fixture, GINT_TO_POINTER(0),
               fixture_setup, test_one_connection, fixture_teardown);
    g_test_add("/ftp/pasv/listener-closes-after-window", Fixture, NULL, fixture_setup, test_window,
               fixture_teardown);
    g_test_add("/ftp/pasv/ports-unpredictable", Fixture, NULL, fixture_setup, test_ports_random,
               fixture_teardown);
    return g_test_run();
}
