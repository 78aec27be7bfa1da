/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ftp-test-sshd.c - a real OpenSSH sshd on 127.0.0.1 for the tests of SFTP backends */
#include "ftp-test-sshd.h"

#include "ftp-test-util.h"
#include "vl-test-util.h"

void
ftp_test_keygen(const char *path)
{
    const char *argv[] = {"ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", path, NULL};
    g_autofree char *err = NULL;

    if (ftp_test_run(argv, NULL, NULL, &err) != 0)
        g_error("ssh-keygen failed: %s", err);
}

void
ftp_test_sshd_wait(guint16 port, const char *log)
{
    gboolean up = FALSE;

    for (int i = 0; i < 500 && !up; i++) {
        g_autoptr(GSocketClient) c = g_socket_client_new();
        g_autoptr(GSocketConnection) conn = NULL;
        g_socket_client_set_enable_proxy(c, FALSE);
        conn = g_socket_client_connect_to_host(c, "127.0.0.1", port, NULL, NULL);
        up = conn != NULL;
        if (!up)
            g_usleep(20 * 1000);
    }
    if (!up) {
        g_autofree char *l = vl_test_read_file(log, NULL);
        g_error("sshd did not start: %s", l ? l : "");
    }
}

void
ftp_test_sshd_start(FtpTestSshd *s)
{
    g_autofree char *conf = g_build_filename(s->dir, "sshd_config", NULL);
    g_autofree char *host_key = g_build_filename(s->dir, "host_key", NULL);
    g_autofree char *auth = g_build_filename(s->dir, "authorized_keys", NULL);
    g_autofree char *pub = g_strconcat(s->client_key, ".pub", NULL);
    g_autofree char *host_pub = g_strconcat(host_key, ".pub", NULL);
    g_autofree char *text = NULL;
    g_autofree char *log = g_build_filename(s->dir, "sshd.log", NULL);
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(0);
    g_autoptr(GError) err = NULL;

    if (!g_file_test(host_key, G_FILE_TEST_EXISTS))
        ftp_test_keygen(host_key);
    text = vl_test_read_file(pub, NULL);
    vl_test_write_file(auth, text, -1, 0600);
    g_free(text);
    if (!s->port)
        s->port = vl_test_free_port();
    text = g_strdup_printf("Port %u\nListenAddress 127.0.0.1\nHostKey %s\nPidFile none\n"
                           "AuthorizedKeysFile %s\nPubkeyAuthentication yes\n"
                           "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                           "PermitRootLogin yes\nStrictModes no\nUsePAM no\n"
                           "Subsystem sftp internal-sftp\nLogLevel VERBOSE\n",
                           s->port, host_key, auth);
    vl_test_write_file(conf, text, -1, 0600);
    g_free(text);
    /* sshd insists on its privilege separation folder. */
    g_assert_cmpint(g_mkdir_with_parents("/run/sshd", 0755), ==, 0);
    g_subprocess_launcher_set_stderr_file_path(launcher, log);
    g_subprocess_launcher_set_child_setup(launcher, vl_test_child_die_with_parent, NULL, NULL);
    s->proc =
        g_subprocess_launcher_spawn(launcher, &err, FTP_TEST_SSHD, "-D", "-e", "-f", conf, NULL);
    g_assert_no_error(err);
    ftp_test_sshd_wait(s->port, log);
    text = vl_test_read_file(host_pub, NULL);
    {
        g_auto(GStrv) parts = g_strsplit(text, " ", 3);
        g_autofree char *line =
            g_strdup_printf("[127.0.0.1]:%u %s %s\n", s->port, parts[0], parts[1]);
        vl_test_write_file(s->known_hosts, line, -1, 0644);
    }
}

void
ftp_test_sshd_stop(FtpTestSshd *s)
{
    if (!s->proc)
        return;
    g_subprocess_send_signal(s->proc, SIGTERM);
    if (!ftp_test_wait_exit(s->proc, 5000)) {
        g_subprocess_force_exit(s->proc);
        ftp_test_wait_exit(s->proc, 5000);
    }
    g_clear_object(&s->proc);
}
