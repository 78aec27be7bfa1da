/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ftp-config.c - config-file mode: routers, translation, reload, stop, limits, errors */
#include "ftp-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

typedef struct {
    char *dir;
    char *store; /* the local backend's root */
    char *cfg;
    char *pw1;
    char *pw2;
    FtpTestProxy *proxy;
} Fixture;

/* The configuration `up` would generate for two SR OS routers of lab "lab1". */
static char *
config_json(Fixture *f, const char *extra_top, const char *extra_router)
{
    return g_strdup_printf(
        "{\n"
        "  \"listen\": \"127.0.0.1:0\",\n"
        "  %s\n"
        "  \"backends\": {\"store\": {\"type\": \"local\", \"root\": \"%s\"}},\n"
        "  \"routers\": {\n"
        "    \"lab1/vsim-1\": {\n"
        "      \"login\": \"vsim-1\", \"password_file\": \"%s\", \"lab\": \"lab1\", \"vsim\": "
        "\"vsim-1\",\n"
        "      \"rules\": [\n"
        "        {\"path\": \"/i386-boot.tim\", \"target\": \"/images/22.10/i386-boot.tim\"},\n"
        "        {\"path\": \"/i386-iom.tim\", \"target\": \"/images/22.10/i386-iom.tim\"},\n"
        "        {\"path\": \"/sros\", \"target\": \"/images/22.10\"}\n"
        "      ],\n"
        "      \"config\": {\"path\": \"/config\"}\n"
        "    },\n"
        "    \"lab1/vsim-2\": {\n"
        "      \"login\": \"vsim-2\", \"password_file\": \"%s\", \"lab\": \"lab1\", \"vsim\": "
        "\"vsim-2\",\n"
        "      \"rules\": [\n"
        "        {\"path\": \"/i386-boot.tim\", \"target\": \"/images/23.3/i386-boot.tim\"},\n"
        "        {\"path\": \"/sros\", \"target\": \"/images/23.3\"}\n"
        "      ],\n"
        "      \"config\": {}\n"
        "    }%s\n"
        "  }\n"
        "}\n",
        extra_top ? extra_top : "", f->store, f->pw1, f->pw2, extra_router ? extra_router : "");
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *p = NULL;
    g_autofree char *json = NULL;
    const char *extra_top = data;
    const char *args[] = {"--config", NULL, "--foreground", NULL};

    f->dir = vl_test_mkdtemp();
    f->store = g_build_filename(f->dir, "store", NULL);
    f->cfg = g_build_filename(f->dir, "ftp.json", NULL);
    f->pw1 = g_build_filename(f->dir, "pw1", NULL);
    f->pw2 = g_build_filename(f->dir, "pw2", NULL);
    vl_test_write_file(f->pw1, "sw123\n", -1, 0600);
    vl_test_write_file(f->pw2, "other\n", -1, 0600);
    p = g_build_filename(f->store, "images", "22.10", "i386-boot.tim", NULL);
    vl_test_write_file(p, "boot 22.10\n", -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(f->store, "images", "22.10", "i386-iom.tim", NULL);
    vl_test_write_file(p, "iom 22.10\n", -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(f->store, "images", "22.10", "both.tim", NULL);
    vl_test_write_file(p, "both 22.10\n", -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(f->store, "images", "23.3", "i386-boot.tim", NULL);
    vl_test_write_file(p, "boot 23.3\n", -1, 0644);
    json = config_json(f, extra_top, NULL);
    vl_test_write_file(f->cfg, json, -1, 0644);
    args[1] = f->cfg;
    f->proxy = ftp_test_proxy_start(f->dir, args);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    if (f->proxy)
        ftp_test_proxy_stop(f->proxy);
    vl_test_rmtree(f->dir);
    g_free(f->dir);
    g_free(f->store);
    g_free(f->cfg);
    g_free(f->pw1);
    g_free(f->pw2);
}

/*
 * Connects, waiting up to 5 s while the proxy answers 421: a session that was refused or quit
 * logs its end a moment before it gives its place back.
 */
static FtpTestClient *
connect_when_free(Fixture *f, int *code)
{
    FtpTestClient *c = ftp_test_client_new(f->proxy->port, code);

    for (int i = 0; i < 50 && *code == 421; i++) {
        ftp_test_client_free(c);
        g_usleep(100 * 1000);
        c = ftp_test_client_new(f->proxy->port, code);
    }
    return c;
}

static FtpTestClient *
login(Fixture *f, const char *user, const char *pass)
{
    int code = 0;
    FtpTestClient *c = connect_when_free(f, &code);

    g_assert_cmpint(code, ==, 220);
    g_assert_cmpint(ftp_test_client_login(c, user, pass), ==, 230);
    return c;
}

/* Return: (transfer full): the content of @path fetched with RETR over EPSV. */
static char *
retr(FtpTestClient *c, const char *path)
{
    g_autoptr(GSocket) d = ftp_test_client_epsv(c);
    g_autofree char *cmd = g_strdup_printf("RETR %s", path);
    g_autoptr(GBytes) got = NULL;

    g_assert_cmpint(ftp_test_client_cmd(c, cmd, NULL), ==, 150);
    got = ftp_test_data_read_all(d);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    return g_strndup(g_bytes_get_data(got, NULL), g_bytes_get_size(got));
}

static char *
nlst(FtpTestClient *c, const char *path)
{
    g_autoptr(GSocket) d = ftp_test_client_epsv(c);
    g_autofree char *cmd = g_strdup_printf("NLST %s", path);
    g_autoptr(GBytes) got = NULL;

    g_assert_cmpint(ftp_test_client_cmd(c, cmd, NULL), ==, 150);
    got = ftp_test_data_read_all(d);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    return g_strndup(g_bytes_get_data(got, NULL),
                     g_bytes_get_size(got) ? g_bytes_get_size(got) : 0);
}

static void
test_translation(Fixture *f, gconstpointer data)
{
    g_autoptr(FtpTestClient) c1 = login(f, "vsim-1", "sw123");
    g_autoptr(FtpTestClient) c2 = login(f, "vsim-2", "other");
    g_autofree char *a = retr(c1, "/i386-boot.tim");
    g_autofree char *b = retr(c2, "/i386-boot.tim");
    g_autofree char *iom = retr(c1, "/i386-iom.tim");
    g_autofree char *both = retr(c1, "/sros/both.tim");
    g_autofree char *root = nlst(c1, "/");
    g_autofree char *sros = nlst(c1, "/sros");

    g_assert_cmpstr(a, ==, "boot 22.10\n");
    g_assert_cmpstr(b, ==, "boot 23.3\n");
    g_assert_cmpstr(iom, ==, "iom 22.10\n");
    g_assert_cmpstr(both, ==, "both 22.10\n");
    /* The root lists the rules' entries: files with their sizes, folders. */
    g_assert_nonnull(strstr(root, "i386-boot.tim\r\n"));
    g_assert_nonnull(strstr(root, "sros\r\n"));
    g_assert_nonnull(strstr(root, "config\r\n"));
    g_assert_nonnull(strstr(sros, "both.tim\r\n"));
    g_assert_cmpint(ftp_test_client_cmd(c1, "SIZE /i386-boot.tim", NULL), ==, 213);
    g_assert_cmpint(ftp_test_client_cmd(c2, "SIZE /i386-iom.tim", NULL), ==, 550);
    g_assert_cmpint(ftp_test_client_cmd(c1, "CWD /sros", NULL), ==, 250);
    g_assert_cmpint(ftp_test_client_cmd(c1, "SIZE both.tim", NULL), ==, 213);
    /* Images are read-only; the synthetic root too. */
    g_assert_cmpint(ftp_test_client_cmd(c1, "DELE /i386-boot.tim", NULL), ==, 550);
    g_assert_cmpint(ftp_test_client_cmd(c1, "DELE /sros/both.tim", NULL), ==, 550);
    g_assert_cmpint(ftp_test_client_cmd(c1, "MKD /new", NULL), ==, 550);
}

static void
test_config_folder(Fixture *f, gconstpointer data)
{
    g_autofree char *dir1 = g_build_filename(f->store, "data", "cfgs", "lab1", "vsim-1", NULL);
    g_autofree char *dir2 = g_build_filename(f->store, "data", "cfgs", "lab1", "vsim-2", NULL);
    g_autofree char *saved = g_build_filename(dir1, "config.cfg", NULL);
    g_autoptr(FtpTestClient) c = NULL;
    g_autoptr(GSocket) d = NULL;
    g_autofree char *content = NULL;

    g_assert_false(g_file_test(dir1, G_FILE_TEST_EXISTS));
    c = login(f, "vsim-1", "sw123");
    /* Created at login, for the router that logged in only. */
    g_assert_true(g_file_test(dir1, G_FILE_TEST_IS_DIR));
    g_assert_false(g_file_test(dir2, G_FILE_TEST_EXISTS));
    d = ftp_test_client_epsv(c);
    g_assert_cmpint(ftp_test_client_cmd(c, "STOR /config/config.cfg", NULL), ==, 150);
    g_assert_cmpint(g_socket_send(d, "configure\n", 10, NULL, NULL), ==, 10);
    g_socket_close(d, NULL);
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    content = vl_test_read_file(saved, NULL);
    g_assert_cmpstr(content, ==, "configure\n");
    g_assert_cmpint(ftp_test_client_cmd(c, "MKD /config/rollback", NULL), ==, 257);
}

static void
test_reload(Fixture *f, gconstpointer data)
{
    g_autoptr(FtpTestClient) c1 = login(f, "vsim-1", "sw123");
    g_autoptr(FtpTestClient) c3 = NULL;
    g_autofree char *json = NULL;
    g_autofree char *got = NULL;
    int code = 0;

    /* Add a router and remove vsim-2 (as `up` of another lab and `down` would). */
    json = config_json(f, NULL,
                       ",\n    \"lab2/vsim-3\": {\"login\": \"vsim-3\", \"password_file\": "
                       "\"PW\", \"rules\": [{\"path\": \"/sros\", \"target\": \"/images/23.3\"}]}");
    {
        g_autofree char *pw_quoted = g_strdup_printf("\"%s\"", f->pw2);
        g_auto(GStrv) parts = g_strsplit(json, "\"PW\"", -1);
        g_free(json);
        json = g_strjoinv(pw_quoted, parts);
    }
    {
        /* Drop vsim-2 by renaming its login. */
        g_auto(GStrv) parts = g_strsplit(json, "\"login\": \"vsim-2\"", -1);
        g_free(json);
        json = g_strjoinv("\"login\": \"vsim-2-gone\"", parts);
    }
    vl_test_write_file(f->cfg, json, -1, 0644);
    g_subprocess_send_signal(f->proxy->proc, SIGHUP);
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "configuration reloaded: 3 routers", 5000));
    /* The running session goes on. */
    got = retr(c1, "/i386-boot.tim");
    g_assert_cmpstr(got, ==, "boot 22.10\n");
    c3 = login(f, "vsim-3", "other");
    g_clear_pointer(&got, g_free);
    got = retr(c3, "/sros/i386-boot.tim");
    g_assert_cmpstr(got, ==, "boot 23.3\n");
    {
        g_autoptr(FtpTestClient) c = ftp_test_client_new(f->proxy->port, &code);
        g_assert_cmpint(ftp_test_client_login(c, "vsim-2", "other"), ==, 530);
    }
    /* A broken file is refused and the running configuration kept. */
    vl_test_write_file(f->cfg, "{ \"backends\": ", -1, 0644);
    g_subprocess_send_signal(f->proxy->proc, SIGHUP);
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "reload failed, keeping", 5000));
    {
        g_autoptr(FtpTestClient) c = login(f, "vsim-3", "other");
        g_assert_cmpint(ftp_test_client_cmd(c, "SIZE /sros/i386-boot.tim", NULL), ==, 213);
    }
    g_assert_cmpint(ftp_test_client_cmd(c1, "NOOP", NULL), ==, 200);
}

