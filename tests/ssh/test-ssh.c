/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ssh.c - vl_ssh_check_login() and vl_ssh_exec() against a real OpenSSH sshd on 127.0.0.1 */
#include "vl-error.h"
#include "vl-ssh.h"
#include "vl-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The program runs as root (as CI does): it creates a throw-away local user with a random
 * password (useradd + chpasswd), host keys and sshd configs in a temp folder, and starts
 * /usr/sbin/sshd -D on 127.0.0.1 at a free port. A watchdog shell, holding the read end of a pipe
 * only this process writes to, kills every sshd, deletes the user and removes the temp folder
 * once that pipe closes, so cleanup also happens when an assertion aborts the program. Without
 * root or sshd the cases needing a server are skipped, saying why.
 */

#define SSHD_PATH     "/usr/sbin/sshd"
#define SSHD_START_MS 5000
#define TIMEOUT_MS    10000

typedef struct {
    const char *name; /* "main" (password) or "kbd" (keyboard-interactive via PAM) */
    gboolean kbd_only;
    GPid pid;
    guint port;
    char *log;
} Sshd;

static struct {
    char *dir; /* host keys, configs, logs, pid files */
    char *user;
    char *password;
    char *key_a; /* host key files (private; .pub next to them) */
    char *key_b;
    char *key_ecdsa;
    char *skip;   /* why the server cases cannot run here (not root, no sshd), or NULL */
    char *broken; /* why the server could not be set up although it should have been */
    int watchdog_fd;
    guint starts; /* sshd starts so far, to name their logs */
    Sshd main;
} g;

typedef struct {
    char *dir;
    char *known_hosts;
} Fixture;

/* Runs @argv (bounded by the tools themselves), asserting success unless @may_fail. */
static gboolean
run(const char *const *argv, gboolean may_fail)
{
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, NULL, &err, &status, &error)) {
        if (!may_fail)
            g_error("cannot run %s: %s", argv[0], error->message);
        return FALSE;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        if (!may_fail)
            g_error("%s failed: %s", argv[0], err);
        return FALSE;
    }
    return TRUE;
}

/* Return: (transfer full): the base64 key blob of an OpenSSH .pub file. */
static char *
pub_blob(const char *key)
{
    g_autofree char *path = g_strconcat(key, ".pub", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    fields = g_strsplit(g_strstrip(text), " ", 3);
    g_assert_cmpuint(g_strv_length(fields), >=, 2);
    return g_strdup(fields[1]);
}

/* Return: (transfer full): the content of @path, or NULL if it cannot be read. */
static char *
slurp(const char *path)
{
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return text;
}

/* Detaches the watchdog from the test's session, so a group kill of the test spares it. */
static void
watchdog_setup(gpointer data)
{
    setsid();
}

/* Starts the watchdog that cleans up after this process, however it ends. */
static void
watchdog_start(void)
{
    const char *script = "cat >/dev/null; "
                         "for f in \"$1\"/*.pid; do [ -f \"$f\" ] && kill \"$(cat \"$f\")\"; done; "
                         "/usr/sbin/userdel -f \"$2\"; rm -rf \"$1\"";
    const char *argv[] = {"/bin/sh", "-c", script, "watchdog", g.dir, g.user, NULL};
    g_autoptr(GError) error = NULL;
    GPid pid;

    g_assert_true(g_spawn_async_with_pipes(
        NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
        watchdog_setup, NULL, &pid, &g.watchdog_fd, NULL, NULL, &error));
    g_assert_no_error(error);
    g_spawn_close_pid(pid);
}

/* Writes the config of @s with host key @key. Return: (transfer full): its path. */
static char *
sshd_config(const Sshd *s, const char *key)
{
    g_autofree char *path = g_strdup_printf("%s/sshd-%s.conf", g.dir, s->name);
    g_autofree char *text =
        g_strdup_printf("Port %u\n"
                        "ListenAddress 127.0.0.1\n"
                        "HostKey %s\n"
                        "PidFile %s/sshd-%s.pid\n"
                        "PasswordAuthentication %s\n"
                        "KbdInteractiveAuthentication %s\n"
                        "UsePAM %s\n"
                        "PubkeyAuthentication no\n"
                        "PermitRootLogin no\n"
                        "AllowUsers %s\n"
                        "StrictModes no\n"
                        "MaxStartups 100\n"
                        "LogLevel VERBOSE\n",
                        s->port, key, g.dir, s->name, s->kbd_only ? "no" : "yes",
                        s->kbd_only ? "yes" : "no", s->kbd_only ? "yes" : "no", g.user);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return g_steal_pointer(&path);
}

/* Stops @s (SIGTERM, then SIGKILL after 3 s) and reaps it. */
static void
sshd_stop(Sshd *s)
{
    g_autofree char *pidfile = g_strdup_printf("%s/sshd-%s.pid", g.dir, s->name);
    g_autofree char *spawned = NULL;
    int status;

    if (s->pid <= 0)
        return;
    spawned = g_strdup_printf("%s/spawned-%d.pid", g.dir, (int)s->pid);
    kill(s->pid, SIGTERM);
    for (int i = 0; i < 300 && waitpid(s->pid, &status, WNOHANG) == 0; i++) {
        if (i == 299) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
        }
        g_usleep(10000);
    }
    s->pid = 0;
    g_unlink(pidfile);
    g_unlink(spawned);
}

