/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ftp-proto.c - the FTP proxy's reply table, limits and transfers over raw sockets */
#include "ftp-test-util.h"

#include <string.h>

typedef struct {
    char *dir;
    char *root;
    FtpTestProxy *proxy;
    FtpTestClient *client;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *pw = NULL;
    g_autofree char *big = NULL;
    const char *args[] = {"--listen",        "127.0.0.1:0", "--root",     NULL, "--user", "test",
                          "--password-file", NULL,          "--writable", "up", NULL};
    int code = 0;

    f->dir = vl_test_mkdtemp();
    f->root = g_build_filename(f->dir, "root", NULL);
    pw = g_build_filename(f->dir, "pw", NULL);
    vl_test_write_file(pw, "secret\n", -1, 0600);
    {
        g_autofree char *a = g_build_filename(f->root, "a.txt", NULL);
        g_autofree char *sub = g_build_filename(f->root, "sub", "b.txt", NULL);
        g_autofree char *up = g_build_filename(f->root, "up", NULL);
        vl_test_write_file(a, "hello\n", -1, 0644);
        vl_test_write_file(sub, "in sub\n", -1, 0644);
        g_assert_cmpint(g_mkdir_with_parents(up, 0755), ==, 0);
    }
    big = g_build_filename(f->root, "big.bin", NULL);
    ftp_test_write_random(big, 64 * 1024 * 1024, 7);
    args[3] = f->root;
    args[7] = pw;
    f->proxy = ftp_test_proxy_start(f->dir, args);
    f->client = ftp_test_client_new(f->proxy->port, &code);
    g_assert_cmpint(code, ==, 220);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    g_clear_pointer(&f->client, ftp_test_client_free);
    ftp_test_proxy_stop(f->proxy);
    vl_test_rmtree(f->dir);
    g_free(f->dir);
    g_free(f->root);
}

/* Asserts @cmd answers @code and, if @contains is given, that the reply contains it. */
static void
expect(FtpTestClient *c, const char *cmd, int code, const char *contains)
{
    g_autofree char *text = NULL;
    int got = ftp_test_client_cmd(c, cmd, &text);

    if (got != code || (contains && (!text || !strstr(text, contains))))
        g_error("'%s': expected %d%s%s, got %d '%s'", cmd, code, contains ? " with " : "",
                contains ? contains : "", got, text ? text : "");
}

static void
test_before_login(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;

    expect(c, "SYST", 530, NULL);
    expect(c, "SIZE a.txt", 530, NULL);
    expect(c, "RETR a.txt", 530, NULL);
    expect(c, "PASS secret", 503, NULL);
    expect(c, "FEAT", 211, " EPSV");
    expect(c, "FEAT", 211, " SIZE");
    expect(c, "FEAT", 211, "211 End");
    expect(c, "AUTH TLS", 502, NULL);
    expect(c, "NOOP", 200, NULL);
    expect(c, "USER test", 331, NULL);
    expect(c, "PASS wrong", 530, NULL);
    expect(c, "SYST", 530, NULL);
    expect(c, "USER test", 331, NULL);
    expect(c, "PASS secret", 230, NULL);
    expect(c, "SYST", 215, "UNIX");
    expect(c, "QUIT", 221, NULL);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, -1);
}