static void
test_stop_with_sessions(Fixture *f, gconstpointer data)
{
    g_autoptr(FtpTestClient) c1 = login(f, "vsim-1", "sw123");
    gint64 start = g_get_monotonic_time();

    /* SIGTERM with a session open: the session ends, the proxy exits 0, quickly. */
    ftp_test_proxy_stop(f->proxy);
    f->proxy = NULL;
    g_assert_cmpint(g_get_monotonic_time() - start, <, 4 * G_USEC_PER_SEC);
    g_assert_cmpint(ftp_test_client_cmd(c1, "NOOP", NULL), ==, -1);
}

static void
test_limits(Fixture *f, gconstpointer data)
{
    g_autoptr(FtpTestClient) c1 = login(f, "vsim-1", "sw123");
    g_autoptr(FtpTestClient) c2 = NULL;
    g_autoptr(FtpTestClient) c3 = NULL;
    int code = 0;

    /* max_sessions_per_router 1 */
    c2 = ftp_test_client_new(f->proxy->port, &code);
    g_assert_cmpint(code, ==, 220);
    g_assert_cmpint(ftp_test_client_login(c2, "vsim-1", "sw123"), ==, 421);
    g_clear_pointer(&c2, ftp_test_client_free);
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "has 1 sessions already", 5000));
    /* max_sessions 2 */
    c2 = login(f, "vsim-2", "other");
    c3 = ftp_test_client_new(f->proxy->port, &code);
    g_assert_cmpint(code, ==, 421);
    g_clear_pointer(&c3, ftp_test_client_free);
    /* A session that ends frees its place. */
    g_assert_cmpint(ftp_test_client_cmd(c2, "QUIT", NULL), ==, 221);
    g_clear_pointer(&c2, ftp_test_client_free);
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "vsim-2: closed", 5000));
    c3 = connect_when_free(f, &code);
    g_assert_cmpint(code, ==, 220);
}