/*
 * Starts @s with host key @key on its port (a new free port if it has none, retrying when
 * another process took it) and waits until it listens.
 * Return: TRUE if it listens; FALSE with @why set.
 */
static gboolean
sshd_start(Sshd *s, const char *key, char **why)
{
    gboolean keep_port = s->port != 0;

    for (int attempt = 0; attempt < 5; attempt++) {
        g_autofree char *conf = NULL;
        g_autofree char *ready = NULL;
        g_autoptr(GError) error = NULL;
        const char *argv[] = {SSHD_PATH, "-D", "-e", "-f", NULL, NULL};
        gint64 deadline;
        int fd;

        if (!keep_port)
            s->port = vl_test_free_port();
        conf = sshd_config(s, key);
        argv[4] = conf;
        g_free(s->log);
        /* A new log per start, so an old "listening" line cannot mislead. */
        s->log = g_strdup_printf("%s/sshd-%s-%u.log", g.dir, s->name, ++g.starts);
        fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        g_assert_cmpint(fd, >=, 0);
        if (!g_spawn_async_with_fds(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                    NULL, &s->pid, -1, fd, fd, &error)) {
            close(fd);
            *why = g_strdup_printf("cannot start %s: %s", SSHD_PATH, error->message);
            return FALSE;
        }
        close(fd);
        {
            /* For the watchdog, before sshd writes its own pid file. */
            g_autofree char *spawned = g_strdup_printf("%s/spawned-%d.pid", g.dir, (int)s->pid);
            g_autofree char *pid = g_strdup_printf("%d\n", (int)s->pid);
            g_assert_true(g_file_set_contents(spawned, pid, -1, NULL));
        }
        ready = g_strdup_printf("Server listening on 127.0.0.1 port %u.", s->port);
        deadline = g_get_monotonic_time() + SSHD_START_MS * G_TIME_SPAN_MILLISECOND;
        while (g_get_monotonic_time() < deadline) {
            g_autofree char *log = slurp(s->log);
            int status;

            if (log && strstr(log, ready))
                return TRUE;
            if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
                g_autofree char *spawned = g_strdup_printf("%s/spawned-%d.pid", g.dir, (int)s->pid);
                g_unlink(spawned);
                s->pid = 0;
                if (log && strstr(log, "Address already in use"))
                    break; /* another process took the port: try another one */
                *why = g_strdup_printf("sshd exited at start: %s", log ? log : "");
                return FALSE;
            }
            g_usleep(10000);
        }
        if (s->pid) {
            sshd_stop(s);
            *why = g_strdup_printf("sshd did not listen within %d ms", SSHD_START_MS);
            return FALSE;
        }
        keep_port = FALSE;
    }
    *why = g_strdup("no free port for sshd after 5 attempts");
    return FALSE;
}

/* Return: (transfer full): the text @s logged after byte @from. */
static char *
sshd_log_since(const Sshd *s, gsize from)
{
    g_autofree char *log = slurp(s->log);

    if (!log || strlen(log) < from)
        return g_strdup("");
    return g_strdup(log + from);
}

