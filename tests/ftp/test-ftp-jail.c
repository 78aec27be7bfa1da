/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ftp-jail.c - attempts to leave a router's tree through the FTP proxy and the jail fd
 * resolver, all refused, also with links swapped in while the proxy works */
#include "ftp-test-util.h"
#include "vl-ftp-jail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

    f->dir = vl_test_mkdtemp();
    r1 = g_build_filename(f->dir, "r1", NULL);
    up = g_build_filename(r1, "up", NULL);
    f->r2 = g_build_filename(f->dir, "r2", NULL);
    f->outside = g_build_filename(f->dir, "outside", NULL);
    p = g_build_filename(r1, "a.txt", NULL);
    vl_test_write_file(p, "hello\n", -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(up, "keep.txt", NULL);
    vl_test_write_file(p, "keep\n", -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(f->r2, "r2.txt", NULL);
    vl_test_write_file(p, "router two\n", -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(f->outside, "secret.txt", NULL);
    vl_test_write_file(p, SECRET, -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(f->outside, "target.txt", NULL);
    vl_test_write_file(p, TARGET, -1, 0644);
    make_link("../outside", r1, "evil");
    make_link("../outside/secret.txt", r1, "evil-file");
    make_link(f->outside, r1, "evil-abs");
    make_link("../r2", r1, "to-r2");
    make_link("a.txt", r1, "ok-link");
    make_link("../../outside", up, "evil-dir");
    make_link("../../outside/target.txt", up, "evil-link");
    pw1 = g_build_filename(f->dir, "pw1", NULL);
    pw2 = g_build_filename(f->dir, "pw2", NULL);
    vl_test_write_file(pw1, "pass1\n", -1, 0600);
    vl_test_write_file(pw2, "pass2\n", -1, 0600);
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
    secret = vl_test_read_file(sp, NULL);
    target = vl_test_read_file(tp, NULL);
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

/* Opens @rel in the jail @root_fd with openat2 (@walk 0) or the O_NOFOLLOW walk (@walk 1). */
static int
jail_open(gboolean walk, int root_fd, const char *rel, int flags)
{
    return walk ? vl_ftp_jail_walk(root_fd, rel, flags) : vl_ftp_jail_open(root_fd, rel, flags);
}

/* Return: (transfer full): what @fd holds (at most 255 bytes); closes @fd. */
static char *
read_fd(int fd)
{
    char buf[256];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);

    close(fd);
    g_assert_cmpint(n, >=, 0);
    return g_strndup(buf, (gsize)n);
}

typedef struct {
    const char *rel;
    int expect; /* 0: opens and reads @content; else the negative errno */
    const char *content;
} FdCase;

static void
test_fd_links(gconstpointer data)
{
    gboolean walk = GPOINTER_TO_INT(data);
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *jail = g_build_filename(dir, "jail", NULL);
    g_autofree char *sub = g_build_filename(jail, "sub", NULL);
    g_autofree char *outside = g_build_filename(dir, "outside", NULL);
    g_autofree char *p = g_build_filename(sub, "b.txt", NULL);
    g_autofree char *abs_out = NULL;
    const FdCase cases[] = {
        {"sub/b.txt", 0, "inside b\n"},
        {"in-rel", 0, "inside b\n"},
        {"in-abs", 0, "inside b\n"},           /* "/sub/b.txt": "/" is the jail */
        {"sub/up/sub/b.txt", 0, "inside b\n"}, /* "sub/up" -> ".." of sub: the jail */
        {"dots/sub/b.txt", 0, "inside b\n"},   /* "../../.." stops at the jail */
        {"out-rel", -ENOENT, NULL},
        {"out-abs", -ENOENT, NULL},
        {"out-dir/secret.txt", -ENOENT, NULL},
        {"dots/outside/secret.txt", -ENOENT, NULL},
        {"loop1", -ELOOP, NULL},
        {"sub/b.txt/x", -ENOTDIR, NULL},
        {"missing", -ENOENT, NULL},
    };
    int root_fd;

    vl_test_write_file(p, "inside b\n", -1, 0644);
    g_clear_pointer(&p, g_free);
    p = g_build_filename(outside, "secret.txt", NULL);
    vl_test_write_file(p, SECRET, -1, 0644);
    abs_out = g_build_filename(outside, "secret.txt", NULL);
    make_link("sub/b.txt", jail, "in-rel");
    make_link("/sub/b.txt", jail, "in-abs");
    make_link("..", sub, "up");
    make_link("../../..", jail, "dots");
    make_link("../outside/secret.txt", jail, "out-rel");
    make_link(abs_out, jail, "out-abs");
    make_link(outside, jail, "out-dir");
    make_link("loop2", jail, "loop1");
    make_link("loop1", jail, "loop2");
    root_fd = open(jail, O_PATH | O_DIRECTORY | O_CLOEXEC);
    g_assert_cmpint(root_fd, >=, 0);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        int fd = jail_open(walk, root_fd, cases[i].rel, O_RDONLY);
        if (cases[i].expect == 0) {
            g_autofree char *got = NULL;
            if (fd < 0)
                g_error("'%s': expected to open, got %s", cases[i].rel, g_strerror(-fd));
            got = read_fd(fd);
            g_assert_cmpstr(got, ==, cases[i].content);
        } else if (fd != cases[i].expect) {
            g_autofree char *got = fd >= 0 ? read_fd(fd) : NULL;
            g_error("'%s': expected %s, got %d (%s) '%s'", cases[i].rel,
                    g_strerror(-cases[i].expect), fd, fd < 0 ? g_strerror(-fd) : "opened",
                    got ? got : "");
        }
    }
    {
        /* O_NOFOLLOW | O_PATH: the link itself; "" and "sub/.." the jail folder. */
        struct stat st;
        int fd = jail_open(walk, root_fd, "out-abs", O_PATH | O_NOFOLLOW);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(fstat(fd, &st), ==, 0);
        g_assert_true(S_ISLNK(st.st_mode));
        close(fd);
        fd = jail_open(walk, root_fd, "", O_RDONLY | O_DIRECTORY);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(fstatat(fd, "in-rel", &st, AT_SYMLINK_NOFOLLOW), ==, 0);
        close(fd);
        fd = jail_open(walk, root_fd, "out-rel", O_RDONLY | O_NOFOLLOW);
        g_assert_cmpint(fd, ==, -ELOOP);
    }
    close(root_fd);
    vl_test_rmtree(dir);
}

typedef struct {
    char *a; /* swapped with b again and again */
    char *b;
    gint stop;
    guint swaps;
} Swapper;

static gpointer
swapper_thread(gpointer data)
{
    Swapper *s = data;

    while (!g_atomic_int_get(&s->stop)) {
        g_assert_cmpint(renameat2(AT_FDCWD, s->a, AT_FDCWD, s->b, RENAME_EXCHANGE), ==, 0);
        s->swaps++;
    }
    return NULL;
}

/* A folder "flip" inside and a link "flip-alt" to the outside folder, exchanged atomically. */
static Swapper *
swapper_start(const char *parent, const char *outside, GThread **thread)
{
    Swapper *s = g_new0(Swapper, 1);
    g_autofree char *p = NULL;

    s->a = g_build_filename(parent, "flip", NULL);
    s->b = g_build_filename(parent, "flip-alt", NULL);
    p = g_build_filename(s->a, "secret.txt", NULL);
    vl_test_write_file(p, "inside\n", -1, 0644);
    g_assert_cmpint(symlink(outside, s->b), ==, 0);
    *thread = g_thread_new("swap", swapper_thread, s);
    return s;
}

static void
swapper_stop(Swapper *s, GThread *thread)
{
    g_atomic_int_set(&s->stop, 1);
    g_thread_join(thread);
    g_assert_cmpuint(s->swaps, >, 0);
    g_free(s->a);
    g_free(s->b);
    g_free(s);
}

static void
test_fd_race(gconstpointer data)
{
    gboolean walk = GPOINTER_TO_INT(data);
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *jail = g_build_filename(dir, "jail", NULL);
    g_autofree char *outside = g_build_filename(dir, "outside", NULL);
    g_autofree char *p = g_build_filename(outside, "secret.txt", NULL);
    gint64 end = g_get_monotonic_time() + G_USEC_PER_SEC;
    guint inside = 0, refused = 0;
    GThread *thread = NULL;
    Swapper *s;
    int root_fd;

    vl_test_write_file(p, SECRET, -1, 0644);
    g_assert_cmpint(g_mkdir_with_parents(jail, 0755), ==, 0);
    s = swapper_start(jail, outside, &thread);
    root_fd = open(jail, O_PATH | O_DIRECTORY | O_CLOEXEC);
    g_assert_cmpint(root_fd, >=, 0);
    while (g_get_monotonic_time() < end) {
        int fd = jail_open(walk, root_fd, "flip/secret.txt", O_RDONLY);
        g_autofree char *got = NULL;
        if (fd < 0) {
            refused++;
            continue;
        }
        got = read_fd(fd);
        g_assert_cmpstr(got, ==, "inside\n");
        inside++;
    }
    swapper_stop(s, thread);
    close(root_fd);
    /* Both states were seen, so the race was really run. */
    g_test_message("inside %u, refused %u", inside, refused);
    g_assert_cmpuint(inside, >, 0);
    g_assert_cmpuint(refused, >, 0);
    vl_test_rmtree(dir);
}

/* RETR through a folder that is exchanged with a link to the outside while the proxy works. */
static void
test_race_retr(Fixture *f, gconstpointer data)
{
    int code = 0;
    g_autoptr(FtpTestClient) c = ftp_test_client_new(f->proxy->port, &code);
    g_autofree char *up = g_build_filename(f->dir, "r1", "up", NULL);
    gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
    guint inside = 0, tries = 0;
    GThread *thread = NULL;
    Swapper *s;

    g_assert_cmpint(ftp_test_client_login(c, "r1", "pass1"), ==, 230);
    s = swapper_start(up, f->outside, &thread);
    while (g_get_monotonic_time() < end && tries < 400) {
        g_autoptr(GSocket) d = ftp_test_client_epsv(c);
        g_autoptr(GBytes) got = NULL;

        tries++;
        code = ftp_test_client_cmd(c, "RETR up/flip/secret.txt", NULL);
        if (code != 150) {
            g_assert_cmpint(code, ==, 550);
            continue;
        }
        got = ftp_test_data_read_all(d);
        g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
        g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), "inside\n", 7);
        inside++;
    }
    swapper_stop(s, thread);
    g_test_message("%u RETRs, %u served from inside", tries, inside);
    g_assert_cmpuint(inside, >, 0);
    {
        /* Leave the fixture's checks a tree without the flip pair. */
        g_autofree char *a = g_build_filename(up, "flip", NULL);
        g_autofree char *b = g_build_filename(up, "flip-alt", NULL);
        vl_test_rmtree(a);
        vl_test_rmtree(b);
    }
    assert_outside_untouched(f);
}