static void
test_timeouts(Fixture *f, gconstpointer data)
{
    g_autoptr(FtpTestClient) c1 = login(f, "vsim-1", "sw123");
    g_autoptr(FtpTestClient) c2 = NULL;
    g_autoptr(GSocket) d = NULL;
    int code = 0;
    gint64 start = g_get_monotonic_time();

    /* idle 1 s after login */
    g_assert_cmpint(ftp_test_client_reply(c1, NULL), ==, 421);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
    /* login 1 s before login */
    c2 = ftp_test_client_new(f->proxy->port, &code);
    g_assert_cmpint(code, ==, 220);
    g_assert_cmpint(ftp_test_client_reply(c2, NULL), ==, 421);
    g_clear_pointer(&c2, ftp_test_client_free);
    /* data 1 s: a passive listener nobody connects to */
    c2 = login(f, "vsim-2", "other");
    g_assert_cmpint(ftp_test_client_cmd(c2, "PASV", NULL), ==, 227);
    g_assert_cmpint(ftp_test_client_cmd(c2, "RETR /i386-boot.tim", NULL), ==, 425);
    g_assert_true(ftp_test_proxy_wait_log(f->proxy, "timed out", 5000));
}

/* Runs the launcher with @args. Return: its exit status; *@err its stderr. */
static int
run_proxy(const char *const *args, char **err)
{
    g_autofree char *exe = ftp_test_build_path("ftp-proxy-run");
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    g_ptr_array_add(argv, exe);
    for (guint i = 0; args[i]; i++)
        g_ptr_array_add(argv, (gpointer)args[i]);
    g_ptr_array_add(argv, NULL);
    return ftp_test_run((const char *const *)argv->pdata, NULL, NULL, err);
}