/* Return: TRUE once @s logged @needle after byte @from, FALSE if not within 3 s. */
static gboolean
sshd_log_wait(const Sshd *s, gsize from, const char *needle)
{
    for (int i = 0; i < 300; i++) {
        g_autofree char *log = sshd_log_since(s, from);

        if (strstr(log, needle))
            return TRUE;
        g_usleep(10000);
    }
    return FALSE;
}

/* Return: the size of @s's log now. */
static gsize
sshd_log_size(const Sshd *s)
{
    g_autofree char *log = slurp(s->log);

    return log ? strlen(log) : 0;
}

/* Sets up the user, the host keys and the main sshd; on any lack, records why in g.skip. */
static void
server_setup(void)
{
    g_autofree char *pwline = NULL;
    char *why = NULL;

    if (geteuid() != 0) {
        g.skip = g_strdup("needs root (to create a throw-away user for sshd password logins)");
        return;
    }
    if (!g_file_test(SSHD_PATH, G_FILE_TEST_IS_EXECUTABLE)) {
        g.skip = g_strdup(SSHD_PATH " is not installed (package openssh-server)");
        return;
    }
    g.user = g_strdup_printf("vlssh%d", (int)getpid());
    g.password = g_strdup_printf("Pw-%08x%08x", g_random_int(), g_random_int());
    g.key_a = g_build_filename(g.dir, "hostkey-a", NULL);
    g.key_b = g_build_filename(g.dir, "hostkey-b", NULL);
    g.key_ecdsa = g_build_filename(g.dir, "hostkey-ecdsa", NULL);
    watchdog_start();
    {
        const char *useradd[] = {"/usr/sbin/useradd", "-M",   "-d", "/", "-s",
                                 "/bin/sh",           g.user, NULL};
        const char *keygen_a[] = {
            "/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", g.key_a, NULL};
        const char *keygen_b[] = {
            "/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", g.key_b, NULL};
        const char *keygen_c[] = {"/usr/bin/ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f",
                                  g.key_ecdsa,           NULL};

        pwline = g_strdup_printf("echo '%s:%s' | /usr/sbin/chpasswd", g.user, g.password);
        const char *chpasswd[] = {"/bin/sh", "-c", pwline, NULL};

        run(useradd, FALSE);
        run(chpasswd, FALSE);
        run(keygen_a, FALSE);
        run(keygen_b, FALSE);
        run(keygen_c, FALSE);
    }
    /* sshd refuses to start without its privilege separation folder. */
    g_mkdir_with_parents("/run/sshd", 0755);
    g.main.name = "main";
    if (!sshd_start(&g.main, g.key_a, &why))
        g.broken = why; /* every server case fails with this reason */
}

