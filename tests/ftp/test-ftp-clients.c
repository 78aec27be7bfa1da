/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ftp-clients.c - curl, lftp and busybox ftpget/ftpput against the FTP proxy */
#include "ftp-test-util.h"

#include <string.h>

typedef struct {
    char *dir;
    char *root;
    char *work; /* the clients' working folder */
    char *file_sum;
    FtpTestProxy *proxy;
} Fixture;

#define FILE_SIZE (3 * 1024 * 1024 + 17)

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *pw = NULL, *file = NULL, *a = NULL, *up = NULL, *deep = NULL;
    const char *args[] = {"--listen",        "127.0.0.1:0", "--root",     NULL, "--user", "test",
                          "--password-file", NULL,          "--writable", "up", NULL};

    f->dir = vl_test_mkdtemp();
    f->root = g_build_filename(f->dir, "root", NULL);
    f->work = g_build_filename(f->dir, "work", NULL);
    g_assert_cmpint(g_mkdir_with_parents(f->work, 0755), ==, 0);
    pw = g_build_filename(f->dir, "pw", NULL);
    vl_test_write_file(pw, "secret\n", -1, 0600);
    a = g_build_filename(f->root, "a.txt", NULL);
    vl_test_write_file(a, "hello\n", -1, 0644);
    deep = g_build_filename(f->root, "sub", "deeper", "c.txt", NULL);
    vl_test_write_file(deep, "deep file\n", -1, 0644);
    up = g_build_filename(f->root, "up", NULL);
    g_assert_cmpint(g_mkdir_with_parents(up, 0755), ==, 0);
    file = g_build_filename(f->root, "sub", "file.bin", NULL);
    ftp_test_write_random(file, FILE_SIZE, 42);
    f->file_sum = ftp_test_sha256_file(file);
    args[3] = f->root;
    args[7] = pw;
    f->proxy = ftp_test_proxy_start(f->dir, args);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    ftp_test_proxy_stop(f->proxy);
    vl_test_rmtree(f->dir);
    g_free(f->dir);
    g_free(f->root);
    g_free(f->work);
    g_free(f->file_sum);
}

static char *
url(Fixture *f, const char *path)
{
    return g_strdup_printf("ftp://test:secret@127.0.0.1:%u%s", f->proxy->port, path);
}

/* Runs @argv in the work folder and asserts it exits 0, showing its output otherwise. */
static char *
run_ok(Fixture *f, const char *const *argv)
{
    char *out = NULL;
    g_autofree char *err = NULL;
    int status = ftp_test_run(argv, f->work, &out, &err);

    if (status != 0) {
        g_autofree char *log = ftp_test_proxy_log(f->proxy);
        g_error("%s exited %d\nstdout: %s\nstderr: %s\nproxy log:\n%s", argv[0], status, out, err,
                log);
    }
    return out;
}

static char *
work_sum(Fixture *f, const char *name)
{
    g_autofree char *path = g_build_filename(f->work, name, NULL);
    return ftp_test_sha256_file(path);
}

static void
test_curl_download(Fixture *f, gconstpointer data)
{
    g_autofree char *u = url(f, "/sub/file.bin");
    const char *argv[] = {"curl", "-sS", "-o", "file.bin", u, NULL};
    const char *argv_nocwd[] = {"curl", "-sS", "--ftp-method", "nocwd", "-o", "nocwd.bin", u, NULL};
    g_autofree char *o1 = run_ok(f, argv);
    g_autofree char *o2 = run_ok(f, argv_nocwd);
    g_autofree char *s1 = work_sum(f, "file.bin");
    g_autofree char *s2 = work_sum(f, "nocwd.bin");

    g_assert_cmpstr(s1, ==, f->file_sum);
    g_assert_cmpstr(s2, ==, f->file_sum);
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "RETR /sub/file.bin: 3145745 bytes", 5000));
}

static void
test_curl_missing(Fixture *f, gconstpointer data)
{
    g_autofree char *u = url(f, "/sub/missing.bin");
    const char *argv[] = {"curl", "-sS", "-o", "missing.bin", u, NULL};
    int status = ftp_test_run(argv, f->work, NULL, NULL);

    /* curl: 78 = remote file not found (SIZE or RETR answered 550). */
    g_assert_cmpint(status, ==, 78);
}