static void
test_errors(void)
{
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *pw = g_build_filename(dir, "pw", NULL);
    g_autofree char *cfg = g_build_filename(dir, "ftp.json", NULL);
    g_autofree char *json = NULL;
    g_autofree char *err = NULL;
    struct {
        const char *json;
        const char *message;
    } bad[] = {
        {"{\"backends\": {}, \"routers\": {}, \"extra\": 1}", "ftp.json: extra: unknown member"},
        {"{\"backends\": {\"b\": {\"type\": \"nfs\"}}, \"routers\": {}}",
         "backends.b.type: 'nfs' is not a backend type"},
        {"{\"backends\": {\"b\": {\"type\": \"local\"}}, \"routers\": {\"r\": {\"login\": \"x\", "
         "\"password\": \"p\", \"rules\": [{\"path\": \"/\", \"backend\": \"c\", \"target\": "
         "\"/\"}]}}}",
         "backend 'c' is not defined"},
        {"{\"backends\": {\"b\": {\"type\": \"sftp\", \"host\": \"h\", \"user\": \"u\", "
         "\"password\": \"p\"}}, \"routers\": {}}",
         "backends.b.known_hosts: missing"},
        {"{\"backends\": {\"b\": {\"type\": \"sftp\", \"host\": \"h\", \"user\": \"u\", "
         "\"password\": \"p\", \"known_hosts\": \"kh\", \"max_connections\": 0}}, "
         "\"routers\": {}}",
         "backends.b.max_connections: 0 is out of range 1-64"},
        {"{\"backends\": {\"b\": {\"type\": \"local\"}}, \"routers\": {\"r\": {\"login\": \"x\", "
         "\"password\": \"p\", \"config\": {}}}}",
         "set lab and vsim"},
        {"{\"backends\": {\"b\": {\"type\": \"local\"}}, \"routers\": ", "ftp.json: "},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        const char *args[] = {"--config", cfg, "--foreground", NULL};
        vl_test_write_file(cfg, bad[i].json, -1, 0600);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_proxy(args, &err), ==, 2);
        if (!strstr(err, bad[i].message))
            g_error("case %zu: expected '%s' in: %s", i, bad[i].message, err);
    }
    /* Passwords: a password file others can read is refused... */
    vl_test_write_file(pw, "pw\n", -1, 0644);
    {
        const char *args[] = {"--listen", "127.0.0.1:0",     "--root", dir, "--user",
                              "u",        "--password-file", pw,       NULL};
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_proxy(args, &err), ==, 2);
        g_assert_nonnull(strstr(err, "is readable by others (mode 0644)"));
    }
    /* ... and so is a world-readable config holding an inline password. */
    json = g_strdup_printf("{\"backends\": {\"b\": {\"type\": \"local\"}}, \"routers\": {\"r\": "
                           "{\"login\": \"x\", \"password\": \"p\", \"rules\": [{\"path\": "
                           "\"/\", \"target\": \"%s\"}]}}}",
                           dir);
    vl_test_write_file(cfg, json, -1, 0644);
    {
        const char *args[] = {"--config", cfg, "--foreground", NULL};
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_proxy(args, &err), ==, 2);
        g_assert_nonnull(strstr(err, "holds passwords but is readable by others"));
    }
    /* Usage errors. */
    {
        const char *args[] = {"--listen", "127.0.0.1:0", NULL};
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_proxy(args, &err), ==, 2);
        g_assert_nonnull(strstr(err, "give --config FILE or --root DIR"));
    }
    {
        const char *args[] = {"--root", dir, "--listen", "127.0.0.1:99999", NULL};
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_proxy(args, &err), ==, 2);
        g_assert_nonnull(strstr(err, "is not ADDR:PORT"));
    }
    vl_test_rmtree(dir);
}

