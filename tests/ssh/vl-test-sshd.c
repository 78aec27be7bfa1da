/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-sshd.c - the ssh tests' fixture: a throw-away user and real OpenSSH sshds on 127.0.0.1 */
#include "vl-test-sshd.h"

#include "vl-test-util.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define SSHD_PATH     "/usr/sbin/sshd"
#define SSHD_START_MS 5000
#define TIMEOUT_MS    10000

VlTestSshServer vl_test_ssh;

/* Runs @argv (bounded by the tools themselves), asserting success unless @may_fail. */
gboolean
vl_test_ssh_run(const char *const *argv, gboolean may_fail)
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
char *
vl_test_ssh_pub_blob(const char *key)
{
    g_autofree char *path = g_strconcat(key, ".pub", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    fields = g_strsplit(g_strstrip(text), " ", 3);
    g_assert_cmpuint(g_strv_length(fields), >=, 2);
    return g_strdup(fields[1]);
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
    const char *argv[] = {"/bin/sh",        "-c", script, "watchdog", vl_test_ssh.dir,
                          vl_test_ssh.user, NULL};
    g_autoptr(GError) error = NULL;
    GPid pid;

    g_assert_true(g_spawn_async_with_pipes(
        NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
        watchdog_setup, NULL, &pid, &vl_test_ssh.watchdog_fd, NULL, NULL, &error));
    g_assert_no_error(error);
    g_spawn_close_pid(pid);
}

/* Writes the config of @s with host key @key. Return: (transfer full): its path. */
static char *
sshd_config(const VlTestSshd *s, const char *key)
{
    g_autofree char *path = g_strdup_printf("%s/sshd-%s.conf", vl_test_ssh.dir, s->name);
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
                        s->port, key, vl_test_ssh.dir, s->name, s->kbd_only ? "no" : "yes",
                        s->kbd_only ? "yes" : "no", s->kbd_only ? "yes" : "no", vl_test_ssh.user);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return g_steal_pointer(&path);
}

/* Stops @s (SIGTERM, then SIGKILL after 3 s) and reaps it. */
void
vl_test_sshd_stop(VlTestSshd *s)
{
    g_autofree char *pidfile = g_strdup_printf("%s/sshd-%s.pid", vl_test_ssh.dir, s->name);
    g_autofree char *spawned = NULL;
    int status;

    if (s->pid <= 0)
        return;
    spawned = g_strdup_printf("%s/spawned-%d.pid", vl_test_ssh.dir, (int)s->pid);
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
gboolean
vl_test_sshd_start(VlTestSshd *s, const char *key, char **why)
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
        s->log =
            g_strdup_printf("%s/sshd-%s-%u.log", vl_test_ssh.dir, s->name, ++vl_test_ssh.starts);
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
            g_autofree char *spawned =
                g_strdup_printf("%s/spawned-%d.pid", vl_test_ssh.dir, (int)s->pid);
            g_autofree char *pid = g_strdup_printf("%d\n", (int)s->pid);
            g_assert_true(g_file_set_contents(spawned, pid, -1, NULL));
        }
        ready = g_strdup_printf("Server listening on 127.0.0.1 port %u.", s->port);
        deadline = g_get_monotonic_time() + SSHD_START_MS * G_TIME_SPAN_MILLISECOND;
        while (g_get_monotonic_time() < deadline) {
            g_autofree char *log = vl_test_read_file(s->log, NULL);
            int status;

            if (log && strstr(log, ready))
                return TRUE;
            if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
                g_autofree char *spawned =
                    g_strdup_printf("%s/spawned-%d.pid", vl_test_ssh.dir, (int)s->pid);
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
            vl_test_sshd_stop(s);
            *why = g_strdup_printf("sshd did not listen within %d ms", SSHD_START_MS);
            return FALSE;
        }
        keep_port = FALSE;
    }
    *why = g_strdup("no free port for sshd after 5 attempts");
    return FALSE;
}

/* Return: (transfer full): the text @s logged after byte @from. */
char *
vl_test_sshd_log_since(const VlTestSshd *s, gsize from)
{
    g_autofree char *log = vl_test_read_file(s->log, NULL);

    if (!log || strlen(log) < from)
        return g_strdup("");
    return g_strdup(log + from);
}

/* Return: TRUE once @s logged @needle after byte @from, FALSE if not within 3 s. */
gboolean
vl_test_sshd_log_wait(const VlTestSshd *s, gsize from, const char *needle)
{
    for (int i = 0; i < 300; i++) {
        g_autofree char *log = vl_test_sshd_log_since(s, from);

        if (strstr(log, needle))
            return TRUE;
        g_usleep(10000);
    }
    return FALSE;
}

/* Return: the size of @s's log now. */
gsize
vl_test_sshd_log_size(const VlTestSshd *s)
{
    g_autofree char *log = vl_test_read_file(s->log, NULL);

    return log ? strlen(log) : 0;
}