static void
test_curl_resume(Fixture *f, gconstpointer data)
{
    g_autofree char *u = url(f, "/sub/file.bin");
    g_autofree char *src = g_build_filename(f->root, "sub", "file.bin", NULL);
    g_autofree char *dst = g_build_filename(f->work, "part.bin", NULL);
    g_autofree char *content = NULL;
    const char *argv[] = {"curl", "-sS", "-C", "-", "-o", "part.bin", u, NULL};
    g_autofree char *out = NULL;
    g_autofree char *sum = NULL;
    gsize len = 0;

    content = vl_test_read_file(src, &len);
    vl_test_write_file(dst, content, 1000000, 0644);
    out = run_ok(f, argv);
    sum = work_sum(f, "part.bin");
    g_assert_cmpstr(sum, ==, f->file_sum);
    /* Only the rest travelled. */
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "RETR /sub/file.bin: 2145745 bytes", 5000));
}

static void
test_curl_upload(Fixture *f, gconstpointer data)
{
    g_autofree char *u = url(f, "/up/new.bin");
    g_autofree char *u_ro = url(f, "/new.bin");
    g_autofree char *local = g_build_filename(f->work, "upload.bin", NULL);
    g_autofree char *remote = g_build_filename(f->root, "up", "new.bin", NULL);
    g_autofree char *want = NULL;
    g_autofree char *got = NULL;
    const char *argv[] = {"curl", "-sS", "-T", "upload.bin", u, NULL};
    const char *argv_ro[] = {"curl", "-sS", "-T", "upload.bin", u_ro, NULL};
    g_autofree char *out = NULL;

    ftp_test_write_random(local, 2 * 1024 * 1024 + 5, 9);
    out = run_ok(f, argv);
    want = ftp_test_sha256_file(local);
    got = ftp_test_sha256_file(remote);
    g_assert_cmpstr(got, ==, want);
    /* The root is read-only: curl 25 = upload failed. */
    g_assert_cmpint(ftp_test_run(argv_ro, f->work, NULL, NULL), ==, 25);
    {
        g_autofree char *ro = g_build_filename(f->root, "new.bin", NULL);
        g_assert_false(g_file_test(ro, G_FILE_TEST_EXISTS));
    }
}

static void
test_curl_list(Fixture *f, gconstpointer data)
{
    g_autofree char *u = url(f, "/");
    g_autofree char *u_sub = url(f, "/sub/");
    const char *argv[] = {"curl", "-sS", u, NULL};
    const char *argv_names[] = {"curl", "-sS", "-l", u_sub, NULL};
    g_autofree char *out = run_ok(f, argv);
    g_autofree char *names = run_ok(f, argv_names);

    g_assert_nonnull(strstr(out, " a.txt\n"));
    g_assert_nonnull(strstr(out, "drwx"));
    g_assert_nonnull(strstr(names, "file.bin\n"));
    g_assert_nonnull(strstr(names, "deeper\n"));
    g_assert_null(strstr(names, "a.txt"));
}

static void
test_curl_active(Fixture *f, gconstpointer data)
{
    g_autofree char *u = url(f, "/sub/file.bin");
    const char *argv[] = {"curl", "-sS", "--ftp-port", "127.0.0.1", "-o", "active.bin", u, NULL};
    const char *argv_eprt[] = {"curl",     "-sS", "--ftp-port", "127.0.0.1", "--disable-eprt", "-o",
                               "port.bin", u,     NULL};
    g_autofree char *o1 = run_ok(f, argv);
    g_autofree char *o2 = run_ok(f, argv_eprt);
    g_autofree char *s1 = work_sum(f, "active.bin");
    g_autofree char *s2 = work_sum(f, "port.bin");

    g_assert_cmpstr(s1, ==, f->file_sum);
    g_assert_cmpstr(s2, ==, f->file_sum);
}