static void
test_reply_table(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;
    g_autofree char *text = NULL;

    g_assert_cmpint(ftp_test_client_login(c, "test", "secret"), ==, 230);
    expect(c, "PWD", 257, "\"/\" is the current directory");
    expect(c, "TYPE I", 200, NULL);
    expect(c, "TYPE A", 200, NULL);
    expect(c, "type i", 200, NULL);
    expect(c, "TYPE X", 504, NULL);
    expect(c, "CWD ../../..", 250, NULL);
    expect(c, "PWD", 257, "\"/\"");
    expect(c, "CWD missing", 550, NULL);
    expect(c, "CWD a.txt", 550, NULL);
    expect(c, "CWD sub", 250, NULL);
    expect(c, "PWD", 257, "\"/sub\"");
    expect(c, "SIZE b.txt", 213, "213 7");
    expect(c, "CDUP", 250, NULL);
    expect(c, "PWD", 257, "\"/\"");
    expect(c, "SIZE a.txt", 213, "213 6");
    expect(c, "SIZE sub", 550, NULL);
    expect(c, "SIZE missing", 550, NULL);
    g_assert_cmpint(ftp_test_client_cmd(c, "MDTM a.txt", &text), ==, 213);
    g_assert_cmpuint(strlen(text), ==, 4 + 14);
    expect(c, "MDTM missing", 550, NULL);
    expect(c, "RETR a.txt", 425, NULL);
    expect(c, "EPSV 2", 522, NULL);
    expect(c, "PASV", 227, "Entering Passive Mode (127,0,0,1,");
    expect(c, "EPSV", 229, "Entering Extended Passive Mode (|||");
    expect(c, "PORT 10,0,0,1,19,137", 500, NULL);
    expect(c, "PORT 127,0,0,1,0,80", 500, NULL);
    expect(c, "PORT 127,0,0,1,300,1", 501, NULL);
    expect(c, "PORT garbage", 501, NULL);
    expect(c, "EPRT |1|10.0.0.1|5000|", 500, NULL);
    expect(c, "EPRT |1|127.0.0.1|80|", 500, NULL);
    expect(c, "EPRT |1|127.0.0.1|", 501, NULL);
    expect(c, "RETR missing", 550, NULL);
    expect(c, "STOR a.txt", 550, NULL);
    expect(c, "MKD newdir", 550, NULL);
    expect(c, "DELE a.txt", 550, NULL);
    expect(c, "RNFR a.txt", 550, NULL);
    expect(c, "RNTO b.txt", 503, NULL);
    expect(c, "HELLO", 500, NULL);
    expect(c, "MODE S", 200, NULL);
    expect(c, "MODE B", 504, NULL);
    expect(c, "STRU F", 200, NULL);
    expect(c, "STRU R", 504, NULL);
    expect(c, "OPTS UTF8 ON", 200, NULL);
    expect(c, "NOOP", 200, NULL);
    expect(c, "MLST a.txt", 250, "type=file;size=6;");
    expect(c, "MLST sub", 250, "type=dir;");
    expect(c, "STAT", 211, "Logged in as test");
    expect(c, "ABOR", 225, NULL);
    expect(c, "USER other", 530, NULL);
    expect(c, "QUIT", 221, NULL);
}

static void
test_retr_rest(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;
    g_autoptr(GSocket) d = NULL;
    g_autoptr(GBytes) got = NULL;

    g_assert_cmpint(ftp_test_client_login(c, "test", "secret"), ==, 230);
    /* SIZE works in ASCII mode too (ftplib sends it before TYPE I). */
    expect(c, "TYPE A", 200, NULL);
    expect(c, "SIZE a.txt", 213, "213 6");
    expect(c, "REST 2", 350, NULL);
    d = ftp_test_client_epsv(c);
    expect(c, "RETR a.txt", 150, NULL);
    got = ftp_test_data_read_all(d);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), "llo\n", 4);
    g_socket_close(d, NULL);
    g_clear_object(&d);
    g_clear_pointer(&got, g_bytes_unref);
    /* REST applies to one transfer only. */
    d = ftp_test_client_epsv(c);
    expect(c, "RETR a.txt", 150, NULL);
    got = ftp_test_data_read_all(d);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), "hello\n", 6);
}

/* Uploads @content to @path over EPSV with @verb. Return: the final reply code. */
static int
upload(FtpTestClient *c, const char *verb, const char *path, const char *content)
{
    g_autoptr(GSocket) d = ftp_test_client_epsv(c);
    g_autofree char *cmd = g_strdup_printf("%s %s", verb, path);
    int code = ftp_test_client_cmd(c, cmd, NULL);

    if (code != 150)
        return code;
    g_assert_cmpint(g_socket_send(d, content, strlen(content), NULL, NULL), ==,
                    (gssize)strlen(content));
    g_socket_close(d, NULL);
    return ftp_test_client_reply(c, NULL);
}