/* Sets up the user, the host keys and the main sshd; on any lack, records why in .skip. */
static void
server_prepare(void)
{
    g_autofree char *pwline = NULL;
    char *why = NULL;

    if (geteuid() != 0) {
        vl_test_ssh.skip =
            g_strdup("needs root (to create a throw-away user for sshd password logins)");
        return;
    }
    if (!g_file_test(SSHD_PATH, G_FILE_TEST_IS_EXECUTABLE)) {
        vl_test_ssh.skip = g_strdup(SSHD_PATH " is not installed (package openssh-server)");
        return;
    }
    vl_test_ssh.user = g_strdup_printf("vlssh%d", (int)getpid());
    vl_test_ssh.password = g_strdup_printf("Pw-%08x%08x", g_random_int(), g_random_int());
    vl_test_ssh.key_a = g_build_filename(vl_test_ssh.dir, "hostkey-a", NULL);
    vl_test_ssh.key_b = g_build_filename(vl_test_ssh.dir, "hostkey-b", NULL);
    vl_test_ssh.key_ecdsa = g_build_filename(vl_test_ssh.dir, "hostkey-ecdsa", NULL);
    watchdog_start();
    {
        const char *useradd[] = {"/usr/sbin/useradd", "-M", "-d", "/", "-s", "/bin/sh",
                                 vl_test_ssh.user,    NULL};
        const char *keygen_a[] = {"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                                  vl_test_ssh.key_a,     NULL};
        const char *keygen_b[] = {"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                                  vl_test_ssh.key_b,     NULL};
        const char *keygen_c[] = {"/usr/bin/ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f",
                                  vl_test_ssh.key_ecdsa, NULL};

        pwline = g_strdup_printf("echo '%s:%s' | /usr/sbin/chpasswd", vl_test_ssh.user,
                                 vl_test_ssh.password);
        const char *chpasswd[] = {"/bin/sh", "-c", pwline, NULL};

        vl_test_ssh_run(useradd, FALSE);
        vl_test_ssh_run(chpasswd, FALSE);
        vl_test_ssh_run(keygen_a, FALSE);
        vl_test_ssh_run(keygen_b, FALSE);
        vl_test_ssh_run(keygen_c, FALSE);
    }
    /* sshd refuses to start without its privilege separation folder. */
    g_mkdir_with_parents("/run/sshd", 0755);
    vl_test_ssh.main.name = "main";
    if (!vl_test_sshd_start(&vl_test_ssh.main, vl_test_ssh.key_a, &why))
        vl_test_ssh.broken = why; /* every server case fails with this reason */
}

void
vl_test_ssh_server_setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    vl_test_ssh.dir = vl_test_mkdtemp();
    server_prepare();
    if (vl_test_ssh.skip)
        g_test_message("server cases skipped: %s", vl_test_ssh.skip);
}

/* Stops the server, deletes the user and the temp folder. */
void
vl_test_ssh_server_teardown(void)
{
    vl_test_sshd_stop(&vl_test_ssh.main);
    if (vl_test_ssh.user) {
        const char *userdel[] = {"/usr/sbin/userdel", "-f", vl_test_ssh.user, NULL};
        vl_test_ssh_run(userdel, TRUE);
    }
    vl_test_rmtree(vl_test_ssh.dir);
    if (vl_test_ssh.watchdog_fd > 0)
        close(vl_test_ssh.watchdog_fd); /* the watchdog finds nothing left to do */
}

void
vl_test_ssh_fixture_setup(VlTestSshFixture *f, gconstpointer data)
{
    f->dir = g_build_filename(vl_test_ssh.dir, "case-XXXXXX", NULL);
    g_assert_nonnull(g_mkdtemp(f->dir));
    f->known_hosts = g_build_filename(f->dir, "known_hosts", NULL);
}

void
vl_test_ssh_fixture_teardown(VlTestSshFixture *f, gconstpointer data)
{
    vl_test_rmtree(f->dir);
    g_free(f->dir);
    g_free(f->known_hosts);
}

/* Return: TRUE if the server cases can run; else marks the case skipped or failed. */
gboolean
vl_test_ssh_need_server(void)
{
    if (vl_test_ssh.skip) {
        g_test_skip(vl_test_ssh.skip);
        return FALSE;
    }
    if (vl_test_ssh.broken) {
        g_test_fail_printf("the test sshd could not be started: %s", vl_test_ssh.broken);
        return FALSE;
    }
    return TRUE;
}

/* Return: a target for the main sshd with the fixture's known_hosts. */
VlSshTarget
vl_test_ssh_target(const VlTestSshFixture *f)
{
    return (VlSshTarget){.host = "127.0.0.1",
                         .port = vl_test_ssh.main.port,
                         .user = vl_test_ssh.user,
                         .password = vl_test_ssh.password,
                         .known_hosts = f->known_hosts,
                         .timeout_ms = TIMEOUT_MS};
}