static void
test_lftp(Fixture *f, gconstpointer data)
{
    g_autofree char *site = g_strdup_printf("ftp://127.0.0.1:%u", f->proxy->port);
    g_autofree char *script = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *sum = NULL;
    g_autofree char *mirrored = NULL;
    g_autofree char *deep = NULL;
    g_autofree char *rev = NULL;
    g_autofree char *rev_src = g_build_filename(f->work, "tosend", "x", "y.txt", NULL);
    int status;

    vl_test_write_file(rev_src, "reverse mirror\n", -1, 0644);
    /* Defaults apart from timeouts: lftp tries AUTH TLS first and goes on after 502. */
    script = g_strdup_printf("set net:max-retries 1; set net:timeout 10; "
                             "set ftp:passive-mode on; set ftp:prefer-epsv no; debug 9; "
                             "open -u test,secret %s; "
                             "get sub/file.bin -o lftp.bin; "
                             "cls -l sub; "
                             "mirror sub mirrored; "
                             "mirror -R tosend up/tosend; "
                             "quit",
                             site);
    {
        const char *argv[] = {"lftp", "-c", script, NULL};
        status = ftp_test_run(argv, f->work, &out, &err);
    }
    if (status != 0)
        g_error("lftp exited %d\nstdout: %s\nstderr: %s", status, out, err);
    sum = work_sum(f, "lftp.bin");
    g_assert_cmpstr(sum, ==, f->file_sum);
    /* lftp used PASV (not EPSV) and MLSD. */
    g_assert_nonnull(strstr(err, "---> PASV"));
    g_assert_null(strstr(err, "---> EPSV"));
    g_assert_nonnull(strstr(err, "---> MLSD"));
    g_assert_nonnull(strstr(err, "---> AUTH TLS"));
    g_assert_nonnull(strstr(out, "file.bin"));
    mirrored = g_build_filename("mirrored", "file.bin", NULL);
    g_clear_pointer(&sum, g_free);
    sum = work_sum(f, mirrored);
    g_assert_cmpstr(sum, ==, f->file_sum);
    deep = g_build_filename(f->work, "mirrored", "deeper", "c.txt", NULL);
    g_clear_pointer(&out, g_free);
    out = vl_test_read_file(deep, NULL);
    g_assert_cmpstr(out, ==, "deep file\n");
    rev = g_build_filename(f->root, "up", "tosend", "x", "y.txt", NULL);
    g_clear_pointer(&out, g_free);
    out = vl_test_read_file(rev, NULL);
    g_assert_cmpstr(out, ==, "reverse mirror\n");
}

static void
test_busybox(Fixture *f, gconstpointer data)
{
    g_autofree char *port = g_strdup_printf("%u", f->proxy->port);
    g_autofree char *local = g_build_filename(f->work, "bb-up.bin", NULL);
    g_autofree char *remote = g_build_filename(f->root, "up", "bb.bin", NULL);
    const char *get[] = {"busybox", "ftpget", "-u",        "test",   "-p",           "secret",
                         "-P",      port,     "127.0.0.1", "bb.bin", "sub/file.bin", NULL};
    const char *put[] = {"busybox", "ftpput", "-u",        "test",      "-p",        "secret",
                         "-P",      port,     "127.0.0.1", "up/bb.bin", "bb-up.bin", NULL};
    const char *put_ro[] = {"busybox", "ftpput", "-u",        "test",   "-p",        "secret",
                            "-P",      port,     "127.0.0.1", "bb.bin", "bb-up.bin", NULL};
    const char *bad_pw[] = {"busybox", "ftpget", "-u",        "test",    "-p",           "wrong",
                            "-P",      port,     "127.0.0.1", "bad.bin", "sub/file.bin", NULL};
    g_autofree char *o1 = NULL, *o2 = NULL, *sum = NULL, *want = NULL, *got = NULL;

    o1 = run_ok(f, get);
    sum = work_sum(f, "bb.bin");
    g_assert_cmpstr(sum, ==, f->file_sum);
    ftp_test_write_random(local, 1024 * 1024 + 3, 5);
    o2 = run_ok(f, put);
    want = ftp_test_sha256_file(local);
    got = ftp_test_sha256_file(remote);
    g_assert_cmpstr(got, ==, want);
    g_assert_cmpint(ftp_test_run(put_ro, f->work, NULL, NULL), !=, 0);
    g_assert_cmpint(ftp_test_run(bad_pw, f->work, NULL, NULL), !=, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
    ADD("/ftp/clients/curl/download", test_curl_download);
    ADD("/ftp/clients/curl/missing", test_curl_missing);
    ADD("/ftp/clients/curl/resume", test_curl_resume);
    ADD("/ftp/clients/curl/upload", test_curl_upload);
    ADD("/ftp/clients/curl/list", test_curl_list);
    ADD("/ftp/clients/curl/active", test_curl_active);
    ADD("/ftp/clients/lftp", test_lftp);
    ADD("/ftp/clients/busybox", test_busybox);
#undef ADD
    return g_test_run();
}