static void
test_daemon(void)
{
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *cfg = g_build_filename(dir, "ftp.json", NULL);
    g_autofree char *pid_file = g_build_filename(dir, "ftp.pid", NULL);
    g_autofree char *port_file = g_build_filename(dir, "port", NULL);
    g_autofree char *log_file = g_build_filename(dir, "ftp-proxy.log", NULL);
    g_autofree char *json = NULL;
    g_autofree char *pid_text = NULL;
    g_autofree char *port_text = NULL;
    g_autofree char *log = NULL;
    g_autofree char *err = NULL;
    const char *args[] = {"--config", cfg,           "--listen", "127.0.0.1:0", "--pid-file",
                          pid_file,   "--port-file", port_file,  NULL};
    gboolean gone = FALSE;
    int code = 0;
    GPid pid;

    json = g_strdup_printf("{\"backends\": {\"b\": {\"type\": \"local\"}}, \"routers\": {}}");
    vl_test_write_file(cfg, json, -1, 0644);
    /* Without --foreground: returns 0 once the detached proxy listens. */
    g_assert_cmpint(run_proxy(args, &err), ==, 0);
    pid_text = vl_test_read_file(pid_file, NULL);
    port_text = vl_test_read_file(port_file, NULL);
    g_assert_nonnull(pid_text);
    g_assert_nonnull(port_text);
    pid = (GPid)atoi(pid_text);
    g_assert_cmpint(pid, >, 1);
    {
        g_autoptr(FtpTestClient) c = ftp_test_client_new((guint16)atoi(port_text), &code);
        g_assert_cmpint(code, ==, 220);
        /* No router: every login fails. */
        g_assert_cmpint(ftp_test_client_login(c, "x", "y"), ==, 530);
    }
    g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
    for (int i = 0; i < 500 && !gone; i++) {
        gone = !g_file_test(pid_file, G_FILE_TEST_EXISTS);
        g_usleep(20 * 1000);
    }
    g_assert_true(gone);
    log = vl_test_read_file(log_file, NULL);
    g_assert_nonnull(log);
    g_assert_nonnull(strstr(log, "login failed for 'x'"));
    g_assert_nonnull(strstr(log, "stopped"));
    vl_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, extra, func)                                                                     \
    g_test_add(path, Fixture, extra, fixture_setup, func, fixture_teardown)
    ADD("/ftp/config/translation", NULL, test_translation);
    ADD("/ftp/config/config-folder", NULL, test_config_folder);
    ADD("/ftp/config/reload", NULL, test_reload);
    ADD("/ftp/config/stop-with-sessions", NULL, test_stop_with_sessions);
    ADD("/ftp/config/limits", "\"limits\": {\"max_sessions\": 2, \"max_sessions_per_router\": 1},",
        test_limits);
    ADD("/ftp/config/timeouts", "\"timeouts\": {\"idle\": 1, \"login\": 1, \"data\": 1},",
        test_timeouts);
#undef ADD
    g_test_add_func("/ftp/config/errors", test_errors);
    g_test_add_func("/ftp/config/daemon", test_daemon);
    return g_test_run();
}