static void
test_writes(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;
    g_autofree char *x = g_build_filename(f->root, "up", "x.txt", NULL);
    g_autofree char *y = g_build_filename(f->root, "up", "y.txt", NULL);
    g_autofree char *d = g_build_filename(f->root, "up", "d", NULL);
    g_autofree char *content = NULL;

    g_assert_cmpint(ftp_test_client_login(c, "test", "secret"), ==, 230);
    g_assert_cmpint(upload(c, "STOR", "up/x.txt", "first"), ==, 226);
    content = vl_test_read_file(x, NULL);
    g_assert_cmpstr(content, ==, "first");
    g_clear_pointer(&content, g_free);
    g_assert_cmpint(upload(c, "APPE", "up/x.txt", "+more"), ==, 226);
    content = vl_test_read_file(x, NULL);
    g_assert_cmpstr(content, ==, "first+more");
    expect(c, "SIZE up/x.txt", 213, "213 10");
    expect(c, "MLST up/x.txt", 250, "perm=radfw;");
    expect(c, "RNFR up/x.txt", 350, NULL);
    expect(c, "RNTO up/y.txt", 250, NULL);
    g_assert_false(g_file_test(x, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(y, G_FILE_TEST_EXISTS));
    expect(c, "MKD up/d", 257, "\"/up/d\" created");
    g_assert_true(g_file_test(d, G_FILE_TEST_IS_DIR));
    expect(c, "MKD up/d", 550, NULL);
    expect(c, "RMD up/d", 250, NULL);
    g_assert_false(g_file_test(d, G_FILE_TEST_EXISTS));
    expect(c, "DELE up/y.txt", 250, NULL);
    g_assert_false(g_file_test(y, G_FILE_TEST_EXISTS));
    expect(c, "DELE up/y.txt", 550, NULL);
    /* The writable rule's own folder cannot be removed or renamed. */
    expect(c, "RMD up", 550, NULL);
    expect(c, "RNFR up", 550, NULL);
}

static void
test_listings(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;
    struct {
        const char *cmd;
        const char *want;
        const char *not_want;
    } rows[] = {
        {"LIST", "a.txt", NULL},
        {"LIST -la", " sub\r\n", NULL},
        {"LIST a.txt", "-rw-r--r--", "sub"},
        {"NLST", "a.txt\r\n", "-rw"},
        {"MLSD", "type=file;size=6;", NULL},
        {"MLSD sub", "type=file;size=7;", "a.txt"},
        {"MLSD", "type=dir;", NULL},
    };

    g_assert_cmpint(ftp_test_client_login(c, "test", "secret"), ==, 230);
    for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autoptr(GSocket) d = ftp_test_client_epsv(c);
        g_autoptr(GBytes) got = NULL;
        g_autofree char *text = NULL;

        expect(c, rows[i].cmd, 150, NULL);
        got = ftp_test_data_read_all(d);
        g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
        text = g_strndup(g_bytes_get_data(got, NULL), g_bytes_get_size(got));
        if (!strstr(text, rows[i].want) || (rows[i].not_want && strstr(text, rows[i].not_want)))
            g_error("%s: unexpected listing:\n%s", rows[i].cmd, text);
    }
    expect(c, "EPSV", 229, NULL);
    expect(c, "MLSD a.txt", 501, NULL);
}