/* Return: the name of the first ".*.vlftp-*" file in @dir, waiting (bounded) for it. */
static char *
wait_temp_file(const char *dir)
{
    for (int i = 0; i < 500; i++) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d)))
            if (strstr(name, ".vlftp-"))
                return g_strdup(name);
        g_usleep(10 * 1000);
    }
    return NULL;
}

/* An upload lands in the folder it started in, even when that folder's path becomes a link
 * to the outside before the upload completes (the commit is a renameat on the folder's fd). */
static void
test_race_stor(Fixture *f, gconstpointer data)
{
    int code = 0;
    g_autoptr(FtpTestClient) c = ftp_test_client_new(f->proxy->port, &code);
    g_autofree char *sub = g_build_filename(f->dir, "r1", "up", "sub", NULL);
    g_autofree char *moved = g_build_filename(f->dir, "r1", "up", "sub-old", NULL);
    g_autofree char *landed = g_build_filename(moved, "new.txt", NULL);
    g_autofree char *temp = NULL;
    g_autofree char *got = NULL;
    g_autoptr(GSocket) d = NULL;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(g_mkdir_with_parents(sub, 0755), ==, 0);
    g_assert_cmpint(ftp_test_client_login(c, "r1", "pass1"), ==, 230);
    d = ftp_test_client_epsv(c);
    g_assert_cmpint(ftp_test_client_cmd(c, "STOR up/sub/new.txt", NULL), ==, 150);
    g_assert_cmpint(g_socket_send(d, "first half, ", 12, NULL, &err), ==, 12);
    temp = wait_temp_file(sub);
    g_assert_nonnull(temp);
    /* Swap: the folder moves away and its name now leads out of the jail. */
    g_assert_cmpint(rename(sub, moved), ==, 0);
    g_assert_cmpint(symlink(f->outside, sub), ==, 0);
    g_assert_cmpint(g_socket_send(d, "second half\n", 12, NULL, &err), ==, 12);
    g_assert_true(g_socket_close(d, &err));
    g_assert_cmpint(ftp_test_client_reply(c, NULL), ==, 226);
    got = vl_test_read_file(landed, NULL);
    g_assert_cmpstr(got, ==, "first half, second half\n");
    g_assert_cmpint(unlink(sub), ==, 0);
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
    ADD("/ftp/jail/race/retr-swapped-dir", test_race_retr);
    ADD("/ftp/jail/race/stor-commits-where-it-started", test_race_stor);
#undef ADD
    g_test_add_data_func("/ftp/jail/fd/openat2/links", GINT_TO_POINTER(0), test_fd_links);
    g_test_add_data_func("/ftp/jail/fd/walk/links", GINT_TO_POINTER(1), test_fd_links);
    g_test_add_data_func("/ftp/jail/fd/openat2/swap-race", GINT_TO_POINTER(0), test_fd_race);
    g_test_add_data_func("/ftp/jail/fd/walk/swap-race", GINT_TO_POINTER(1), test_fd_race);
    return g_test_run();
}
