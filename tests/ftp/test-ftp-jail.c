/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ftp-jail.c - attempts to leave a router's tree through the FTP proxy, all refused */
#include "ftp-test-util.h"

#include <string.h>
#include <unistd.h>

#define SECRET "outside secret\n"
#define TARGET "outside target\n"

typedef struct {
    char *dir;
    char *outside;
    char *r2;
    FtpTestProxy *proxy;
} Fixture;

static void
make_link(const char *target, const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_assert_cmpint(symlink(target, path), ==, 0);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *r1 = NULL, *up = NULL, *cfg = NULL, *json = NULL, *pw1 = NULL, *pw2 = NULL;
    g_autofree char *p = NULL;
    const char *args[] = {"--config", NULL, "--foreground", "--listen", "127.0.0.1:0", NULL};

    f->dir = ftp_test_tmpdir();
    r1 = g_build_filename(f->dir, "r1", NULL);
    up = g_build_filename(r1, "up", NULL);
    f->r2 = g_build_filename(f->dir, "r2", NULL);
    f->outside = g_build_filename(f->dir, "outside", NULL);
    p = g_build_filename(r1, "a.txt", NULL);
    ftp_test_write(p, "hello\n", -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(up, "keep.txt", NULL);
    ftp_test_write(p, "keep\n", -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(f->r2, "r2.txt", NULL);
    ftp_test_write(p, "router two\n", -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(f->outside, "secret.txt", NULL);
    ftp_test_write(p, SECRET, -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(f->outside, "target.txt", NULL);
    ftp_test_write(p, TARGET, -1, 0644);
    make_link("../outside", r1, "evil");
    make_link("../outside/secret.txt", r1, "evil-file");
    make_link(f->outside, r1, "evil-abs");
    make_link("../r2", r1, "to-r2");
    make_link("a.txt", r1, "ok-link");
    make_link("../../outside", up, "evil-dir");
    make_link("../../outside/target.txt", up, "evil-link");
    pw1 = g_build_filename(f->dir, "pw1", NULL);
    pw2 = g_build_filename(f->dir, "pw2", NULL);
    ftp_test_write(pw1, "pass1\n", -1, 0600);
    ftp_test_write(pw2, "pass2\n", -1, 0600);
    json = g_strdup_printf(
        "{\"backends\": {\"disk\": {\"type\": \"local\"}},\n"
        " \"routers\": {\n"
        "  \"lab/r1\": {\"login\": \"r1\", \"password_file\": \"%s\", \"rules\": [\n"
        "     {\"path\": \"/\", \"target\": \"%s\"},\n"
        "     {\"path\": \"/up\", \"target\": \"%s\", \"writable\": true}]},\n"
        "  \"lab/r2\": {\"login\": \"r2\", \"password_file\": \"%s\", \"rules\": [\n"
        "     {\"path\": \"/\", \"target\": \"%s\", \"writable\": true}]}}}\n",
        pw1, r1, up, pw2, f->r2);
    cfg = g_build_filename(f->dir, "ftp.json", NULL);
    ftp_test_write(cfg, json, -1, 0644);
    args[1] = cfg;
    f->proxy = ftp_test_proxy_start(f->dir, args);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    ftp_test_proxy_stop(f->proxy);
    ftp_test_rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->outside);
    g_free(f->r2);
}

/* Asserts nothing outside the jail was read, created or changed. */
static void
assert_outside_untouched(Fixture *f)
{
    g_autoptr(GDir) dir = g_dir_open(f->outside, 0, NULL);
    g_autoptr(GDir) dir2 = g_dir_open(f->r2, 0, NULL);
    g_autofree char *secret = NULL, *target = NULL, *sp = NULL, *tp = NULL;
    const char *name;
    guint n = 0;

    while ((name = g_dir_read_name(dir)))
        n++;
    g_assert_cmpuint(n, ==, 2);
    n = 0;
    while ((name = g_dir_read_name(dir2)))
        n++;
    g_assert_cmpuint(n, ==, 1);
    sp = g_build_filename(f->outside, "secret.txt", NULL);
    tp = g_build_filename(f->outside, "target.txt", NULL);
    secret = ftp_test_read(sp, NULL);
    target = ftp_test_read(tp, NULL);
    g_assert_cmpstr(secret, ==, SECRET);
    g_assert_cmpstr(target, ==, TARGET);
}

typedef struct {
    const char *cmd; /* raw command line; "\\0" cannot appear, see the NUL test */
    int code;
} Attempt;

static const Attempt attempts[] = {
    {"RETR ../outside/secret.txt", 550},
    {"RETR ../../../../etc/passwd", 550},
    {"RETR /../outside/secret.txt", 550},
    {"RETR ..\\outside\\secret.txt", 550},
    {"RETR %2e%2e/outside/secret.txt", 550},
    {"RETR ..%2foutside%2fsecret.txt", 550},
    {"RETR ....//outside/secret.txt", 550},
    {"RETR evil/secret.txt", 550},
    {"RETR evil-file", 550},
    {"RETR evil-abs/secret.txt", 550},
    {"RETR up/evil-dir/secret.txt", 550},
    {"RETR up/evil-link", 550},
    {"RETR /etc/passwd", 550},
    {"RETR sub/../../outside/secret.txt", 550},
    {"RETR ~/secret.txt", 550},
    {"RETR \xc0\xae\xc0\xae/outside/secret.txt", 550},
    {"RETR a\x01.txt", 550},
    {"RETR to-r2/r2.txt", 550},
    {"RETR /r2/r2.txt", 550},
    {"SIZE evil-file", 550},
    {"MDTM evil-file", 550},
    {"SIZE up/evil-link", 550},
    {"CWD evil", 550},
    {"CWD to-r2", 550},
    {"CWD up/evil-dir", 550},
    {"LIST evil", 550},
    {"MLSD evil", 550},
    {"NLST up/evil-dir", 550},
    {"MLST evil-file", 550},
    {"STOR up/evil-dir/new.txt", 550},
    {"STOR up/evil-link", 550},
    {"STOR ../outside/new.txt", 550},
    {"STOR up/../../outside/new.txt", 550},
    {"STOR evil/new.txt", 550},
    {"STOR to-r2/new.txt", 550},
    {"APPE up/evil-link", 550},
    {"MKD up/evil-dir/newdir", 550},
    {"MKD evil/newdir", 550},
    {"DELE up/evil-dir/secret.txt", 550},
    {"DELE evil-file", 550},
    {"RMD up/evil-dir/..", 550},
    {"RNFR up/evil-dir/secret.txt", 550},
};

static gboolean
is_transfer(const char *cmd)
{
    return g_str_has_prefix(cmd, "RETR") || g_str_has_prefix(cmd, "STOR") ||
           g_str_has_prefix(cmd, "APPE") || g_str_has_prefix(cmd, "LIST") ||
           g_str_has_prefix(cmd, "NLST") || g_str_has_prefix(cmd, "MLSD");
}

static void
test_escape_table(Fixture *f, gconstpointer data)
{
    int code = 0;
    g_autoptr(FtpTestClient) c = ftp_test_client_new(f->proxy->port, &code);

    g_assert_cmpint(code, ==, 220);
    g_assert_cmpint(ftp_test_client_login(c, "r1", "pass1"), ==, 230);
    g_assert_cmpuint(G_N_ELEMENTS(attempts), >=, 20);
    for (gsize i = 0; i < G_N_ELEMENTS(attempts); i++) {
        g_autoptr(GSocket) d = is_transfer(attempts[i].cmd) ? ftp_test_client_epsv(c) : NULL;
        g_autofree char *text = NULL;
        g_autofree char *pwd = NULL;

        code = ftp_test_client_cmd(c, attempts[i].cmd, &text);
        if (code != attempts[i].code)
            g_error("'%s': expected %d, got %d '%s'", attempts[i].cmd, attempts[i].code, code,
                    text ? text : "");
        g_assert_cmpint(ftp_test_client_cmd(c, "PWD", &pwd), ==, 257);
        g_assert_nonnull(strstr(pwd, "\"/\""));
    }
    {
        /* RNTO out of the jail after a legitimate RNFR. */
        g_assert_cmpint(ftp_test_client_cmd(c, "RNFR up/keep.txt", NULL), ==, 350);
        g_assert_cmpint(ftp_test_client_cmd(c, "RNTO up/evil-dir/keep.txt", NULL), ==, 550);
        g_assert_cmpint(ftp_test_client_cmd(c, "RNFR up/keep.txt", NULL), ==, 350);
        g_assert_cmpint(ftp_test_client_cmd(c, "RNTO ../outside/keep.txt", NULL), ==, 550);
    }
    /* A NUL byte inside a path. */
    ftp_test_client_send_raw(c, "RETR a.txt\0../outside/secret.txt\r\n", 35);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 501);
    assert_outside_untouched(f);
}

static void
test_links_inside_work(Fixture *f, gconstpointer data)
{
    int code = 0;
    g_autoptr(FtpTestClient) c = ftp_test_client_new(f->proxy->port, &code);
    g_autoptr(GSocket) d = NULL;
    g_autoptr(GBytes) got = NULL;
    g_autofree char *listing = NULL;

    /* The table above must be able to fail: a link inside the jail is served. */
    g_assert_cmpint(ftp_test_client_login(c, "r1", "pass1"), ==, 230);
    d = ftp_test_client_epsv(c);
    g_assert_cmpint(ftp_test_client_cmd(c, "RETR ok-link", NULL), ==, 150);
    got = ftp_test_data_read_all(d);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), "hello\n", 6);
    g_clear_object(&d);
    g_clear_pointer(&got, g_bytes_unref);
    /* Listings hide links leading out. */
    d = ftp_test_client_epsv(c);
    g_assert_cmpint(ftp_test_client_cmd(c, "NLST", NULL), ==, 150);
    got = ftp_test_data_read_all(d);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    listing = g_strndup(g_bytes_get_data(got, NULL), g_bytes_get_size(got));
    g_assert_nonnull(strstr(listing, "ok-link\r\n"));
    g_assert_nonnull(strstr(listing, "a.txt\r\n"));
    g_assert_null(strstr(listing, "evil"));
    g_assert_null(strstr(listing, "to-r2"));
}