static void
test_active(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;
    g_autoptr(GSocket) listener = NULL;
    g_autoptr(GSocket) d = NULL;
    g_autoptr(GBytes) got = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *port_cmd = NULL;
    g_autofree char *eprt_cmd = NULL;
    guint16 port;

    g_assert_cmpint(ftp_test_client_login(c, "test", "secret"), ==, 230);
    listener =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);
    g_assert_no_error(err);
    g_socket_bind(listener, any, TRUE, &err);
    g_assert_no_error(err);
    g_socket_listen(listener, &err);
    g_assert_no_error(err);
    g_socket_set_timeout(listener, FTP_TEST_SOCKET_TIMEOUT_S);
    bound = g_socket_get_local_address(listener, &err);
    port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    port_cmd = g_strdup_printf("PORT 127,0,0,1,%u,%u", port >> 8, port & 0xff);
    expect(c, port_cmd, 200, NULL);
    expect(c, "RETR a.txt", 150, NULL);
    d = g_socket_accept(listener, NULL, &err);
    g_assert_no_error(err);
    g_socket_set_timeout(d, FTP_TEST_SOCKET_TIMEOUT_S);
    got = ftp_test_data_read_all(d);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), "hello\n", 6);
    g_clear_object(&d);
    g_clear_pointer(&got, g_bytes_unref);
    eprt_cmd = g_strdup_printf("EPRT |1|127.0.0.1|%u|", port);
    expect(c, eprt_cmd, 200, NULL);
    expect(c, "NLST", 150, NULL);
    d = g_socket_accept(listener, NULL, &err);
    g_assert_no_error(err);
    g_socket_set_timeout(d, FTP_TEST_SOCKET_TIMEOUT_S);
    got = ftp_test_data_read_all(d);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    g_assert_nonnull(
        g_strstr_len(g_bytes_get_data(got, NULL), (gssize)g_bytes_get_size(got), "a.txt"));
}

static void
test_passive_peer_check(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;
    g_autoptr(GInetAddress) other = g_inet_address_new_from_string("127.0.0.2");
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) src = g_inet_socket_address_new(other, 0);
    g_autoptr(GSocketAddress) dst = NULL;
    g_autoptr(GSocket) d = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;
    const char *bar;

    g_assert_cmpint(ftp_test_client_login(c, "test", "secret"), ==, 230);
    g_assert_cmpint(ftp_test_client_cmd(c, "EPSV", &text), ==, 229);
    bar = strstr(text, "(|||");
    g_assert_nonnull(bar);
    dst = g_inet_socket_address_new(lo, (guint16)atoi(bar + 4));
    /* A data connection from another address than the control connection's is refused. */
    d = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);
    g_assert_no_error(err);
    g_socket_bind(d, src, FALSE, &err);
    g_assert_no_error(err);
    g_socket_set_timeout(d, FTP_TEST_SOCKET_TIMEOUT_S);
    g_socket_connect(d, dst, NULL, &err);
    g_assert_no_error(err);
    expect(c, "RETR a.txt", 425, "Security: Bad IP connecting.");
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "not the control peer", 5000));
    expect(c, "NOOP", 200, NULL);
}

static void
test_line_limits(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;
    g_autoptr(GString) line = g_string_new("SIZE ");
    int code = 0;

    g_assert_cmpint(ftp_test_client_login(c, "test", "secret"), ==, 230);
    /* Bare LF ends a line too; lowercase verbs are accepted. */
    ftp_test_client_send_raw(c, "noop\n", 5);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 200);
    /* lftp's Telnet IP + Synch before ABOR. */
    ftp_test_client_send_raw(c,
                             "\xff\xf4\xff\xf2"
                             "ABOR\r\n",
                             10);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 225);
    ftp_test_client_send_raw(c, "SIZE a\0b.txt\r\n", 14);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 501);
    /* Exactly 4096 bytes is a command (a missing file); one more is refused. */
    while (line->len < 4096)
        g_string_append_c(line, 'x');
    expect(c, line->str, 550, NULL);
    g_string_append_c(line, 'x');
    expect(c, line->str, 500, "too long");
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, -1);
    /* The proxy goes on serving. */
    ftp_test_client_free(ftp_test_client_new(f->proxy->port, &code));
    g_assert_cmpint(code, ==, 220);
}

static void
test_login_failures(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;

    g_assert_cmpint(ftp_test_client_login(c, "test", "bad1"), ==, 530);
    g_assert_cmpint(ftp_test_client_login(c, "nobody", "secret"), ==, 530);
    g_assert_cmpint(ftp_test_client_login(c, "test", "bad3"), ==, 421);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, -1);
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "login failed for 'test' (3 of 3)", 5000));
}

