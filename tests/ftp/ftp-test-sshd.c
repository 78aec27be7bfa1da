/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ftp-test-sshd.c - a real OpenSSH sshd on 127.0.0.1 for the tests of SFTP backends */
#include "ftp-test-sshd.h"

#include "ftp-test-util.h"

#include <signal.h>
#include <sys/prctl.h>

void
ftp_test_keygen(const char *path)
{
    const char *argv[] = {"ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", path, NULL};
    g_autofree char *err = NULL;

    if (ftp_test_run(argv, NULL, NULL, &err) != 0)
        g_error("ssh-keygen failed: %s", err);
}

/* Return: a TCP port that was free a moment ago (sshd cannot report a port 0 binding). */
static guint16
free_port(void)
{
    g_autoptr(GSocket) s =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    g_assert_true(g_socket_bind(s, any, FALSE, NULL));
    bound = g_socket_get_local_address(s, NULL);
    return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

static void
child_die_with_parent(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
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
    gboolean up = FALSE;

    if (!g_file_test(host_key, G_FILE_TEST_EXISTS))
        ftp_test_keygen(host_key);
    text = ftp_test_read(pub, NULL);
    ftp_test_write(auth, text, -1, 0600);
    g_free(text);
    if (!s->port)
        s->port = free_port();
    text = g_strdup_printf("Port %u\nListenAddress 127.0.0.1\nHostKey %s\nPidFile none\n"
                           "AuthorizedKeysFile %s\nPubkeyAuthentication yes\n"
                           "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                           "PermitRootLogin yes\nStrictModes no\nUsePAM no\n"
                           "Subsystem sftp internal-sftp\nLogLevel VERBOSE\n",
                           s->port, host_key, auth);
    ftp_test_write(conf, text, -1, 0600);
    g_free(text);
    /* sshd insists on its privilege separation folder. */
    g_assert_cmpint(g_mkdir_with_parents("/run/sshd", 0755), ==, 0);
    g_subprocess_launcher_set_stderr_file_path(launcher, log);
    g_subprocess_launcher_set_child_setup(launcher, child_die_with_parent, NULL, NULL);
    s->proc =
        g_subprocess_launcher_spawn(launcher, &err, FTP_TEST_SSHD, "-D", "-e", "-f", conf, NULL);
    g_assert_no_error(err);
    for (int i = 0; i < 500 && !up; i++) {
        g_autoptr(GSocketClient) c = g_socket_client_new();
        g_autoptr(GSocketConnection) conn = NULL;
        g_socket_client_set_enable_proxy(c, FALSE);
        conn = g_socket_client_connect_to_host(c, "127.0.0.1", s->port, NULL, NULL);
        up = conn != NULL;
        if (!up)
            g_usleep(20 * 1000);
    }
    if (!up) {
        g_autofree char *l = ftp_test_read(log, NULL);
        g_error("sshd did not start: %s", l ? l : "");
    }
    text = ftp_test_read(host_pub, NULL);
    {
        g_auto(GStrv) parts = g_strsplit(text, " ", 3);
        g_autofree char *line =
            g_strdup_printf("[127.0.0.1]:%u %s %s\n", s->port, parts[0], parts[1]);
        ftp_test_write(s->known_hosts, line, -1, 0644);
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