/* Stops the server, deletes the user and the temp folder. */
static void
server_teardown(void)
{
    sshd_stop(&g.main);
    if (g.user) {
        const char *userdel[] = {"/usr/sbin/userdel", "-f", g.user, NULL};
        run(userdel, TRUE);
    }
    vl_test_rmtree(g.dir);
    if (g.watchdog_fd > 0)
        close(g.watchdog_fd); /* the watchdog finds nothing left to do */
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    f->dir = g_build_filename(g.dir, "case-XXXXXX", NULL);
    g_assert_nonnull(g_mkdtemp(f->dir));
    f->known_hosts = g_build_filename(f->dir, "known_hosts", NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    vl_test_rmtree(f->dir);
    g_free(f->dir);
    g_free(f->known_hosts);
}

/* Return: TRUE if the server cases can run; else marks the case skipped or failed. */
static gboolean
need_server(void)
{
    if (g.skip) {
        g_test_skip(g.skip);
        return FALSE;
    }
    if (g.broken) {
        g_test_fail_printf("the test sshd could not be started: %s", g.broken);
        return FALSE;
    }
    return TRUE;
}

/* Return: a target for the main sshd with the fixture's known_hosts. */
static VlSshTarget
target(const Fixture *f)
{
    return (VlSshTarget){.host = "127.0.0.1",
                         .port = g.main.port,
                         .user = g.user,
                         .password = g.password,
                         .known_hosts = f->known_hosts,
                         .timeout_ms = TIMEOUT_MS};
}

static void
test_login_ok(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VlSshTarget t;
    gboolean ok;
    gboolean recorded = FALSE;

    if (!need_server())
        return;
    t = target(f);
    ok = vl_ssh_check_login(&t, &recorded, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_true(recorded);
    /* Again, with the key now known. */
    ok = vl_ssh_check_login(&t, &recorded, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_false(recorded);
}

static void
test_login_bad_password(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *port = NULL;
    VlSshTarget t;

    if (!need_server())
        return;
    t = target(f);
    t.password = "wrong-Password-42";
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_FAILED);
    port = g_strdup_printf("127.0.0.1:%u", g.main.port);
    g_assert_nonnull(strstr(error->message, port));
    g_assert_nonnull(strstr(error->message, g.user));
    g_assert_null(strstr(error->message, t.password));
}

static void
test_login_kbd_interactive(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *why = NULL;
    g_autofree char *log = NULL;
    Sshd kbd = {.name = "kbd", .kbd_only = TRUE};
    VlSshTarget t;
    gboolean ok;

    if (!need_server())
        return;
    g_assert_true(sshd_start(&kbd, g.key_a, &why));
    t = target(f);
    t.port = kbd.port;
    ok = vl_ssh_check_login(&t, NULL, &error);
    if (!ok) {
        log = slurp(kbd.log);
        g_test_message("sshd log: %s", log);
    }
    g_assert_no_error(error);
    g_assert_true(ok);
    /* It really went through keyboard-interactive (this server offers nothing else). */
    g_assert_true(sshd_log_wait(&kbd, 0, "Accepted keyboard-interactive/pam for"));
    t.password = "wrong-Password-42";
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_FAILED);
    sshd_stop(&kbd);
    g_free(kbd.log);
}

static void
test_login_refused_port(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VlSshTarget t = {.host = "127.0.0.1",
                     .port = vl_test_free_port(),
                     .user = "nobody",
                     .password = "x",
                     .known_hosts = f->known_hosts,
                     .timeout_ms = 5000};
    gint64 start = g_get_monotonic_time();

    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
    g_assert_cmpint(g_get_monotonic_time() - start, <, G_TIME_SPAN_SECOND);
    g_assert_false(g_file_test(f->known_hosts, G_FILE_TEST_EXISTS));
}

static void
test_login_timeout(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocket) sock =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;
    VlSshTarget t = {.host = "127.0.0.1",
                     .user = "nobody",
                     .password = "x",
                     .known_hosts = f->known_hosts,
                     .timeout_ms = 500};
    gint64 start;
    gint64 took;

    /* The kernel completes the TCP handshake on the backlog; nobody ever answers. */
    g_assert_true(g_socket_bind(sock, any, FALSE, NULL));
    g_assert_true(g_socket_listen(sock, NULL));
    bound = g_socket_get_local_address(sock, NULL);
    t.port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    start = g_get_monotonic_time();
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    took = g_get_monotonic_time() - start;
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "timed out"));
    g_assert_cmpint(took, >=, 450 * G_TIME_SPAN_MILLISECOND);
    g_assert_cmpint(took, <, 1500 * G_TIME_SPAN_MILLISECOND);
}

typedef struct {
    VlSshTarget target;
    gboolean ok;
    gboolean recorded;
    char *message;
} LoginJob;

static gpointer
login_thread(gpointer data)
{
    LoginJob *job = data;
    g_autoptr(GError) error = NULL;

    job->ok = vl_ssh_check_login(&job->target, &job->recorded, &error);
    job->message = error ? g_strdup(error->message) : NULL;
    return NULL;
}