static void
test_abort_mid_transfer(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;
    g_autoptr(GSocket) d = NULL;
    char buf[65536];
    gssize n;
    g_autofree char *text = NULL;

    g_assert_cmpint(ftp_test_client_login(c, "test", "secret"), ==, 230);
    d = ftp_test_client_epsv(c);
    expect(c, "RETR big.bin", 150, NULL);
    n = g_socket_receive(d, buf, sizeof(buf), NULL, NULL);
    g_assert_cmpint(n, >, 0);
    /* The client stops reading; the proxy must still see ABOR. */
    ftp_test_client_send_raw(c,
                             "\xff\xf4\xff\xf2"
                             "ABOR\r\n",
                             10);
    g_assert_cmpint(ftp_test_client_reply(c, &text), ==, 426);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "RETR /big.bin: aborted after", 5000));
    expect(c, "SIZE a.txt", 213, "213 6");
}

static void
test_client_drops_data(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;
    g_autoptr(GSocket) d = NULL;
    g_autoptr(GBytes) got = NULL;
    char buf[65536];

    g_assert_cmpint(ftp_test_client_login(c, "test", "secret"), ==, 230);
    d = ftp_test_client_epsv(c);
    expect(c, "RETR big.bin", 150, NULL);
    g_assert_cmpint(g_socket_receive(d, buf, sizeof(buf), NULL, NULL), >, 0);
    g_socket_close(d, NULL);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 426);
    /* The session stays usable: a full transfer works next. */
    g_clear_object(&d);
    d = ftp_test_client_epsv(c);
    expect(c, "RETR a.txt", 150, NULL);
    got = ftp_test_data_read_all(d);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    g_assert_cmpuint(g_bytes_get_size(got), ==, 6);
}

static void
test_failed_upload_keeps_old(Fixture *f, gconstpointer data)
{
    FtpTestClient *c = f->client;
    g_autofree char *cfg = g_build_filename(f->root, "up", "config.cfg", NULL);
    g_autofree char *content = NULL;
    g_autoptr(GSocket) d = NULL;
    g_autoptr(GDir) dir = NULL;
    g_autofree char *updir = g_build_filename(f->root, "up", NULL);
    const char *name;
    guint n_files = 0;

    vl_test_write_file(cfg, "old config\n", -1, 0644);
    g_assert_cmpint(ftp_test_client_login(c, "test", "secret"), ==, 230);
    d = ftp_test_client_epsv(c);
    expect(c, "STOR up/config.cfg", 150, NULL);
    g_assert_cmpint(g_socket_send(d, "new partial", 11, NULL, NULL), ==, 11);
    /* The upload is cut short by ABOR: the old file stays whole, no temporary is left. */
    ftp_test_client_send_raw(c, "ABOR\r\n", 6);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 426);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    content = vl_test_read_file(cfg, NULL);
    g_assert_cmpstr(content, ==, "old config\n");
    dir = g_dir_open(updir, 0, NULL);
    while ((name = g_dir_read_name(dir)))
        n_files++;
    g_assert_cmpuint(n_files, ==, 1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
    ADD("/ftp/proto/before-login", test_before_login);
    ADD("/ftp/proto/reply-table", test_reply_table);
    ADD("/ftp/proto/retr-rest", test_retr_rest);
    ADD("/ftp/proto/writes", test_writes);
    ADD("/ftp/proto/listings", test_listings);
    ADD("/ftp/proto/active", test_active);
    ADD("/ftp/proto/passive-peer-check", test_passive_peer_check);
    ADD("/ftp/proto/line-limits", test_line_limits);
    ADD("/ftp/proto/login-failures", test_login_failures);
    ADD("/ftp/proto/abort-mid-transfer", test_abort_mid_transfer);
    ADD("/ftp/proto/client-drops-data", test_client_drops_data);
    ADD("/ftp/proto/failed-upload-keeps-old", test_failed_upload_keeps_old);
#undef ADD
    return g_test_run();
}
