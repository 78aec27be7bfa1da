/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ssh.c - vl_ssh_check_login() and vl_ssh_exec() against a real OpenSSH sshd on 127.0.0.1 */
#include "vl-error.h"
#include "vl-ssh.h"
#include "vl-test-sshd.h"
#include "vl-test-util.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>

static void
test_login_ok(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VlSshTarget t;
    gboolean ok;
    gboolean recorded = FALSE;

    if (!vl_test_ssh_need_server())
        return;
    t = vl_test_ssh_target(f);
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
test_login_bad_password(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *port = NULL;
    VlSshTarget t;

    if (!vl_test_ssh_need_server())
        return;
    t = vl_test_ssh_target(f);
    t.password = "wrong-Password-42";
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_FAILED);
    port = g_strdup_printf("127.0.0.1:%u", vl_test_ssh.main.port);
    g_assert_nonnull(strstr(error->message, port));
    g_assert_nonnull(strstr(error->message, vl_test_ssh.user));
    g_assert_null(strstr(error->message, t.password));
}

static void
test_login_kbd_interactive(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *why = NULL;
    g_autofree char *log = NULL;
    VlTestSshd kbd = {.name = "kbd", .kbd_only = TRUE};
    VlSshTarget t;
    gboolean ok;

    if (!vl_test_ssh_need_server())
        return;
    g_assert_true(vl_test_sshd_start(&kbd, vl_test_ssh.key_a, &why));
    t = vl_test_ssh_target(f);
    t.port = kbd.port;
    ok = vl_ssh_check_login(&t, NULL, &error);
    if (!ok) {
        log = vl_test_read_file(kbd.log, NULL);
        g_test_message("sshd log: %s", log);
    }
    g_assert_no_error(error);
    g_assert_true(ok);
    /* It really went through keyboard-interactive (this server offers nothing else). */
    g_assert_true(vl_test_sshd_log_wait(&kbd, 0, "Accepted keyboard-interactive/pam for"));
    t.password = "wrong-Password-42";
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_FAILED);
    vl_test_sshd_stop(&kbd);
    g_free(kbd.log);
}

static void
test_login_refused_port(VlTestSshFixture *f, gconstpointer data)
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
test_login_timeout(VlTestSshFixture *f, gconstpointer data)
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
test_login_parallel(VlTestSshFixture *f, gconstpointer data)
{
    LoginJob jobs[6];
    GThread *threads[G_N_ELEMENTS(jobs)];
    g_autofree char *content = NULL;
    g_auto(GStrv) lines = NULL;
    guint recorded = 0;

    if (!vl_test_ssh_need_server())
        return;
    for (guint i = 0; i < G_N_ELEMENTS(jobs); i++) {
        jobs[i] = (LoginJob){.target = vl_test_ssh_target(f)};
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
    content = vl_test_read_file(f->known_hosts, NULL);
    g_assert_nonnull(content);
    lines = g_strsplit(g_strchomp(content), "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 1);
}

static void
test_exec_output_and_status(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    VlSshTarget t;
    gboolean ok;
    int status = -1;

    if (!vl_test_ssh_need_server())
        return;
    t = vl_test_ssh_target(f);
    ok = vl_ssh_exec(&t, "echo out; echo err >&2; exit 3", &out, &err, &status, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpstr(out, ==, "out\n");
    g_assert_cmpstr(err, ==, "err\n");
    g_assert_cmpint(status, ==, 3);
}

static void
test_exec_large_output(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    VlSshTarget t;
    gboolean ok;
    int status = -1;

    if (!vl_test_ssh_need_server())
        return;
    t = vl_test_ssh_target(f);
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
test_exec_output_limit(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    VlSshTarget t;

    if (!vl_test_ssh_need_server())
        return;
    t = vl_test_ssh_target(f);
    g_assert_false(vl_ssh_exec(&t, "head -c 17000000 /dev/zero", &out, NULL, NULL, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "standard output exceeds 16 MiB"));
    g_assert_null(out);
}

static void
test_exec_signal(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VlSshTarget t;
    gboolean ok;
    int status = -1;

    if (!vl_test_ssh_need_server())
        return;
    t = vl_test_ssh_target(f);
    ok = vl_ssh_exec(&t, "kill -TERM $$", NULL, NULL, &status, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpint(status, ==, 128 + SIGTERM);
}

static void
test_exec_timeout(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    VlSshTarget t;
    gint64 start;
    gint64 took;

    if (!vl_test_ssh_need_server())
        return;
    t = vl_test_ssh_target(f);
    t.timeout_ms = 1500;
    start = g_get_monotonic_time();
    g_assert_false(vl_ssh_exec(&t, "sleep 30", &out, NULL, NULL, NULL, &error));
    took = g_get_monotonic_time() - start;
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "running the command"));
    g_assert_null(out);
    g_assert_cmpint(took, <, 3 * G_TIME_SPAN_SECOND);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    vl_test_ssh_server_setup();

    VL_TEST_SSH_ADD("/ssh/login/ok", test_login_ok);
    VL_TEST_SSH_ADD("/ssh/login/bad-password", test_login_bad_password);
    VL_TEST_SSH_ADD("/ssh/login/kbd-interactive", test_login_kbd_interactive);
    VL_TEST_SSH_ADD("/ssh/login/refused-port", test_login_refused_port);
    VL_TEST_SSH_ADD("/ssh/login/timeout", test_login_timeout);
    VL_TEST_SSH_ADD("/ssh/login/parallel", test_login_parallel);
    VL_TEST_SSH_ADD("/ssh/exec/output-and-status", test_exec_output_and_status);
    VL_TEST_SSH_ADD("/ssh/exec/large-output", test_exec_large_output);
    VL_TEST_SSH_ADD("/ssh/exec/output-limit", test_exec_output_limit);
    VL_TEST_SSH_ADD("/ssh/exec/signal", test_exec_signal);
    VL_TEST_SSH_ADD("/ssh/exec/timeout", test_exec_timeout);

    rc = g_test_run();
    vl_test_ssh_server_teardown();
    return rc;
}