static void
test_login_parallel(Fixture *f, gconstpointer data)
{
    LoginJob jobs[6];
    GThread *threads[G_N_ELEMENTS(jobs)];
    g_autofree char *content = NULL;
    g_auto(GStrv) lines = NULL;
    guint recorded = 0;

    if (!need_server())
        return;
    for (guint i = 0; i < G_N_ELEMENTS(jobs); i++) {
        jobs[i] = (LoginJob){.target = target(f)};
        threads[i] = g_thread_new("login", login_thread, &jobs[i]);
    }
    for (guint i = 0; i < G_N_ELEMENTS(jobs); i++) {
        g_thread_join(threads[i]);
        g_assert_cmpstr(jobs[i].message, ==, NULL);
        g_assert_true(jobs[i].ok);
        recorded += jobs[i].recorded ? 1 : 0;
        g_free(jobs[i].message);
    }
    /* The key was recorded once, by one of them. */
    g_assert_cmpuint(recorded, ==, 1);
    content = slurp(f->known_hosts);
    g_assert_nonnull(content);
    lines = g_strsplit(g_strchomp(content), "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 1);
}

static void
test_hostkey_tofu_records(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *blob = NULL;
    g_autofree char *expect = NULL;
    g_autofree char *content = NULL;
    g_autofree char *again = NULL;
    VlSshTarget t;
    gboolean ok;
    gboolean recorded = FALSE;
    struct stat st;

    if (!need_server())
        return;
    blob = pub_blob(g.key_a);
    g_assert_false(g_file_test(f->known_hosts, G_FILE_TEST_EXISTS));
    t = target(f);
    ok = vl_ssh_check_login(&t, &recorded, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_true(recorded);
    g_assert_cmpint(g_stat(f->known_hosts, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
    content = slurp(f->known_hosts);
    expect = g_strdup_printf("[127.0.0.1]:%u ssh-ed25519 %s\n", g.main.port, blob);
    g_assert_cmpstr(content, ==, expect);
    /* Known now: nothing recorded, file unchanged. */
    ok = vl_ssh_check_login(&t, &recorded, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_false(recorded);
    again = slurp(f->known_hosts);
    g_assert_cmpstr(again, ==, content);
}

static void
test_hostkey_tofu_appends(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *blob_b = NULL;
    g_autofree char *before = NULL;
    g_autofree char *content = NULL;
    g_autofree char *entry = NULL;
    VlSshTarget t;
    gboolean ok;
    gboolean recorded = FALSE;

    if (!need_server())
        return;
    /* Other hosts' lines (and a missing final newline) are kept byte for byte. */
    blob_b = pub_blob(g.key_b);
    before = g_strdup_printf("# lab hosts\n[127.0.0.1]:1 ssh-ed25519 %s", blob_b);
    g_assert_true(g_file_set_contents(f->known_hosts, before, -1, NULL));
    t = target(f);
    ok = vl_ssh_check_login(&t, &recorded, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_true(recorded);
    content = slurp(f->known_hosts);
    g_assert_true(g_str_has_prefix(content, before));
    entry = g_strdup_printf("\n[127.0.0.1]:%u ssh-ed25519 ", g.main.port);
    g_assert_nonnull(strstr(content + strlen(before), entry));
}

static void
test_hostkey_changed_refused(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *hostport = NULL;
    g_autofree char *why = NULL;
    g_autofree char *log = NULL;
    VlSshTarget t;
    gboolean ok;
    struct stat st;
    gsize log_from;

    if (!need_server())
        return;
    t = target(f);
    ok = vl_ssh_check_login(&t, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    before = slurp(f->known_hosts);
    g_assert_nonnull(before);

    /* Same host and port, new host key. */
    sshd_stop(&g.main);
    g_assert_true(sshd_start(&g.main, g.key_b, &why));
    log_from = sshd_log_size(&g.main);
    t.port = g.main.port;
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    hostport = g_strdup_printf("127.0.0.1:%u", g.main.port);
    g_assert_nonnull(strstr(error->message, hostport));
    g_assert_nonnull(strstr(error->message, f->known_hosts));
    g_clear_error(&error);
    after = slurp(f->known_hosts);
    g_assert_cmpstr(after, ==, before);
    g_assert_cmpint(g_stat(f->known_hosts, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
    /* It did not go on to authenticate: the connection ended right after the key exchange. */
    g_assert_true(sshd_log_wait(&g.main, log_from, "Disconnected from"));
    log = sshd_log_since(&g.main, log_from);
    g_assert_null(strstr(log, "password for"));
    g_assert_null(strstr(log, "Accepted"));

    /* Also through vl_ssh_exec(). */
    g_assert_false(vl_ssh_exec(&t, "true", NULL, NULL, NULL, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);

    /* Back to the original key for the other cases. */
    sshd_stop(&g.main);
    g_clear_pointer(&why, g_free);
    g_assert_true(sshd_start(&g.main, g.key_a, &why));
}

static void
test_hostkey_type_changed_refused(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *blob = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    VlSshTarget t;

    if (!need_server())
        return;
    /* Only an ECDSA key is recorded; the server has only an Ed25519 one. */
    blob = pub_blob(g.key_ecdsa);
    before = g_strdup_printf("[127.0.0.1]:%u ecdsa-sha2-nistp256 %s\n", g.main.port, blob);
    g_assert_true(g_file_set_contents(f->known_hosts, before, -1, NULL));
    t = target(f);
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, f->known_hosts));
    after = slurp(f->known_hosts);
    g_assert_cmpstr(after, ==, before);
}

static void
test_hostkey_null_refused(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VlSshTarget t = {.host = "127.0.0.1",
                     .port = 22,
                     .user = "nobody",
                     .password = "x",
                     .known_hosts = NULL,
                     .timeout_ms = 5000};

    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "known_hosts"));
    g_clear_error(&error);
    g_assert_false(vl_ssh_exec(&t, "true", NULL, NULL, NULL, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
}

/* Checks that known_hosts @content ("PORT" replaced) fails the call with VL_ERROR_INVALID naming
 * @what. */
static void
check_known_hosts_refused(Fixture *f, const char *content, const char *what)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *after = NULL;
    /* Nothing listens there: failing with INVALID, not IO, shows it stopped before connecting. */
    VlSshTarget t = {.host = "127.0.0.1",
                     .port = vl_test_free_port(),
                     .user = "nobody",
                     .password = "x",
                     .known_hosts = f->known_hosts,
                     .timeout_ms = 5000};
    g_autoptr(GString) text = g_string_new(content);
    g_autofree char *port = g_strdup_printf("%u", t.port);

    g_string_replace(text, "PORT", port, 0);
    g_assert_true(g_file_set_contents(f->known_hosts, text->str, -1, NULL));
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, what));
    g_assert_nonnull(strstr(error->message, f->known_hosts));
    after = slurp(f->known_hosts);
    g_assert_cmpstr(after, ==, text->str);
}

static void
test_hostkey_unparseable_refused(Fixture *f, gconstpointer data)
{
    check_known_hosts_refused(f, "# ok\n[127.0.0.1]:%u ssh-ed25519\n", "line 2");
}

static void
test_hostkey_marker_refused(Fixture *f, gconstpointer data)
{
    check_known_hosts_refused(
        f,
        "@revoked [127.0.0.1]:PORT ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIP3Kgflq1jdlrLrk1DAQ1pklxMocmxfh+9ndxAmFnGr1\n",
        "line 1: markers");
}

static void
test_hostkey_unknown_type_refused(Fixture *f, gconstpointer data)
{
    check_known_hosts_refused(f,
                              "[127.0.0.1]:PORT sk-ssh-ed25519@openssh.com "
                              "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIHfN3qk3A6Oq\n",
                              "type vmlab-virt cannot check");
}

/* Return: (transfer full): a valid sk-ssh-ed25519@openssh.com public key blob, base64. */
static char *
sk_key_blob(void)
{
    static const char *fields[] = {"sk-ssh-ed25519@openssh.com", "0123456789abcdef0123456789abcdef",
                                   "ssh:"};
    g_autoptr(GByteArray) blob = g_byte_array_new();

    for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
        guint32 len = GUINT32_TO_BE((guint32)strlen(fields[i]));
        g_byte_array_append(blob, (const guint8 *)&len, 4);
        g_byte_array_append(blob, (const guint8 *)fields[i], (guint)strlen(fields[i]));
    }
    return g_base64_encode(blob->data, blob->len);
}

static void
test_hostkey_unknown_type_hashed_refused(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *blob = sk_key_blob();
    g_autofree char *text = NULL;
    g_autofree char *hashed = NULL;
    g_autofree char *after = NULL;
    VlSshTarget t;

    if (!need_server())
        return;
    /* The same entry as above, its name hashed by OpenSSH itself (ssh-keygen -H). */
    t = target(f);
    text = g_strdup_printf("[127.0.0.1]:%u sk-ssh-ed25519@openssh.com %s\n", t.port, blob);
    g_assert_true(g_file_set_contents(f->known_hosts, text, -1, NULL));
    {
        const char *hash[] = {"/usr/bin/ssh-keygen", "-q", "-H", "-f", f->known_hosts, NULL};
        run(hash, FALSE);
    }
    hashed = slurp(f->known_hosts);
    g_assert_true(g_str_has_prefix(hashed, "|1|"));
    g_assert_nonnull(strstr(hashed, blob));
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "type vmlab-virt cannot check"));
    after = slurp(f->known_hosts);
    g_assert_cmpstr(after, ==, hashed);
    /* An entry for another port does not stand in the way. */
    t.port = vl_test_free_port();
    g_clear_error(&error);
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
}

static void
test_exec_output_and_status(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    VlSshTarget t;
    gboolean ok;
    int status = -1;

    if (!need_server())
        return;
    t = target(f);
    ok = vl_ssh_exec(&t, "echo out; echo err >&2; exit 3", &out, &err, &status, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpstr(out, ==, "out\n");
    g_assert_cmpstr(err, ==, "err\n");
    g_assert_cmpint(status, ==, 3);
}

static void
test_exec_large_output(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    VlSshTarget t;
    gboolean ok;
    int status = -1;

    if (!need_server())
        return;
    t = target(f);
    /* Far more than the SSH channel window, on both streams at once. */
    ok = vl_ssh_exec(&t,
                     "head -c 3000000 /dev/zero | tr '\\0' x & "
                     "head -c 700000 /dev/zero | tr '\\0' y >&2; wait",
                     &out, &err, &status, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpuint(strlen(out), ==, 3000000);
    g_assert_cmpuint(strlen(err), ==, 700000);
    g_assert_cmpuint(strspn(out, "x"), ==, 3000000);
    g_assert_cmpuint(strspn(err, "y"), ==, 700000);
}

static void
test_exec_output_limit(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    VlSshTarget t;

    if (!need_server())
        return;
    t = target(f);
    g_assert_false(vl_ssh_exec(&t, "head -c 17000000 /dev/zero", &out, NULL, NULL, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "standard output exceeds 16 MiB"));
    g_assert_null(out);
}

static void
test_exec_signal(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VlSshTarget t;
    gboolean ok;
    int status = -1;

    if (!need_server())
        return;
    t = target(f);
    ok = vl_ssh_exec(&t, "kill -TERM $$", NULL, NULL, &status, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpint(status, ==, 128 + SIGTERM);
}

static void
test_exec_timeout(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    VlSshTarget t;
    gint64 start;
    gint64 took;

    if (!need_server())
        return;
    t = target(f);
    t.timeout_ms = 1500;
    start = g_get_monotonic_time();
    g_assert_false(vl_ssh_exec(&t, "sleep 30", &out, NULL, NULL, NULL, &error));
    took = g_get_monotonic_time() - start;
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "running the command"));
    g_assert_null(out);
    g_assert_cmpint(took, <, 3 * G_TIME_SPAN_SECOND);
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    signal(SIGPIPE, SIG_IGN);
    g.dir = vl_test_mkdtemp();
    server_setup();
    if (g.skip)
        g_test_message("server cases skipped: %s", g.skip);

    ADD("/ssh/login/ok", test_login_ok);
    ADD("/ssh/login/bad-password", test_login_bad_password);
    ADD("/ssh/login/kbd-interactive", test_login_kbd_interactive);
    ADD("/ssh/login/refused-port", test_login_refused_port);
    ADD("/ssh/login/timeout", test_login_timeout);
    ADD("/ssh/login/parallel", test_login_parallel);
    ADD("/ssh/hostkey/tofu-records", test_hostkey_tofu_records);
    ADD("/ssh/hostkey/tofu-appends", test_hostkey_tofu_appends);
    ADD("/ssh/hostkey/changed-refused", test_hostkey_changed_refused);
    ADD("/ssh/hostkey/type-changed-refused", test_hostkey_type_changed_refused);
    ADD("/ssh/hostkey/null-refused", test_hostkey_null_refused);
    ADD("/ssh/hostkey/unparseable-refused", test_hostkey_unparseable_refused);
    ADD("/ssh/hostkey/marker-refused", test_hostkey_marker_refused);
    ADD("/ssh/hostkey/unknown-type-refused", test_hostkey_unknown_type_refused);
    ADD("/ssh/hostkey/unknown-type-hashed-refused", test_hostkey_unknown_type_hashed_refused);
    ADD("/ssh/exec/output-and-status", test_exec_output_and_status);
    ADD("/ssh/exec/large-output", test_exec_large_output);
    ADD("/ssh/exec/output-limit", test_exec_output_limit);
    ADD("/ssh/exec/signal", test_exec_signal);
    ADD("/ssh/exec/timeout", test_exec_timeout);

    rc = g_test_run();
    server_teardown();
    return rc;
}