static void
test_other_router(Fixture *f, gconstpointer data)
{
    int code = 0;
    g_autoptr(FtpTestClient) c = ftp_test_client_new(f->proxy->port, &code);
    g_autoptr(FtpTestClient) c2 = NULL;

    /* One router's password does not open another's login. */
    g_assert_cmpint(ftp_test_client_login(c, "r1", "pass2"), ==, 530);
    g_assert_cmpint(ftp_test_client_login(c, "r2", "pass1"), ==, 530);
    g_assert_cmpint(ftp_test_client_login(c, "r2", "pass2"), ==, 230);
    /* r2 sees its own tree as "/", and nothing of r1's. */
    g_assert_cmpint(ftp_test_client_cmd(c, "SIZE r2.txt", NULL), ==, 213);
    g_assert_cmpint(ftp_test_client_cmd(c, "SIZE a.txt", NULL), ==, 550);
    g_assert_cmpint(ftp_test_client_cmd(c, "SIZE ../r1/a.txt", NULL), ==, 550);
    c2 = ftp_test_client_new(f->proxy->port, &code);
    g_assert_cmpint(ftp_test_client_login(c2, "r1", "pass1"), ==, 230);
    g_assert_cmpint(ftp_test_client_cmd(c2, "SIZE r2.txt", NULL), ==, 550);
    g_assert_cmpint(ftp_test_client_cmd(c2, "SIZE a.txt", NULL), ==, 213);
    assert_outside_untouched(f);
}

static void
test_curl_escapes(Fixture *f, gconstpointer data)
{
    const char *paths[] = {"/../outside/secret.txt",
                           "/%2e%2e/outside/secret.txt",
                           "/evil/secret.txt",
                           "/up/evil-dir/secret.txt",
                           "/evil-file",
                           "/..%2f..%2foutside/secret.txt"};

    for (gsize i = 0; i < G_N_ELEMENTS(paths); i++) {
        g_autofree char *url =
            g_strdup_printf("ftp://r1:pass1@127.0.0.1:%u%s", f->proxy->port, paths[i]);
        g_autofree char *out = NULL;
        const char *argv[] = {"curl", "-sS", "--path-as-is", url, NULL};
        int status = ftp_test_run(argv, NULL, &out, NULL);

        g_assert_cmpint(status, !=, 0);
        g_assert_null(strstr(out, "outside secret"));
    }
    assert_outside_untouched(f);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
    ADD("/ftp/jail/escape-table", test_escape_table);
    ADD("/ftp/jail/links-inside-work", test_links_inside_work);
    ADD("/ftp/jail/other-router", test_other_router);
    ADD("/ftp/jail/curl-escapes", test_curl_escapes);
#undef ADD
    return g_test_run();
}
